"""Op-token sequences and attention masks for transformer encoders of cells (CATE).

A cell ``(adjacency [..., N, N], ops int [..., N])`` (padding op -1 after the real vertices)
becomes one token per vertex, its op id; no positional encoding. Token ids come in two schemes
(:data:`TOKEN_IDS`, :func:`vocab`), for a vocabulary of ``num_ops`` ops ``0 .. num_ops - 1``:

* ``'reference'`` (default; CATE's ``parameterLoader.py``: ``--PAD 0 --MASK 1 --n_vocab 5|11``):
  PAD is id 0 and MASK is id 1 -- the ids of two real ops (NB101: ``input`` and ``conv1x1``;
  DARTS: the two cell inputs) -- and the vocabulary is the ``num_ops`` ops alone. A padding
  position therefore embeds like op 0, and op-0 tokens are never prediction targets (CATE's
  labels use PAD for "no target", ``utils/utils.py: sequence_corruption``);
* ``'distinct'``: PAD ``= num_ops`` and MASK ``= num_ops + 1`` get rows of their own
  (vocabulary ``num_ops + 2``).

Attention masks are ``bool [..., N, N]`` with ``mask[i, j]`` True when query ``i`` may attend to
key ``j``, as CATE's ``utils/utils.py`` builds them (``floyed()`` then zero padding):

* indirect (CATE's default): ``j`` is reachable from ``i`` by a path of length >= 1 -- the
  transitive closure of the adjacency *without* self-loops (:func:`transitive_closure`,
  Floyd-Warshall; a vertex reaches itself only on a cycle);
* direct: the adjacency itself (CATE's commented-out ``no floyed`` line), again no self-loops;

both restricted to real tokens. A row with no allowed entry -- the output node (no successors)
and every padding row -- is, in CATE's ``layers/transformer.py: attention``, filled with -1e9
everywhere, so its softmax is *uniform over all N positions* (padding included): the output
token is a global pooling node, and its encoding (CATE's embedding, ``h[:, -1]``) sees the
whole cell. :func:`attention_bias` turns a mask into that additive bias; the transformer of
:mod:`jaxnas.models.transformer` applies it this way. For Flax attention add a head axis:
``mask[..., None, :, :]``.

Everything here is ``jnp`` and jittable / vmappable, for use inside models and train steps.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

PAD = -1  # padding op id in cells
TOKEN_IDS = ("reference", "distinct")


class Vocab(NamedTuple):
    """Token ids of one scheme (see the module docstring).

    Attributes:
      num_ops: real ops, ids ``0 .. num_ops - 1``.
      pad: id of padding positions.
      mask: id of the masked-language-model MASK token.
      size: rows of the embedding table / classes of the MLM head.
    """

    num_ops: int
    pad: int
    mask: int
    size: int


def vocab(num_ops: int, token_ids: str = "reference") -> Vocab:
    """The :class:`Vocab` of ``num_ops`` ops under ``token_ids`` (:data:`TOKEN_IDS`)."""
    if token_ids == "reference":
        if num_ops < 2:
            raise ValueError(f"'reference' token ids need >= 2 ops, got {num_ops}")
        return Vocab(num_ops, 0, 1, num_ops)
    if token_ids == "distinct":
        return Vocab(num_ops, num_ops, num_ops + 1, num_ops + 2)
    raise ValueError(f"unknown token_ids {token_ids!r}; use one of {TOKEN_IDS}")


def pad_id(num_ops: int, token_ids: str = "reference") -> int:
    """Token id of padding positions (0, or ``num_ops`` for ``'distinct'``)."""
    return vocab(num_ops, token_ids).pad


def mask_id(num_ops: int, token_ids: str = "reference") -> int:
    """Token id of the MASK token (1, or ``num_ops + 1`` for ``'distinct'``)."""
    return vocab(num_ops, token_ids).mask


def vocab_size(num_ops: int, token_ids: str = "reference") -> int:
    """Rows of the token embedding table (``num_ops``, or ``num_ops + 2`` for ``'distinct'``)."""
    return vocab(num_ops, token_ids).size


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


def transitive_closure(adjacency, reflexive: bool = False) -> jax.Array:
    """Reachability of a (batch of) directed graph(s) by Floyd-Warshall; jittable, vmappable.

    ``jax.lax.fori_loop`` over the pivot ``k``: ``R <- R | (R[:, k] & R[k, :])``, all batch
    entries at once -- CATE's ``utils/utils.py: floyed()`` (which starts from the adjacency,
    with no self-loops).

    Args:
      adjacency: ``[..., N, N]``, nonzero for an edge ``i -> j`` (any graph, cycles allowed).
      reflexive: also count every vertex as reachable from itself (not CATE's mask).

    Returns:
      ``bool [..., N, N]``: ``out[..., i, j]`` is True iff there is a path ``i -> ... -> j``
      of length >= 1 (or ``i == j`` when ``reflexive``).
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
    """CATE's graph attention mask over real tokens (no self-loops; see the module docstring).

    Args:
      adjacency: ``[..., N, N]`` 0/1.
      token_mask: ``bool [..., N]``, True for real tokens.
      indirect: the transitive closure (True, CATE's default) or the adjacency (False).

    Returns:
      ``bool [..., N, N]``; rows with no True entry (the output node, padding) attend uniformly
      to all positions under :func:`attention_bias`.
    """
    a = jnp.asarray(adjacency)
    reach = transitive_closure(a) if indirect else a != 0
    m = jnp.asarray(token_mask, bool)
    return reach & m[..., :, None] & m[..., None, :]


def attention_bias(mask, neg: float = -1e9) -> jax.Array:
    """The additive attention bias of a mask as CATE applies it: 0 where allowed, ``neg``
    elsewhere (``scores.masked_fill(mask == 0, -1e9)`` in ``layers/transformer.py``), so a row
    with no allowed key gets a uniform softmax over all keys. ``float32``, same shape."""
    return jnp.where(jnp.asarray(mask, bool), 0.0, neg).astype(jnp.float32)


def token_batch(
    adjacency, ops, num_ops: int, indirect: bool = True, token_ids: str = "reference"
) -> TokenBatch:
    """Tokens, token mask and attention mask of a batch of cells; jittable (``num_ops``,
    ``indirect`` and ``token_ids`` static).

    Args:
      adjacency: ``[..., N, N]`` 0/1 padded adjacencies.
      ops: ``int [..., N]`` op ids in ``0 .. num_ops - 1``, -1 for padding.
      num_ops: size of the op vocabulary (5 for NB101).
      indirect: indirect (transitive closure, CATE's default) or direct attention mask.
      token_ids: :data:`TOKEN_IDS` (the id written at padding positions).

    Returns:
      :class:`TokenBatch`.
    """
    o = jnp.asarray(ops)
    real = o != PAD
    tokens = jnp.where(real, o, pad_id(num_ops, token_ids)).astype(jnp.int32)
    return TokenBatch(tokens, real, attention_mask(adjacency, real, indirect))


def pair_attention_mask(token_mask_x, token_mask_y) -> jax.Array:
    """Full attention over the real tokens of two concatenated sequences (CATE's cross encoder,
    ``utils/utils.py: createCrossMask``; padding rows are empty, hence uniform).

    Args:
      token_mask_x: ``bool [..., Nx]``.
      token_mask_y: ``bool [..., Ny]``.

    Returns:
      ``bool [..., Nx + Ny, Nx + Ny]`` for the sequence ``concat([x, y], axis=-1)``.
    """
    m = jnp.concatenate([jnp.asarray(token_mask_x, bool), jnp.asarray(token_mask_y, bool)], -1)
    return m[..., :, None] & m[..., None, :]
