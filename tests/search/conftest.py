"""Helpers shared by the tests of this folder (moved here from test_search.py,
which another test imported)."""

import itertools
import math

import numpy as np

from jaxnas.search import base
from jaxnas.search import problem as P

E, V = 4, 4  # 256 rows


def toy_problem(seed=0, cost=None):
    rng = np.random.default_rng(seed)
    choices = np.array(list(itertools.product(range(V), repeat=E)), np.int32)
    perm = rng.permutation(len(choices))  # rows in a shuffled order, as NB201's
    choices = choices[perm]
    table = rng.normal(size=(E, V))
    y = table[np.arange(E), choices].sum(1) + 0.1 * rng.normal(size=len(choices))
    y = (y - y.min()) / (y.max() - y.min())
    code = choices @ (V ** np.arange(E - 1, -1, -1))
    row_of = np.empty(V**E, np.int64)
    row_of[code] = np.arange(len(choices))
    nbs = []
    for e in range(E):
        for s in range(1, V):
            c = choices.copy()
            c[:, e] = (c[:, e] + s) % V
            nbs.append(row_of[c @ (V ** np.arange(E - 1, -1, -1))])
    x = np.eye(V, dtype=np.float32)[choices].reshape(len(choices), -1)
    prob = P.make(
        x, y, test=y + 0.01, cost=cost, neighbours=np.stack(nbs, 1), choices=choices, num_options=V
    )
    return prob, y


def check_run(searcher_, name, q=43, seeds=8):
    """Runs ``seeds`` seeds of ``q`` queries on the toy; checks the space, the budget, the
    incumbent, and that every method but RS / REINFORCE beats random search's exact expected
    regret (local search and the model-based methods usually find the optimum)."""
    prob, y = toy_problem()
    traj = base.run_seeds(searcher_, prob, base.seed_keys(range(seeds)), q)
    _check(traj, prob, y, name, q, seeds)
    return traj


def rs_expected_best(y, k):
    """Exact E[max of k draws without replacement] of the values ``y``."""
    ranked, n = np.sort(y), len(y)
    # P(max = j-th smallest) = C(j-1, k-1) / C(n, k).
    return sum(ranked[j - 1] * math.comb(j - 1, k - 1) for j in range(k, n + 1)) / math.comb(n, k)


def _check(traj, prob, y, name, q, seeds):
    idx = np.asarray(traj.index)
    assert idx.shape == (seeds, q) and traj.best_y.shape == (seeds, q)
    assert ((idx >= 0) & (idx < prob.size)).all()
    np.testing.assert_allclose(traj.y, y[idx], rtol=1e-6)
    np.testing.assert_allclose(traj.cum_cost[:, -1], q)
    assert (np.diff(np.asarray(traj.best_y), axis=1) >= 0).all()
    # Incumbent consistency: best_y is the running max, best_test its row's test value.
    np.testing.assert_allclose(traj.best_y, np.maximum.accumulate(y[idx], axis=1), rtol=1e-6)
    np.testing.assert_allclose(traj.best_test, y[np.asarray(traj.best_index)] + 0.01, rtol=1e-5)
    found = float((np.asarray(traj.best_y[:, -1]) >= y.max() - 1e-6).mean())
    if name not in ("rs", "rs_batch", "reinforce"):
        assert float(traj.best_y[:, -1].mean()) > rs_expected_best(y, q)
    if name not in ("rs", "rs_batch", "reinforce", "rea"):
        assert found >= 0.5, found


class Memo:
    """Searchers built once per name (so jit caches are shared across tests) and their toy runs
    computed once per name (``seeds`` seeds x ``q`` queries)."""

    def __init__(self, factories, q=43, seeds=8):
        self.factories, self.q, self.seeds = factories, q, seeds
        self._searchers, self._runs = {}, {}

    def searcher(self, name):
        if name not in self._searchers:
            self._searchers[name] = self.factories[name]()
        return self._searchers[name]

    def runs(self, name):
        if name not in self._runs:
            self._runs[name] = check_run(self.searcher(name), name, q=self.q, seeds=self.seeds)
        return self._runs[name]
