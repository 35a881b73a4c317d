"""Small MLPs as plain pytrees, trained with optax on padded (masked) data.

Parameters are a tuple of ``{'w': [d_in, d_out], 'b': [d_out]}`` dicts, so a model is a pytree
that ``jax.vmap`` can stack (ensembles, many seeds). :func:`fit` trains on a *padded* training
set ``x [T, D]``, ``y [T]`` with a ``mask [T]`` of real rows: the shapes never change while a
search history grows, so nothing recompiles. Epochs follow the usual semantics exactly: with
``n = mask.sum()`` real rows, each epoch visits them once in a fresh random order in
``ceil(n / batch_size)`` minibatches (the last one partial), in a loop whose trip count
depends on ``n`` (no recompilation; under ``vmap`` the loop runs to the largest count).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import optax

ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh, "elu": jax.nn.elu}


def init(key: jax.Array, sizes: Sequence[int]) -> tuple[dict, ...]:
    """LeCun-normal weights, zero biases, for layer sizes ``(d_in, h_1, ..., d_out)``."""
    keys = jax.random.split(key, len(sizes) - 1)
    layers = []
    for k, d_in, d_out in zip(keys, sizes[:-1], sizes[1:], strict=True):
        w = jax.random.normal(k, (d_in, d_out)) * jnp.sqrt(1.0 / d_in)
        layers.append({"w": w, "b": jnp.zeros((d_out,))})
    return tuple(layers)


def _dense(layer, h):
    b = layer["b"].reshape((1,) * (h.ndim - 1) + layer["b"].shape)
    return h @ layer["w"] + b


def features(params, x: jax.Array, activation: str = "relu") -> jax.Array:
    """Output of the last hidden layer: ``x [..., D] -> [..., H]``."""
    act = ACTIVATIONS[activation]
    h = x
    for layer in params[:-1]:
        h = act(_dense(layer, h))
    return h


def apply(params, x: jax.Array, activation: str = "relu") -> jax.Array:
    """Network output ``[..., d_out]`` (linear last layer)."""
    h = features(params, x, activation)
    return _dense(params[-1], h)


def _loss(params, x, y, w, activation, loss):
    pred = apply(params, x, activation)[..., 0]
    err = pred - y
    per = jnp.abs(err) if loss == "mae" else err**2
    return jnp.sum(w * per) / jnp.maximum(w.sum(), 1.0)


def fit(
    params,
    key: jax.Array,
    x: jax.Array,
    y: jax.Array,
    mask: jax.Array,
    *,
    num_epochs: int = 100,
    batch_size: int | None = None,
    learning_rate: float = 1e-2,
    activation: str = "relu",
    loss: str = "mse",
):
    """Trains ``params`` with Adam on the real rows of a padded data set.

    Args:
      params: from :func:`init` with ``d_out = 1``.
      key: PRNG key for the minibatch order.
      x: ``[T, D]`` inputs (padding rows arbitrary).
      y: ``[T]`` targets.
      mask: ``[T]`` bool/0-1, real rows.
      num_epochs: passes over the real rows.
      batch_size: minibatch size; ``None`` for full-batch (one step per epoch).
      learning_rate: Adam step size.
      activation: hidden activation (``relu``, ``tanh``, ``elu``).
      loss: ``'mse'`` or ``'mae'``.

    Returns:
      The trained parameters (same pytree structure).
    """
    x, y = jnp.asarray(x), jnp.asarray(y)
    mask = jnp.asarray(mask).astype(x.dtype)
    t = x.shape[0]
    opt = optax.adam(learning_rate)
    opt_state = opt.init(params)
    grad = jax.grad(_loss)

    if batch_size is None or batch_size >= t:

        def step(carry, _):
            p, s = carry
            g = grad(p, x, y, mask, activation, loss)
            upd, s = opt.update(g, s, p)
            return (optax.apply_updates(p, upd), s), None

        (params, _), _ = jax.lax.scan(step, (params, opt_state), None, length=num_epochs)
        return params

    n = mask.sum()
    per_epoch = jnp.ceil(n / batch_size).astype(jnp.int32)
    padded = -(-t // batch_size) * batch_size

    def step(s, carry):
        p, st = carry
        per = jnp.maximum(per_epoch, 1)
        epoch, pos = s // per, s % per
        # Real rows first, in a random order fixed for the epoch.
        u = jax.random.uniform(jax.random.fold_in(key, epoch), (t,))
        order = jnp.argsort(u + 2.0 * (1.0 - mask))
        order = jnp.pad(order, (0, padded - t))
        slot = pos * batch_size + jnp.arange(batch_size)
        rows = jax.lax.dynamic_slice(order, (pos * batch_size,), (batch_size,))
        w = (slot < n).astype(x.dtype)
        g = grad(p, x[rows], y[rows], w, activation, loss)
        upd, st = opt.update(g, st, p)
        return optax.apply_updates(p, upd), st

    # A loop with a data-dependent trip count: exactly num_epochs * ceil(n / batch) steps.
    params, _ = jax.lax.fori_loop(0, num_epochs * per_epoch, step, (params, opt_state))
    return params


def init_and_fit(
    key: jax.Array, hidden: Sequence[int], x: jax.Array, y: jax.Array, mask: jax.Array, **options
):
    """A fresh ``[D, *hidden, 1]`` MLP trained by :func:`fit` (``options``: its keywords); ``key``
    splits into the init key and the minibatch-order key."""
    k_init, k_fit = jax.random.split(key)
    return fit(init(k_init, (x.shape[-1], *hidden, 1)), k_fit, x, y, mask, **options)


def standardize(y: jax.Array, mask: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Masked standardisation: ``(y - mean) / std`` (0 on padding), mean, std."""
    m = mask.astype(y.dtype)
    n = jnp.maximum(m.sum(), 1.0)
    mean = jnp.sum(m * y) / n
    std = jnp.sqrt(jnp.sum(m * (y - mean) ** 2) / n)
    std = jnp.where(std > 1e-8, std, 1.0)
    return m * (y - mean) / std, mean, std


__all__ = ["ACTIVATIONS", "apply", "features", "fit", "init", "init_and_fit", "standardize"]
