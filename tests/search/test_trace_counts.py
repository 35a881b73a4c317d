"""Trace counts of the jitted search run (``base.run`` / ``base.run_seeds``): a second call
with the same shapes must not retrace.

A Python counter in the traced function counts how often jax traces it (Python side effects run
at trace time only). Each test also changes a static argument or a shape once, which must
retrace, so the counter is shown to see traces at all.
"""

import jax
import numpy as np

from jaxnas import search
from jaxnas.search import base
from jaxnas.search import problem as P


def _problem(seed: int, n: int = 64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = rng.uniform(size=n).astype(np.float32)
    return P.make(x, y, test=y + 0.01)


def _counting(searcher: base.Searcher):
    count = {"ask": 0}

    def ask(state, problem, key, step):
        count["ask"] += 1
        return searcher.ask(state, problem, key, step)

    return base.Searcher(searcher.init, ask, searcher.tell, searcher.batch_size), count


def test_run_seeds_traces_once_per_shape():
    s, count = _counting(search.random_search())
    traj = base.run_seeds(s, _problem(0), base.seed_keys(range(4)), 10)
    jax.block_until_ready(traj)
    assert count["ask"] == 1
    # Other seeds, another problem with the same shapes: the compiled run is reused.
    base.run_seeds(s, _problem(1), base.seed_keys(range(4, 8)), 10)
    base.run_seeds(s, _problem(0), base.seed_keys(range(4)), 10)
    assert count["ask"] == 1
    # A new static budget retraces (the counter does see traces).
    base.run_seeds(s, _problem(0), base.seed_keys(range(4)), 12)
    assert count["ask"] == 2


def test_jitted_run_traces_once_per_shape():
    s, count = _counting(search.regularized_evolution(population_size=5, sample_size=3))
    run = jax.jit(base.run, static_argnums=(0, 3))
    a = run(s, _problem(0), jax.random.key(0), 12)
    b = run(s, _problem(1), jax.random.key(1), 12)
    jax.block_until_ready((a, b))
    assert count["ask"] == 1
    run(s, _problem(0, n=80), jax.random.key(0), 12)  # another candidate count: new shapes
    assert count["ask"] == 2
