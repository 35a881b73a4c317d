r"""arch2vec pretraining on all 423,624 NAS-Bench-101 cells (8 epochs, 90/10 split).

381,261 training cells, 11,914 steps per epoch at batch 32, 95,312 steps in all::

    python -m experiments.pretrain_arch2vec --config=experiments/configs/arch2vec_nb101.py \
        --workdir=results/arch2vec_nb101

Cells with fewer than 7 vertices are padded; the decoder has an extra *padding* class so decoded
graphs carry their own size. Reference-code settings: ``:reference``; baselines ``:gae`` /
``:vgae``; jraph GIN: ``:jraph``; smoke run: ``:smoke``.

Seed's table (accuracy / validity / uniqueness, %): arch2vec 100 / 51.33 / 99.36, VGAE
97.45 / 41.18 / 99.34, GAE 98.75 / 29.88 / 99.25.

Expected cost: ``experiments/benchmarks/arch2vec_step.py`` measured 3.5 ms per train step (dense
GIN, batch 32, host batching included; 289 steps/s, 9,250 graphs/s) on a shared 2-core CPU, i.e.
about 5.5 minutes of training for the 95,312 steps, plus ~20 s to enumerate the cells and the
evaluation. The full run was not made in the session that wrote this config, so there is no
measured expected result yet; use ``:reference`` to compare with the seed's table.
"""

from experiments.configs import arch2vec_common


def get_config(arg: str | None = None):
    return arch2vec_common.apply_variant(arch2vec_common.base_config("nb101", epochs=8), arg)
