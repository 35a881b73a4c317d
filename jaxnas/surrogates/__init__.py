"""NAS-Bench-x11 surrogates: full, noisy learning curves from architecture encodings.

A surrogate = compressor (SVD, VAE) + mean model of the components (LightGBM, XGBoost, MLP) + noise
model of the residuals (STD, GKDE, sliding window)::

    from jaxnas import surrogates as sur
    config = sur.SurrogateConfig(compressor="svd", mean_model="lgb", noise="gkde")
    s = sur.fit(jax.random.key(0), x_train, y_train, config)      # [N, D], [N, E]
    mean = sur.query(s, x_test, with_noise=False)                 # [B, E]
    noisy = sur.query(s, x_test, jax.random.key(1))               # [B, E]
    table = sur.tabulate(s, x_pool)     # a search's candidate pool, mean model run once
    noisy = sur.query_table(s, table, rows, jax.random.key(1))    # a gather + a noise draw
    sur.curve_metrics(y_test, mean)    # avg / final R^2 and Kendall tau

The benchmarks built from these models (``query(arch, epoch, key)`` with ``cost = full_time *
epoch / E_max``) live in :mod:`jaxnas.benchmarks` (:mod:`~jaxnas.benchmarks.curves`,
:func:`~jaxnas.benchmarks.nlp11.build`, :func:`~jaxnas.benchmarks.nb311.build`,
:func:`~jaxnas.benchmarks.nb111.build`); this package does not import them. LightGBM
(``jaxnas[lightgbm]``) and onnxruntime (``jaxnas[onnx]``, NB311 only) are imported when used,
as is XGBoost (``jaxnas[xgboost]``), the reference's third mean model.
"""

from jaxnas.surrogates import (
    compress,
    datasets,
    mean_models,
    metrics,
    noise,
    surrogate,
    vae,
)
from jaxnas.surrogates.compress import SVDCompressor, choose_k, svd_decode, svd_encode, svd_fit
from jaxnas.surrogates.mean_models import (
    FAST_LGB,
    FAST_MLP,
    FAST_XGB,
    REFERENCE_LGB,
    REFERENCE_XGB,
    LGBConfig,
    MLPConfig,
    XGBConfig,
)
from jaxnas.surrogates.metrics import (
    curve_metrics,
    gaussian_kl,
    kl_multi_seed,
    per_epoch_kendall,
    per_epoch_r2,
    spike_anomaly_rate,
)
from jaxnas.surrogates.surrogate import (
    CurveTable,
    Surrogate,
    SurrogateConfig,
    fit,
    load,
    query,
    query_pool,
    query_table,
    refit_noise,
    sample_curves,
    save,
    tabulate,
)
from jaxnas.surrogates.vae import FAST_VAE, VAEConfig

__all__ = [
    "FAST_LGB",
    "FAST_MLP",
    "FAST_VAE",
    "FAST_XGB",
    "REFERENCE_LGB",
    "REFERENCE_XGB",
    "LGBConfig",
    "MLPConfig",
    "CurveTable",
    "SVDCompressor",
    "Surrogate",
    "SurrogateConfig",
    "VAEConfig",
    "XGBConfig",
    "choose_k",
    "compress",
    "curve_metrics",
    "datasets",
    "fit",
    "gaussian_kl",
    "kl_multi_seed",
    "load",
    "mean_models",
    "metrics",
    "noise",
    "per_epoch_kendall",
    "per_epoch_r2",
    "query",
    "query_pool",
    "query_table",
    "refit_noise",
    "sample_curves",
    "save",
    "spike_anomaly_rate",
    "surrogate",
    "svd_decode",
    "svd_encode",
    "svd_fit",
    "tabulate",
    "vae",
]
