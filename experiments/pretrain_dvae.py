r"""D-VAE (Zhang et al. 2019) pretraining on a whole search space, evaluated as arch2vec's table.

    python -m experiments.pretrain_dvae --config=experiments/configs/dvae_nb201.py \
        --workdir=results/dvae_nb201

Writes under ``--workdir``: ``checkpoints/`` (params, optimiser state, model config),
``metrics.jsonl`` (loss curve), ``embeddings.npz`` (``ids [C]`` -> ``mu [C, 56]``),
``results.json`` (held-out reconstruction, validity / uniqueness under the space's rules and the
arch2vec reference's definitions, D-VAE's own prior validity, config, wall time). Rerunning with
the same ``--workdir`` resumes. See :func:`jaxnas.pretrain.dvae.train_and_evaluate`.
"""

from __future__ import annotations

from ml_collections import config_flags

from experiments import common
from jaxnas.pretrain import dvae

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/dvae_nb201.py", "D-VAE pretraining config.", lock_config=True
)


def main(argv):
    common.check_no_args(argv)
    dvae.train_and_evaluate(_CONFIG.value, common.workdir(), common.data_dir())


if __name__ == "__main__":
    common.run(main)
