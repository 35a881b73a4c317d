"""CATE: computation-aware transformer encoder of architecture pairs (Yan et al., ICML 2021).

Follows MSU-MLSys-Lab/CATE: ``layers/graphEncoder.py`` (``PairWiseLearning``, ``GraphEncoder``,
``CLSHead``), ``layers/transformer.py`` (blocks, ``SemanticEmbedding``, ``TokenTypeEmbedding``)
and ``parameterLoader.py`` (sizes, PAD / MASK ids).

Inputs are raw cells ``(adjacency [B, N, N], ops [B, N])`` (padding op -1); the model's input
pipeline turns them into op tokens and the graph attention mask with
:func:`jaxnas.encodings.tokens.token_batch` -- the transitive closure without self-loops by the
jit-compiled batched Floyd-Warshall (``indirect=True``, CATE's default) or the adjacency
(``indirect=False``); rows with no allowed key (the output node, padding) attend uniformly to
every position, so the output token pools the whole cell.

* op embedding (``d``) scaled by ``sqrt(d)``, dropout; no positional encoding;
* graph encoder (pre-LN blocks, FFN ``graph_ffn``) with the graph mask -- one module, so X and Y
  of a pair share it;
* concatenation ``[X; Y]`` plus the segment embedding (0 for X, 1 for Y; scaled by ``sqrt(d)``
  and dropped out as CATE's ``TokenTypeEmbedding`` + ``dropout_seg`` when ``segment_scale``),
  cross encoder (FFN ``cross_ffn``) with full attention over the real tokens of both
  (:func:`jaxnas.encodings.tokens.pair_attention_mask`);
* MLM head ``Dense(d) - tanh - Dropout - Dense(vocab)`` (CATE's ``CLSHead``; the dropout only
  with ``head_dropout``).

Token ids: :func:`jaxnas.encodings.tokens.vocab` under ``CATEConfig.token_ids``.
:meth:`CATE.encode` is the graph encoder alone (the architecture encoding) and :func:`pool`
reduces it to one vector per cell; ``'last'`` is CATE's embedding (``GraphEncoder.get_embeddings``:
the last position of the padded sequence).
"""

from __future__ import annotations

import dataclasses
import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxnas.encodings import tokens as tok
from jaxnas.models.transformer import Dropout, Encoder

POOLINGS = ("last", "output", "mean")


@dataclasses.dataclass(frozen=True)
class CATEConfig:
    """Model hyper-parameters (saved with checkpoints as a dict).

    Attributes:
      num_ops: op vocabulary size of the space (NB101 5, NB201 node graph 7, DARTS 11).
      d_model: embedding / hidden width.
      num_heads: attention heads.
      graph_layers: graph-encoder blocks.
      graph_ffn: graph-encoder FFN width.
      cross_layers: cross-encoder blocks.
      cross_ffn: cross-encoder FFN width.
      dropout: dropout rate (embedding, attention, residual, FFN).
      indirect: graph mask is the transitive closure (True) or the adjacency (False).
      ancestors: transpose the graph mask, so a node attends to the nodes it is reachable
        *from* (its ancestors) instead of its descendants (CATE's direction). Not CATE.
      token_ids: PAD / MASK ids, :data:`jaxnas.encodings.tokens.TOKEN_IDS` (``'reference'``:
        CATE's PAD 0 / MASK 1 over a vocabulary of the ops alone).
      segment_scale: scale the segment embedding by ``sqrt(d)`` and apply dropout to it, as
        CATE (False: added as is, the earlier jaxnas model).
      head_dropout: dropout between the MLM head's two layers, as CATE's ``CLSHead``.
    """

    num_ops: int
    d_model: int = 64
    num_heads: int = 8
    graph_layers: int = 12
    graph_ffn: int = 128
    cross_layers: int = 24
    cross_ffn: int = 256
    dropout: float = 0.1
    indirect: bool = True
    ancestors: bool = False
    token_ids: str = "reference"
    segment_scale: bool = True
    head_dropout: bool = True

    @property
    def vocab(self) -> tok.Vocab:
        return tok.vocab(self.num_ops, self.token_ids)

    @property
    def vocab_size(self) -> int:
        return self.vocab.size


REFERENCE = dict(
    d_model=64, num_heads=8, graph_layers=12, graph_ffn=128, cross_layers=24, cross_ffn=256
)
"""The paper's sizes (the defaults of :class:`CATEConfig`)."""
CPU_SMALL = dict(
    d_model=64, num_heads=8, graph_layers=3, graph_ffn=128, cross_layers=4, cross_ffn=256
)
"""A CPU preset: reference widths, 3 graph + 4 cross blocks. Three graph blocks, because with
two the output node's encoding cannot tell apart some NB201 cells that differ by a swap of ops
(its uniform attention averages states that only a third block makes differ)."""
CPU_TINY = dict(d_model=32, num_heads=4, graph_layers=3, graph_ffn=64, cross_layers=1, cross_ffn=64)
"""For tests and smoke runs (3 graph blocks for the same reason)."""
PRESETS = {"reference": REFERENCE, "cpu_small": CPU_SMALL, "cpu_tiny": CPU_TINY}


def make_config(num_ops: int, preset: str = "reference", **overrides) -> CATEConfig:
    """A :class:`CATEConfig` from a named preset (:data:`PRESETS`) and overrides."""
    if preset not in PRESETS:
        raise ValueError(f"unknown CATE preset {preset!r}; known: {sorted(PRESETS)}")
    return CATEConfig(num_ops=num_ops, **{**PRESETS[preset], **overrides})


def cell_tokens(config: CATEConfig, adjacency, ops) -> tok.TokenBatch:
    """Tokens and graph attention mask of raw cells: the model's input pipeline (jittable).

    Args:
      config: the model config (``num_ops``, ``indirect``, ``ancestors``, ``token_ids``).
      adjacency: ``[B, N, N]`` 0/1.
      ops: ``int [B, N]``, -1 for padding.

    Returns:
      :class:`jaxnas.encodings.tokens.TokenBatch` (``[B, N]``, ``[B, N]``, ``[B, N, N]``).
    """
    t = tok.token_batch(adjacency, ops, config.num_ops, config.indirect, config.token_ids)
    if config.ancestors:
        t = t._replace(attention_mask=jnp.swapaxes(t.attention_mask, -1, -2))
    return t


class CATE(nn.Module):
    """The CATE pair model; see the module docstring.

    Attributes:
      config: :class:`CATEConfig`.
    """

    config: CATEConfig

    def setup(self):
        c = self.config
        self.embed = nn.Embed(c.vocab_size, c.d_model, name="op_embed")
        self.segment = nn.Embed(2, c.d_model, name="segment_embed")
        self.embed_dropout = Dropout(c.dropout)
        self.segment_dropout = Dropout(c.dropout)
        self.head_dropout = Dropout(c.dropout)
        self.graph_encoder = Encoder(
            c.graph_layers,
            c.num_heads,
            c.graph_ffn,
            c.dropout,
            zero_padding=False,
            name="graph_encoder",
        )
        self.cross_encoder = Encoder(
            c.cross_layers, c.num_heads, c.cross_ffn, c.dropout, name="cross_encoder"
        )
        self.head_hidden = nn.Dense(c.d_model, name="head_hidden")
        self.head_out = nn.Dense(c.vocab_size, name="head_out")

    def tokens(self, adjacency: jax.Array, ops: jax.Array) -> tok.TokenBatch:
        """Tokens and graph attention mask of raw cells (the input pipeline; no parameters).

        Args:
          adjacency: ``[B, N, N]`` 0/1.
          ops: ``int [B, N]``, -1 for padding.

        Returns:
          :class:`jaxnas.encodings.tokens.TokenBatch` (``[B, N]``, ``[B, N]``, ``[B, N, N]``).
        """
        return cell_tokens(self.config, adjacency, ops)

    def encode_tokens(
        self, tokens: jax.Array, token_mask: jax.Array, attention_mask: jax.Array, *, train: bool
    ) -> jax.Array:
        """Graph encoder on token ids: ``[B, N]`` ids -> ``[B, N, d]`` (padding positions are
        computed too: they attend uniformly to all positions, as in CATE)."""
        d = self.config.d_model
        x = self.embed(tokens) * math.sqrt(d)
        x = self.embed_dropout(x, deterministic=not train)
        return self.graph_encoder(x, attention_mask, token_mask, train=train)

    def encode(self, adjacency: jax.Array, ops: jax.Array, *, train: bool = False) -> jax.Array:
        """The architecture encoding: graph-encoder outputs per node, ``[B, N, d]``."""
        t = self.tokens(adjacency, ops)
        return self.encode_tokens(t.tokens, t.token_mask, t.attention_mask, train=train)

    def __call__(self, x: tok.TokenBatch, y: tok.TokenBatch, *, train: bool = False) -> jax.Array:
        """MLM logits of a batch of pairs.

        Args:
          x: tokens of the first architectures (``[B, Nx]``, ``[B, Nx]``, ``[B, Nx, Nx]``);
            ``x.tokens`` may hold MASK / random replacements.
          y: tokens of the partners (``[B, Ny]`` ...).

        Returns:
          ``float [B, Nx + Ny, vocab]`` logits over the sequence ``[X; Y]``.
        """
        hx = self.encode_tokens(x.tokens, x.token_mask, x.attention_mask, train=train)
        hy = self.encode_tokens(y.tokens, y.token_mask, y.attention_mask, train=train)
        h = jnp.concatenate([hx, hy], axis=1)
        seg = jnp.concatenate(
            [jnp.zeros(x.tokens.shape, jnp.int32), jnp.ones(y.tokens.shape, jnp.int32)], axis=1
        )
        s = self.segment(seg)
        if self.config.segment_scale:
            s = self.segment_dropout(s * math.sqrt(self.config.d_model), deterministic=not train)
        h = h + s
        token_mask = jnp.concatenate([x.token_mask, y.token_mask], axis=1)
        mask = tok.pair_attention_mask(x.token_mask, y.token_mask)
        h = self.cross_encoder(h, mask, token_mask, train=train)
        h = jnp.tanh(self.head_hidden(h))
        if self.config.head_dropout:
            h = self.head_dropout(h, deterministic=not train)
        return self.head_out(h)


def pool(encoding: jax.Array, token_mask: jax.Array, pooling: str = "last") -> jax.Array:
    """One vector per cell from graph-encoder outputs.

    Args:
      encoding: ``[B, N, d]`` (from :meth:`CATE.encode`).
      token_mask: ``bool [B, N]``, real nodes (padding after them).
      pooling: ``'last'`` -- CATE's embedding, the last position ``N - 1`` of the padded
        sequence (``h[:, -1]`` in ``GraphEncoder.get_embeddings``; its inference pads every
        cell to the longest one, as the spaces here do): the output node of a full-size cell,
        a padding position otherwise, both rows with no allowed key, so both attend uniformly
        to all positions and pool the whole cell; ``'output'`` -- the last real node (the
        output node); ``'mean'`` -- the mean over real nodes.

    Returns:
      ``[B, d]``.
    """
    m = jnp.asarray(token_mask, bool)
    if pooling == "last":
        return encoding[:, -1]
    if pooling == "output":
        last = jnp.maximum(m.sum(-1) - 1, 0)
        return jnp.take_along_axis(encoding, last[:, None, None], axis=1)[:, 0]
    if pooling == "mean":
        w = m.astype(encoding.dtype)
        return (encoding * w[..., None]).sum(1) / jnp.maximum(w.sum(-1), 1.0)[..., None]
    raise ValueError(f"unknown pooling {pooling!r}; use one of {POOLINGS}")
