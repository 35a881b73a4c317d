"""Exact GP vs a NumPy GP; padding invariance; marginal-likelihood fit; no recompiles."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

from jaxnas.predictors import gp

pytestmark = pytest.mark.usefixtures("single_threaded_blas")


def _data(n=30, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (np.sin(x[:, 0]) + 0.5 * x[:, 1] ** 2 + 0.05 * rng.normal(size=n)).astype(np.float32)
    return x, y


def _np_gp(x, y, xq, ell, s2, n2):
    def k(a, b):
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        return s2 * np.exp(-0.5 * d2 / ell**2)

    kxx = k(x, x) + (n2 + 1e-6) * np.eye(len(x))
    ks = k(xq, x)
    mean = ks @ np.linalg.solve(kxx, y)
    var = s2 - np.einsum("ij,ji->i", ks, np.linalg.solve(kxx, ks.T))
    sign, logdet = np.linalg.slogdet(kxx)
    nll = 0.5 * y @ np.linalg.solve(kxx, y) + 0.5 * logdet + 0.5 * len(y) * np.log(2 * np.pi)
    return mean, np.sqrt(np.maximum(var, 1e-12)), nll


def test_posterior_and_nll_match_numpy_with_padding():
    x, y = _data()
    xq = np.random.default_rng(1).normal(size=(7, 3)).astype(np.float32)
    params = gp.GPParams(jnp.log(1.3), jnp.log(0.8), jnp.log(0.05))
    x64, y64, q64 = (a.astype(np.float64) for a in (x, y, xq))
    mean_ref, std_ref, nll_ref = _np_gp(x64, y64, q64, 1.3, 0.8, 0.05)
    pad = 12  # padded history: the extra rows must not change anything
    xp = np.concatenate([x, np.random.default_rng(2).normal(size=(pad, 3))]).astype(np.float32)
    yp = np.concatenate([y, np.full(pad, 7.0, np.float32)])
    mask = np.arange(len(xp)) < len(x)
    ym = np.where(mask, yp, 0.0)
    state = gp.posterior(params, jnp.asarray(xp), jnp.asarray(ym), jnp.asarray(mask))
    mean, std = gp.predict(state, jnp.asarray(xq))
    np.testing.assert_allclose(mean, mean_ref, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(std, std_ref, rtol=5e-3, atol=2e-3)
    nll = gp.neg_log_marginal_likelihood(params, jnp.asarray(xp), jnp.asarray(ym), mask)
    np.testing.assert_allclose(float(nll), nll_ref, rtol=1e-4)


def test_fit_reaches_the_marginal_likelihood_optimum():
    x, y = _data(n=40)
    yc = (y - y.mean()) / y.std()
    state = gp.fit(
        jax.random.key(0), jnp.asarray(x), jnp.asarray(y), jnp.ones(40, bool), num_steps=300
    )
    p = state.params
    ours = _np_gp(
        x.astype(np.float64),
        yc,
        x[:1],
        *np.exp([float(p.log_lengthscale), float(p.log_signal), float(p.log_noise)]),
    )[2]
    f = lambda t: _np_gp(x.astype(np.float64), yc, x[:1], *np.exp(t))[2]  # noqa: E731
    ref = scipy.optimize.minimize(
        f,
        np.log([1.0, 1.0, 0.1]),
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000},
    )
    assert ours <= ref.fun + 0.05, (ours, ref.fun)
    mean, _ = gp.predict(state, jnp.asarray(x))
    assert np.corrcoef(np.asarray(mean), y)[0, 1] > 0.95


def test_fit_does_not_recompile_as_history_grows():
    traces = []

    @jax.jit
    def fit(x, y, mask):
        traces.append(1)
        return gp.fit(jax.random.key(0), x, y, mask, num_steps=5)

    x, y = _data(n=20)
    for n in (3, 8, 20):
        fit(jnp.asarray(x), jnp.asarray(y), jnp.arange(20) < n)
    assert len(traces) == 1


def test_closed_form_gradient_matches_autodiff():
    x, y = _data(n=25)
    mask = jnp.arange(25) < 19
    ym = jnp.where(mask, jnp.asarray(y), 0.0)
    p = gp.GPParams(jnp.asarray(0.3), jnp.asarray(-0.2), jnp.asarray(-1.5))
    nll, g = gp.nll_and_grad(p, jnp.asarray(x), ym, mask)
    ref_nll, ref_g = jax.value_and_grad(gp.neg_log_marginal_likelihood)(p, jnp.asarray(x), ym, mask)
    np.testing.assert_allclose(float(nll), float(ref_nll), rtol=1e-5)
    for a, b in zip(g, ref_g, strict=True):
        np.testing.assert_allclose(float(a), float(b), rtol=2e-3, atol=1e-4)
