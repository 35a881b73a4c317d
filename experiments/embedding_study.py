r"""Understanding embeddings: predictive study, distance vs edit distance, landscape, pictures.

    python -m experiments.embedding_study --config=experiments/configs/embedding_study.py:nb101 \
        --data_dir=../shared/data --workdir=results/study_nb101 \
        --config.encodings="('adjacency_one_hot','supervised',\
'arch2vec=results/arch2vec_nb101_reference/embeddings.npz')"

For each encoding (hand-made by name; learned by ``name=path/embeddings.npz``; ``supervised``:
the baseline encoder trained per seed on that seed's labelled training rows only) on one benchmark
(``nb201`` or ``nb101_20k``) runs the configured studies (see the config's docstring) and writes
under ``--workdir``: ``study.json`` (every number, the data source and the config; rewritten
atomically after each study), ``study.md`` (markdown tables, the seed's predictive numbers
beside ours; also printed), ``distance_vs_edit.{png,svg}``, ``figure6.{png,svg}`` and
``projection.{png,svg}``. The logic is :mod:`jaxnas.analysis.embedding_study`.
"""

from __future__ import annotations

from experiments import common
from jaxnas.analysis import embedding_study
from jaxnas.benchmarks import builtin

_CONFIG = common.define_config(
    "experiments/configs/embedding_study.py",
    "Study config file (variants ':nb101', ':smoke'); override fields with --config.<field>=..., "
    "e.g. --config.encodings=\"('path_one_hot','arch2vec=run/embeddings.npz')\".",
)


def load_benchmark(c):
    if c.benchmark == "nb201":
        return builtin.nb201(c.dataset, common.data_dir(), download=common.download())
    if c.benchmark == "nb101_20k":
        return builtin.nb101_20k(common.data_dir(), download=common.download())
    raise ValueError(f"unknown benchmark {c.benchmark!r}; use 'nb201' or 'nb101_20k'")


def main(argv):
    common.check_no_args(argv)
    c = _CONFIG.value
    res = embedding_study.run(c, load_benchmark(c), common.workdir("results/study"))
    print(embedding_study.markdown(res))


if __name__ == "__main__":
    common.run(main)
