r"""Multi-fidelity search with learning-curve extrapolation (NAS-Bench-x11's LCE experiment).

Full run (see the expected results below for what was measured)::

    python -m experiments.lce_search --config=experiments/configs/lce_search.py \
        --data_dir=../shared/data --workdir=results/lce_search

Smoke run (tiny budgets and candidate sets, 2 seeds; numbers meaningless)::

    python -m experiments.lce_search --config=experiments/configs/lce_search.py:smoke \
        --data_dir=../shared/data --workdir=/tmp/lce_search_smoke

(``JAX_COMPILATION_CACHE_DIR=~/.cache/jaxnas/jax_cc`` in the environment keeps compiled programs
between runs.) Benchmarks (finite candidate sets whose rows each have one fixed learning curve,
:mod:`jaxnas.benchmarks.curve_sets`):

* ``nbnlp_wt2`` -- the 341 NB-NLP WikiText-2 runs with finite curves: **real** per-epoch
  validation losses (50 epochs) and measured wall times.
* ``nlp11_wt2`` -- the same 341 cells, curves = one noisy draw of the NLP11-WT2 x11 surrogate
  (SVD-LGB-GKDE on the graph encoding + first 3 real losses); time from its LightGBM model.
* ``nb311_yahpo`` -- ``num_candidates`` random DARTS genotypes, curves = one noisy draw of the
  NB311-YAHPO surrogate (fitted to curves *generated* by YAHPO's NB301 ONNX model: a surrogate of
  a surrogate), 98 epochs.
* ``nb111_4`` -- ``num_candidates`` random NB101-20k cells, NB111-4 surrogate "curves" of four
  separate budgets (4/12/36/108 epochs), not one learning curve.

The seed's NB111 / NB311 / NLP11 benchmarks are not available offline (REFERENCE.md, "Known
gaps"), so the reference numbers printed beside ours are for *different* benchmarks.
Budgets are ``budget_trainings`` times the median full training time of the candidate set
(the reference budgets are ~50 (NLP11, 1e6 s) to a few hundred full trainings).

Measured 2026-11-29 on the shared, loaded 2-core CPU, 8 seeds, budget 50 median trainings,
LightGBM 'fast' surrogates, LcSVR with 50 random configurations refitted every 10 new full
trainings (``--config.seeds=8 --config.candidates.lgb_preset=fast
--config.extrapolator.svr.n_iter=50 --config.extrapolator.svr.refit_every=10``; NB-NLP pair:
``--config.benchmarks="('nbnlp_wt2','nlp11_wt2')"``, 21 min; x11 pair:
``"('nb311_yahpo','nb111_4')"`` into ``results/lce_search_x11``). Final regret, mean over seeds
(validation loss on NB-NLP)::

    nbnlp_wt2 (real):  RS 0.177, -WPM 0.118, -SVR 0.207 | REA 0.343, 0.113, 0.197
                       LS 0.339, 0.032, 0.162 | BANANAS 0.395, 0.216, 0.164
                       Hyperband 0.041, BOHB 0.087
    nlp11_wt2 (sur.):  RS 0.063, -WPM 0.018, -SVR 0.107 | REA 0.089, 0.036, 0.107
                       LS 0.166, 0.025, 0.056 | BANANAS 0.109, 0.052, 0.082
                       Hyperband 0.035, BOHB 0.039

WPM wrappers beat their plain method everywhere here; SVR wrappers not for RS (and REA on
NLP11, where REA's 20 random initial members are never all fully trained under LCE, so REA-SVR
is RS-SVR). On the x11 pair (18 min) LCE *hurts* almost everywhere (NB311-YAHPO: RS 0.50 pp,
RS-WPM/-SVR 1.13 pp; BANANAS 0.79, -WPM/-SVR 1.21): there the noisy surrogate draws make the
epoch-E_few value nearly uninformative (Kendall tau E_few vs final: 0.14 on NB311-YAHPO, 0.21 on
NB111-4, vs 0.83 on NB-NLP), and NB111-4's noisy draws reach accuracies above 1 (up to 1.27),
so its regrets (~25 pp) are not meaningful; ``--config.candidates.surrogate_noise=false`` uses
the mean curves instead (``results/lce_search_x11_mean``, 13 min): LCE still hurts there (NB111-4 RS
0.58 pp vs -WPM 1.12 / -SVR 0.93; NB311-YAHPO RS 0.23 vs 0.28 / 0.25), with only ~10-18 full
trainings per run against ~40-50 for the plain methods at this budget. Full tables:
``lce_search.md`` in each workdir.

These numbers were measured before issue 15 drew the host-side random numbers from each run's
PRNG key (LCE's replacement rows, Hyperband's / BOHB's rows and samples, LcSVR's random search;
formerly ``default_rng([seed, 7 | 11])`` and LcSVR seed 0): the plain methods repeat exactly,
the LCE / Hyperband / BOHB runs of a seed now differ, with the same distribution (30 seeds of
the smoke setting, ``rs, rea, ls``: final regrets before / after within 0.02 loss units, every
two-sided Mann-Whitney p >= 0.81; with the old draws patched back in, the refactored code
reproduces the smoke run exactly).
"""

import ml_collections
from ml_collections.config_dict import placeholder

BENCHMARKS = ("nlp11_wt2", "nb311_yahpo", "nb111_4")


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.seeds = 30  # runs per method (seeds 0..seeds-1, run in lockstep)
    c.benchmarks = BENCHMARKS
    c.methods = ("rs", "rea", "ls", "bananas")  # jaxnas.search.registry names
    c.extrapolators = ("none", "wpm", "svr")  # 'none' = the single-fidelity method
    c.multi_fidelity = ()  # e.g. ('hyperband', 'bohb')
    # The seed's benchmark whose LCE settings each candidate set takes
    # (jaxnas.search.multifidelity.REFERENCE_PROTOCOL).
    c.reference_benchmark = ml_collections.ConfigDict(
        {"nbnlp_wt2": "nlp11", "nlp11_wt2": "nlp11", "nb311_yahpo": "nb311", "nb111_4": "nb111"}
    )
    # Budget in simulated seconds per candidate set (the seed's: run_nb111.sh 560000,
    # run_nb311.sh 5000000, run_nbnlp.sh 1000000); budget_trainings > 0 replaces it by that many
    # median full trainings of the set.
    c.budget_seconds = ml_collections.ConfigDict(
        {"nbnlp_wt2": 1e6, "nlp11_wt2": 1e6, "nb311_yahpo": 5e6, "nb111_4": 5.6e5}
    )
    c.budget_trainings = 0.0
    c.num_neighbours = 10  # k nearest rows (encoding) as the mutation / LS neighbourhood
    # Candidate sets (jaxnas.benchmarks.curve_sets.Settings).
    c.candidates = ml_collections.ConfigDict()
    c.candidates.candidate_seed = 0  # seed of the candidate set and its noisy surrogate curves
    # Size of the surrogate sets on DARTS / NB101: well above the full trainings the budgets
    # buy (NB311-YAHPO ~960 at 5e6 s, NB111-4 ~370 at 5.6e5 s), so no run exhausts the set.
    c.candidates.num_candidates = 10_000
    c.candidates.lgb_preset = "fast"  # 'reference' (x11's LightGBM) or 'fast'
    c.candidates.lgb_threads = 1
    c.candidates.nb311_num_archs = 1000  # YAHPO-generated training curves of the NB311 surrogate
    c.candidates.nlp_first_epochs = 3
    # The seed queries its surrogates with_noise=False during search (naslib/search_spaces/
    # {darts,nasbenchnlp}/graph.py): the mean curves. True: one noisy draw per row.
    c.candidates.surrogate_noise = False
    # LCE (NAS-Bench-x11's Algorithm 2): e_few, target epoch, top_n and num_full_init per
    # benchmark, searcher and extrapolator from multifidelity.reference_config (the seed's
    # rea/ls/bananas_{lce,svr} optimizers); entries here override them.
    c.lce = ml_collections.ConfigDict()
    c.lce.resume = True
    c.lce.target_epoch = placeholder(int)  # None: the seed's (as top_n, num_full_init)
    c.lce.top_n = placeholder(float)
    c.lce.num_full_init = placeholder(int)
    # ask() calls per LCE round and searcher, extrapolated in one batch (plain runs ask once
    # per round; the seed asks once): > 1 makes RS / REA / LS propose several candidates before
    # hearing back; BANANAS proposes batch_size (10) per ask already.
    c.asks_per_round = ml_collections.ConfigDict({"rs": 4, "rea": 4, "ls": 4, "bananas": 1})
    # Extrapolators (jaxnas.search.multifidelity.make_extrapolator): WPM preset 'reference' |
    # 'eval' | 'fast' | 'smoke' (+ WPMConfig overrides); LcSVR random-search configurations
    # (seed: 1,000, 3-fold CV, a new search after every full training), refit interval and the
    # history growth between searches.
    c.extrapolator = ml_collections.ConfigDict()
    # min_batch 128: every round's batch (30 runs x 4 asks) is padded to one shape, compiled once.
    c.extrapolator.wpm = ml_collections.ConfigDict({"preset": "fast", "min_batch": 128})
    c.extrapolator.svr = ml_collections.ConfigDict(
        {"n_iter": 30, "refit_every": 5, "retune_growth": 2.0}
    )
    # Hyperband / BOHB: make_searcher(name, c[name]) (jaxnas.search.hyperband).
    c.hyperband = ml_collections.ConfigDict({"eta": 3.0})
    c.bohb = ml_collections.ConfigDict({"eta": 3.0, "num_components": 8})
    # Searchers: jaxnas.search.registry.make_searcher(name, c.searchers[name]); the seed's
    # population 20, sample 10 (run_nb111.sh) and 20 initial architectures (create_configs.py).
    c.searchers = ml_collections.ConfigDict()
    c.searchers.rs = ml_collections.ConfigDict()
    c.searchers.rea = ml_collections.ConfigDict({"population_size": 20, "sample_size": 10})
    c.searchers.ls = ml_collections.ConfigDict({"num_init": 20})
    c.searchers.bananas = ml_collections.ConfigDict(
        {"num_init": 20, "batch_size": 10, "num_epochs": 100}
    )
    if arg == "smoke":
        c.seeds = 2
        c.benchmarks = ("nbnlp_wt2",)
        c.methods = ("rea",)
        c.multi_fidelity = ("hyperband", "bohb")
        c.budget_trainings = 8.0
        c.lce.num_full_init = 3
        c.extrapolator.wpm = ml_collections.ConfigDict({"preset": "smoke", "map_steps": 100})
        c.extrapolator.svr.n_iter = 5
        c.bohb.num_components = 3
    elif arg not in (None, ""):
        raise ValueError(f"unknown lce_search config variant {arg!r}; use '' or 'smoke'")
    return c
