"""One device mesh for the whole library: a single ``data`` axis over every device.

Everything that scales out (seeds of a search, BO candidates, pretraining batches, DARTS
training batches) shards its leading axis over ``DATA`` and replicates the rest. On one CPU
device every helper here is the identity in effect: the same arrays, the same results.

Multi-host: call :func:`initialize` first in every process (the binaries do it from their
``--coordinator_address`` / ``--num_processes`` / ``--process_id`` flags; on Cloud TPU all three
are auto-detected), then build the mesh; ``jax.devices()`` then lists every process's devices and
:func:`is_primary` tells the one process that writes results and checkpoints.

Usage::

    mesh = jaxnas.mesh.make_mesh()
    keys = jaxnas.mesh.shard_leading(keys, mesh)     # [R] split over devices
    params = jaxnas.mesh.replicate(params, mesh)

Shapes: a leading axis must be a multiple of :func:`num_shards`; :func:`pad_leading` pads it
(repeating the last row) and returns the true length so callers can cut the padding off.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

DATA = "data"


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
) -> None:
    """``jax.distributed.initialize`` when a multi-process run is asked for; else nothing.

    With all three arguments ``None`` this is a no-op on a single host (and leaves Cloud TPU
    pods, where JAX auto-detects them, to an explicit ``jax.distributed.initialize()``).
    """
    if coordinator_address is None and num_processes is None and process_id is None:
        return
    if num_processes is not None and num_processes <= 1 and coordinator_address is None:
        return
    jax.distributed.initialize(
        coordinator_address=coordinator_address,
        num_processes=num_processes,
        process_id=process_id,
    )


def make_mesh(devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh with axis :data:`DATA` over ``devices`` (default: every device of every
    process, in ``jax.devices()`` order)."""
    devs = list(jax.devices() if devices is None else devices)
    if not devs:
        raise ValueError("make_mesh: no devices")
    return Mesh(np.asarray(devs, dtype=object), (DATA,))


def num_shards(mesh: Mesh) -> int:
    """Number of devices along :data:`DATA`."""
    return int(mesh.shape[DATA])


def data_sharding(mesh: Mesh) -> NamedSharding:
    """Leading axis split over :data:`DATA`, the other axes whole."""
    return NamedSharding(mesh, PartitionSpec(DATA))


def replicated(mesh: Mesh) -> NamedSharding:
    """Every device holds the whole array."""
    return NamedSharding(mesh, PartitionSpec())


def pad_leading(tree, multiple: int):
    """Pad every leaf's leading axis to a multiple of ``multiple`` by repeating its last row.

    Returns ``(padded_tree, n)`` with ``n`` the original length (all leaves must share it).
    """
    leaves = jax.tree_util.tree_leaves(tree)
    if not leaves:
        return tree, 0
    n = int(leaves[0].shape[0])
    if any(int(x.shape[0]) != n for x in leaves):
        raise ValueError("pad_leading: leaves disagree on the leading axis length")
    if n == 0:
        raise ValueError("pad_leading: empty leading axis")
    extra = (-n) % multiple
    if extra == 0:
        return tree, n

    def pad(x):
        tail = jnp.repeat(x[-1:], extra, axis=0) if isinstance(x, jax.Array) else np.repeat(
            np.asarray(x)[-1:], extra, axis=0
        )
        return (jnp if isinstance(x, jax.Array) else np).concatenate([x, tail], axis=0)

    return jax.tree_util.tree_map(pad, tree), n


def shard_leading(tree, mesh: Mesh):
    """Place every leaf with its leading axis split over :data:`DATA`.

    The leading axis must be a multiple of :func:`num_shards` (see :func:`pad_leading`).
    """
    k = num_shards(mesh)
    for x in jax.tree_util.tree_leaves(tree):
        if x.shape[0] % k:
            raise ValueError(
                f"shard_leading: leading axis {x.shape[0]} is not a multiple of the {k} devices "
                "of the mesh; pad it with jaxnas.mesh.pad_leading"
            )
    return jax.device_put(tree, data_sharding(mesh))


def replicate(tree, mesh: Mesh):
    """Place every leaf whole on every device of ``mesh``."""
    return jax.device_put(tree, replicated(mesh))


def is_primary() -> bool:
    """Whether this process writes results and checkpoints (process 0)."""
    return jax.process_index() == 0


__all__ = [
    "DATA",
    "data_sharding",
    "initialize",
    "is_primary",
    "make_mesh",
    "num_shards",
    "pad_leading",
    "replicate",
    "replicated",
    "shard_leading",
]
