"""Training state: parameters, optimiser state, mutable model state (e.g. batch norm), step."""

from __future__ import annotations

from typing import Any

import flax.struct
import jax.numpy as jnp
import optax


class TrainState(flax.struct.PyTreeNode):
    """A pytree of everything a training step updates.

    Attributes:
      step: ``int32 []`` number of optimiser steps taken.
      params: model parameters.
      opt_state: the optax state.
      model_state: non-trainable collections (e.g. ``{'batch_stats': ...}``), ``{}`` if none.
    """

    step: jnp.ndarray
    params: Any
    opt_state: Any
    model_state: Any


def create(params, tx: optax.GradientTransformation, model_state=None) -> TrainState:
    """A fresh state at step 0."""
    return TrainState(
        step=jnp.zeros((), jnp.int32),
        params=params,
        opt_state=tx.init(params),
        model_state={} if model_state is None else model_state,
    )
