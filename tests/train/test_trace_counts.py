"""Trace counts of the generic training and evaluation steps (``jaxnas/train/step.py``): a
second call with the same shapes must not retrace.

A Python counter in the traced function counts how often jax traces it (Python side effects run
at trace time only). Each test also changes a shape once, which must retrace, so the counter is
shown to see traces at all.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnas import train


def _loss_counter():
    count = {"loss": 0}

    def loss_fn(params, model_state, batch, key):
        count["loss"] += 1
        x, y = batch
        noise = 1e-3 * jax.random.normal(key, y.shape)
        loss = jnp.mean((x @ params["w"] + params["b"] - y + noise) ** 2)
        return loss, (model_state, {"mse": loss})

    return loss_fn, count


def test_train_step_traces_once_per_shape():
    loss_fn, count = _loss_counter()
    tx = optax.adam(1e-2)
    step = train.make_train_step(loss_fn, tx)
    state = train.create({"w": jnp.zeros((3, 1)), "b": jnp.zeros((1, 1))}, tx)
    rng = np.random.default_rng(0)
    rng_key = jax.random.key(0)
    losses = []
    for _ in range(5):
        x = jnp.asarray(rng.normal(size=(8, 3)), jnp.float32)
        batch = (x, x @ jnp.ones((3, 1)))
        state, metrics = step(state, batch, rng_key)
        losses.append(float(metrics["loss"]))
    assert count["loss"] == 1
    assert int(state.step) == 5 and losses[-1] < losses[0]
    x = jnp.ones((16, 3), jnp.float32)  # another batch size: a new shape retraces
    state, _ = step(state, (x, x @ jnp.ones((3, 1))), rng_key)
    assert count["loss"] == 2


def test_eval_step_traces_once_per_shape():
    count = {"n": 0}

    def metrics_fn(params, model_state, batch):
        count["n"] += 1
        return {"sum": jnp.sum(batch @ params["w"])}

    tx = optax.sgd(0.1)
    state = train.create({"w": jnp.ones((3, 1))}, tx)
    ev = train.make_eval_step(metrics_fn)
    for i in range(3):
        out = ev(state, jnp.full((4, 3), float(i)))
    assert count["n"] == 1 and float(out["sum"]) == 2.0 * 4 * 3
