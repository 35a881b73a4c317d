r"""CATE pretraining on sampled DARTS / NAS-Bench-301 genotypes.

Each genotype is encoded as its normal and reduction cells (CATE's 15-node graphs,
``jaxnas.spaces.darts.to_cate``) in one block-diagonal 30-node graph; pairs by FLOPs (NASLib's
NB301 network), delta 5e6 FLOPs, K 1 (CATE's NB301 defaults)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_darts.py \
        --workdir=results/cate_darts

CPU preset: ``:cpu``; smoke run (numbers meaningless): ``:smoke``.

Expected result: not yet measured here. Sampling 100,000 genotypes takes ~30 s.
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    c = cate_common.base_config("darts")
    c.num_cells = 100_000
    c.attribute = "flops"
    c.delta = 5e6
    c.k = 1
    return cate_common.apply_variant(c, arg)
