"""LCE wrapper, Hyperband and BOHB on a tiny synthetic curve benchmark with known curves."""

import copy
import json
import math

import jax
import numpy as np
import pytest
from scipy import stats

from jaxnas.predictors import lcsvr
from jaxnas.search import base, evolution, mf_results, registry, sampling
from jaxnas.search import hyperband as hb
from jaxnas.search import multifidelity as mf

N, E = 60, 27
# Shared searcher objects: lce compiles their vmapped ask / tell once per object.
RS = sampling.random_search()
REA = evolution.regularized_evolution(5, 3)


@pytest.fixture(scope="module")
def cp():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 0.95, N)
    tau = rng.uniform(1.0, 8.0, N)
    e = np.arange(1, E + 1)
    curves = a[:, None] * (1.0 - np.exp(-e[None, :] / tau[:, None]))
    x = np.stack([a, tau / 8.0, rng.uniform(size=N)], axis=1)
    full = rng.uniform(100.0, 1000.0, N)
    return mf.make_curve_problem(
        x, curves, e, full, higher_is_better=True, test=curves[:, -1] - 0.01, name="toy"
    )


def test_make_curve_problem_and_knn(cp):
    assert cp.bounded and cp.sign == 1.0 and cp.e_max == E
    np.testing.assert_allclose(np.asarray(cp.problem.y)[:, 0], cp.curves[:, -1], rtol=1e-6)
    x = np.asarray(cp.problem.x, np.float64)
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nb = np.asarray(cp.problem.neighbours)
    np.testing.assert_array_equal(nb[:, 0], d.argmin(1))
    assert not np.any(nb == np.arange(N)[:, None])
    with pytest.raises(ValueError, match="finite"):
        mf.make_curve_problem(x, np.full((N, E), np.nan), range(1, E + 1), np.ones(N),
                              higher_is_better=True)  # fmt: skip
    with pytest.raises(ValueError, match="full_time"):
        mf.make_curve_problem(x, cp.curves, range(1, E + 1), -np.ones(N), higher_is_better=True)


def test_plain_run_reproduces_single_fidelity_runner(cp):
    q, seeds = 20, [3, 4]
    cfg = mf.LCEConfig(e_few=3, max_history=64, max_rounds=q)
    keys = base.seed_keys(seeds)
    traj = mf.run(mf.lce(REA, None, cfg), cp, keys, 1e12)
    ref = base.run_seeds(REA, cp.problem, keys, q)
    np.testing.assert_array_equal(traj.index, np.asarray(ref.index))
    np.testing.assert_allclose(traj.cost, cp.full_time[traj.index])
    np.testing.assert_allclose(traj.cum_cost, np.asarray(ref.cum_cost), rtol=1e-5)
    np.testing.assert_allclose(traj.best_y, np.asarray(ref.best_y), rtol=1e-6)
    np.testing.assert_array_equal(traj.fidelity, E)
    # full_fidelity is the same searcher; a budget cuts each run after the event reaching it.
    budget = float(np.asarray(traj.cum_cost)[:, 9].min()) - 1e-6
    traj2 = mf.run(mf.full_fidelity(REA, 64), cp, keys, budget)
    for r, n in enumerate(mf.num_events(traj2)):
        np.testing.assert_array_equal(traj2.index[r, :n], traj.index[r, :n])
        assert traj2.cum_cost[r, n - 1] >= budget > traj2.cum_cost[r, n - 2]


def unpadded(traj, r):
    """Run r of a multi-fidelity trajectory as a dict of [Q_r] arrays."""
    q = int(mf.num_events(traj)[r])
    t = {k: np.asarray(getattr(traj, k))[r, :q] for k in traj._fields}
    t["full"] = t["fidelity"] == E
    t["epoch"], t["value"] = t["fidelity"], t["y"]
    return t


@pytest.mark.parametrize("resume", [True, False])
def test_lce_budget_accounting_and_history(cp, resume):
    e_few, budget = 5, 5_000.0
    cfg = mf.LCEConfig(e_few=e_few, top_n=30.0, num_full_init=4, max_history=64, resume=resume)
    seeds = [0, 1, 2]
    searcher = mf.lce(RS, mf.last_value_extrapolator(), cfg)
    states = []
    spy = searcher._replace(
        init=lambda k, c, b: states.append(searcher.init(k, c, b)) or states[-1]
    )
    traj = mf.run(spy, cp, base.seed_keys(seeds), budget)
    state = states[0].inner
    for r in range(len(seeds)):
        t = unpadded(traj, r)
        full, idx, cost = t["full"], t["index"], t["cost"]
        ft = cp.full_time[idx]
        # Direct full trainings first, then partial ones and continuations.
        assert full[:4].all() and not full[4]
        np.testing.assert_allclose(cost[:4], ft[:4])
        later = np.arange(len(idx)) >= 4
        np.testing.assert_allclose(cost[later & ~full], ft[later & ~full] * e_few / E)
        cont = (E - e_few) / E if resume else 1.0
        np.testing.assert_allclose(cost[later & full], ft[later & full] * cont)
        np.testing.assert_array_equal(t["epoch"], np.where(full, E, e_few))
        for q in np.flatnonzero(later & full):  # every continuation was trained partially first
            assert q > 0 and idx[q] in idx[:q][~full[:q]]
        np.testing.assert_allclose(t["cum_cost"], np.cumsum(cost))
        # The run stops in the first round that reaches the budget.
        assert t["cum_cost"][-1] >= budget and t["cum_cost"][-2 - full[-1]] < budget + 1e-9
        # Only fully trained rows reach the wrapped algorithm's history, in order.
        h = state.history
        told = np.asarray(h.index[r])[np.asarray(h.mask[r])]
        np.testing.assert_array_equal(told, idx[full])
        np.testing.assert_allclose(np.asarray(h.y[r])[: len(told)], cp.curves[told, -1], 1e-6)
        # A rejected row is never trained again.
        part = idx[~full & later]
        assert len(np.unique(part)) == len(part)
        # The incumbent comes from full trainings only.
        best = np.maximum.accumulate(np.where(full, t["value"], -np.inf))
        np.testing.assert_allclose(t["best_y"], best)
        # Promotion rule (one candidate per round): promoted iff the last value beats the
        # smallest of the top int(0.3 H) of the H fully trained values so far (the seed's).
        for q in np.flatnonzero(later & ~full):
            hist = np.sort(cp.curves[idx[:q][full[:q]], -1])
            thr = hist[-int(len(hist) * 0.3) :].min()  # [-0:]: all of them
            promoted = q + 1 < len(idx) and full[q + 1] and idx[q + 1] == idx[q]
            if q + 1 < len(idx):
                assert promoted == (cp.curves[idx[q], e_few - 1] > thr)


def test_oracle_wrapper_finds_optimum(cp):
    cfg = mf.LCEConfig(e_few=3, top_n=20.0, num_full_init=3, max_history=64)
    budget = 0.3 * cp.full_time.sum()
    seeds = [0, 1, 2]
    keys = base.seed_keys(seeds)
    traj = mf.run(mf.lce(RS, mf.oracle_extrapolator(cp), cfg), cp, keys, budget)
    at = base.at_budgets(traj, [budget])
    np.testing.assert_allclose(at["best_y"][:, 0], cp.optimum)
    # Plain RS with the same budget trains every row fully and misses it for some seed.
    plain = mf.run(mf.lce(RS, None, cfg), cp, keys, budget)
    assert np.min(base.at_budgets(plain, [budget])["best_y"][:, 0]) < cp.optimum
    rows = mf.to_rows(traj, cp, algorithm="RS-oracle", seeds=seeds, budget=budget)
    assert rows[0]["final_regret"] == pytest.approx(0.0, abs=1e-12)
    assert rows[0]["num_full"] + rows[0]["num_partial"] == rows[0]["num_queries"]


def test_lcsvr_wrapper_runs(cp):
    # Four asks per round, extrapolated together; exactly num_full_init direct trainings.
    cfg = mf.LCEConfig(e_few=5, num_full_init=6, max_history=64, asks_per_round=4)
    ext = mf.lcsvr_extrapolator(lcsvr.LcSVRConfig(n_iter=5), refit_every=3)
    traj = mf.run(mf.lce(REA, ext, cfg), cp, base.seed_keys([0, 1]), 15_000.0)
    for t in (unpadded(traj, r) for r in range(2)):
        direct = t["full"] & np.isclose(t["cost"], cp.full_time[t["index"]])
        assert direct.sum() == 6 and direct[:6].all() and not t["full"][6]
        assert (~t["full"]).sum() > 0 and t["cum_cost"][-1] >= 15_000.0


def test_bracket_schedule_matches_hyperband_paper():
    # Li et al. (2018), Table 1: R = 81, eta = 3.
    got = hb.bracket_schedule(81, 1, 3)
    want = [
        [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
        [(34, 3), (11, 9), (3, 27), (1, 81)],
        [(15, 9), (5, 27), (1, 81)],
        [(8, 27), (2, 81)],
        [(5, 81)],
    ]
    assert [[(n, round(r, 9)) for n, r in b] for b in got] == want
    for b in hb.bracket_schedule(50, 1, 3):  # n_i and r_i formulas for a non-power budget
        s = len(b) - 1
        n = math.ceil(4 / (s + 1) * 3**s)
        assert [x[0] for x in b] == [math.floor(n / 3**i) for i in range(s + 1)]
        np.testing.assert_allclose([x[1] for x in b], [50 * 3.0 ** (i - s) for i in range(s + 1)])
    assert hb.snap(1.85, range(1, 51)) == 2 and hb.snap(16.7, range(1, 51)) == 17


def test_hyperband_first_bracket_exact(cp):
    traj = mf.run(hb.hyperband(hb.HyperbandConfig(max_brackets=1)), cp, base.seed_keys([0]), 1e9)
    t = unpadded(traj, 0)
    # s_max = 3 on 27 epochs: 27 configs at 1 epoch, 9 at 3, 3 at 9, 1 at 27.
    np.testing.assert_array_equal(t["epoch"], [1] * 27 + [3] * 9 + [9] * 3 + [27])
    idx, prev = t["index"], {}
    for q, (row, e) in enumerate(zip(idx, t["epoch"], strict=True)):
        assert t["cost"][q] == pytest.approx(cp.full_time[row] * (e - prev.get(row, 0)) / E)
        prev[row] = e
    # Each rung keeps the best of the previous one.
    r0, r1 = idx[:27], idx[27:36]
    np.testing.assert_array_equal(np.sort(r1), np.sort(r0[np.argsort(-cp.curves[r0, 0])[:9]]))
    assert t["full"].sum() == 1 and t["best_y"][-1] == cp.curves[idx[-1], -1]


def test_kde_against_hand_computation():
    data = np.array([[0.2], [0.6]])
    bw = hb.kde_bandwidth(data)
    np.testing.assert_allclose(bw, 1.06 * 0.2 * 2 ** (-1 / 5))
    x = np.array([[0.4]])
    hand = 0.5 * (stats.norm.pdf(0.4, 0.2, bw[0]) + stats.norm.pdf(0.4, 0.6, bw[0]))
    np.testing.assert_allclose(hb.kde_pdf(x, data, bw), [hand])
    d2 = np.array([[0.1, 0.9], [0.5, 0.5], [0.3, 0.2]])
    b2 = np.array([0.1, 0.3])
    pt = np.array([[0.3, 0.6]])
    hand2 = np.mean([stats.norm.pdf(0.3, r[0], 0.1) * stats.norm.pdf(0.6, r[1], 0.3) for r in d2])
    np.testing.assert_allclose(hb.kde_pdf(pt, d2, b2), [hand2])
    assert hb.kde_bandwidth(np.array([[0.5], [0.5]]))[0] == 1e-3  # min_bandwidth


def test_bohb_model_split_and_sampling():
    rng = np.random.default_rng(0)
    z = rng.uniform(size=(40, 2))
    vals = rng.normal(size=30)
    obs = {27: (list(range(30)), list(vals)), 3: (list(range(35)), list(rng.normal(size=35)))}
    cfg = hb.BOHBConfig()
    model = hb.fit_kde_model(obs, z, cfg)
    # d = 2: min_points 3; n_good = max(3, 15 * 30 // 100) = 4; n_bad = max(3, 85 * 30 // 100).
    order = np.argsort(-vals)
    assert model.epoch == 27
    np.testing.assert_array_equal(model.good, z[order[:4]])
    np.testing.assert_array_equal(model.bad, z[order[4:29]])
    assert hb.fit_kde_model({27: ([0, 1, 2, 3], [0.0] * 4)}, z, cfg) is None
    # Samples around one good point: a truncated normal of scale 3 * bw on [0, 1].
    one = hb.KDEModel(np.array([[0.3, 0.9]]), model.bad, np.array([0.05, 0.1]), model.bw_bad, 27)
    v = hb.sample_vectors(np.random.default_rng(1), one, 20_000, 3.0)
    for k, (m, s) in enumerate([(0.3, 0.15), (0.9, 0.3)]):
        ref = stats.truncnorm(-m / s, (1 - m) / s, loc=m, scale=s)
        assert abs(v[:, k].mean() - ref.mean()) < 0.01 and abs(v[:, k].std() - ref.std()) < 0.01
    assert v.min() >= 0 and v.max() <= 1
    # propose = the snapped sample minimising g / l.
    cfg0 = hb.BOHBConfig(random_fraction=0.0, num_samples=16)
    r1 = np.random.default_rng(5)
    r2 = copy.deepcopy(r1)
    got = hb.propose(r1, model, z, cfg0)
    r2.random()
    vv = hb.sample_vectors(r2, model, 16, 3.0)
    rows = np.argmin(((vv[:, None] - z[None]) ** 2).sum(-1), 1)
    ratio = np.maximum(hb.kde_pdf(z[rows], model.bad, model.bw_bad), 1e-32) / np.maximum(
        hb.kde_pdf(z[rows], model.good, model.bw_good), 1e-32
    )
    assert got == rows[np.argmin(ratio)]


def test_bohb_and_hyperband_runs(cp):
    budget = 0.6 * cp.full_time.sum()
    bohb = hb.BOHBConfig(num_components=2, min_points_in_model=3)
    for searcher in (hb.hyperband(), hb.bohb(bohb)):
        traj = mf.run(searcher, cp, base.seed_keys([0, 1]), budget)
        for t in (unpadded(traj, r) for r in range(2)):
            assert t["cum_cost"][-1] >= budget and t["cum_cost"][-2] < budget
            assert t["full"].any()
        regret = cp.optimum - base.at_budgets(traj, [budget])["best_y"][:, 0]
        assert np.all(regret >= 0) and np.all(regret < 0.2)


def test_bad_config_is_rejected(cp):
    ext, keys = mf.last_value_extrapolator(), base.seed_keys([0])
    with pytest.raises(ValueError, match="e_few"):
        mf.run(mf.lce(RS, ext, mf.LCEConfig(e_few=E)), cp, keys, 1.0)
    with pytest.raises(ValueError, match="not a curve point"):
        mf.run(mf.lce(RS, ext, mf.LCEConfig(e_few=40)), cp, keys, 1.0)
    with pytest.raises(ValueError, match="top_n"):
        mf.lce(RS, ext, mf.LCEConfig(e_few=3, top_n=0))
    with pytest.raises(ValueError, match="budget"):
        mf.run(mf.lce(RS, ext, mf.LCEConfig(e_few=3)), cp, keys, 0.0)
    with pytest.raises(ValueError, match="r_min"):
        hb.bracket_schedule(10, 20)


def test_host_draws_come_from_the_key(cp):
    """Hyperband's rows and LCE's replacement rows are drawn from the run's PRNG key: the same
    keys repeat a run exactly, other keys give other runs (whatever their seed integers)."""
    a = mf.host_rng(base.seed_keys([3])[0], 11).integers(1 << 30, size=4)
    np.testing.assert_array_equal(a, mf.host_rng(jax.random.key(3), 11).integers(1 << 30, size=4))
    assert not np.array_equal(a, mf.host_rng(jax.random.key(3), 7).integers(1 << 30, size=4))
    budget = 0.2 * cp.full_time.sum()
    keys = base.seed_keys([0, 1])
    t1 = mf.run(hb.hyperband(), cp, keys, budget)
    t2 = mf.run(hb.hyperband(), cp, keys, budget)
    np.testing.assert_array_equal(t1.index, t2.index)
    t3 = mf.run(hb.hyperband(), cp, jax.random.split(jax.random.key(9), 2), budget)
    assert not np.array_equal(t1.index[:, :27], t3.index[:, :27])


def test_registry_builds_the_multi_fidelity_searchers(cp):
    keys, budget = base.seed_keys([0, 1]), 0.3 * cp.full_time.sum()
    pairs = [
        (registry.make_searcher("hyperband", {"eta": 3.0}), hb.hyperband()),
        (registry.make_searcher("bohb", {"num_components": 2}),
         hb.bohb(hb.BOHBConfig(num_components=2))),
        (registry.make_searcher("lce", {"searcher": "rs", "e_few": 3, "extrapolator": "last_value",
                                        "num_full_init": 3, "max_history": 64}),
         mf.lce(RS, mf.last_value_extrapolator(),
                mf.LCEConfig(e_few=3, num_full_init=3, max_history=64))),
    ]  # fmt: skip
    for a, b in pairs:
        ta, tb = mf.run(a, cp, keys, budget), mf.run(b, cp, keys, budget)
        np.testing.assert_array_equal(ta.index, tb.index)
        np.testing.assert_array_equal(ta.fidelity, tb.fidelity)


def test_lce_is_a_searcher_wrapper(cp):
    """lce: Searcher -> Searcher (a MultiFidelitySearcher is a Searcher); run takes a plain
    Searcher as its full-fidelity version; the wrapped history must hold every full training."""
    cfg = mf.LCEConfig(e_few=3, num_full_init=3, asks_per_round=2)
    wrapped = mf.lce(REA, mf.last_value_extrapolator(), cfg)
    assert isinstance(wrapped, base.Searcher) and isinstance(wrapped, mf.MultiFidelitySearcher)
    assert wrapped.batch_size == 2 * REA.batch_size
    assert not isinstance(REA, mf.MultiFidelitySearcher)
    keys, budget = base.seed_keys([0, 1]), 0.2 * cp.full_time.sum()
    a, b = mf.run(REA, cp, keys, budget), mf.run(mf.full_fidelity(REA), cp, keys, budget)
    for f in a._fields:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    with pytest.raises(ValueError, match="max_history"):
        mf.run(mf.full_fidelity(REA, max_history=4), cp, keys, budget)


def test_seed_protocol_settings():
    """The seed's target epochs and top-n (nas-bench-x11 naslib/optimizers/discrete/*_{lce,svr})
    and its threshold rule min(sorted(h)[-int(len(h) * top_n):])."""
    want = {("nb111", "rea", "wpm"): (36, 20.0, 12), ("nb111", "rea", "svr"): (108, 50.0, 12),
            ("nb111", "ls", "svr"): (108, 20.0, 12), ("nb111", "bananas", "wpm"): (108, 20.0, 12),
            ("nb311", "ls", "wpm"): (49, 20.0, 20), ("nb311", "bananas", "svr"): (49, 20.0, 20),
            ("nlp11", "rea", "wpm"): (50, 50.0, 10), ("nlp11", "rea", "svr"): (50, 20.0, 10),
            ("nlp11", "bananas", "svr"): (50, 50.0, 10), ("nlp11", "rs", "wpm"): (50, 50.0, 10)}
    for (b, m, e), (target, top_n, e_few) in want.items():
        c = mf.reference_config(b, m, e)
        assert (c.target_epoch, c.top_n, c.e_few, c.num_full_init) == (target, top_n, e_few, 20)
        assert c.threshold == "topk"
    assert mf.reference_config("nb111", "rea", "wpm", top_n=10.0).top_n == 10.0
    lv = mf.reference_config("nb311", "rs", "last_value")  # not run by the seed: e_few, 20 only
    assert (lv.e_few, lv.num_full_init, lv.target_epoch, lv.top_n) == (20, 20, None, 30.0)
    h = np.array([0.5, 0.9, 0.1, 0.7, 0.3, 0.8, 0.2])
    for top_n in (20.0, 30.0, 50.0, 10.0):
        seed = min(np.sort(h)[-int(len(h) * top_n / 100):])  # int(7 * 0.1) = 0: all of h
        assert mf.threshold(h, top_n) == seed
    assert mf.threshold(h, 10.0) == 0.1 and mf.threshold(h, 30.0) == 0.8
    np.testing.assert_allclose(mf.threshold(h, 30.0, "percentile"), np.percentile(h, 70))


def test_table_beside_the_seed():
    """Each benchmark's rows show the seed's regret of its own benchmark and the comparison
    with the plain method (Mann-Whitney over the runs' regrets)."""
    rows = [{"benchmark": b, "algorithm": a, "runs": 3, "regret_mean": float(np.mean(r)),
             "regret_sem": 0.1, "regrets": r, "num_full": 5.0, "num_partial": 0.0,
             "source": "src", "budget_seconds": 1.0}
            for b in ("nb111_4", "nb311_yahpo", "nlp11_wt2")
            for a, r in (("REA", [1.0, 1.1, 1.2]), ("REA-SVR", [0.1, 0.2, 0.3]))]  # fmt: skip
    md = mf_results.markdown(rows)
    assert "| nb111_4 | REA | 3 | 1.1 +- 0.1 | 5.0 | 0.0 | 0.584 | - |" in md
    p = stats.mannwhitneyu([0.1, 0.2, 0.3], [1.0, 1.1, 1.2]).pvalue
    assert f"| nb111_4 | REA-SVR | 3 | 0.2 +- 0.1 | 5.0 | 0.0 | 0.239 | better (p={p:.2g}) |" in md
    assert "| nb311_yahpo | REA | 3 | 1.1 +- 0.1 | 5.0 | 0.0 | 0.652 |" in md
    assert "| nlp11_wt2 | REA-SVR | 3 | 0.2 +- 0.1 | 5.0 | 0.0 | - | better" in md


def test_finished_rows_resume():
    """A method counts as finished only with one row per wanted seed, all made with the same
    settings (job-choice keys ignored, tuples read back from JSON as lists)."""
    cfg = {"seeds": 3, "methods": ("rea",), "asks": {"rea": 12}, "top": (1, 2)}
    row = lambda s, a="REA-WPM", c=cfg: {  # noqa: E731
        "benchmark": "nb111_4", "algorithm": a, "seed": s, "config": json.loads(json.dumps(c)),
        "final_regret": 0.01 * s, "sign": 1, "budget": 1.0, "num_full": 2, "num_partial": 3,
        "wall_seconds": 2.0, "source": "src"}  # fmt: skip
    rows = [row(s) for s in (2, 0, 1)] + [row(0, "REA")]
    ign = ("seeds", "methods")
    got = mf_results.finished(rows, "nb111_4", "REA-WPM", range(3), cfg, ignore=ign)
    assert [r["seed"] for r in got] == [2, 0, 1]
    other = cfg | {"seeds": 30, "methods": ("rea", "ls")}  # other jobs, same settings
    assert mf_results.finished(rows, "nb111_4", "REA-WPM", range(3), other, ignore=ign)
    assert mf_results.finished(rows, "nb111_4", "REA-WPM", range(4), cfg, ignore=ign) is None
    assert mf_results.finished(rows[:2], "nb111_4", "REA-WPM", range(3), cfg, ignore=ign) is None
    assert mf_results.finished(rows, "nb311_yahpo", "REA-WPM", range(3), cfg) is None
    changed = cfg | {"asks": {"rea": 4}}
    assert mf_results.finished(rows, "nb111_4", "REA-WPM", range(3), changed, ignore=ign) is None
    assert mf_results.finished(rows, "nb111_4", "REA-WPM", range(3), other) is None  # not ignored
    s = mf_results.summarize_groups(rows)
    assert [(x["algorithm"], x["runs"], x["wall_seconds"]) for x in s] == [
        ("REA-WPM", 3, 6.0), ("REA", 1, 2.0)]  # fmt: skip
    assert s[0]["regret_mean"] == pytest.approx(1.0) and s[0]["regrets"] == [2.0, 0.0, 1.0]
