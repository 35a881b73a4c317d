r"""CATE pretraining (masked-op prediction on computationally similar pairs) for one space.

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb201.py:cpu \
        --workdir=results/cate_nb201_cpu

The run is :func:`jaxnas.pretrain.cate.train_and_evaluate`: cells and their attribute, pairs
within a train / held-out split of the architectures, training with checkpoints (exact resume
with the same ``--workdir``), periodic held-out KL keeping the best parameters, embeddings of
every cell, ``results.json``. See that function for the files written under ``--workdir``.
"""

from __future__ import annotations

from experiments import common
from jaxnas.pretrain import cate

main = common.config_main(
    "experiments/configs/cate_nb201.py", "CATE pretraining config.", cate.train_and_evaluate
)


if __name__ == "__main__":
    common.run(main)
