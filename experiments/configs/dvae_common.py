"""Shared pieces of the D-VAE pretraining configs (``dvae_nb101.py``, ``dvae_nb201.py``).

Hyper-parameters of the D-VAE reference's neural-architecture setting (muhanzhang/D-VAE
``README.md``: ``train.py --model DVAE --bidirectional --nz 56 --batch-size 32 --lr 1e-4
--epochs 300``; ``train.py`` defaults ``--hs 501``; ``models.py`` ``DVAE.loss`` ``beta=0.005``,
``reparameterize`` ``eps_scale=0.01``): hidden 501, latent 56, bidirectional encoder, vertex ids,
Adam 1e-4, no clipping, batch 32; the 90/10 split and evaluation of the arch2vec table. The
reference trains 300 epochs on 19,020 ENAS graphs; the epochs here are set per space by what the
shared 2-core CPU allows (each config's docstring). ``:smoke``: a few hundred cells, a tiny model,
a few steps (numbers meaningless).
"""

import ml_collections

from experiments.configs import pretrain_common


def base_config(space: str, epochs: int) -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.space = space
    c.seed = 0
    c.num_cells = 0
    c.nb101_ids = "hash"
    c.train_fraction = 0.9
    c.hidden = 501
    c.latent = 56
    c.bidirectional = True
    c.vid = True
    c.beta = 0.005
    c.eps_scale = 0.01
    c.batch_size = 32
    c.epochs = epochs
    c.num_steps = 0
    c.stop_at_step = 0
    c.learning_rate = 1e-4
    c.grad_clip = 0.0
    c.steps_per_call = 8  # steps per compiled call (0: one per call; equal within float rounding)
    c.log_every = 200
    c.checkpoint_every = 2000
    c.eval_batch_size = 512
    c.num_latent_samples = 10_000
    c.num_prior_samples = 1_000
    c.dvae_repeats = 1
    c.embed_benchmark = ""  # 'nb101_20k': also embed NB101-20k's cells (subset runs)
    return c


def _smoke(c: ml_collections.ConfigDict) -> None:
    c.update({"num_cells": 200, "hidden": 16, "latent": 8, "num_steps": 6, "batch_size": 8,
              "steps_per_call": 2, "log_every": 2, "checkpoint_every": 3, "eval_batch_size": 64,
              "num_latent_samples": 100, "num_prior_samples": 50})  # fmt: skip


def apply_variant(c: ml_collections.ConfigDict, arg: str | None) -> ml_collections.ConfigDict:
    """``smoke``, or ``cells=<k>`` (a random subset of k cells), ``epochs=<e>``, comma-separated."""
    keyed = {"cells": ("num_cells", int), "epochs": ("epochs", int)}
    return pretrain_common.apply_tokens(c, arg, {"smoke": _smoke}, keyed, "D-VAE")
