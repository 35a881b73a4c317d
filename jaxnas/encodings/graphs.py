"""Padded graph batches for graph neural networks, with static shapes.

Cells are padded ops-on-nodes DAGs ``(adjacency [..., N, N], ops int [..., N])`` with padding op
-1 after the real vertices (NB101 cells as they are; an NB201 cell through
``jaxnas.spaces.nb201.to_node_graph``). Two forms:

* :func:`dense_batch`: ``adjacency float32 [B, N, N]``, ``nodes float32 [B, N, V]`` (op one-hot,
  zero rows for padding) and ``node_mask float32 [B, N]`` (1 real, 0 padding) -- for dense GIN /
  VGAE models.
* :class:`GraphStore` + :func:`graphs_tuple`: a ``jraph.GraphsTuple`` for a batch of ``B`` cells
  with a fixed padding budget of ``B * N + 1`` nodes, ``B * E`` edges and ``B + 1`` graphs (the
  last graph holds all padding nodes and edges, as ``jraph.pad_with_graphs`` lays them out;
  padding edges point at the first padding node). :func:`graph_store` pre-builds per-cell padded
  arrays for a whole dataset once (vectorised NumPy); :func:`graphs_tuple` gathers a batch by
  index with a few array operations -- with NumPy inputs on the host (~0.1 ms for 32 cells), or
  with ``jnp`` inputs inside ``jax.jit`` (it is jittable, and the shapes depend on the batch size
  only, so a training loop compiles once). This replaces ``jraph.batch`` + ``pad_with_graphs``
  per step, which costs several ms on the host.

Node features are float32 op one-hots; ``edges`` is ``None`` (no edge features) and ``globals`` is
``None``. ``symmetric=True`` adds every edge in both directions (the ``A + A^T`` that GIN-style
encoders such as arch2vec's aggregate over).

jraph 0.0.6's ``zero_out_padding``, ``with_zero_out_padding_outputs`` and
``get_fully_connected_graph`` (with features) are broken under jax 0.10 (they call the removed
``jax.tree_map``); this module does not use them. Use :func:`padding_masks` for masks and
:func:`node_graph_index` for segment ids.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import jraph
import numpy as np

PAD = -1


class DenseGraphs(NamedTuple):
    """A dense padded batch.

    Attributes:
      adjacency: ``float32 [B, N, N]``; ``adjacency[b, i, j] = 1`` for an edge ``i -> j`` (both
        directions when built with ``symmetric=True``).
      nodes: ``float32 [B, N, V]`` op one-hot; all-zero rows for padding vertices.
      node_mask: ``float32 [B, N]``, 1 for real vertices, 0 for padding.
    """

    adjacency: np.ndarray
    nodes: np.ndarray
    node_mask: np.ndarray


def _check(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(adjacency)
    o = np.asarray(ops)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.shape[:-1] != o.shape:
        raise ValueError(
            f"expected adjacency [..., N, N] and ops [..., N], got {a.shape} and {o.shape}"
        )
    return a, o


def dense_batch(adjacency, ops, num_ops: int, symmetric: bool = False) -> DenseGraphs:
    """Dense padded arrays for a batch of cells.

    Args:
      adjacency: ``[B, N, N]`` 0/1 (any leading shape works).
      ops: ``int [B, N]`` op ids in ``0..num_ops-1``, -1 for padding vertices.
      num_ops: V, the vocabulary size (5 for NB101's ``OPS``, 7 for NB201's node graph).
      symmetric: return ``A + A^T`` instead of ``A`` (for DAGs without 2-cycles this is 0/1).

    Returns:
      :class:`DenseGraphs` (float32 NumPy arrays).
    """
    a, o = _check(adjacency, ops)
    a = a.astype(np.float32)
    if symmetric:
        a = a + np.swapaxes(a, -1, -2)
    nodes = (o[..., None] == np.arange(num_ops)).astype(np.float32)
    return DenseGraphs(adjacency=a, nodes=nodes, node_mask=(o != PAD).astype(np.float32))


class GraphStore(NamedTuple):
    """Per-cell padded graph arrays for a whole dataset (build once with :func:`graph_store`).

    Attributes:
      nodes: ``float32 [C, N, V]`` op one-hot, zero rows for padding vertices.
      n_node: ``int32 [C]`` real vertices per cell (they come first).
      senders: ``int32 [C, E]`` local source vertex of each edge slot (0 for unused slots).
      receivers: ``int32 [C, E]`` local target vertex.
      n_edge: ``int32 [C]`` used edge slots per cell (they come first).
    """

    nodes: np.ndarray
    n_node: np.ndarray
    senders: np.ndarray
    receivers: np.ndarray
    n_edge: np.ndarray


def graph_store(
    adjacency, ops, num_ops: int, symmetric: bool = False, max_edges: int | None = None
) -> GraphStore:
    """Pre-builds the padded per-cell arrays of a dataset of cells (vectorised NumPy).

    Args:
      adjacency: ``[C, N, N]`` 0/1 padded adjacencies.
      ops: ``int [C, N]`` op ids, -1 for padding vertices (after the real ones).
      num_ops: V, the vocabulary size.
      symmetric: store every edge in both directions (edges ``i -> j`` in row-major order first,
        then their reverses).
      max_edges: E, edge slots per cell (default: the most edges of any cell, doubled when
        symmetric). Fix it (e.g. 9 or 18 for NB101) to get the same shapes for every dataset.

    Returns:
      A :class:`GraphStore`; convert with ``jax.tree.map(jnp.asarray, store)`` to gather batches
      inside ``jax.jit``.

    Raises:
      ValueError: for padding vertices before real ones, edges at padding vertices, or a cell
        with more than ``max_edges`` edges.
    """
    a, o = _check(adjacency, ops)
    if a.ndim != 3:
        raise ValueError(f"expected a batch [C, N, N], got {a.shape}")
    c, n = o.shape
    real = o != PAD
    n_node = real.sum(axis=1).astype(np.int32)
    if (real != (np.arange(n) < n_node[:, None])).any():
        raise ValueError("padding vertices (op -1) must come after all real vertices")
    a = a != 0
    if (a & ~(real[:, :, None] & real[:, None, :])).any():
        raise ValueError("padding vertices must not have edges")
    cell, src, dst = np.nonzero(a)  # sorted by cell, row-major within each cell
    n_fwd = np.bincount(cell, minlength=c)
    start = np.concatenate([[0], np.cumsum(n_fwd)[:-1]])
    slot = np.arange(len(cell)) - start[cell]  # rank of each edge within its cell
    n_edge = (2 * n_fwd if symmetric else n_fwd).astype(np.int32)
    most = int(n_edge.max(initial=0))
    if max_edges is None:
        max_edges = most
    elif most > max_edges:
        raise ValueError(f"a cell has {most} edges, more than max_edges={max_edges}")
    senders = np.zeros((c, max_edges), np.int32)
    receivers = np.zeros((c, max_edges), np.int32)
    senders[cell, slot] = src
    receivers[cell, slot] = dst
    if symmetric:  # the reversed edges follow the forward ones
        senders[cell, n_fwd[cell] + slot] = dst
        receivers[cell, n_fwd[cell] + slot] = src
    nodes = (o[..., None] == np.arange(num_ops)).astype(np.float32)
    return GraphStore(nodes, n_node, senders, receivers, n_edge)


def batch_budget(store: GraphStore, batch_size: int) -> tuple[int, int, int]:
    """``(nodes, edges, graphs)`` of every batch :func:`graphs_tuple` builds from ``store``."""
    _, n, _ = store.nodes.shape
    e = store.senders.shape[1]
    return batch_size * n + 1, batch_size * e, batch_size + 1


def _compact(real, xp):
    """Permutation of the ``B * K`` slots putting real slots first (in order), then padding."""
    flat = real.reshape(-1)
    pos = xp.arange(flat.shape[0])
    key = xp.where(flat, pos, pos + flat.shape[0])
    return xp.argsort(key)


def graphs_tuple(store: GraphStore, index) -> jraph.GraphsTuple:
    """Gathers the cells ``index`` of a :class:`GraphStore` into one padded ``GraphsTuple``.

    Works with NumPy arrays (host) and with ``jnp`` arrays, also under ``jax.jit``: pass the
    store as an argument of the jitted function (closing over a large NumPy store would embed it
    in the compiled program as a constant). The budget depends on ``len(index)`` only
    (:func:`batch_budget`): ``B * N + 1`` nodes, ``B * E`` edges, ``B + 1`` graphs.

    Args:
      store: per-cell arrays from :func:`graph_store`.
      index: ``int [B]`` cells to batch.

    Returns:
      ``jraph.GraphsTuple`` with ``nodes [B*N+1, V]``, ``senders`` / ``receivers [B*E]``,
      ``n_node`` / ``n_edge [B+1]`` (the last graph is padding), ``edges=None``, ``globals=None``.
    """
    use_jax = any(isinstance(x, jax.Array) for x in (*store, index))
    xp = jnp if use_jax else np
    index = xp.asarray(index)
    nodes = xp.asarray(store.nodes)[index]  # [B, N, V]
    n_node = xp.asarray(store.n_node)[index]  # [B]
    send = xp.asarray(store.senders)[index]  # [B, E]
    recv = xp.asarray(store.receivers)[index]
    n_edge = xp.asarray(store.n_edge)[index]
    b, n, v = nodes.shape
    e = send.shape[1]
    node_off = xp.cumsum(n_node) - n_node  # [B]
    total_nodes = xp.sum(n_node)
    real_nodes = xp.arange(n)[None, :] < n_node[:, None]
    node_perm = _compact(real_nodes, xp)
    out_nodes = xp.concatenate(
        [nodes.reshape(b * n, v)[node_perm], xp.zeros((1, v), nodes.dtype)], axis=0
    )
    real_edges = xp.arange(e)[None, :] < n_edge[:, None]
    edge_perm = _compact(real_edges, xp)
    # Real edges: local ids + the cell's node offset; padding edges: the first padding node.
    send = xp.where(real_edges, send + node_off[:, None], total_nodes)
    recv = xp.where(real_edges, recv + node_off[:, None], total_nodes)
    i32 = xp.int32
    pad_nodes = (b * n + 1 - total_nodes).astype(i32)
    pad_edges = (b * e - xp.sum(n_edge)).astype(i32)
    return jraph.GraphsTuple(
        nodes=out_nodes,
        edges=None,
        senders=send.reshape(-1)[edge_perm].astype(i32),
        receivers=recv.reshape(-1)[edge_perm].astype(i32),
        globals=None,
        n_node=xp.concatenate([n_node.astype(i32), pad_nodes[None]]),
        n_edge=xp.concatenate([n_edge.astype(i32), pad_edges[None]]),
    )


def node_graph_index(graphs: jraph.GraphsTuple) -> jax.Array:
    """Graph id of every node (segment ids for readouts), ``int32 [total_nodes]``; jittable."""
    total = graphs.nodes.shape[0]
    n_graph = graphs.n_node.shape[0]
    return jnp.repeat(
        jnp.arange(n_graph, dtype=jnp.int32), graphs.n_node, total_repeat_length=total
    )


def padding_masks(graphs: jraph.GraphsTuple) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``(node_mask [total_nodes], edge_mask [total_edges], graph_mask [n_graph])``, bool, True
    for real entries, for a batch from :func:`graphs_tuple` (one trailing padding graph);
    jittable."""
    n_node = jnp.asarray(graphs.n_node)
    n_edge = jnp.asarray(graphs.n_edge)
    real_nodes = jnp.sum(n_node[:-1])
    real_edges = jnp.sum(n_edge[:-1])
    node_mask = jnp.arange(graphs.nodes.shape[0]) < real_nodes
    edge_mask = jnp.arange(graphs.senders.shape[0]) < real_edges
    graph_mask = jnp.arange(n_node.shape[0]) < n_node.shape[0] - 1
    return node_mask, edge_mask, graph_mask
