"""Surrogate curve benchmarks: a fitted x11 surrogate behind the common benchmark interface.

:class:`SurrogateCurveBenchmark` implements :class:`jaxnas.benchmarks.base.Benchmark`:
``query(arch, epoch, key)`` -> the predicted metric at that epoch and ``cost = full_time *
epoch / E_max`` (seconds, from a LightGBM model of the full training time). With a key the
answer is one noisy draw of the whole curve (the same key gives the same curve, so the epochs
of one draw are consistent); without a key the mean curve is used. Architectures are encoded
by the benchmark's space:

* ``'nlp'``: NB-NLP recipes (JSON text, dict or :class:`~jaxnas.spaces.nlp.NLPCell`) ->
  :func:`~jaxnas.surrogates.datasets.nlp_encoding` (plus the first ``first_epochs`` losses,
  known only for cells of the data);
* ``'darts'``: DARTS genotypes in any form :func:`jaxnas.spaces.darts.validate` accepts (a
  ``Genotype``, its string, the ``int [2, 8, 2]`` array of ``darts.to_array``; convert NASLib's
  compact tuples with ``darts.from_naslib`` first) -> :func:`darts_encoding`;
* ``'nb101'``: ``(adjacency [7, 7], ops [7])`` of a padded, pruned cell, or a batch
  ``(adjacency [B, 7, 7], ops [B, 7])`` -> :func:`nb101_encoding`.

A search that draws from a fixed pool of candidates tabulates it once with :func:`with_pool`
(queries of pool members become a gather plus a noise draw; same answers).

Builders: :func:`jaxnas.benchmarks.nlp11.build`, :func:`jaxnas.benchmarks.nb311.build`,
:func:`jaxnas.benchmarks.nb111.build` (the surrogate models they fit live in
:mod:`jaxnas.surrogates`, which does not import this package).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxnas import encodings, io
from jaxnas.benchmarks import base
from jaxnas.spaces import darts, nlp
from jaxnas.surrogates import datasets, mean_models, metrics
from jaxnas.surrogates import surrogate as sg


def canonical_recipe(cell: nlp.NLPCell) -> str:
    """A canonical JSON text of an NB-NLP cell (the key of :attr:`known`)."""
    return json.dumps(nlp.to_recipe(cell), sort_keys=True)


def darts_encoding(genotypes) -> np.ndarray:
    """NASLib's compact form flattened: ``float64 [B, 32]`` (per cell 8 (input, op) pairs)."""
    return np.asarray([darts.to_naslib(g) for g in genotypes], np.float64).reshape(
        len(genotypes), -1
    )


def nb101_encoding(adjacency, ops) -> np.ndarray:
    """NB101 adjacency one-hot encoding (``jaxnas.encodings``) of padded cells: ``[B, 36]``."""
    return np.asarray(encodings.encode("nb101", "adjacency_one_hot", (adjacency, ops)), np.float64)


def _is_single(space: str, archs) -> bool:
    if space == "nb101":
        return np.ndim(archs[0]) == 2
    if space == "nlp":
        return isinstance(archs, (str, bytes, Mapping, nlp.NLPCell))
    if isinstance(archs, (str, darts.Genotype)):
        return True
    try:  # one genotype as an array [2, 8, 2] (darts.to_array)
        return np.shape(archs) == (2, 8, 2) and not isinstance(archs[0], darts.Genotype)
    except ValueError:  # a ragged sequence, e.g. of Genotypes
        return False


class CandidatePool(NamedTuple):
    """A benchmark's tabulated candidates (:func:`with_pool`).

    Attributes:
      table: the surrogate's :class:`~jaxnas.surrogates.surrogate.CurveTable` of the pool.
      full_time: ``float64 [P]`` predicted full training time of each pool member (seconds).
    """

    table: sg.CurveTable
    full_time: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class SurrogateCurveBenchmark:
    """A fitted curve surrogate exposed as a benchmark (see module docstring).

    Attributes:
      name: e.g. ``'nlp11-wt2'``, ``'nb311-yahpo'``.
      space: ``'nlp'``, ``'darts'`` or ``'nb101'``.
      surrogate: the fitted :class:`~jaxnas.surrogates.surrogate.Surrogate`.
      time_model: LightGBM model of ``log`` full training time from the graph encoding.
      fidelities: the epochs of the curve points (``E_max`` last).
      metric: the predicted curve (``'valid_loss'`` or ``'valid_acc'``).
      first_epochs: early values appended to the encoding (0: architecture only; NLP only).
      known: canonical recipe -> first ``first_epochs`` values of the data's cells (NLP).
      splits: ``{'train', 'valid', 'test'}`` -> data keys of each split.
      source: data used; ``label`` says these are surrogate predictions.
      pool: tabulated candidates (:func:`with_pool`) or ``None``: queries of pool members
        gather their mean curve and time instead of running the LightGBM models; answers are
        the same bit for bit (SVD compressor, tree mean model; see
        :func:`~jaxnas.surrogates.surrogate.tabulate`). Not saved by :func:`save`.
    """

    name: str
    space: str
    surrogate: Any
    time_model: Any
    fidelities: tuple[int, ...]
    metric: str
    first_epochs: int
    known: Mapping[str, np.ndarray]
    splits: Mapping[str, np.ndarray]
    source: str
    label: str
    cost_model: str = "train_time"
    pool: CandidatePool | None = None

    @property
    def metrics(self) -> tuple[str, ...]:
        """What :meth:`query` returns besides ``cost`` (the :class:`~jaxnas.benchmarks.base.
        Benchmark` protocol)."""
        return (self.metric, "train_time")

    def encode(self, archs) -> tuple[np.ndarray, np.ndarray, bool]:
        """(surrogate features ``[B, D]``, architecture features ``[B, G]``, single)."""
        single = _is_single(self.space, archs)
        if self.space == "nb101":
            adj, ops = (np.asarray(a) for a in archs)
            g = nb101_encoding(adj[None] if single else adj, ops[None] if single else ops)
            return g, g, single
        items = [archs] if single else list(archs)
        if self.space == "darts":
            g = darts_encoding(items)
            return g, g, single
        cells = [a if isinstance(a, nlp.NLPCell) else nlp.parse_recipe(a) for a in items]
        g = datasets.nlp_encoding(cells)
        if not self.first_epochs:
            return g, g, single
        early = []
        for c in cells:
            k = canonical_recipe(c)
            if k not in self.known:
                raise KeyError(
                    f"{self.name}: built with first_epochs={self.first_epochs}, so only cells of "
                    "the data (whose early values are known) can be queried"
                )
            early.append(self.known[k])
        return np.concatenate([g, np.asarray(early)], axis=1), g, single

    def curves(self, archs, key: jax.Array | None = None) -> dict:
        """Whole curves ``[B, E]`` (noisy with ``key``, mean without) and ``full_time [B]``."""
        x, g, _ = self.encode(archs)
        if self.pool is None:
            curve = sg.query(self.surrogate, x, key, with_noise=key is not None)
            full = _full_time(self.time_model, g)
        else:
            rows = self.pool.table.rows(x)
            curve = sg.query_pool(self.surrogate, self.pool.table, x, key, key is not None, rows)
            full = self.pool.full_time[np.maximum(rows, 0)]
            if (rows < 0).any():
                full[rows < 0] = _full_time(self.time_model, g[rows < 0])
        return {"epochs": np.asarray(self.fidelities), self.metric: curve, "full_time": full}

    def query(self, archs, fidelity: int | None = None, key: jax.Array | None = None) -> dict:
        """``metric`` at epoch ``fidelity`` (default the last) and ``cost`` for one or many archs.

        ``cost`` and ``train_time`` are ``full_time * fidelity / E_max`` (seconds, predicted).
        """
        e_max = self.fidelities[-1]
        e = e_max if fidelity is None else int(fidelity)
        if e not in self.fidelities:
            raise ValueError(f"{self.name}: epoch {e} not one of {self.fidelities}")
        c = self.curves(archs, key)
        cost = c["full_time"] * e / e_max
        out = {self.metric: c[self.metric][:, self.fidelities.index(e)], "cost": cost}
        out["train_time"] = cost
        if _is_single(self.space, archs):
            return {k: float(v[0]) for k, v in out.items()}
        return out

    def sample(self, key: jax.Array):
        """A random architecture: DARTS -- :func:`jaxnas.spaces.darts.sample`; NB-NLP -- a
        uniformly random recipe among the data's cells (no NB-NLP sampler exists here)."""
        if self.space == "darts":
            return darts.sample(key)
        if self.space == "nb101":
            raise NotImplementedError(
                f"{self.name}: sample NB101 cells with jaxnas.spaces.nb101 and query them"
            )
        keys = sorted(self.known)
        return keys[int(jax.random.randint(key, (), 0, len(keys)))]


def _full_time(time_model: mean_models.LGBModel, arch_features) -> np.ndarray:
    """Predicted full training time ``[B]`` (seconds) from architecture features ``[B, G]``."""
    return np.exp(mean_models.lgb_predict(time_model, arch_features)[:, 0])


def with_pool(
    bench: SurrogateCurveBenchmark, archs, num_threads: int | None = 0
) -> SurrogateCurveBenchmark:
    """``bench`` with the candidates ``archs`` tabulated (:class:`CandidatePool`).

    A search that draws from a fixed pool queries the same candidates again and again; the
    LightGBM chain (and the time model) then runs once, batched with ``num_threads`` threads
    (``0``: LightGBM's default, all cores; ``None``: the models' own), and every later
    :meth:`~SurrogateCurveBenchmark.query` of a pool member is a gather plus a noise draw.
    Architectures outside the pool are still answered (the one-off path), and every answer
    is the one ``bench`` gives, bit for bit (with the same key).
    """
    x, g, _ = bench.encode(archs)
    table = sg.tabulate(bench.surrogate, x, num_threads)
    tm = bench.time_model
    if num_threads is not None:
        tm = tm._replace(num_threads=int(num_threads))
    return dataclasses.replace(bench, pool=CandidatePool(table, _full_time(tm, g)))


def save(bench: SurrogateCurveBenchmark, directory) -> None:
    """Writes the benchmark (surrogate, time model, splits, known early values)."""
    d = pathlib.Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    sg.save(bench.surrogate, d / "surrogate")
    meta = {
        "name": bench.name,
        "space": bench.space,
        "fidelities": list(bench.fidelities),
        "metric": bench.metric,
        "first_epochs": bench.first_epochs,
        "source": bench.source,
        "label": bench.label,
        "splits": {k: [str(x) for x in v] for k, v in bench.splits.items()},
        "known": {k: [float(x) for x in v] for k, v in bench.known.items()},
        "time_model": {
            "boosters": mean_models.lgb_to_strings(bench.time_model),
            "y_mean": bench.time_model.y_mean.tolist(),
            "y_std": bench.time_model.y_std.tolist(),
            "chain": bench.time_model.chain,
        },
    }
    io.write_text(d / "benchmark.json", json.dumps(meta))


def load(directory) -> SurrogateCurveBenchmark:
    """Reads a benchmark written by :func:`save`."""
    d = pathlib.Path(directory)
    meta = json.loads((d / "benchmark.json").read_text())
    tm = meta["time_model"]
    s = sg.load(d / "surrogate")
    return SurrogateCurveBenchmark(
        name=meta["name"],
        space=meta["space"],
        surrogate=s,
        time_model=mean_models.lgb_from_strings(
            tm["boosters"], tm["y_mean"], tm["y_std"], tm["chain"], s.config.lgb.num_threads
        ),
        fidelities=tuple(meta["fidelities"]),
        metric=meta["metric"],
        first_epochs=int(meta["first_epochs"]),
        known={k: np.asarray(v) for k, v in meta["known"].items()},
        splits={k: np.asarray(v) for k, v in meta["splits"].items()},
        source=meta["source"],
        label=meta["label"],
    )


def register(name: str, build: Callable[..., tuple[SurrogateCurveBenchmark, dict]]):
    """Registers the benchmark of a builder (``build(data_dir=, download=, **kwargs) ->
    (benchmark, report)``) as ``name`` in :mod:`jaxnas.benchmarks.base`; returns the loader
    ``(data_dir=None, download=True, **kwargs) -> benchmark`` (it fits the surrogate)."""

    def loader(data_dir=None, download: bool = True, **kwargs) -> SurrogateCurveBenchmark:
        return build(data_dir=data_dir, download=download, **kwargs)[0]

    loader.__doc__ = f"``jaxnas.benchmarks.load({name!r}, data_dir, **kwargs)``: see build."
    return base.register(name)(loader)


def clipped_config(
    config: sg.SurrogateConfig | None, value_range: tuple[float, float] | None
) -> sg.SurrogateConfig:
    """``config`` (default :class:`~jaxnas.surrogates.surrogate.SurrogateConfig`) with its
    ``value_range`` overridden by ``value_range`` unless that is ``None`` (accuracies are
    fractions: noisy draws must stay in ``[0, 1]``)."""
    config = sg.SurrogateConfig() if config is None else config
    if value_range is not None:
        config = dataclasses.replace(config, value_range=tuple(value_range))
    return config


def kl_report(bench: SurrogateCurveBenchmark, encodings, runs, key: jax.Array, samples: int):
    """``avg_kl`` / ``final_kl``: the per-epoch KL of ``samples`` noisy curves of the surrogate
    at ``encodings [M, D]`` against measured repeated runs ``[M, S, E]``."""
    smp = sg.sample_curves(bench.surrogate, encodings, key, samples)
    kl = metrics.kl_multi_seed(runs, smp)
    return {"avg_kl": float(kl.mean()), "final_kl": float(kl[-1])}


def fit_and_report(
    name: str,
    space: str,
    d: datasets.CurveDataset,
    arch_features: np.ndarray,
    config: sg.SurrogateConfig,
    seed: int,
    key: jax.Array,
    *,
    metric: str,
    label: str,
    first_epochs: int = 0,
    known: Mapping[str, np.ndarray] | None = None,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
) -> tuple[SurrogateCurveBenchmark, dict]:
    """Splits ``d`` by ``seed``, fits the surrogate and the time model on the training split,
    and evaluates both on the test split (shared by the builders)."""
    known = {} if known is None else known
    tr, va, te = datasets.split(len(d.curves), seed, tuple(fractions))
    k_fit, k_noise = jax.random.split(key)
    s = sg.fit(k_fit, d.encodings[tr], d.curves[tr], config, heldout_curves=d.curves[va])
    tm = mean_models.lgb_fit(arch_features[tr], np.log(d.full_time[tr])[:, None], config.lgb)
    bench = SurrogateCurveBenchmark(
        name=name,
        space=space,
        surrogate=s,
        time_model=tm,
        fidelities=tuple(int(e) for e in d.epochs),
        metric=metric,
        first_epochs=first_epochs,
        known=known,
        splits={"train": d.keys[tr], "valid": d.keys[va], "test": d.keys[te]},
        source=d.source,
        label=label,
    )
    mean = sg.query(s, d.encodings[te], with_noise=False)
    noisy = sg.query(s, d.encodings[te], k_noise)
    log_t = mean_models.lgb_predict(tm, arch_features[te])[:, 0]
    report = {
        "split_sizes": [len(tr), len(va), len(te)],
        "test": metrics.curve_metrics(d.curves[te], mean),
        "spike_anomaly_rate": metrics.spike_anomaly_rate(d.curves[te], noisy, d.higher_is_better),
        "time_model_test_r2_log": float(
            metrics.per_epoch_r2(np.log(d.full_time[te])[:, None], log_t[:, None])[0]
        ),
        "num_components": s.compressor.num_components,
    }
    return bench, report
