"""NAS-Bench-101 readers: the official TFRecord format and the nasbench-vis 20k JSON.

TFRecord rows (official ``nasbench_full.tfrecord`` / ``nasbench_only108.tfrecord`` and the
EC-NAS-Bench ``energy_*.tfrecord`` files) are JSON lists
``[module_hash, epochs, adjacency, ops, metrics]``: ``adjacency`` a string of ``n * n``
'0'/'1' (row major), ``ops`` comma-separated op names, ``metrics`` the base64 of a
``nasbench.ModelMetrics`` protobuf (``model_metrics.proto``), decoded here by hand:

* ``ModelMetrics``: 1 ``evaluation_data`` (repeated message), 2 ``trainable_parameters``
  (int32), 3 ``total_time`` (double).
* ``EvaluationData``: 1 ``current_epoch``, 2 ``training_time``, 3 ``train_accuracy``,
  4 ``validation_accuracy``, 5 ``test_accuracy`` (doubles), 6 ``checkpoint_path`` (string).

EC-NAS-Bench writes ``ModelMetricsEnergy`` with the same fields 1-3 plus 4 ``total_energy``
(kWh), 5 ``total_co2eq`` (g), 8 ``overall_avg_intensity``, and per evaluation 6 ``energy``,
7 ``co2eq``, 8 ``avg_intensity``, 11-14 ``pred_*`` (doubles) and 15 ``checkpoint_path``.
The two schemas are told apart by wire type (field 6 is a string officially, a double in
EC-NAS). Fields that neither schema names (emission timestamps, power-usage messages) are
skipped.

The official files hold three training repeats per (hash, epochs); the repeat index is the
order of appearance in the file (there is no seed field).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from jaxnas.data import protowire, tables, tfrecord
from jaxnas.data.errors import FormatError

OPS = ("input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output")
"""Op vocabulary of the ``ops`` columns (ids index this tuple; padding is ``-1``)."""
MAX_VERTICES = 7
READER_VERSION = 1

EVAL_FIELDS = (
    "current_epoch",
    "training_time",
    "train_accuracy",
    "validation_accuracy",
    "test_accuracy",
)
ENERGY_EVAL_FIELDS = (
    "energy",
    "co2eq",
    "avg_intensity",
    "pred_energy",
    "pred_co2eq",
    "pred_training_time",
    "pred_avg_intensity",
)

# (field number, wire type) -> name
_EVAL_SCHEMA = {
    (1, protowire.I64): "current_epoch",
    (2, protowire.I64): "training_time",
    (3, protowire.I64): "train_accuracy",
    (4, protowire.I64): "validation_accuracy",
    (5, protowire.I64): "test_accuracy",
    (6, protowire.LEN): "checkpoint_path",  # official
    (6, protowire.I64): "energy",  # EC-NAS from here on
    (7, protowire.I64): "co2eq",
    (8, protowire.I64): "avg_intensity",
    (11, protowire.I64): "pred_energy",
    (12, protowire.I64): "pred_co2eq",
    (13, protowire.I64): "pred_training_time",
    (14, protowire.I64): "pred_avg_intensity",
    (15, protowire.LEN): "checkpoint_path",
}
_METRICS_SCHEMA = {
    (2, protowire.VARINT): "trainable_parameters",
    (3, protowire.I64): "total_time",
    (4, protowire.I64): "total_energy",
    (5, protowire.I64): "total_co2eq",
    (8, protowire.I64): "overall_avg_intensity",
}


class EvaluationData(NamedTuple):
    """One evaluation during training (absent numbers are NaN)."""

    current_epoch: float
    training_time: float
    train_accuracy: float
    validation_accuracy: float
    test_accuracy: float
    checkpoint_path: str
    energy: float
    co2eq: float
    avg_intensity: float
    pred_energy: float
    pred_co2eq: float
    pred_training_time: float
    pred_avg_intensity: float


class ModelMetrics(NamedTuple):
    """Decoded ``ModelMetrics`` (``trainable_parameters`` is -1 when absent)."""

    evaluation_data: tuple[EvaluationData, ...]
    trainable_parameters: int
    total_time: float
    total_energy: float
    total_co2eq: float
    overall_avg_intensity: float


class NB101Record(NamedTuple):
    """One TFRecord row.

    Attributes:
      module_hash: official module hash (md5 hex).
      epochs: training budget (4, 12, 36 or 108).
      adjacency: ``[n, n]`` uint8 upper-triangular adjacency (unpadded, as stored).
      ops: ``n`` op names.
      metrics: the decoded metrics.
    """

    module_hash: str
    epochs: int
    adjacency: np.ndarray
    ops: tuple[str, ...]
    metrics: ModelMetrics


def decode_evaluation(buf: bytes) -> EvaluationData:
    """Decodes one ``EvaluationData`` / ``EvaluationDataEnergy`` message."""
    vals: dict[str, float | str] = {}
    for field, wt, v in protowire.iter_fields(buf):
        name = _EVAL_SCHEMA.get((field, wt))
        if name == "checkpoint_path":
            vals[name] = v.decode("utf-8", "replace")  # type: ignore[union-attr]
        elif name is not None:
            vals[name] = float(v)  # type: ignore[arg-type]
    nan = math.nan
    return EvaluationData(
        **{k: vals.get(k, "" if k == "checkpoint_path" else nan) for k in EvaluationData._fields}
    )


def decode_metrics(buf: bytes) -> ModelMetrics:
    """Decodes a ``ModelMetrics`` / ``ModelMetricsEnergy`` protobuf message.

    Raises:
      FormatError: if the bytes are not a valid protobuf message.
    """
    evals = []
    vals: dict[str, float] = {}
    for field, wt, v in protowire.iter_fields(buf):
        if field == 1 and wt == protowire.LEN:
            evals.append(decode_evaluation(v))  # type: ignore[arg-type]
            continue
        name = _METRICS_SCHEMA.get((field, wt))
        if name == "trainable_parameters":
            vals[name] = protowire.to_int32(int(v))  # type: ignore[arg-type]
        elif name is not None:
            vals[name] = float(v)  # type: ignore[arg-type]
    return ModelMetrics(
        evaluation_data=tuple(evals),
        trainable_parameters=int(vals.get("trainable_parameters", -1)),
        total_time=vals.get("total_time", math.nan),
        total_energy=vals.get("total_energy", math.nan),
        total_co2eq=vals.get("total_co2eq", math.nan),
        overall_avg_intensity=vals.get("overall_avg_intensity", math.nan),
    )


def decode_row(data: bytes, where: str = "") -> NB101Record:
    """Decodes one TFRecord payload (the JSON row) into an :class:`NB101Record`.

    Raises:
      FormatError: naming ``where`` if the row is malformed.
    """
    try:
        row = json.loads(data)
        module_hash, epochs, adj_str, ops_str, metrics_b64 = row
        n = math.isqrt(len(adj_str))
        if n * n != len(adj_str) or set(adj_str) - {"0", "1"}:
            raise ValueError(f"adjacency {adj_str!r} is not an n*n 0/1 string")
        adjacency = (np.frombuffer(adj_str.encode(), np.uint8) - ord("0")).reshape(n, n)
        ops = tuple(ops_str.split(","))
        if len(ops) != n:
            raise ValueError(f"{len(ops)} ops for {n} vertices")
        metrics = decode_metrics(base64.b64decode(metrics_b64, validate=False))
    except (ValueError, TypeError, binascii.Error, FormatError) as err:
        raise FormatError(f"{where}: malformed NAS-Bench-101 row: {err}") from err
    return NB101Record(str(module_hash), int(epochs), adjacency, ops, metrics)


def iter_nb101_tfrecord(
    path: str | os.PathLike, *, verify_crc: bool = True
) -> Iterator[NB101Record]:
    """Streams the rows of a NAS-Bench-101-format TFRecord file.

    Args:
      path: ``nasbench_full.tfrecord``, ``nasbench_only108.tfrecord`` or an EC-NAS file.
      verify_crc: check the TFRecord CRCs.

    Yields:
      :class:`NB101Record` per record, in file order.

    Raises:
      FormatError: on truncation, CRC mismatch or a malformed row.
    """
    for i, data in enumerate(tfrecord.iter_tfrecord(path, verify_crc=verify_crc)):
        yield decode_row(data, where=f"{os.fspath(path)}: record {i}")


class NB101Table(NamedTuple):
    """Columnar NAS-Bench-101 TFRecord data; N records, E = max evaluations per record.

    Attributes:
      module_hash: ``[N]`` str, official module hash.
      epochs: ``[N]`` int32 budget.
      repeat: ``[N]`` int32, 0-based occurrence of (hash, epochs) in file order.
      num_vertices: ``[N]`` int8.
      adjacency: ``[N, 7, 7]`` uint8, zero padded.
      ops: ``[N, 7]`` int8 ids into :data:`OPS`, padded with -1.
      num_evaluations: ``[N]`` int8.
      current_epoch, training_time, train_accuracy, validation_accuracy, test_accuracy:
        ``[N, E]`` float64, NaN padded (accuracies are fractions in [0, 1]).
      energy, co2eq, avg_intensity, pred_energy, pred_co2eq, pred_training_time,
        pred_avg_intensity: ``[N, E]`` float64, EC-NAS only (NaN otherwise).
      trainable_parameters: ``[N]`` int64 (-1 when absent).
      total_time, total_energy, total_co2eq, overall_avg_intensity: ``[N]`` float64.
    """

    module_hash: np.ndarray
    epochs: np.ndarray
    repeat: np.ndarray
    num_vertices: np.ndarray
    adjacency: np.ndarray
    ops: np.ndarray
    num_evaluations: np.ndarray
    current_epoch: np.ndarray
    training_time: np.ndarray
    train_accuracy: np.ndarray
    validation_accuracy: np.ndarray
    test_accuracy: np.ndarray
    energy: np.ndarray
    co2eq: np.ndarray
    avg_intensity: np.ndarray
    pred_energy: np.ndarray
    pred_co2eq: np.ndarray
    pred_training_time: np.ndarray
    pred_avg_intensity: np.ndarray
    trainable_parameters: np.ndarray
    total_time: np.ndarray
    total_energy: np.ndarray
    total_co2eq: np.ndarray
    overall_avg_intensity: np.ndarray


def read_nb101_tfrecord(path: str | os.PathLike, *, verify_crc: bool = True) -> NB101Table:
    """Reads a NAS-Bench-101-format TFRecord file into a columnar :class:`NB101Table`.

    Raises:
      FormatError: on truncation, CRC mismatch, a malformed row or an unknown op.
    """
    op_id = {o: i for i, o in enumerate(OPS)}
    hashes, epochs, repeats, nverts, adjs, opss, nevals = [], [], [], [], [], [], []
    per_eval: dict[str, list[list[float]]] = {k: [] for k in EVAL_FIELDS + ENERGY_EVAL_FIELDS}
    top: dict[str, list] = {k: [] for k in _METRICS_SCHEMA.values()}
    seen: dict[tuple[str, int], int] = {}
    for i, rec in enumerate(iter_nb101_tfrecord(path, verify_crc=verify_crc)):
        n = rec.adjacency.shape[0]
        if n > MAX_VERTICES:
            raise FormatError(f"{os.fspath(path)}: record {i}: {n} > {MAX_VERTICES} vertices")
        key = (rec.module_hash, rec.epochs)
        repeats.append(seen.get(key, 0))
        seen[key] = repeats[-1] + 1
        hashes.append(rec.module_hash)
        epochs.append(rec.epochs)
        nverts.append(n)
        a = np.zeros((MAX_VERTICES, MAX_VERTICES), np.uint8)
        a[:n, :n] = rec.adjacency
        adjs.append(a)
        try:
            o = [op_id[x] for x in rec.ops] + [-1] * (MAX_VERTICES - n)
        except KeyError as err:
            raise FormatError(
                f"{os.fspath(path)}: record {i}: unknown op {err.args[0]!r}; expected one of {OPS}"
            ) from None
        opss.append(o)
        ev = rec.metrics.evaluation_data
        nevals.append(len(ev))
        for k, col in per_eval.items():
            col.append([getattr(e, k) for e in ev])
        m = rec.metrics
        for k, col in top.items():
            col.append(getattr(m, k))
    n_rec = len(hashes)
    e_max = max(nevals, default=0)

    def pad(rows: list[list[float]]) -> np.ndarray:
        out = np.full((n_rec, e_max), np.nan)
        for r, vals in enumerate(rows):
            out[r, : len(vals)] = vals
        return out

    return NB101Table(
        module_hash=np.array(hashes, dtype=str),
        epochs=np.array(epochs, np.int32),
        repeat=np.array(repeats, np.int32),
        num_vertices=np.array(nverts, np.int8),
        adjacency=np.array(adjs, np.uint8).reshape(n_rec, MAX_VERTICES, MAX_VERTICES),
        ops=np.array(opss, np.int8).reshape(n_rec, MAX_VERTICES),
        num_evaluations=np.array(nevals, np.int8),
        **{k: pad(v) for k, v in per_eval.items()},
        trainable_parameters=np.array(top["trainable_parameters"], np.int64),
        total_time=np.array(top["total_time"], np.float64),
        total_energy=np.array(top["total_energy"], np.float64),
        total_co2eq=np.array(top["total_co2eq"], np.float64),
        overall_avg_intensity=np.array(top["overall_avg_intensity"], np.float64),
    )


def load_nb101_tfrecord(
    source: str | os.PathLike = "nb101_ecnas_4v9e",
    data_dir: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
) -> NB101Table:
    """:func:`read_nb101_tfrecord` with sha256 verification and an ``.npz`` table cache.

    Args:
      source: registry name (``"nb101_ecnas_4v9e"``, ``"nb101_ecnas_5v9e"``) or a path to
        any NB101-format TFRecord (e.g. the official ``nasbench_only108.tfrecord``).
      data_dir: data directory (see :mod:`jaxnas.data.store`).
      cache_dir: cache directory.
      download: allow downloading registry files that are missing.

    Returns:
      The :class:`NB101Table`.
    """
    return tables.load_sources(
        NB101Table, "nb101_tfrecord", READER_VERSION, [source], read_nb101_tfrecord,
        data_dir, cache_dir, download,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# nasbench-vis data-20k.json

VIS_BUDGETS = (4, 12, 36, 108)


class NB101VisTable(NamedTuple):
    """The nasbench-vis 20k sample of NAS-Bench-101 (no graphs), N = 20,001.

    Attributes:
      module_hash: ``[N]`` str, official module hash (the JSON ``key``).
      budgets: ``[4]`` int32, (4, 12, 36, 108) epochs.
      validation_accuracy: ``[N, 4]`` float64 final validation accuracy per budget (each
        budget is a separate training run, not a point of one curve).
      training_time: ``[N]`` float64 seconds, of the 108-epoch run.
      trainable_parameters: ``[N]`` int64.
    """

    module_hash: np.ndarray
    budgets: np.ndarray
    validation_accuracy: np.ndarray
    training_time: np.ndarray
    trainable_parameters: np.ndarray


def read_nb101_vis(path: str | os.PathLike) -> NB101VisTable:
    """Reads ``nasbench_vis_data-20k.json`` (column-wise JSON) into columns.

    Raises:
      FormatError: if a column is missing or the columns differ in length.
    """
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    cols = ["key", "final_training_time", "trainable_parameters"]
    cols += [f"{b}_final_validation_accuracy" for b in VIS_BUDGETS]
    missing = [c for c in cols if c not in d]
    if missing:
        raise FormatError(f"{os.fspath(path)}: missing columns {missing}; found {sorted(d)}")
    lengths = {c: len(d[c]) for c in cols}
    if len(set(lengths.values())) != 1:
        raise FormatError(f"{os.fspath(path)}: columns differ in length: {lengths}")
    return NB101VisTable(
        module_hash=np.array(d["key"], dtype=str),
        budgets=np.array(VIS_BUDGETS, np.int32),
        validation_accuracy=np.stack(
            [np.asarray(d[f"{b}_final_validation_accuracy"], np.float64) for b in VIS_BUDGETS],
            axis=1,
        ),
        training_time=np.asarray(d["final_training_time"], np.float64),
        trainable_parameters=np.asarray(d["trainable_parameters"], np.int64),
    )


load_nb101_vis = tables.loader(
    NB101VisTable, "nb101_vis", READER_VERSION, ["nb101_vis_20k"], read_nb101_vis,
    """:func:`read_nb101_vis` of the registered file, verified and cached.""",
)  # fmt: skip
