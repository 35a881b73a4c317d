"""Noise models of x11 surrogates: residuals of curves around their compressed reconstruction.

Fitted on residuals ``R = Y - decode(encode(Y))`` of the training curves (``[N, E]``), each model
samples noise curves ``[B, E]`` with an explicit PRNG key:

* **STD** -- independent Gaussian noise per epoch with the residuals' per-epoch standard
  deviation (the same for every architecture).
* **GKDE** -- a Gaussian kernel density estimate over the residual vectors: draw a training
  residual uniformly, add Gaussian noise with the data covariance times ``factor**2`` (Scott's
  rule ``factor = N ** (-1 / (E + 4))``, as ``scipy.stats.gaussian_kde``). The covariance of the
  residuals is rank deficient (they are orthogonal to the SVD basis), so the kernel is drawn
  through an eigen-decomposition rather than a Cholesky factor. ``reference_clip=True`` (the
  default of :class:`~jaxnas.surrogates.surrogate.SurrogateConfig`) reproduces the reference
  query path (``nas_bench_x11/models/svd_lgb.py``: ``query(..., use_noise=True)`` draws
  ``kernel.resample(1)``, clips it to ``[-3, 3]`` and adds half of it to the mean curve). The
  clip only bites in units where residuals reach 3 (percent accuracy, perplexities); for
  accuracies as fractions the halving is what changes the draws. Two reference details we do
  not reproduce: its residuals are ``reconstruction - y`` (ours ``y - reconstruction``; the KDE
  is not symmetric, so its draws are the mirror image of the residuals), and it adds 1e-8
  jitter to the residuals before ``scipy.stats.gaussian_kde``.
* **Sliding window** -- per architecture, the residual std over a window of ``window`` epochs
  centred on each epoch is the target of a ridge regression from the architecture features
  (encoding and predicted components) to ``log std``; queries draw independent Gaussian noise
  with the predicted per-epoch std. (The paper describes the model only in words; this is a
  linear instance of it, stated here as our choice.)
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import numpy as np


class STDNoise(NamedTuple):
    """Attributes: ``std`` ``[E]``, the per-epoch residual standard deviation."""

    std: np.ndarray


class GKDENoise(NamedTuple):
    """Attributes: ``residuals`` ``[N, E]``; ``kernel_sqrt`` ``[E, E]`` with
    ``kernel_sqrt @ kernel_sqrt.T`` the kernel covariance; ``factor``; ``reference_clip``."""

    residuals: np.ndarray
    kernel_sqrt: np.ndarray
    factor: float
    reference_clip: bool


class WindowNoise(NamedTuple):
    """Attributes: ``weights`` ``[F + 1, E]`` ridge weights (last row the bias) mapping
    standardised features to ``log std``; ``f_mean``/``f_std`` ``[F]``; ``window``."""

    weights: np.ndarray
    f_mean: np.ndarray
    f_std: np.ndarray
    window: int


def std_fit(residuals) -> STDNoise:
    """Per-epoch standard deviation of residuals ``[N, E]`` (``ddof=1``)."""
    r = np.asarray(residuals, np.float64)
    return STDNoise(std=r.std(axis=0, ddof=1))


def gkde_fit(residuals, reference_clip: bool = False) -> GKDENoise:
    """A Gaussian KDE over residual vectors ``[N, E]`` with Scott's bandwidth."""
    r = np.asarray(residuals, np.float64)
    n, e = r.shape
    factor = float(n ** (-1.0 / (e + 4)))
    cov = np.atleast_2d(np.cov(r, rowvar=False)) * factor**2
    w, v = np.linalg.eigh(cov)
    sqrt = v * np.sqrt(np.clip(w, 0.0, None))[None, :]
    return GKDENoise(residuals=r, kernel_sqrt=sqrt, factor=factor, reference_clip=reference_clip)


def window_std(residuals, window: int) -> np.ndarray:
    """Std ``[N, E]`` of each curve's residuals over a window of epochs centred on each epoch
    (truncated at the ends; ``ddof=0``)."""
    r = np.asarray(residuals, np.float64)
    e = r.shape[1]
    half = window // 2
    out = np.empty_like(r)
    for t in range(e):
        lo, hi = max(0, t - half), min(e, t + half + 1)
        out[:, t] = r[:, lo:hi].std(axis=1)
    return out


def window_fit(residuals, features, window: int = 5, ridge: float = 1.0) -> WindowNoise:
    """Ridge regression from features ``[N, F]`` to ``log`` window std ``[N, E]``."""
    s = window_std(residuals, window)
    floor = max(float(np.median(s)) * 1e-3, 1e-12)
    target = np.log(np.maximum(s, floor))
    f = np.asarray(features, np.float64)
    f_mean = f.mean(axis=0)
    f_std = np.where(f.std(axis=0) > 0, f.std(axis=0), 1.0)
    x = np.concatenate([(f - f_mean) / f_std, np.ones((len(f), 1))], axis=1)
    reg = ridge * np.eye(x.shape[1])
    reg[-1, -1] = 0.0
    weights = np.linalg.solve(x.T @ x + reg, x.T @ target)
    return WindowNoise(weights=weights, f_mean=f_mean, f_std=f_std, window=int(window))


def window_predict_std(model: WindowNoise, features) -> np.ndarray:
    """Predicted per-epoch noise std ``[B, E]`` for features ``[B, F]``."""
    f = (np.asarray(features, np.float64) - model.f_mean) / model.f_std
    x = np.concatenate([f, np.ones((len(f), 1))], axis=1)
    return np.exp(x @ model.weights)


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _gkde_draws(key: jax.Array, num: int, n: int, e: int) -> tuple[jax.Array, jax.Array]:
    """The GKDE draw's random numbers in one compiled call: residual rows ``int32 [num]`` and
    standard normals ``float32 [num, e]`` (bit-identical to the same calls made eagerly, which
    cost one dispatch each: a one-row query spent most of its time here)."""
    k1, k2 = jax.random.split(key)
    return jax.random.randint(k1, (num,), 0, n), jax.random.normal(k2, (num, e))


def sample(model, key: jax.Array, num: int, features=None) -> np.ndarray:
    """Draws ``num`` noise curves ``[num, E]``.

    Args:
      model: an :class:`STDNoise`, :class:`GKDENoise` or :class:`WindowNoise`.
      key: PRNG key.
      num: number of curves.
      features: ``[num, F]`` architecture features (needed by :class:`WindowNoise` only).
    """
    if isinstance(model, STDNoise):
        z = jax.random.normal(key, (num, model.std.shape[0]))
        return np.asarray(z) * model.std
    if isinstance(model, GKDENoise):
        n, e = model.residuals.shape
        idx, z = jax.device_get(_gkde_draws(key, num, n, e))
        out = model.residuals[idx] + np.asarray(z) @ model.kernel_sqrt.T
        if model.reference_clip:
            out = np.clip(out, -3.0, 3.0) / 2.0
        return out
    if isinstance(model, WindowNoise):
        if features is None:
            raise ValueError("the sliding-window noise model needs the architecture features")
        std = window_predict_std(model, features)
        z = np.asarray(jax.random.normal(key, std.shape))
        return z * std
    raise TypeError(f"not a noise model: {type(model).__name__}")
