"""The seed's arch2vec table (GAE / VGAE / arch2vec x NB101 / NB201 / DARTS: reconstruction
accuracy, validity, uniqueness, %) from the ``results.json`` files of
:func:`jaxnas.pretrain.arch2vec.train_and_evaluate`, under both metric definitions (``generation``:
exact cells of the space; ``generation_reference``: the reference code's definitions, see
:mod:`jaxnas.analysis.reconstruction`), each beside the seed's numbers.

Every cell is a measured run (several runs of one method and space: the one listed last wins,
and all are listed) or ``--``.
"""

from __future__ import annotations

import json

METHODS = ("gae", "vgae", "arch2vec", "dvae")
SPACES = ("nb101", "nb201", "darts")
NAMES = {"gae": "GAE", "vgae": "VGAE", "arch2vec": "arch2vec", "dvae": "D-VAE"}
# D-VAE (jaxnas.pretrain.dvae) has no entry in the seed's table: its seed cells print "--".

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


def _row(path: str, r: dict) -> dict:
    m, h, g = r["model"], r["held_out"], r["generation"]
    gr = r.get("generation_reference")  # absent in results written before issue 19
    hr = r.get("held_out_reference") or h
    pre = r.get("config", {})
    switches = [
        name
        for name, on in (
            ("eval_regime", pre.get("eval_after_epochs", 0) > 0),
            ("fixed_batches", pre.get("split") == "reference"),
            ("zero_padding", pre.get("nb101_padding") == "zeros" and r["space"] == "nb101"),
            ("reference_gcn", m.get("gcn_layer") == "reference" and m["encoder"] == "gcn"),
            ("reference_darts", pre.get("darts_data") == "reference" and r["space"] == "darts"),
        )
        if on
    ]
    return {
        "accuracy_reference": 100 * hr["accuracy"],
        "validity_reference": 100 * gr["validity"] if gr else None,
        "uniqueness_reference": 100 * gr["uniqueness"] if gr else None,
        "switches": switches,
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
                if (m, s) in SEED else None for s in SPACES} for m in METHODS}  # fmt: skip
    return {"cells": cells, "seed": seed, "runs": runs}


def _fmt(r: dict | None, suffix: str = "") -> str:
    if r is None:
        return "--"
    done = "" if r["completed"] else f" (step {r['step']}/{r['num_steps']})"
    vals = [r["accuracy" + suffix], r["validity" + suffix], r["uniqueness" + suffix]]
    return " / ".join("--" if v is None else f"{v:.2f}" for v in vals) + done


def markdown(table: dict) -> str:
    """Two tables (the space's own rules; the reference code's definitions), each beside the
    seed's numbers, then one row per run."""
    lines = []
    for title, suffix in (
        ("exact cells of the space (validity: a cell of the space; uniqueness: distinct cells)",
         ""),
        ("the reference code's definitions (NB201: op labels only; uniqueness: distinct "
         "unpruned decodes; DARTS: is_valid_darts; accuracy counts padding rows)", "_reference"),
    ):  # fmt: skip
        lines += [
            f"Accuracy / Validity / Uniqueness (%), {title}: measured here | seed's table",
            "",
            "| method | "
            + " | ".join(s.upper() if s != "darts" else "DARTS" for s in SPACES)
            + " |",
            "|---|" + "---|" * len(SPACES),
        ]
        for m in METHODS:
            cells = []
            for s in SPACES:
                seed = table["seed"][m][s]
                ref = "--" if seed is None else (
                    f"{seed['accuracy']:.2f} / {seed['validity']:.2f} / {seed['uniqueness']:.2f}"
                )
                cells.append(f"{_fmt(table['cells'][m][s], suffix)} \\| {ref}")
            lines.append(f"| {NAMES[m]} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "",
        "Runs (accuracy = mean of op and edge accuracy on held-out cells; exact = whole graph):",
        "",
        "| method | space | op acc | edge acc | exact | variant | switches | train cells | wall s "
        "| file |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table["runs"]:
        wall = f"{r['wall_time_s']:.0f}" if r["wall_time_s"] is not None else "--"
        lines.append(
            f"| {NAMES.get(r['method'], r['method'])} | {r['space']} | {r['op_accuracy']:.2f} | "
            f"{r['edge_accuracy']:.2f} | {r['exact_match']:.2f} | {r['variant']} | "
            f"{','.join(r['switches']) or '-'} | {r['train_cells']} | {wall} | {r['path']} |"
        )
    return "\n".join(lines) + "\n"


__all__ = ["METHODS", "NAMES", "SEED", "SPACES", "build", "markdown"]
