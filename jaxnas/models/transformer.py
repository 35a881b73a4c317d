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

Dropout (:class:`Dropout`) draws *the same masks* as ``flax.linen.Dropout`` (same keys, same
Threefry-2x32 bits, same ``uniform < keep`` test) but computes the Threefry rounds as plain
element-wise ops (:func:`threefry_bits`), which XLA fuses into the masking. JAX lowers Threefry
on CPU as a rolled 5-iteration loop (to keep compile times down), i.e. several passes over
memory and a dozen small kernels per dropout call; unrolled, the bits cost ~4x less
(issue 18: dropout bits were ~25% of CATE's CPU step; the attention-weight mask, one
``[N, N]`` draw per layer broadcast over batch and heads, stays flax's). Nothing changes:
``tests/models/test_transformer.py`` checks the masks bit for bit against ``jax.random``.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _rotl(x: jax.Array, r: int) -> jax.Array:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def threefry2x32(k1, k2, x1, x2) -> tuple[jax.Array, jax.Array]:
    """Threefry-2x32 with 20 rounds (Salmon et al., 2011), unrolled, element-wise on ``uint32``
    arrays: key words ``k1, k2``, counter words ``x1, x2`` -> two ``uint32`` words. The same
    function as JAX's ``threefry2x32`` primitive (``jax._src.random.threefry2x32``)."""
    ks = (k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA))
    x1, x2 = x1 + ks[0], x2 + ks[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x1 = x1 + x2
            x2 = _rotl(x2, r) ^ x1
        x1 = x1 + ks[(i + 1) % 3]
        x2 = x2 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x1, x2


def threefry_bits(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """``uint32`` random bits of ``shape`` from a Threefry key: ``jax.random.bits(key, shape)``
    (JAX's partitionable Threefry: counter = row-major index, output = xor of the two words),
    bit for bit, in fused element-wise ops. ``key``: a typed Threefry key or its raw
    ``uint32 [2]`` data."""
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    size = int(np.prod(shape))
    if size >= 2**32:
        raise ValueError(f"threefry_bits: {size} elements need a 64-bit counter")
    counts = lax.iota(np.uint32, size).reshape(shape)
    b1, b2 = threefry2x32(key[0], key[1], jnp.zeros_like(counts), counts)
    return b1 ^ b2


def bernoulli(key: jax.Array, p: float, shape: tuple[int, ...]) -> jax.Array:
    """``jax.random.bernoulli(key, p, shape)`` for a Threefry key (float32 ``p``), bit for bit,
    through :func:`threefry_bits`; other key implementations go to ``jax.random``."""
    typed = jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
    if typed and str(jax.random.key_impl(key)) != "threefry2x32":
        return jax.random.bernoulli(key, p, shape)
    bits = threefry_bits(key, shape)
    # jax.random.uniform: 23 random mantissa bits under exponent 0 -> [1, 2), minus 1.
    one = np.array(1.0, np.float32).view(np.uint32)
    u = lax.bitcast_convert_type((bits >> np.uint32(9)) | one, jnp.float32) - np.float32(1.0)
    return u < np.float32(p)


class Dropout(nn.Dropout):
    """``flax.linen.Dropout`` (same keys, masks and scaling; same auto-names ``Dropout_i``, so
    the module paths and therefore the keys are unchanged) with the mask from
    :func:`bernoulli`."""

    @nn.compact
    def __call__(self, inputs, deterministic: bool | None = None, rng: jax.Array | None = None):
        deterministic = nn.merge_param("deterministic", self.deterministic, deterministic)
        if self.rate == 0.0 or deterministic:
            return inputs
        if self.rate == 1.0:
            return jnp.zeros_like(inputs)
        keep_prob = 1.0 - self.rate
        rng = self.make_rng(self.rng_collection) if rng is None else rng
        shape = [1 if d in self.broadcast_dims else n for d, n in enumerate(inputs.shape)]
        mask = jnp.broadcast_to(bernoulli(rng, keep_prob, tuple(shape)), inputs.shape)
        return lax.select(mask, inputs / keep_prob, jnp.zeros_like(inputs))


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
        x = x + Dropout(self.dropout)(h, deterministic=not train)
        h = nn.LayerNorm(name="ln_ffn")(x)
        h = nn.Dense(self.ffn_dim, name="ffn_in")(h)
        h = Dropout(self.dropout)(nn.relu(h), deterministic=not train)
        h = nn.Dense(d, name="ffn_out")(h)
        return x + Dropout(self.dropout)(h, deterministic=not train)


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
