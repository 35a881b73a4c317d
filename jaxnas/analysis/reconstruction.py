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
* The reference code's definitions (:func:`validity_uniqueness_reference`, reported as
  ``generation_reference`` beside ``generation``), MSU-MLSys-Lab/arch2vec:

  - NB201 (``models/pretraining_nasbench201.py`` with ``utils/utils.py``
    ``is_valid_nasbench201``): valid when ``ops[0]`` is ``input``, ``ops[-1]`` is ``output`` and
    ``ops[2..6]`` are edge ops -- ``ops[1]`` and the adjacency are never checked;
  - NB101 (``models/pretraining_nasbench101.py``): valid when ``nasbench.is_valid(ModelSpec(
    decoded 7x7, ops))``, i.e. the pruned cell is valid (as :func:`canonical_nb101`);
  - DARTS (``models/pretraining_darts.py``, ``utils/utils.py`` ``is_valid_darts``): labels
    ``c_k-2``, ``c_k-1`` on vertices 0, 1 and ``output`` on vertex 10, an op (``none``
    included) on vertices 2-9, and the per-node in-edge rules of :func:`is_valid_darts`;
  - uniqueness, all three: distinct ``graph_util.hash_module(decoded adjacency, one-hot ops)`` of
    the *unpruned* decode over the valid samples (the hash partitions graphs by labelled
    isomorphism; integer op ids give the same partition as one-hot rows). Vertices decoded as
    the padding class (a model with ``pad_class``) are dropped first.
* :func:`reference_counts`: the reference's printed held-out accuracies (``utils/utils.py``
  ``get_accuracy``): op accuracy over *every* vertex row (a padding row's target is
  ``argmax`` of an all-zero row, i.e. class 0) and edge accuracy over the whole upper triangle.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.spaces import base, darts, nb101, nb101_hash, nb201

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


def _validity_counts(keys: list) -> dict:
    """Counts and rates over per-sample canonical keys (``None`` for an invalid sample)."""
    valid = [k for k in keys if k is not None]
    s = len(keys)
    return {
        "num_samples": s,
        "num_valid": len(valid),
        "num_unique": len(set(valid)),
        "validity": len(valid) / max(s, 1),
        "uniqueness": len(set(valid)) / max(len(valid), 1),
    }


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
    return _validity_counts(keys)


def reference_counts(op_logits, adj_logits, adjacency, ops, weights=None) -> dict:
    """Counts of the reference's printed accuracies (module docstring; jittable): op rows and
    upper-triangle pairs over every vertex, padding included."""
    o = jnp.asarray(ops)
    b, n = o.shape
    w = jnp.ones((b,), bool) if weights is None else jnp.asarray(weights, bool)
    pred = jnp.argmax(op_logits, -1)
    ops_ok = (pred == jnp.where(o >= 0, o, 0)) & w[:, None]
    upper = jnp.triu(jnp.ones((n, n), bool), k=1)[None]
    edge_ok = ((adj_logits > 0) == (jnp.asarray(adjacency) > 0)) & upper & w[:, None, None]
    i32 = jnp.int32
    return {
        "ops_correct": jnp.sum(ops_ok).astype(i32),
        "ops_total": (jnp.sum(w) * n).astype(i32),
        "edges_correct": jnp.sum(edge_ok).astype(i32),
        "edges_total": (jnp.sum(w) * (n * (n - 1) // 2)).astype(i32),
    }


def reference_accuracies(counts: dict) -> dict:
    """``op_accuracy``, ``edge_accuracy`` and ``accuracy`` (their mean) of summed
    :func:`reference_counts`."""
    op = counts["ops_correct"] / max(counts["ops_total"], 1)
    edge = counts["edges_correct"] / max(counts["edges_total"], 1)
    return {"op_accuracy": op, "edge_accuracy": edge, "accuracy": 0.5 * (op + edge)}


_NB201_INPUT = nb201.NODE_OPS.index("input")
_NB201_OUTPUT = nb201.NODE_OPS.index("output")
_NB201_EDGE_OPS = frozenset(nb201.NODE_OPS.index(o) for o in nb201.OPS)
_DARTS_OUTPUT = len(darts.ARCH2VEC_OPS) - 1
_DARTS_NODE_OPS = frozenset(range(2, _DARTS_OUTPUT))  # 'none' .. 'dil_conv_5x5'


def is_valid_nb201_reference(adjacency: np.ndarray, ops: np.ndarray) -> bool:
    """``is_valid_nasbench201``: labels only (``ops[0]``, ``ops[-1]``, ``ops[2..6]``)."""
    del adjacency  # never read by the reference
    o = [int(x) for x in ops]
    if o[0] != _NB201_INPUT or o[-1] != _NB201_OUTPUT:
        return False
    return all(x in _NB201_EDGE_OPS for x in o[2:-1])


def is_valid_darts_reference(adjacency: np.ndarray, ops: np.ndarray) -> bool:
    """``is_valid_darts`` of the reference's ``utils/utils.py`` on an 11-vertex decode."""
    o = [int(x) for x in ops]
    if o[0] != 0 or o[1] != 1 or o[-1] != _DARTS_OUTPUT:
        return False
    if any(x not in _DARTS_NODE_OPS for x in o[2:-1]):
        return False
    a = np.asarray(adjacency)
    # Intermediate node j (vertices 2 + 2j, 3 + 2j) needs an input among vertices < 2 + 2j and
    # none from vertices >= 4 + 2j (the last node's check of later inputs is absent, as in the
    # reference).
    for j in range(4):
        lo, hi = 2 + 2 * j, 4 + 2 * j
        for v in (lo, lo + 1):
            if a[:lo, v].sum() == 0:
                return False
            if j < 3 and a[hi:, v].sum() > 0:
                return False
    return True


def _reference_key(adjacency: np.ndarray, ops: np.ndarray) -> str:
    return nb101_hash.official_hash(np.asarray(adjacency), [int(x) for x in ops])


def validity_uniqueness_reference(space: str, adjacency: np.ndarray, ops: np.ndarray) -> dict:
    """The reference code's validity and uniqueness (module docstring) of decoded graphs.

    Args:
      space: ``'nb101'``, ``'nb201'`` or ``'darts'``.
      adjacency: ``uint8 [S, N, N]`` decoded graphs (upper triangle).
      ops: ``int [S, N]`` decoded ops (-1 for vertices decoded as padding; they are dropped).

    Returns:
      The keys of :func:`validity_uniqueness`, as fractions.
    """
    keys = []
    for a, o in zip(np.asarray(adjacency), np.asarray(ops), strict=True):
        keep = o >= 0
        a, o = a[np.ix_(keep, keep)], o[keep]
        if space == "nb101":
            ok = len(o) >= 2 and nb101.is_valid(a, o)
        elif space == "nb201":
            ok = len(o) == nb201.NUM_EDGES + 2 and is_valid_nb201_reference(a, o)
        elif space == "darts":
            ok = len(o) == darts.ARCH2VEC_NODES and is_valid_darts_reference(a, o)
        else:
            raise ValueError(f"unknown space {space!r}")
        keys.append(_reference_key(a, o) if ok else None)
    return _validity_counts(keys)


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
      :func:`validity_uniqueness`'s dict, plus ``reference``: the same decodes under the
      reference code's definitions (:func:`validity_uniqueness_reference`).
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
    adj, ops = np.concatenate(adjs), np.concatenate(opss)
    out = validity_uniqueness(space, adj, ops)
    out["reference"] = validity_uniqueness_reference(space, adj, ops)
    return out
