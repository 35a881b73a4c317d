"""Pre-LN transformer encoder: shapes, mask semantics (outputs ignore masked keys), padding;
the fused-Threefry dropout draws flax's masks bit for bit."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.models import transformer
from jaxnas.models.transformer import Encoder, EncoderBlock


def _setup(n=6, d=16, b=3, seed=0):
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.normal(size=(b, n, d)), jnp.float32)
    mask = jnp.asarray(rng.random((b, n, n)) < 0.5) | jnp.eye(n, dtype=bool)[None]
    return x, mask


def test_shapes_and_padding_zeroed():
    x, mask = _setup()
    token_mask = jnp.asarray(np.arange(6)[None, :] < np.array([[6], [4], [2]]))
    mask = mask & token_mask[:, :, None] & token_mask[:, None, :]
    enc = Encoder(num_layers=2, num_heads=4, ffn_dim=32, dropout=0.1)
    params = jax.jit(lambda k: enc.init(k, x, mask, token_mask, train=False))(jax.random.key(0))
    y = jax.jit(lambda p: enc.apply(p, x, mask, token_mask, train=False))(params)
    assert y.shape == x.shape
    assert np.all(np.asarray(y)[~np.asarray(token_mask)] == 0)
    y_train = jax.jit(
        lambda p: enc.apply(p, x, mask, token_mask, train=True, rngs={"dropout": jax.random.key(1)})
    )(params)
    assert not np.allclose(y, y_train)  # dropout active in training only


def test_block_output_depends_only_on_allowed_keys():
    x, mask = _setup(seed=1)
    blk = EncoderBlock(num_heads=4, ffn_dim=32, dropout=0.0)
    params = jax.jit(lambda k: blk.init(k, x, mask, train=False))(jax.random.key(0))
    apply = jax.jit(lambda x: blk.apply(params, x, mask, train=False))
    y = np.asarray(apply(x))
    m = np.asarray(mask)
    rng = np.random.default_rng(2)
    for b in range(x.shape[0]):
        for i in range(x.shape[1]):
            x2 = np.array(x)
            x2[b, ~m[b, i]] += rng.normal(size=(int((~m[b, i]).sum()), x.shape[2]))
            y2 = np.asarray(apply(jnp.asarray(x2)))
            np.testing.assert_allclose(y2[b, i], y[b, i], atol=1e-5)
            if (m[b, i] & (np.arange(x.shape[1]) != i)).any():
                # and an allowed key other than itself does change it
                x3 = np.array(x)
                j = np.flatnonzero(m[b, i] & (np.arange(x.shape[1]) != i))[0]
                x3[b, j] += rng.normal(size=x.shape[2])  # not a constant: LN ignores those
                y3 = np.asarray(apply(jnp.asarray(x3)))
                assert np.abs(y3[b, i] - y[b, i]).max() > 1e-4


def test_jit_matches_eager():
    x, mask = _setup(seed=3)
    tm = jnp.ones(x.shape[:2], bool)
    enc = Encoder(num_layers=2, num_heads=2, ffn_dim=8, dropout=0.0)
    params = jax.jit(lambda k: enc.init(k, x, mask, tm, train=False))(jax.random.key(0))
    with jax.disable_jit():
        eager = enc.apply(params, x, mask, tm, train=False)
    jitted = jax.jit(lambda p, x: enc.apply(p, x, mask, tm, train=False))(params, x)
    np.testing.assert_allclose(eager, jitted, atol=1e-5)


def test_empty_mask_row_attends_uniformly_to_all_positions():
    """CATE's masking (``masked_fill(mask == 0, -1e9)`` then softmax): a query with no allowed
    key averages the values of *all* positions with equal weights -- its output equals that of
    the same query with every key allowed when all scores are 0 (query projection zeroed),
    and depends on every position."""
    x, mask = _setup(seed=4)
    n = x.shape[1]
    empty = np.array(mask)
    empty[:, -1, :] = False  # the last query row: no allowed key
    full = np.array(mask)
    full[:, -1, :] = True
    blk = EncoderBlock(num_heads=4, ffn_dim=32, dropout=0.0)
    params = jax.jit(lambda k: blk.init(k, x, mask, train=False))(jax.random.key(0))
    apply = jax.jit(lambda x, m: blk.apply(params, x, m, train=False))
    y_empty = np.asarray(apply(x, jnp.asarray(empty)))
    flat = jax.tree.map(jnp.zeros_like, params["params"]["attn"]["query"])
    p0 = {"params": {**params["params"], "attn": {**params["params"]["attn"], "query": flat}}}
    y_full = np.asarray(blk.apply(p0, x, jnp.asarray(full), train=False))
    np.testing.assert_allclose(y_empty[:, -1], y_full[:, -1], atol=1e-5)
    assert not np.allclose(y_empty[:, -1], y_empty[:, -2], atol=1e-3)
    for j in range(n - 1):
        x2 = np.array(x)
        x2[:, j] += 1.0 + np.arange(x.shape[2])  # not a constant shift (LN would remove it)
        assert (
            np.abs(
                np.asarray(apply(jnp.asarray(x2), jnp.asarray(empty)))[:, -1] - y_empty[:, -1]
            ).max()
            > 1e-4
        )


@pytest.mark.parametrize("shape", [(5,), (3, 7, 11), (64, 14, 33), (1, 1, 7, 7)])
def test_threefry_bits_and_bernoulli_match_jax_random(shape):
    bits = jax.jit(transformer.threefry_bits, static_argnums=1)
    bern = jax.jit(transformer.bernoulli, static_argnums=(1, 2))
    for seed in range(3):
        k = jax.random.fold_in(jax.random.key(seed), 11)
        np.testing.assert_array_equal(bits(k, shape), jax.random.bits(k, shape))
        np.testing.assert_array_equal(
            bits(jax.random.key_data(k), shape), jax.random.bits(k, shape)
        )
        for p in (0.9, 0.5, 0.1):
            np.testing.assert_array_equal(bern(k, p, shape), jax.random.bernoulli(k, p, shape))
    rbg = jax.random.key(0, impl="rbg")  # other implementations: jax.random itself
    np.testing.assert_array_equal(
        transformer.bernoulli(rbg, 0.9, shape), jax.random.bernoulli(rbg, 0.9, shape)
    )


def test_dropout_rate_and_expectation():
    x = jnp.ones((200, 100, 50))
    y = np.asarray(
        transformer.Dropout(0.1).apply(
            {}, x, deterministic=False, rngs={"dropout": jax.random.key(5)}
        )
    )
    kept = y != 0
    assert abs(kept.mean() - 0.9) < 0.002  # 1e6 draws: sd 3e-4
    np.testing.assert_allclose(y[kept], 1 / 0.9, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.003  # unbiased
    # neighbouring elements and rows are not correlated
    k = kept.reshape(-1).astype(float)
    assert abs(np.corrcoef(k[:-1], k[1:])[0, 1]) < 0.01
    assert abs(np.corrcoef(kept[0].reshape(-1), kept[1].reshape(-1))[0, 1]) < 0.05


def test_fused_dropout_equals_flax(monkeypatch):
    """Outputs and gradients of a training-mode encoder equal those with flax's own
    ``nn.Dropout`` (same keys, same masks)."""
    x, mask = _setup(n=7, d=16, b=4, seed=5)
    tm = jnp.ones(x.shape[:2], bool)
    enc = Encoder(num_layers=1, num_heads=4, ffn_dim=32, dropout=0.2)
    params = jax.jit(lambda k: enc.init(k, x, mask, tm, train=False))(jax.random.key(0))

    def loss(p, x):
        y = enc.apply(p, x, mask, tm, train=True, rngs={"dropout": jax.random.key(7)})
        return (y * jnp.arange(y.size).reshape(y.shape)).sum() / y.size

    ours = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))(params, x)
    monkeypatch.setattr(transformer, "Dropout", nn.Dropout)
    theirs = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))(params, x)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    for a, b in zip(jax.tree.leaves(ours[1]), jax.tree.leaves(theirs[1]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
