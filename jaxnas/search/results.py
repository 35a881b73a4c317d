"""Search results as JSONL: one row per run, written atomically.

Each row holds the algorithm, encoding, benchmark, seed, the per-query trajectory (incumbent
objective, its test value, cumulative cost), the final values, the config and the data source.
Files are written atomically (:mod:`jaxnas.io`), so a reader never sees a half-written file.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Iterable, Mapping

import numpy as np

from jaxnas import io
from jaxnas.search import base


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _list(a) -> list:
    return [_clean(float(v)) for v in np.asarray(a, np.float64).ravel()]


def run_rows(
    traj: base.Trajectory,
    *,
    algorithm: str,
    encoding: str,
    benchmark: str,
    seeds: Iterable[int],
    config: Mapping | None = None,
    source: str = "",
    optimum: float | None = None,
    sign: float = 1.0,
) -> list[dict]:
    """Rows for the runs of a :func:`~jaxnas.search.base.run_seeds` trajectory ``[R, Q]``.

    Args:
      traj: trajectories of ``R`` runs.
      algorithm, encoding, benchmark: labels.
      seeds: the ``R`` integer seeds.
      config: JSON-serialisable settings of the run.
      source: the benchmark's data source.
      optimum: the best objective of the benchmark (for regret), in reported units.
      sign: ``-1`` where the problem negated a minimised metric (values are reported back in
        the metric's own units).
    """
    seeds = list(seeds)
    by, bt = np.asarray(traj.best_y) * sign, np.asarray(traj.best_test)
    cum, idx = np.asarray(traj.cum_cost), np.asarray(traj.index)
    rows = []
    for r, seed in enumerate(seeds):
        rows.append(
            {
                "algorithm": algorithm,
                "encoding": encoding,
                "benchmark": benchmark,
                "seed": int(seed),
                "num_queries": int(idx.shape[1]),
                "total_cost": float(cum[r, -1]),
                "final_valid": _clean(float(by[r, -1])),
                "final_test": _clean(float(bt[r, -1])),
                "optimum_valid": optimum,
                "trajectory": {
                    "best_valid": _list(by[r]),
                    "best_test": _list(bt[r]),
                    "cum_cost": _list(cum[r]),
                },
                "queried": [int(i) for i in idx[r]],
                "config": dict(config or {}),
                "source": source,
            }
        )
    return rows


def write_jsonl(path, rows: Iterable[Mapping], append: bool = True) -> pathlib.Path:
    """Writes ``rows`` (after the existing ones if ``append``) atomically to ``path``; NaN and
    infinities are rejected (use None)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write = io.append_jsonl if append else io.write_jsonl
    return write(path, rows, allow_nan=False)


def read_jsonl(path) -> list[dict]:
    """All rows of a results file."""
    return io.read_jsonl(path)


__all__ = ["read_jsonl", "run_rows", "write_jsonl"]
