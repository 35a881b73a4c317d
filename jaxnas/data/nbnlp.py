"""NAS-Bench-NLP reader: the WikiText-2 training logs zip.

Each JSON log holds a recurrent cell's recipe (``recepie``, a JSON string of
linear / activation / elementwise nodes, kept as stored), the training set-up, per-epoch
``train_losses`` / ``val_losses`` / ``test_losses`` and ``wall_times``, ``num_params`` and a
``status`` string. Runs that diverged (a NaN / inf loss, upstream status ``"loss is nan!"``)
stop early; they are kept and flagged, never dropped. Curves are padded with NaN to
:data:`MAX_EPOCHS` and a ``length`` column says how many epochs were logged.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import NamedTuple

import numpy as np

from jaxnas.data import tables
from jaxnas.data.errors import FormatError

READER_VERSION = 1
MAX_EPOCHS = 50
STATUS_OK, STATUS_DIVERGED, STATUS_SHORT = "ok", "diverged", "short"
_CURVES = ("train_losses", "val_losses", "test_losses", "wall_times")


class NBNLPTable(NamedTuple):
    """N training logs, T = :data:`MAX_EPOCHS`.

    Attributes:
      filename: ``[N]`` str, member name in the zip (sorted order).
      recipe_id: ``[N]`` int64 (``recepie_id``).
      experiment_id: ``[N]`` int64.
      recipe: ``[N]`` str, the cell recipe JSON as stored.
      num_params: ``[N]`` int64.
      epochs: ``[N]`` int32, epochs the run was configured for.
      length: ``[N]`` int32, epochs actually logged.
      num_finite: ``[N]`` int32, leading epochs whose three losses are all finite.
      status: ``[N]`` str: ``"ok"`` (all ``epochs`` logged, all finite), ``"diverged"``
        (a non-finite loss) or ``"short"`` (finite but fewer than ``epochs`` logged).
      upstream_status: ``[N]`` str, the log's own ``status``.
      train_loss, val_loss, test_loss: ``[N, T]`` float64 per-epoch loss (NaN padded; a
        diverged run keeps its NaN / inf entries).
      wall_time: ``[N, T]`` float64 seconds per epoch (NaN padded).
    """

    filename: np.ndarray
    recipe_id: np.ndarray
    experiment_id: np.ndarray
    recipe: np.ndarray
    num_params: np.ndarray
    epochs: np.ndarray
    length: np.ndarray
    num_finite: np.ndarray
    status: np.ndarray
    upstream_status: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    test_loss: np.ndarray
    wall_time: np.ndarray


def read_nbnlp_logs(path: str | os.PathLike) -> NBNLPTable:
    """Reads every ``*.json`` log in the NAS-Bench-NLP logs zip.

    Raises:
      FormatError: if a log lacks a field, its curves differ in length or exceed
        :data:`MAX_EPOCHS`.
    """
    where = os.fspath(path)
    rows = []
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if n.endswith(".json"))
        if not names:
            raise FormatError(f"{where}: no .json logs in the zip")
        for name in names:
            # Python's json accepts the NaN / Infinity tokens the logs use.
            r = json.loads(z.read(name))
            need = {"recepie", "recepie_id", "num_params", "status", "epochs", *_CURVES}
            missing = need - set(r)
            if missing:
                raise FormatError(f"{where}:{name}: missing fields {sorted(missing)}")
            lens = {k: len(r[k]) for k in _CURVES}
            if len(set(lens.values())) != 1:
                raise FormatError(f"{where}:{name}: curves differ in length: {lens}")
            if lens["train_losses"] > MAX_EPOCHS:
                raise FormatError(f"{where}:{name}: {lens} epochs > {MAX_EPOCHS}")
            rows.append((name, r))
    n = len(rows)
    curves = {k: np.full((n, MAX_EPOCHS), np.nan) for k in _CURVES}
    length = np.zeros(n, np.int32)
    num_finite = np.zeros(n, np.int32)
    status = []
    for i, (_, r) in enumerate(rows):
        L = len(r["train_losses"])
        length[i] = L
        for k in _CURVES:
            curves[k][i, :L] = np.asarray(r[k], np.float64)
        fin = np.isfinite(
            np.stack([curves[k][i, :L] for k in ("train_losses", "val_losses", "test_losses")])
        ).all(axis=0)
        num_finite[i] = L if fin.all() else int(np.argmin(fin))
        if not fin.all():
            status.append(STATUS_DIVERGED)
        elif L < int(r["epochs"]):
            status.append(STATUS_SHORT)
        else:
            status.append(STATUS_OK)
    return NBNLPTable(
        filename=np.array([nm for nm, _ in rows]),
        recipe_id=np.array([int(r["recepie_id"]) for _, r in rows], np.int64),
        experiment_id=np.array([int(r.get("experiment_id", -1)) for _, r in rows], np.int64),
        recipe=np.array([str(r["recepie"]) for _, r in rows]),
        num_params=np.array([int(r["num_params"]) for _, r in rows], np.int64),
        epochs=np.array([int(r["epochs"]) for _, r in rows], np.int32),
        length=length,
        num_finite=num_finite,
        status=np.array(status),
        upstream_status=np.array([str(r["status"]) for _, r in rows]),
        train_loss=curves["train_losses"],
        val_loss=curves["val_losses"],
        test_loss=curves["test_losses"],
        wall_time=curves["wall_times"],
    )


load_nbnlp = tables.loader(
    NBNLPTable, "nbnlp", READER_VERSION, ["nbnlp_wikitext2_logs"], read_nbnlp_logs,
    """:func:`read_nbnlp_logs` of the registered zip, verified and cached.""",
)  # fmt: skip
