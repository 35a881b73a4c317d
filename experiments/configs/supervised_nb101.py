r"""Supervised baseline encoder on NB101-20k (108-epoch validation accuracy of 20,001 cells).

    python -m experiments.pretrain_supervised --config=experiments/configs/supervised_nb101.py \
        --data_dir=../shared/data --workdir=results/supervised_nb101

10 epochs of 18,001 training cells = 5,620 steps at batch 32; embeds all 423,624 NB101 cells
(``embeddings.npz`` keyed by official hash, like arch2vec's). Smoke: ``:smoke``.
"""

from experiments.configs import supervised_common


def get_config(arg: str | None = None):
    return supervised_common.apply_variant(supervised_common.base_config("nb101_20k", 10), arg)
