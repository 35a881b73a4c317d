"""Acquisitions vs direct computations; the MLP trainer and the vmapped ensemble."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats

from jaxnas.predictors import acquisition, ensemble, mlp

pytestmark = pytest.mark.usefixtures("single_threaded_blas")


def test_ei_matches_numerical_integration():
    for mean, std, best in [(0.2, 0.5, 0.4), (1.0, 0.1, 0.5), (-1.0, 2.0, 0.0)]:
        f = np.linspace(mean - 12 * std, mean + 12 * std, 200_001)
        dens = scipy.stats.norm.pdf(f, mean, std)
        ref = np.trapezoid(np.maximum(f - best, 0) * dens, f)
        ours = float(acquisition.expected_improvement(mean, std, best))
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-7)


def test_reference_ei_uses_the_variance_and_a_fixed_target():
    mean, std, target = np.array([0.9, 0.95]), np.array([0.3, 0.2]), 1.0
    s = std**2
    z = (mean - target) / s
    ref = s * (z * scipy.stats.norm.cdf(z) + scipy.stats.norm.pdf(z))
    ours = acquisition.expected_improvement_reference(jnp.asarray(mean), jnp.asarray(std), target)
    np.testing.assert_allclose(ours, ref, rtol=1e-5)


def test_ucb_and_its():
    m, s = jnp.array([0.0, 1.0]), jnp.array([1.0, 0.5])
    np.testing.assert_allclose(acquisition.ucb(m, s, 2.0), [2.0, 2.0])
    draws = jax.vmap(lambda k: acquisition.thompson(k, m, s))(
        jax.random.split(jax.random.key(0), 20000)
    )
    np.testing.assert_allclose(draws.mean(0), m, atol=0.03)
    np.testing.assert_allclose(draws.std(0), s, atol=0.03)


def test_full_batch_fit_ignores_padding():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 4)).astype(np.float32)
    y = x.sum(1).astype(np.float32)
    p0 = mlp.init(jax.random.key(0), (4, 8, 1))
    a = mlp.fit(p0, jax.random.key(1), x, y, np.ones(20, bool), num_epochs=30)
    xp = np.concatenate([x, 9 * np.ones((5, 4), np.float32)])
    yp = np.concatenate([y, 9 * np.ones(5, np.float32)])
    b = mlp.fit(p0, jax.random.key(1), xp, yp, np.arange(25) < 20, num_epochs=30)
    for la, lb in zip(a, b, strict=True):
        np.testing.assert_allclose(la["w"], lb["w"], rtol=1e-5, atol=1e-6)


def test_minibatch_epochs_count_real_rows():
    # 7 real rows of 16, batch 8: one minibatch per epoch holding every real row, so 40
    # epochs must equal 40 full-batch steps (the 9 padded slots must add no steps).
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = rng.normal(size=16).astype(np.float32)
    mask = np.arange(16) < 7
    p0 = mlp.init(jax.random.key(0), (3, 5, 1))
    a = mlp.fit(p0, jax.random.key(2), x, y, mask, num_epochs=40, batch_size=8)
    b = mlp.fit(p0, jax.random.key(2), x, y, mask, num_epochs=40)
    for la, lb in zip(a, b, strict=True):
        np.testing.assert_allclose(la["w"], lb["w"], rtol=1e-4, atol=1e-5)
    c = mlp.fit(p0, jax.random.key(2), x, y, mask, num_epochs=200, batch_size=3)
    loss = lambda p: float(jnp.mean((mlp.apply(p, x[:7])[:, 0] - y[:7]) ** 2))  # noqa: E731
    assert loss(c) < 0.5 * loss(p0)


def test_ensemble_members_differ_and_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    y = (x[:, 0] - 2 * x[:, 1]).astype(np.float32)
    st = ensemble.fit(jax.random.key(0), x, y, np.ones(60, bool), num_members=4, loss="mse")
    members = ensemble.predict_members(st, jnp.asarray(x))
    assert members.shape == (4, 60)
    assert float(members.std(0).mean()) > 0
    mean, std = ensemble.predict(st, jnp.asarray(x))
    assert np.corrcoef(np.asarray(mean), y)[0, 1] > 0.95


def test_log_ei_matches_log_of_ei_and_ranks_deep_tails():
    mean = jnp.linspace(-3.0, 1.0, 41)
    std = jnp.full(41, 0.4)
    ei = acquisition.expected_improvement(mean, std, 0.5)
    np.testing.assert_allclose(
        acquisition.log_expected_improvement(mean, std, 0.5),
        np.log(np.asarray(ei, np.float64)),
        rtol=2e-3,
        atol=2e-3,
    )
    # EI underflows to 0 here; the log form still orders candidates by mean.
    deep = acquisition.log_expected_improvement_reference(
        jnp.array([0.80, 0.85, 0.90]), jnp.full(3, 0.05), 1.0
    )
    assert np.all(np.isfinite(deep)) and np.all(np.diff(np.asarray(deep)) > 0)
    z = -30.0  # vs a float64 evaluation of z Phi(z) + phi(z)
    ref = np.log(z * scipy.stats.norm.cdf(z) + scipy.stats.norm.pdf(z))
    np.testing.assert_allclose(float(acquisition._log_h(jnp.float32(z))), ref, rtol=1e-4)
