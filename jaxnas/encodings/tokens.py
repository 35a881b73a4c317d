"""Op-token sequences and attention masks for transformer encoders of cells (CATE).

A cell ``(adjacency [..., N, N], ops int [..., N])`` (padding op -1 after the real vertices)
becomes one token per vertex, its op id; no positional encoding. Token ids, for a vocabulary of
``num_ops`` ops:

* ``0 .. num_ops - 1``: the ops (for NB101 ``nb101.OPS``: 0 input, 1 conv1x1, 2 conv3x3,
  3 maxpool, 4 output);
* :func:`pad_id` ``= num_ops``: padding (NB101: 5);
* :func:`mask_id` ``= num_ops + 1``: the masked-language-model MASK token (NB101: 6);

so the embedding table has :func:`vocab_size` ``= num_ops + 2`` rows (NB101: 7). (CATE's reference
code gives PAD and MASK ids of real ops; here they are distinct.)

Attention masks are ``bool [..., N, N]`` with ``mask[i, j]`` True when query ``i`` may attend to
key ``j``:

* direct: ``i == j`` or an edge ``i -> j``;
* indirect: ``j`` is reachable from ``i`` (the reflexive transitive closure of the adjacency, by
  Floyd-Warshall, :func:`transitive_closure`) -- CATE's default;

both restricted to real tokens (rows and columns of padding tokens are all False; Flax's
``dot_product_attention`` then gives those queries uniform weights instead of NaNs, and their
outputs should be ignored through ``token_mask``). For Flax attention add a head axis:
``mask[..., None, :, :]``.

Everything here is ``jnp`` and jittable / vmappable, for use inside models and train steps.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

PAD = -1  # padding op id in cells


def pad_id(num_ops: int) -> int:
    """Token id of padding positions: ``num_ops``."""
    return num_ops


def mask_id(num_ops: int) -> int:
    """Token id of the MASK token: ``num_ops + 1``."""
    return num_ops + 1


def vocab_size(num_ops: int) -> int:
    """Rows of the token embedding table: the ops, PAD and MASK."""
    return num_ops + 2


class TokenBatch(NamedTuple):
    """Tokens of a batch of cells.

    Attributes:
      tokens: ``int32 [..., N]``, op ids, :func:`pad_id` at padding vertices.
      token_mask: ``bool [..., N]``, True for real vertices.
      attention_mask: ``bool [..., N, N]``, see the module docstring.
    """

    tokens: jax.Array
    token_mask: jax.Array
    attention_mask: jax.Array


def _eye(n: int, ndim: int) -> jax.Array:
    return jnp.eye(n, dtype=bool).reshape((1,) * (ndim - 2) + (n, n))


def transitive_closure(adjacency, reflexive: bool = True) -> jax.Array:
    """Reachability of a (batch of) directed graph(s) by Floyd-Warshall; jittable, vmappable.

    ``jax.lax.fori_loop`` over the pivot ``k``: ``R <- R | (R[:, k] & R[k, :])``, all batch
    entries at once.

    Args:
      adjacency: ``[..., N, N]``, nonzero for an edge ``i -> j`` (any graph, cycles allowed).
      reflexive: count every vertex as reachable from itself (also padding vertices).

    Returns:
      ``bool [..., N, N]``: ``out[..., i, j]`` is True iff there is a path ``i -> ... -> j``
      (of length >= 1, or 0 when ``reflexive``).
    """
    r = jnp.asarray(adjacency) != 0
    n = r.shape[-1]
    if r.ndim < 2 or r.shape[-2] != n:
        raise ValueError(f"adjacency must be [..., N, N], got {r.shape}")
    if reflexive:
        r = r | _eye(n, r.ndim)

    def pivot(k, r):
        reaches_k = jax.lax.dynamic_slice_in_dim(r, k, 1, axis=r.ndim - 1)  # [..., N, 1]
        from_k = jax.lax.dynamic_slice_in_dim(r, k, 1, axis=r.ndim - 2)  # [..., 1, N]
        return r | (reaches_k & from_k)

    return jax.lax.fori_loop(0, n, pivot, r)


def attention_mask(adjacency, token_mask, indirect: bool = True) -> jax.Array:
    """Direct or indirect (transitive-closure) attention mask over real tokens.

    Args:
      adjacency: ``[..., N, N]`` 0/1.
      token_mask: ``bool [..., N]``, True for real tokens.
      indirect: use the reflexive transitive closure (True) or the adjacency plus self (False).

    Returns:
      ``bool [..., N, N]``.
    """
    a = jnp.asarray(adjacency)
    if indirect:
        reach = transitive_closure(a)
    else:
        reach = (a != 0) | _eye(a.shape[-1], a.ndim)
    m = jnp.asarray(token_mask, bool)
    return reach & m[..., :, None] & m[..., None, :]


def token_batch(adjacency, ops, num_ops: int, indirect: bool = True) -> TokenBatch:
    """Tokens, token mask and attention mask of a batch of cells; jittable (``num_ops`` and
    ``indirect`` static).

    Args:
      adjacency: ``[..., N, N]`` 0/1 padded adjacencies.
      ops: ``int [..., N]`` op ids in ``0 .. num_ops - 1``, -1 for padding.
      num_ops: size of the op vocabulary (5 for NB101).
      indirect: indirect (transitive closure, CATE's default) or direct attention mask.

    Returns:
      :class:`TokenBatch`.
    """
    o = jnp.asarray(ops)
    real = o != PAD
    tokens = jnp.where(real, o, pad_id(num_ops)).astype(jnp.int32)
    return TokenBatch(tokens, real, attention_mask(adjacency, real, indirect))


def pair_attention_mask(token_mask_x, token_mask_y) -> jax.Array:
    """Full attention over the real tokens of two concatenated sequences (CATE's cross encoder).

    Args:
      token_mask_x: ``bool [..., Nx]``.
      token_mask_y: ``bool [..., Ny]``.

    Returns:
      ``bool [..., Nx + Ny, Nx + Ny]`` for the sequence ``concat([x, y], axis=-1)``.
    """
    m = jnp.concatenate([jnp.asarray(token_mask_x, bool), jnp.asarray(token_mask_y, bool)], -1)
    return m[..., :, None] & m[..., None, :]
