"""Generic train step and loop: overfit, jit equivalence, exact resume from a checkpoint."""

import time

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnas import train


class _MLP(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = True):
        x = nn.Dense(32, use_bias=False)(x)  # no bias before BN (it would get no gradient)
        x = nn.BatchNorm(use_running_average=not train)(x)
        return nn.Dense(1)(nn.relu(x))[:, 0]


def _setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32)).astype(np.float32)
    model = _MLP()
    variables = model.init(jax.random.key(0), jnp.asarray(x[:4]))
    tx = optax.chain(optax.clip_by_global_norm(5.0), optax.adam(1e-2))

    def loss_fn(params, model_state, batch, rng):
        del rng
        pred, updates = model.apply(
            {"params": params, **model_state}, batch["x"], mutable=["batch_stats"]
        )
        loss = jnp.mean((pred - batch["y"]) ** 2)
        return loss, (updates, {"mse": loss})

    state = train.create(variables["params"], tx, {"batch_stats": variables["batch_stats"]})
    key = jax.random.key(1)

    def get_batch(step):
        idx = train.batch_indices(key, 64, 16, step)
        return {"x": x[idx], "y": y[idx]}

    return state, loss_fn, tx, get_batch


def test_overfits_tiny_regression():
    state, loss_fn, tx, get_batch = _setup()
    full = {k: np.concatenate([get_batch(s)[k] for s in range(4)]) for k in ("x", "y")}

    def full_loss(st):
        return float(loss_fn(st.params, st.model_state, full, None)[0])

    before = full_loss(state)
    step = train.make_train_step(loss_fn, tx)
    state, hist = train.fit(state, step, get_batch, 600, jax.random.key(2), log_every=100)
    assert int(state.step) == 600
    assert full_loss(state) < 0.05 * before
    assert {"loss", "grad_norm", "mse", "steps_per_s", "examples_per_s"} <= set(hist[-1])


def test_jit_equals_no_jit():
    state, loss_fn, tx, get_batch = _setup()
    s1, m1 = train.make_train_step(loss_fn, tx, jit=False)(state, get_batch(0), jax.random.key(3))
    state, loss_fn, tx, get_batch = _setup()
    s2, m2 = train.make_train_step(loss_fn, tx)(state, get_batch(0), jax.random.key(3))
    np.testing.assert_allclose(m1["loss"], m2["loss"], rtol=1e-6)
    for a, b in zip(jax.tree.leaves(s1.params), jax.tree.leaves(s2.params), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_resume_is_exact(tmp_path):
    cfg = {"model": "mlp", "hidden": 16}
    state, loss_fn, tx, get_batch = _setup()
    step = train.make_train_step(loss_fn, tx)
    full, _ = train.fit(state, step, get_batch, 40, jax.random.key(4))
    # Interrupted run: 25 steps with checkpoints, then a new process-like restart to 40.
    state, loss_fn, tx, get_batch = _setup()
    train.fit(state, step, get_batch, 25, jax.random.key(4), workdir=tmp_path, config=cfg,
              checkpoint_every=10)  # fmt: skip
    fresh, loss_fn, tx, get_batch = _setup()
    resumed, hist = train.fit(fresh, step, get_batch, 40, jax.random.key(4), workdir=tmp_path,
                              config=cfg, checkpoint_every=10)  # fmt: skip
    assert int(resumed.step) == 40
    for a, b in zip(jax.tree.leaves(full.params), jax.tree.leaves(resumed.params), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert train.checkpoint.read_config(tmp_path) == cfg
    assert (tmp_path / "metrics.jsonl").read_text().count("\n") >= 2


def test_batch_indices_cover_epoch():
    key = jax.random.key(0)
    idx = np.concatenate([train.batch_indices(key, 50, 10, s) for s in range(5)])
    assert sorted(idx.tolist()) == list(range(50))
    assert not np.array_equal(
        train.batch_indices(key, 50, 10, 0), train.batch_indices(key, 50, 10, 5)
    )


def _assert_same_params(a, b, rtol=1e-5, atol=1e-6):
    for x, y in zip(jax.tree.leaves(a.params), jax.tree.leaves(b.params), strict=True):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def test_block_steps_equal_step_by_step(tmp_path):
    # 23 steps in blocks of 4 that must end at logs (every 5), checkpoints (every 7) and step 9:
    # the same parameters, batch-norm statistics and logged means as one step per call.
    state, loss_fn, tx, get_batch = _setup()
    step = train.make_train_step(loss_fn, tx)
    ref, ref_hist = train.fit(state, step, get_batch, 23, jax.random.key(5), log_every=5)
    block = train.make_block_step(loss_fn, tx)
    kw = dict(log_every=5, steps_per_call=4, boundaries=(9,))
    state, loss_fn, tx, get_batch = _setup()
    blk, hist = train.fit(state, block, get_batch, 23, jax.random.key(5), **kw)
    assert int(blk.step) == 23
    _assert_same_params(ref, blk)
    stats = zip(jax.tree.leaves(ref.model_state), jax.tree.leaves(blk.model_state), strict=True)
    for x, y in stats:
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    assert [r["step"] for r in hist] == [r["step"] for r in ref_hist] == [5, 10, 15, 20, 23]
    for r, h in zip(ref_hist, hist, strict=True):
        np.testing.assert_allclose(h["loss"], r["loss"], rtol=1e-5)
    # Interrupted at 12 (checkpoint at 7), resumed in blocks: the uninterrupted parameters.
    state, loss_fn, tx, get_batch = _setup()
    train.fit(state, block, get_batch, 12, jax.random.key(5), workdir=tmp_path,
              checkpoint_every=7, **kw)  # fmt: skip
    state, loss_fn, tx, get_batch = _setup()
    resumed, _ = train.fit(state, block, get_batch, 23, jax.random.key(5), workdir=tmp_path,
                           checkpoint_every=7, **kw)  # fmt: skip
    _assert_same_params(ref, resumed)


def test_block_end_respects_every_boundary():
    from jaxnas.train.loop import _block_end

    assert _block_end(0, 100, 16, [10, 1000], ()) == 10
    assert _block_end(10, 100, 16, [100, 1000], (12,)) == 12
    assert _block_end(96, 99, 16, [100], ()) == 99
    assert _block_end(3, 100, 1, [100], ()) == 4


def test_logged_throughput_waits_for_the_dispatched_steps():
    """``steps_per_s`` counts the time the steps took, not only their (asynchronous) dispatch:
    each step here waits 20 ms in a host callback, so at most 50 steps run per second."""
    state, loss_fn, tx, get_batch = _setup()

    def slow_loss(params, model_state, batch, rng):
        loss, aux = loss_fn(params, model_state, batch, rng)
        wait = jax.pure_callback(lambda: (time.sleep(0.02), np.float32(0))[1],
                                 jax.ShapeDtypeStruct((), jnp.float32))  # fmt: skip
        return loss + wait, aux

    block = train.make_block_step(slow_loss, tx)
    _, hist = train.fit(state, block, get_batch, 8, jax.random.key(3), log_every=8,
                        steps_per_call=4)  # fmt: skip
    assert 0 < hist[-1]["steps_per_s"] <= 50
