"""Adjacency encodings of White et al., "A Study on Encodings for Neural Architecture Search".

All functions are vectorised NumPy (host-side preprocessing): they take a batch of cells with any
leading shape ``[...]`` and return one encoding row per cell.

NAS-Bench-101 cells are the padded ``(adjacency uint8 [..., 7, 7], ops int32 [..., 7])`` of
:mod:`jaxnas.spaces.nb101` (pruned; real vertices first, the output is the last *real* vertex,
padding ops ``-1``). The encodings need one fixed vertex layout for cells of every size, so they
use the :func:`nb101_fixed_layout` of White et al.'s code (naszilla ``Cell101.convert_to_cell``):
the input stays at vertex 0, the real inner vertices keep their positions ``1 .. n-2``, the output
moves to vertex 6, and the slots ``n-1 .. 5`` in between are *missing* vertices without edges. A
cell with 5 vertices ``in, a, b, c, out`` is laid out as ``in, a, b, c, -, -, out``.

NAS-Bench-201 cells are ``int [..., 6]`` op ids into ``(none, skip_connect, nor_conv_1x1,
nor_conv_3x3, avg_pool_3x3)`` on the edges ``(1,2), (1,3), (2,3), (1,4), (2,4), (3,4)`` (the
arch-string order; nodes 1-based).

Encodings (feature width in brackets):

* nb101 one-hot [36]: the 21 upper-triangle bits of the laid-out ``[7, 7]`` adjacency (row-major:
  ``(0,1), (0,2), ..., (0,6), (1,2), ..., (5,6)``), then a one-hot over ``(conv1x1, conv3x3,
  maxpool)`` for each inner vertex 1..5 (all zero for a missing vertex).
* nb101 categorical [14]: the indices (0..20, into the 21 upper-triangle positions above) of the
  present edges in increasing order, padded with -1 to 9 (the edge budget), then the op ids of
  the inner vertices 1..5 (ids of ``nb101.OPS``: 1 conv1x1, 2 conv3x3, 3 maxpool; -1 missing).
* nb101 continuous [27]: the 21 edge bits as reals, the inner ops 1..5 as reals in ``[0, 1]``
  (conv1x1 0, conv3x3 0.5, maxpool 1; missing vertices 0.5, the conv3x3 that naszilla's layout
  fills in), then the number of edges.
* nb201 one-hot [30]: a one-hot over the 5 ops for each of the 6 edges (official op order).
* nb201 categorical [6]: the op ids themselves.
* nb201 continuous [6]: op id / 4, in ``[0, 1]``.

Differences from the reference code, on purpose: NASLib's NB101 one-hot orders the op bits
``(maxpool, conv3x3, conv1x1)`` (a column permutation) and inserts missing vertices at *random*
positions; naszilla pads categorical edge lists with 0 (colliding with edge index 0) and writes
the ops in reverse order, and its continuous encoding overwrites the op of vertex 1 with the edge
count (an off-by-one). Here the layout is deterministic, padding is -1 and no feature is lost.
"""

from __future__ import annotations

import numpy as np

NB101_NUM_VERTICES = 7
NB101_MAX_EDGES = 9
NB101_INNER_OPS = (1, 2, 3)  # conv1x1, conv3x3, maxpool in nb101.OPS
NB101_OUTPUT = 4
PAD = -1

NB201_NUM_EDGES = 6
NB201_NUM_OPS = 5

_TRIU = np.triu_indices(NB101_NUM_VERTICES, 1)
NB101_NUM_EDGE_SLOTS = len(_TRIU[0])  # 21

NB101_ONE_HOT_DIM = NB101_NUM_EDGE_SLOTS + 5 * len(NB101_INNER_OPS)  # 36
NB101_CATEGORICAL_DIM = NB101_MAX_EDGES + 5  # 14
NB101_CONTINUOUS_DIM = NB101_NUM_EDGE_SLOTS + 5 + 1  # 27
NB201_ONE_HOT_DIM = NB201_NUM_EDGES * NB201_NUM_OPS  # 30


def _nb101_batch(adjacency, ops) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Flattens leading dims: ``([M, 7, 7] uint8, [M, 7] int32, leading shape)``."""
    a = np.asarray(adjacency)
    o = np.asarray(ops)
    v = NB101_NUM_VERTICES
    if a.shape[-2:] != (v, v) or o.shape[-1:] != (v,) or a.shape[:-2] != o.shape[:-1]:
        raise ValueError(
            f"nb101 cells must be padded adjacency [..., 7, 7] and ops [..., 7] with the same "
            f"leading shape; got {a.shape} and {o.shape}"
        )
    lead = o.shape[:-1]
    return a.reshape(-1, v, v).astype(np.uint8, copy=False), o.reshape(-1, v), lead


def nb101_fixed_layout(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Moves the output of each padded NB101 cell to vertex 6 (White et al.'s layout).

    Args:
      adjacency: ``[..., 7, 7]`` 0/1, pruned and padded (real vertices first).
      ops: ``int [..., 7]`` op ids, padding -1; the last real vertex is the output.

    Returns:
      ``(adjacency uint8 [..., 7, 7], ops int32 [..., 7])``: inner vertices keep their indices,
      the output is at 6, the missing vertices ``n-1 .. 5`` have no edges and op -1. Cells with 7
      vertices are unchanged.
    """
    a, o, lead = _nb101_fixed_layout_flat(adjacency, ops)
    v = NB101_NUM_VERTICES
    return a.reshape(*lead, v, v), o.reshape(*lead, v)


def _nb101_fixed_layout_flat(adjacency, ops) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """:func:`nb101_fixed_layout` as ``(adjacency [M, 7, 7], ops [M, 7], leading shape)``."""
    a, o, lead = _nb101_batch(adjacency, ops)
    v = NB101_NUM_VERTICES
    n = (o != PAD).sum(axis=1)  # [M]
    full = a.copy()
    ops_out = o.astype(np.int32)  # a copy
    small = np.flatnonzero(n < v)  # most cells have 7 vertices and need no change
    if len(small):
        ns = n[small]
        pos = np.arange(v)
        # src[m, p]: the vertex of the original cell placed at slot p, or -1 for a missing slot.
        src = np.where(pos[None, :] < (ns - 1)[:, None], pos[None, :], -1)
        src[:, v - 1] = ns - 1
        valid = src >= 0
        s = np.where(valid, src, 0)
        rows = np.take_along_axis(a[small], s[:, :, None], axis=1)  # [S, 7(p), 7]
        cols = np.take_along_axis(rows, s[:, None, :], axis=2)  # [S, 7(p), 7(q)]
        full[small] = cols * (valid[:, :, None] & valid[:, None, :])
        ops_out[small] = np.where(valid, np.take_along_axis(o[small], s, axis=1), PAD)
    return full, ops_out, lead


def nb101_one_hot(adjacency, ops, dtype=np.float32) -> np.ndarray:
    """NB101 adjacency one-hot encoding: ``[..., 36]`` (see the module docstring for the layout).

    Args:
      adjacency: ``[..., 7, 7]`` padded, pruned cells.
      ops: ``int [..., 7]`` op ids into ``nb101.OPS``, padding -1.
      dtype: output dtype.

    Returns:
      ``dtype [..., 36]``: 21 edge bits, then 5 x 3 op bits.
    """
    a, o, lead = _nb101_fixed_layout_flat(adjacency, ops)
    edges = a[:, _TRIU[0], _TRIU[1]]  # [M, 21]
    inner = o[:, 1:-1]  # [M, 5]
    op_bits = inner[:, :, None] == np.asarray(NB101_INNER_OPS)[None, None, :]  # [M, 5, 3]
    out = np.concatenate([edges, op_bits.reshape(len(o), -1)], axis=1).astype(dtype)
    return out.reshape(*lead, NB101_ONE_HOT_DIM)


def nb101_categorical(adjacency, ops) -> np.ndarray:
    """NB101 adjacency categorical encoding: ``int32 [..., 14]``.

    Args:
      adjacency: ``[..., 7, 7]`` padded, pruned cells (at most 9 edges).
      ops: ``int [..., 7]`` op ids into ``nb101.OPS``, padding -1.

    Returns:
      ``int32 [..., 14]``: present edge indices (0..20) ascending, padded with -1 to 9, then the
      op ids of the inner vertices 1..5 of the fixed layout (-1 for missing vertices).
    """
    a, o, lead = _nb101_fixed_layout_flat(adjacency, ops)
    edges = a[:, _TRIU[0], _TRIU[1]].astype(bool)  # [M, 21]
    if edges.sum(axis=1).max(initial=0) > NB101_MAX_EDGES:
        raise ValueError(f"nb101 cells have at most {NB101_MAX_EDGES} edges")
    slot = np.arange(NB101_NUM_EDGE_SLOTS, dtype=np.int32)
    key = np.where(edges, slot[None, :], NB101_NUM_EDGE_SLOTS)
    key = np.sort(key, axis=1)[:, :NB101_MAX_EDGES]
    edge_list = np.where(key < NB101_NUM_EDGE_SLOTS, key, PAD)
    out = np.concatenate([edge_list, o[:, 1:-1]], axis=1).astype(np.int32)
    return out.reshape(*lead, NB101_CATEGORICAL_DIM)


def nb101_continuous(adjacency, ops, dtype=np.float32) -> np.ndarray:
    """NB101 adjacency continuous encoding: ``[..., 27]``.

    Args:
      adjacency: ``[..., 7, 7]`` padded, pruned cells.
      ops: ``int [..., 7]`` op ids into ``nb101.OPS``, padding -1.
      dtype: output dtype.

    Returns:
      ``dtype [..., 27]``: 21 edge values, 5 op values (conv1x1 0, conv3x3 0.5, maxpool 1,
      missing 0.5) and the number of edges. Decoding a continuous point takes the ``round(last)``
      largest edge values as the edges, as in White et al.
    """
    a, o, lead = _nb101_fixed_layout_flat(adjacency, ops)
    edges = a[:, _TRIU[0], _TRIU[1]].astype(dtype)
    inner = o[:, 1:-1]
    op_val = np.where(inner == PAD, 0.5, (inner - 1) / 2.0).astype(dtype)
    num = edges.sum(axis=1, keepdims=True)
    out = np.concatenate([edges, op_val, num], axis=1).astype(dtype)
    return out.reshape(*lead, NB101_CONTINUOUS_DIM)


def _nb201_batch(cells) -> np.ndarray:
    c = np.asarray(cells)
    if c.shape[-1:] != (NB201_NUM_EDGES,) or c.dtype.kind not in "iu":
        raise ValueError(f"nb201 cells must be integer op ids [..., 6], got {c.dtype} {c.shape}")
    if c.size and (c.min() < 0 or c.max() >= NB201_NUM_OPS):
        raise ValueError(f"nb201 op ids must be in 0..{NB201_NUM_OPS - 1}")
    return c.astype(np.int32)


def nb201_one_hot(cells, dtype=np.float32) -> np.ndarray:
    """NB201 adjacency one-hot: ``[..., 30]``, 5 op bits per edge in arch-string edge order."""
    c = _nb201_batch(cells)
    bits = c[..., None] == np.arange(NB201_NUM_OPS)
    return bits.reshape(*c.shape[:-1], NB201_ONE_HOT_DIM).astype(dtype)


def nb201_categorical(cells) -> np.ndarray:
    """NB201 adjacency categorical: the 6 op ids, ``int32 [..., 6]``."""
    return _nb201_batch(cells).copy()


def nb201_continuous(cells, dtype=np.float32) -> np.ndarray:
    """NB201 adjacency continuous: op id / 4 per edge, ``[..., 6]`` in ``[0, 1]``."""
    return (_nb201_batch(cells) / (NB201_NUM_OPS - 1)).astype(dtype)
