"""DNGO: Bayesian linear regression vs NumPy closed forms, evidence maximisation, fitting."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.predictors import dngo

pytestmark = pytest.mark.usefixtures("single_threaded_blas")


def _phi(n=40, h=6, seed=0):
    rng = np.random.default_rng(seed)
    phi = rng.normal(size=(n, h))
    w = rng.normal(size=h)
    y = phi @ w + 0.3 * rng.normal(size=n)
    return phi, y


def _np_log_evidence(phi, y, alpha, beta):
    # y ~ N(0, Phi Phi^T / alpha + I / beta): an independent route to the evidence.
    c = phi @ phi.T / alpha + np.eye(len(y)) / beta
    sign, logdet = np.linalg.slogdet(c)
    return -0.5 * (y @ np.linalg.solve(c, y) + logdet + len(y) * np.log(2 * np.pi))


def test_blr_posterior_and_prediction_match_numpy():
    phi, y = _phi()
    alpha, beta = 2.0, 9.0
    a = alpha * np.eye(6) + beta * phi.T @ phi
    m = beta * np.linalg.solve(a, phi.T @ y)
    q = np.random.default_rng(3).normal(size=(5, 6))
    var = 1 / beta + np.einsum("ij,jk,ik->i", q, np.linalg.inv(a), q)
    blr = dngo.blr_posterior(
        jnp.asarray(phi, jnp.float32), jnp.asarray(y, jnp.float32), alpha, beta
    )
    np.testing.assert_allclose(blr.mean, m, rtol=1e-3, atol=1e-4)
    mean, std = dngo.blr_predict(blr, jnp.asarray(q, jnp.float32))
    np.testing.assert_allclose(mean, q @ m, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(std, np.sqrt(var), rtol=1e-3)


def test_log_evidence_matches_the_marginal_gaussian_with_padding():
    phi, y = _phi()
    phip = np.concatenate([phi, np.zeros((9, 6))]).astype(np.float32)  # padding rows: phi = 0
    yp = np.concatenate([y, np.zeros(9)]).astype(np.float32)
    for alpha, beta in [(1.0, 1.0), (0.3, 12.0)]:
        ours = dngo.log_evidence(jnp.asarray(phip), jnp.asarray(yp), 40.0, alpha, beta)
        np.testing.assert_allclose(float(ours), _np_log_evidence(phi, y, alpha, beta), rtol=1e-4)


def test_evidence_fixed_point_is_the_maximum():
    phi, y = _phi(n=60, h=8, seed=1)
    alpha, beta = dngo.optimize_evidence(
        jnp.asarray(phi, jnp.float32), jnp.asarray(y, jnp.float32), 60.0, num_iters=200
    )
    la, lb = np.log(float(alpha)), np.log(float(beta))
    best = _np_log_evidence(phi, y, float(alpha), float(beta))
    grid = [(la + da, lb + db) for da in (-0.3, 0, 0.3) for db in (-0.3, 0, 0.3)]
    for a, b in grid:
        assert _np_log_evidence(phi, y, np.exp(a), np.exp(b)) <= best + 1e-6
    eps = 1e-4  # stationarity in (log alpha, log beta)
    ga = (
        _np_log_evidence(phi, y, np.exp(la + eps), float(beta))
        - _np_log_evidence(phi, y, np.exp(la - eps), float(beta))
    ) / (2 * eps)
    gb = (
        _np_log_evidence(phi, y, float(alpha), np.exp(lb + eps))
        - _np_log_evidence(phi, y, float(alpha), np.exp(lb - eps))
    ) / (2 * eps)
    assert abs(ga) < 1e-2 and abs(gb) < 1e-2, (ga, gb)


def test_dngo_fits_a_smooth_function_and_is_padding_invariant():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(64, 2)).astype(np.float32)
    y = (np.sin(2 * x[:, 0]) + x[:, 1] ** 2).astype(np.float32)
    mask = np.arange(64) < 48
    fit = jax.jit(lambda x, y, m: dngo.fit(jax.random.key(0), x, y, m, num_epochs=100))
    state = fit(x, y, mask)
    mean, std = dngo.predict(state, jnp.asarray(x[48:]))
    r = np.corrcoef(np.asarray(mean), y[48:])[0, 1]
    assert r > 0.9, r
    assert np.all(np.asarray(std) > 0)
    # Garbage in the padding rows changes nothing.
    y2 = np.where(mask, y, 123.0).astype(np.float32)
    x2 = np.where(mask[:, None], x, 50.0).astype(np.float32)
    mean2, _ = dngo.predict(fit(x2, y2, mask), jnp.asarray(x[48:]))
    np.testing.assert_allclose(mean, mean2, rtol=1e-5, atol=1e-5)
