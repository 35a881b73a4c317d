r"""CATE pretraining on all 423,624 NAS-Bench-101 cells.

Paper settings (reference model: 12 graph + 24 cross blocks, d 64; pairs by parameter count,
delta 2e6, K 2; batch 1,024 pairs, 10 epochs)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb101.py \
        --workdir=results/cate_nb101

One cell of the seed's delta x K ablation (delta in {1e6, 2e6, 4e6, 8e6}, K in {1, 2, 4, 8})::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb101.py:delta=4e6,k=8 \
        --workdir=results/cate_nb101_d4e6_k8

CPU preset (3 + 4 blocks, batch 256): ``:cpu``; smoke run (numbers meaningless): ``:smoke``.

Expected result: the reference size is out of reach on a CPU: 18.6 s per step of 1,024 pairs
measured by ``experiments/benchmarks/cate_step.py`` on the shared 2-core CPU (before the 2026-12-07
fixes; the step cost is unchanged by them), so its ~7,860 steps (10 epochs) would take ~41 h --
a run for an accelerator. The seed reports downstream search results (NB101 test error
5.94-6.11% over the ablation grid), not the MLM accuracy.

Measured after the mask fix, with CATE's training (2026-12-07, seed 0, on the 2-core CPU shared
with ~15 other jobs, 27 min wall of which 19 min training, 3 min loading, 3 min embedding)::

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb101.py:cpu \
        --config.num_steps=400 --config.nb101_hashes=True --workdir=results/cate_nb101_cpu400

804,871 one-sided training pairs; validation KL (per target token, every 100 steps) 0.642,
0.629, 0.626, 0.625 (best: step 400, embedded); held-out masked-op accuracy 0.517 on 46,095
target positions of 20,000 pairs of 21,181 held-out cells (input-op tokens are no targets with
CATE's PAD id 0) against 0.294 (most frequent op) and 0.422 (most frequent op per node index);
on the 40,068 positions whose index varies 0.445 against 0.336. The 'last' embedding takes only
10,843 distinct values (rounded to 1e-4) over the 423,624 cells: CATE's transitive-closure mask
sees 23,609 distinct (closure, ops) inputs in NB101 (fewer up to isomorphism), whatever the
pooling ('mean' gives 10,558). Used by the encoding comparison and the outside-space study; see
those configs' docstrings and the CATE section of issue 14's report for the numbers.
"""

from experiments.configs import cate_common


def get_config(arg: str | None = None):
    c = cate_common.base_config("nb101")
    c.attribute = "params"
    c.delta = 2e6
    c.k = 2
    return cate_common.apply_variant(c, arg)
