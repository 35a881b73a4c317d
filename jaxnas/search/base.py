"""The ``(init, ask, tell)`` search interface and the runner that scans it (vmapped over seeds).

A :class:`Searcher` is three pure functions over an explicit state (optax style)::

    state = searcher.init(key, problem, max_queries)
    index, state = searcher.ask(state, problem, key, step)   # index: int32 [B]
    state = searcher.tell(state, problem, index, y)          # y: float32 [B]

``B = searcher.batch_size`` rows are proposed per round; ``step`` is the round number (the same
for every seed, so a ``lax.cond`` on it stays a real branch under ``vmap``). :func:`run` makes a
whole search one ``lax.scan`` of ``ceil(num_queries / B)`` rounds and records, per query, the row,
its objective, test value and cost, and the incumbent (best objective so far and the test value
of that incumbent). :func:`run_seeds` is ``jit(vmap(run))`` over PRNG keys; with several
devices (or processes) it splits the seed axis over the :mod:`jaxnas.mesh` mesh (or, with
``shard='candidates'``, the BO candidate pool), giving the same values as one device. Budgets in
simulated seconds are applied afterwards with :func:`at_budgets`, on the cumulative cost.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec

from jaxnas import mesh as jmesh
from jaxnas.search import problem as P


class Searcher(NamedTuple):
    init: Callable
    ask: Callable
    tell: Callable
    batch_size: int = 1


class Trajectory(NamedTuple):
    """Per-query record of a run (leading ``[seeds]`` axis after :func:`run_seeds`).

    Attributes:
      index: ``int32 [Q]`` queried rows, in order.
      y: ``[Q]`` objective of each query; test: ``[Q]`` its test value; cost: ``[Q]``.
      best_y: ``[Q]`` incumbent objective after each query.
      best_test: ``[Q]`` test value of the incumbent.
      best_index: ``int32 [Q]`` incumbent row.
      cum_cost: ``[Q]`` cumulative cost.
      fidelity: ``int [Q]`` epoch each query trained to, for multi-fidelity runs
        (:func:`jaxnas.search.multifidelity.run`; 0 on padding); None for single-fidelity ones.
    """

    index: jax.Array
    y: jax.Array
    test: jax.Array
    cost: jax.Array
    best_y: jax.Array
    best_test: jax.Array
    best_index: jax.Array
    cum_cost: jax.Array
    fidelity: jax.Array | None = None


def num_rounds(searcher: Searcher, num_queries: int) -> int:
    return -(-num_queries // searcher.batch_size)


def incumbent(index, y, test):
    """Best-so-far objective, its test value and row, along the last axis of ``[..., Q]``."""

    def step(carry, xs):
        by, bt, bi = carry
        i, v, t = xs
        better = v > by
        new = (jnp.where(better, v, by), jnp.where(better, t, bt), jnp.where(better, i, bi))
        return new, new

    lead = y.shape[:-1]
    init = (
        jnp.full(lead, -jnp.inf, y.dtype),
        jnp.full(lead, jnp.nan, test.dtype),
        jnp.full(lead, -1, index.dtype),
    )
    moved = [jnp.moveaxis(a, -1, 0) for a in (index, y, test)]
    _, (by, bt, bi) = jax.lax.scan(step, init, tuple(moved))
    return tuple(jnp.moveaxis(a, 0, -1) for a in (by, bt, bi))


def run(searcher: Searcher, problem: P.Problem, key: jax.Array, num_queries: int) -> Trajectory:
    """One search run of exactly ``num_queries`` queries (the last round may be cut short).

    Args:
      searcher: the algorithm.
      problem: the candidate set and objective.
      key: PRNG key of the run (the seed).
      num_queries: static budget in queries (for a budget in seconds pass an upper bound on
        the queries and cut with :func:`at_budgets`).

    Returns:
      :class:`Trajectory` with ``[num_queries]`` arrays.
    """
    rounds = num_rounds(searcher, num_queries)
    b = searcher.batch_size
    k_init, k_run = jax.random.split(key)
    state = searcher.init(k_init, problem, rounds * b)

    def body(state, step):
        k_ask, k_eval = jax.random.split(jax.random.fold_in(k_run, step))
        index, state = searcher.ask(state, problem, k_ask, step)
        y, test, cost = P.evaluate(problem, index, k_eval)
        state = searcher.tell(state, problem, index, y)
        return state, (index, y, test, cost)

    _, (index, y, test, cost) = jax.lax.scan(body, state, jnp.arange(rounds))
    index, y, test, cost = (a.reshape(-1)[:num_queries] for a in (index, y, test, cost))
    by, bt, bi = incumbent(index, y, test)
    return Trajectory(index, y, test, cost, by, bt, bi, jnp.cumsum(cost))


@functools.partial(jax.jit, static_argnums=(0, 3))
def _run_vmapped(searcher, problem, keys, num_queries):
    return jax.vmap(lambda k: run(searcher, problem, k, num_queries))(keys)


@functools.partial(jax.jit, static_argnums=(0, 3, 4, 5, 6))
def _run_sharded(searcher, problem, raw_keys, num_queries, mesh, shard, impl):
    def local(raw, prob):
        keys = jax.random.wrap_key_data(raw, impl=impl)
        return jax.vmap(lambda k: run(searcher, prob, k, num_queries))(keys)

    if shard == "seeds":
        # Each device runs its own seeds with no communication (a scan's carry is
        # device-varying, hence check_vma=False).
        return jax.shard_map(
            local,
            mesh=mesh,
            in_specs=(PartitionSpec(jmesh.DATA), PartitionSpec()),
            out_specs=PartitionSpec(jmesh.DATA),
            check_vma=False,
        )(raw_keys, problem)
    with jmesh.sharding_candidates(mesh):
        return local(raw_keys, problem)


SHARD_AXES = ("seeds", "candidates")


def run_seeds(
    searcher: Searcher,
    problem: P.Problem,
    keys: jax.Array,
    num_queries: int,
    mesh: jax.sharding.Mesh | None = None,
    shard: str = "seeds",
) -> Trajectory:
    """``run`` for every key of ``keys [R]`` at once (``jit(vmap)``); arrays ``[R, Q]``.

    Args:
      searcher, problem, num_queries: as for :func:`run`.
      keys: PRNG keys ``[R]`` (:func:`seed_keys`).
      mesh: devices to spread the work over (default :func:`jaxnas.mesh.make_mesh`: every
        device of every process). With one device in one process this is plain
        ``jit(vmap(run))``.
      shard: ``'seeds'``: the keys are padded to a multiple of the device count (repeating the
        last key), split over the mesh's ``data`` axis with a ``NamedSharding``, each device
        runs its seeds under ``shard_map``, the padding is cut. ``'candidates'``: every device
        holds every seed and the BO pool scoring (:mod:`jaxnas.search.bayesopt`,
        ``candidates='all'``) is split over the devices -- for few seeds on a large pool.

    Returns:
      :class:`Trajectory` ``[R, Q]`` -- the values of the one-device run for the same keys.
      In a multi-process run every process gets NumPy copies of all ``R`` rows.
    """
    if shard not in SHARD_AXES:
        raise ValueError(f"shard must be one of {SHARD_AXES}, got {shard!r}")
    mesh = jmesh.make_mesh() if mesh is None else mesh
    multi = jmesh.is_multiprocess()
    if jmesh.num_shards(mesh) == 1 and not multi:
        return _run_vmapped(searcher, problem, keys, num_queries)
    impl = str(jax.random.key_impl(keys))
    raw = np.asarray(jax.random.key_data(keys))
    if shard == "seeds":
        raw, r = jmesh.pad_leading(raw, jmesh.num_shards(mesh))
        raw = jmesh.shard_leading(raw, mesh)
    else:
        r = raw.shape[0]
        raw = jmesh.replicate(raw, mesh)
    prob = jmesh.replicate(jmesh.to_host(problem) if multi else problem, mesh)
    out = _run_sharded(searcher, prob, raw, num_queries, mesh, shard, impl)
    if multi:
        return jax.tree.map(lambda a: a[:r], jmesh.to_host(out))
    return jax.tree.map(lambda a: a[:r], out)


def seed_keys(seeds) -> jax.Array:
    """PRNG keys ``[R]`` of integer seeds (``jax.random.key(seed)`` each)."""
    return jax.vmap(jax.random.key)(jnp.asarray(np.asarray(seeds), jnp.uint32))


def at_budgets(traj: Trajectory, budgets) -> dict[str, np.ndarray]:
    """Incumbent at each cost budget: the best among queries whose cumulative cost fits.

    Args:
      traj: a trajectory (``[Q]`` or ``[R, Q]``).
      budgets: ``[G]`` increasing budgets (seconds, or queries with ``cost_model='queries'``).

    Returns:
      ``best_y``, ``best_test`` ``[..., G]`` (NaN before the first query fits) and ``exhausted``
      ``[...]``: whether the run's total cost reached the last budget (if not, the run was too
      short to spend it and the last values are lower bounds).
    """
    cum = np.asarray(traj.cum_cost)
    by, bt = np.asarray(traj.best_y), np.asarray(traj.best_test)
    budgets = np.asarray(budgets, np.float64)
    lead = cum.shape[:-1]
    cum2, by2, bt2 = (a.reshape(-1, a.shape[-1]) for a in (cum, by, bt))
    pos = np.stack([np.searchsorted(c, budgets, side="right") - 1 for c in cum2])
    ok = pos >= 0
    rows = np.arange(len(cum2))[:, None]
    out_y = np.where(ok, by2[rows, np.maximum(pos, 0)], np.nan)
    out_t = np.where(ok, bt2[rows, np.maximum(pos, 0)], np.nan)
    return {
        "best_y": out_y.reshape(*lead, -1),
        "best_test": out_t.reshape(*lead, -1),
        "exhausted": (cum2[:, -1] >= budgets[-1]).reshape(lead),
    }


__all__ = [
    "SHARD_AXES",
    "Searcher",
    "Trajectory",
    "at_budgets",
    "incumbent",
    "num_rounds",
    "run",
    "run_seeds",
    "seed_keys",
]
