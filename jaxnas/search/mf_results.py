"""Tables of multi-fidelity runs: per-method summaries, the markdown table beside
NAS-Bench-x11's reference numbers, and rows in plotting units.

Rows are those of :func:`jaxnas.search.multifidelity.to_rows` (one per run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from jaxnas.analysis import published

# NAS-Bench-x11 (REFERENCE.md): final validation regret in %, ~30 runs, on NB111 / NB311.
REFERENCE = published.table("x11_lce")

# The seed's benchmark printed beside each candidate set (REFERENCE.md has no NLP11 numbers).
SEED_BENCHMARK = {"nb111_4": "NB111", "nb311_yahpo": "NB311"}


def summarize(rows: Sequence[dict], wall_seconds: float) -> dict:
    """One method's runs on one benchmark -> its summary (regret in percentage points for
    accuracies, in loss units for losses; mean and s.e.m. over runs; ``regrets`` per run)."""
    r0 = rows[0]
    acc = r0["sign"] > 0
    reg = np.array([r["final_regret"] for r in rows], float) * (100 if acc else 1)
    return {
        "benchmark": r0["benchmark"], "algorithm": r0["algorithm"], "runs": len(rows),
        "unit": "%" if acc else "loss", "budget_seconds": r0["budget"],
        "regret_mean": float(np.nanmean(reg)),
        "regret_sem": float(np.nanstd(reg) / np.sqrt(len(reg))),
        "regrets": [float(v) for v in reg],
        "num_full": float(np.mean([r["num_full"] for r in rows])),
        "num_partial": float(np.mean([r["num_partial"] for r in rows])),
        "wall_seconds": wall_seconds, "source": r0["source"],
    }  # fmt: skip


def summarize_groups(rows: Sequence[dict]) -> list[dict]:
    """:func:`summarize` per (benchmark, algorithm) of ``rows``, in order of first appearance;
    wall seconds = the sum of the rows' ``wall_seconds`` (each run's share of its group's)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["benchmark"], r["algorithm"]), []).append(r)
    return [summarize(g, sum(r["wall_seconds"] for r in g)) for g in groups.values()]


def _settings(config: dict, ignore: Sequence[str]) -> dict:  # as JSON reads it back
    return json.loads(json.dumps({k: v for k, v in config.items() if k not in ignore}))


def finished(
    rows: Sequence[dict], benchmark: str, algorithm: str, seeds: Sequence[int], config: dict,
    ignore: Sequence[str] = (),
) -> list[dict] | None:  # fmt: skip
    """The rows of ``algorithm`` on ``benchmark`` when they are one per seed of ``seeds`` and
    every one was made with ``config`` (its ``config`` field; keys in ``ignore`` and tuple /
    list differences aside), else None: the check that lets a resumed run skip a method."""
    rs = [r for r in rows if (r["benchmark"], r["algorithm"]) == (benchmark, algorithm)]
    want = _settings(config, ignore)
    same = all(_settings(r.get("config") or {}, ignore) == want for r in rs)
    return rs if same and sorted(r["seed"] for r in rs) == sorted(seeds) else None


def versus_plain(s: dict, plain: dict | None) -> str:
    """``better`` / ``worse`` / ``equal`` than the plain method's mean regret, with the
    two-sided Mann-Whitney U p-value over the runs' regrets (``-`` for a plain method)."""
    if plain is None or plain is s:
        return "-"
    m, p = s["regret_mean"], plain["regret_mean"]
    word = "better" if m < p else ("equal" if m == p else "worse")
    a, b = s.get("regrets"), plain.get("regrets")
    if not a or not b or np.allclose(a + b, a[0]):
        return word
    from scipy import stats

    return f"{word} (p={stats.mannwhitneyu(a, b, alternative='two-sided').pvalue:.2g})"


def markdown(summary: Sequence[dict], seeds: int | None = None) -> str:
    """The summary table: per method its regret, runs, full / partial trainings, the seed's
    regret on the matching benchmark (:data:`SEED_BENCHMARK`) and the comparison with the
    plain method (:func:`versus_plain`). ``seeds`` is unused (each row carries its runs)."""
    del seeds
    lines = [
        "# Multi-fidelity search with learning-curve extrapolation",
        "",
        "Final validation regret at the budget (mean +- s.e.m. over the runs; accuracy "
        "benchmarks in percentage points, NB-NLP in validation-loss units); full / partial = "
        "trainings to E_max / to E_few per run; 'vs plain' = against the method without LCE "
        "(two-sided Mann-Whitney p over runs). 'seed' = NAS-Bench-x11's regret (%, ~30 runs) "
        "on *its* NB111 / NB311, which are not the benchmarks here.",
        "",
    ]
    srcs = sorted({(s["benchmark"], s["source"], s["budget_seconds"]) for s in summary})
    lines += [f"- {b}: {src}; budget {bud:.4g} simulated s" for b, src, bud in srcs] + [""]
    lines += [
        "| benchmark | method | runs | regret | full | partial | seed | vs plain |",
        "|---|---|---|---|---|---|---|---|",
    ]
    plain = {(s["benchmark"], s["algorithm"]): s for s in summary}
    for s in summary:
        ref = REFERENCE.get(SEED_BENCHMARK.get(s["benchmark"], ""), {}).get(s["algorithm"])
        base_alg = plain.get((s["benchmark"], s["algorithm"].split("-")[0]))
        lines.append(
            f"| {s['benchmark']} | {s['algorithm']} | {s['runs']} | {s['regret_mean']:.4g} +- "
            f"{s['regret_sem']:.2g} | {s['num_full']:.1f} | {s['num_partial']:.1f} | "
            f"{'-' if ref is None else f'{ref:.3f}'} | {versus_plain(s, base_alg)} |"
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


__all__ = [
    "REFERENCE", "SEED_BENCHMARK", "finished", "markdown", "plot_rows", "summarize",
    "summarize_groups", "versus_plain",
]
