"""TaskSet learning curves (as redistributed by DyHPO): 6 tasks x 1,000 Adam configurations.

Each task file is a JSON list of ``{"hp": {...8 Adam hyper-parameters...}, "train":
{"loss": [51 floats]}, "valid": {...}, "test": {...}}``. Runs that diverged have NaN from
some point on (always a suffix in these files); they are kept, with ``num_finite`` and
``diverged`` columns.
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

import numpy as np

from jaxnas.data import registry, tables
from jaxnas.data.errors import FormatError

READER_VERSION = 1
TASKS = registry.TASKSET_TASKS
HP_NAMES = (
    "learning_rate",
    "beta1",
    "beta2",
    "epsilon",
    "l1",
    "l2",
    "linear_decay",
    "exponential_decay",
)
_SPLITS = ("train", "valid", "test")


class TaskSetTable(NamedTuple):
    """One task: N configurations, T curve points (51), H = 8 hyper-parameters.

    Attributes:
      hp_names: ``[H]`` str, :data:`HP_NAMES`.
      hp: ``[N, H]`` float64.
      train_loss, valid_loss, test_loss: ``[N, T]`` float64 (NaN where the run diverged).
      num_finite: ``[N]`` int32, leading points finite in all three curves.
      diverged: ``[N]`` bool, any non-finite point.
    """

    hp_names: np.ndarray
    hp: np.ndarray
    train_loss: np.ndarray
    valid_loss: np.ndarray
    test_loss: np.ndarray
    num_finite: np.ndarray
    diverged: np.ndarray


def read_taskset(path: str | os.PathLike) -> TaskSetTable:
    """Reads one TaskSet task file.

    Raises:
      FormatError: on missing keys or curves of unequal length.
    """
    where = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        rows = json.load(f)
    if not isinstance(rows, list) or not rows:
        raise FormatError(f"{where}: expected a non-empty JSON list of configurations")
    n = len(rows)
    try:
        t = len(rows[0]["train"]["loss"])
        hp = np.array([[float(r["hp"][k]) for k in HP_NAMES] for r in rows])
        curves = {}
        for s in _SPLITS:
            vals = [r[s]["loss"] for r in rows]
            bad = [i for i, v in enumerate(vals) if len(v) != t]
            if bad:
                raise FormatError(
                    f"{where}: config {bad[0]} has a {s} curve of {len(vals[bad[0]])} points, "
                    f"expected {t}"
                )
            curves[s] = np.array(vals, np.float64).reshape(n, t)
    except (KeyError, TypeError) as err:
        raise FormatError(f"{where}: missing or malformed field {err}") from None
    finite = np.isfinite(np.stack([curves[s] for s in _SPLITS])).all(axis=0)  # [N, T]
    num_finite = np.where(finite.all(axis=1), t, np.argmin(finite, axis=1)).astype(np.int32)
    return TaskSetTable(
        hp_names=np.array(HP_NAMES),
        hp=hp,
        train_loss=curves["train"],
        valid_loss=curves["valid"],
        test_loss=curves["test"],
        num_finite=num_finite,
        diverged=~finite.all(axis=1),
    )


def load_taskset(
    task: str,
    data_dir: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
) -> TaskSetTable:
    """:func:`read_taskset` of a registered task, verified and cached.

    Args:
      task: one of :data:`TASKS` (the ``FixedTextRNNClassification_`` prefix may be left out).
      data_dir: data directory.
      cache_dir: cache directory.
      download: allow downloading a missing file.
    """
    full = (
        task
        if task.startswith("FixedTextRNNClassification_")
        else ("FixedTextRNNClassification_" + task)
    )
    if full not in TASKS:
        raise KeyError(f"unknown TaskSet task {task!r}; known: {TASKS}")
    name = registry.taskset_name(full)
    return tables.load_sources(
        TaskSetTable, "taskset", READER_VERSION, [name], read_taskset, data_dir, cache_dir, download
    )
