"""Smoothness study: RWA / FDC against hand-computed values on tiny landscapes; walks of single
edits stay inside the space and make exactly one edit per step."""

import jax
import numpy as np
import pytest

from jaxnas.analysis import landscape, smoothness
from jaxnas.spaces import nb101, nb201


def test_rwa_hand_computed_on_a_cycle():
    # A directed 4-cycle: every walk is deterministic, 0 -> 1 -> 2 -> 3 -> 0 -> ...
    nb = np.array([[1], [2], [3], [0]])
    walks = smoothness.random_walks(nb, jax.random.key(0), 2, 8, starts=np.array([0, 0]))
    np.testing.assert_array_equal(walks[0], [0, 1, 2, 3, 0, 1, 2, 3, 0])
    # Alternating fitness: r(1) = -1, r(2) = +1.
    np.testing.assert_allclose(smoothness.rwa([1.0, -1.0, 1.0, -1.0], walks, 2), [-1, 1], atol=1e-6)
    # f = row along 0,1,2,3,0,1,2,3,0. Shift 1: a = 0123 0123, b = 1230 1230, both mean 1.5,
    # cov -2 / var 10 = -0.2. Shift 2: a = 0123012 (mean 9/7), b = 2301230 (mean 11/7);
    # in sevenths, centred a = -9 -2 5 12 -9 -2 5, b = 3 10 -11 -4 3 10 -11:
    # r = -252 / sqrt(364 * 476). Shift 4: a == b, r = 1.
    r = smoothness.rwa(np.arange(4.0), walks, 4)
    np.testing.assert_allclose(r[[0, 1, 3]], [-0.2, -252 / np.sqrt(364 * 476), 1.0], atol=1e-6)
    with pytest.raises(ValueError, match="finite"):
        smoothness.rwa([1.0, np.nan, 0.0, 0.0], walks, 1)


def test_fdc_and_share_hand_computed():
    # Points on a line, fitness decreasing away from x = 0, neighbours = adjacent points.
    x = np.arange(5.0)[:, None]
    f = 10.0 - np.arange(5.0)
    nb = np.array([[1, -1], [0, 2], [1, 3], [2, 4], [3, -1]])
    edit = np.arange(5)
    res = smoothness.landscape_study(
        jax.random.key(0), x, f, nb, num_walks=4, walk_length=20, max_shift=3, knn=1,
        radii=[0.0, 0.5, 1.0], edit_to_opt=edit,
    )  # fmt: skip
    assert res["fdc_embedding"] == pytest.approx(-1.0)
    assert res["fdc_discrete"] == pytest.approx(-1.0)
    assert res["optimum_row"] == 0 and res["max_distance"] == pytest.approx(4.0)
    np.testing.assert_allclose(res["share_within"], [0.2, 0.6, 1.0])
    assert res["stuck_fraction_discrete"] == 0.0
    # fitness = distance^2 to the middle: FDC against a hand computation.
    f2 = np.array([4.0, 1.0, 0.0, 1.0, 4.0])
    assert smoothness.discrete_fdc(f2, np.array([0, 1, 2, 3, 4])) == pytest.approx(0.0)
    d = np.array([2.0, 1, 0, 1, 2])
    ref = np.sum((f2 - 2) * (d - 1.2)) / np.sqrt(np.sum((f2 - 2) ** 2) * np.sum((d - 1.2) ** 2))
    assert smoothness.discrete_fdc(f2, d) == pytest.approx(ref)
    with pytest.raises(ValueError, match="expected x"):
        smoothness.landscape_study(jax.random.key(0), x, f[:3], nb)


def test_nb201_walk_single_edits_inside_the_space():
    w = smoothness.nb201_walk(jax.random.key(1), 300)
    assert w.shape == (301,) and w.min() >= 0 and w.max() < nb201.NUM_ARCHS
    cells = nb201.all_cells()
    steps = nb201.edit_distance(cells[w[:-1]], cells[w[1:]])
    assert (np.asarray(steps) == 1).all()
    # The neighbour table is exactly the set of cells at edit distance 1.
    table = smoothness.nb201_neighbour_table()
    for i in (0, 777, 15624):
        ref = np.flatnonzero(np.asarray(nb201.edit_distance(cells[i], cells)) == 1)
        np.testing.assert_array_equal(np.sort(table[i]), ref)
    edit = smoothness.walk_edit_distances("nb201", w)
    assert edit[0] == 1 and (edit <= np.arange(1, 301)).all() and edit.max() <= 6


def test_distance_vs_edit_and_box_stats():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(nb201.NUM_ARCHS, 3))
    w = smoothness.nb201_walk(jax.random.key(2), 50)
    edit = smoothness.walk_edit_distances("nb201", w)
    pairs = smoothness.distance_vs_edit(x[w], edit)
    cells = nb201.all_cells()
    ref = landscape.distance_vs_edit_distance(
        x, w, lambda a, b: nb201.edit_distance(cells[a], cells[b])
    )
    np.testing.assert_allclose(pairs, ref)
    stats = smoothness.box_stats(pairs)
    assert sum(s["count"] for s in stats) == 50
    for s in stats:
        d = pairs[pairs[:, 0] == s["edit_distance"], 1]
        assert s["median"] == pytest.approx(np.median(d)) and s["mean"] == pytest.approx(d.mean())
        assert s["whisker_low"] >= d.min() and s["whisker_high"] <= d.max()
    with pytest.raises(ValueError, match="x_walk"):
        smoothness.distance_vs_edit(x[w], edit[:-1])
    # Pairs at most 4 steps apart, against a double loop.
    i, j = smoothness.walk_pairs(len(w), 4)
    ref_pairs = [(a, b) for a in range(len(w)) for b in range(a + 1, min(a + 5, len(w)))]
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == ref_pairs
    e_ij = smoothness.walk_edit_distances("nb201", w, i, j)
    p_ij = smoothness.distance_vs_edit(x[w], e_ij, i, j)
    for t, (a, b) in enumerate(zip(i, j, strict=True)):
        assert p_ij[t, 0] == (cells[w[a]] != cells[w[b]]).sum()
        assert p_ij[t, 1] == pytest.approx(np.linalg.norm(x[w[a]] - x[w[b]]))


@pytest.mark.slow
def test_nb101_walk_single_edits_inside_the_space():
    # Slow: enumerating the 423,624 NB101 cells takes ~30 s on a busy 2-core machine.
    w = smoothness.nb101_walk(jax.random.key(3), 15)
    a, o = nb101.enumerate_cells()
    assert w.min() >= 0 and w.max() < len(o)
    for i, j in zip(w[:-1], w[1:], strict=True):
        assert nb101.is_valid(a[j], o[j])
        assert nb101.edit_distance((a[i], o[i]), (a[j], o[j])) in (0, 1)  # 0: no move possible
    assert (w[1:] != w[:-1]).mean() > 0.5


def test_figures(tmp_path):
    pytest.importorskip("matplotlib")
    pairs = np.array([[1, 0.5], [1, 0.7], [2, 1.0], [2, 1.4], [3, 2.0]])
    paths = smoothness.plot_distance_vs_edit({"a": pairs, "b": pairs * 2}, tmp_path / "d")
    land = {
        "shifts": [1, 2, 3],
        "rwa_embedding": [0.9, 0.8, 0.7],
        "rwa_discrete": [0.5, 0.3, 0.2],
        "radii_fraction": [0, 0.5, 1],
        "share_within": [0.1, 0.5, 1],
    }
    paths += smoothness.plot_figure6({"a": land}, tmp_path / "f6")
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000
