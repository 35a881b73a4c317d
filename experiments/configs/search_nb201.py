r"""NB201 search table (the seed's arch2vec NB201 table): RS, RE, REINFORCE, BO on 3 datasets.

    python -m experiments.search_table --config=experiments/configs/search_nb201.py \
        --data_dir=../shared/data --workdir=results/nb201_search
    python -m experiments.search_table --config=experiments/configs/search_nb201.py:cifar10 ...
    python -m experiments.search_table --config=experiments/configs/search_nb201.py:smoke ...

(``python -m experiments.nb201_search`` is the same binary.) With learned embeddings
(arch2vec-RL and arch2vec-BO; without them those rows are skipped with a note), either given
or pretrained first with ``--pretrain`` (into ``<workdir>/arch2vec_nb201``)::

    python -m experiments.search_table --config=experiments/configs/search_nb201.py \
        --config.embeddings="('arch2vec=results/arch2vec_nb201_reference/embeddings.npz',)" \
        --data_dir=../shared/data --workdir=results/nb201_search

Schema: see :mod:`jaxnas.search.experiment`. Searcher settings are the keyword arguments of the
registered searchers (:mod:`jaxnas.search.registry`), e.g.
``--config.searchers.rea.avoid_repeats=True``.

Variants: '' (all three datasets), 'cifar10', 'cifar100', 'ImageNet16-120', 'laptop' (the
README's main job: all datasets, 100 seeds of the cheap methods,
10 of the BO ones, no adjacency BO -- a few minutes on a laptop CPU), 'smoke' (2 seeds,
12 queries, tiny surrogate; numbers meaningless).

Published numbers to compare with (the seed's table; final validation/test accuracy in %,
mean ± std over 500 runs; budgets in simulated wall-clock: CIFAR-10 12,000 s, CIFAR-100
500,000 s, ImageNet16-120 1,400,000 s):

    | method      | CIFAR-10              | CIFAR-100             | ImageNet16-120        |
    | RE          | 91.08±0.43/93.84±0.43 | 73.02±0.46/72.86±0.55 | 45.78±0.56/45.63±0.64 |
    | RS          | 90.94±0.38/93.75±0.37 | 72.17±0.64/72.05±0.77 | 45.47±0.65/45.33±0.79 |
    | REINFORCE   | 91.03±0.33/93.82±0.31 | 72.35±0.63/72.13±0.79 | 45.58±0.62/45.30±0.86 |
    | BOHB        | 90.82±0.53/93.61±0.52 | 72.59±0.82/72.37±0.90 | 45.44±0.70/45.26±0.83 |
    | arch2vec-RL | 91.32±0.42/94.12±0.42 | 73.13±0.72/73.15±0.78 | 46.22±0.30/46.16±0.38 |
    | arch2vec-BO | 91.41±0.22/94.18±0.24 | 73.35±0.32/73.37±0.30 | 46.34±0.18/46.27±0.37 |

How our data differs: the NB201 files available offline hold the final (200-epoch) validation
accuracy of every cell (NASLib's files) and the CIFAR-10 test accuracy (nasbench-vis), but no
training times, so budgets here are in *queries* (``num_queries``, default 100 -- a choice, not
a conversion of the seed's seconds), and there is no test accuracy for CIFAR-100 or
ImageNet16-120. 'BO (DNGO)' is DNGO-BO on the adjacency one-hot encoding; arch2vec-BO is the
same search on the arch2vec embeddings (``embeddings``: an ``embeddings.npz`` with ``ids`` =
official NB201 indices, as written by ``experiments/pretrain_arch2vec.py``; rows are aligned
by id and a missing id is an error). arch2vec-RL uses the reference's baseline 0.4 on every
dataset. BO uses the correct std-based EI by default; ``bo.acquisition='ei_reference'`` is the
reference's variance form with target 1.0.

Measured here (100 queries; final validation / CIFAR-10 test accuracy, %; arch2vec embeddings
of ``arch2vec_nb201.py:reference``, ``results/arch2vec_nb201_reference/embeddings.npz``):

    | method                 | CIFAR-10              | CIFAR-100   | ImageNet16-120 |
    | arch2vec-RL (500 runs) | 90.93±0.27/93.96±0.34 | 72.60±0.66  | 46.59±0.34     |
    | arch2vec-BO (20 runs)  | 91.12±0.25/93.91±0.21 | 72.56±0.57  | 46.88±0.35     |

(RS / RE / REINFORCE / adjacency DNGO-BO on CIFAR-10 were measured before: 90.73±0.31 /
91.27±0.23 / 90.79±0.32 / 91.46±0.18 validation.) ImageNet16-120 comes out above the seed's
numbers and CIFAR-100 / CIFAR-10 below them; the data (final validation accuracy of NASLib's
files) and the budgets (queries, not seconds) differ from the seed's.

Why arch2vec-RL trails RE on CIFAR-10 here (issue 19; 500 runs, 100 queries, embeddings of
the main job ``/work/coord/main19/arch2vec_nb201/embeddings.npz``, ``:cifar10`` variant with
``--config.seeds=500``; RE 91.27±0.23, RS 90.73±0.31). The searcher matches the reference
(``search_methods/reinforce_search_NB201_8x8.py``: LSTMCell(16->128)+Linear, identity-covariance
Gaussian, Adam 1e-2, fixed baseline 0.4 on rewards in [0, 1], 16-step episodes, undiscounted
returns, nearest unvisited row); its only loop differences are that the reference never takes
the single nearest row (``count`` starts at 1) and does not count its random first state, both
untested and small. (1) The policy barely learns in 100 queries (6 updates): arch2vec-RL
90.94±0.25, with ``learning_rate=0`` 90.88±0.19, ``baseline=0.88`` 90.99±0.21,
``episode_length=4`` 90.93±0.27, ``learning_rate=0.1`` 90.84±0.39. With action std 1 against
embeddings of per-dimension std ~0.12 (median pairwise distance 0.64), the nearest unvisited
row is an extreme point of the cloud in a random direction: a good sampler (beats RS) but no
hill climber; a local walk is worse (``action_std`` 0.3 / 0.1 / 0.03: 90.67 / 90.36 / 90.38;
not a config key, added in a copy of this file). 200 queries: RL 91.12±0.25, RE 91.42±0.18.
(2) The seed's ordering comes from what the searches optimise: the reference's reward is the
12-epoch validation accuracy of one random seed (``preprocessing/nasbench201_json.py``,
``get_more_info(i, 'cifar10-valid', None, True)``) and it reports the 200-epoch seed-mean
``val_acc_avg`` of the pick (``plot_scripts/summarize_nasbench201.py``); here both are the same
200-epoch number, which suits RE's exploitation. Scored on a metric they do not select on,
the order flips: CIFAR-10 test 94.09±0.31 (RL) vs 94.04±0.24 (RE). Selecting on a noisy
proxy (final validation + N(0, s^2) fixed per cell, scored by the clean value, 300 runs;
/tmp script, not kept) gives RE / RL / RS = 91.27 / 90.94 / 90.73 (s=0), 90.91 / 90.71 /
90.50 (0.5%), 90.65 / 90.66 / 90.32 (0.75%), 90.49 / 90.63 / 90.14 (1%), 89.82 / 90.54 /
89.54 (2%). The offline files have no 12-epoch accuracies or times, so the seed's setting
cannot be reproduced, and the seed's absolute RL level (91.32) is not explained by this.
"""

import ml_collections

from jaxnas.analysis import published

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")

# The seed's table: (valid mean, valid std, test mean, test std) in %.
PUBLISHED = published.table("nb201_search")


def _method(searcher, label, encoding="none", published="", model_based=False, config=""):
    return ml_collections.ConfigDict(
        {
            "searcher": searcher,  # a registered name (jaxnas.search.registry)
            "config": config,  # its section of `searchers` ('' = the searcher's name)
            "label": label,
            "encoding": encoding,
            "published": published,  # row of table.published
            "model_based": model_based,  # runs bo_seeds seeds
        }
    )


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.name = "nb201_search"  # output file stem
    c.space = "nb201"
    c.benchmarks = tuple(f"nb201-{d}" for d in DATASETS)
    c.methods = ("rs", "rea", "reinforce", "bo_dngo", "arch2vec_rl", "arch2vec_bo")
    c.embeddings = ()  # ('arch2vec=<embeddings.npz>',); without, the arch2vec rows are skipped
    c.num_queries = 100
    c.seeds = 500  # seeds 0..seeds-1 for the model-free methods
    c.bo_seeds = 20  # model-based methods are ~1000x costlier per run on CPU
    c.seed_chunk = 500  # seeds vmapped at once
    c.max_rows = 0  # > 0: only the first max_rows cells
    c.neighbours = "edit"  # mutation: the 24 one-edit neighbours of a cell
    c.knn = 10  # (neighbours='knn' only)
    c.knn_encoding = "adjacency_one_hot"
    c.budgets = ()  # budgets are queries here
    encoding = "adjacency_one_hot"  # BO's encoding table (or 'file:<path.npy>', [15625, D])
    c.method = ml_collections.ConfigDict(
        {
            "rs": _method("rs", "RS", published="RS"),
            "rea": _method("rea", "RE", published="RE"),
            "reinforce": _method("reinforce", "REINFORCE", published="REINFORCE"),
            "ls": _method("ls", "LS"),
            "bo_dngo": _method("dngo_bo", "BO (DNGO)", encoding, model_based=True, config="bo"),
            "bananas": _method("bananas", "BANANAS", "path_one_hot", model_based=True),
            "neural_predictor": _method("neural_predictor", "NP", encoding, model_based=True),
            "arch2vec_rl": _method("arch2vec_rl", "arch2vec-RL", "emb:arch2vec", "arch2vec-RL"),
            "arch2vec_bo": _method(
                "dngo_bo", "arch2vec-BO", "emb:arch2vec", "arch2vec-BO", True, config="bo"
            ),
        }
    )
    c.searchers = ml_collections.ConfigDict()
    c.searchers.rea = {"population_size": 20, "sample_size": 10, "avoid_repeats": False}
    # avoid_repeats: mutate to unvisited neighbours (the references do not)
    c.searchers.reinforce = {"learning_rate": 0.01, "ema_momentum": 0.9, "reward_scale": 100.0}
    c.searchers.arch2vec_rl = {
        "episode_length": 16,
        "hidden": 128,
        "learning_rate": 0.01,
        "baseline": 0.4,
    }
    c.searchers.bo = {
        "num_init": 16,
        "batch_size": 1,
        "acquisition_fn": "ei",  # 'ei_reference' reproduces arch2vec's variance form
        "target": 1.0,
        "hidden": (128,),
        "num_epochs": 100,
        "mlp_batch_size": 10,
        "learning_rate": 0.01,
    }
    c.plots = ml_collections.ConfigDict({"metrics": ("regret",), "x": "queries"})
    c.table = ml_collections.ConfigDict(
        {
            "kind": "final",
            "title": "NB201 search, {num_queries} queries per run; final incumbent validation / "
            "CIFAR-10 test accuracy (%), mean+-std over runs; 'seed' = the seed's published "
            "numbers (simulated-seconds budgets, see the config docstring).",
            "footer": (
                "Data: final (200-epoch) validation accuracy of every NB201 cell (NASLib's files) "
                "and the seed-mean CIFAR-10 test accuracy; budgets in queries (the files have no "
                "training times).",
            ),
            "first_column": "dataset",
            "strip_prefix": "nb201-",
            "published_name": "seed",
            "published": PUBLISHED,
        }
    )
    if arg in DATASETS:
        c.benchmarks = (f"nb201-{arg}",)
    elif arg == "laptop":
        c.methods = ("rs", "rea", "reinforce", "arch2vec_rl", "arch2vec_bo")
        c.seeds = 100
        c.bo_seeds = 10
    elif arg == "smoke":
        c.benchmarks = ("nb201-cifar10",)
        c.num_queries = 12
        c.seeds = 2
        c.bo_seeds = 2
        c.searchers.bo.num_init = 4
        c.searchers.bo.hidden = (8,)
        c.searchers.bo.num_epochs = 3
        c.searchers.arch2vec_rl.hidden = 8
        c.searchers.arch2vec_rl.episode_length = 4
    elif arg not in (None, ""):
        raise ValueError(
            f"unknown config variant {arg!r}; use '', a dataset name, 'laptop' or 'smoke'"
        )
    return c
