"""Predictors: models fitted to observations and queried for predictions, always key first.

Import the submodules directly (``from jaxnas.predictors import gp, lcsvr, wpm``).

**Architecture predictors** (encoding -> objective; used by the BO searches of
:mod:`jaxnas.search.bayesopt`) share one pure, jittable pair, bundled by each module's
``make(...)`` as an :class:`~jaxnas.predictors.acquisition.Surrogate`::

    state = fit(key, x [T, D], y [T], mask [T])   # padded history, mask of real rows
    mean, std = predict(state, x_query [M, D])     # [M] each, units of y

:mod:`~jaxnas.predictors.dngo` (DNGO), :mod:`~jaxnas.predictors.gp` (GP, marginal-likelihood
fit) and :mod:`~jaxnas.predictors.ensemble` (BANANAS' MLP ensemble).

**Curve predictors** (observed part of a learning curve -> its value at a later epoch; used by
:mod:`jaxnas.search.multifidelity` and :mod:`jaxnas.predictors.evaluation`) share the same
shape, key first, with the query-time key optional (observation noise / sampling)::

    model = fit(key, observed, target, ..., config=...)
    prediction = predict(model, observed_query, ..., key=None)

* :mod:`~jaxnas.predictors.lcsvr` -- ``fit(key, partial [N, n], target [N], extra=None,
  config=None)``, ``predict(model, partial [M, n], extra=None) -> [M]`` (nu-SVR on curve
  features; the random search draws its seed from the key); ``last_value(partial)`` is the
  fit-free baseline;
* :mod:`~jaxnas.predictors.wpm` -- ``fit(key, curves: PaddedCurves [B, P], x_max, config)``,
  ``predict(fit, x_target [K], config, key=None) -> Prediction`` (Domhan et al.'s weighted
  probabilistic model, batched NUTS; the curves fitted are the query curves themselves, in
  score units -- :mod:`~jaxnas.predictors.curves` maps losses to scores);
* the x11 surrogate (:mod:`jaxnas.surrogates.surrogate`, encodings -> whole curves) --
  ``fit(key, encodings [N, D], curves [N, E], config)``, ``query(surrogate, encodings [M, D],
  key=None, with_noise=True) -> [M, E]``.

The LCE wrapper adapts curve predictors to a search round with
:class:`jaxnas.search.multifidelity.Extrapolator` (``predict(key, batch, cache)``).
"""
