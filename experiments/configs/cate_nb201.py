r"""CATE pretraining on all 15,625 NAS-Bench-201 cells (8-node ops-on-nodes graphs).

Pairs by parameter count of the CIFAR-10 network. NB201 has only 28 distinct counts, 28,000
apart at the low end (0.07M-1.53M); delta 5e4 (about 4% of the range, as CATE's NB101 default
2e6 is of NB101's) puts a cell's own count and the neighbouring ones in its window. K 2::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb201.py \
        --workdir=results/cate_nb201

CPU preset (2 graph + 4 cross blocks, d 64, batch 256 pairs, 10 epochs = 1,150 steps)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb201.py:cpu \
        --workdir=results/cate_nb201_cpu

Smoke run (numbers meaningless): ``:smoke``.

Expected result (``:cpu``, seed 0; measured on the shared 2-core CPU under load ~10, 1,150
steps in 28 min): held-out masked-op accuracy 0.431 on 5,043 masked positions of 1,560 pairs
of 781 held-out cells, against 0.149 for always predicting the most frequent op and 0.396 for
the most frequent op per node index (input/output nodes are fixed, the 6 edge ops uniform);
on the 3,752 edge-op positions alone 0.251 against 0.189.

Reference size (default config; 12 + 24 blocks, 1.61M parameters, batch 1,024, 10 epochs = 280
steps, 62 min on the shared 2-core CPU): 0.437 on 4,906 positions (baselines 0.142 / 0.391);
on the 3,663 edge-op positions 0.253 against 0.184 -- no better than the CPU preset on this
small space.
In NB201 the edge ops are independent and uniform, so within one cell a masked op is
unpredictable from the others; the gain over the position baseline comes from the partner (a
similar parameter count means similar numbers of convolutions).
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    c = cate_common.base_config("nb201")
    c.attribute = "params"
    c.delta = 5e4
    c.k = 2
    return cate_common.apply_variant(c, arg)
