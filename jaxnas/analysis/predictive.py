"""Predictive performance of an encoding: a GP trained on a few architectures predicts the rest.

arch2vec's predictive study (``REFERENCE.md``, "Predictive study"): for each of ``S`` seeds, draw
``num_train`` (250) architectures uniformly without replacement, fit the exact GP of
:mod:`jaxnas.predictors.gp` (RBF kernel, hyper-parameters by maximum marginal likelihood) on their
encodings and accuracies, predict every other architecture, and score the predictions on the
architectures whose accuracy exceeds ``threshold`` (0.8 in the seed): RMSE and Pearson r, reported
as mean +- std over the seeds (10 in the seed). Seed's numbers: supervised 0.038 +- 0.025 /
0.53 +- 0.09, arch2vec 0.018 +- 0.001 / 0.67 +- 0.02.

The whole study is one jitted function: the fits are ``vmap``-ped over seeds, the predictions
of all ``N`` architectures are ``lax.map``-ped over seeds (``[N, num_train]`` kernel blocks, one
seed at a time, to bound memory).

    res = predictive.study(jax.random.key(0), x, y)      # x [N, D] any encoding, y [N]
    res["rmse_mean"], res["pearson_mean"]
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.predictors import gp

SEED_NUMBERS = {
    "supervised": {"rmse": (0.038, 0.025), "pearson": (0.53, 0.09)},
    "arch2vec": {"rmse": (0.018, 0.001), "pearson": (0.67, 0.02)},
}
"""The seed's published predictive-study numbers: (mean, std) over 10 seeds."""


def train_sets(key: jax.Array, num: int, num_train: int, num_seeds: int) -> jax.Array:
    """``int32 [S, num_train]`` training rows per seed, each drawn without replacement from
    ``range(num)`` with ``fold_in(key, seed)``."""
    if not 0 < num_train < num:
        raise ValueError(f"num_train must be in (0, {num}), got {num_train}")
    keys = jax.vmap(lambda s: jax.random.fold_in(key, s))(jnp.arange(num_seeds))
    return jax.vmap(lambda k: jax.random.choice(k, num, (num_train,), replace=False))(keys).astype(
        jnp.int32
    )


def masked_rmse_pearson(pred: jax.Array, y: jax.Array, mask: jax.Array):
    """RMSE and Pearson r of ``pred`` vs ``y`` over the rows where ``mask`` (``[..., N]``)."""
    m = mask.astype(jnp.float32)
    n = jnp.maximum(m.sum(-1), 1.0)
    rmse = jnp.sqrt(jnp.sum(m * (pred - y) ** 2, -1) / n)
    pc = pred - jnp.sum(m * pred, -1, keepdims=True) / n[..., None]
    yc = y - jnp.sum(m * y, -1, keepdims=True) / n[..., None]
    cov = jnp.sum(m * pc * yc, -1)
    r = cov / jnp.sqrt(jnp.sum(m * pc**2, -1) * jnp.sum(m * yc**2, -1))
    return rmse, r


@functools.partial(jax.jit, static_argnames=("num_steps",))
def fit_and_predict(
    x: jax.Array, y: jax.Array, train_idx: jax.Array, num_steps: int = 100, learning_rate=0.05
) -> tuple[jax.Array, gp.GPParams]:
    """GP posterior means of every row, one GP per seed.

    Args:
      x: ``[N, D]`` encodings; y: ``[N]`` targets.
      train_idx: ``int [S, T]`` training rows per seed.
      num_steps, learning_rate: the GP's marginal-likelihood optimisation.

    Returns:
      ``(mean [S, N], fitted hyper-parameters (each [S]))``.
    """
    x = jnp.asarray(x, jnp.float32)
    y = jnp.asarray(y, jnp.float32)
    xt, yt = x[train_idx], y[train_idx]
    mask = jnp.ones(train_idx.shape, bool)

    def fit(xs, ys, ms):
        return gp.fit(jax.random.key(0), xs, ys, ms, num_steps=num_steps,
                      learning_rate=learning_rate)  # fmt: skip

    states = jax.vmap(fit)(xt, yt, mask)
    mean = jax.lax.map(lambda s: gp.predict(s, x)[0], states)
    return mean, states.params


def study(
    key: jax.Array,
    x,
    y,
    *,
    num_train: int = 250,
    num_seeds: int = 10,
    threshold: float = 0.8,
    gp_steps: int = 100,
    learning_rate: float = 0.05,
) -> dict:
    """The predictive study of one encoding table (see the module docstring).

    Args:
      key: PRNG key (the training sets).
      x: ``[N, D]`` encodings of the ``N`` architectures (finite).
      y: ``[N]`` accuracies (fractions, finite).
      num_train: training architectures per seed (seed: 250).
      num_seeds: S (seed: 10).
      threshold: score only architectures with ``y > threshold`` (seed: 0.8), outside the
        training set.
      gp_steps, learning_rate: the GP fit.

    Returns:
      JSON-able dict: ``rmse``/``pearson`` per seed, their mean and std (population std over
      seeds), ``num_eval`` per seed, the fitted hyper-parameters and the settings.
    """
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.float32)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"expected x [N, D] and y [N], got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite (drop rows without a label first)")
    n = len(y)
    idx = train_sets(key, n, num_train, num_seeds)
    mean, params = fit_and_predict(x, y, idx, gp_steps, learning_rate)
    in_train = jnp.zeros((num_seeds, n), bool).at[jnp.arange(num_seeds)[:, None], idx].set(True)
    eval_mask = (~in_train) & (jnp.asarray(y) > threshold)[None, :]
    rmse, r = masked_rmse_pearson(mean, jnp.asarray(y)[None, :], eval_mask)
    rmse, r = np.asarray(rmse, np.float64), np.asarray(r, np.float64)
    return {
        "rmse": rmse.tolist(),
        "pearson": r.tolist(),
        "rmse_mean": float(rmse.mean()),
        "rmse_std": float(rmse.std()),
        "pearson_mean": float(r.mean()),
        "pearson_std": float(r.std()),
        "num_eval": np.asarray(eval_mask.sum(-1)).tolist(),
        "gp_lengthscale": np.exp(np.asarray(params.log_lengthscale)).tolist(),
        "gp_noise": np.exp(np.asarray(params.log_noise)).tolist(),
        "num_architectures": n,
        "dim": int(x.shape[1]),
        "num_train": num_train,
        "num_seeds": num_seeds,
        "threshold": threshold,
        "gp_steps": gp_steps,
    }


__all__ = [
    "SEED_NUMBERS",
    "fit_and_predict",
    "masked_rmse_pearson",
    "study",
    "train_sets",
]
