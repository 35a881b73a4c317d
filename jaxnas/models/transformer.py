"""Pre-LayerNorm transformer encoder blocks with an explicit attention mask (Flax linen).

The mask is an argument, so the same encoder serves CATE's graph encoder (mask = adjacency or
its transitive closure, :mod:`jaxnas.encodings.tokens`) and its cross encoder (full attention
over the real tokens of a pair). Masks are ``bool [B, N, N]`` (``mask[b, i, j]``: query ``i``
may attend to key ``j``); the head axis is added here.

A block is ``x + Dropout(MHA(LN(x)))`` then ``x + Dropout(FFN(LN(x)))`` with
``FFN = Dense(ffn) - ReLU - Dropout - Dense(d)``; the encoder ends with a LayerNorm (pre-LN
transformers need one on the output). This is CATE's ``layers/transformer.py`` (``EncoderBlock``,
``Encoder``: per-layer norms of which the last one's output is returned).

Masked attention follows CATE: scores of disallowed keys are pushed to a huge negative number
before the softmax (Flax uses the dtype's minimum, CATE -1e9: the same weights), so a query row
with no allowed key attends *uniformly to all positions* -- CATE relies on this for its output
node (see :mod:`jaxnas.encodings.tokens`); ``tests/models/test_transformer.py`` checks it.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp


class EncoderBlock(nn.Module):
    """One pre-LN transformer block.

    Attributes:
      num_heads: attention heads (``d`` must be divisible by it).
      ffn_dim: hidden width of the feed-forward layer.
      dropout: dropout rate after attention, inside and after the FFN, and on attention weights.
    """

    num_heads: int
    ffn_dim: int
    dropout: float = 0.1

    @nn.compact
    def __call__(self, x: jax.Array, mask: jax.Array, *, train: bool) -> jax.Array:
        """Args: ``x [B, N, d]``, ``mask bool [B, N, N]``. Returns ``[B, N, d]``."""
        d = x.shape[-1]
        h = nn.LayerNorm(name="ln_attn")(x)
        h = nn.MultiHeadDotProductAttention(
            num_heads=self.num_heads,
            qkv_features=d,
            out_features=d,
            dropout_rate=self.dropout,
            deterministic=not train,
            name="attn",
        )(h, h, mask=mask[..., None, :, :])
        x = x + nn.Dropout(self.dropout)(h, deterministic=not train)
        h = nn.LayerNorm(name="ln_ffn")(x)
        h = nn.Dense(self.ffn_dim, name="ffn_in")(h)
        h = nn.Dropout(self.dropout)(nn.relu(h), deterministic=not train)
        h = nn.Dense(d, name="ffn_out")(h)
        return x + nn.Dropout(self.dropout)(h, deterministic=not train)


class Encoder(nn.Module):
    """A stack of :class:`EncoderBlock` and a final LayerNorm.

    Attributes:
      num_layers: number of blocks.
      num_heads: attention heads.
      ffn_dim: FFN hidden width.
      dropout: dropout rate.
      zero_padding: set the outputs at padding positions to 0 (False keeps them, as CATE's
        graph encoder does; its embedding may be read at a padding position).
    """

    num_layers: int
    num_heads: int
    ffn_dim: int
    dropout: float = 0.1
    zero_padding: bool = True

    @nn.compact
    def __call__(
        self, x: jax.Array, mask: jax.Array, token_mask: jax.Array, *, train: bool
    ) -> jax.Array:
        """Encodes a batch of sequences.

        Args:
          x: ``[B, N, d]`` input vectors.
          mask: ``bool [B, N, N]`` attention mask (query ``i`` attends to key ``j``).
          token_mask: ``bool [B, N]``, real tokens; outputs at other positions are set to 0
            when ``zero_padding``.

        Returns:
          ``[B, N, d]``.
        """
        for i in range(self.num_layers):
            x = EncoderBlock(self.num_heads, self.ffn_dim, self.dropout, name=f"block_{i}")(
                x, mask, train=train
            )
        x = nn.LayerNorm(name="ln_out")(x)
        return jnp.where(token_mask[..., None], x, 0.0) if self.zero_padding else x
