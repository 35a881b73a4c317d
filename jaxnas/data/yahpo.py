"""YAHPO Gym's NAS-Bench-301 surrogate (``nb301`` v2, an ONNX network) without yahpo_gym.

**This is a surrogate model, not measured data.** YAHPO Gym fitted a neural network to the
NAS-Bench-301 training data (Zimmer 2020, figshare 13286105); it maps a DARTS cell and an
epoch to a smooth mean learning curve. Use it as a stand-in oracle for search on the DARTS
space, and say so wherever its numbers are reported.

Inputs, as yahpo_gym's ``BenchmarkSet._config_to_xs`` builds them (yahpo_gym
``benchmarks/nb301.py``):

* ``x_cat`` ``[B, 34]`` int32: the 34 categorical hyper-parameters in the order of
  :data:`CAT_NAMES` (14 normal edges, 14 reduce edges, then the input-node pairs of nodes
  3-5 of the normal and the reduce cell), each integer-encoded by ``encoding_v2.json``
  (fastai's ``Categorify``: ``"#na#"`` = 0 for an inactive parameter, then the choices in
  sorted order);
* ``x_cont`` ``[B, 1]`` float32: the epoch, 1..98, unscaled (the scaling is inside the
  network).

Outputs ``[B, 4]`` come back on their natural scale (the target transforms are inside the
ONNX graph), in yahpo_gym's ``y_names`` order: ``val_accuracy`` (a fraction in [0, 1]),
``val_cross_entropy``, ``runtime`` (cumulative seconds up to the epoch) and
``runtime_increase`` (seconds of the epoch). yahpo_gym's own configuration lists a
``model_parameters`` target only as a commented-out alternative: this v2 model has no
parameter-count output (NASLib's ``zc_nasbench301.json`` has params for 725 genotypes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from jaxnas import _optional
from jaxnas.data import store
from jaxnas.data.errors import FormatError
from jaxnas.data.naslib import DARTS_OPS

PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
CAT_NAMES = tuple(
    [f"{PREFIX}edge_normal_{i}" for i in range(14)]
    + [f"{PREFIX}edge_reduce_{i}" for i in range(14)]
    + [f"{PREFIX}inputs_node_normal_{i}" for i in (3, 4, 5)]
    + [f"{PREFIX}inputs_node_reduce_{i}" for i in (3, 4, 5)]
)
"""The 34 categorical inputs in the network's column order (yahpo_gym ``cat_names``)."""
OUTPUT_NAMES = ("val_accuracy", "val_cross_entropy", "runtime", "runtime_increase")
NA = "#na#"
_EDGE_START = (0, 2, 5, 9)  # first edge index of intermediate node k (k = 0..3)


class YahpoNB301(NamedTuple):
    """A loaded surrogate. Treat as an opaque, read-only value.

    Attributes:
      session: the ``onnxruntime.InferenceSession``.
      encoding: name -> value -> integer code (``encoding_v2.json``).
      choices: name -> legal values (``config_space_v2.json``).
      conditions: child name -> (parent name, parent values under which the child is active).
      epoch_range: (lowest, highest) epoch.
    """

    session: Any
    encoding: Mapping[str, Mapping[str, int]]
    choices: Mapping[str, tuple[str, ...]]
    conditions: Mapping[str, tuple[str, tuple[str, ...]]]
    epoch_range: tuple[int, int]


class YahpoCurve(NamedTuple):
    """Surrogate predictions (**not measured data**) for B configs at T epochs.

    Attributes:
      epochs: ``[T]`` int32.
      val_accuracy: ``[B, T]`` float32, fraction in [0, 1] (predicted).
      val_cross_entropy: ``[B, T]`` float32 (predicted).
      runtime: ``[B, T]`` float32 seconds, cumulative training time (predicted).
      runtime_increase: ``[B, T]`` float32 seconds per epoch (predicted).
    """

    epochs: np.ndarray
    val_accuracy: np.ndarray
    val_cross_entropy: np.ndarray
    runtime: np.ndarray
    runtime_increase: np.ndarray


def load_yahpo_nb301(
    data_dir: str | os.PathLike | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    num_threads: int = 1,
) -> YahpoNB301:
    """Loads the YAHPO nb301 v2 surrogate (a model, not data) with onnxruntime on CPU.

    Args:
      data_dir: data directory holding ``darts/yahpo_nb301_v2/``.
      cache_dir: cache directory.
      download: allow downloading missing files.
      num_threads: onnxruntime intra-op threads.

    Returns:
      The :class:`YahpoNB301` surrogate.

    Raises:
      ImportError: if onnxruntime is not installed (``pip install jaxnas[onnx]``).
      FormatError: if the files do not describe the expected model.
    """
    ort = _optional.require("onnxruntime", "the YAHPO NB301 surrogate", "onnx")
    paths = {
        k: store.fetch(f"yahpo_nb301_{k}", data_dir, cache_dir=cache_dir, download=download)
        for k in ("model", "encoding", "config_space")
    }
    with open(paths["encoding"], encoding="utf-8") as f:
        encoding = json.load(f)
    with open(paths["config_space"], encoding="utf-8") as f:
        cs = json.load(f)
    choices: dict[str, tuple[str, ...]] = {}
    epoch_range = None
    for hp in cs["hyperparameters"]:
        if hp["name"] == "epoch":
            epoch_range = (int(hp["lower"]), int(hp["upper"]))
        elif hp["type"] == "categorical":
            choices[hp["name"]] = tuple(str(c) for c in hp["choices"])
        else:
            raise FormatError(f"{paths['config_space']}: unexpected hyper-parameter {hp}")
    conditions: dict[str, tuple[str, tuple[str, ...]]] = {}
    for c in cs.get("conditions", []):
        if c.get("type") == "IN":
            conditions[c["child"]] = (c["parent"], tuple(c["values"]))
        elif c.get("type") == "EQ":
            conditions[c["child"]] = (c["parent"], (c["value"],))
        else:
            raise FormatError(f"{paths['config_space']}: unsupported condition {c}")
    if set(choices) != set(CAT_NAMES) or epoch_range is None:
        raise FormatError(
            f"{paths['config_space']}: expected the 34 nb301 parameters and 'epoch'; found "
            f"{sorted(choices)}"
        )
    for name in CAT_NAMES:
        codes = encoding.get(name, {})
        if codes.get(NA) != 0 or set(codes) != {NA, *choices[name]}:
            raise FormatError(f"{paths['encoding']}: bad encoding for {name}: {codes}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = num_threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    session = ort.InferenceSession(
        os.fspath(paths["model"]), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    ins = {i.name: i.shape for i in session.get_inputs()}
    if set(ins) != {"x_cat", "x_cont"} or ins["x_cat"][1] != len(CAT_NAMES):
        raise FormatError(f"{paths['model']}: unexpected inputs {ins}")
    return YahpoNB301(session, encoding, choices, conditions, epoch_range)


def _normalise(name: str) -> str:
    name = name.replace(":", "_COLON_")
    return name if name.startswith(PREFIX) else PREFIX + name


def darts_compact_to_config(compact: np.ndarray | Sequence) -> dict[str, str]:
    """Converts a NASLib compact DARTS genotype to the 34-parameter NB301 configuration.

    Follows NASLib's ``convert_genotype_to_config``: the two inputs of intermediate node
    ``k`` set ``edge_{cell}_{start_k + input}`` (``start = 0, 2, 5, 9``) to their op, and for
    ``k >= 1`` ``inputs_node_{cell}_{k + 2}`` to the sorted inputs joined by ``_``.

    Args:
      compact: ``[2, 8, 2]`` (cell, edge, (input node, op index into
        :data:`~jaxnas.data.naslib.DARTS_OPS`)).

    Returns:
      Active parameters only, yahpo names (``..._COLON_...``).

    Raises:
      ValueError: if a node's two inputs coincide or indices are out of range.
    """
    c = np.asarray(compact)
    if c.shape != (2, 8, 2):
        raise ValueError(f"compact genotype must have shape [2, 8, 2], got {c.shape}")
    cfg: dict[str, str] = {}
    for cell, ct in zip(c, ("normal", "reduce"), strict=True):
        for k in range(4):
            i0, o0 = (int(x) for x in cell[2 * k])
            i1, o1 = (int(x) for x in cell[2 * k + 1])
            if i0 == i1 or not (0 <= i0 < k + 2 and 0 <= i1 < k + 2):
                raise ValueError(f"{ct} node {k + 2}: bad inputs ({i0}, {i1}) in {c.tolist()}")
            for i, o in ((i0, o0), (i1, o1)):
                if not 0 <= o < len(DARTS_OPS):
                    raise ValueError(f"{ct} node {k + 2}: op index {o} out of range")
                cfg[f"{PREFIX}edge_{ct}_{_EDGE_START[k] + i}"] = DARTS_OPS[o]
            if k >= 1:
                cfg[f"{PREFIX}inputs_node_{ct}_{k + 2}"] = f"{min(i0, i1)}_{max(i0, i1)}"
    return cfg


def encode_configs(
    model: YahpoNB301, configs: Mapping[str, str] | Sequence[Mapping[str, str]] | np.ndarray
) -> np.ndarray:
    """Integer-encodes DARTS configurations for the surrogate.

    Args:
      model: the loaded surrogate.
      configs: one or a sequence of configurations (parameter name -> value; names with
        ``:`` or ``_COLON_``, with or without the ``NetworkSelectorDatasetInfo...`` prefix;
        only active parameters), or compact genotypes ``[B, 2, 8, 2]`` / ``[2, 8, 2]``.

    Returns:
      ``[B, 34]`` int32 in :data:`CAT_NAMES` order; inactive parameters are ``#na#`` (0).

    Raises:
      ValueError: naming the config and parameter for an unknown name, an illegal value, a
        missing active parameter or a value given for an inactive one.
    """
    if isinstance(configs, np.ndarray):
        arr = configs.reshape(-1, 2, 8, 2) if configs.ndim == 3 else configs
        configs = [darts_compact_to_config(c) for c in arr]
    elif isinstance(configs, Mapping):
        configs = [configs]
    out = np.zeros((len(configs), len(CAT_NAMES)), np.int32)
    for b, raw in enumerate(configs):
        cfg = {_normalise(k): str(v) for k, v in raw.items()}
        unknown = set(cfg) - set(CAT_NAMES)
        if unknown:
            raise ValueError(f"config {b}: unknown parameters {sorted(unknown)}")
        for j, name in enumerate(CAT_NAMES):
            cond = model.conditions.get(name)
            active = cond is None or cfg.get(cond[0]) in cond[1]
            if active:
                if name not in cfg:
                    raise ValueError(f"config {b}: active parameter {name} is missing")
                if cfg[name] not in model.choices[name]:
                    raise ValueError(
                        f"config {b}: {name}={cfg[name]!r} not in {model.choices[name]}"
                    )
                out[b, j] = model.encoding[name][cfg[name]]
            elif name in cfg:
                raise ValueError(
                    f"config {b}: {name} is given but inactive ({cond[0]}={cfg.get(cond[0])!r})"
                )
    return out


def yahpo_curve(
    model: YahpoNB301,
    configs: Mapping[str, str] | Sequence[Mapping[str, str]] | np.ndarray,
    epochs: int | Sequence[int] | np.ndarray,
) -> YahpoCurve:
    """Surrogate learning curves of DARTS cells (**model predictions, not measured data**).

    Args:
      model: from :func:`load_yahpo_nb301`.
      configs: B configurations or compact genotypes (see :func:`encode_configs`).
      epochs: T epochs in ``model.epoch_range`` (1..98).

    Returns:
      :class:`YahpoCurve` with ``[B, T]`` predictions, all B x T rows run in one batch.

    Raises:
      ValueError: on invalid configs or epochs outside the trained range.
    """
    x = encode_configs(model, configs)
    ep = np.atleast_1d(np.asarray(epochs))
    if ep.ndim != 1 or not np.issubdtype(ep.dtype, np.integer):
        raise ValueError(f"epochs must be integers, shape [T]; got {ep.dtype} {ep.shape}")
    lo, hi = model.epoch_range
    if ((ep < lo) | (ep > hi)).any():
        raise ValueError(f"epochs must lie in [{lo}, {hi}] (the surrogate's range); got {ep}")
    b, t = x.shape[0], ep.shape[0]
    x_cat = np.repeat(x, t, axis=0)  # [B * T, 34]
    x_cont = np.tile(ep.astype(np.float32), b)[:, None]  # [B * T, 1]
    y = model.session.run(None, {"x_cat": x_cat, "x_cont": x_cont})[0]
    y = np.asarray(y, np.float32).reshape(b, t, len(OUTPUT_NAMES))
    return YahpoCurve(ep.astype(np.int32), *(y[..., k] for k in range(len(OUTPUT_NAMES))))
