r"""arch2vec (or GAE / VGAE) pretraining on a whole search space, evaluated as the seed's table.

    python -m experiments.pretrain_arch2vec --config=experiments/configs/arch2vec_nb201.py \
        --workdir=results/arch2vec_nb201

Writes under ``--workdir``: ``checkpoints/`` (params, batch-norm statistics, optimiser state and
the model config), ``metrics.jsonl`` (loss curve), ``embeddings.npz`` (``ids [C]`` ->
``embeddings [C, 16]``, node-mean of mu), ``results.json`` (held-out reconstruction, validity and
uniqueness under the space's rules -- ``generation`` -- and the reference code's definitions --
``generation_reference``, ``held_out_reference`` -- config, data, wall time, throughput).
Rerunning with the same ``--workdir`` resumes from the latest checkpoint. See
:func:`jaxnas.pretrain.arch2vec.train_and_evaluate`.
"""

from __future__ import annotations

from experiments import common
from jaxnas.pretrain import arch2vec

main = common.config_main(
    "experiments/configs/arch2vec_nb201.py",
    "arch2vec pretraining config.",
    arch2vec.train_and_evaluate,
)


if __name__ == "__main__":
    common.run(main)
