"""Acquisition functions and the surrogate interface shared by the BO searches.

A *surrogate* is a pair of pure functions (:class:`Surrogate`)::

    state = surrogate.fit(key, x [T, D], y [T], mask [T])   # padded history, mask of real rows
    mean, std = surrogate.predict(state, x_query [M, D])    # both [M], in units of y

Acquisitions score candidates for *maximisation* of ``y``:

* :func:`expected_improvement` -- EI with the predictive standard deviation (the correct form;
  default) over the incumbent ``best``;
* :func:`expected_improvement_reference` -- arch2vec's form: the *variance* in place of the
  standard deviation and a fixed target (1.0 on NB201, 0.95 on NB101) in place of the incumbent;
* :func:`ucb` -- ``mean + kappa * std``;
* :func:`thompson` -- independent Thompson sampling (ITS, BANANAS): one draw of
  ``N(mean, std^2)`` per candidate;
* ``'mean'`` -- the predicted mean (the neural-predictor search).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.stats import norm


class Surrogate(NamedTuple):
    """``fit(key, x [T, D], y [T], mask [T]) -> state``; ``predict(state, x [M, D]) ->
    (mean [M], std [M])``."""

    fit: Callable
    predict: Callable


def bind(fit: Callable, predict: Callable, shared: Sequence[str] = (), **options) -> Surrogate:
    """A :class:`Surrogate` from a predictor module's ``fit`` and ``predict`` with ``fit``'s
    keyword ``options`` fixed (lists frozen to tuples); the keys in ``shared`` that are given go
    to ``predict`` too (``activation``). An unknown option raises here, as a direct call would."""
    inspect.signature(fit).bind_partial(None, None, None, None, **options)
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
    to_predict = {k: options[k] for k in shared if k in options}
    return Surrogate(functools.partial(fit, **options), functools.partial(predict, **to_predict))


def expected_improvement(mean, std, best, xi: float = 0.0):
    """``E[max(f - best - xi, 0)]`` for ``f ~ N(mean, std^2)``; shapes broadcast."""
    std = jnp.maximum(std, 1e-12)
    z = (mean - best - xi) / std
    return std * (z * norm.cdf(z) + norm.pdf(z))


def expected_improvement_reference(mean, std, target: float = 1.0):
    """arch2vec's EI: ``s * (z Phi(z) + phi(z))`` with ``s = std**2`` (the variance, as pybnn's
    ``predict`` returns it) and ``z = (mean - target) / s``, ``target`` fixed."""
    s = jnp.maximum(std**2, 1e-24)
    z = (mean - target) / s
    return s * (z * norm.cdf(z) + norm.pdf(z))


def _log_h(z):
    """``log(z Phi(z) + phi(z))``, stable for very negative ``z`` (where EI underflows)."""
    log_phi = -0.5 * z**2 - 0.5 * jnp.log(2.0 * jnp.pi)
    zc = jnp.maximum(z, -10.0)
    direct = jnp.log(jnp.maximum(zc * norm.cdf(zc) + norm.pdf(zc), 1e-30))
    # Mills-ratio asymptotics: z Phi(z) + phi(z) = phi(z) / z^2 (1 - 3 / z^2 + 15 / z^4 - ...).
    zn = jnp.minimum(z, -10.0)
    tail = log_phi - 2.0 * jnp.log(-zn) + jnp.log1p(-3.0 / zn**2 + 15.0 / zn**4)
    return jnp.where(z > -10.0, direct, tail)


def log_expected_improvement(mean, std, best, xi: float = 0.0):
    """``log`` of :func:`expected_improvement`, finite where EI underflows to 0 (for ranking)."""
    std = jnp.maximum(std, 1e-12)
    return jnp.log(std) + _log_h((mean - best - xi) / std)


def log_expected_improvement_reference(mean, std, target: float = 1.0):
    """``log`` of :func:`expected_improvement_reference`, finite where it underflows."""
    s = jnp.maximum(std**2, 1e-24)
    return jnp.log(s) + _log_h((mean - target) / s)


def ucb(mean, std, kappa: float = 2.0):
    """Upper confidence bound ``mean + kappa * std``."""
    return mean + kappa * std


def thompson(key: jax.Array, mean, std):
    """Independent Thompson sampling: a draw of ``N(mean, std^2)`` per candidate."""
    return mean + std * jax.random.normal(key, jnp.shape(mean))


def score(name: str, key, mean, std, best, *, xi=0.0, kappa=2.0, target=1.0):
    """Acquisition values for ranking candidates: ``name`` in ``('ei', 'ei_reference', 'ucb',
    'its', 'mean')``; the EI forms are returned as log-EI (same order, no underflow ties)."""
    if name == "ei":
        return log_expected_improvement(mean, std, best, xi)
    if name == "ei_reference":
        return log_expected_improvement_reference(mean, std, target)
    if name == "ucb":
        return ucb(mean, std, kappa)
    if name == "its":
        return thompson(key, mean, std)
    if name == "mean":
        return mean
    raise ValueError(f"unknown acquisition {name!r}")


__all__ = [
    "Surrogate",
    "bind",
    "expected_improvement",
    "expected_improvement_reference",
    "log_expected_improvement",
    "log_expected_improvement_reference",
    "score",
    "thompson",
    "ucb",
]
