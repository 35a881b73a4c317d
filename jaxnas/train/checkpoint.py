"""Orbax checkpoints that keep the model config beside the parameters."""

from __future__ import annotations

import os
from typing import Any

import orbax.checkpoint as ocp


def manager(workdir: str | os.PathLike, max_to_keep: int = 2) -> ocp.CheckpointManager:
    """A checkpoint manager over ``<workdir>/checkpoints``."""
    path = os.path.abspath(os.path.join(os.fspath(workdir), "checkpoints"))
    return ocp.CheckpointManager(
        path, options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True)
    )


def save(mgr: ocp.CheckpointManager, step: int, state: Any, config: dict) -> None:
    """Saves ``state`` (any pytree) and ``config`` (JSON-able dict) at ``step``; waits."""
    mgr.save(
        int(step),
        args=ocp.args.Composite(
            state=ocp.args.StandardSave(state), config=ocp.args.JsonSave(config)
        ),
        force=True,
    )
    mgr.wait_until_finished()


def restore(mgr: ocp.CheckpointManager, template: Any, step: int | None = None):
    """Restores ``(state, config)`` at ``step`` (default latest), or ``(None, None)`` if there
    is no checkpoint. ``template`` gives the pytree structure, shapes and dtypes."""
    step = mgr.latest_step() if step is None else step
    if step is None:
        return None, None
    r = mgr.restore(
        step,
        args=ocp.args.Composite(
            state=ocp.args.StandardRestore(template), config=ocp.args.JsonRestore()
        ),
    )
    return r["state"], r["config"]


def read_config(workdir: str | os.PathLike, step: int | None = None) -> dict:
    """The model config saved with the latest (or given) checkpoint in ``workdir``."""
    mgr = manager(workdir)
    try:
        step = mgr.latest_step() if step is None else step
        if step is None:
            raise FileNotFoundError(f"no checkpoint in {os.fspath(workdir)}/checkpoints")
        return mgr.restore(step, args=ocp.args.Composite(config=ocp.args.JsonRestore()))["config"]
    finally:
        mgr.close()
