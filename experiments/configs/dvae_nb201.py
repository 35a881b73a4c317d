r"""D-VAE pretraining on all 15,625 NAS-Bench-201 cells (8-vertex ops-on-nodes graphs).

Reference hyper-parameters (``dvae_common``); 14,062 training cells, 439 steps per epoch::

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb201.py \
        --workdir=results/dvae_nb201

Smoke run: ``:smoke``. Fewer epochs: ``:epochs=5``.
"""

from experiments.configs import dvae_common


def get_config(arg: str | None = None):
    return dvae_common.apply_variant(dvae_common.base_config("nb201", epochs=20), arg)
