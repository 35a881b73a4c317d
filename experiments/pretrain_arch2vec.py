r"""arch2vec (or GAE / VGAE) pretraining on a whole search space, evaluated as the seed's table.

    python -m experiments.pretrain_arch2vec --config=experiments/configs/arch2vec_nb201.py \
        --workdir=results/arch2vec_nb201

Writes under ``--workdir``: ``checkpoints/`` (params, batch-norm statistics, optimiser state and
the model config), ``metrics.jsonl`` (loss curve), ``embeddings.npz`` (``ids [C]`` ->
``embeddings [C, 16]``, node-mean of mu), ``results.json`` (held-out reconstruction, validity,
uniqueness, config, data, wall time, throughput). Rerunning with the same ``--workdir`` resumes
from the latest checkpoint. See :func:`jaxnas.pretrain.arch2vec.train_and_evaluate`.
"""

from __future__ import annotations

from absl import app, flags
from ml_collections import config_flags

from jaxnas.pretrain import arch2vec

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/arch2vec_nb201.py", "arch2vec pretraining config.",
    lock_config=True,
)  # fmt: skip
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (checkpoints, results).")
flags.mark_flag_as_required("workdir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    arch2vec.train_and_evaluate(_CONFIG.value, _WORKDIR.value)


if __name__ == "__main__":
    app.run(main)
