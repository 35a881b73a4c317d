"""Local search (White et al. 2021, NASLib's ``LocalSearch``), over the neighbour table.

The first ``num_init`` queries are random; the search then moves to the best of them and queries
its unvisited neighbours in random order. When the current centre's neighbourhood is exhausted it
moves to the best row found since the last restart if that beats the centre, and otherwise
restarts from a random row (a local optimum was reached). Already-queried neighbours are skipped.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxnas.search import base, registry
from jaxnas.search import problem as P


class LocalSearchState(NamedTuple):
    history: P.History
    center: jax.Array  # int32 [], -1 before the first move
    center_y: jax.Array
    local_best: jax.Array  # best row since the last restart
    local_best_y: jax.Array
    pending: jax.Array  # bool: the last query was a restart point (becomes the centre)
    count: jax.Array


def _open_neighbour(key, problem, h, row):
    """A random unvisited neighbour of ``row`` and whether one exists."""
    nb = problem.neighbours[jnp.maximum(row, 0)]
    ok = (nb >= 0) & ~P.visited(h, nb) & (row >= 0)
    g = jax.random.gumbel(key, nb.shape)
    pick = jnp.argmax(jnp.where(ok, g, -jnp.inf))
    return nb[pick], ok.any()


@registry.register("ls")
def local_search(num_init: int = 1) -> base.Searcher:
    """Local search started from the best of ``num_init`` random rows."""

    def init(key, problem, max_queries):
        del key
        z = jnp.zeros((), jnp.int32)
        ninf = jnp.asarray(-jnp.inf, jnp.float32)
        return LocalSearchState(
            P.history_init(max_queries, problem.size),
            z - 1,
            ninf,
            z - 1,
            ninf,
            jnp.asarray(False),
            z,
        )

    def ask(state, problem, key, step):
        del step
        k1, k2, k3 = jax.random.split(key, 3)
        h = state.history
        here, here_ok = _open_neighbour(k1, problem, h, state.center)
        move = state.local_best_y > state.center_y
        there, there_ok = _open_neighbour(k2, problem, h, state.local_best)
        rand = P.sample_unvisited(k3, problem, h)
        in_init = state.count < num_init
        use_here = ~in_init & here_ok
        use_there = ~in_init & ~here_ok & move & there_ok
        restart = ~use_here & ~use_there
        index = jnp.where(use_here, here, jnp.where(use_there, there, rand))
        center = jnp.where(use_there, state.local_best, state.center)
        center_y = jnp.where(use_there, state.local_best_y, state.center_y)
        # A restart after the initial phase starts a new local run from the random row.
        new_run = restart & ~in_init
        state = state._replace(
            center=jnp.where(new_run, index, center),
            center_y=jnp.where(new_run, -jnp.inf, center_y),
            local_best=jnp.where(new_run, -1, state.local_best),
            local_best_y=jnp.where(new_run, -jnp.inf, state.local_best_y),
            pending=new_run,
        )
        return index[None], state

    def tell(state, problem, index, y):
        del problem
        i, v = index[0], y[0]
        better = v > state.local_best_y
        return state._replace(
            history=P.history_add(state.history, index, y),
            center_y=jnp.where(state.pending, v, state.center_y),
            local_best=jnp.where(better, i, state.local_best),
            local_best_y=jnp.where(better, v, state.local_best_y),
            pending=jnp.asarray(False),
            count=state.count + 1,
        )

    return base.Searcher(init, ask, tell, 1)


__all__ = ["LocalSearchState", "local_search"]
