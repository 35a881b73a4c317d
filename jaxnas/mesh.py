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

import contextlib
from collections.abc import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

DATA = "data"


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    auto: bool = False,
) -> None:
    """``jax.distributed.initialize`` when a multi-process run is asked for; else nothing.

    Call it before anything touches devices (``jax.devices()``, any computation).

    Args:
      coordinator_address: ``host:port`` of process 0's coordinator service.
      num_processes, process_id: this run's process count and this process's index.
      auto: call ``jax.distributed.initialize()`` with no arguments, letting JAX detect
        everything (Cloud TPU pod slices, SLURM, Open MPI); the three others must be None.

    With all three ``None`` and ``auto`` False this is a no-op (one host, one process).
    CPU processes talk through gloo collectives (jax's default
    ``jax_cpu_collectives_implementation``), set here explicitly.
    """
    if auto:
        if coordinator_address or num_processes or process_id is not None:
            raise ValueError("initialize: auto=True takes no other argument")
        jax.distributed.initialize()
        return
    if coordinator_address is None and num_processes is None and process_id is None:
        return
    if num_processes is not None and num_processes <= 1 and coordinator_address is None:
        return
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
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


def put(tree, sharding: NamedSharding):
    """Place every leaf with ``sharding``; multi-process too.

    With a fully addressable sharding (one process) this is ``jax.device_put``. Otherwise every
    process must pass the same host value; each process fills its own devices' shards from it
    (``jax.make_array_from_callback``), giving one global array. PRNG key arrays are not
    accepted here (place ``jax.random.key_data`` and wrap inside the jitted function).
    """
    if sharding.is_fully_addressable:
        return jax.device_put(tree, sharding)

    def one(x):
        a = np.asarray(x)
        return jax.make_array_from_callback(a.shape, sharding, lambda idx: a[idx])

    return jax.tree_util.tree_map(one, tree)


def shard_leading(tree, mesh: Mesh):
    """Place every leaf with its leading axis split over :data:`DATA` (multi-process too).

    The leading axis must be a multiple of :func:`num_shards` (see :func:`pad_leading`).
    """
    k = num_shards(mesh)
    for x in jax.tree_util.tree_leaves(tree):
        if x.shape[0] % k:
            raise ValueError(
                f"shard_leading: leading axis {x.shape[0]} is not a multiple of the {k} devices "
                "of the mesh; pad it with jaxnas.mesh.pad_leading"
            )
    return put(tree, data_sharding(mesh))


def replicate(tree, mesh: Mesh):
    """Place every leaf whole on every device of ``mesh`` (multi-process too)."""
    return put(tree, replicated(mesh))


def to_host(tree):
    """NumPy copies of every leaf, on every process: global arrays that span several processes
    are all-gathered (``multihost_utils.process_allgather``), the others copied."""

    def one(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            return np.asarray(multihost_utils.process_allgather(x, tiled=True))
        return np.asarray(x)

    return jax.tree_util.tree_map(one, tree)


_CANDIDATE_MESH: list[Mesh] = []


@contextlib.contextmanager
def sharding_candidates(mesh: Mesh) -> Iterator[None]:
    """While tracing inside this context, :func:`shard_candidates` splits candidate axes over
    ``mesh``'s :data:`DATA` axis. Enter it inside the jitted function (its trace), so the
    choice is part of what the function was compiled for."""
    _CANDIDATE_MESH.append(mesh)
    try:
        yield
    finally:
        _CANDIDATE_MESH.pop()


def shard_candidates(x: jax.Array, axis: int = 0) -> jax.Array:
    """``x`` with axis ``axis`` (candidates, e.g. the ``[N]`` pool of BO) constrained to be split
    over :data:`DATA` when traced inside :func:`sharding_candidates`; otherwise ``x`` itself.

    A sharding constraint only: the values are those of the unsharded computation, XLA
    partitions the work (an uneven ``N`` is padded internally). Under ``vmap`` the mapped axes
    stay whole.
    """
    if not _CANDIDATE_MESH:
        return x
    spec = [None] * x.ndim
    spec[axis] = DATA
    return jax.lax.with_sharding_constraint(
        x, NamedSharding(_CANDIDATE_MESH[-1], PartitionSpec(*spec))
    )


def is_primary() -> bool:
    """Whether this process writes results and checkpoints (process 0)."""
    return jax.process_index() == 0


def is_multiprocess() -> bool:
    """Whether this run spans several processes (``jax.distributed`` initialised)."""
    return jax.process_count() > 1


__all__ = [
    "DATA",
    "data_sharding",
    "initialize",
    "is_multiprocess",
    "is_primary",
    "make_mesh",
    "num_shards",
    "pad_leading",
    "put",
    "replicate",
    "replicated",
    "shard_candidates",
    "shard_leading",
    "sharding_candidates",
    "to_host",
]
