"""Tables of multi-fidelity runs: per-method summaries, the markdown table beside
NAS-Bench-x11's reference numbers, and rows in plotting units.

Rows are those of :func:`jaxnas.search.multifidelity.to_rows` (one per run).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# NAS-Bench-x11 (REFERENCE.md): final validation regret in %, ~30 runs, on NB111 / NB311.
REFERENCE = {
    "NB111": {
        "RS": 0.822, "REA": 0.584, "LS": 0.616, "BANANAS": 0.336, "REA-WPM": 0.513,
        "BANANAS-WPM": 0.296, "REA-SVR": 0.239, "LS-SVR": 0.333, "BANANAS-SVR": 0.151,
    },
    "NB311": {"RS": 1.494, "REA": 0.652, "BANANAS": 0.696, "BANANAS-SVR": 0.434},
}  # fmt: skip


def summarize(rows: Sequence[dict], wall_seconds: float) -> dict:
    """One method's runs on one benchmark -> its summary (regret in percentage points for
    accuracies, in loss units for losses; mean and s.e.m. over runs)."""
    r0 = rows[0]
    acc = r0["sign"] > 0
    reg = np.array([r["final_regret"] for r in rows], float) * (100 if acc else 1)
    return {
        "benchmark": r0["benchmark"], "algorithm": r0["algorithm"], "runs": len(rows),
        "unit": "%" if acc else "loss", "budget_seconds": r0["budget"],
        "regret_mean": float(np.nanmean(reg)),
        "regret_sem": float(np.nanstd(reg) / np.sqrt(len(reg))),
        "num_full": float(np.mean([r["num_full"] for r in rows])),
        "num_partial": float(np.mean([r["num_partial"] for r in rows])),
        "wall_seconds": wall_seconds, "source": r0["source"],
    }  # fmt: skip


def markdown(summary: Sequence[dict], seeds: int) -> str:
    """The summary table, with x11's reference regrets and a comparison to the plain method."""
    lines = [
        "# Multi-fidelity search with learning-curve extrapolation",
        "",
        f"Final validation regret at the budget (mean +- s.e.m. over {seeds} seeds; accuracy "
        "benchmarks in percentage points, NB-NLP in validation-loss units); full / partial = "
        "trainings to E_max / to E_few per run. 'x11 ref' = NAS-Bench-x11's numbers (regret %, "
        "~30 runs) on *its* NB111 / NB311 benchmarks, which are not the ones here.",
        "",
    ]
    srcs = sorted({(s["benchmark"], s["source"], s["budget_seconds"]) for s in summary})
    lines += [f"- {b}: {src}; budget {bud:.4g} simulated s" for b, src, bud in srcs] + [""]
    lines += [
        "| benchmark | method | regret | full | partial | x11 ref NB111 | x11 ref NB311 | "
        "vs plain |",
        "|---|---|---|---|---|---|---|---|",
    ]
    plain = {(s["benchmark"], s["algorithm"]): s["regret_mean"] for s in summary}
    for s in summary:
        base_alg = s["algorithm"].split("-")[0]
        ref = [REFERENCE[k].get(s["algorithm"]) for k in ("NB111", "NB311")]
        vs = "-"
        if "-" in s["algorithm"] and (s["benchmark"], base_alg) in plain:
            p = plain[(s["benchmark"], base_alg)]
            m = s["regret_mean"]
            vs = "better" if m < p else ("equal" if m == p else "worse")
        lines.append(
            f"| {s['benchmark']} | {s['algorithm']} | {s['regret_mean']:.4g} +- "
            f"{s['regret_sem']:.2g} | {s['num_full']:.1f} | {s['num_partial']:.1f} | "
            + " | ".join("-" if r is None else f"{r:.3f}" for r in ref)
            + f" | {vs} |"
        )
    return "\n".join(lines) + "\n"


def plot_rows(rows: Sequence[dict]) -> list[dict]:
    """Rows in objective units for :func:`jaxnas.search.plotting.plot`'s regret (accuracy
    regrets in percentage points, losses as they are)."""
    out = []
    for r in rows:
        k = r["sign"] * (100.0 if r["sign"] > 0 else 1.0)
        t = r["trajectory"]
        best = [None if v is None else k * v for v in t["best_valid"]]
        out.append(r | {"optimum_valid": k * r["optimum_valid"], "trajectory": t | {
            "best_valid": best}})  # fmt: skip
    return out


__all__ = ["REFERENCE", "markdown", "plot_rows", "summarize"]
