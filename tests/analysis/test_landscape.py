"""Landscape analysis vs hand-computed values on tiny landscapes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.analysis import landscape


def test_autocorrelation_hand_computed():
    # A walk alternating +1/-1 has r(1) = -1, r(2) = +1.
    v = np.tile([1.0, -1.0], 10)
    r = np.asarray(landscape.autocorrelation(v[None], 2))
    np.testing.assert_allclose(r, [-1.0, 1.0], atol=1e-6)
    # Against numpy's corrcoef on random data.
    w = np.random.default_rng(0).normal(size=(3, 50)).cumsum(axis=1)
    r = np.asarray(landscape.autocorrelation(w, 3))
    for s in (1, 2, 3):
        ref = np.corrcoef(w[:, :-s].ravel(), w[:, s:].ravel())[0, 1]
        assert r[s - 1] == pytest.approx(ref, abs=1e-5)


def test_fdc_hand_computed():
    # Points on a line, fitness decreasing with distance from x=0: FDC = -1.
    x = np.arange(5.0)[:, None]
    f = 10.0 - np.arange(5.0)
    fdc, d = landscape.fitness_distance_correlation(x, f)
    assert fdc == pytest.approx(-1.0)
    np.testing.assert_allclose(d, np.arange(5.0))
    f2 = np.array([1.0, 3.0, 2.0, np.nan, 0.0])
    fdc2, d2 = landscape.fitness_distance_correlation(x, f2)
    ok = np.isfinite(f2)
    assert fdc2 == pytest.approx(np.corrcoef(f2[ok], np.abs(np.arange(5.0) - 1)[ok])[0, 1])
    np.testing.assert_allclose(landscape.share_within(d, [0, 1.5, 10]), [0.2, 0.4, 1.0])


def test_discrete_walk_stays_on_edges():
    nb = np.array([[1, 2, -1], [0, -1, -1], [0, 1, -1], [-1, -1, -1]])
    w = np.asarray(landscape.discrete_walk(nb, 0, 200, jax.random.key(0)))
    assert w[0] == 0 and len(w) == 201
    for a, b in zip(w[:-1], w[1:], strict=True):
        assert b in nb[a][nb[a] >= 0]
    assert (np.asarray(landscape.discrete_walk(nb, 3, 5, jax.random.key(1))) == 3).all()
    walks = jax.vmap(lambda s, k: landscape.discrete_walk(nb, s, 10, k))(
        jnp.array([0, 1, 2]), jax.random.split(jax.random.key(2), 3)
    )
    assert walks.shape == (3, 11)


def test_knn_table_matches_bruteforce():
    x = np.random.default_rng(1).normal(size=(300, 4)).astype(np.float32)
    t = np.asarray(landscape.knn_table(x, 5, chunk=64))
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    ref = np.argsort(d, axis=1)[:, :5]
    assert (np.sort(t, 1) == np.sort(ref, 1)).mean() > 0.99  # ties aside


def test_distance_vs_edit_distance():
    x = np.arange(6.0)[:, None]
    out = landscape.distance_vs_edit_distance(x, np.array([0, 1, 3]), lambda a, b: abs(a - b))
    np.testing.assert_allclose(out, [[1, 1], [3, 3]])
