r"""Train a DARTS genotype from scratch on CIFAR-10 (DARTS's 600-epoch evaluation).

    python -m experiments.train_darts --config=experiments/configs/train_darts.py:reference \
        --config.genotype=DARTS_V2 --data_dir=/work/shared/data --workdir=results/darts_v2

The run is :func:`jaxnas.train.darts.train_and_evaluate`: CIFAR-10 from the official python
tarball (sha256-checked, downloaded when ``--download`` and absent), data-parallel over every
device, orbax checkpoints (rerun with the same ``--workdir`` to resume), ``metrics.jsonl`` and
``results.json`` (test accuracy / error, parameter count, throughput).
"""

from __future__ import annotations

from experiments import common
from jaxnas.train import darts

main = common.config_main(
    "experiments/configs/train_darts.py:reference",
    "DARTS training config.",
    lambda config, workdir: darts.train_and_evaluate(
        config, workdir, data_dir=common.data_dir(), download=common.download()
    ),
)


if __name__ == "__main__":
    common.run(main)
