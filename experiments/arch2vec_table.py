r"""The seed's arch2vec table (GAE / VGAE / arch2vec x NB101 / NB201 / DARTS: reconstruction
accuracy, validity, uniqueness, %) from ``results.json`` files, next to the seed's numbers.

    python -m experiments.arch2vec_table --results='results/arch2vec_*/results.json' \
        --output=results/arch2vec_table

Writes ``<output>.md`` and ``<output>.json``: two tables -- exact cells of the space
(``generation``) and the reference code's definitions (``generation_reference``) -- each beside
the seed's, then one row per run (op / edge accuracy, exact match, variant, reference switches).
Logic: :mod:`jaxnas.analysis.arch2vec_table`.
"""

from __future__ import annotations

import glob
import json

from absl import app, flags

from experiments import common
from jaxnas import io
from jaxnas.analysis import arch2vec_table

_RESULTS = flags.DEFINE_multi_string(
    "results", [], "results.json files or glob patterns (repeatable)."
)
_OUTPUT = flags.DEFINE_string("output", None, "Output path prefix (.md and .json are added).")
flags.mark_flag_as_required("output")


def main(argv):
    common.check_no_args(argv)
    paths = []
    for pattern in _RESULTS.value:
        found = sorted(glob.glob(pattern))
        if not found:
            raise app.UsageError(f"no results file matches {pattern!r}")
        paths.extend(found)
    table = arch2vec_table.build(paths)
    io.write_text(_OUTPUT.value + ".json", json.dumps(table, indent=1))
    md = arch2vec_table.markdown(table)
    io.write_text(_OUTPUT.value + ".md", md)
    print(md)


if __name__ == "__main__":
    common.run(main)
