r"""CATE pretraining on sampled DARTS / NAS-Bench-301 genotypes.

As CATE (``preprocessing/gen_json_darts.py``): each genotype is one 15-node cell
(``jaxnas.spaces.darts.to_cate``) with the reduction cell tied to the normal one (``reduce_cell
= normal_cell.copy()``; ids and FLOPs are those of the tied genotype); pairs by FLOPs (NASLib's
NB301 network), one-sided windows of delta 5e6 FLOPs, K 1 (CATE's NB301 settings)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_darts.py \
        --workdir=results/cate_darts

``:two_cell``: independent normal and reduction cells (NASLib's sampler) in one block-diagonal
30-node graph (the earlier jaxnas encoding). CPU preset: ``:cpu``; smoke run (numbers
meaningless): ``:smoke``.

Why the tied cell: a masked op is predictable only from the partner's FLOPs (the ops are drawn
independently and uniformly). An oracle that knows every other op of X and the partner's exact
FLOPs, and predicts the op whose substitution brings X's FLOPs closest to them, reaches 0.315
masked-op accuracy on the two-cell graph and 0.475 on the tied cell (NASLib FLOPs; 0.311 and
0.480 with MACs; 20,000 sampled genotypes, ~20,000 one-sided pairs each, chance 1/7; measured
2026-12-07 by a script that applies ``darts.flops`` to every substitution, 1 min on the shared
CPU). So the tied cell carries more signal, though less than the 0.33 / 0.76 the issue quotes.

Earlier measurement (before the mask fix, two-cell graph, symmetric pairs, ``:cpu
--config.num_cells=20000``, 740 steps, 33 min): held-out masked-op accuracy 0.462 against 0.265
(most frequent token) and 0.538 (most frequent token per node index); on the op nodes 0.123
against 0.142 -- no better than chance. Not rerun with the fixed model.
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    c = cate_common.base_config("darts")
    c.num_cells = 100_000
    c.attribute = "flops"
    c.delta = 5e6
    c.k = 1
    return cate_common.apply_variant(c, arg)
