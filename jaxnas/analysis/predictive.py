"""Predictive performance of an encoding: a GP trained on a few architectures predicts the rest.

arch2vec's predictive study (``REFERENCE.md``, "Predictive study"): for each of ``S`` seeds, draw
``num_train`` (250) architectures uniformly without replacement, fit the exact GP of
:mod:`jaxnas.predictors.gp` (RBF kernel, hyper-parameters by maximum marginal likelihood) on their
encodings and accuracies, predict every other architecture, and score the predictions on the
architectures whose accuracy exceeds ``threshold`` (0.8 in the seed): RMSE and Pearson r, reported
as mean +- std over the seeds (10 in the seed). Seed's numbers: supervised 0.038 +- 0.025 /
0.53 +- 0.09, arch2vec 0.018 +- 0.001 / 0.67 +- 0.02.

Which test points are scored (``score_filter``): ``'true'`` keeps those with true accuracy >
threshold; ``'both'`` (the reference, ``plot_scripts/pearson_plot_fig2.py``: ``idx0 =
np.logical_and(un_test_acc > acc_th, un_pred_acc > acc_th)`` with ``acc_th = 0.8``) keeps those
whose true **and** predicted accuracies exceed it.

The supervised baseline (:func:`supervised_predictions`) is an encoder trained per seed on that
seed's ``num_train`` labelled rows only (:func:`jaxnas.pretrain.supervised.fit_rows`), whose
embeddings of every row then go through the same GP: it never sees a label outside its training
rows (the reference's ``pybnn/dngo_supervised.py`` likewise trains on the labelled samples
only).

The whole study is one jitted function: the fits are ``vmap``-ped over seeds, the predictions
of all ``N`` architectures are ``lax.map``-ped over seeds (``[N, num_train]`` kernel blocks, one
seed at a time, to bound memory).

    res = predictive.study(jax.random.key(0), x, y)      # x [N, D] any encoding, y [N]
    res["rmse_mean"], res["pearson_mean"]
"""

from __future__ import annotations

import functools
import inspect
import logging
import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.predictors import gp
from jaxnas.pretrain import supervised as supervised_lib

log = logging.getLogger("jaxnas.analysis.predictive")

SCORE_FILTERS = ("true", "both")

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


def score(mean, y, train_idx, *, threshold: float = 0.8, score_filter: str = "true") -> dict:
    """RMSE / Pearson r per seed of GP means ``[S, N]`` against ``y [N]`` on the rows outside each
    seed's ``train_idx [S, T]`` kept by ``score_filter`` (see the module docstring)."""
    if score_filter not in SCORE_FILTERS:
        raise ValueError(f"score_filter must be one of {SCORE_FILTERS}, got {score_filter!r}")
    mean = jnp.asarray(mean, jnp.float32)
    yj = jnp.asarray(y, jnp.float32)
    s, n = mean.shape
    in_train = jnp.zeros((s, n), bool).at[jnp.arange(s)[:, None], train_idx].set(True)
    eval_mask = (~in_train) & (yj > threshold)[None, :]
    if score_filter == "both":
        eval_mask = eval_mask & (mean > threshold)
    rmse, r = masked_rmse_pearson(mean, yj[None, :], eval_mask)
    rmse, r = np.asarray(rmse, np.float64), np.asarray(r, np.float64)
    return {
        "rmse": rmse.tolist(),
        "pearson": r.tolist(),
        "rmse_mean": float(rmse.mean()),
        "rmse_std": float(rmse.std()),
        "pearson_mean": float(r.mean()),
        "pearson_std": float(r.std()),
        "num_eval": np.asarray(eval_mask.sum(-1)).tolist(),
        "threshold": threshold,
        "score_filter": score_filter,
    }


def _check_xy(x, y):
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.float32)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"expected x [N, D] and y [N], got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite (drop rows without a label first)")
    return x, y


def study(
    key: jax.Array,
    x,
    y,
    *,
    num_train: int = 250,
    num_seeds: int = 10,
    threshold: float = 0.8,
    score_filter: str = "true",
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
      threshold: score only architectures outside the training set with ``y > threshold``
        (seed: 0.8), and with a prediction above it too when ``score_filter='both'``.
      score_filter: ``'true'`` or ``'both'`` (the reference).
      gp_steps, learning_rate: the GP fit.

    Returns:
      JSON-able dict: ``rmse``/``pearson`` per seed, their mean and std (population std over
      seeds), ``num_eval`` per seed, the fitted hyper-parameters and the settings.
    """
    x, y = _check_xy(x, y)

    def predict(idx):
        mean, params = fit_and_predict(x, y, idx, gp_steps, learning_rate)
        return mean, {
            "gp_lengthscale": np.exp(np.asarray(params.log_lengthscale)).tolist(),
            "gp_noise": np.exp(np.asarray(params.log_noise)).tolist(),
        }

    return _scored_study(key, y, predict, int(x.shape[1]), num_train, num_seeds, threshold,
                         score_filter, gp_steps)  # fmt: skip


def _scored_study(key, y, predict, dim, num_train, num_seeds, threshold, score_filter, gp_steps):
    """The part :func:`study` and :func:`supervised_study` share: training rows from ``key``,
    ``predict(idx) -> (mean [S, N], info)``, scoring and the settings."""
    n = len(y)
    idx = train_sets(key, n, num_train, num_seeds)
    mean, info = predict(idx)
    return {
        **score(mean, y, idx, threshold=threshold, score_filter=score_filter),
        **info,
        "num_architectures": n,
        "dim": dim,
        "num_train": num_train,
        "num_seeds": num_seeds,
        "gp_steps": gp_steps,
    }


def supervised_predictions(
    key: jax.Array,
    adjacency: np.ndarray,
    ops: np.ndarray,
    num_ops: int,
    y,
    train_idx,
    *,
    gp_steps: int = 100,
    learning_rate: float = 0.05,
    encoder_kwargs: dict | None = None,
    embed_batch_size: int = 1024,
) -> tuple[np.ndarray, dict]:
    """GP means ``[S, N]`` on supervised embeddings trained per seed on that seed's rows only.

    For seed ``s`` an encoder is fitted (:func:`jaxnas.pretrain.supervised.fit_rows`) on
    ``y[train_idx[s]]`` and nothing else; every row is embedded with it; a GP fitted on the
    embeddings and labels of the same rows predicts every row. Labels outside ``train_idx`` are
    never read (they may be NaN).

    Args:
      key: PRNG key (the encoders; seed ``s`` uses ``fold_in(key, s)``).
      adjacency, ops: ``[N, M, M]`` / ``[N, M]`` every row's cell graph.
      num_ops: V.
      y: ``[N]`` labels; only ``y[train_idx]`` is read.
      train_idx: ``int [S, T]`` per-seed training rows (:func:`train_sets`).
      gp_steps, learning_rate: the GP fit.
      encoder_kwargs: keyword arguments of ``fit_rows`` (sizes, batch, epochs, lr).
      embed_batch_size: rows per embedding batch.

    Returns:
      ``(mean [S, N], info)``; ``info`` holds the GP hyper-parameters and the encoder settings.
    """
    y = np.asarray(y, np.float32)
    idx = np.asarray(train_idx)
    kw = dict(encoder_kwargs or {})
    means, scales, noises = [], [], []
    apply = None
    for s in range(idx.shape[0]):
        t0 = time.perf_counter()
        rows = idx[s]
        fit = supervised_lib.fit_rows(
            jax.random.fold_in(key, s), adjacency[rows], ops[rows], y[rows], num_ops, **kw
        )
        if apply is None:
            apply = supervised_lib.make_apply(fit.model)
        _, emb = supervised_lib.embed_cells(
            fit.model, fit.params, fit.model_state, adjacency, ops, embed_batch_size, apply
        )
        y_rows = np.zeros_like(emb[:, 0])
        y_rows[rows] = y[rows]  # the GP reads y at train_idx only
        mean, params = fit_and_predict(emb, y_rows, jnp.asarray(rows)[None], gp_steps,
                                       learning_rate)  # fmt: skip
        means.append(np.asarray(mean[0]))
        scales.append(float(np.exp(np.asarray(params.log_lengthscale))[0]))
        noises.append(float(np.exp(np.asarray(params.log_noise))[0]))
        log.info("supervised seed %d/%d: encoder on %d rows + GP (%.1f s)", s + 1, idx.shape[0],
                 len(rows), time.perf_counter() - t0)  # fmt: skip
    info = {"gp_lengthscale": scales, "gp_noise": noises, "encoder": kw}
    return np.stack(means), info


def supervised_study(
    key: jax.Array,
    adjacency,
    ops,
    num_ops: int,
    y,
    *,
    encoder_kwargs: dict | None = None,
    **options,
) -> dict:
    """:func:`study` for the leak-free supervised baseline: the same training rows per seed as
    :func:`study` with the same ``key`` (so the rows match the other encodings'), an encoder
    trained on each seed's rows (:func:`supervised_predictions`), the same scoring. ``options``
    are :func:`study`'s keywords (``num_train``, ``num_seeds``, ``threshold``, ``score_filter``,
    ``gp_steps``, ``learning_rate``), with its defaults."""
    bound = inspect.signature(study).bind(key, None, y, **options)
    bound.apply_defaults()
    o = bound.kwargs
    y = np.asarray(y, np.float32)

    def predict(idx):
        return supervised_predictions(
            jax.random.fold_in(key, 10_007), adjacency, ops, num_ops, y, idx,
            gp_steps=o["gp_steps"], learning_rate=o["learning_rate"],
            encoder_kwargs=encoder_kwargs,
        )  # fmt: skip

    latent = int((encoder_kwargs or {}).get("latent", 16))
    result = _scored_study(key, y, predict, latent, o["num_train"], o["num_seeds"],
                           o["threshold"], o["score_filter"], o["gp_steps"])  # fmt: skip
    return {**result, "trained_on": "each seed's num_train labelled rows only"}


__all__ = [
    "SCORE_FILTERS",
    "SEED_NUMBERS",
    "fit_and_predict",
    "masked_rmse_pearson",
    "score",
    "study",
    "supervised_predictions",
    "supervised_study",
    "train_sets",
]
