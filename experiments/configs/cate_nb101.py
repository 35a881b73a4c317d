r"""CATE pretraining on all 423,624 NAS-Bench-101 cells.

Paper settings (reference model: 12 graph + 24 cross blocks, d 64; pairs by parameter count,
delta 2e6, K 2; batch 1,024 pairs, 10 epochs)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb101.py \
        --workdir=results/cate_nb101

One cell of the seed's delta x K ablation (delta in {1e6, 2e6, 4e6, 8e6}, K in {1, 2, 4, 8})::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb101.py:delta=4e6,k=8 \
        --workdir=results/cate_nb101_d4e6_k8

CPU preset (2 + 4 blocks, batch 256): ``:cpu``; smoke run (numbers meaningless): ``:smoke``.

Expected result: not yet measured here -- the reference size takes several seconds per step on
a 2-core CPU (~7,900 steps for 10 epochs); see ``experiments/benchmarks/cate_step.py``. The seed
reports downstream search results (NB101 test error 5.94-6.11% over the ablation grid), not the
MLM accuracy; compare ``eval_acc`` with ``eval_acc_freq`` / ``eval_acc_pos_freq`` in
``results.json``.
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    c = cate_common.base_config("nb101")
    c.attribute = "params"
    c.delta = 2e6
    c.k = 2
    return cate_common.apply_variant(c, arg)
