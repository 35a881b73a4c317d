"""Learning-curve surrogates (NAS-Bench-x11): compressor + mean model + noise model.

Fit on encodings ``[N, D]`` and full curves ``[N, E]``; query a batch of encodings for mean or
noisy curves::

    from jaxnas.surrogates import surrogate as sg
    config = sg.SurrogateConfig(compressor="svd", mean_model="lgb", noise="gkde")
    s = sg.fit(jax.random.key(0), x_train, y_train, config)
    mean = sg.query(s, x_test, with_noise=False)                 # [B, E]
    noisy = sg.query(s, x_test, jax.random.key(1))               # [B, E], one draw per row
    sg.save(s, "workdir/nlp11"); s2 = sg.load("workdir/nlp11")   # answers identically

The noise models are fitted on the training curves' residuals around their own compressed
reconstruction (as the reference), so they describe run-to-run noise around a de-noised curve,
not the mean model's error. Query cost is dominated by the mean model: batch queries, and
tabulate a pool of candidates that a search queries again and again::

    table = sg.tabulate(s, x_pool, num_threads=0)                # mean model run once, [P, E]
    noisy = sg.query_table(s, table, rows, jax.random.key(1))    # = sg.query(s, x_pool[rows], ...)
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any, NamedTuple

import jax
import numpy as np
from flax import serialization

from jaxnas import io
from jaxnas.surrogates import compress, mean_models, noise, vae

COMPRESSORS = ("svd", "vae")
MEAN_MODELS = ("lgb", "xgb", "mlp")
NOISE_MODELS = ("std", "gkde", "window")


@dataclasses.dataclass(frozen=True)
class SurrogateConfig:
    """Which compressor, mean model and noise model, and their settings.

    Attributes:
      compressor: ``'svd'`` or ``'vae'``.
      num_components: ``k`` (the paper's 6); ``0`` chooses ``k`` with
        :func:`~jaxnas.surrogates.compress.choose_k` on the held-out curves passed to :func:`fit`.
      mean_model: ``'lgb'``, ``'xgb'`` (needs the optional ``xgboost``) or ``'mlp'``.
      lgb: LightGBM settings (:data:`~jaxnas.surrogates.mean_models.REFERENCE_LGB` default).
      xgb: XGBoost settings (:data:`~jaxnas.surrogates.mean_models.REFERENCE_XGB` default).
      mlp: MLP settings.
      vae: VAE compressor settings.
      noise: ``'std'``, ``'gkde'`` or ``'window'``.
      svd_standardize: centre and scale each epoch before the SVD
        (:func:`~jaxnas.surrogates.compress.svd_fit`); ``False`` (default) is the reference's
        un-centred SVD. Ignored by the VAE compressor.
      gkde_reference_clip: ``True`` (default) reproduces the reference's GKDE query: the
        sampled residual clipped to ``[-3, 3]`` and halved before it is added to the mean curve
        (``nas_bench_x11/models/svd_lgb.py``, ``query(..., use_noise=True)``); ``False`` adds
        the unclipped, full-size sample (the KDE's own distribution).
      window: sliding-window width in epochs.
      window_ridge: ridge penalty of the sliding-window std model.
      value_range: ``(low, high)`` bounds of the metric (e.g. ``(0, 1)`` for accuracies as
        fractions): query answers -- mean and noisy curves -- are clipped to it. ``None`` (the
        default, as the reference) leaves them unbounded. Residuals of heavy-tailed data (an
        NB101 budget whose run failed at chance accuracy) otherwise give noisy draws outside
        the metric's range (NB111-4: 0.5% of draws above 1, up to 1.31).
    """

    compressor: str = "svd"
    num_components: int = 6
    mean_model: str = "lgb"
    lgb: mean_models.LGBConfig = mean_models.REFERENCE_LGB
    xgb: mean_models.XGBConfig = mean_models.REFERENCE_XGB
    mlp: mean_models.MLPConfig = mean_models.MLPConfig()
    vae: Any = None
    noise: str = "gkde"
    svd_standardize: bool = False
    gkde_reference_clip: bool = True
    window: int = 5
    window_ridge: float = 1.0
    value_range: tuple[float, float] | None = None

    def __post_init__(self):
        if self.value_range is not None:
            lo, hi = (float(v) for v in self.value_range)
            if not lo < hi:
                raise ValueError(f"value_range={self.value_range!r}: need low < high")
            object.__setattr__(self, "value_range", (lo, hi))
        for field, allowed in (
            ("compressor", COMPRESSORS),
            ("mean_model", MEAN_MODELS),
            ("noise", NOISE_MODELS),
        ):
            if getattr(self, field) not in allowed:
                raise ValueError(f"{field}={getattr(self, field)!r}; choose one of {allowed}")

    @property
    def name(self) -> str:
        return f"{self.compressor}-{self.mean_model}-{self.noise}".upper().replace(
            "WINDOW", "window"
        )


class Surrogate(NamedTuple):
    """A fitted surrogate (treat as immutable).

    Attributes:
      config: the :class:`SurrogateConfig`.
      compressor: fitted compressor.
      mean_model: fitted mean model.
      noise_model: fitted noise model.
      num_epochs: ``E``.
      choose_k_errors: held-out reconstruction errors per ``k`` when ``k`` was chosen, else None.
    """

    config: SurrogateConfig
    compressor: Any
    mean_model: Any
    noise_model: Any
    num_epochs: int
    choose_k_errors: Any = None


def _encode(comp, curves) -> np.ndarray:
    if isinstance(comp, compress.SVDCompressor):
        return compress.svd_encode(comp, curves)
    return vae.vae_encode(comp, curves)


def _decode(comp, z) -> np.ndarray:
    if isinstance(comp, compress.SVDCompressor):
        return compress.svd_decode(comp, z)
    return vae.vae_decode(comp, z)


def fit(
    key: jax.Array,
    encodings,
    curves,
    config: SurrogateConfig | None = None,
    heldout_curves=None,
) -> Surrogate:
    """Fits a surrogate (key first, as every predictor of :mod:`jaxnas.predictors`).

    Args:
      key: PRNG key (MLP / VAE initialisation).
      encodings: ``[N, D]`` architecture features.
      curves: ``[N, E]`` finite training curves.
      config: the combination and its settings (default ``SurrogateConfig()``).
      heldout_curves: ``[M, E]`` validation curves, needed when ``config.num_components == 0``.
    """
    config = SurrogateConfig() if config is None else config
    x = np.asarray(encodings, np.float64)
    y = np.asarray(curves, np.float64)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise ValueError(f"encodings [N, D] and curves [N, E] expected, got {x.shape}, {y.shape}")
    if config.mean_model == "xgb":
        mean_models.import_xgboost()  # fail before the (slow) compressor fit
    k_comp, k_mean = jax.random.split(key)
    k = config.num_components
    errors = None
    if k == 0:
        if heldout_curves is None:
            raise ValueError("num_components=0 (choose k) needs heldout_curves")
        k, errors = compress.choose_k(y, heldout_curves)
    if config.compressor == "svd":
        comp = compress.svd_fit(y, k, standardize=config.svd_standardize)
    else:
        comp = vae.vae_fit(y, k, k_comp, config.vae or vae.VAEConfig())
    z = _encode(comp, y)
    if config.mean_model == "lgb":
        mm = mean_models.lgb_fit(x, z, config.lgb)
    elif config.mean_model == "xgb":
        mm = mean_models.xgb_fit(x, z, config.xgb)
    else:
        mm = mean_models.mlp_fit(x, z, k_mean, config.mlp)
    nm = _fit_noise(config, comp, mm, x, y)
    return Surrogate(config, comp, mm, nm, y.shape[1], errors)


def _fit_noise(config: SurrogateConfig, comp, mm, x: np.ndarray, y: np.ndarray):
    residuals = y - _decode(comp, _encode(comp, y))
    if config.noise == "std":
        return noise.std_fit(residuals)
    if config.noise == "gkde":
        return noise.gkde_fit(residuals, config.gkde_reference_clip)
    feats = np.concatenate([x, mean_models.predict(mm, x)], axis=1)
    return noise.window_fit(residuals, feats, config.window, config.window_ridge)


def refit_noise(surrogate: Surrogate, config: SurrogateConfig, encodings, curves) -> Surrogate:
    """The same compressor and mean model with the noise model of ``config`` refitted on the
    training data (``encodings [N, D]``, ``curves [N, E]``); other fields of ``config`` must
    match the surrogate's."""
    old = dataclasses.replace(
        config,
        noise=surrogate.config.noise,
        gkde_reference_clip=surrogate.config.gkde_reference_clip,
        window=surrogate.config.window,
        window_ridge=surrogate.config.window_ridge,
    )
    if old != surrogate.config:
        raise ValueError("refit_noise: config differs from the surrogate's beyond the noise model")
    x = np.asarray(encodings, np.float64)
    y = np.asarray(curves, np.float64)
    nm = _fit_noise(config, surrogate.compressor, surrogate.mean_model, x, y)
    return surrogate._replace(config=config, noise_model=nm)


def query(
    surrogate: Surrogate, encodings, key: jax.Array | None = None, with_noise: bool = True
) -> np.ndarray:
    """Curves for a batch of encodings (the one-off path: the mean model runs on every call;
    for a pool of candidates queried again and again, :func:`tabulate` it once and use
    :func:`query_table`).

    Args:
      surrogate: a fitted :class:`Surrogate`.
      encodings: ``[B, D]`` (or ``[D]`` for one architecture).
      key: PRNG key for the noise (required when ``with_noise``).
      with_noise: add one noise draw per curve; otherwise return the mean curve.

    Returns:
      ``float64 [B, E]`` (``[E]`` for one architecture).
    """
    x = np.asarray(encodings, np.float64)
    single = x.ndim == 1
    x = np.atleast_2d(x)
    comps = mean_models.predict(surrogate.mean_model, x)
    out = _answer(surrogate, _decode(surrogate.compressor, comps), x, comps, key, with_noise)
    return out[0] if single else out


def _answer(surrogate: Surrogate, mean, x, comps, key, with_noise: bool) -> np.ndarray:
    """Mean curves ``[B, E]`` plus one noise draw per row (with ``with_noise``), bounded; the
    features ``x [B, D]`` and components ``comps [B, k]`` feed the window noise model."""
    if with_noise:
        if key is None:
            raise ValueError("query(..., with_noise=True) needs a PRNG key")
        feats = np.concatenate([x, comps], axis=1) if surrogate.config.noise == "window" else None
        mean = mean + noise.sample(surrogate.noise_model, key, len(mean), feats)
    return _bound(surrogate.config, mean)


class CurveTable(NamedTuple):
    """The mean curves of a candidate pool, predicted once (:func:`tabulate`).

    Attributes:
      encodings: ``float64 [P, D]`` the pool's encodings, in the order given.
      mean: ``float64 [P, E]`` decoded mean curves, before ``value_range`` clipping (the noise
        is added to these).
      components: ``float64 [P, k]`` predicted components (with the encodings, the features
        of the sliding-window noise model).
      lookup: the bytes of each encoding row -> its row (:meth:`rows`).
    """

    encodings: np.ndarray
    mean: np.ndarray
    components: np.ndarray
    lookup: dict

    def rows(self, encodings) -> np.ndarray:
        """``int [B]``: the table row of each encoding ``[B, D]`` (exact match), ``-1`` where
        the encoding is not in the pool."""
        x = np.atleast_2d(np.asarray(encodings, np.float64))
        if x.shape[1:] != self.encodings.shape[1:]:
            raise ValueError(f"encodings [B, {self.encodings.shape[1]}] expected, got {x.shape}")
        return np.fromiter((self.lookup.get(r.tobytes(), -1) for r in x), np.int64, len(x))



def tabulate(surrogate: Surrogate, encodings, num_threads: int | None = None) -> CurveTable:
    """Predicts the mean curves of a candidate pool ``[P, D]`` in one batched call.

    A search queries the same candidates again and again, and the mean model (a chain of
    ``k`` boosters of 3,000 trees for the reference LightGBM) is the floor of every one-off
    :func:`query`; with the pool tabulated, a query is a gather plus a noise draw
    (:func:`query_table`). ``num_threads`` overrides the LightGBM prediction threads for this
    call (``None``: the model's own; ``0``: LightGBM's default, all cores).

    With the SVD compressor and a tree mean model (LightGBM, XGBoost) the table's rows are
    bit-identical to :func:`query`'s mean curves of the same encodings, whatever the batch
    sizes (trees sum each row alone; :func:`~jaxnas.surrogates.compress.svd_decode` sums
    component by component). The MLP mean model and the VAE decoder run batched float32
    matrix products, whose rows may differ from a one-row call's in the last bits.
    """
    x = np.atleast_2d(np.asarray(encodings, np.float64))
    mm = surrogate.mean_model
    if num_threads is not None and isinstance(mm, mean_models.LGBModel):
        mm = mm._replace(num_threads=int(num_threads))
    comps = mean_models.predict(mm, x)
    lookup = {r.tobytes(): i for i, r in enumerate(x)}
    return CurveTable(x, _decode(surrogate.compressor, comps), comps, lookup)


def query_table(
    surrogate: Surrogate,
    table: CurveTable,
    index,
    key: jax.Array | None = None,
    with_noise: bool = True,
) -> np.ndarray:
    """Curves of pool members by row of ``table``: a gather plus one noise draw per row.

    Equals ``query(surrogate, table.encodings[index], key, with_noise)`` (bit for bit under
    the conditions of :func:`tabulate`; the same key gives the same draws), without running
    the mean model.

    Args:
      surrogate: the :class:`Surrogate` the table was made with.
      table: a :class:`CurveTable` from :func:`tabulate`.
      index: ``int [B]`` rows of the table (or one ``int``).
      key: PRNG key for the noise (required when ``with_noise``).
      with_noise: add one noise draw per curve; otherwise return the mean curve.

    Returns:
      ``float64 [B, E]`` (``[E]`` for one ``int``).
    """
    i = np.asarray(index)
    single = i.ndim == 0
    i = np.atleast_1d(i)
    window = with_noise and surrogate.config.noise == "window"
    x, comps = (table.encodings[i], table.components[i]) if window else (None, None)
    out = _answer(surrogate, table.mean[i], x, comps, key, with_noise)
    return out[0] if single else out


def query_pool(
    surrogate: Surrogate,
    table: CurveTable,
    encodings,
    key: jax.Array | None = None,
    with_noise: bool = True,
    rows=None,
) -> np.ndarray:
    """:func:`query` that takes the mean curves of pool members from ``table`` and runs the
    mean model only on the others (new genotypes): equal to ``query(surrogate, encodings, key,
    with_noise)`` (bit for bit under the conditions of :func:`tabulate`).

    Args:
      surrogate, key, with_noise: as :func:`query`.
      table: a :class:`CurveTable` of ``surrogate``.
      encodings: ``[B, D]`` (or ``[D]``).
      rows: ``table.rows(encodings)`` if already computed.
    """
    x = np.asarray(encodings, np.float64)
    single = x.ndim == 1
    x = np.atleast_2d(x)
    rows = table.rows(x) if rows is None else np.asarray(rows)
    new = rows < 0
    mean = table.mean[np.maximum(rows, 0)]
    comps = table.components[np.maximum(rows, 0)]
    if new.any():
        comps[new] = mean_models.predict(surrogate.mean_model, x[new])
        mean[new] = _decode(surrogate.compressor, comps[new])
    out = _answer(surrogate, mean, x, comps, key, with_noise)
    return out[0] if single else out


def sample_curves(surrogate: Surrogate, encodings, key: jax.Array, num: int) -> np.ndarray:
    """``num`` noisy curves per encoding: ``[B, num, E]`` (mean model evaluated once)."""
    x = np.atleast_2d(np.asarray(encodings, np.float64))
    comps = mean_models.predict(surrogate.mean_model, x)
    mean = _decode(surrogate.compressor, comps)
    b, e = mean.shape
    feats = None
    if surrogate.config.noise == "window":
        feats = np.repeat(np.concatenate([x, comps], axis=1), num, axis=0)
    eps = noise.sample(surrogate.noise_model, key, b * num, feats)
    return _bound(surrogate.config, mean[:, None, :] + eps.reshape(b, num, e))


def _bound(config: SurrogateConfig, curves: np.ndarray) -> np.ndarray:
    if config.value_range is None:
        return curves
    return np.clip(curves, *config.value_range)


# ----------------------------------------------------------------------------------------------
# Saving and loading: a directory with config.json, arrays.npz and model files.


def _config_to_json(config: SurrogateConfig) -> dict:
    d = dataclasses.asdict(config)
    return d


def _config_from_json(d: dict) -> SurrogateConfig:
    d = dict(d)
    d["lgb"] = mean_models.LGBConfig(**d["lgb"])
    if "xgb" in d:  # absent in surrogates saved before the XGBoost mean model existed
        d["xgb"] = mean_models.XGBConfig(**d["xgb"])
    m = dict(d["mlp"])
    m["hidden"] = tuple(m["hidden"])
    d["mlp"] = mean_models.MLPConfig(**m)
    if d.get("vae") is not None:
        d["vae"] = vae.VAEConfig(**vae.config_from_json(d["vae"]))
    if d.get("value_range") is not None:
        d["value_range"] = tuple(d["value_range"])
    return SurrogateConfig(**d)


def save(surrogate: Surrogate, directory) -> None:
    """Writes the surrogate to ``directory`` (each file written atomically)."""
    d = pathlib.Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {
        "config": _config_to_json(surrogate.config),
        "num_epochs": surrogate.num_epochs,
        "format": 1,
    }
    if surrogate.choose_k_errors is not None:
        arrays["choose_k_errors"] = np.asarray(surrogate.choose_k_errors)
    comp = surrogate.compressor
    if isinstance(comp, compress.SVDCompressor):
        arrays["svd_basis"] = comp.basis
        arrays["svd_singular_values"] = comp.singular_values
        if comp.mean is not None:
            arrays["svd_mean"], arrays["svd_scale"] = comp.mean, comp.scale
    else:
        io.write_bytes(d / "vae_params.msgpack", serialization.to_bytes(comp.params))
        arrays.update({f"vae_{k}": v for k, v in vae.stats(comp).items()})
    mm = surrogate.mean_model
    arrays["y_mean"], arrays["y_std"] = mm.y_mean, mm.y_std
    if isinstance(mm, mean_models.LGBModel):
        meta["lgb_chain"] = mm.chain
        for j, s in enumerate(mean_models.lgb_to_strings(mm)):
            io.write_bytes(d / f"lgb_{j}.txt", s.encode())
        meta["lgb_boosters"] = len(mm.boosters)
    elif isinstance(mm, mean_models.XGBModel):
        meta["xgb_chain"] = mm.chain
        for j, raw in enumerate(mean_models.xgb_to_bytes(mm)):
            io.write_bytes(d / f"xgb_{j}.ubj", raw)
        meta["xgb_boosters"] = len(mm.boosters)
    else:
        arrays["x_mean"], arrays["x_std"] = mm.x_mean, mm.x_std
        meta["mlp_in"] = int(len(mm.x_mean))
        io.write_bytes(d / "mlp_params.msgpack", serialization.to_bytes(mm.params))
    for k, v in surrogate.noise_model._asdict().items():
        if isinstance(v, np.ndarray):
            arrays[f"noise_{k}"] = v
        else:
            meta[f"noise_{k}"] = v
    io.write_npz(d / "arrays.npz", **arrays)
    io.write_json(d / "surrogate.json", meta, indent=2)


def load(directory) -> Surrogate:
    """Reads a surrogate written by :func:`save`."""
    d = pathlib.Path(directory)
    meta = json.loads((d / "surrogate.json").read_text())
    config = _config_from_json(meta["config"])
    with np.load(d / "arrays.npz") as f:
        a = {k: f[k] for k in f.files}
    if config.compressor == "svd":
        comp = compress.SVDCompressor(
            a["svd_basis"], a["svd_singular_values"], a.get("svd_mean"), a.get("svd_scale")
        )
    else:
        comp = vae.from_saved(
            config.vae or vae.VAEConfig(),
            (d / "vae_params.msgpack").read_bytes(),
            {k[4:]: v for k, v in a.items() if k.startswith("vae_")},
            meta["num_epochs"],
        )
    if config.mean_model == "lgb":
        strings = [(d / f"lgb_{j}.txt").read_text() for j in range(meta["lgb_boosters"])]
        mm = mean_models.lgb_from_strings(
            strings, a["y_mean"], a["y_std"], meta["lgb_chain"], config.lgb.num_threads
        )
    elif config.mean_model == "xgb":
        raw = [(d / f"xgb_{j}.ubj").read_bytes() for j in range(meta["xgb_boosters"])]
        mm = mean_models.xgb_from_bytes(
            raw, a["y_mean"], a["y_std"], meta["xgb_chain"], config.xgb.num_threads
        )
    else:
        k = len(a["y_mean"])
        template = mean_models._MLP(config.mlp.hidden, k).init(
            jax.random.key(0), np.zeros((1, meta["mlp_in"]), np.float32)
        )
        params = serialization.from_bytes(template, (d / "mlp_params.msgpack").read_bytes())
        mm = mean_models.MLPModel(
            params, config.mlp.hidden, a["x_mean"], a["x_std"], a["y_mean"], a["y_std"]
        )
    cls = {"std": noise.STDNoise, "gkde": noise.GKDENoise, "window": noise.WindowNoise}[
        config.noise
    ]
    fields = {}
    for name in cls._fields:
        fields[name] = a[f"noise_{name}"] if f"noise_{name}" in a else meta[f"noise_{name}"]
    return Surrogate(
        config, comp, mm, cls(**fields), int(meta["num_epochs"]), a.get("choose_k_errors")
    )
