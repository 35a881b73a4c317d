r"""arch2vec pretraining on all 423,624 NAS-Bench-101 cells (8 epochs, 90/10 split).

381,261 training cells, 11,914 steps per epoch at batch 32, 95,312 steps in all::

    python -m experiments.pretrain_arch2vec --config=experiments/configs/arch2vec_nb101.py \
        --workdir=results/arch2vec_nb101

Paper's method (no variant): cells with fewer than 7 vertices are padded and the decoder has an
extra *padding* class so decoded graphs carry their own size. ``:reference`` (all reference
switches of ``arch2vec_common``): sigmoid/BCE ops, dropout 0.3, KL 1/(32 x 7), per-entry means;
eval-mode steps after epoch 1; fixed batch order; ``zero_padding`` -- all-zero op rows for
padding vertices and no padding class (``preprocessing/gen_json.py``), batch norm over every row,
embeddings averaged over all 7 slots, ``held_out_reference`` accuracies counting padding rows.
Baselines ``:reference,gae`` / ``:reference,vgae``; jraph GIN: ``:jraph``; smoke: ``:smoke``.

Seed's table (accuracy / validity / uniqueness, %): arch2vec 100 / 51.33 / 99.36, VGAE
97.45 / 41.18 / 99.34, GAE 98.75 / 29.88 / 99.25.

Measured 2026-12-07 (seed 0, 42,362 held-out cells, 10,000 latent samples; 2-core CPU shared
with 5-6 other jobs)::

    python -m experiments.pretrain_arch2vec \
        --config=experiments/configs/arch2vec_nb101.py:reference \
        --workdir=results/arch2vec_nb101_reference          # 1,318 s (1,116 s training)

* ``:reference``: accuracy 99.77 (op 100.00, edge 99.54, exact 92.54; the reference's printed
  accuracy, padding rows counted: 98.64, op 97.75), ``generation_reference`` validity 33.82,
  uniqueness **99.79** (3,375 distinct unpruned decodes of 3,382 valid); ``generation`` (own
  rule: distinct pruned cells) 33.82 / 63.10. Uniqueness reaches the seed's 99.36 once it is
  counted as the reference counts it (distinct *unpruned* 7x7 decodes); validity stays below
  the seed's 51.33 and the issue's target of 40 (see below).
* Why validity stays at ~34%: decoding 10,000 samples drawn from the moments of 50,000 cells'
  encodings (34.3% valid) and asking ``nb101.check`` for the first problem of each invalid one: no
  input->output path 15.6%, more than 9 edges after pruning about 14% (45% of the samples decode
  more than 9 edges before pruning; 9.4 on average), last vertex not ``output`` 13.4% (15% of
  NB101 cells have fewer than 7 vertices, so the per-slot Gaussian puts the last slot in the
  padding region that often; with no padding class such a decode cannot be a smaller cell), an
  input/output label on an inner vertex at least 17%. The reference shares every one of these
  failure modes; its 51.33 is one run of the published model, and we did not find a switch that
  closes the gap. (The ablation without ``zero_padding`` is below.)
* ``:reference_loss,eval_regime,fixed_batches`` (padding class kept, no ``zero_padding``;
  1,077 s): accuracy 99.77 (exact 92.68), ``generation_reference`` 34.67 / 99.51, own 34.67 /
  62.30. So zero padding is neutral for validity; the eval-mode regime is what lowers it
  (44.45 before, training mode throughout), while it leaves uniqueness at the seed's level.
* before issue 19 (``:reference_loss``, padding class, training mode throughout): 99.32 (op
  100.00, edge 98.65, exact 77.98), validity 44.45, own uniqueness 63.01; 2,121 s.
* ``:reference,gae``: 83.43 (op 85.40, edge 81.45) / 19.40 / 70.21; ``:reference,vgae``:
  83.01 / 23.33 / 75.01 (Kipf-Welling GCN, before issue 19; not rerun with the reference layer).
"""

from experiments.configs import arch2vec_common


def get_config(arg: str | None = None):
    return arch2vec_common.apply_variant(arch2vec_common.base_config("nb101", epochs=8), arg)
