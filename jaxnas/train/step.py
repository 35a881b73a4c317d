"""One generic jitted training step, shared by every model (arch2vec, CATE, predictors), and a
block of such steps per compiled call (:func:`make_block_step`), optionally data-parallel.

Why blocks: a small model's step (arch2vec at batch 32: ~0.18 GFLOP, ~2 ms of compute on two CPU
cores) pays a dispatch per call -- flattening the ~150-leaf state, launching the executable,
returning metrics -- that costs as much as the step. ``lax.scan`` over ``K`` pre-gathered
batches (one host-to-device transfer of ``[K, B, ...]``) pays it once per ``K`` steps; the state
is donated, the metrics stay on device as ``[K]`` arrays until the loop logs them. Each step of
the scan is the same function as :func:`make_train_step`'s, with the same key
(``fold_in(rng, state.step)``), so a block of steps gives the step-by-step parameters within
float tolerance (``tests/train/test_train.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxnas import mesh as mesh_lib
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


def make_block_step(
    loss_fn: LossFn,
    tx: optax.GradientTransformation,
    mesh: Mesh | None = None,
):
    """Builds ``block_step(state, batches, rng) -> (state, metrics)``: ``K`` train steps of
    :func:`make_train_step` in one compiled call.

    Args:
      loss_fn: as for :func:`make_train_step`.
      tx: the optimiser.
      mesh: a :func:`jaxnas.mesh.make_mesh` mesh for data parallelism: the batch axis (axis 1 of
        every batch leaf, ``[K, B, ...]``) is split over :data:`jaxnas.mesh.DATA`, the state and
        the metrics are replicated (``jit`` in/out shardings; XLA inserts the all-reduces of
        batch means, batch-norm statistics and gradients). ``B`` must be a multiple of the
        number of devices. ``None``: no shardings (single device).

    Returns:
      ``block_step(state, batches, rng)``: ``batches`` is a batch pytree with a leading block
      axis ``K`` (any ``K >= 1``; each distinct ``K`` compiles once); returns the state after
      ``K`` steps (the input state is donated) and ``metrics``, a dict of ``[K]`` arrays.
      ``rng`` is a key, or its raw ``jax.random.key_data``.
    """
    step = make_train_step(loss_fn, tx, jit=False)

    def block_step(state: TrainState, batches, rng: jax.Array):
        if not jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key):
            rng = jax.random.wrap_key_data(rng)  # raw key data (as fit places it on a mesh)
        return jax.lax.scan(lambda st, batch: step(st, batch, rng), state, batches)

    if mesh is None:
        return jax.jit(block_step, donate_argnums=0)
    rep = mesh_lib.replicated(mesh)
    return jax.jit(
        block_step,
        in_shardings=(rep, block_sharding(mesh), rep),
        out_shardings=(rep, rep),
        donate_argnums=0,
    )


def data_parallel_mesh(batch_size: int) -> Mesh | None:
    """A :func:`jaxnas.mesh.make_mesh` mesh over every device for :func:`make_block_step`, or
    ``None`` with a single device in a single process (nothing to shard). Raises when
    ``batch_size`` is not a multiple of the number of devices."""
    if jax.device_count() == 1 and jax.process_count() == 1:
        return None
    mesh = mesh_lib.make_mesh()
    k = mesh_lib.num_shards(mesh)
    if batch_size % k:
        raise ValueError(
            f"data-parallel training: batch size {batch_size} is not a multiple of the {k} "
            "devices; change the batch size or the devices"
        )
    return mesh


def block_sharding(mesh: Mesh) -> NamedSharding:
    """``[K, B, ...]`` blocks of batches: ``B`` split over :data:`jaxnas.mesh.DATA`."""
    return NamedSharding(mesh, PartitionSpec(None, mesh_lib.DATA))


def put_block(batches, mesh: Mesh | None):
    """Places a host block of batches (leaves ``[K, B, ...]``) for :func:`make_block_step`:
    ``B`` split over ``mesh`` (:func:`jaxnas.mesh.put`, so multi-host too), or on the default
    device."""
    if mesh is None:
        return jax.device_put(batches)
    return mesh_lib.put(batches, block_sharding(mesh))


def make_eval_step(metrics_fn: Callable[[Any, Any, Any], dict], jit: bool = True):
    """Builds ``eval_step(state, batch) -> metrics`` from ``metrics_fn(params, model_state,
    batch)``."""

    def eval_step(state: TrainState, batch):
        return metrics_fn(state.params, state.model_state, batch)

    return jax.jit(eval_step) if jit else eval_step
