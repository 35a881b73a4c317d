"""Shared pieces of the supervised-encoder configs (``supervised_nb201.py``,
``supervised_nb101.py``): arch2vec's GIN (4 layers, hidden 128, 16-d embedding) + an MLP
regressor on validation accuracy, Adam 1e-3, clip 5, batch 32, 90/10 split.

These runs train on 90% of *all* labels: their embeddings must not enter the GP predictive study
(they would predict labels the encoder has seen -- the 0.008 RMSE of the NB201 supervised row
before issue 19 was this leak). The predictive study trains its own supervised encoder on each
seed's 250 labelled rows (``experiments/configs/embedding_study.py``, encoding ``supervised``).

Variant ``smoke``: a few hundred labels, a tiny model, a few steps, labelled cells exported only
(numbers meaningless).
"""

import ml_collections

from experiments.configs import pretrain_common


def base_config(benchmark: str, epochs: int) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.benchmark = benchmark  # 'nb201' | 'nb101_20k'
    c.dataset = "cifar10"  # NB201 only
    c.metric = "valid_acc"
    c.seed = 0
    c.num_labels = 0  # 0: every labelled cell
    c.train_fraction = 0.9
    c.num_layers = 4
    c.hidden = 128
    c.latent = 16
    c.head_hidden = 128
    pretrain_common.add_training(c, epochs)
    c.export = "space"  # 'space': embed every cell of the space; 'labelled': labelled cells only
    c.steps_per_call = 16  # steps per compiled call (0: one per call; equal within float rounding)
    return c


def apply_variant(c: ml_collections.ConfigDict, arg: str | None) -> ml_collections.ConfigDict:
    if arg == "smoke":
        c.update({"num_labels": 300, "num_layers": 2, "hidden": 16, "head_hidden": 16,
                  "batch_size": 16, "num_steps": 8, "log_every": 4, "checkpoint_every": 4,
                  "eval_batch_size": 128, "export": "labelled"})  # fmt: skip
    elif arg not in (None, ""):
        raise ValueError(f"unknown config variant {arg!r}; use '' or 'smoke'")
    return c
