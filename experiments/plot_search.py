r"""Plots regret / accuracy vs budget with 95% confidence bands from search results JSONL.

    python -m experiments.plot_search --results=results/nb201_search/nb201_search.jsonl \
        --out=results/nb201_search/curves --metric=regret --x=queries

Writes ``<out>.png`` and ``<out>.svg`` (one panel per benchmark, one curve per algorithm and
encoding: mean over runs +- 1.96 standard errors).
"""

from __future__ import annotations

from absl import flags

from experiments import common
from jaxnas.search import plotting, results

_RESULTS = flags.DEFINE_multi_string("results", None, "Results JSONL file(s).", required=True)
_OUT = flags.DEFINE_string("out", None, "Output path prefix (without extension).", required=True)
_METRIC = flags.DEFINE_enum("metric", "regret", ["regret", "valid", "test"], "What to plot.")
_X = flags.DEFINE_enum("x", "queries", ["queries", "cost"], "Budget axis.")
_SCALE = flags.DEFINE_float("scale", 100.0, "Multiply values (100: accuracies in %).")


def main(argv):
    common.check_no_args(argv)
    rows = [r for path in _RESULTS.value for r in results.read_jsonl(path)]
    for p in plotting.plot(rows, _OUT.value, _METRIC.value, _X.value, _SCALE.value):
        print(p)


if __name__ == "__main__":
    common.run(main)
