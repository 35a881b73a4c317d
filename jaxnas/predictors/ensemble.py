"""An ensemble of MLPs trained at once under ``jax.vmap`` (BANANAS' meta neural network).

Each member has its own initialisation and minibatch order; the prediction is the members'
mean and standard deviation. Defaults follow BANANAS loosely (5 members, MAE loss, Adam 1e-2);
the width and depth are smaller than BANANAS' 10 x 20 to keep CPU runs short.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxnas.predictors import acquisition, mlp


class EnsembleState(NamedTuple):
    params: tuple  # stacked over members: leaves [E, ...]
    y_mean: jax.Array
    y_std: jax.Array


def fit(
    key: jax.Array,
    x: jax.Array,
    y: jax.Array,
    mask: jax.Array,
    *,
    num_members: int = 5,
    hidden: Sequence[int] = (32, 32, 32),
    activation: str = "relu",
    num_epochs: int = 200,
    batch_size: int | None = None,
    learning_rate: float = 1e-2,
    loss: str = "mae",
) -> EnsembleState:
    """Trains ``num_members`` MLPs on the real rows of ``x [T, D]``, ``y [T]``, ``mask [T]``."""
    x = x.astype(jnp.float32)
    ys, y_mean, y_std = mlp.standardize(y.astype(jnp.float32), mask)
    options = dict(
        num_epochs=num_epochs, batch_size=batch_size, learning_rate=learning_rate,
        activation=activation, loss=loss,
    )  # fmt: skip
    params = jax.vmap(lambda k: mlp.init_and_fit(k, hidden, x, ys, mask, **options))(
        jax.random.split(key, num_members)
    )
    return EnsembleState(params, y_mean, y_std)


def predict_members(state: EnsembleState, xq: jax.Array, activation: str = "relu") -> jax.Array:
    """Per-member predictions ``[E, M]`` in the units of ``y``."""
    out = jax.vmap(lambda p: mlp.apply(p, xq.astype(jnp.float32), activation)[..., 0])(state.params)
    return state.y_mean + state.y_std * out


def predict(state: EnsembleState, xq: jax.Array, activation: str = "relu"):
    """Ensemble mean and standard deviation ``[M]``."""
    p = predict_members(state, xq, activation)
    return p.mean(0), p.std(0)


def make(**options) -> acquisition.Surrogate:
    """The ensemble as a :class:`~jaxnas.predictors.acquisition.Surrogate`; ``options`` are
    :func:`fit`'s keywords."""
    return acquisition.bind(fit, predict, ("activation",), **options)


__all__ = ["EnsembleState", "fit", "make", "predict", "predict_members"]
