r"""x11 surrogate table (NAS-Bench-x11 Table 3 on the curves available offline).

Full run (reference LightGBM hyper-parameters, the x11 code's XGBoost settings -- 100 rounds,
see ``mean_models.REFERENCE_XGB``; all 18 SVD/VAE x LGB/XGB/MLP x GKDE/STD/window
combinations; needs ``jaxnas[lightgbm,xgboost,onnx]``)::

    python -m experiments.x11_table --config=experiments/configs/x11.py \
        --data_dir=../shared/data --workdir=results/x11

Smoke run (tiny models, one TaskSet task subsampled; numbers meaningless)::

    python -m experiments.x11_table --config=experiments/configs/x11.py:smoke \
        --data_dir=../shared/data --workdir=/tmp/x11_smoke

Issue 14 defaults (measured 2026-12-07; reference GKDE query, NB111-4 per-epoch standardised
SVD with its 736 failed runs -- valid acc <= 0.15 at 12, 36 or 108 epochs -- excluded from
fitting and test metrics, NB311-YAHPO on all 11,221 genotypes with epoch-dependent noise 0.5 x
the per-epoch spread, std 0.015 at epoch 1 and 0.002 at 98). Only the SVD-LGB rows were run,
133.8 s wall, seed 0, shared 2-core CPU under load ~3.5::

    python -m experiments.x11_table --config=experiments/configs/x11.py \
        --config.datasets="('nb111-4', 'nb311-yahpo')" --config.compressors="('svd',)" \
        --config.mean_models="('lgb',)" --data_dir=../shared/data --workdir=/tmp/hf/final

* NB111-4 (19,258 curves; 15,406/1,926/1,926): SVD-LGB avg/final R^2 0.799/**0.919** (issue
  target >= 0.75), KT 0.743/0.839; KL avg/final GKDE 99.0/247, STD 26.0/64.2, window
  33.4/3.75. Unlike the seed, no NB101 tabular values are input features (they are the
  target here). Ablations (same command restricted to 'nb111-4', one switch changed):
  old defaults (un-centred SVD, failed runs kept, unclipped GKDE) 0.648/0.467 (the
  2026-11-29 numbers below, reproduced exactly); standardised with failed runs kept
  0.616/0.312 (KT stays 0.739/0.836, so the R^2 loss comes from a few large errors,
  consistent with failed runs in the test split); un-centred with failed runs excluded
  0.735/0.683; unclipped GKDE (standardised, excluded) KL 25.1/61.9: the reference's
  halving raises the KL against the NB101-EC seeds (99.0/247).
* NB311-YAHPO (11,221 generated curves): SVD-LGB avg/final R^2 0.526/0.447, **ceiling
  0.808/0.829** (exact YAHPO mean curve against the noisy test curves), KT 0.518/0.473; KL
  avg/final GKDE 3.39/1.50, STD 1.63/0.98, window 2.22/3.72. With 2,000 genotypes
  (the old default): 0.416/0.289 against a ceiling of 0.810/0.847.

All 18 combinations on these two datasets (the same command without the ``compressors`` and
``mean_models`` overrides, ``--workdir=/tmp/hf/allcombos``; 606 s wall, same machine), avg/final
R^2 (NB311 ceiling 0.808/0.829 for every row): NB111-4 SVD-XGB 0.569/0.588, SVD-MLP
0.754/0.917, VAE-LGB 0.773/0.882, VAE-XGB 0.605/0.745, VAE-MLP 0.730/0.890 (the VAE ignores
the SVD standardisation; its gain is the failed-run exclusion); NB311-YAHPO SVD-XGB
0.286/0.213, SVD-MLP 0.168/0.226, VAE-LGB 0.464/0.498, VAE-XGB 0.240/0.189, VAE-MLP
0.026/-0.080. The NLP-WT2 and TaskSet rows were not rerun.

Older numbers, old defaults (measured 2026-11-29 with exactly the full-run command above,
nothing reduced: seed 0, 1 LightGBM/XGBoost thread, 58 minutes on a shared 2-core CPU under
load ~15). Test split, mean curve: avg/final R^2, avg/final Kendall tau (the noise model does
not change these):

* NLP-WT2 + first 3 losses (273/34/34): SVD-LGB 0.947/0.930, KT 0.829/0.768; SVD-XGB
  0.534/0.464 (0.749/0.699); SVD-MLP 0.603/0.614 (0.640/0.586); VAE-LGB 0.927/0.920
  (0.806/0.747); VAE-XGB 0.302/0.165 (0.674/0.707); VAE-MLP 0.619/0.533 (0.598/0.537).
* NLP-WT2 graph only: SVD-LGB -0.022/0.058; SVD-XGB 0.129/0.101; SVD-MLP 0.388/0.360;
  VAE-LGB -0.713/-0.312; VAE-XGB -0.022/-0.092; VAE-MLP 0.378/0.436.
* TaskSet LSTM128 (733/92/91): SVD-LGB 0.270/-0.296; SVD-XGB 0.447/0.473; SVD-MLP
  -0.839/-1.071; VAE-LGB -0.820/-0.628; VAE-XGB 0.205/0.194; VAE-MLP -0.389/-0.724.
* TaskSet VRNN64 (663/83/83): every combination R^2 in [-0.13, 0.02] (KT 0.08-0.58); spike
  rates 0.43-0.94 except VAE-XGB-window 0.036.
* NB111-4 (15,995/1,999/2,000; k = 3 of 4 points): SVD-LGB 0.648/0.467, KT 0.704/0.670;
  SVD-XGB 0.433/0.234; SVD-MLP 0.520/0.168; VAE-LGB 0.616/0.394; VAE-XGB 0.465/0.289;
  VAE-MLP 0.583/0.422. KL avg/final on the 3-seed NB101-EC cells: SVD-LGB-GKDE 383/3.04,
  -STD 296/2.84, -window 725/31.9 (the average is dominated by the 4-epoch budget, whose
  3 seeds barely differ).
* NB311-YAHPO (2,000 generated curves, 1,600/200/200): SVD-LGB 0.413/0.145, KT 0.427/0.217;
  SVD-XGB 0.169/0.047; SVD-MLP -0.217/-0.044; VAE-LGB 0.324/0.003; VAE-XGB 0.098/-0.056;
  VAE-MLP -0.470/-2.019. KL avg/final: SVD-LGB GKDE 1.32/0.60, STD 2.08/0.71, window
  3.23/1.77; SVD-XGB GKDE 2.01/0.66; VAE-LGB GKDE 1.41/1.01.

Held-out SVD elbow k: NLP 5, TaskSet 3 and 4, NB111-4 4 (= all points), NB311-YAHPO 4.
XGBoost with 3,000 rounds instead of the reference's effective 100 (a side run, not part of
the table): NLP-WT2+3ep SVD-XGB 0.880/0.835, 716 s fit vs 31 s. These are not the seed's
datasets: its Table 3 is for NB111 (NB101 108-epoch curves), NB311 (NB301 curves) and NLP11
(NB-NLP PTB curves), none available here.
"""

import ml_collections


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    # Sequences are tuples so they can be overridden on the command line, e.g.
    # --config.datasets="('nlp-wt2', 'nb311-yahpo')".
    c = ml_collections.ConfigDict()
    c.seeds = (0,)
    # Datasets: 'nlp-wt2' (graph + first `nlp_first_epochs` losses), 'nlp-wt2-graph' (graph
    # only), 'taskset' (each task in `taskset_tasks`), 'nb111-4' (NB101-20k, 4
    # fidelities; KL on the 3-seed NB101-EC cells).
    # 'nb311-yahpo': curves generated by the YAHPO NB301 ONNX surrogate + declared noise (a
    # surrogate of a surrogate; KL against the declared noisy truth).
    c.datasets = ("nlp-wt2", "nlp-wt2-graph", "taskset", "nb111-4", "nb311-yahpo")
    c.taskset_tasks = (
        "imdb_patch128_LSTM128_avg_bs64",
        "imdb_patch32_VRNN64_relu_avg_bs128",
    )
    c.nlp_first_epochs = 3
    c.nb311_num_archs = 11221  # all NB301 training genotypes
    c.nb311_noise_std = 0.005  # i.i.d. noise, used only when nb311_noise_scale is 0
    # Epoch-dependent NB311-YAHPO noise: std = scale x the per-epoch spread (std across the drawn
    # genotypes) of YAHPO's mean curves; 0.5 gives a ceiling R^2 of about 1 / (1 + 0.5**2) = 0.8
    # at every epoch (our choice; the i.i.d. 0.005 exceeded the final-epoch spread, 0.0039).
    c.nb311_noise_scale = 0.5  # = jaxnas.benchmarks.nb311.NOISE_SCALE, build()'s default (tested)
    # NB111-4: standardise each epoch (its four budgets are separate runs) before the SVD;
    # False is the reference's un-centred SVD.
    c.nb111_svd_standardize = True
    # NB111-4: runs at or below this validation accuracy at any budget are failed runs, excluded
    # from fitting and counted in the notes (0: keep them).
    c.nb111_failed_threshold = 0.15
    c.max_rows = 0  # subsample each dataset to at most this many rows (0: all)
    c.split = (0.8, 0.1, 0.1)
    c.compressors = ("svd", "vae")
    c.mean_models = ("lgb", "xgb", "mlp")  # 'xgb' needs the optional xgboost
    c.noise_models = ("gkde", "std", "window")
    c.num_components = 6  # 0: choose k by held-out reconstruction error
    c.lgb_preset = "reference"  # 'reference' (x11's hyper-parameters) or 'fast'
    c.xgb_preset = "reference"  # 'reference' (what x11's code fits) or 'fast'
    # LightGBM and XGBoost threads; 2 threads stalled for minutes on the shared, loaded 2-core CPU.
    c.lgb_threads = 1
    c.mlp_preset = "default"  # 'default' or 'fast'
    c.vae_preset = "default"  # 'default' or 'fast'
    c.gkde_reference_clip = True  # the reference's clip to [-3, 3] and halving of GKDE draws
    c.window = 5
    c.kl_samples = 100  # surrogate draws per architecture for the KL estimate
    if arg == "smoke":
        c.datasets = ("nlp-wt2", "taskset")
        c.taskset_tasks = ("imdb_patch32_VRNN64_relu_avg_bs128",)
        c.max_rows = 150
        c.lgb_preset = "fast"
        c.xgb_preset = "fast"
        c.lgb_threads = 1
        c.mlp_preset = "fast"
        c.vae_preset = "fast"
        c.kl_samples = 10
    elif arg not in (None, ""):
        raise ValueError(f"unknown x11 config variant {arg!r}; use '' or 'smoke'")
    return c
