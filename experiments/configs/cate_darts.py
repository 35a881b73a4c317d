r"""CATE pretraining on sampled DARTS / NAS-Bench-301 genotypes.

Each genotype is encoded as its normal and reduction cells (CATE's 15-node graphs,
``jaxnas.spaces.darts.to_cate``) in one block-diagonal 30-node graph; pairs by FLOPs (NASLib's
NB301 network), delta 5e6 FLOPs, K 1 (CATE's NB301 defaults)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_darts.py \
        --workdir=results/cate_darts

CPU preset: ``:cpu``; smoke run (numbers meaningless): ``:smoke``.

Expected result: sampling 100,000 genotypes takes ~30 s. The reference size is out of reach
on a CPU (30-node graphs, 60 tokens per pair; ~930 steps of batch 1,024). Measured with
``:cpu --config.num_cells=20000`` (19,000 training pairs, 10 epochs = 740 steps, 33 min on a
shared 2-core CPU): held-out masked-op accuracy 0.462 on 12,018 positions of 1,000 pairs,
against 0.265 (most frequent token) and 0.538 (most frequent token per node index). On the
6,471 positions whose index varies (the op nodes): 0.123 against 0.142 for the per-index
baseline, i.e. no better than chance over the 7 ops -- NASLib's sampler draws the ops
independently and uniformly, so only the partner's FLOPs carry information, and this small
model did not pick it up. On the fixed indices (inputs, sums, output) it reaches ~0.86: with
no positional encoding the two cell inputs are told apart only by the graph, which the
per-index baseline gets for free.
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    c = cate_common.base_config("darts")
    c.num_cells = 100_000
    c.attribute = "flops"
    c.delta = 5e6
    c.k = 1
    return cate_common.apply_variant(c, arg)
