"""Mean models of x11 surrogates: regress compressed curve components from encodings.

Three models, each a ``fit`` returning an immutable value and a ``predict`` over ``[B, D]``:

* LightGBM (CPU, ``pip install jaxnas[lightgbm]``): one booster per component, as a regressor
  chain like the reference's ``sklearn.multioutput.RegressorChain`` (component ``j`` also sees
  components ``0..j-1``: the true ones when fitting, the predicted ones when predicting).
  Targets are standardised per component. :data:`REFERENCE_LGB` holds NAS-Bench-x11's
  hyper-parameters; :data:`FAST_LGB` is a small preset for tests and smoke runs.
* XGBoost (CPU, optional: ``pip install jaxnas[xgboost]``): the same regressor chain with
  ``xgboost`` boosters. :data:`REFERENCE_XGB` holds the hyper-parameters the x11 reference's
  ``SVDXGBModel`` / ``VAEXGBModel`` actually fitted with (see its docstring); :data:`FAST_XGB`
  is a small preset for tests and smoke runs.
* MLP (Flax linen + optax Adam, full batch): standardised inputs and targets.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnas import _optional


def _import_lightgbm():
    return _optional.require("lightgbm", "the LightGBM mean model ('lgb')", "lightgbm")


@dataclasses.dataclass(frozen=True)
class LGBConfig:
    """LightGBM hyper-parameters (names as in the x11 reference config).

    Attributes:
      num_rounds: boosting rounds per component.
      learning_rate, max_depth, num_leaves, min_child_weight, reg_alpha, reg_lambda: as
        LightGBM's ``learning_rate``, ``max_depth``, ``num_leaves``,
        ``min_sum_hessian_in_leaf``, ``lambda_l1``, ``lambda_l2``.
      min_data_in_leaf: LightGBM's default (20) unless set.
      chain: regressor chain over components (the reference) or independent boosters.
      num_threads: LightGBM threads (0: OpenMP default).
      seed: LightGBM seed (fits are deterministic given it).
    """

    num_rounds: int = 3000
    learning_rate: float = 0.0218
    max_depth: int = 18
    num_leaves: int = 40
    min_child_weight: float = 0.582
    reg_alpha: float = 0.0115
    reg_lambda: float = 134.5
    min_data_in_leaf: int = 20
    chain: bool = True
    num_threads: int = 0
    seed: int = 0

    def params(self) -> dict:
        return {
            "objective": "regression",
            "learning_rate": self.learning_rate,
            "max_depth": self.max_depth,
            "num_leaves": self.num_leaves,
            "min_sum_hessian_in_leaf": self.min_child_weight,
            "lambda_l1": self.reg_alpha,
            "lambda_l2": self.reg_lambda,
            "min_data_in_leaf": self.min_data_in_leaf,
            "num_threads": self.num_threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }


REFERENCE_LGB = LGBConfig()
"""NAS-Bench-x11's SVD-LGB hyper-parameters (3,000 rounds, lr 0.0218, depth 18, 40 leaves,
min_child_weight 0.582, reg_alpha 0.0115, reg_lambda 134.5; regressor chain)."""

FAST_LGB = LGBConfig(num_rounds=60, learning_rate=0.1, max_depth=6, num_leaves=15, reg_lambda=1.0)
"""A small preset for tests and smoke runs (not for reported numbers)."""


class LGBModel(NamedTuple):
    """Fitted LightGBM mean model.

    Attributes:
      boosters: one ``lightgbm.Booster`` per component.
      y_mean, y_std: ``[k]`` target standardisation.
      chain: whether booster ``j`` reads components ``0..j-1``.
      num_threads: threads used for prediction.
    """

    boosters: tuple
    y_mean: np.ndarray
    y_std: np.ndarray
    chain: bool
    num_threads: int


def _standardise(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = y.mean(axis=0)
    std = y.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (y - mean) / std, mean, std


def _chain_fit(x: np.ndarray, z: np.ndarray, chain: bool, fit_one) -> tuple:
    """``fit_one(inputs, z[:, j])`` for each component ``j``; in a regressor chain the inputs
    of model ``j`` are the features and the components ``0..j-1``."""
    return tuple(
        fit_one(np.concatenate([x, z[:, :j]], axis=1) if chain else x, z[:, j])
        for j in range(z.shape[1])
    )


def _chain_predict(x: np.ndarray, models, chain: bool, predict_one) -> np.ndarray:
    """``[B, k]`` predictions of the models of :func:`_chain_fit`; in a chain, model ``j``
    reads the earlier models' predictions."""
    preds: list[np.ndarray] = []
    for m in models:
        xj = np.concatenate([x, *[p[:, None] for p in preds]], axis=1) if chain else x
        preds.append(np.asarray(predict_one(m, xj), np.float64))
    return np.stack(preds, axis=1)


def lgb_fit(features, targets, config: LGBConfig = REFERENCE_LGB) -> LGBModel:
    """Fits one booster per target column.

    Args:
      features: ``[N, D]`` encodings.
      targets: ``[N, k]`` compressed curves.
      config: hyper-parameters.
    """
    lgb = _import_lightgbm()
    x = np.asarray(features, np.float64)
    z, mean, std = _standardise(np.asarray(targets, np.float64))

    def fit_one(xj, zj):
        data = lgb.Dataset(xj, zj, params={"verbosity": -1}, free_raw_data=True)
        return lgb.train(config.params(), data, num_boost_round=config.num_rounds)

    boosters = _chain_fit(x, z, config.chain, fit_one)
    return LGBModel(boosters, mean, std, config.chain, config.num_threads)


def lgb_predict(model: LGBModel, features) -> np.ndarray:
    """Predicted components ``[B, k]`` for encodings ``[B, D]``."""
    x = np.asarray(features, np.float64)
    z = _chain_predict(
        x, model.boosters, model.chain, lambda b, xj: b.predict(xj, num_threads=model.num_threads)
    )
    return z * model.y_std + model.y_mean


def lgb_to_strings(model: LGBModel) -> list[str]:
    """The boosters as LightGBM model strings (for saving)."""
    return [b.model_to_string() for b in model.boosters]


def lgb_from_strings(strings, y_mean, y_std, chain: bool, num_threads: int = 0) -> LGBModel:
    """Inverse of :func:`lgb_to_strings`."""
    lgb = _import_lightgbm()
    boosters = tuple(lgb.Booster(model_str=s) for s in strings)
    return LGBModel(
        boosters, np.asarray(y_mean, np.float64), np.asarray(y_std, np.float64), chain, num_threads
    )


# ----------------------------------------------------------------------------------------------
# XGBoost


def import_xgboost():
    """The ``xgboost`` module, or an ImportError naming the extra that installs it."""
    return _optional.require("xgboost", "the XGBoost mean model ('xgb')", "xgboost")


@dataclasses.dataclass(frozen=True)
class XGBConfig:
    """XGBoost hyper-parameters (``xgboost.train`` names).

    Attributes:
      num_rounds: boosting rounds per component.
      learning_rate, max_depth, min_child_weight, reg_alpha, reg_lambda: XGBoost's ``eta``,
        ``max_depth``, ``min_child_weight``, ``alpha``, ``lambda``.
      tree_method: XGBoost's tree method (``'hist'``, XGBoost's default since 2.0).
      chain: regressor chain over components (the reference) or independent boosters.
      num_threads: XGBoost threads (0: all cores).
      seed: XGBoost seed.
    """

    num_rounds: int = 100
    learning_rate: float = 0.0218
    max_depth: int = 18
    min_child_weight: float = 0.582
    reg_alpha: float = 0.0115
    reg_lambda: float = 134.5
    tree_method: str = "hist"
    chain: bool = True
    num_threads: int = 0
    seed: int = 0

    def params(self) -> dict:
        p = {
            "objective": "reg:squarederror",
            "eta": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "alpha": self.reg_alpha,
            "lambda": self.reg_lambda,
            "tree_method": self.tree_method,
            "seed": self.seed,
            "verbosity": 0,
        }
        if self.num_threads > 0:
            p["nthread"] = self.num_threads
        return p


REFERENCE_XGB = XGBConfig()
"""The x11 reference's SVD-XGB / VAE-XGB settings as its code runs them.

``nas_bench_x11/models/svd_xgb.py`` builds ``RegressorChain(xgb.XGBRegressor(num_rounds=...,
boosting_type=..., max_depth=..., learning_rate=..., num_leaves=..., min_child_weight=...,
reg_alpha=lambda_l1, reg_lambda=lambda_l2))`` from the same keys as SVD-LGB (its own
configspace file is not in the public repository; the SVD-LGB defaults are: lr 0.0218, depth
18, min_child_weight 0.582, reg_alpha 0.0115, reg_lambda 134.5). ``XGBRegressor`` ignores
``num_rounds``, ``boosting_type`` and ``num_leaves`` (they are not XGBoost parameters), so the
reference trains ``n_estimators`` = 100 rounds (XGBoost's default): :data:`REFERENCE_XGB` does
the same. Set ``num_rounds=3000`` for the 3,000 rounds its config asked for."""

FAST_XGB = XGBConfig(num_rounds=60, learning_rate=0.1, max_depth=6, reg_lambda=1.0)
"""A small preset for tests and smoke runs (not for reported numbers)."""


class XGBModel(NamedTuple):
    """Fitted XGBoost mean model.

    Attributes:
      boosters: one ``xgboost.Booster`` per component.
      y_mean, y_std: ``[k]`` target standardisation.
      chain: whether booster ``j`` reads components ``0..j-1``.
    """

    boosters: tuple
    y_mean: np.ndarray
    y_std: np.ndarray
    chain: bool


def xgb_fit(features, targets, config: XGBConfig = REFERENCE_XGB) -> XGBModel:
    """Fits one XGBoost booster per target column (a regressor chain by default).

    Args:
      features: ``[N, D]`` encodings.
      targets: ``[N, k]`` compressed curves.
      config: hyper-parameters.
    """
    xgb = import_xgboost()
    x = np.asarray(features, np.float64)
    y = np.asarray(targets, np.float64)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise ValueError(f"features [N, D] and targets [N, k] expected, got {x.shape}, {y.shape}")
    z, mean, std = _standardise(y)

    def fit_one(xj, zj):
        data = xgb.DMatrix(xj, label=zj, nthread=config.num_threads or None)
        return xgb.train(config.params(), data, num_boost_round=config.num_rounds)

    return XGBModel(_chain_fit(x, z, config.chain, fit_one), mean, std, config.chain)


def xgb_predict(model: XGBModel, features) -> np.ndarray:
    """Predicted components ``[B, k]`` for encodings ``[B, D]``."""
    x = np.asarray(features, np.float64)
    z = _chain_predict(x, model.boosters, model.chain, lambda b, xj: b.inplace_predict(xj))
    return z * model.y_std + model.y_mean


def xgb_to_bytes(model: XGBModel) -> list[bytes]:
    """The boosters in XGBoost's binary UBJSON format (exact; for saving)."""
    return [bytes(b.save_raw(raw_format="ubj")) for b in model.boosters]


def xgb_from_bytes(raw, y_mean, y_std, chain: bool, num_threads: int = 0) -> XGBModel:
    """Inverse of :func:`xgb_to_bytes`."""
    xgb = import_xgboost()
    boosters = []
    for r in raw:
        b = xgb.Booster()
        b.load_model(bytearray(r))
        if num_threads > 0:
            b.set_param({"nthread": num_threads})
        boosters.append(b)
    return XGBModel(
        tuple(boosters), np.asarray(y_mean, np.float64), np.asarray(y_std, np.float64), chain
    )


# ----------------------------------------------------------------------------------------------
# MLP


@dataclasses.dataclass(frozen=True)
class MLPConfig:
    """MLP mean model (x11's ``mlp`` option), trained full batch with AdamW.

    Attributes:
      hidden: widths of the hidden ReLU layers.
      steps: full-batch optimiser steps.
      learning_rate: AdamW learning rate; weight_decay: its decoupled weight decay.
    """

    hidden: tuple[int, ...] = (128, 128)
    steps: int = 2000
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4


FAST_MLP = MLPConfig(hidden=(64, 64), steps=300, learning_rate=3e-3)
"""A small preset for tests and smoke runs."""


class _MLP(nn.Module):
    hidden: tuple[int, ...]
    out: int

    @nn.compact
    def __call__(self, x):
        for h in self.hidden:
            x = nn.relu(nn.Dense(h)(x))
        return nn.Dense(self.out)(x)


class MLPModel(NamedTuple):
    """Fitted MLP mean model (standardisation statistics and Flax params)."""

    params: Any
    hidden: tuple[int, ...]
    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray


def mlp_fit(features, targets, key: jax.Array, config: MLPConfig = MLPConfig()) -> MLPModel:
    """Fits the MLP by full-batch AdamW on the mean squared error of standardised targets.

    Args:
      features: ``[N, D]``.
      targets: ``[N, k]``.
      key: PRNG key for the initialisation.
      config: architecture and optimiser.
    """
    xs, x_mean, x_std = _standardise(np.asarray(features, np.float64))
    zs, y_mean, y_std = _standardise(np.asarray(targets, np.float64))
    net = _MLP(tuple(config.hidden), zs.shape[1])
    x = jnp.asarray(xs, jnp.float32)
    z = jnp.asarray(zs, jnp.float32)
    params = net.init(key, x[:1])
    tx = optax.adamw(config.learning_rate, weight_decay=config.weight_decay)

    def loss(p):
        return jnp.mean((net.apply(p, x) - z) ** 2)

    @jax.jit
    def train(p):
        def step(carry, _):
            p, s = carry
            g = jax.grad(loss)(p)
            u, s = tx.update(g, s, p)
            return (optax.apply_updates(p, u), s), None

        (p, _), _ = jax.lax.scan(step, (p, tx.init(p)), None, length=config.steps)
        return p

    params = jax.device_get(train(params))
    return MLPModel(params, tuple(config.hidden), x_mean, x_std, y_mean, y_std)


@jax.jit
def _mlp_apply(params, x):
    # The architecture is recovered from the parameter shapes (Dense layers in order).
    layers = params["params"]
    n = len(layers)
    for i in range(n):
        d = layers[f"Dense_{i}"]
        x = x @ d["kernel"] + d["bias"][None, :]
        if i < n - 1:
            x = jax.nn.relu(x)
    return x


def mlp_predict(model: MLPModel, features) -> np.ndarray:
    """Predicted components ``[B, k]`` for encodings ``[B, D]``."""
    x = (np.asarray(features, np.float64) - model.x_mean) / model.x_std
    out = np.asarray(_mlp_apply(model.params, jnp.asarray(x, jnp.float32)), np.float64)
    return out * model.y_std + model.y_mean


def predict(model, features) -> np.ndarray:
    """Dispatches to :func:`lgb_predict`, :func:`xgb_predict` or :func:`mlp_predict`."""
    if isinstance(model, LGBModel):
        return lgb_predict(model, features)
    if isinstance(model, XGBModel):
        return xgb_predict(model, features)
    if isinstance(model, MLPModel):
        return mlp_predict(model, features)
    raise TypeError(f"not a mean model: {type(model).__name__}")
