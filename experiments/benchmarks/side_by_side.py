"""Flags and output shared by the benchmarks that time jaxnas beside a reference implementation.

The reference runs from its own checkout (``--reference_dir``; never vendored, never needed by
the tests) under its own interpreter (``--reference_python``), interleaved with jaxnas for
``--rounds`` rounds; medians are reported. Without ``--reference_dir`` a benchmark times jaxnas
beside a straightforward loop instead. :func:`finish` prints the results and writes them, with
the load average at the start and the end (the machine may be shared), to ``--output``.
"""

from __future__ import annotations

import json
import os
import pathlib

from absl import app, flags

from jaxnas import io

REFERENCE_DIR = flags.DEFINE_string(
    "reference_dir", None, "Checkout of the reference repository (unset: jaxnas only)."
)
REFERENCE_PYTHON = flags.DEFINE_string(
    "reference_python", "python", "Interpreter with the reference's dependencies."
)
ROUNDS = flags.DEFINE_integer("rounds", 5, "Interleaved rounds (medians are reported).")
OUTPUT = flags.DEFINE_string("output", None, "JSON file for the results (unset: stdout only).")

_LOAD_AT_IMPORT = os.getloadavg()


def reference_dir(expected: str, repository: str) -> pathlib.Path | None:
    """``--reference_dir`` as a path, or None when unset.

    Raises:
      app.UsageError: when it is set but holds no ``expected`` file (not a checkout of
        ``repository``).
    """
    if not REFERENCE_DIR.value:
        return None
    path = pathlib.Path(REFERENCE_DIR.value).expanduser()
    if not (path / expected).is_file():
        raise app.UsageError(
            f"--reference_dir={REFERENCE_DIR.value}: no {expected} there; expected a checkout "
            f"of {repository} (or leave the flag unset to time jaxnas alone)"
        )
    return path


def finish(results: dict, default_output: str | os.PathLike | None = None) -> dict:
    """Adds the load averages, prints ``results`` as JSON and writes them to ``--output`` (or,
    when it is unset, to ``default_output`` if given)."""
    results = {**results, "loadavg_start_end": [_LOAD_AT_IMPORT, os.getloadavg()]}
    text = json.dumps(results, indent=1)
    print(text)
    path = OUTPUT.value or default_output
    if path:
        io.write_text(path, text + "\n")
    return results
