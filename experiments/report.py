r"""One self-contained HTML page from a results directory (openable offline).

    python -m experiments.report --results=results --output=results/report.html

Renders pretraining ``results.json``, markdown tables, loss curves, search JSONL rows and images
of every folder under ``--results``; see :mod:`jaxnas.analysis.report`.
"""

from __future__ import annotations

from absl import flags

from experiments import common
from jaxnas.analysis import report

_RESULTS = flags.DEFINE_string("results", "results", "Results directory to render (recursively).")
_OUTPUT = flags.DEFINE_string("output", None, "Output HTML file (default: <results>/report.html).")
_TITLE = flags.DEFINE_string("title", "jaxnas results", "Page title.")
_MAX_ROWS = flags.DEFINE_integer("max_rows", 50, "Rows shown of a generic JSONL table.")
_MAX_IMAGE_MB = flags.DEFINE_float(
    "max_image_mb", 5.0, "Images larger than this are listed but not inlined."
)


def main(argv):
    common.check_no_args(argv)
    out = report.write(
        _RESULTS.value, _OUTPUT.value, _TITLE.value, _MAX_ROWS.value, _MAX_IMAGE_MB.value
    )
    print(out)


if __name__ == "__main__":
    common.run(main)
