"""Exact Gaussian-process regression on any encoding, on padded (masked) training sets.

Zero-mean GP on standardised targets with an isotropic RBF kernel
``k(x, x') = s2 * exp(-|x - x'|^2 / (2 l^2))`` and Gaussian noise ``n2``. The hyper-parameters
``(log l, log s2, log n2)`` maximise the log marginal likelihood (Adam on the exact Cholesky
objective, a fixed number of steps, jit/vmap friendly). Padding rows get a unit diagonal and
zero targets, so they leave the likelihood and the posterior unchanged: a history padded to a
fixed size ``T`` never recompiles.

    surrogate = gp.make()
    state = surrogate.fit(key, x, y, mask)          # x [T, D], y [T], mask [T]
    mean, std = surrogate.predict(state, x_query)   # [M], [M]
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnas.predictors import acquisition, mlp


class GPParams(NamedTuple):
    log_lengthscale: jax.Array
    log_signal: jax.Array
    log_noise: jax.Array


class GPState(NamedTuple):
    params: GPParams
    x: jax.Array  # [T, D]
    mask: jax.Array  # [T]
    chol: jax.Array  # [T, T] Cholesky factor of the (padded) training covariance
    alpha: jax.Array  # [T] K^-1 y (standardised)
    y_mean: jax.Array
    y_std: jax.Array


def _sqdist(a, b):
    return jnp.maximum(jnp.sum(a**2, -1)[:, None] + jnp.sum(b**2, -1)[None, :] - 2.0 * a @ b.T, 0.0)


def kernel(params: GPParams, a: jax.Array, b: jax.Array) -> jax.Array:
    """RBF kernel matrix ``[A, B]``."""
    ell2 = jnp.exp(2.0 * params.log_lengthscale)
    return jnp.exp(params.log_signal) * jnp.exp(-0.5 * _sqdist(a, b) / ell2)


def _train_cov(params, x, mask):
    m = mask.astype(x.dtype)
    k = kernel(params, x, x) * m[:, None] * m[None, :]
    diag = m * (jnp.exp(params.log_noise) + 1e-6) + (1.0 - m)
    return k + jnp.diag(diag)


def neg_log_marginal_likelihood(params: GPParams, x, y, mask) -> jax.Array:
    """``-log p(y | x, params)`` over the real rows (``y`` already standardised, 0 on padding)."""
    m = mask.astype(x.dtype)
    chol = jnp.linalg.cholesky(_train_cov(params, x, mask))
    a = jax.scipy.linalg.cho_solve((chol, True), y * m)
    n = m.sum()
    return (
        0.5 * jnp.dot(y * m, a) + jnp.sum(jnp.log(jnp.diag(chol))) + 0.5 * n * jnp.log(2.0 * jnp.pi)
    )


def nll_and_grad(params: GPParams, x, y, mask) -> tuple[jax.Array, GPParams]:
    """:func:`neg_log_marginal_likelihood` and its gradient, in closed form:
    ``dNLL/dtheta = 0.5 tr((K^-1 - a a^T) dK/dtheta)`` with ``a = K^-1 y`` (much faster on CPU
    than differentiating through the Cholesky factorisation)."""
    m = mask.astype(x.dtype)
    pair = m[:, None] * m[None, :]
    d2 = _sqdist(x, x)
    kf = jnp.exp(params.log_signal) * jnp.exp(-0.5 * d2 / jnp.exp(2.0 * params.log_lengthscale))
    kf = kf * pair
    noise = jnp.exp(params.log_noise)
    k = kf + jnp.diag(m * (noise + 1e-6) + (1.0 - m))
    chol = jnp.linalg.cholesky(k)
    ym = y * m
    a = jax.scipy.linalg.cho_solve((chol, True), ym)
    kinv = jax.scipy.linalg.cho_solve((chol, True), jnp.eye(k.shape[0], dtype=k.dtype))
    w = (kinv - jnp.outer(a, a)) * pair
    nll = (
        0.5 * jnp.dot(ym, a)
        + jnp.sum(jnp.log(jnp.diag(chol)))
        + 0.5 * m.sum() * jnp.log(2.0 * jnp.pi)
    )
    grad = GPParams(
        log_lengthscale=0.5 * jnp.sum(w * kf * d2 / jnp.exp(2.0 * params.log_lengthscale)),
        log_signal=0.5 * jnp.sum(w * kf),
        log_noise=0.5 * jnp.sum(jnp.diag(w)) * noise,
    )
    return nll, grad


def posterior(params: GPParams, x, y, mask, y_mean=0.0, y_std=1.0) -> GPState:
    """Conditions the GP with fixed hyper-parameters on standardised ``y``."""
    m = mask.astype(x.dtype)
    chol = jnp.linalg.cholesky(_train_cov(params, x, mask))
    alpha = jax.scipy.linalg.cho_solve((chol, True), y * m)
    return GPState(params, x, m, chol, alpha, jnp.asarray(y_mean), jnp.asarray(y_std))


def predict(state: GPState, xq: jax.Array, include_noise: bool = False):
    """Posterior mean and std ``[M]`` of the latent function (or of ``y`` with
    ``include_noise``), in the original units of ``y``."""
    ks = kernel(state.params, xq, state.x) * state.mask[None, :]
    mean = ks @ state.alpha
    v = jax.scipy.linalg.solve_triangular(state.chol, ks.T, lower=True)
    var = jnp.exp(state.params.log_signal) - jnp.sum(v**2, axis=0)
    if include_noise:
        var = var + jnp.exp(state.params.log_noise)
    std = jnp.sqrt(jnp.maximum(var, 1e-12))
    return state.y_mean + state.y_std * mean, state.y_std * std


def initial_params(x, mask) -> GPParams:
    """Initial point: lengthscale ``sqrt(mean pairwise squared distance / 2)``, unit signal,
    noise 0.1 (standardised units)."""
    m = mask.astype(x.dtype)
    pair = m[:, None] * m[None, :]
    msd = jnp.sum(_sqdist(x, x) * pair) / jnp.maximum(pair.sum() - m.sum(), 1.0)
    ell = jnp.sqrt(jnp.maximum(msd / 2.0, 1e-6))
    return GPParams(jnp.log(ell), jnp.asarray(0.0), jnp.asarray(jnp.log(0.1)))


def fit(
    key: jax.Array,
    x: jax.Array,
    y: jax.Array,
    mask: jax.Array,
    *,
    num_steps: int = 100,
    learning_rate: float = 0.05,
) -> GPState:
    """Standardises ``y``, maximises the marginal likelihood, returns the posterior state.

    Args:
      key: unused (the fit is deterministic); kept for the :class:`Surrogate` interface.
      x: ``[T, D]`` inputs; y: ``[T]`` targets; mask: ``[T]`` real rows.
      num_steps: Adam steps on ``(log l, log s2, log n2)``.
      learning_rate: Adam step size.
    """
    del key
    x = x.astype(jnp.float32)
    ys, y_mean, y_std = mlp.standardize(y.astype(jnp.float32), mask)
    opt = optax.adam(learning_rate)
    p0 = initial_params(x, mask)

    def step(carry, _):
        p, s = carry
        _, g = nll_and_grad(p, x, ys, mask)
        g = jax.tree.map(lambda a: jnp.where(jnp.isfinite(a), a, 0.0), g)
        upd, s = opt.update(g, s, p)
        p = optax.apply_updates(p, upd)
        p = p._replace(
            log_noise=jnp.clip(p.log_noise, jnp.log(1e-4), jnp.log(10.0)),
            log_lengthscale=jnp.clip(p.log_lengthscale, -5.0, 5.0),
            log_signal=jnp.clip(p.log_signal, -5.0, 5.0),
        )
        return (p, s), None

    (p, _), _ = jax.lax.scan(step, (p0, opt.init(p0)), None, length=num_steps)
    return posterior(p, x, ys, mask, y_mean, y_std)


def make(**options) -> acquisition.Surrogate:
    """The GP as a :class:`~jaxnas.predictors.acquisition.Surrogate`; ``options`` are
    :func:`fit`'s keywords (``num_steps``, ``learning_rate``)."""
    return acquisition.bind(fit, predict, **options)


__all__ = [
    "GPParams",
    "GPState",
    "fit",
    "initial_params",
    "kernel",
    "make",
    "neg_log_marginal_likelihood",
    "nll_and_grad",
    "posterior",
    "predict",
]
