"""The searcher registry: every algorithm by name from its config section."""

import jax
import numpy as np
import pytest

from jaxnas import search
from jaxnas.search import base, registry
from jaxnas.search import problem as P


def toy_problem():
    rng = np.random.default_rng(0)
    n = 64
    nb = np.stack([(np.arange(n) + s) % n for s in (1, 2, 3, 5)], 1)
    return P.make(rng.normal(size=(n, 3)), rng.uniform(size=n), neighbours=nb), None


def test_builtin_searchers_are_registered_with_their_defaults():
    assert set(registry.names()) >= {
        "rs", "rea", "ls", "reinforce", "arch2vec_rl", "dngo_bo", "gp_bo",
        "neural_predictor", "bananas", "dngo_ls",
    }  # fmt: skip
    assert registry.defaults("rea") == {
        "population_size": 20,
        "sample_size": 10,
        "avoid_repeats": False,
    }


def test_make_searcher_equals_the_factory_call():
    """Same config -> same runs as calling the factory directly (lists become tuples)."""
    prob, _ = toy_problem()
    keys = base.seed_keys(range(3))
    a = registry.make_searcher("rea", {"population_size": 10, "sample_size": 5})
    b = search.regularized_evolution(population_size=10, sample_size=5)
    ta, tb = base.run_seeds(a, prob, keys, 30), base.run_seeds(b, prob, keys, 30)
    np.testing.assert_array_equal(ta.index, tb.index)
    s = registry.make_searcher("dngo_ls", {"batch_size": 2, "ls_k": 3, "hidden": [8]})
    assert s.batch_size == 5


def test_errors_name_what_is_accepted():
    with pytest.raises(KeyError, match="unknown searcher 'nope'; registered: .*rea"):
        registry.make_searcher("nope")
    with pytest.raises(TypeError, match=r"unknown config key\(s\) \['popsize'\]"):
        registry.make_searcher("rea", {"popsize": 3})


def test_registering_a_searcher_of_ones_own():
    @registry.register("test_first_row")
    def first_row(batch_size: int = 1) -> base.Searcher:
        def ask(state, problem, key, step):
            return jax.numpy.zeros(batch_size, jax.numpy.int32), state

        return base.Searcher(lambda k, p, q: (), ask, lambda s, p, i, y: s, batch_size)

    prob, _ = toy_problem()
    traj = base.run(registry.make_searcher("test_first_row"), prob, jax.random.key(0), 4)
    assert (np.asarray(traj.index) == 0).all()
    with pytest.raises(ValueError, match="already registered"):
        registry.register("test_first_row")(lambda: None)
