"""LcSVR (Baker et al., 2017): nu-SVR on features of a partial learning curve; last-value baseline.

For a fixed number ``n`` of observed epochs, the features of a curve are its ``n`` values, its
``n - 1`` first and ``n - 2`` second differences, its mean and standard deviation, and optional
architecture / hyper-parameter features (e.g. log #params). One nu-SVR with an RBF kernel maps
them to the value at the target epoch. Features and target are standardised; ``C``, ``nu`` and
``gamma`` are chosen by random search with k-fold cross-validation (scikit-learn). Reference
settings (NAS-Bench-x11 / NASLib): 1,000 random configurations, 3-fold CV, ``C ~ logU(1e-5,
10)``, ``nu ~ U(0, 1)``, ``gamma ~ logU(1e-5, 10)``.

Follows the curve-predictor protocol of :mod:`jaxnas.predictors` (key first)::

    model = lcsvr.fit(key, partial [N, n], target [N], extra=None, config=...)
    pred = lcsvr.predict(model, partial [M, n], extra=None)      # [M]

The random search and the CV split draw from a seed derived from ``key``. Runs on the host
(NumPy / scikit-learn); nothing here is jitted.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import numpy as np


@dataclasses.dataclass(frozen=True)
class LcSVRConfig:
    """Settings of :func:`fit`.

    Attributes:
      n_iter: random-search configurations.
      cv: folds.
      c_range: log-uniform range of ``C``.
      nu_range: uniform range of ``nu``.
      gamma_range: log-uniform range of ``gamma``.
      n_jobs: scikit-learn parallel jobs.
    """

    n_iter: int = 1000
    cv: int = 3
    c_range: tuple[float, float] = (1e-5, 10.0)
    nu_range: tuple[float, float] = (0.0, 1.0)
    gamma_range: tuple[float, float] = (1e-5, 10.0)
    n_jobs: int = 1


def reference_config() -> LcSVRConfig:
    """1,000 random configurations, 3-fold CV."""
    return LcSVRConfig()


def fast_config() -> LcSVRConfig:
    """20 random configurations, 3-fold CV (tests)."""
    return LcSVRConfig(n_iter=20)


def curve_features(partial: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
    """Features of fully observed prefixes.

    Args:
      partial: ``[N, n]`` the first ``n`` values of each curve (n >= 1).
      extra: optional ``[N, E]`` architecture / hyper-parameter features.

    Returns:
      ``[N, n + (n - 1) + (n - 2) + 2 + E]`` features (difference blocks are empty when
      ``n`` is too short): values, first differences, second differences, mean, std, extra.
    """
    v = np.asarray(partial, np.float64)
    if v.ndim != 2 or v.shape[1] < 1:
        raise ValueError(f"partial must be [N, n>=1], got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("partial curves must be finite")
    d1 = np.diff(v, n=1, axis=1)
    d2 = np.diff(v, n=2, axis=1) if v.shape[1] >= 3 else np.zeros((v.shape[0], 0))
    parts = [v, d1, d2, v.mean(axis=1, keepdims=True), v.std(axis=1, keepdims=True)]
    if extra is not None:
        e = np.asarray(extra, np.float64)
        if e.ndim != 2 or e.shape[0] != v.shape[0]:
            raise ValueError(f"extra must be [N, E] with N={v.shape[0]}, got {e.shape}")
        parts.append(e)
    return np.concatenate(parts, axis=1)


class LcSVRModel(NamedTuple):
    """A fitted LcSVR.

    Attributes:
      estimator: the scikit-learn estimator (scaling + NuSVR, standardised target).
      num_observed: ``n``, the prefix length it was trained on.
      best_params: chosen ``C``, ``nu``, ``gamma``.
      cv_rmse: cross-validated RMSE of the chosen configuration (target units).
    """

    estimator: Any
    num_observed: int
    best_params: dict
    cv_rmse: float


def random_state(key: jax.Array) -> int:
    """The scikit-learn seed drawn from a PRNG key: an integer in ``[0, 2**31 - 1)``."""
    return int(jax.random.randint(key, (), 0, 2**31 - 1))


def fit(
    key: jax.Array,
    partial: np.ndarray,
    target: np.ndarray,
    *,
    extra: np.ndarray | None = None,
    config: LcSVRConfig | None = None,
) -> LcSVRModel:
    """Random-search CV fit of the nu-SVR.

    Args:
      key: PRNG key; the random search and the CV split use :func:`random_state` of it.
      partial: ``[N, n]`` observed prefixes of training curves.
      target: ``[N]`` value of each curve at the target epoch.
      extra: optional ``[N, E]`` extra features.
      config: settings (default :func:`reference_config`).

    Returns:
      The model, refitted on all ``N`` curves with the best configuration.
    """
    from scipy import stats
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.model_selection import KFold, RandomizedSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import NuSVR

    config = reference_config() if config is None else config
    seed = random_state(key)
    x = curve_features(partial, extra)
    y = np.asarray(target, np.float64)
    if y.shape != (x.shape[0],) or not np.all(np.isfinite(y)):
        raise ValueError("target must be finite with shape [N]")
    est = TransformedTargetRegressor(
        regressor=make_pipeline(StandardScaler(), NuSVR(kernel="rbf")),
        transformer=StandardScaler(),
    )
    p = "regressor__nusvr__"
    lo, hi = config.nu_range
    space = {
        p + "C": stats.loguniform(*config.c_range),
        # nu must lie in (0, 1]; keep the draw off an exact 0.
        p + "nu": stats.uniform(max(lo, 1e-3), hi - max(lo, 1e-3)),
        p + "gamma": stats.loguniform(*config.gamma_range),
    }
    search = RandomizedSearchCV(
        est,
        space,
        n_iter=config.n_iter,
        cv=KFold(config.cv, shuffle=True, random_state=seed),
        scoring="neg_root_mean_squared_error",
        random_state=seed,
        n_jobs=config.n_jobs,
        refit=True,
    )
    search.fit(x, y)
    best = {k.removeprefix(p): float(v) for k, v in search.best_params_.items()}
    return LcSVRModel(search.best_estimator_, partial.shape[1], best, -float(search.best_score_))


def predict(model: LcSVRModel, partial: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
    """Predicted target values ``[N]`` for prefixes ``[N, n]`` (n as in training)."""
    if partial.shape[1] != model.num_observed:
        raise ValueError(f"model trained on {model.num_observed} epochs, got {partial.shape[1]}")
    return model.estimator.predict(curve_features(partial, extra))


def last_value(partial: np.ndarray) -> np.ndarray:
    """The last-value baseline: the last observed value ``[N]`` of prefixes ``[N, n]``."""
    return np.asarray(partial, np.float64)[:, -1]
