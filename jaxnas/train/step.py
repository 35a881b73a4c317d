"""One generic jitted training step, shared by every model (arch2vec, CATE, predictors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import optax

from jaxnas.train.state import TrainState

# loss_fn(params, model_state, batch, rng) -> (loss, (new_model_state, metrics dict))
LossFn = Callable[[Any, Any, Any, jax.Array], tuple[jax.Array, tuple[Any, dict]]]


def make_train_step(loss_fn: LossFn, tx: optax.GradientTransformation, jit: bool = True):
    """Builds ``train_step(state, batch, rng) -> (state, metrics)``.

    The step's randomness is ``fold_in(rng, state.step)``, so a run resumed from a checkpoint
    draws exactly the keys it would have drawn. ``metrics`` holds ``loss``, ``grad_norm`` and
    whatever ``loss_fn`` reports. Jitted with the state donated unless ``jit=False``.
    """

    def train_step(state: TrainState, batch, rng: jax.Array):
        key = jax.random.fold_in(rng, state.step)
        grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
        (loss, (model_state, metrics)), grads = grad_fn(state.params, state.model_state, batch, key)
        updates, opt_state = tx.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        metrics = {"loss": loss, "grad_norm": optax.tree.norm(grads), **metrics}
        new_state = state.replace(
            step=state.step + 1, params=params, opt_state=opt_state, model_state=model_state
        )
        return new_state, metrics

    return jax.jit(train_step, donate_argnums=0) if jit else train_step


def make_eval_step(metrics_fn: Callable[[Any, Any, Any], dict], jit: bool = True):
    """Builds ``eval_step(state, batch) -> metrics`` from ``metrics_fn(params, model_state,
    batch)``."""

    def eval_step(state: TrainState, batch):
        return metrics_fn(state.params, state.model_state, batch)

    return jax.jit(eval_step) if jit else eval_step
