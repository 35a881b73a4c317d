r"""D-VAE pretraining on NAS-Bench-101 (423,624 cells, up to 7 vertices, padded).

Reference hyper-parameters (``dvae_common``). All cells, 381,262 training cells = 11,914 steps
per epoch::

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb101.py \
        --workdir=results/dvae_nb101

A random subset and fewer epochs: ``:cells=50000,epochs=3``. Smoke run: ``:smoke``.
"""

from experiments.configs import dvae_common


def get_config(arg: str | None = None):
    return dvae_common.apply_variant(dvae_common.base_config("nb101", epochs=10), arg)
