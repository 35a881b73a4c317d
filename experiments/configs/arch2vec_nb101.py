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
GIN, batch 32, host batching included; 289 steps/s, 9,250 graphs/s) on an idle 2-core CPU, i.e.
about 5.5 minutes of training for the 95,312 steps, plus ~70 s to enumerate the cells and the
evaluation.

Measured (seed 0, 42,362 held-out cells, 10,000 latent samples; wall times on the 2-core CPU
shared with 3-4 other jobs, load 10-15):

* ``:reference``: accuracy 99.32 (op 100.00, edge 98.65, whole-graph exact match 77.98),
  validity 44.45, uniqueness 63.01 (2,801 distinct valid cells); 2,121 s wall time.
* ``:reference,gae``: 83.43 (op 85.40, edge 81.45) / 19.40 / 70.21; 634 s.
* ``:reference,vgae``: 83.01 (op 84.92, edge 81.10) / 23.33 / 75.01; 458 s.

Seed's numbers are 100 / 51.33 / 99.36 for arch2vec: validity is close, uniqueness is lower
(samples concentrate on fewer distinct cells) -- an open gap.
"""

from experiments.configs import arch2vec_common


def get_config(arg: str | None = None):
    return arch2vec_common.apply_variant(arch2vec_common.base_config("nb101", epochs=8), arg)
