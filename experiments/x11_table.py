r"""NAS-Bench-x11 Table 3 on the learning curves available offline.

    python -m experiments.x11_table --config=experiments/configs/x11.py \
        --data_dir=../shared/data --workdir=results/x11

For every dataset of the config and every combination compressor x mean model x noise model,
fits the surrogate on the training split and evaluates it on the test split (R^2, Kendall tau,
spike-anomaly rate, KL where multi-seed truth exists; see :mod:`jaxnas.analysis.x11`). Writes
``x11_results.jsonl`` (one row per dataset x combination x seed), ``x11_table.md`` (our table
beside the seed's Table 3, whose datasets differ) and the test curves of every combination
(``curves/*.npz``, read by ``experiments.x11_plot``) atomically under ``--workdir``.
"""

from __future__ import annotations

from experiments import common
from jaxnas.analysis import x11

_CONFIG = common.define_config(
    "experiments/configs/x11.py", "x11 table configuration.",
)


def main(argv):
    common.check_no_args(argv)
    workdir = common.workdir("results/x11")
    _, md = x11.run_table(_CONFIG.value, common.data_dir(), workdir, common.download())
    print(md)
    print(f"written to {workdir}")


if __name__ == "__main__":
    common.run(main)
