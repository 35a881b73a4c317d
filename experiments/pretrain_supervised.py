r"""Supervised baseline encoder (arch2vec's GIN + accuracy regressor) on a tabular benchmark.

    python -m experiments.pretrain_supervised --config=experiments/configs/supervised_nb201.py \
        --data_dir=../shared/data --workdir=results/supervised_nb201

Writes under ``--workdir``: ``checkpoints/``, ``metrics.jsonl`` (loss curve), ``embeddings.npz``
(``ids [C]`` -> ``embeddings [C, 16]``, arch2vec's format) and ``results.json`` (held-out RMSE /
Pearson r, data source). See :func:`jaxnas.pretrain.supervised.train_and_evaluate`.

These embeddings were trained on 90% of the benchmark's labels: do not feed them to the GP
predictive study (it would predict labels the encoder has seen); the study trains its own
supervised encoder per seed on that seed's training rows (encoding spec ``supervised`` of
``experiments.embedding_study``).
"""

from __future__ import annotations

from experiments import common
from jaxnas.benchmarks import builtin
from jaxnas.pretrain import supervised

_CONFIG = common.define_config(
    "experiments/configs/supervised_nb201.py",
    "Supervised encoder config file (supervised_nb201.py / supervised_nb101.py, variant "
    "':smoke'); override fields with --config.<field>=...",
)


def load_benchmark(name: str, dataset: str):
    """The tabular benchmark named ``name`` (``nb201`` on ``dataset``, or ``nb101_20k``)."""
    if name == "nb201":
        return builtin.nb201(dataset, common.data_dir(), download=common.download())
    if name == "nb101_20k":
        return builtin.nb101_20k(common.data_dir(), download=common.download())
    raise ValueError(f"unknown benchmark {name!r}; choose one of {supervised.BENCHMARKS}")


def main(argv):
    common.check_no_args(argv)
    c = _CONFIG.value
    supervised.train_and_evaluate(c, common.workdir(), load_benchmark(c.benchmark, c.dataset))


if __name__ == "__main__":
    common.run(main)
