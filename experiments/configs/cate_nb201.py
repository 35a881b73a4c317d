r"""CATE pretraining on all 15,625 NAS-Bench-201 cells (8-node ops-on-nodes graphs).

Pairs by parameter count of the CIFAR-10 network. NB201 has only 28 distinct counts, 28,000
apart at the low end (0.07M-1.53M); delta 5e4 (about 4% of the range, as CATE's NB101 default
2e6 is of NB101's) puts a cell's own count and the neighbouring ones in its window. K 2::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb201.py \
        --workdir=results/cate_nb201

CPU preset (3 graph + 4 cross blocks, d 64, batch 256 pairs, 10 epochs)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb201.py:cpu \
        --workdir=results/cate_nb201_cpu

Smoke run (numbers meaningless): ``:smoke``.

Expected result (``:cpu``, seed 0, after the mask fix, with CATE's training; 2026-12-07, 40 min
wall on the 2-core CPU shared with ~15 other jobs): 29,668 one-sided training pairs, 1,150
steps; validation KL per target token 1.008 (step 100), 0.914 (200), 0.899 (300), then slowly
down to 0.887 (best, step 1,100; embedded). Held-out masked-op accuracy 0.453 on 4,361 target
positions of 1,545 pairs of 781 held-out cells, against 0.183 for the most frequent op and 0.293
for the most frequent op per node index (the input-op tokens are no targets with CATE's PAD id
0); on the 3,718 edge-op positions 0.359 against 0.171. All 15,625 'last' embeddings are
distinct. (Before the fix: 0.431 vs 0.149 / 0.396 with different targets and pairs, and one
'last' embedding for every cell.)

Reference size (default config; 12 + 24 blocks, batch 1,024, 10 epochs; measured before the
fix, 62 min on the shared 2-core CPU): 0.437 on 4,906 positions (baselines 0.142 / 0.391). Not
rerun.
In NB201 the edge ops are independent and uniform, so within one cell a masked op is
unpredictable from the others; the gain over the position baseline comes from the partner (a
similar parameter count means similar numbers of convolutions).
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    return cate_common.space_config("nb201", arg, attribute="params", delta=5e4, k=2)
