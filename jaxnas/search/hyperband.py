"""Hyperband (Li et al. 2018) and BOHB (Falkner et al. 2018) over a finite curve benchmark.

Both are :class:`~jaxnas.search.multifidelity.MultiFidelitySearcher` s (:func:`hyperband`,
:func:`bohb`), run like the LCE wrapper by ``multifidelity.run(searcher, cp, keys, budget)``:
same candidate sets, budget accounting and trajectory. Every training event costs
``full * (to - from) / E_max`` simulated seconds (``from = 0`` with ``resume=False``), only
evaluations at ``E_max`` can become the incumbent, and a run stops at its first event over the
budget. Host draws (rows, BOHB samples) come from ``multifidelity.host_rng(key, 11)``.

Hyperband runs brackets ``s = s_max, ..., 0`` (then starts over) until the budget is spent.
Bracket ``s`` starts ``n = ceil((s_max + 1) / (s + 1) * eta^s)`` configurations at
``r = r_max * eta^-s`` epochs and runs successive halving: rung ``i`` trains
``n_i = floor(n * eta^-i)`` configurations to ``r_i = r * eta^i`` epochs (snapped up to the
next curve point) and keeps the best ``n_{i+1}``; ``s_max = floor(log_eta(r_max / r_min))``.
Hyperband samples configurations uniformly at random (rows of the candidate set).

BOHB replaces the random sampling by a TPE-style model (Falkner et al.'s ``BOHB`` config
generator, defaults: ``top_n_percent=15``, ``num_samples=64``, ``random_fraction=1/3``,
``bandwidth_factor=3``, ``min_bandwidth=1e-3``, ``min_points_in_model = d + 1``): on the largest
budget with at least ``min_points_in_model + 2`` observations, the best ``n_good`` and the next
``n_bad`` configurations get product-Gaussian KDEs ``l`` and ``g`` (normal-reference
bandwidths ``1.06 * std * n^(-1/(4+d))``, at least ``min_bandwidth``); ``num_samples`` vectors
are drawn around random good points (truncated normal on ``[0, 1]``, scale ``bandwidth_factor *
bw``) and the one minimising ``g / l`` is used. **Departures**, because the search space is a
finite candidate set without a ConfigSpace: the KDEs live in the first ``num_components``
principal components of the encoding table, min-max scaled to ``[0, 1]`` (:func:`kde_space`),
and each sampled vector is snapped to the nearest candidate row, where ``g / l`` is evaluated.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from jaxnas.search import multifidelity as mf
from jaxnas.search import registry


def bracket_schedule(r_max: float, r_min: float, eta: float = 3.0) -> list[list[tuple[int, float]]]:
    """Hyperband's brackets: for ``s = s_max, ..., 0`` the rungs ``[(n_i, r_i), ...]``.

    Args:
      r_max: the maximum resource (epochs); r_min: the minimum; eta: the halving rate.
    """
    if not (0 < r_min <= r_max) or eta <= 1:
        raise ValueError(f"need 0 < r_min <= r_max and eta > 1, got {r_min}, {r_max}, {eta}")
    s_max = int(math.floor(math.log(r_max / r_min) / math.log(eta) + 1e-9))
    out = []
    for s in range(s_max, -1, -1):
        n = int(math.ceil((s_max + 1) / (s + 1) * eta**s - 1e-9))
        r = r_max * eta ** (-s)
        out.append([(int(math.floor(n * eta ** (-i) + 1e-9)), r * eta**i) for i in range(s + 1)])
    return out


def snap(resource: float, epochs: Sequence[int]) -> int:
    """The smallest curve epoch ``>= resource`` (the largest if none)."""
    for e in epochs:
        if e >= resource - 1e-9:
            return int(e)
    return int(epochs[-1])


@dataclasses.dataclass(frozen=True)
class BOHBConfig:
    """Falkner et al.'s config-generator settings (defaults as in ``hpbandster``), plus the
    dimension of the KDE space (see module docstring)."""

    top_n_percent: float = 15.0
    num_samples: int = 64
    random_fraction: float = 1.0 / 3.0
    bandwidth_factor: float = 3.0
    min_bandwidth: float = 1e-3
    min_points_in_model: int | None = None
    num_components: int = 8


@dataclasses.dataclass(frozen=True)
class HyperbandConfig:
    """Attributes: ``eta``; ``min_epoch`` (default the first curve point); ``resume``
    (promotions continue training; else retrain from scratch); ``max_brackets`` safety stop."""

    eta: float = 3.0
    min_epoch: int | None = None
    resume: bool = True
    max_brackets: int = 100_000


# ----------------------------------------------------------------------------------------------
# The TPE-style KDE model.


def kde_space(x, num_components: int) -> np.ndarray:
    """``[N, k]``: the encoding table ``x [N, D]`` projected on its first ``k`` principal
    components and min-max scaled to ``[0, 1]`` per dimension (constant dimensions -> 0.5)."""
    x = np.asarray(x, np.float64)
    xc = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    k = min(num_components, vt.shape[0])
    z = xc @ vt[:k].T
    lo, hi = z.min(axis=0), z.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return np.where(hi > lo, (z - lo) / span, 0.5)


def kde_bandwidth(data: np.ndarray, min_bandwidth: float = 1e-3) -> np.ndarray:
    """Normal-reference bandwidths ``[d]`` of ``data [n, d]`` (statsmodels' ``KDEMultivariate``
    rule ``1.06 * std * n^(-1/(4+d))``, std with ``ddof=0``), clipped below at
    ``min_bandwidth`` as BOHB does."""
    n, d = data.shape
    bw = 1.06 * data.std(axis=0) * n ** (-1.0 / (4 + d))
    return np.maximum(bw, min_bandwidth)


def kde_pdf(x: np.ndarray, data: np.ndarray, bw: np.ndarray) -> np.ndarray:
    """Product-Gaussian KDE density ``[m]`` at ``x [m, d]``:
    ``mean_i prod_k N(x_k; data_ik, bw_k^2)``."""
    u = (x[:, None, :] - data[None, :, :]) / bw
    logk = -0.5 * u**2 - np.log(bw) - 0.5 * np.log(2 * np.pi)
    s = logk.sum(-1)
    mx = s.max(axis=1, keepdims=True)
    return np.exp(mx[:, 0]) * np.mean(np.exp(s - mx), axis=1)


class KDEModel(NamedTuple):
    good: np.ndarray  # [n_good, d]
    bad: np.ndarray  # [n_bad, d]
    bw_good: np.ndarray  # [d]
    bw_bad: np.ndarray  # [d]
    epoch: int


def fit_kde_model(
    obs: dict[int, tuple[list[int], list[float]]], z: np.ndarray, cfg: BOHBConfig
) -> KDEModel | None:
    """Good / bad KDEs on the largest budget with enough observations (None if none has).

    Args:
      obs: epoch -> (rows, objective values, maximised) observed at that epoch.
      z: ``[N, d]`` KDE space of the rows.
      cfg: settings.
    """
    d = z.shape[1]
    min_pts = max(cfg.min_points_in_model or 0, d + 1)
    ok = [e for e, (rows, _) in obs.items() if len(rows) >= min_pts + 2]
    if not ok:
        return None
    e = max(ok)
    rows, vals = (np.asarray(a) for a in obs[e])
    order = np.argsort(-vals, kind="stable")  # best (lowest loss = -objective) first
    n = len(rows)
    n_good = max(min_pts, int(cfg.top_n_percent * n) // 100)
    n_bad = max(min_pts, int((100 - cfg.top_n_percent) * n) // 100)
    good = z[rows[order[:n_good]]]
    bad = z[rows[order[n_good : n_good + n_bad]]]
    if good.shape[0] <= d or bad.shape[0] <= d:
        return None
    return KDEModel(
        good, bad, kde_bandwidth(good, cfg.min_bandwidth), kde_bandwidth(bad, cfg.min_bandwidth), e
    )


def sample_vectors(
    rng: np.random.Generator, model: KDEModel, num: int, bandwidth_factor: float
) -> np.ndarray:
    """``[num, d]`` draws: a uniformly random good point, each coordinate moved by a normal of
    scale ``bandwidth_factor * bw_good`` truncated to ``[0, 1]``."""
    from scipy import stats

    m = model.good[rng.integers(0, len(model.good), num)]
    sd = bandwidth_factor * np.broadcast_to(model.bw_good, m.shape)
    return stats.truncnorm.rvs(-m / sd, (1 - m) / sd, loc=m, scale=sd, random_state=rng)


def propose(
    rng: np.random.Generator, model: KDEModel | None, z: np.ndarray, cfg: BOHBConfig
) -> int:
    """One BOHB proposal: a random row with probability ``random_fraction`` (or without a
    model), else the snapped sample minimising ``g / l``."""
    n = z.shape[0]
    if model is None or rng.random() < cfg.random_fraction:
        return int(rng.integers(n))
    v = sample_vectors(rng, model, cfg.num_samples, cfg.bandwidth_factor)
    d2 = np.sum(v * v, 1)[:, None] + np.sum(z * z, 1)[None, :] - 2 * v @ z.T
    rows = np.argmin(d2, axis=1)
    zr = z[rows]
    lv = np.maximum(kde_pdf(zr, model.good, model.bw_good), 1e-32)
    gv = np.maximum(kde_pdf(zr, model.bad, model.bw_bad), 1e-32)
    return int(rows[np.argmin(gv / lv)])


# ----------------------------------------------------------------------------------------------
# The searchers.


def _one_run(cp: mf.CurveProblem, config: HyperbandConfig, bohb: BOHBConfig | None, z, rng):
    """Hyperband / BOHB of one run as a coroutine: yields ``(row, start, epoch)`` training
    events and is sent the objective at ``epoch`` of each."""
    r_min = cp.epochs[0] if config.min_epoch is None else config.min_epoch
    sched = bracket_schedule(cp.e_max, r_min, config.eta)
    obs: dict[int, tuple[list[int], list[float]]] = {}
    for b in range(config.max_brackets):
        rungs = sched[b % len(sched)]
        n0 = rungs[0][0]
        if bohb is None:
            rows = rng.choice(cp.size, size=min(n0, cp.size), replace=False)
        else:
            model = fit_kde_model(obs, z, bohb)
            rows = np.array([propose(rng, model, z, bohb) for _ in range(n0)])
        done = np.zeros(len(rows), np.int64)  # epochs trained so far, per configuration
        for i, (_, r_i) in enumerate(rungs):
            e = snap(r_i, cp.epochs)
            vals = []
            for slot, row in enumerate(rows):
                row = int(row)
                v = yield (row, int(done[slot]) if config.resume else 0, e)
                done[slot] = e
                vals.append(v)
                o = obs.setdefault(e, ([], []))
                o[0].append(row)
                o[1].append(v)
            if i + 1 == len(rungs):
                break
            keep = np.argsort(-np.asarray(vals), kind="stable")[: rungs[i + 1][0]]
            rows, done = rows[keep], done[keep]


def hyperband(
    config: HyperbandConfig | None = None, bohb: BOHBConfig | None = None
) -> mf.MultiFidelitySearcher:
    """Hyperband (``bohb=None``) or BOHB as a
    :class:`~jaxnas.search.multifidelity.MultiFidelitySearcher`: run it with
    :func:`jaxnas.search.multifidelity.run` (each run stops at its first event over the
    budget). The host draws of run ``s`` (rows, BOHB samples) come from
    ``multifidelity.host_rng(keys[s], 11)``."""
    config = HyperbandConfig() if config is None else config
    if config.eta <= 1:
        raise ValueError(f"eta must exceed 1, got {config.eta}")

    def init(keys, cp: mf.CurveProblem, budget: float):
        z = kde_space(cp.problem.x, bohb.num_components) if bohb is not None else None
        runs = [_one_run(cp, config, bohb, z, mf.host_rng(k, 11)) for k in keys]
        return {"runs": runs, "sent": [None] * len(runs), "done": [False] * len(runs),
                "budget": float(budget), "logs": [mf.EventLog() for _ in runs]}  # fmt: skip

    def ask(state, cp, keys=None, step=None):
        del keys, step  # host draws come from init's keys
        active = mf.within_budget(state["logs"], state["budget"])
        evs = []
        for s, gen in enumerate(state["runs"]):
            ev = []
            if active[s] and not state["done"][s]:
                try:
                    ev = [gen.send(state["sent"][s])]
                except StopIteration:
                    state["done"][s] = True
            evs.append(ev)
        return mf.make_events(evs), state

    def tell(state, cp, events, values):
        mf.record(state["logs"], cp, events, values)
        for s in np.flatnonzero(events.mask[:, 0]):
            state["sent"][s] = float(values[s, 0])
        return state

    return mf.MultiFidelitySearcher(init, ask, tell)


def bohb(config: BOHBConfig | None = None, hb: HyperbandConfig | None = None):
    """BOHB: :func:`hyperband` with the TPE-style configuration sampler."""
    return hyperband(hb, BOHBConfig() if config is None else config)


@registry.register("hyperband")
def hyperband_from_config(
    eta: float = 3.0, min_epoch: int | None = None, resume: bool = True
) -> mf.MultiFidelitySearcher:
    """``make_searcher('hyperband', config)``: :func:`hyperband` with
    :class:`HyperbandConfig` fields as keyword arguments."""
    return hyperband(HyperbandConfig(eta=eta, min_epoch=min_epoch, resume=resume))


@registry.register("bohb")
def bohb_from_config(
    eta: float = 3.0,
    min_epoch: int | None = None,
    resume: bool = True,
    top_n_percent: float = 15.0,
    num_samples: int = 64,
    random_fraction: float = 1.0 / 3.0,
    bandwidth_factor: float = 3.0,
    min_bandwidth: float = 1e-3,
    min_points_in_model: int | None = None,
    num_components: int = 8,
) -> mf.MultiFidelitySearcher:
    """``make_searcher('bohb', config)``: :func:`bohb` with :class:`BOHBConfig` and
    :class:`HyperbandConfig` fields as keyword arguments."""
    cfg = BOHBConfig(
        top_n_percent, num_samples, random_fraction, bandwidth_factor, min_bandwidth,
        min_points_in_model, num_components,
    )  # fmt: skip
    return bohb(cfg, HyperbandConfig(eta=eta, min_epoch=min_epoch, resume=resume))


__all__ = [
    "BOHBConfig",
    "HyperbandConfig",
    "KDEModel",
    "bohb",
    "bohb_from_config",
    "bracket_schedule",
    "fit_kde_model",
    "hyperband",
    "hyperband_from_config",
    "kde_bandwidth",
    "kde_pdf",
    "kde_space",
    "propose",
    "sample_vectors",
    "snap",
]
