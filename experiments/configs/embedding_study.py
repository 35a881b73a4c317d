r"""Understanding embeddings: the seed's four studies for any encodings on NB201 or NB101-20k.

    python -m experiments.embedding_study --config=experiments/configs/embedding_study.py \
        --data_dir=../shared/data --workdir=results/study_nb201 \
        --config.encodings="('adjacency_one_hot','path_one_hot',\
'supervised=results/supervised_nb201/embeddings.npz',\
'arch2vec=results/arch2vec_nb201_reference/embeddings.npz')"

Variants: '' (NB201 CIFAR-10), 'nb101' (NB101-20k, 108-epoch validation accuracy), 'smoke' (tiny
settings on NB201, numbers meaningless). Encodings are hand-made ones by name
(:func:`jaxnas.encodings.encoding_names`) or learned ones as ``name=path/embeddings.npz`` (or a
bare path, named after its directory), in the ``ids``/``embeddings`` format of
``experiments.pretrain_arch2vec`` / ``pretrain_cate`` / ``pretrain_supervised``.

Studies (``studies``): ``predictive`` (GP on ``num_train`` = 250 architectures predicts the rest;
RMSE / Pearson r over accuracy > 0.8, ``num_seeds`` = 10), ``edit_distance`` (L2 vs graph edit
distance of pairs of cells at most ``max_lag`` = 10 steps apart on a ``walk_steps`` = 1,000-step
walk of single edits), ``landscape`` (RWA in the
discrete and the encoding space, FDC, the seed's Figure 6), ``projection`` (PCA / t-SNE / UMAP
if installed, coloured by accuracy).

Seed's predictive numbers (RMSE / Pearson r, mean ± std over 10 seeds): supervised
0.038±0.025 / 0.53±0.09, arch2vec 0.018±0.001 / 0.67±0.02. The seed does not say which benchmark
or accuracy these are for (its arch2vec paper reports NB101); here they are printed beside every
benchmark.

Expected (measured 2026-11-29, seed 0, shared 2-core CPU; RMSE / Pearson r over 10 seeds):

* NB201 CIFAR-10 validation accuracy (13,049 scored cells, ~23 min with 5 encodings):
  adjacency one-hot 0.052±0.009 / 0.52±0.02, path one-hot 0.048±0.008 / 0.53±0.03,
  supervised (results/supervised_nb201, trained on these labels) 0.008±0.000 / 0.94±0.00,
  arch2vec (:reference pretraining) 0.060±0.013 / 0.40±0.05.
* NB101-20k 108-epoch validation accuracy (``:nb101``; 19,654 scored cells, ~25 min):
  adjacency one-hot 0.016±0.003 / 0.69±0.12, path one-hot 0.018±0.004 / 0.61±0.18, supervised
  0.016±0.010 / 0.81±0.15, arch2vec (:reference) 0.020±0.006 / 0.59±0.19.
"""

import ml_collections


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.benchmark = "nb201"  # 'nb201' | 'nb101_20k'
    c.dataset = "cifar10"  # NB201 dataset
    c.metric = "valid_acc"  # accuracy studied (fractions); NB201 CIFAR-10 also has 'test_acc'
    c.encodings = ("adjacency_one_hot", "path_one_hot")
    c.studies = ("predictive", "edit_distance", "landscape", "projection")
    c.seed = 0
    # score_filter 'both': test points with true AND predicted accuracy > threshold (reference:
    # plot_scripts/pearson_plot_fig2.py); 'true': true accuracy only.
    c.predictive = ml_collections.ConfigDict(
        {"num_train": 250, "num_seeds": 10, "threshold": 0.8, "score_filter": "both",
         "gp_steps": 100, "learning_rate": 0.05}
    )  # fmt: skip
    # The per-seed supervised baseline (encoding spec 'supervised'): arch2vec's GIN + regressor
    # trained on each seed's 250 labelled rows only, with the reference's supervised DNGO
    # settings (pybnn/dngo_supervised.py: 100 epochs, batch 10, lr 1e-2).
    c.supervised = ml_collections.ConfigDict(
        {"num_layers": 4, "hidden": 128, "latent": 16, "head_hidden": 128, "batch_size": 10,
         "epochs": 100, "learning_rate": 1e-2, "grad_clip": 5.0}
    )  # fmt: skip
    # Pairs of walk cells at most max_lag steps apart (0: the start against every later cell).
    c.edit_distance = ml_collections.ConfigDict({"walk_steps": 1000, "max_lag": 10})
    c.landscape = ml_collections.ConfigDict(
        {"num_walks": 100, "walk_length": 200, "max_shift": 50, "knn": 24}
    )
    c.projection = ml_collections.ConfigDict(
        {"methods": ("pca", "tsne", "umap"), "max_points": 3000, "perplexity": 30.0}
    )
    if arg == "nb101":
        c.benchmark = "nb101_20k"
    elif arg == "smoke":
        c.predictive.num_train = 20
        c.predictive.num_seeds = 2
        c.predictive.gp_steps = 10
        c.supervised.num_layers = 2
        c.supervised.hidden = 16
        c.supervised.head_hidden = 16
        c.supervised.epochs = 2
        c.edit_distance.walk_steps = 30
        c.edit_distance.max_lag = 3
        c.landscape.num_walks = 4
        c.landscape.walk_length = 30
        c.landscape.max_shift = 5
        c.landscape.knn = 4
        c.projection.methods = ("pca", "tsne")
        c.projection.max_points = 150
        c.projection.perplexity = 10.0
    elif arg not in (None, ""):
        raise ValueError(f"unknown config variant {arg!r}; use '', 'nb101' or 'smoke'")
    return c
