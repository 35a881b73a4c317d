r"""CATE pretraining on all 423,624 NAS-Bench-101 cells.

Paper settings (reference model: 12 graph + 24 cross blocks, d 64; pairs by parameter count,
delta 2e6, K 2; batch 1,024 pairs, 10 epochs)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb101.py \
        --workdir=results/cate_nb101

One cell of the seed's delta x K ablation (delta in {1e6, 2e6, 4e6, 8e6}, K in {1, 2, 4, 8})::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb101.py:delta=4e6,k=8 \
        --workdir=results/cate_nb101_d4e6_k8

CPU preset (2 + 4 blocks, batch 256): ``:cpu``; smoke run (numbers meaningless): ``:smoke``.

Expected result: the reference size is out of reach on a CPU: 18.6 s per step of 1,024 pairs
measured by ``experiments/benchmarks/cate_step.py`` on the shared 2-core CPU, so its 7,860
steps (10 epochs of 804,886 training pairs) would take ~41 h. The seed reports downstream
search results (NB101 test error 5.94-6.11% over the ablation grid), not the MLM accuracy.
Measured with ``:cpu`` (held-out masked-op accuracy on 54,099 positions of 20,000 pairs of
21,181 held-out cells; baselines 0.231 most frequent token, 0.496 most frequent per node
index): 400 steps (``--config.num_steps=400``, 5 min) 0.524; one epoch
(``--config.num_steps=3144``, 25 min) 0.574, and on the 40,068 positions whose index varies
0.434 against 0.320 for the per-index baseline. A full 10-epoch ``:cpu`` run is ~31,000 steps
(~4-5 h on this CPU). The embeddings used by the search experiments are the 400-step run's.
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    c = cate_common.base_config("nb101")
    c.attribute = "params"
    c.delta = 2e6
    c.k = 2
    return cate_common.apply_variant(c, arg)
