"""Random search: uniformly random rows of the candidate set, without repeats (up to a tiny
chance, see :func:`~jaxnas.search.problem.sample_unvisited`)."""

from __future__ import annotations

from typing import NamedTuple

import jax

from jaxnas.search import base, registry
from jaxnas.search import problem as P


class RandomSearchState(NamedTuple):
    history: P.History


@registry.register("rs")
def random_search(batch_size: int = 1, tries: int = 16) -> base.Searcher:
    """Random search proposing ``batch_size`` rows per round."""

    def init(key, problem, max_queries):
        del key
        return RandomSearchState(P.history_init(max_queries, problem.size))

    def ask(state, problem, key, step):
        del step
        h = state.history
        out = []
        for k in jax.random.split(key, batch_size):
            i = P.sample_unvisited(k, problem, h, tries)
            out.append(i)
            h = P.history_add(h, i, 0.0)  # avoid repeats within the batch
        return jax.numpy.stack(out), state

    def tell(state, problem, index, y):
        del problem
        return RandomSearchState(P.history_add(state.history, index, y))

    return base.Searcher(init, ask, tell, batch_size)


__all__ = ["RandomSearchState", "random_search"]
