r"""Supervised baseline encoder on NB201 (CIFAR-10 validation accuracy of all 15,625 cells).

    python -m experiments.pretrain_supervised --config=experiments/configs/supervised_nb201.py \
        --data_dir=../shared/data --workdir=results/supervised_nb201

10 epochs of the 14,062 training cells = 4,390 steps at batch 32; embeds all 15,625 cells
(``embeddings.npz`` keyed by API index, like arch2vec's). Smoke: ``:smoke``.
"""

from experiments.configs import supervised_common


def get_config(arg: str | None = None):
    return supervised_common.apply_variant(supervised_common.base_config("nb201", 10), arg)
