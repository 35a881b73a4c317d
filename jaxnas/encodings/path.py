"""Path encodings of White et al. (BANANAS, 2021; "A Study on Encodings for NAS", 2020).

A path is an input->output path of the cell, identified by the sequence of ops on its inner
vertices. All functions are vectorised NumPy over a batch with any leading shape ``[...]``.

NAS-Bench-101
-------------
Cells are padded ``(adjacency uint8 [..., 7, 7], ops int32 [..., 7])`` as in
:mod:`jaxnas.spaces.nb101`. A path has 0..5 inner vertices, each with one of 3 ops, so there are
``sum_{i=0..5} 3**i = 364`` op sequences. The sequence ``(o_0, ..., o_{k-1})`` (``o_0`` next to the
input) has index ``sum_i 3**i * d(o_i)`` with digits ``d(conv3x3) = 1, d(conv1x1) = 2,
d(maxpool) = 3`` -- exactly ``get_path_indices`` of naszilla/NASLib, so index 0 is the direct
input->output edge, 1..3 the one-op paths, 4..12 the two-op paths, and so on; the first 40
indices are the paths with at most 3 ops (White et al.'s truncation).

Vectorisation: in a topologically ordered DAG a path visits inner vertices in increasing order,
so it is fully described by the *set* of inner vertices it visits. In the fixed 7-vertex layout
of :func:`jaxnas.encodings.adjacency.nb101_fixed_layout` there are only ``2**5 = 32`` such sets;
for each one, whether the path exists is a product of adjacency entries (computed for all cells
at once by a 32-step dynamic programme over the sets), and its op-sequence index is a fixed linear
function of the cells' op digits (one ``[M, 7] @ [7, 32]`` product). No per-cell Python and no
``np.unique`` over adjacencies is needed.

NAS-Bench-201
-------------
Cells are ``int [..., 6]`` op ids (official order ``none, skip_connect, nor_conv_1x1,
nor_conv_3x3, avg_pool_3x3``) on the edges ``(1,2), (1,3), (2,3), (1,4), (2,4), (3,4)``. The four
input->output paths are the edge sequences ``[3], [0, 4], [1, 5], [0, 2, 5]`` (indices into that
edge order). As in naszilla's ``Cell201.get_path_indices`` (White et al.), a path of length ``L``
gets index ``offset(L) + sum_j d(op_j) * 5**j`` with ``offset = 0, 5, 30`` for ``L = 1, 2, 3``
and digits from naszilla's alphabetical op list ``(avg_pool_3x3, nor_conv_1x1, nor_conv_3x3,
none, skip_connect)``; ``5 + 25 + 125 = 155`` indices in all. Paths through a ``none`` edge are
kept (as in the reference). The natural truncation is 30 (paths of length <= 2; naszilla's
default). NASLib applies the same edge blueprints to its own edge order ``(1,2), (1,3), (1,4),
(2,3), (2,4), (3,4)``, where they are not paths; we follow the arch-string order, where they are.

Encodings: one-hot (``[..., P]``, P = 364 or 155), continuous (how many paths have each op
sequence, ``[..., P]``), categorical (the sorted path indices with repetitions, one per path,
padded with -1 to the most paths a cell can have: :data:`NB101_MAX_PATHS` or 4), and truncated
variants of each (``cutoff``: keep only indices ``< cutoff``; for one-hot / continuous the width
becomes ``cutoff``).
"""

from __future__ import annotations

import numpy as np

from jaxnas.encodings import adjacency as _adj

NB101_NUM_PATHS = sum(3**i for i in range(6))  # 364
NB101_TRUNCATION = 40
NB201_NUM_PATHS = 5 + 5**2 + 5**3  # 155
NB201_TRUNCATION = 30
PAD = -1

# Digit of each nb101.OPS id (input, conv1x1, conv3x3, maxpool, output), NASLib's mapping + 1.
_NB101_DIGIT = np.array([0, 2, 1, 3, 0], np.int64)
_NB101_INNER = 5
_NB101_SUBSETS = 1 << _NB101_INNER  # 32 sets of inner vertices


def _subset_tables() -> tuple[np.ndarray, np.ndarray]:
    """``weights int64 [7, 32]`` (``3**rank`` of vertex v in set s) and ``members [32, 5]``."""
    w = np.zeros((7, _NB101_SUBSETS), np.int64)
    members = np.full((_NB101_SUBSETS, _NB101_INNER), -1, np.int64)
    for s in range(_NB101_SUBSETS):
        verts = [v + 1 for v in range(_NB101_INNER) if s >> v & 1]
        for rank, v in enumerate(verts):
            w[v, s] = 3**rank
        members[s, : len(verts)] = verts
    return w, members


_NB101_WEIGHTS, _NB101_MEMBERS = _subset_tables()


NB101_MAX_PATHS = 8
"""The most input->output paths of any NB101 cell (729 cells have 8; checked over all 423,624
cells in the slow test)."""


def nb101_path_table(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """All 32 candidate paths of each NB101 cell: their indices and whether they exist.

    Args:
      adjacency: ``[..., 7, 7]`` padded, pruned cells.
      ops: ``int [..., 7]`` op ids into ``nb101.OPS``, padding -1.

    Returns:
      ``(index int32 [..., 32], present bool [..., 32])``: slot ``s`` is the path through the
      inner vertices in the bits of ``s`` (vertex ``v`` for bit ``v - 1``, fixed layout);
      ``index`` is its op-sequence index in ``0..363`` (meaningful where ``present``).
    """
    a, o, lead = _adj._nb101_fixed_layout_flat(adjacency, ops)
    a = a.astype(bool)
    m = len(o)
    # reach[s]: a path 0 -> (vertices of s, in order) exists, ending at max(s) (0 for s = 0).
    reach = np.empty((_NB101_SUBSETS, m), bool)
    reach[0] = True
    last = np.zeros(_NB101_SUBSETS, np.int64)
    for s in range(1, _NB101_SUBSETS):
        top = s.bit_length()  # vertex index of the highest bit
        prev = s & ~(1 << (top - 1))
        last[s] = top
        reach[s] = reach[prev] & a[:, last[prev], top]
    present = (reach & a[:, last, 6].T).T  # [M, 32]
    digits = _NB101_DIGIT[np.where(o == PAD, 0, o)]  # [M, 7]; missing vertices are never used
    index = (digits @ _NB101_WEIGHTS).astype(np.int32)  # [M, 32]
    return index.reshape(*lead, _NB101_SUBSETS), present.reshape(*lead, _NB101_SUBSETS)


def _one_hot(index, present, width, dtype):
    lead = index.shape[:-1]
    index = index.reshape(-1, index.shape[-1])
    keep = present.reshape(index.shape) & (index < width)
    out = np.zeros((len(index), width), dtype)
    rows, cols = np.nonzero(keep)
    out[rows, index[rows, cols]] = 1
    return out.reshape(*lead, width)


def _counts(index, present, width, dtype):
    lead = index.shape[:-1]
    index = index.reshape(-1, index.shape[-1])
    keep = present.reshape(index.shape) & (index < width)
    out = np.zeros((len(index), width), dtype)
    for s in range(index.shape[1]):  # a handful of slots; each row appears once per slot
        rows = np.flatnonzero(keep[:, s])
        out[rows, index[rows, s]] += 1
    return out.reshape(*lead, width)


def _categorical(index, present, cutoff, width):
    lead = index.shape[:-1]
    index = index.reshape(-1, index.shape[-1])
    keep = present.reshape(index.shape) & (index < cutoff)
    most = int(keep.sum(axis=1).max(initial=0))
    if most > width:
        raise ValueError(f"a cell has {most} paths, more than the categorical width {width}")
    big = np.iinfo(np.int32).max
    key = np.sort(np.where(keep, index, big), axis=1)[:, :width]
    if key.shape[1] < width:
        key = np.pad(key, ((0, 0), (0, width - key.shape[1])), constant_values=big)
    return np.where(key == big, PAD, key).astype(np.int32).reshape(*lead, width)


def _width(cutoff, total):
    if cutoff is None:
        return total
    if not 0 < cutoff <= total:
        raise ValueError(f"cutoff must be in 1..{total}, got {cutoff}")
    return int(cutoff)


def nb101_one_hot(adjacency, ops, cutoff: int | None = None, dtype=np.float32) -> np.ndarray:
    """NB101 path one-hot encoding: ``[..., 364]`` (or ``[..., cutoff]`` when truncated).

    Args:
      adjacency: ``[..., 7, 7]`` padded, pruned cells.
      ops: ``int [..., 7]`` op ids into ``nb101.OPS``, padding -1.
      cutoff: keep the first ``cutoff`` path indices only (White et al. use 40).
      dtype: output dtype.

    Returns:
      ``dtype [..., P]``: 1 where the cell has a path with that op sequence.
    """
    width = _width(cutoff, NB101_NUM_PATHS)
    return _one_hot(*nb101_path_table(adjacency, ops), width, dtype)


def nb101_continuous(adjacency, ops, cutoff: int | None = None, dtype=np.float32) -> np.ndarray:
    """NB101 path counts: ``[..., 364]`` (or ``[..., cutoff]``), paths per op sequence."""
    width = _width(cutoff, NB101_NUM_PATHS)
    return _counts(*nb101_path_table(adjacency, ops), width, dtype)


def nb101_categorical(
    adjacency, ops, cutoff: int | None = None, width: int = NB101_MAX_PATHS
) -> np.ndarray:
    """NB101 path categorical encoding: ``int32 [..., width]``.

    One entry per input->output path (op sequences shared by several paths repeat), ascending,
    padded with -1. With ``cutoff`` only indices ``< cutoff`` are kept (naszilla's
    ``trunc_cat_path``).
    """
    cut = _width(cutoff, NB101_NUM_PATHS)
    return _categorical(*nb101_path_table(adjacency, ops), cut, width)


# ----------------------------------------------------------------------------------------------
# NAS-Bench-201.

# Digit of each official op id (none, skip, conv1x1, conv3x3, avg_pool) in naszilla's op list.
_NB201_DIGIT = np.array([3, 4, 1, 2, 0], np.int64)
NB201_PATH_EDGES: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
"""The input->output paths as edge positions in arch-string order."""
_NB201_OFFSET = {1: 0, 2: 5, 3: 30}


def _nb201_weights() -> np.ndarray:
    w = np.zeros((6, 4), np.int64)
    for p, edges in enumerate(NB201_PATH_EDGES):
        for j, e in enumerate(edges):
            w[e, p] = 5**j
    return w


_NB201_WEIGHTS = _nb201_weights()
_NB201_OFFSETS = np.array([_NB201_OFFSET[len(e)] for e in NB201_PATH_EDGES], np.int64)


def nb201_path_indices(cells) -> np.ndarray:
    """The 4 path indices of each NB201 cell, ``int32 [..., 4]`` in :data:`NB201_PATH_EDGES`
    order (naszilla's ``get_path_indices``)."""
    c = _adj._nb201_batch(cells)
    return (_NB201_DIGIT[c] @ _NB201_WEIGHTS + _NB201_OFFSETS).astype(np.int32)


def nb201_one_hot(cells, cutoff: int | None = None, dtype=np.float32) -> np.ndarray:
    """NB201 path one-hot: ``[..., 155]`` (or ``[..., cutoff]``; naszilla truncates at 30)."""
    idx = nb201_path_indices(cells)
    return _one_hot(idx, np.ones(idx.shape, bool), _width(cutoff, NB201_NUM_PATHS), dtype)


def nb201_continuous(cells, cutoff: int | None = None, dtype=np.float32) -> np.ndarray:
    """NB201 path counts: ``[..., 155]`` (the two length-2 paths may share an op sequence)."""
    idx = nb201_path_indices(cells)
    return _counts(idx, np.ones(idx.shape, bool), _width(cutoff, NB201_NUM_PATHS), dtype)


def nb201_categorical(cells, cutoff: int | None = None) -> np.ndarray:
    """NB201 path categorical: the sorted path indices, ``int32 [..., 4]`` (-1 past cutoff)."""
    idx = nb201_path_indices(cells)
    cut = _width(cutoff, NB201_NUM_PATHS)
    return _categorical(idx, np.ones(idx.shape, bool), cut, len(NB201_PATH_EDGES))
