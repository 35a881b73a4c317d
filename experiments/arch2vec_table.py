r"""The seed's arch2vec table (GAE / VGAE / arch2vec x NB101 / NB201 / DARTS: reconstruction
accuracy, validity, uniqueness, %) from ``results.json`` files, next to the seed's numbers.

    python -m experiments.arch2vec_table --results='results/arch2vec_*/results.json' \
        --output=results/arch2vec_table

Writes ``<output>.md`` and ``<output>.json``. Every cell is a measured run (the latest
``results.json`` per method x space; several runs of one method and space: the one listed last
wins, and all are listed in the JSON) or ``--`` when none was given. Besides the table's
accuracy (mean of op and edge accuracy), the markdown lists op / edge accuracy and the whole-graph
exact-match rate, and each run's variant (op decoder, KL weight, dropout, encoder layers).
"""

from __future__ import annotations

import glob
import json
import os
import tempfile

from absl import app, flags

_RESULTS = flags.DEFINE_multi_string(
    "results", [], "results.json files or glob patterns (repeatable)."
)
_OUTPUT = flags.DEFINE_string("output", None, "Output path prefix (.md and .json are added).")
flags.mark_flag_as_required("output")

METHODS = ("gae", "vgae", "arch2vec")
SPACES = ("nb101", "nb201", "darts")
NAMES = {"gae": "GAE", "vgae": "VGAE", "arch2vec": "arch2vec"}

SEED = {  # the seed's table: accuracy / validity / uniqueness (%)
    ("gae", "nb101"): (98.75, 29.88, 99.25),
    ("gae", "nb201"): (99.52, 79.28, 78.42),
    ("gae", "darts"): (97.80, 15.25, 99.65),
    ("vgae", "nb101"): (97.45, 41.18, 99.34),
    ("vgae", "nb201"): (98.32, 79.30, 88.42),
    ("vgae", "darts"): (96.80, 25.25, 99.27),
    ("arch2vec", "nb101"): (100.0, 51.33, 99.36),
    ("arch2vec", "nb201"): (100.0, 79.41, 98.72),
    ("arch2vec", "darts"): (99.79, 33.36, 100.0),
}


def _write_atomic(path: str, text: str) -> None:
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _row(path: str, r: dict) -> dict:
    m, h, g = r["model"], r["held_out"], r["generation"]
    return {
        "path": path,
        "method": r["method"],
        "space": r["space"],
        "completed": r["completed"],
        "step": r["step"],
        "num_steps": r["num_steps"],
        "accuracy": 100 * h["accuracy"],
        "validity": 100 * g["validity"],
        "uniqueness": 100 * g["uniqueness"],
        "op_accuracy": 100 * h["op_accuracy"],
        "edge_accuracy": 100 * h["edge_accuracy"],
        "exact_match": 100 * h["exact_match"],
        "num_latent_samples": g["num_samples"],
        "variant": (
            f"{m['encoder']}x{m['num_layers']} {m['op_decoder']} "
            f"kl={m['kl_weight']:.3g} drop={m['decoder_dropout']}"
        ),
        "train_cells": r["data"]["train_cells"],
        "wall_time_s": r["wall_time_s"].get("total_this_invocation"),
    }


def build(paths: list[str]) -> dict:
    """The table as a dict: ``cells[method][space]`` (measured or None), ``seed``, ``runs``."""
    runs = []
    for p in paths:
        with open(p) as f:
            runs.append(_row(p, json.load(f)))
    cells = {m: dict.fromkeys(SPACES) for m in METHODS}
    for r in runs:
        if r["method"] in cells and r["space"] in SPACES:
            cells[r["method"]][r["space"]] = r
    seed = {m: {s: dict(zip(("accuracy", "validity", "uniqueness"), SEED[m, s], strict=True))
                for s in SPACES} for m in METHODS}  # fmt: skip
    return {"cells": cells, "seed": seed, "runs": runs}


def _fmt(r: dict | None) -> str:
    if r is None:
        return "--"
    done = "" if r["completed"] else f" (step {r['step']}/{r['num_steps']})"
    return f"{r['accuracy']:.2f} / {r['validity']:.2f} / {r['uniqueness']:.2f}{done}"


def markdown(table: dict) -> str:
    lines = [
        "Accuracy / Validity / Uniqueness (%): measured here | seed's table",
        "",
        "| method | " + " | ".join(s.upper() if s != "darts" else "DARTS" for s in SPACES) + " |",
        "|---|" + "---|" * len(SPACES),
    ]
    for m in METHODS:
        cells = []
        for s in SPACES:
            seed = table["seed"][m][s]
            ref = f"{seed['accuracy']:.2f} / {seed['validity']:.2f} / {seed['uniqueness']:.2f}"
            cells.append(f"{_fmt(table['cells'][m][s])} \\| {ref}")
        lines.append(f"| {NAMES[m]} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Runs (accuracy = mean of op and edge accuracy on held-out cells; exact = whole graph):",
        "",
        "| method | space | op acc | edge acc | exact | variant | train cells | wall s | file |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table["runs"]:
        wall = f"{r['wall_time_s']:.0f}" if r["wall_time_s"] is not None else "--"
        lines.append(
            f"| {NAMES.get(r['method'], r['method'])} | {r['space']} | {r['op_accuracy']:.2f} | "
            f"{r['edge_accuracy']:.2f} | {r['exact_match']:.2f} | {r['variant']} | "
            f"{r['train_cells']} | {wall} | {r['path']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    paths = []
    for pattern in _RESULTS.value:
        found = sorted(glob.glob(pattern))
        if not found:
            raise app.UsageError(f"no results file matches {pattern!r}")
        paths.extend(found)
    table = build(paths)
    _write_atomic(_OUTPUT.value + ".json", json.dumps(table, indent=1))
    md = markdown(table)
    _write_atomic(_OUTPUT.value + ".md", md)
    print(md)


if __name__ == "__main__":
    app.run(main)
