"""Finite candidate sets with one fixed learning curve per row, for multi-fidelity search.

A :class:`CurveSet` holds, for ``N`` architectures, an encoding table, the metric at every
curve point, the time to train to the last one and (where known) the test metric; the
multi-fidelity searches of :mod:`jaxnas.search.multifidelity` run over it
(:func:`jaxnas.search.multifidelity.from_curve_set`). The sets (:data:`NAMES`):

* ``nbnlp_wt2`` -- the 341 NB-NLP WikiText-2 runs with finite curves: **real** per-epoch
  validation losses (50 epochs) and measured wall times;
* ``nlp11_wt2`` -- the same cells, curves = one noisy draw of the NLP11-WT2 x11 surrogate
  (:mod:`jaxnas.benchmarks.nlp11`) or its mean curve; time from its LightGBM model;
* ``nb311_yahpo`` -- ``num_candidates`` random DARTS genotypes, curves of the NB311-YAHPO
  surrogate (:mod:`jaxnas.benchmarks.nb311`, a surrogate of a surrogate), 98 epochs;
* ``nb111_4`` -- ``num_candidates`` random NB101-20k cells, NB111-4 surrogate "curves" of four
  separate budgets (:mod:`jaxnas.benchmarks.nb111`), not one learning curve.

:func:`load_or_build` caches a set as an NPZ file keyed by its settings.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
import time
from typing import NamedTuple

import jax
import numpy as np

from jaxnas import io
from jaxnas.benchmarks import builtin, curves, nb111, nb311, nlp11
from jaxnas.spaces import darts, nlp
from jaxnas.surrogates import datasets, mean_models
from jaxnas.surrogates import surrogate as sg

NAMES = ("nbnlp_wt2", "nlp11_wt2", "nb311_yahpo", "nb111_4")


class CurveSet(NamedTuple):
    """Arrays of a candidate set (see module docstring).

    Attributes:
      name: one of :data:`NAMES`; source: where the curves come from.
      x: ``[N, D]`` encoding table; curves: ``[N, E]`` metric per epoch; epochs: ``[E]``.
      full_time: ``[N]`` seconds to train to the last epoch; test: ``[N]`` test metric at the
        last epoch (NaN where unknown); higher_is_better: the metric's direction.
    """

    name: str
    x: np.ndarray
    curves: np.ndarray
    epochs: np.ndarray
    full_time: np.ndarray
    test: np.ndarray
    higher_is_better: bool
    source: str


@dataclasses.dataclass(frozen=True)
class Settings:
    """How a set is built.

    Attributes:
      candidate_seed: seed of the sampled architectures and of the noisy surrogate draw.
      num_candidates: size of the DARTS / NB101 sets.
      lgb_preset: ``'reference'`` (x11's LightGBM) or ``'fast'`` for the surrogates;
        lgb_threads: its threads.
      nb311_num_archs: YAHPO-generated training curves of the NB311 surrogate.
      nlp_first_epochs: real losses appended to the NLP11 encoding.
      surrogate_noise: one noisy draw per row (x11 style); False: the mean curves.
    """

    candidate_seed: int = 0
    num_candidates: int = 1000
    lgb_preset: str = "reference"
    lgb_threads: int = 1
    nb311_num_archs: int = 1000
    nlp_first_epochs: int = 3
    surrogate_noise: bool = True


def _surrogate_config(s: Settings) -> sg.SurrogateConfig:
    lgb = mean_models.REFERENCE_LGB if s.lgb_preset == "reference" else mean_models.FAST_LGB
    return sg.SurrogateConfig(lgb=dataclasses.replace(lgb, num_threads=s.lgb_threads))


def _fit(module, s: Settings, data_dir, download: bool, **kwargs):
    """The x11 curve benchmark of ``module`` (``nlp11``, ``nb311`` or ``nb111``), fitted."""
    bench, _ = module.build(
        _surrogate_config(s), data_dir, seed=s.candidate_seed, download=download, **kwargs
    )
    return bench


def _surrogate_set(name, x, cv, metric, higher_better, source) -> CurveSet:
    """A :class:`CurveSet` of surrogate curves ``cv`` (no test values: NaN)."""
    test = np.full(len(x), np.nan)
    return CurveSet(name, x, cv[metric], cv["epochs"], cv["full_time"], test, higher_better, source)


def build(name: str, settings: Settings, data_dir=None, download: bool = True) -> CurveSet:
    """Builds the set ``name`` (fits the surrogate for the x11 ones)."""
    s = settings
    k0 = jax.random.key(s.candidate_seed)
    key = k0 if s.surrogate_noise else None
    kind = "one noisy draw" if s.surrogate_noise else "mean curve"
    if name == "nbnlp_wt2":
        b = builtin.nbnlp_wt2(data_dir, download=download)
        v = b.metrics["valid_loss"][:, :, 0]
        ok = np.isfinite(v).all(1) & np.isfinite(b.metrics["train_time"][:, -1, 0])
        cells = [nlp.parse_recipe(str(r)) for r in b.arch["recipe"][ok]]
        return CurveSet(
            name, datasets.nlp_encoding(cells), v[ok], np.asarray(b.fidelities),
            b.metrics["train_time"][ok, -1, 0], b.metrics["test_loss"][ok, -1, 0], False,
            f"real NB-NLP WikiText-2 runs ({ok.sum()} with finite curves): {b.source}",
        )  # fmt: skip
    if name == "nlp11_wt2":
        bench = _fit(nlp11, s, data_dir, download, first_epochs=s.nlp_first_epochs)
        rec = list(nlp11.known_recipes(bench))
        x = datasets.nlp_encoding([nlp.parse_recipe(r) for r in rec])
        cv = bench.curves(rec, key)
        what = f"{bench.label}; {kind} per cell of the {len(rec)} data cells"
        return _surrogate_set(name, x, cv, "valid_loss", False, what)
    if name == "nb311_yahpo":
        bench = _fit(nb311, s, data_dir, download, num_archs=s.nb311_num_archs)
        ks = jax.random.split(jax.random.fold_in(k0, 1), s.num_candidates)
        genos = [darts.sample(k) for k in ks]
        cv = bench.curves(genos, key)
        what = f"{bench.label}; {kind} for {s.num_candidates} random DARTS genotypes"
        return _surrogate_set(name, curves.darts_encoding(genos), cv, "valid_acc", True, what)
    if name == "nb111_4":
        bench = _fit(nb111, s, data_dir, download, kl_samples=5)
        b = builtin.nb101_20k(data_dir, download=download)
        rows = np.random.default_rng(s.candidate_seed).choice(b.size, s.num_candidates, False)
        adj, ops = b.arch["adjacency"][rows], b.arch["ops"][rows]
        cv = bench.curves((adj, ops), key)
        what = f"{bench.label}; {kind} for {s.num_candidates} NB101-20k cells"
        return _surrogate_set(name, curves.nb101_encoding(adj, ops), cv, "valid_acc", True, what)
    raise ValueError(f"unknown candidate set {name!r}; choose from {NAMES}")


def load_or_build(
    name: str, settings: Settings, cache_dir, data_dir=None, download: bool = True
) -> CurveSet:
    """The set ``name``, read from ``<cache_dir>/<name>.npz`` when it was built with the same
    settings, else built (:func:`build`) and written there atomically."""
    s = dataclasses.asdict(settings)
    del s["lgb_threads"]  # does not change the set
    ident = json.dumps([name, s], sort_keys=True)
    path = pathlib.Path(cache_dir) / f"{name}.npz"
    if path.exists():
        z = io.read_npz(path)
        if str(z["ident"]) == ident:
            logging.info("%s: cached candidate set %s", name, path)
            return CurveSet(
                name, z["x"], z["curves"], z["epochs"], z["full_time"], z["test"],
                bool(z["higher_is_better"]), str(z["source"]),
            )  # fmt: skip
    t0 = time.time()
    cs = build(name, settings, data_dir, download)
    logging.info("%s: built candidate set in %.1f s", name, time.time() - t0)
    arrays = {k: np.asarray(v) for k, v in cs._asdict().items() if k != "name"}
    io.write_npz(path, ident=np.asarray(ident), **arrays)
    return cs


__all__ = ["NAMES", "CurveSet", "Settings", "build", "load_or_build"]
