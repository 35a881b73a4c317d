"""Readers of NASLib's data files: zero-cost-proxy JSONs and the NB301 architecture list.

``zc_nasbench{101,201,301}.json`` map dataset -> arch string (as NASLib prints it) ->
``{"idx", "val_accuracy", "flops": {"score", "time"}, "params": {...}, <proxy>: {...}}``
(the NB101 file nests one level deeper: ``{"nasbench101": {"cifar10": {...}}}``).

In the NB301 file the ``val_accuracy`` values are **predictions of the NAS-Bench-301 v1.0
surrogate**, not measured training results; :class:`NB301ZCTable` names the column
accordingly.

DARTS genotypes are in NASLib's *compact* form: per cell (normal, reduce) 8 pairs
``(input node, op index)``, pairs ``2k, 2k + 1`` feeding intermediate node ``k``; input
nodes 0, 1 are the cell inputs and ``k + 2`` the intermediate nodes; op indices into
:data:`DARTS_OPS`.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from jaxnas.data import tables
from jaxnas.data.errors import FormatError
from jaxnas.spaces.darts import NASLIB_OPS

READER_VERSION = 2
DARTS_OPS = NASLIB_OPS
"""NASLib's op order for compact DARTS genotypes (``jaxnas.spaces.darts.NASLIB_OPS``)."""
_INT = re.compile(r"-?\d+")


def parse_darts_compact(text: str) -> np.ndarray:
    """Parses a NASLib compact DARTS genotype string.

    Args:
      text: e.g. ``"(((0, 6), (1, 4), ...), ((0, 1), ...))"`` or the list form
        ``"[[(0, 0), (1, 5), ...], [...]]"``.

    Returns:
      ``[2, 8, 2]`` int8: cell (normal, reduce) x edge x (input node, op index).

    Raises:
      ValueError: if the string does not hold 2 x 8 pairs of valid indices.
    """
    nums = [int(x) for x in _INT.findall(text)]
    if len(nums) != 32:
        raise ValueError(f"expected 2 x 8 (node, op) pairs, found {len(nums)} integers: {text!r}")
    a = np.array(nums, np.int8).reshape(2, 8, 2)
    node_max = np.repeat(np.arange(2, 6), 2)  # inputs of node k+2 come from nodes < k+2
    if (a[..., 0] < 0).any() or (a[..., 0] >= node_max).any():
        raise ValueError(f"input node out of range in {text!r}")
    if (a[..., 1] < 0).any() or (a[..., 1] >= len(DARTS_OPS)).any():
        raise ValueError(f"op index out of range 0..{len(DARTS_OPS) - 1} in {text!r}")
    return a


class DartsArchTable(NamedTuple):
    """NASLib's list of NB301 training architectures (no labels).

    Attributes:
      arch_id: ``[N]`` str, the JSON key.
      arch: ``[N]`` str, the genotype string as stored.
      compact: ``[N, 2, 8, 2]`` int8 compact genotype (see :func:`parse_darts_compact`).
    """

    arch_id: np.ndarray
    arch: np.ndarray
    compact: np.ndarray


def read_darts_archs(path: str | os.PathLike) -> DartsArchTable:
    """Reads ``archs_nasbench301.json`` (``{id: compact string}``).

    Raises:
      FormatError: if an entry is not a compact genotype.
    """
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if not isinstance(d, dict):
        raise FormatError(f"{os.fspath(path)}: expected a JSON object id -> genotype")
    ids, raw, comp = [], [], []
    for k, v in d.items():
        try:
            comp.append(parse_darts_compact(str(v)))
        except ValueError as err:
            raise FormatError(f"{os.fspath(path)}: arch {k}: {err}") from None
        ids.append(str(k))
        raw.append(str(v))
    return DartsArchTable(
        np.array(ids), np.array(raw), np.array(comp, np.int8).reshape(-1, 2, 8, 2)
    )


class NaslibZCTable(NamedTuple):
    """One dataset of a NASLib zero-cost file; N archs, P proxies.

    Attributes:
      arch: ``[N]`` str, the arch as NASLib stores it (a tuple / list string).
      idx: ``[N]`` int64, NASLib's ``idx`` field.
      val_accuracy: ``[N]`` float64 as stored (percent; for NB301 a surrogate prediction).
      flops: ``[N]`` float64 (MFLOPs as NASLib computes them).
      params: ``[N]`` float64 (millions).
      proxy_names: ``[P]`` str, the other score fields, sorted.
      proxy_scores: ``[N, P]`` float64 (NaN when absent).
      proxy_times: ``[N, P]`` float64 seconds (NaN when absent).
    """

    arch: np.ndarray
    idx: np.ndarray
    val_accuracy: np.ndarray
    flops: np.ndarray
    params: np.ndarray
    proxy_names: np.ndarray
    proxy_scores: np.ndarray
    proxy_times: np.ndarray


def _datasets(d: Mapping, where: str) -> dict[str, Mapping]:
    def is_records(m: object) -> bool:
        return isinstance(m, Mapping) and all(
            isinstance(r, Mapping) and "val_accuracy" in r for r in list(m.values())[:5]
        )

    out: dict[str, Mapping] = {}
    for k, v in d.items():
        if is_records(v):
            out[k] = v
        elif isinstance(v, Mapping) and all(is_records(x) for x in v.values()):
            out.update(v)
        else:
            raise FormatError(f"{where}: {k!r} is neither a dataset nor a group of datasets")
    return out


_NON_PROXY = frozenset({"idx", "arch", "val_accuracy", "flops", "params"})


def _score(v: object) -> tuple[float, float]:
    """(score, time) of a field stored as ``{"score", "time"}`` or as a bare number."""
    if v is None:
        return math.nan, math.nan
    if isinstance(v, Mapping):
        return float(v["score"]), float(v.get("time", math.nan))
    return float(v), math.nan  # type: ignore[arg-type]


def read_naslib_zc(path: str | os.PathLike) -> dict[str, NaslibZCTable]:
    """Reads a NASLib ``zc_nasbench*.json`` file.

    Returns:
      dataset name -> :class:`NaslibZCTable`.

    Raises:
      FormatError: if the structure is not the expected one.
    """
    where = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    out = {}
    for ds, recs in _datasets(d, where).items():
        names = sorted({k for r in recs.values() for k in r if k not in _NON_PROXY})
        archs, idx, val, flops, params, sc, tm = [], [], [], [], [], [], []
        for a, r in recs.items():
            try:
                archs.append(str(a))
                idx.append(int(r.get("idx", -1)))
                val.append(float(r["val_accuracy"]))
                flops.append(_score(r.get("flops"))[0])
                params.append(_score(r.get("params"))[0])
                st = [_score(r.get(p)) for p in names]
                sc.append([x[0] for x in st])
                tm.append([x[1] for x in st])
            except (KeyError, TypeError, ValueError) as err:
                raise FormatError(f"{where}: {ds} arch {a}: malformed record ({err})") from None
        n = len(archs)
        out[ds] = NaslibZCTable(
            arch=np.array(archs),
            idx=np.array(idx, np.int64),
            val_accuracy=np.array(val),
            flops=np.array(flops),
            params=np.array(params),
            proxy_names=np.array(names, dtype=str),
            proxy_scores=np.array(sc, np.float64).reshape(n, len(names)),
            proxy_times=np.array(tm, np.float64).reshape(n, len(names)),
        )
    return out


class NB301ZCTable(NamedTuple):
    """NASLib's ``zc_nasbench301.json`` (CIFAR-10), N = 725 DARTS genotypes.

    Attributes:
      arch: ``[N]`` str, genotype as stored.
      compact: ``[N, 2, 8, 2]`` int8 compact genotype.
      idx: ``[N]`` int64.
      val_accuracy_nb301_surrogate: ``[N]`` float64 validation accuracy in percent
        **predicted by the NAS-Bench-301 v1.0 surrogate** -- not measured training results.
      flops: ``[N]`` float64 MFLOPs. params: ``[N]`` float64 millions.
      proxy_names / proxy_scores / proxy_times: as in :class:`NaslibZCTable`.
    """

    arch: np.ndarray
    compact: np.ndarray
    idx: np.ndarray
    val_accuracy_nb301_surrogate: np.ndarray
    flops: np.ndarray
    params: np.ndarray
    proxy_names: np.ndarray
    proxy_scores: np.ndarray
    proxy_times: np.ndarray


def read_nb301_zc(path: str | os.PathLike) -> NB301ZCTable:
    """Reads NASLib's ``zc_nasbench301.json`` (dataset ``cifar10``)."""
    t = read_naslib_zc(path)
    if set(t) != {"cifar10"}:
        raise FormatError(f"{os.fspath(path)}: expected dataset 'cifar10', found {sorted(t)}")
    z = t["cifar10"]
    try:
        comp = np.array([parse_darts_compact(a) for a in z.arch], np.int8).reshape(-1, 2, 8, 2)
    except ValueError as err:
        raise FormatError(f"{os.fspath(path)}: {err}") from None
    return NB301ZCTable(
        arch=z.arch,
        compact=comp,
        idx=z.idx,
        val_accuracy_nb301_surrogate=z.val_accuracy,
        flops=z.flops,
        params=z.params,
        proxy_names=z.proxy_names,
        proxy_scores=z.proxy_scores,
        proxy_times=z.proxy_times,
    )


load_darts_archs = tables.loader(
    DartsArchTable, "darts_archs", READER_VERSION, ["darts_naslib_archs"], read_darts_archs,
    """:func:`read_darts_archs` of the registered file, verified and cached.""",
)  # fmt: skip


load_nb301_zc = tables.loader(
    NB301ZCTable, "nb301_zc", READER_VERSION, ["darts_naslib_zc"], read_nb301_zc,
    """:func:`read_nb301_zc` of the registered file, verified and cached.""",
)  # fmt: skip


def load_naslib_zc(
    name: str,
    dataset: str,
    data_dir: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
) -> NaslibZCTable:
    """One dataset of a registered NASLib zero-cost file, verified and cached.

    Args:
      name: ``"nb101_naslib_zc"``, ``"nb201_naslib_zc"`` or ``"darts_naslib_zc"``.
      dataset: e.g. ``"cifar10"``, ``"cifar100"``, ``"ImageNet16-120"``.
      data_dir: data directory.
      cache_dir: cache directory.
      download: allow downloading a missing file.
    """

    def read(path) -> NaslibZCTable:
        t = read_naslib_zc(path)
        if dataset not in t:
            raise KeyError(f"{path}: no dataset {dataset!r}; found {sorted(t)}")
        return t[dataset]

    return tables.load_sources(
        NaslibZCTable, "naslib_zc", READER_VERSION, [name], read, data_dir, cache_dir, download,
        extra=(dataset,),
    )  # fmt: skip
