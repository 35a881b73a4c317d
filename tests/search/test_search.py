"""Search algorithms on a toy product space with a known optimum."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas import search
from jaxnas.search import base
from jaxnas.search import problem as P
from tests.search.conftest import Memo, _check, rs_expected_best, toy_problem

pytestmark = pytest.mark.usefixtures("single_threaded_blas")


ALGOS = {
    "rs": lambda: search.random_search(),
    "rs_batch": lambda: search.random_search(batch_size=5),
    "rea": lambda: search.regularized_evolution(population_size=10, sample_size=5),
    "ls": lambda: search.local_search(),
    "reinforce": lambda: search.reinforce(learning_rate=0.1),
}
_MEMO = Memo(ALGOS)  # 8 seeds x 43 queries, computed once per algorithm
searcher, runs = _MEMO.searcher, _MEMO.runs


@pytest.mark.parametrize("name", list(ALGOS))
def test_inside_space_exact_budget_and_beats_random_search(name):
    runs(name)


def test_random_search_expected_best_matches_exact_formula():
    prob, y = toy_problem(seed=3)
    k = 10
    traj = base.run_seeds(searcher("rs"), prob, base.seed_keys(range(4000)), k)
    exact = rs_expected_best(y, k)
    best = np.asarray(traj.best_y[:, -1])
    assert abs(best.mean() - exact) < 4 * best.std() / math.sqrt(len(best)), (best.mean(), exact)
    # Without repeats (up to the tiny chance of 16 visited draws in a row).
    dup = [len(set(r.tolist())) < k for r in np.asarray(traj.index)]
    assert np.mean(dup) < 0.01


@pytest.mark.parametrize("name", ["rea", "ls", "reinforce"])
def test_vmap_equals_python_loop(name):
    prob, _ = toy_problem()
    traj = runs(name)
    one = jax.jit(base.run, static_argnums=(0, 3))
    for s in (0, 5):
        t1 = one(searcher(name), prob, jax.random.key(s), 43)
        np.testing.assert_array_equal(traj.index[s], t1.index)
        np.testing.assert_allclose(traj.best_y[s], t1.best_y)


def test_reinforce_improves_its_policy_and_decodes_rows():
    prob, y = toy_problem()
    traj = base.run_seeds(search.reinforce(learning_rate=0.1), prob, base.seed_keys(range(32)), 150)
    ys = np.asarray(traj.y)
    assert ys[:, -30:].mean() > ys[:, :30].mean() + 0.05
    s = search.reinforce()
    st = s.init(jax.random.key(0), prob, 4)
    idx, st = jax.jit(s.ask)(st, prob, jax.random.key(1), 0)
    np.testing.assert_array_equal(prob.choices[idx[0]], st.last)


def test_budget_in_seconds():
    rng = np.random.default_rng(0)
    cost = rng.uniform(10, 100, size=256)
    prob, y = toy_problem(cost=cost)
    traj = base.run_seeds(searcher("rea"), prob, base.seed_keys(range(3)), 43)
    budgets = [5.0, 500.0, 1300.0, 1e6]
    out = base.at_budgets(traj, budgets)
    for r in range(3):
        idx = np.asarray(traj.index[r])
        cum = np.cumsum(cost[idx])
        for g, b in enumerate(budgets):
            fit = cum <= b
            ref = y[idx][fit].max() if fit.any() else np.nan
            np.testing.assert_allclose(out["best_y"][r, g], ref, rtol=1e-5)
    assert not out["exhausted"].any()
    assert base.at_budgets(traj, [400.0])["exhausted"].all()


@pytest.mark.slow
def test_arch2vec_rl_on_a_hand_made_embedding():
    prob, y = toy_problem()
    # A hand-made 4-d embedding: the decisions as coordinates (any [N, D] table works).
    prob = prob._replace(x=jnp.asarray(prob.choices, jnp.float32))
    s = search.arch2vec_rl(episode_length=4, hidden=16, baseline=0.5)
    traj = base.run_seeds(s, prob, base.seed_keys(range(4)), 21)
    idx = np.asarray(traj.index)
    assert idx.shape == (4, 21) and ((idx >= 0) & (idx < prob.size)).all()
    assert all(len(set(r.tolist())) == 21 for r in idx)  # nearest *unvisited* rows
    np.testing.assert_allclose(traj.y, y[idx], rtol=1e-6)
    # The policy moves only at the end of an episode (1 initial query + 4 steps).
    st = s.init(jax.random.key(0), prob, 8)
    p0 = st.params
    ask, tell = jax.jit(s.ask), jax.jit(s.tell)
    for t in range(5):
        i, st = ask(st, prob, jax.random.key(10 + t), t)
        st = tell(st, prob, i, prob.y[i, 0])
        changed = not np.allclose(st.params["out_w"], p0["out_w"])
        assert changed == (t == 4), t
    assert int(st.pos) == 0 and int(st.count) == 5


def test_mutate_with_history_prefers_unvisited_neighbours():
    prob, _ = toy_problem()
    parent = 5
    nbs = np.asarray(prob.neighbours[parent])
    h = P.history_init(16, prob.size)
    for j in nbs[:-1]:  # all neighbours but the last visited
        h = P.history_add(h, jnp.asarray([j], jnp.int32), jnp.asarray([0.0]))
    keys = jax.random.split(jax.random.key(0), 64)
    with_h = jax.vmap(lambda k: P.mutate(prob, k, parent, h.seen))(keys)
    assert (np.asarray(with_h) == nbs[-1]).all()
    without = np.asarray(jax.vmap(lambda k: P.mutate(prob, k, parent))(keys))
    assert np.isin(without, nbs).all() and len(set(without.tolist())) > 1
    h = P.history_add(h, jnp.asarray([nbs[-1]], jnp.int32), jnp.asarray([0.0]))
    all_seen = np.asarray(jax.vmap(lambda k: P.mutate(prob, k, parent, h.seen))(keys))
    assert np.isin(all_seen, nbs).all()  # every neighbour visited: any neighbour


def test_rea_avoid_repeats_never_repeats_on_the_toy():
    prob, y = toy_problem()
    s = search.regularized_evolution(population_size=10, sample_size=5, avoid_repeats=True)
    traj = base.run_seeds(s, prob, base.seed_keys(range(8)), 43)
    _check(traj, prob, y, "rea", 43, 8)
    idx = np.asarray(traj.index)
    plain = np.asarray(runs("rea").index)
    repeats = np.mean([43 - len(set(r.tolist())) for r in idx])
    assert repeats < np.mean([43 - len(set(r.tolist())) for r in plain])
    assert repeats <= 0.5  # 12 neighbours per row: an unvisited one nearly always exists


def test_history_tracks_visited_rows_exactly():
    """The one visited-row tracker (``History.seen``) answers as a scan of the history's
    rows: the same visited flags, the same sample_unvisited draws as the O(T) scan, and
    mutate draws only unvisited neighbours while one exists."""
    prob, _ = toy_problem()
    h = P.history_init(40, prob.size)
    rows = np.random.default_rng(0).choice(prob.size, 30, replace=False)
    for j in rows:
        h = P.history_add(h, jnp.asarray([j], jnp.int32), jnp.asarray([0.0]))
    np.testing.assert_array_equal(np.flatnonzero(np.asarray(h.seen)), np.sort(rows))
    probe = jnp.arange(prob.size)
    np.testing.assert_array_equal(P.visited(h, probe), np.isin(np.arange(prob.size), rows))
    h_last = P.history_add(h, jnp.asarray([prob.size - 1], jnp.int32), jnp.asarray([0.0]))
    assert not bool(P.visited(h_last, -1))  # neighbour-table padding is never visited
    keys = jax.random.split(jax.random.key(1), 200)

    def scan_sample(k):  # the former O(T) answer: the first unvisited of `tries` draws
        cand = jax.random.randint(k, (4,), 0, prob.size)
        hit = (cand[:, None] == h.index[None, :]) & h.mask[None, :]
        return cand[jnp.argmin(hit.any(-1))]

    a = jax.vmap(lambda k: P.sample_unvisited(k, prob, h, tries=4))(keys)
    np.testing.assert_array_equal(a, jax.vmap(scan_sample)(keys))
    numpy_table = np.zeros(prob.size, bool)
    numpy_table[rows] = True
    numpy_table = jnp.asarray(numpy_table)
    for p in jnp.asarray(rows[:8], jnp.int32):
        m1 = jax.vmap(lambda k, p=p: P.mutate(prob, k, p, numpy_table))(keys)
        m2 = jax.vmap(lambda k, p=p: P.mutate(prob, k, p, h.seen))(keys)
        np.testing.assert_array_equal(m1, m2)
        nbs = np.asarray(prob.neighbours[p])
        if not np.isin(nbs, rows).all():  # an unvisited neighbour exists: only those drawn
            assert not np.isin(np.asarray(m2), rows).any()
