"""CATE pair sampling: window, distinctness, no self-pairs, determinism, against brute force."""

import jax
import numpy as np
import pytest

from jaxnas.pretrain import cate_pairs


def _brute_windows(p, delta):
    """Window of every architecture by the definition, O(N^2)."""
    d = np.abs(p[:, None] - p[None, :]) < delta
    np.fill_diagonal(d, False)
    return d


@pytest.mark.parametrize("delta,k", [(0.5, 1), (2.0, 2), (5.0, 4), (30.0, 8)])
def test_partners_within_window_distinct_not_self(delta, k):
    rng = np.random.default_rng(0)
    p = np.round(rng.normal(0, 10, 700), 1)  # many ties, some isolated values
    pr = cate_pairs.sample_partners(jax.random.key(1), p, delta, k, "symmetric")
    win = _brute_windows(p, delta)
    assert pr.partners.shape == (700, k)
    np.testing.assert_array_equal(pr.window_size, win.sum(1))
    for i in range(len(p)):
        got = pr.partners[i][pr.partners[i] >= 0]
        assert len(got) == min(k, win[i].sum())  # K partners whenever the window allows
        assert len(set(got.tolist())) == len(got)  # distinct
        assert i not in got  # no self-pairs
        assert win[i, got].all()  # every partner within delta
        assert (pr.partners[i][len(got) :] == -1).all()
    pairs = pr.as_pairs()
    assert np.all(np.abs(p[pairs[:, 0]] - p[pairs[:, 1]]) < delta)
    assert len(pairs) == np.minimum(win.sum(1), k).sum()


def test_deterministic_per_key_and_key_dependent():
    p = np.random.default_rng(1).uniform(0, 1e7, 5000)
    a = cate_pairs.sample_pairs(jax.random.key(0), p, 2e6, 2)
    b = cate_pairs.sample_pairs(jax.random.key(0), p, 2e6, 2)
    c = cate_pairs.sample_pairs(jax.random.key(1), p, 2e6, 2)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


def test_partners_are_uniform_over_the_window():
    # 5 identical values: each of the 4 others is drawn w.p. 1/4 (K=1), 1/2 (K=2).
    p = np.zeros(5)
    counts = np.zeros((5, 5))
    for s in range(400):
        pr = cate_pairs.sample_partners(jax.random.key(s), p, 1.0, 2, "symmetric")
        for i in range(5):
            counts[i, pr.partners[i]] += 1
    assert np.diag(counts).sum() == 0
    off = counts[~np.eye(5, dtype=bool)] / 400
    assert np.all(np.abs(off - 0.5) < 0.1), off


def test_ablation_grid_and_errors():
    grid = cate_pairs.ablation_grid()
    assert len(grid) == 16 and (2e6, 2) in grid and (8e6, 8) in grid
    with pytest.raises(ValueError):
        cate_pairs.sample_partners(jax.random.key(0), np.zeros(3), 0.0, 1)
    with pytest.raises(ValueError):
        cate_pairs.sample_partners(jax.random.key(0), np.zeros(3), 1.0, 0)
    with pytest.raises(ValueError):
        cate_pairs.sample_partners(jax.random.key(0), np.array([0.0, np.nan]), 1.0, 1)


def _brute_one_sided(p, delta):
    """CATE's ``sample_from_data`` windows: earlier in the stable sort, ``P_t + delta >= P_s``."""
    order = sorted(range(len(p)), key=lambda i: p[i])  # Python's sort is stable, as CATE's
    win = np.zeros((len(p), len(p)), bool)
    for s, i in enumerate(order):
        for t in range(s):
            if p[order[t]] + delta >= p[i]:
                win[i, order[t]] = True
    return win


@pytest.mark.parametrize("delta,k", [(0.5, 1), (2.0, 2), (30.0, 8)])
def test_one_sided_windows_as_cate(delta, k):
    rng = np.random.default_rng(3)
    p = np.round(rng.normal(0, 10, 400), 1)  # ties and exact-delta differences
    pr = cate_pairs.sample_partners(jax.random.key(2), p, delta, k)  # one-sided by default
    win = _brute_one_sided(p, delta)
    np.testing.assert_array_equal(pr.window_size, win.sum(1))
    for i in range(len(p)):
        got = pr.partners[i][pr.partners[i] >= 0]
        assert len(got) == min(k, win[i].sum()) and len(set(got.tolist())) == len(got)
        assert win[i, got].all()
    pairs = pr.as_pairs()
    assert (p[pairs[:, 0]] >= p[pairs[:, 1]]).all()  # X has the larger attribute
    assert not win[np.argmin(p)].any()  # the smallest has no partner as X
    with pytest.raises(ValueError):
        cate_pairs.sample_partners(jax.random.key(0), p, 1.0, 1, "two_sided")
