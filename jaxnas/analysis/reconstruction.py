"""Reconstruction, validity and uniqueness of graph autoencoders (arch2vec's Table 1).

* Reconstruction on held-out cells (:func:`reconstruction_counts`, :func:`accuracies`): op
  accuracy (argmax over the decoder classes, real vertices), edge accuracy (upper triangle,
  ``sigmoid > 0.5``, over the pairs of real vertices: ``N (N - 1) / 2`` per cell in NB201 / DARTS;
  in NB101 pairs involving padding vertices are left out -- a vertex decoded as padding is absent,
  and the inner-product decoder gives all padding vertices the same latent, so it cannot say "no
  edge" between them), their mean, and the stricter whole-graph exact match (every vertex class
  -- padding included when the model has a padding class -- and every edge entry right).
* Generation (:func:`generation_metrics`): draw latents from ``N(mean, std)`` of the training
  encodings (per vertex position and latent dim, ``[N, D]``), decode (:func:`decode_graphs`), and
  count the decoded graphs that are valid cells of the space by the space's own rule
  (:data:`CANONICAL`: NB101 ``nb101.is_valid`` after dropping vertices decoded as padding,
  NB201 ``nb201.from_node_graph``, DARTS ``darts.from_arch2vec``); uniqueness is the number of
  distinct canonical forms (NB101 official hash, NB201 cell, DARTS cell with the two edges of
  each node sorted) over the number of valid graphs.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.spaces import base, darts, nb101, nb201

# ----------------------------------------------------------------------------------------------
# Reconstruction.


def decode_graphs(op_logits, adj_logits, pad_class: bool) -> tuple[np.ndarray, np.ndarray]:
    """Hard decoding: ``(adjacency uint8 [S, N, N], ops int32 [S, N])``.

    Ops are the argmax class (the padding class ``C - 1`` becomes -1 when ``pad_class``);
    edges are the upper-triangle entries with ``sigmoid(logit) > 0.5`` (``logit > 0``).
    """
    ol = np.asarray(op_logits)
    al = np.asarray(adj_logits)
    ops = ol.argmax(-1).astype(np.int32)
    if pad_class:
        ops = np.where(ops == ol.shape[-1] - 1, base.PAD, ops).astype(np.int32)
    n = al.shape[-1]
    adj = ((al > 0) & np.triu(np.ones((n, n), bool), 1)[None]).astype(np.uint8)
    return adj, ops


def reconstruction_counts(
    op_logits, adj_logits, adjacency, ops, pad_class: bool, weights=None
) -> dict:
    """Counts for the reconstruction metrics of one batch (jittable; sum them over batches).

    Args:
      op_logits: ``[B, N, C]``.
      adj_logits: ``[B, N, N]``.
      adjacency: ``[B, N, N]`` 0/1 directed targets.
      ops: ``int [B, N]`` targets, -1 padding.
      pad_class: the model's last class is padding (static under jit).
      weights: optional ``bool [B]``; graphs with False (e.g. batch padding) are not counted.

    Returns:
      ``ops_correct``, ``ops_total`` (real vertices), ``edges_correct``, ``edges_total``
      (upper-triangle pairs of real vertices), ``exact`` (graphs reconstructed exactly),
      ``graphs``; int32.
    """
    o = jnp.asarray(ops)
    b, n = o.shape
    c = op_logits.shape[-1]
    w = jnp.ones((b,), bool) if weights is None else jnp.asarray(weights, bool)
    pred = jnp.argmax(op_logits, -1)
    real = o >= 0
    if pad_class:
        target = jnp.where(real, o, c - 1)
        vertex_ok = pred == target
    else:
        vertex_ok = (pred == o) | ~real
    ops_correct = jnp.sum((pred == o) & real & w[:, None])
    upper = jnp.triu(jnp.ones((n, n), bool), k=1)[None]
    pairs = upper & real[:, :, None] & real[:, None, :]
    edge_ok = ((adj_logits > 0) == (jnp.asarray(adjacency) > 0)) & pairs
    exact = jnp.all(vertex_ok, axis=1) & jnp.all(edge_ok | ~pairs, axis=(1, 2))
    i32 = jnp.int32
    num = jnp.sum(w)
    return {
        "ops_correct": ops_correct.astype(i32),
        "ops_total": jnp.sum(real & w[:, None]).astype(i32),
        "edges_correct": jnp.sum(edge_ok & w[:, None, None]).astype(i32),
        "edges_total": jnp.sum(pairs & w[:, None, None]).astype(i32),
        "exact": jnp.sum(exact & w).astype(i32),
        "graphs": num.astype(i32),
    }


def sum_counts(counts: list[dict]) -> dict:
    """Elementwise sum of :func:`reconstruction_counts` dicts (as Python ints)."""
    return {k: int(sum(int(c[k]) for c in counts)) for k in counts[0]}


def accuracies(counts: dict) -> dict:
    """``op_accuracy``, ``edge_accuracy``, ``accuracy`` (their mean) and ``exact_match``."""
    op = counts["ops_correct"] / max(counts["ops_total"], 1)
    edge = counts["edges_correct"] / max(counts["edges_total"], 1)
    return {
        "op_accuracy": op,
        "edge_accuracy": edge,
        "accuracy": 0.5 * (op + edge),
        "exact_match": counts["exact"] / max(counts["graphs"], 1),
    }


# ----------------------------------------------------------------------------------------------
# Validity and uniqueness.


def canonical_nb101(adjacency: np.ndarray, ops: np.ndarray) -> str | None:
    """Official NB101 hash of a decoded graph, or ``None`` if it is not a valid cell.

    Vertices decoded as padding (-1) are dropped with their edges; the rest must form a valid
    cell after NB101's pruning (:func:`jaxnas.spaces.nb101.is_valid`).
    """
    keep = np.asarray(ops) >= 0
    a = np.asarray(adjacency)[np.ix_(keep, keep)]
    o = np.asarray(ops)[keep]
    if len(o) < 2 or not nb101.is_valid(a, o):
        return None
    return nb101.cell_hash(a, o)


def canonical_nb201(adjacency: np.ndarray, ops: np.ndarray) -> tuple[int, ...] | None:
    """The NB201 cell (6 op ids) of a decoded 8-vertex graph, or ``None`` if not a cell."""
    try:
        return nb201.from_node_graph(adjacency, ops)
    except base.InvalidCellError:
        return None


def canonical_darts(adjacency: np.ndarray, ops: np.ndarray) -> tuple | None:
    """A DARTS cell decoded from arch2vec's 11-vertex graph, the two edges of each node sorted
    (swapping them gives the same cell), or ``None`` if the graph is not a cell."""
    try:
        cell = darts.from_arch2vec(adjacency, ops)
    except base.InvalidCellError:
        return None
    return tuple(tuple(sorted(cell[2 * i : 2 * i + 2])) for i in range(darts.NUM_NODES))


CANONICAL: dict[str, Callable[[np.ndarray, np.ndarray], object]] = {
    "nb101": canonical_nb101,
    "nb201": canonical_nb201,
    "darts": canonical_darts,
}
"""Space name -> ``(adjacency [N, N], ops [N]) -> canonical form or None (invalid)``."""


def validity_uniqueness(space: str, adjacency: np.ndarray, ops: np.ndarray) -> dict:
    """Validity and uniqueness of decoded graphs.

    Args:
      space: a key of :data:`CANONICAL`.
      adjacency: ``uint8 [S, N, N]`` decoded graphs.
      ops: ``int [S, N]`` decoded ops (-1 for vertices decoded as padding).

    Returns:
      ``num_samples``, ``num_valid``, ``num_unique``, ``validity`` (valid / samples),
      ``uniqueness`` (distinct canonical forms / valid; 0 when none is valid).
    """
    canon = CANONICAL[space]
    keys = [canon(a, o) for a, o in zip(adjacency, ops, strict=True)]
    valid = [k for k in keys if k is not None]
    s = len(keys)
    return {
        "num_samples": s,
        "num_valid": len(valid),
        "num_unique": len(set(valid)),
        "validity": len(valid) / max(s, 1),
        "uniqueness": len(set(valid)) / max(len(valid), 1),
    }


def latent_moments(mu_batches) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std ``[N, D]`` over cells of encoder means, from an iterable of ``[B, N, D]``.

    Accumulated in float64 (sum and sum of squares); std is the population std.
    """
    total, sq, count = None, None, 0
    for m in mu_batches:
        m = np.asarray(m, np.float64)
        total = m.sum(0) if total is None else total + m.sum(0)
        sq = (m**2).sum(0) if sq is None else sq + (m**2).sum(0)
        count += m.shape[0]
    if count == 0:
        raise ValueError("no encodings given")
    mean = total / count
    var = np.maximum(sq / count - mean**2, 0.0)
    return mean.astype(np.float32), np.sqrt(var).astype(np.float32)


def sample_latents(key: jax.Array, mean, std, num: int) -> jax.Array:
    """``num`` latents ``[num, N, D]`` from ``N(mean, std^2)`` (``mean, std [N, D]``)."""
    mean = jnp.asarray(mean)
    eps = jax.random.normal(key, (num, *mean.shape), mean.dtype)
    return mean[None] + eps * jnp.asarray(std)[None]


def generation_metrics(
    key: jax.Array,
    decode_fn: Callable[[jax.Array], tuple[jax.Array, jax.Array]],
    mean,
    std,
    space: str,
    pad_class: bool,
    num_samples: int = 10_000,
    batch_size: int = 2_500,
) -> dict:
    """Validity and uniqueness of ``num_samples`` graphs decoded from ``N(mean, std)``.

    Args:
      key: PRNG key of the latent draws.
      decode_fn: ``z [S, N, D] -> (op_logits [S, N, C], adj_logits [S, N, N])`` (jit it; it is
        called on batches of ``batch_size``, the last one padded so it compiles once).
      mean, std: ``[N, D]`` from :func:`latent_moments` of the training encodings.
      space: ``'nb101'``, ``'nb201'`` or ``'darts'``.
      pad_class: the decoder's last class is padding.
      num_samples: number of latent draws (the reference: 10,000).
      batch_size: decode batch size.

    Returns:
      :func:`validity_uniqueness`'s dict.
    """
    z = sample_latents(key, mean, std, num_samples)
    adjs, opss = [], []
    for start in range(0, num_samples, batch_size):
        zb = z[start : start + batch_size]
        k = zb.shape[0]
        if k < batch_size:
            zb = jnp.concatenate([zb, jnp.zeros((batch_size - k, *zb.shape[1:]), zb.dtype)])
        ol, al = decode_fn(zb)
        a, o = decode_graphs(ol, al, pad_class)
        adjs.append(a[:k])
        opss.append(o[:k])
    return validity_uniqueness(space, np.concatenate(adjs), np.concatenate(opss))
