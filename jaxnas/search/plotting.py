"""Regret / accuracy vs budget curves with confidence bands, from results rows (matplotlib)."""

from __future__ import annotations

import collections
import pathlib
from collections.abc import Sequence

import numpy as np

from jaxnas import io


def curves(
    rows: Sequence[dict], metric: str = "regret", x: str = "queries", grid=None
) -> dict[tuple, dict[str, np.ndarray]]:
    """Per (benchmark, algorithm, encoding): budget grid, mean and 95% CI half-width.

    Args:
      rows: results rows (:func:`jaxnas.search.results.run_rows`).
      metric: ``'regret'`` (optimum minus incumbent validation value), ``'valid'`` or
        ``'test'`` (incumbent's test value).
      x: ``'queries'`` or ``'cost'`` (cumulative cost, e.g. simulated seconds).
      grid: budgets for ``x='cost'`` (default: 100 log-spaced points over the observed range).
    """
    groups = collections.defaultdict(list)
    for r in rows:
        groups[(r["benchmark"], r["algorithm"], r["encoding"])].append(r)
    out = {}
    for k, rs in sorted(groups.items()):
        traj = [r["trajectory"] for r in rs]
        key = "best_test" if metric == "test" else "best_valid"
        vals = np.array([[np.nan if v is None else v for v in t[key]] for t in traj], float)
        if metric == "regret":
            vals = rs[0]["optimum_valid"] - vals
        if x == "queries":
            xs = np.arange(1, vals.shape[1] + 1)
        else:
            cum = np.array([t["cum_cost"] for t in traj], float)
            xs = (
                np.geomspace(cum[:, 0].min(), cum[:, -1].max(), 100)
                if grid is None
                else np.asarray(grid, float)
            )
            pos = np.stack([np.searchsorted(c, xs, side="right") - 1 for c in cum])
            vals = np.where(pos >= 0, np.take_along_axis(vals, np.maximum(pos, 0), 1), np.nan)
        n = np.sum(np.isfinite(vals), 0)
        mean = np.nanmean(vals, 0) if np.isfinite(vals).any() else np.full(len(xs), np.nan)
        std = np.nanstd(vals, 0) if np.isfinite(vals).any() else np.full(len(xs), np.nan)
        out[k] = {"x": xs, "mean": mean, "ci": 1.96 * std / np.sqrt(np.maximum(n, 1)), "n": n}
    return out


def plot(
    rows: Sequence[dict],
    out_prefix,
    metric: str = "regret",
    x: str = "queries",
    scale=100.0,
    grid=None,
) -> list[pathlib.Path]:
    """One panel per benchmark; writes ``<out_prefix>.png`` and ``.svg``. Values are
    multiplied by ``scale`` (100: accuracies in percent); ``grid``: the budgets of the x axis
    for ``x='cost'`` (see :func:`curves`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = curves(rows, metric, x, grid)
    benches = sorted({k[0] for k in data})
    fig, axes = plt.subplots(1, len(benches), figsize=(5 * len(benches), 4), squeeze=False)
    for ax, b in zip(axes[0], benches, strict=True):
        for (bench, alg, enc), c in data.items():
            if bench != b:
                continue
            label = alg if enc in ("", "none") else f"{alg} ({enc})"
            m, h = scale * c["mean"], scale * c["ci"]
            ax.plot(c["x"], m, label=label)
            lo = m - h
            if metric == "regret":  # log axis: keep the band's lower edge positive
                lo = np.where(lo > 0, lo, m / 10)
            ax.fill_between(c["x"], lo, m + h, alpha=0.2)
        ax.set_title(b)
        ax.set_xlabel("queries" if x == "queries" else "simulated seconds")
        ax.set_ylabel(
            {"regret": "validation regret", "valid": "validation", "test": "test"}[metric]
            + (" (%)" if scale == 100.0 else "")
        )
        if metric == "regret":
            ax.set_yscale("log", nonpositive="mask")
        if x == "cost":
            ax.set_xscale("log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    out_prefix = pathlib.Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    paths = [out_prefix.parent / f"{out_prefix.name}.{ext}" for ext in ("png", "svg")]
    for p, ext in zip(paths, ("png", "svg"), strict=True):
        with io.atomic_open(p, "wb") as f:
            fig.savefig(f, format=ext, dpi=120)
    plt.close(fig)
    return paths


__all__ = ["curves", "plot"]
