"""DNGO: MLP features + Bayesian linear regression (Snoek et al. 2015; arch2vec's surrogate).

The MLP (arch2vec's reference: ``D -> 128 tanh -> 1``, Adam lr 1e-2, batch 10, 100 epochs) is
trained on standardised targets; its last hidden layer ``phi(x) [H]`` is the basis of a Bayesian
linear regression ``y = w . phi(x) + eps`` with prior ``w ~ N(0, I / alpha)`` and noise precision
``beta``. ``alpha`` and ``beta`` maximise the log evidence (found by MacKay's fixed-point
iteration in the eigenbasis of ``Phi^T Phi``, which converges to a stationary point of the
evidence). Posterior: ``A = alpha I + beta Phi^T Phi``, ``m = beta A^-1 Phi^T y``; predictive
mean ``phi . m``, variance ``1 / beta + phi^T A^-1 phi``.

Padded histories: padding rows have ``phi = 0`` and ``y = 0`` and are not counted in ``n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxnas.predictors import acquisition, mlp


class BLRState(NamedTuple):
    mean: jax.Array  # [H] posterior mean of w
    cov: jax.Array  # [H, H] posterior covariance A^-1
    alpha: jax.Array
    beta: jax.Array


class DNGOState(NamedTuple):
    params: tuple
    blr: BLRState
    y_mean: jax.Array
    y_std: jax.Array


def blr_posterior(phi: jax.Array, y: jax.Array, alpha, beta) -> BLRState:
    """Closed-form posterior of Bayesian linear regression. ``phi [n, H]``, ``y [n]``."""
    h = phi.shape[-1]
    a = alpha * jnp.eye(h) + beta * phi.T @ phi
    cov = jnp.linalg.inv(a)
    cov = 0.5 * (cov + cov.T)
    return BLRState(beta * cov @ (phi.T @ y), cov, jnp.asarray(alpha), jnp.asarray(beta))


def log_evidence(phi, y, n, alpha, beta) -> jax.Array:
    """Log marginal likelihood of the BLR (``n`` real rows; padding rows of ``phi``, ``y`` = 0)."""
    h = phi.shape[-1]
    a = alpha * jnp.eye(h) + beta * phi.T @ phi
    m = beta * jnp.linalg.solve(a, phi.T @ y)
    resid = jnp.sum((y - phi @ m) ** 2)
    return (
        0.5 * h * jnp.log(alpha)
        + 0.5 * n * jnp.log(beta)
        - 0.5 * beta * resid
        - 0.5 * alpha * jnp.dot(m, m)
        - 0.5 * jnp.linalg.slogdet(a)[1]
        - 0.5 * n * jnp.log(2.0 * jnp.pi)
    )


def optimize_evidence(phi, y, n, alpha0=1.0, beta0=1000.0, num_iters: int = 100):
    """MacKay's fixed-point updates of ``(alpha, beta)`` (Bishop PRML 3.5.2), clipped to
    ``[1e-6, 1e6]`` (``alpha``) and ``[1e-3, 1e6]`` (``beta``)."""
    lam0, vecs = jnp.linalg.eigh(phi.T @ phi)
    lam0 = jnp.maximum(lam0, 0.0)
    proj = vecs.T @ (phi.T @ y)  # Phi^T y in the eigenbasis

    def body(carry, _):
        alpha, beta = carry
        lam = beta * lam0
        m = vecs @ (beta * proj / (alpha + lam))
        gamma = jnp.sum(lam / (alpha + lam))
        resid = jnp.sum((y - phi @ m) ** 2)
        alpha = jnp.clip(gamma / jnp.maximum(jnp.dot(m, m), 1e-12), 1e-6, 1e6)
        beta = jnp.clip((n - gamma) / jnp.maximum(resid, 1e-12), 1e-3, 1e6)
        return (alpha, beta), None

    (alpha, beta), _ = jax.lax.scan(
        body, (jnp.asarray(alpha0, phi.dtype), jnp.asarray(beta0, phi.dtype)), None, num_iters
    )
    return alpha, beta


def blr_predict(blr: BLRState, phi_q: jax.Array):
    """Predictive mean and std ``[M]`` at features ``phi_q [M, H]``."""
    mean = phi_q @ blr.mean
    var = 1.0 / blr.beta + jnp.sum((phi_q @ blr.cov) * phi_q, axis=-1)
    return mean, jnp.sqrt(jnp.maximum(var, 1e-12))


def fit(
    key: jax.Array,
    x: jax.Array,
    y: jax.Array,
    mask: jax.Array,
    *,
    hidden: Sequence[int] = (128,),
    activation: str = "tanh",
    num_epochs: int = 100,
    batch_size: int | None = 10,
    learning_rate: float = 1e-2,
    evidence_iters: int = 100,
) -> DNGOState:
    """Trains the feature MLP, then fits the BLR with evidence-maximising ``alpha``, ``beta``.

    Args:
      key: PRNG key (MLP init and minibatch order).
      x: ``[T, D]``; y: ``[T]``; mask: ``[T]`` real rows of a padded history.
      hidden: hidden layer widths (the last one is the BLR basis).
      activation, num_epochs, batch_size, learning_rate: MLP training (see :func:`mlp.fit`).
      evidence_iters: fixed-point iterations for ``alpha``, ``beta``.
    """
    x = x.astype(jnp.float32)
    ys, y_mean, y_std = mlp.standardize(y.astype(jnp.float32), mask)
    params = mlp.init_and_fit(
        key, hidden, x, ys, mask, num_epochs=num_epochs, batch_size=batch_size,
        learning_rate=learning_rate, activation=activation,
    )  # fmt: skip
    m = mask.astype(jnp.float32)
    phi = mlp.features(params, x, activation) * m[:, None]
    alpha, beta = optimize_evidence(phi, ys, m.sum(), num_iters=evidence_iters)
    return DNGOState(params, blr_posterior(phi, ys, alpha, beta), y_mean, y_std)


def predict(state: DNGOState, xq: jax.Array, activation: str = "tanh"):
    """Predictive mean and std ``[M]`` in the units of ``y``."""
    phi = mlp.features(state.params, xq.astype(jnp.float32), activation)
    mean, std = blr_predict(state.blr, phi)
    return state.y_mean + state.y_std * mean, state.y_std * std


def make(**options) -> acquisition.Surrogate:
    """DNGO as a :class:`~jaxnas.predictors.acquisition.Surrogate`; ``options`` are
    :func:`fit`'s keywords (defaults: arch2vec's)."""
    return acquisition.bind(fit, predict, ("activation",), **options)


__all__ = [
    "BLRState",
    "DNGOState",
    "blr_posterior",
    "blr_predict",
    "fit",
    "log_evidence",
    "make",
    "optimize_evidence",
    "predict",
]
