"""Architecture encodings: adjacency / path encodings, padded graph batches, token sequences.

The fixed-length encodings of White et al. are named in :data:`ENCODINGS` and computed with
:func:`encode`::

    from jaxnas import encodings
    from jaxnas.spaces import nb101
    adjacency, ops = nb101.enumerate_cells()
    x = encodings.encode("nb101", "path_truncated", (adjacency, ops))  # float32 [423624, 40]
    y = encodings.encode("nb201", "path_one_hot", cells)                # cells: int [B, 6]

NB101 ``cells`` are a pair ``(adjacency [..., 7, 7], ops [..., 7])`` of padded, pruned cells;
NB201 ``cells`` are op ids ``int [..., 6]``. Keyword arguments go to the encoding function
(``cutoff=``, ``dtype=``). See :mod:`~jaxnas.encodings.adjacency` and
:mod:`~jaxnas.encodings.path` for the exact layouts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jaxnas.encodings import adjacency, graphs, path, tokens
from jaxnas.encodings.graphs import (
    DenseGraphs,
    GraphStore,
    batch_budget,
    dense_batch,
    graph_store,
    graphs_tuple,
    node_graph_index,
    padding_masks,
)
from jaxnas.encodings.tokens import (
    TokenBatch,
    attention_mask,
    mask_id,
    pad_id,
    pair_attention_mask,
    token_batch,
    transitive_closure,
    vocab_size,
)


def _nb101(fn: Callable, **fixed) -> Callable:
    """``fn(adjacency, ops, **kw)`` as ``f((adjacency, ops), **kw)``, with ``fixed`` kwargs."""

    def wrapped(cells, **kwargs):
        adj, ops = cells
        return fn(adj, ops, **fixed, **kwargs)

    wrapped.__doc__ = fn.__doc__
    return wrapped


def _nb201(fn: Callable, **fixed) -> Callable:
    def wrapped(cells, **kwargs):
        return fn(cells, **fixed, **kwargs)

    wrapped.__doc__ = fn.__doc__
    return wrapped


def _table(space: str, wrap: Callable, cutoff: int) -> dict[str, Callable[..., np.ndarray]]:
    """The nine named encodings of ``space`` (adjacency / path, one-hot / categorical /
    continuous, path ones also truncated to ``cutoff`` paths)."""
    kinds = ("one_hot", "categorical", "continuous")
    out = {f"adjacency_{k}": wrap(getattr(adjacency, f"{space}_{k}")) for k in kinds}
    out |= {f"path_{k}": wrap(getattr(path, f"{space}_{k}")) for k in kinds}
    for k in kinds:
        name = "path_truncated" if k == "one_hot" else f"path_{k}_truncated"
        out[name] = wrap(getattr(path, f"{space}_{k}"), cutoff=cutoff)
    return out


ENCODINGS: dict[str, dict[str, Callable[..., np.ndarray]]] = {
    "nb101": _table("nb101", _nb101, path.NB101_TRUNCATION),
    "nb201": _table("nb201", _nb201, path.NB201_TRUNCATION),
}
"""``ENCODINGS[space_name][encoding_name](cells, **kwargs) -> [..., D]`` for every named
encoding; ``*_truncated`` use White et al.'s cutoffs (40 for NB101, 30 for NB201)."""


def encoding_names(space_name: str) -> tuple[str, ...]:
    """The encodings available for a search space."""
    return tuple(_space(space_name))


def _space(space_name: str) -> dict[str, Callable[..., np.ndarray]]:
    try:
        return ENCODINGS[space_name]
    except KeyError:
        raise KeyError(
            f"no encodings for search space {space_name!r}; known spaces: {sorted(ENCODINGS)}"
        ) from None


def encode(space_name: str, encoding_name: str, cells, **kwargs) -> np.ndarray:
    """Encodes a batch of cells of ``space_name`` with the named encoding.

    Args:
      space_name: ``'nb101'`` or ``'nb201'``.
      encoding_name: one of :func:`encoding_names` (e.g. ``'adjacency_one_hot'``,
        ``'path_truncated'``).
      cells: NB101: ``(adjacency [..., 7, 7], ops [..., 7])``; NB201: ``int [..., 6]``.
      **kwargs: passed to the encoding function (``dtype``, ``cutoff`` for path encodings).

    Returns:
      ``[..., D]`` NumPy array (float32 by default; int32 for categorical encodings).
    """
    space = _space(space_name)
    try:
        fn = space[encoding_name]
    except KeyError:
        raise KeyError(
            f"no encoding {encoding_name!r} for {space_name}; known: {sorted(space)}"
        ) from None
    return fn(cells, **kwargs)


__all__ = [
    "ENCODINGS",
    "DenseGraphs",
    "GraphStore",
    "TokenBatch",
    "adjacency",
    "attention_mask",
    "batch_budget",
    "dense_batch",
    "encode",
    "encoding_names",
    "graph_store",
    "graphs",
    "graphs_tuple",
    "mask_id",
    "node_graph_index",
    "pad_id",
    "padding_masks",
    "pair_attention_mask",
    "path",
    "token_batch",
    "tokens",
    "transitive_closure",
    "vocab_size",
]
