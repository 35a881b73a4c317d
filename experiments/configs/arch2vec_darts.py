r"""arch2vec pretraining on DARTS cells sampled from the space (arch2vec's 11-vertex graphs).

Paper's method (no variant): 100,000 cells drawn from NASLib's NB301 sampling distribution (no
``'none'``; normal and reduction cells alike), deduplicated up to the order of the two edges of
a node (nearly all are unique), 10 epochs at batch 32 (about 28,000 steps)::

    python -m experiments.pretrain_arch2vec --config=experiments/configs/arch2vec_darts.py \
        --workdir=results/arch2vec_darts

Reference-code settings: ``:reference``; baselines ``:gae`` / ``:vgae``; smoke run: ``:smoke``.
``generation`` validity is :func:`jaxnas.spaces.darts.from_arch2vec` succeeding on the decoded
graph; ``generation_reference`` is the reference's ``is_valid_darts``.

Seed's table (accuracy / validity / uniqueness, %): arch2vec 99.79 / 33.36 / 100, VGAE
96.80 / 25.25 / 99.27, GAE 97.80 / 15.25 / 99.65.

``:reference`` (all reference switches, ``reference_darts`` included): the cells are drawn as
the reference's ``preprocessing/gen_isomorphism_graphs.py`` drew them -- both ops of a node
uniform over all 8 ops, ``'none'`` included; duplicates dropped by the graph hash of the
11-vertex graph; cells whose ImageNet network (C = 48, 14 cells, normal = reduce) has >= 600M
MACs dropped (conv + classifier MACs, :func:`jaxnas.pretrain.arch2vec.imagenet_macs`; it counts
DARTS-V2 at 530M where the DARTS paper says 574M, so this filter keeps somewhat more cells than
``thop`` did). The reference kept drawing until 600,000 cells passed; here 100,000 are drawn (a
smaller sample, 10 epochs of 88,020 training cells = 27,500 steps, to fit this CPU)::

    python -m experiments.pretrain_arch2vec \
        --config=experiments/configs/arch2vec_darts.py:reference \
        --workdir=results/arch2vec_darts_reference

Measured 2026-12-07 (seed 0; 2-core CPU shared with 5-6 other jobs, 691 s): 99,979 unique of
100,000 drawn, 97,800 under 600M MACs (65,076 of them with a ``'none'`` op); accuracy 99.65 (op
99.77, edge 99.54, whole-graph exact match 81.12); ``generation_reference`` (``is_valid_darts``,
distinct unpruned decodes) validity **24.02**, uniqueness **100.00** (2,402 of 2,402); seed
99.79 / 33.36 / 100. ``generation`` (the space's own rule, :func:`jaxnas.spaces.darts.
from_arch2vec` without ``'none'``): 0.00 -- most samples carry a ``'none'`` op, which is not an
op of the NB301 space, and the rest do not decode to exactly two inputs per node.

Before issue 19 (NASLib sampling without ``'none'``, training mode throughout; 99,995 unique of
100,000, 28,120 steps): ``:reference`` accuracy 97.79 (op 99.98, edge 95.61, exact 5.71), validity
0.00 under the own rule; paper's method (KL weight 1) collapses (accuracy 22.32);
``:reference,gae`` 87.43, ``:reference,vgae`` 86.99 (Kipf-Welling GCN), validity 0.
"""

from experiments.configs import arch2vec_common


def get_config(arg: str | None = None):
    c = arch2vec_common.base_config("darts", epochs=10)
    c.num_cells = 100_000
    c = arch2vec_common.apply_variant(c, arg)
    return c
