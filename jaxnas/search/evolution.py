"""Regularised evolution (Real et al. 2019), as in the NB201 baselines.

The first ``population_size`` queries are random rows; afterwards each round draws
``sample_size`` members of the population without replacement, mutates the best of them (one
edit, inside the candidate set, :func:`~jaxnas.search.problem.mutate`), queries the child, adds
it to the population and removes the oldest member. By default children may repeat earlier
queries, as in the reference implementations and Real et al. (each repeat costs a query, and
on a small candidate set such as NB101-20k a good parent's few neighbours are soon all
visited). ``avoid_repeats=True`` mutates to an unvisited neighbour when one exists (else any
neighbour, else an unvisited random row).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxnas.search import base, registry
from jaxnas.search import problem as P


class EvolutionState(NamedTuple):
    history: P.History
    pop_index: jax.Array  # int32 [P]
    pop_y: jax.Array  # float32 [P]
    count: jax.Array  # int32 [], queries told so far


@registry.register("rea")
def regularized_evolution(
    population_size: int = 20, sample_size: int = 10, avoid_repeats: bool = False
) -> base.Searcher:
    """Regularised evolution with a population of ``population_size`` and tournaments of
    ``sample_size``; ``avoid_repeats`` prefers unvisited children (module docstring)."""
    if sample_size > population_size:
        raise ValueError("sample_size must not exceed population_size")

    def init(key, problem, max_queries):
        del key
        return EvolutionState(
            P.history_init(max_queries, problem.size),
            jnp.zeros(population_size, jnp.int32),
            jnp.full(population_size, -jnp.inf, jnp.float32),
            jnp.zeros((), jnp.int32),
        )

    def ask(state, problem, key, step):
        del step
        k_rand, k_tour, k_mut = jax.random.split(key, 3)
        seen = state.history.seen
        random_row = P.sample_unvisited(k_rand, problem, state.history)
        members = jax.random.choice(k_tour, population_size, (sample_size,), replace=False)
        parent = state.pop_index[members[jnp.argmax(state.pop_y[members])]]
        child = P.mutate(problem, k_mut, parent, seen if avoid_repeats else None)
        index = jnp.where(state.count < population_size, random_row, child)
        return index[None], state

    def tell(state, problem, index, y):
        del problem
        slot = state.count % population_size  # the oldest member once the population is full
        return EvolutionState(
            P.history_add(state.history, index, y),
            state.pop_index.at[slot].set(index[0]),
            state.pop_y.at[slot].set(y[0]),
            state.count + 1,
        )

    return base.Searcher(init, ask, tell, 1)


__all__ = ["EvolutionState", "regularized_evolution"]
