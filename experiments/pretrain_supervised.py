r"""Supervised baseline encoder (arch2vec's GIN + accuracy regressor) on a tabular benchmark.

    python -m experiments.pretrain_supervised --config=experiments/configs/supervised_nb201.py \
        --data_dir=../shared/data --workdir=results/supervised_nb201

Writes under ``--workdir``: ``checkpoints/``, ``metrics.jsonl`` (loss curve), ``embeddings.npz``
(``ids [C]`` -> ``embeddings [C, 16]``, arch2vec's format) and ``results.json`` (held-out RMSE /
Pearson r, data source). See :func:`jaxnas.pretrain.supervised.train_and_evaluate`.
"""

from __future__ import annotations

from absl import app, flags
from ml_collections import config_flags

from jaxnas.benchmarks import builtin
from jaxnas.pretrain import supervised

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/supervised_nb201.py",
    "Supervised encoder config file (supervised_nb201.py / supervised_nb101.py, variant "
    "':smoke'); override fields with --config.<field>=...",
    lock_config=True,
)  # fmt: skip
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (checkpoints, results).")
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else cache)."
)
_DOWNLOAD = flags.DEFINE_bool("download", True, "Download missing files (sha256-checked).")
flags.mark_flag_as_required("workdir")


def load_benchmark(name: str, dataset: str, data_dir, download: bool):
    """The tabular benchmark named ``name`` (``nb201`` on ``dataset``, or ``nb101_20k``)."""
    if name == "nb201":
        return builtin.nb201(dataset, data_dir, download=download)
    if name == "nb101_20k":
        return builtin.nb101_20k(data_dir, download=download)
    raise ValueError(f"unknown benchmark {name!r}; choose one of {supervised.BENCHMARKS}")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    c = _CONFIG.value
    bench = load_benchmark(c.benchmark, c.dataset, _DATA_DIR.value, _DOWNLOAD.value)
    supervised.train_and_evaluate(c, _WORKDIR.value, bench)


if __name__ == "__main__":
    app.run(main)
