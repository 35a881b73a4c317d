"""A generic training loop: deterministic batches, periodic logs, checkpoints and resume; one
step per call, or blocks of steps per compiled call (optionally data-parallel over a mesh)."""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

from jaxnas import mesh as mesh_lib
from jaxnas.train import checkpoint
from jaxnas.train import step as step_lib
from jaxnas.train.state import TrainState

log = logging.getLogger("jaxnas.train")


def epoch_permutation(key: jax.Array, num_examples: int, epoch: int) -> np.ndarray:
    """The example order of ``epoch`` (a pure function of key and epoch, so resumable)."""
    return np.asarray(jax.random.permutation(jax.random.fold_in(key, epoch), num_examples))


@functools.lru_cache(maxsize=4)
def _cached_permutation(key_bytes: bytes, key_dtype: str, num_examples: int, epoch: int):
    key = np.frombuffer(key_bytes, dtype=key_dtype)
    perm = epoch_permutation(jax.numpy.asarray(key), num_examples, epoch)
    perm.setflags(write=False)
    return perm


def batch_indices(key: jax.Array, num_examples: int, batch_size: int, step: int) -> np.ndarray:
    """Indices of the examples of global ``step`` (drop-last epochs of shuffled data)."""
    per_epoch = num_examples // batch_size
    if per_epoch == 0:
        raise ValueError(f"batch size {batch_size} exceeds the {num_examples} examples")
    epoch, i = divmod(int(step), per_epoch)
    # The permutation of an epoch is drawn once and cached (drawing it costs ~0.3 s for the
    # 423,624 NB101 cells, far more than a train step).
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    raw = np.asarray(key)
    perm = _cached_permutation(raw.tobytes(), raw.dtype.str, int(num_examples), epoch)
    return perm[i * batch_size : (i + 1) * batch_size]


def fit(
    state: TrainState,
    train_step: Callable,
    get_batch: Callable[[int], Any],
    num_steps: int,
    rng: jax.Array,
    *,
    workdir: str | os.PathLike | None = None,
    config: dict | None = None,
    checkpoint_every: int = 1000,
    log_every: int = 100,
    eval_fn: Callable[[TrainState], dict] | None = None,
    eval_every: int = 0,
    examples_per_step: int = 1,
    steps_per_call: int | None = None,
    get_block: Callable[[np.ndarray], Any] | None = None,
    boundaries: Sequence[int] = (),
    mesh: Mesh | None = None,
) -> tuple[TrainState, list[dict]]:
    """Runs ``train_step`` until ``state.step == num_steps``.

    Args:
      state: the initial state (replaced by the latest checkpoint in ``workdir`` if any).
      train_step: from :func:`jaxnas.train.step.make_train_step` (``steps_per_call=None``), or a
        block step from :func:`jaxnas.train.step.make_block_step` (``steps_per_call=K``).
      get_batch: ``step -> batch``; must be a pure function of the step so resuming is exact
        (see :func:`batch_indices`).
      num_steps: total number of steps.
      rng: the run's key (folded with the step inside ``train_step``).
      workdir: where checkpoints (with ``config``) and ``metrics.jsonl`` go; ``None`` keeps
        everything in memory.
      config: JSON-able model/training config saved with every checkpoint.
      checkpoint_every: steps between checkpoints (and one at the end).
      log_every: steps between log lines (loss, steps/s, examples/s).
      eval_fn: optional ``state -> metrics`` run every ``eval_every`` steps and at the end.
      eval_every: 0 for the end only.
      examples_per_step: for the throughput in the logs.
      steps_per_call: ``None``: ``train_step(state, batch, rng)`` takes one step. ``K >= 1``:
        ``train_step(state, batches, rng)`` takes one step per leading entry of ``batches`` (at
        most ``K``; a block ends early at every log, checkpoint, eval and ``boundaries`` step, so
        logs, checkpoints and resume are those of the step-by-step loop).
      get_block: ``steps int [k] -> batches`` with a leading axis ``k`` (default: the
        ``get_batch`` of each step, stacked).
      boundaries: steps a block must end at (e.g. where the caller switches ``train_step``'s
        regime).
      mesh: with a block step built for this mesh: the state is replicated over it and each
        block's batch axis split over :data:`jaxnas.mesh.DATA` before the call. Only the primary
        process (:func:`jaxnas.mesh.is_primary`) writes ``metrics.jsonl``; every process takes
        part in the (orbax multi-host) checkpoints.

    Returns:
      ``(state, history)``; history rows are the logged means (and eval metrics).
    """
    mgr = checkpoint.manager(workdir) if workdir is not None else None
    history: list[dict] = []
    metrics_path = (
        os.path.join(os.fspath(workdir), "metrics.jsonl")
        if workdir and mesh_lib.is_primary()
        else None
    )
    if mesh is not None:
        state = mesh_lib.replicate(state, mesh)
        rng = mesh_lib.replicate(jax.random.key_data(rng), mesh)
    if steps_per_call is not None and get_block is None:

        def get_block(steps):
            batches = [get_batch(int(s)) for s in steps]
            return jax.tree.map(lambda *xs: np.stack(xs), *batches)

    try:
        if mgr is not None:
            restored, _ = checkpoint.restore(mgr, state)
            if restored is not None:
                state = restored
                log.info("resumed from step %d in %s", int(state.step), workdir)
        start = int(state.step)
        acc: dict[str, list] = {}
        t0, s0 = time.perf_counter(), start
        ends = [log_every, checkpoint_every] + ([eval_every] if eval_every else [])
        step = start
        while step < num_steps:
            if steps_per_call is None:
                state, m = train_step(state, get_batch(step), rng)
                done = step + 1
            else:
                done = _block_end(step, num_steps, steps_per_call, ends, boundaries)
                block = step_lib.put_block(get_block(np.arange(step, done)), mesh)
                state, m = train_step(state, block, rng)
            step = done
            for k, v in m.items():
                acc.setdefault(k, []).append(v)
            row = None
            if done % log_every == 0 or done == num_steps:
                row = {
                    k: float(np.mean(np.concatenate([np.atleast_1d(x) for x in jax.device_get(v)])))
                    for k, v in acc.items()
                }
                # After the device_get above, which waits for the dispatched steps to finish.
                dt = max(time.perf_counter() - t0, 1e-9)
                row.update(
                    step=done,
                    steps_per_s=(done - s0) / dt,
                    examples_per_s=(done - s0) * examples_per_step / dt,
                )
                acc, t0, s0 = {}, time.perf_counter(), done
            if eval_fn is not None and (
                (eval_every and done % eval_every == 0) or done == num_steps
            ):
                row = row or {"step": done}
                row.update({f"eval_{k}": float(v) for k, v in eval_fn(state).items()})
            if row is not None:
                history.append(row)
                log.info(
                    "step %d/%d %s",
                    done,
                    num_steps,
                    " ".join(f"{k}={v:.4g}" for k, v in row.items() if k != "step"),
                )
                if metrics_path:
                    with open(metrics_path, "a") as f:
                        f.write(json.dumps(row) + "\n")
            if mgr is not None and (done % checkpoint_every == 0 or done == num_steps):
                checkpoint.save(mgr, done, state, config or {})
    finally:
        if mgr is not None:
            mgr.close()
    return state, history



def fit_config(
    state: TrainState,
    train_step: Callable,
    get_batch: Callable[[int], Any],
    num_steps: int,
    rng: jax.Array,
    config,
    *,
    workdir: str | os.PathLike | None,
    saved_config: dict | None = None,
    **kwargs,
) -> tuple[TrainState, list[dict], dict]:
    """:func:`fit` driven by a training config's common fields, timed.

    Stops at ``config.stop_at_step`` when it is > 0 (a later run with the same ``workdir``
    resumes), checkpoints every ``config.checkpoint_every`` steps, logs every
    ``config.log_every``, counts ``config.batch_size`` examples per step; ``kwargs`` go to
    :func:`fit` and override those. Returns ``(state, history, info)`` with ``info`` the step this
    invocation resumed from (``start_step``), the steps it ran and its wall seconds.
    """
    stop_at = int(getattr(config, "stop_at_step", 0) or 0)
    stop = min(stop_at, num_steps) if stop_at else num_steps
    start = 0
    if workdir is not None:
        mgr = checkpoint.manager(workdir)
        try:
            start = int(mgr.latest_step() or 0)
        finally:
            mgr.close()
    opts = {
        "checkpoint_every": config.checkpoint_every,
        "log_every": config.log_every,
        "examples_per_step": config.batch_size,
        **kwargs,
    }
    t0 = time.perf_counter()
    state, history = fit(
        state, train_step, get_batch, stop, rng, workdir=workdir, config=saved_config, **opts
    )
    seconds = time.perf_counter() - t0
    info = {"start_step": start, "steps_run": int(state.step) - start, "seconds": seconds}
    return state, history, info


def runtime_info(steps_per_call: int | None = None) -> dict:
    """What a results file records about where it ran: backend, devices, processes."""
    return {
        "backend": jax.default_backend(),
        "devices": {
            "count": jax.device_count(),
            "processes": jax.process_count(),
            "steps_per_call": steps_per_call or 1,
        },
    }

def _block_end(
    step: int, num_steps: int, size: int, every: Sequence[int], boundaries: Sequence[int]
) -> int:
    """The step a block starting at ``step`` ends at: at most ``size`` steps, never past
    ``num_steps``, the next multiple of any of ``every``, or any of ``boundaries``."""
    end = min(num_steps, step + max(int(size), 1))
    for e in every:
        if e > 0:
            end = min(end, (step // e + 1) * e)
    for b in boundaries:
        if step < b < end:
            end = int(b)
    return end
