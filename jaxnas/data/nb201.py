"""NAS-Bench-201 readers: NASLib's Zen zip and nasbench-vis' official arch list.

Both are returned keyed by the official NB201 API index (the order of ``archs`` in
``nasbench_vis_nas-201-arch.json``).

NASLib stores a cell as a 6-tuple of op indices over the edges
``(1,2), (1,3), (1,4), (2,3), (2,4), (3,4)`` (nodes numbered from 1) with op index
0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3. The official string
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` lists, per target node, the ops of its incoming edges
by source node: ``|(1,2)|+|(1,3)|(2,3)|+|(1,4)|(2,4)|(3,4)|``. The conversion is kept here
(rather than imported from :mod:`jaxnas.spaces`) so that the data layer checks it against
the data on its own: every tuple of the zip must land on exactly one official string.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from typing import NamedTuple

import numpy as np

from jaxnas.data import tables
from jaxnas.data.errors import FormatError

READER_VERSION = 1
NUM_ARCHS = 15625
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
NASLIB_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
"""Op names by NASLib op index."""
NASLIB_EDGES = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))
"""Edges (source, target) by position in a NASLib tuple."""
# positions in the NASLib tuple of the edges in the official string's order
_STRING_ORDER = (0, 1, 3, 2, 4, 5)
_ZEN_NAME = re.compile(r"(?:^|/)benchmark--nasbench201--(.+)--(\d+)\.json$")


def naslib_to_arch_str(ops: tuple[int, ...] | np.ndarray) -> str:
    """Converts a NASLib op-index 6-tuple to the official NB201 arch string.

    Args:
      ops: ``[6]`` op indices in NASLib edge order (see :data:`NASLIB_EDGES`).

    Returns:
      The official string, e.g. ``|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...|``.
    """
    if len(ops) != 6:
        raise ValueError(f"NASLib NB201 tuple must have 6 entries, got {len(ops)}: {ops}")
    names = []
    for i in _STRING_ORDER:
        k = int(ops[i])
        if not 0 <= k < len(NASLIB_OPS):
            raise ValueError(f"NASLib op index {k} out of range 0..4 in {tuple(ops)}")
        names.append(NASLIB_OPS[k])
    a, b, c, d, e, f = names
    return f"|{a}~0|+|{b}~0|{c}~1|+|{d}~0|{e}~1|{f}~2|"


def arch_str_to_naslib(arch: str) -> tuple[int, ...]:
    """Inverse of :func:`naslib_to_arch_str`.

    Raises:
      ValueError: if ``arch`` is not an NB201 arch string.
    """
    nodes = arch.split("+")
    if len(nodes) != 3:
        raise ValueError(f"not an NB201 arch string: {arch!r}")
    by_edge: dict[tuple[int, int], str] = {}
    for target, node in enumerate(nodes, start=2):
        parts = [p for p in node.split("|") if p]
        if len(parts) != target - 1:
            raise ValueError(f"not an NB201 arch string: {arch!r}")
        for p in parts:
            op, src = p.split("~")
            by_edge[(int(src) + 1, target)] = op
    try:
        return tuple(NASLIB_OPS.index(by_edge[e]) for e in NASLIB_EDGES)
    except (KeyError, ValueError) as err:
        raise ValueError(f"not an NB201 arch string: {arch!r} ({err})") from None


class NB201ArchTable(NamedTuple):
    """Official NB201 arch strings, N = 15,625, in API index order.

    Attributes:
      arch_str: ``[N]`` str.
      test_accuracy_cifar10: ``[N]`` float64, CIFAR-10 test accuracy in percent (200 epochs,
        mean over seeds), as stored by nasbench-vis.
    """

    arch_str: np.ndarray
    test_accuracy_cifar10: np.ndarray


def read_nb201_archs(path: str | os.PathLike) -> NB201ArchTable:
    """Reads ``nasbench_vis_nas-201-arch.json`` (the 2-D embedding is ignored).

    Raises:
      FormatError: if keys are missing, lengths differ or a string is not an NB201 arch.
    """
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if not {"archs", "accuracies"} <= set(d):
        raise FormatError(
            f"{os.fspath(path)}: expected keys 'archs', 'accuracies'; found {sorted(d)}"
        )
    archs, acc = d["archs"], d["accuracies"]
    if len(archs) != len(acc) or len(set(archs)) != len(archs):
        raise FormatError(
            f"{os.fspath(path)}: {len(archs)} archs ({len(set(archs))} distinct) vs "
            f"{len(acc)} accuracies"
        )
    for s in archs:
        try:
            arch_str_to_naslib(s)
        except ValueError as err:
            raise FormatError(f"{os.fspath(path)}: {err}") from None
    return NB201ArchTable(np.array(archs), np.asarray(acc, np.float64))


class NB201Table(NamedTuple):
    """All NB201 cells keyed by official index; N = 15,625, D = 3 datasets.

    Attributes:
      arch_str: ``[N]`` str, official arch strings in API index order.
      naslib_arch: ``[N, 6]`` int8 NASLib op-index tuple of each cell.
      datasets: ``[D]`` str, :data:`DATASETS`.
      val_accuracy: ``[N, D]`` float64 final (200-epoch) validation accuracy in percent,
        from NASLib's zip (NaN where a cell is missing).
      zen_score: ``[N, D]`` float64 Zen-NAS score from the same zip.
      test_accuracy_cifar10: ``[N]`` float64 CIFAR-10 test accuracy in percent
        (nasbench-vis).
    """

    arch_str: np.ndarray
    naslib_arch: np.ndarray
    datasets: np.ndarray
    val_accuracy: np.ndarray
    zen_score: np.ndarray
    test_accuracy_cifar10: np.ndarray


def read_nb201(zen_zip: str | os.PathLike, arch_json: str | os.PathLike) -> NB201Table:
    """Reads NASLib's ``nb201_zen.zip`` and aligns it to the official index.

    Args:
      zen_zip: ``naslib_nb201_zen.zip`` (``zen/benchmark--nasbench201--{dataset}--{start}.json``
        files, each a list of ``{"idx", "arch", "val_accuracy", "zen"}``).
      arch_json: ``nasbench_vis_nas-201-arch.json``.

    Returns:
      The :class:`NB201Table`.

    Raises:
      FormatError: if a tuple maps to no official string, a cell appears twice for one
        dataset, or a dataset is incomplete.
    """
    archs = read_nb201_archs(arch_json)
    index = {s: i for i, s in enumerate(archs.arch_str.tolist())}
    n = len(index)
    val = np.full((n, len(DATASETS)), np.nan)
    zen = np.full((n, len(DATASETS)), np.nan)
    seen = np.zeros((n, len(DATASETS)), bool)
    where = os.fspath(zen_zip)
    with zipfile.ZipFile(zen_zip) as z:
        members = [m for m in z.namelist() if _ZEN_NAME.search(m)]
        if not members:
            raise FormatError(f"{where}: no benchmark--nasbench201--*.json members")
        for m in members:
            ds = _ZEN_NAME.search(m).group(1)  # type: ignore[union-attr]
            if ds not in DATASETS:
                raise FormatError(f"{where}:{m}: unknown dataset {ds!r}; expected {DATASETS}")
            j = DATASETS.index(ds)
            for r in json.loads(z.read(m)):
                try:
                    t = tuple(int(x) for x in r["arch"].strip("()").split(","))
                    s = naslib_to_arch_str(t)
                except (KeyError, ValueError) as err:
                    raise FormatError(f"{where}:{m}: bad arch {r.get('arch')!r}: {err}") from None
                i = index.get(s)
                if i is None:
                    raise FormatError(f"{where}:{m}: tuple {t} -> {s} is not an official arch")
                if seen[i, j]:
                    raise FormatError(f"{where}:{m}: cell {s} appears twice for {ds}")
                seen[i, j] = True
                val[i, j] = float(r["val_accuracy"])
                zen[i, j] = float(r["zen"]["score"]) if "zen" in r else np.nan
    missing = (~seen).sum(axis=0)
    if missing.any():
        raise FormatError(
            f"{where}: incomplete: cells missing per dataset "
            f"{dict(zip(DATASETS, missing.tolist(), strict=True))} (expected all {n})"
        )
    naslib = np.array([arch_str_to_naslib(s) for s in archs.arch_str], np.int8)
    return NB201Table(
        arch_str=archs.arch_str,
        naslib_arch=naslib,
        datasets=np.array(DATASETS),
        val_accuracy=val,
        zen_score=zen,
        test_accuracy_cifar10=archs.test_accuracy_cifar10,
    )


load_nb201 = tables.loader(
    NB201Table, "nb201", READER_VERSION, ["nb201_naslib_zen", "nb201_vis_arch"], read_nb201,
    """:func:`read_nb201` of the registered files, verified and cached.""",
)  # fmt: skip
