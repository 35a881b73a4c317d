"""Multi-fidelity search with learning-curve extrapolation (LCE; NAS-Bench-x11's Algorithm 2).

Any single-fidelity :class:`~jaxnas.search.base.Searcher` (RS, REA, LS, BANANAS) becomes a
multi-fidelity one: each candidate it proposes is trained for ``e_few`` epochs, its partial
curve is extrapolated to ``target_epoch`` (WPM, LcSVR, last value or an oracle; switchable), and
only candidates whose prediction beats the top ``top_n`` percent of the fully trained history are
trained to completion. Only fully trained architectures are told to the wrapped algorithm (and
can become the incumbent); rejected ones are forgotten by it.

Budget accounting (simulated seconds; ``full = full_time[row]``, the time to ``E_max``):

* partial training to ``e_few``: ``full * e_few / E_max``;
* continuing a promoted candidate: ``full * (E_max - e_few) / E_max`` with ``resume=True``
  (the default: training continues from the partial run), ``full`` with ``resume=False``;
* while the history holds fewer than ``num_full_init`` architectures, candidates are trained
  to ``E_max`` directly (one event of cost ``full``), as LcSVR needs fully trained curves.

Every training event (partial or to completion) is one entry of the run's trajectory, with its
cost, cumulative cost and the incumbent after it, so regret vs simulated time is exact up to the
event in progress when the budget runs out (cut it with :func:`at_budgets`).

Seeds run in lockstep on the host: each round the wrapped algorithm's ``ask`` / ``tell`` are
called ``jit(vmap(...))`` over all seeds, and the partial curves of every seed's candidates are
extrapolated in **one** batched call (one vmapped NUTS fit for the WPM). Rows a run already
rejected are not trained again: when the algorithm proposes one (or a row twice in a round), a
uniformly random row that run has not tried yet is trained instead, so a model-based searcher
whose proposals are all rejected cannot stall.

Benchmarks are finite candidate sets with a fixed curve per row (:class:`CurveProblem`): the
real NB-NLP curves, or one noisy draw per row of an x11 surrogate. Rows without a neighbour
table get the ``k`` nearest rows of the encoding table as their neighbourhood
(:func:`knn_neighbours`), which mutation and local search use.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.predictors import curves as curves_lib
from jaxnas.search import base
from jaxnas.search import problem as P

# Reference settings of NAS-Bench-x11 (REFERENCE.md): E_max, E_few, budget in seconds.
REFERENCE_SETTINGS = {
    "nb111": {"e_max": 108, "e_few": 12, "budget": 5.6e5},
    "nb311": {"e_max": 98, "e_few": 20, "budget": 5e6},
    "nb201": {"e_max": 200, "e_few": 20, "budget": None},
    "nlp11": {"e_max": 50, "e_few": 10, "budget": 1e6},
}


# ----------------------------------------------------------------------------------------------
# Candidate sets with full curves.


class CurveProblem(NamedTuple):
    """A finite candidate set whose rows have full learning curves.

    Attributes:
      problem: the single-fidelity :class:`~jaxnas.search.problem.Problem` seen by the wrapped
        algorithm: encodings, neighbours; ``y [N, 1]`` the objective at ``E_max``; ``cost``
        the full training time.
      curves: ``float64 [N, E]`` objective (maximised: ``sign * metric``) at each epoch.
      test: ``float64 [N]`` test metric of the row at ``E_max`` (metric units; NaN if unknown).
      epochs: the ``E`` epochs of the curve points (``E_max`` last).
      full_time: ``float64 [N]`` seconds to train to ``E_max``.
      sign: ``+1`` if the metric is maximised (accuracy), ``-1`` if minimised (loss).
      bounded: whether the objective curves are already scores in ``[0, 1]`` (accuracy
        fractions); otherwise the WPM maps them with a :class:`~jaxnas.predictors.curves.
        LossTransform` fitted on the run's fully trained curves.
      name: benchmark name; source: the data the curves come from.
    """

    problem: P.Problem
    curves: np.ndarray
    test: np.ndarray
    epochs: tuple[int, ...]
    full_time: np.ndarray
    sign: float
    bounded: bool
    name: str
    source: str

    @property
    def size(self) -> int:
        return self.curves.shape[0]

    @property
    def e_max(self) -> int:
        return self.epochs[-1]

    def epoch_index(self, epoch: int) -> int:
        if int(epoch) not in self.epochs:
            raise ValueError(f"{self.name}: epoch {epoch} is not a curve point {self.epochs}")
        return self.epochs.index(int(epoch))

    @property
    def optimum(self) -> float:
        """Best objective at ``E_max`` over the candidate set."""
        return float(self.curves[:, -1].max())


def knn_neighbours(x, k: int) -> np.ndarray:
    """``int32 [N, k]``: the ``k`` nearest other rows of ``x [N, D]`` (squared Euclidean;
    Hamming distance for binary encodings), ties broken by row order."""
    x = np.asarray(x, np.float64)
    n = x.shape[0]
    if not 1 <= k < n:
        raise ValueError(f"k must lie in [1, {n - 1}], got {k}")
    sq = np.sum(x * x, axis=1)
    d = sq[:, None] + sq[None, :] - 2.0 * x @ x.T
    d[np.arange(n), np.arange(n)] = np.inf
    return np.argsort(d, axis=1, kind="stable")[:, :k].astype(np.int32)


def make_curve_problem(
    x,
    curves,
    epochs: Sequence[int],
    full_time,
    *,
    higher_is_better: bool,
    test=None,
    neighbours=None,
    num_neighbours: int = 10,
    bounded: bool | None = None,
    name: str = "curves",
    source: str = "",
) -> CurveProblem:
    """Builds a :class:`CurveProblem`.

    Args:
      x: ``[N, D]`` encoding table.
      curves: ``[N, E]`` metric per epoch (finite).
      epochs: the ``E`` increasing epochs (``E_max`` last).
      full_time: ``[N]`` positive seconds to train to ``E_max``.
      higher_is_better: True for accuracies, False for losses.
      test: optional ``[N]`` test metric at ``E_max``.
      neighbours: optional ``[N, K]`` neighbour table (``-1`` padded); default
        :func:`knn_neighbours` with ``num_neighbours``.
      bounded: objective already in ``[0, 1]`` (default: ``higher_is_better`` and all values
        in ``[0, 1]``).
    """
    x = np.asarray(x, np.float32)
    c = np.asarray(curves, np.float64)
    n = x.shape[0]
    epochs = tuple(int(e) for e in epochs)
    if c.ndim != 2 or c.shape[0] != n or c.shape[1] != len(epochs):
        raise ValueError(f"curves must be [N={n}, E={len(epochs)}], got {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError("curves must be finite (drop diverged runs first)")
    if list(epochs) != sorted(set(epochs)) or epochs[0] < 1:
        raise ValueError(f"epochs must be increasing and >= 1, got {epochs}")
    ft = np.asarray(full_time, np.float64)
    if ft.shape != (n,) or not np.all(np.isfinite(ft) & (ft > 0)):
        raise ValueError("full_time must be positive and finite with shape [N]")
    sign = 1.0 if higher_is_better else -1.0
    obj = sign * c
    if bounded is None:
        bounded = bool(higher_is_better and c.min() >= 0.0 and c.max() <= 1.0)
    test = np.full(n, np.nan) if test is None else np.asarray(test, np.float64)
    if neighbours is None:
        neighbours = knn_neighbours(x, num_neighbours)
    prob = P.make(x, obj[:, -1], test, ft, neighbours)
    return CurveProblem(prob, obj, test, epochs, ft, sign, bounded, name, source)


# ----------------------------------------------------------------------------------------------
# Exact cost accounting and per-run event logs.


def training_cost(full_time, epoch_from, epoch_to, e_max: int, resume: bool = True):
    """Simulated seconds to train from ``epoch_from`` (0: from scratch) to ``epoch_to``:
    ``full * (to - from) / E_max`` when resuming, ``full * to / E_max`` when restarting."""
    start = epoch_from if resume else 0
    return np.asarray(full_time, np.float64) * (epoch_to - start) / e_max


@dataclasses.dataclass
class EventLog:
    """Training events of one run (host side), in order."""

    index: list = dataclasses.field(default_factory=list)
    epoch: list = dataclasses.field(default_factory=list)
    cost: list = dataclasses.field(default_factory=list)
    value: list = dataclasses.field(default_factory=list)
    full: list = dataclasses.field(default_factory=list)

    def add(self, index: int, epoch: int, cost: float, value: float, full: bool) -> None:
        self.index.append(int(index))
        self.epoch.append(int(epoch))
        self.cost.append(float(cost))
        self.value.append(float(value))
        self.full.append(bool(full))

    @property
    def spent(self) -> float:
        return float(np.sum(self.cost)) if self.cost else 0.0

    def trajectory(self, cp: CurveProblem) -> dict[str, np.ndarray]:
        """Arrays ``[Q]`` over events: ``index``, ``epoch``, ``cost``, ``cum_cost``, ``value``
        (objective at the event's epoch), ``full`` and the incumbent after each event
        (``best_y`` objective, ``best_test`` metric units, ``best_index``); only events at
        ``E_max`` can become the incumbent."""
        idx = np.asarray(self.index, np.int64)
        val = np.asarray(self.value, np.float64)
        full = np.asarray(self.full, bool)
        by = np.full(len(idx), -np.inf)
        bt = np.full(len(idx), np.nan)
        bi = np.full(len(idx), -1, np.int64)
        cur = (-np.inf, np.nan, -1)
        for q in range(len(idx)):
            if full[q] and val[q] > cur[0]:
                cur = (val[q], cp.test[idx[q]], idx[q])
            by[q], bt[q], bi[q] = cur
        cost = np.asarray(self.cost, np.float64)
        return {
            "index": idx,
            "epoch": np.asarray(self.epoch, np.int64),
            "cost": cost,
            "cum_cost": np.cumsum(cost),
            "value": val,
            "full": full,
            "best_y": by,
            "best_test": bt,
            "best_index": bi,
        }


def stack(trajs: Sequence[dict[str, np.ndarray]]) -> base.Trajectory:
    """Per-run event trajectories -> one padded :class:`~jaxnas.search.base.Trajectory`
    ``[R, Q]`` (shorter runs repeat their last event at zero cost), for
    :func:`~jaxnas.search.base.at_budgets` and :func:`to_rows`."""
    q = max(len(t["cost"]) for t in trajs)
    if q == 0:
        raise ValueError("every run is empty")

    def pad(a, fill):
        a = np.asarray(a)
        if len(a) == q:
            return a
        last = a[-1] if len(a) else fill
        return np.concatenate([a, np.full(q - len(a), last, a.dtype)])

    cols = {}
    for k, fill in (("index", -1), ("value", -np.inf), ("best_y", -np.inf), ("best_test", np.nan)):
        cols[k] = np.stack([pad(t[k], fill) for t in trajs])
    cols["best_index"] = np.stack([pad(t["best_index"], -1) for t in trajs])
    cols["cum_cost"] = np.stack([pad(t["cum_cost"], 0.0) for t in trajs])
    cost = np.stack([np.concatenate([t["cost"], np.zeros(q - len(t["cost"]))]) for t in trajs])
    return base.Trajectory(
        cols["index"],
        cols["value"],
        np.full_like(cols["value"], np.nan),
        cost,
        cols["best_y"],
        cols["best_test"],
        cols["best_index"],
        cols["cum_cost"],
    )


def at_budgets(trajs: Sequence[dict[str, np.ndarray]], budgets) -> dict[str, np.ndarray]:
    """Incumbent objective / test value ``[R, G]`` at each budget (seconds), see
    :func:`jaxnas.search.base.at_budgets`."""
    return base.at_budgets(stack(trajs), budgets)


# ----------------------------------------------------------------------------------------------
# Extrapolators: partial curves -> predicted objective at the target epoch.


class ExtrapolationBatch(NamedTuple):
    """Partial curves of one round, across runs.

    Attributes:
      partial: ``float64 [B, n]`` objective at ``epochs``.
      epochs: ``[n]`` observed epochs.
      target_epoch: epoch to predict.
      group: ``int [B]`` run (seed slot) of each curve.
      rows: ``int [B]`` candidate rows.
      histories: per run, ``[H, E]`` full objective curves of its fully trained rows.
      all_epochs: ``[E]`` epochs of the full curves.
      bounded: objective values are scores in ``[0, 1]``.
    """

    partial: np.ndarray
    epochs: np.ndarray
    target_epoch: int
    group: np.ndarray
    rows: np.ndarray
    histories: Sequence[np.ndarray]
    all_epochs: np.ndarray
    bounded: bool


class Extrapolator(NamedTuple):
    """``predict(key, batch, cache) -> (pred [B], cache)``: predicted objective at the target
    epoch; ``cache`` (a dict, host side) lets a method reuse fits between rounds of a run."""

    name: str
    predict: Callable


def last_value_extrapolator() -> Extrapolator:
    """The last observed value."""
    return Extrapolator("last_value", lambda key, b, cache: (b.partial[:, -1].copy(), cache))


def oracle_extrapolator(cp: CurveProblem) -> Extrapolator:
    """The true value at the target epoch (an upper bound; for tests)."""

    def predict(key, b, cache):
        return cp.curves[b.rows, cp.epoch_index(b.target_epoch)].copy(), cache

    return Extrapolator("oracle", predict)


def lcsvr_extrapolator(config=None, refit_every: int = 5, seed: int = 0) -> Extrapolator:
    """LcSVR trained per run on its fully trained curves (prefix -> value at the target),
    refitted once the run's history has grown by ``refit_every`` since the last fit."""
    from jaxnas.predictors import lcsvr

    config = lcsvr.fast_config() if config is None else config

    def predict(key, b, cache):
        del key
        n = b.partial.shape[1]
        t = list(b.all_epochs).index(b.target_epoch)
        out = np.empty(len(b.rows))
        for g in np.unique(b.group):
            hist = b.histories[g]
            if len(hist) < max(config.cv, 3):
                raise ValueError(
                    f"LcSVR needs >= {max(config.cv, 3)} fully trained curves, run {g} has "
                    f"{len(hist)}; raise num_full_init"
                )
            fitted = cache.get(int(g))
            if fitted is None or len(hist) - fitted[0] >= refit_every:
                model = lcsvr.fit_lcsvr(hist[:, :n], hist[:, t], config=config, seed=seed)
                fitted = (len(hist), model)
                cache[int(g)] = fitted
            sel = b.group == g
            out[sel] = lcsvr.predict_lcsvr(fitted[1], b.partial[sel])
        return out, cache

    return Extrapolator("svr", predict)


def wpm_extrapolator(config=None, min_batch: int = 16) -> Extrapolator:
    """The WPM (batched NUTS) posterior-mean prediction. Objectives are mapped to scores in
    ``[0, 1]`` (identity for bounded curves; otherwise a loss transform per run, fitted on that
    run's fully trained curves); the batch is padded (by repeating curves) to the next power of
    two, at least ``min_batch``, so the fit compiles for few shapes."""
    from jaxnas.predictors import wpm

    config = wpm.fast_config() if config is None else config

    def predict(key, b, cache):
        bsz, n = b.partial.shape
        lo = np.zeros(bsz)  # score = (obj - lo) / (hi - lo)
        hi = np.ones(bsz)
        if not b.bounded:
            for g in np.unique(b.group):
                tr = curves_lib.fit_loss_transform(-b.histories[g])
                sel = b.group == g
                lo[sel], hi[sel] = -tr.hi, -tr.lo
        score = (b.partial - lo[:, None]) / (hi - lo)[:, None]
        pad = max(min_batch, 1 << (bsz - 1).bit_length())
        src = np.arange(pad) % bsz
        x = np.broadcast_to(np.asarray(b.epochs, np.float32), (pad, n))
        pc = curves_lib.PaddedCurves(
            x.copy(), score[src].astype(np.float32), np.ones((pad, n), bool)
        )
        k_fit, k_pred = jax.random.split(key)
        fit = wpm.fit(k_fit, pc, float(b.target_epoch), config)
        pred = wpm.predict(fit, [float(b.target_epoch)], config)
        mean = np.asarray(pred.mean[:bsz, 0], np.float64)
        return lo + mean * (hi - lo), cache

    return Extrapolator("wpm", predict)


# ----------------------------------------------------------------------------------------------
# The LCE wrapper.


@dataclasses.dataclass(frozen=True)
class LCEConfig:
    """Settings of :func:`run_lce`.

    Attributes:
      e_few: epochs of the partial training (a curve point of the benchmark).
      target_epoch: epoch the extrapolators predict and the threshold compares (default
        ``E_max``).
      top_n: percent: a candidate is trained to completion if its prediction beats the
        ``100 - top_n`` percentile of the run's fully trained values at the target epoch.
      num_full_init: architectures trained fully without extrapolation first.
      asks_per_round: ``ask`` calls per round (their candidates are extrapolated together).
      max_history: history length the wrapped algorithm is initialised with (its padding).
      resume: promoted candidates continue from ``e_few`` (else retrain from scratch).
      max_rounds: safety stop.
    """

    e_few: int
    target_epoch: int | None = None
    top_n: float = 30.0
    num_full_init: int = 10
    asks_per_round: int = 1
    max_history: int = 200
    resume: bool = True
    max_rounds: int = 100_000


def reference_config(benchmark: str, **overrides) -> LCEConfig:
    """The x11 settings of ``benchmark`` (``'nb111'``, ``'nb311'``, ``'nb201'``, ``'nlp11'``)."""
    ref = REFERENCE_SETTINGS[benchmark]
    return LCEConfig(**({"e_few": ref["e_few"]} | overrides))


_fold_in = jax.vmap(jax.random.fold_in, in_axes=(0, None))
_split_first = jax.vmap(lambda k: jax.random.split(k)[0])


@functools.lru_cache(maxsize=32)
def _vmapped(searcher: base.Searcher, max_history: int):
    """jit(vmap) of the searcher's functions (cached per searcher object, so reusing one
    searcher across runs compiles once)."""
    init = jax.jit(jax.vmap(lambda k, p: searcher.init(k, p, max_history), in_axes=(0, None)))
    ask = jax.jit(jax.vmap(searcher.ask, in_axes=(0, None, 0, None)))

    def masked_tell(state, problem, index, y, mask):
        new = searcher.tell(state, problem, index, y)
        return jax.tree.map(lambda a, b: jnp.where(mask, a, b), new, state)

    tell = jax.jit(jax.vmap(masked_tell, in_axes=(0, None, 0, 0, 0)))
    return init, ask, tell


def run_lce(
    searcher: base.Searcher,
    cp: CurveProblem,
    seeds: Sequence[int],
    budget: float,
    config: LCEConfig,
    extrapolator: Extrapolator | None,
    *,
    return_state: bool = False,
):
    """Runs ``searcher`` wrapped with LCE for each seed until ``budget`` seconds are spent.

    Args:
      searcher: the single-fidelity algorithm (its ``ask`` / ``tell`` unchanged).
      cp: the candidate set with curves.
      seeds: integer seeds (run in lockstep; keys as :func:`jaxnas.search.base.seed_keys`).
      budget: simulated seconds per run.
      config: settings.
      extrapolator: the curve extrapolator, or None for the plain single-fidelity algorithm
        (every candidate trained to ``E_max`` in one event; same loop and key schedule).

      return_state: also return the wrapped algorithm's final state (leading axis: seeds).

    Returns:
      One :meth:`EventLog.trajectory` per seed (and the final state if ``return_state``).
    """
    target = cp.e_max if config.target_epoch is None else int(config.target_epoch)
    t_idx = cp.epoch_index(target)
    n_few = cp.epoch_index(config.e_few) + 1
    if config.e_few >= target:
        raise ValueError(f"e_few={config.e_few} must be below the target epoch {target}")
    if not 0 < config.top_n <= 100:
        raise ValueError(f"top_n is a percentage in (0, 100], got {config.top_n}")
    if budget <= 0:
        raise ValueError("budget must be positive")
    seeds = list(seeds)
    init, ask, tell = _vmapped(searcher, config.max_history)
    keys = base.seed_keys(seeds)
    k_init = _split_first(keys)
    k_run = jax.vmap(lambda k: jax.random.split(k)[1])(keys)
    state = init(k_init, cp.problem)
    logs = [EventLog() for _ in seeds]
    hist_rows: list[list[int]] = [[] for _ in seeds]
    tried: list[set[int]] = [set() for _ in seeds]
    rejected: list[set[int]] = [set() for _ in seeds]
    rngs = [np.random.default_rng([int(s), 7]) for s in seeds]
    cache: dict = {}
    k_extra = jax.random.fold_in(jax.random.key(int(seeds[0]) if seeds else 0), 99_991)
    n = cp.size

    def fresh(s: int, taken: set[int]) -> int:
        free = np.setdiff1d(np.arange(n), np.fromiter(tried[s] | taken, np.int64))
        return int(rngs[s].choice(free)) if len(free) else int(rngs[s].integers(n))

    for r in range(config.max_rounds):
        active = np.array([lg.spent < budget for lg in logs])
        if not active.any():
            break
        k_round = _split_first(_fold_in(k_run, r))
        cands = []
        for j in range(config.asks_per_round):
            kj = k_round if j == 0 else _fold_in(k_round, j)
            idx, state = ask(state, cp.problem, kj, jnp.int32(r))
            cands.append(np.asarray(idx))
        cand = np.concatenate(cands, axis=1).astype(np.int64)  # [R, M]
        m = cand.shape[1]
        y = np.zeros(cand.shape, np.float32)
        direct = np.zeros_like(cand, bool)
        promote = np.zeros_like(cand, bool)
        part = []  # (s, j) needing extrapolation
        for s in np.flatnonzero(active):
            taken: set[int] = set()
            for j in range(m):
                if cand[s, j] in rejected[s] or cand[s, j] in taken:
                    cand[s, j] = fresh(s, taken)
                row = int(cand[s, j])
                taken.add(row)
                tried[s].add(row)
                if extrapolator is None or len(hist_rows[s]) < config.num_full_init:
                    # Trained to E_max at once; its curve is known to this round's extrapolation.
                    direct[s, j] = promote[s, j] = True
                    c = training_cost(cp.full_time[row], 0, cp.e_max, cp.e_max)
                    logs[s].add(row, cp.e_max, c, cp.curves[row, -1], True)
                    hist_rows[s].append(row)
                    y[s, j] = cp.curves[row, -1]
                else:
                    c = training_cost(cp.full_time[row], 0, config.e_few, cp.e_max)
                    logs[s].add(row, config.e_few, c, cp.curves[row, n_few - 1], False)
                    part.append((s, j))
        if part:
            ss = np.array([p[0] for p in part])
            rows = cand[ss, [p[1] for p in part]]
            histories = [cp.curves[np.asarray(h, np.int64)] for h in hist_rows]
            batch = ExtrapolationBatch(
                cp.curves[rows, :n_few],
                np.asarray(cp.epochs[:n_few]),
                target,
                ss,
                rows,
                histories,
                np.asarray(cp.epochs),
                cp.bounded,
            )
            pred, cache = extrapolator.predict(jax.random.fold_in(k_extra, r), batch, cache)
            pred = np.asarray(pred, np.float64)
            if pred.shape != rows.shape:
                raise ValueError(f"{extrapolator.name} returned {pred.shape}, not {rows.shape}")
            for (s, j), p in zip(part, pred, strict=True):
                thr = np.percentile(histories[s][:, t_idx], 100.0 - config.top_n)
                if p > thr:
                    promote[s, j] = True
                else:
                    rejected[s].add(int(cand[s, j]))
        for s in np.flatnonzero(active):
            for j in np.flatnonzero(promote[s] & ~direct[s]):
                row = int(cand[s, j])
                c = training_cost(
                    cp.full_time[row], config.e_few, cp.e_max, cp.e_max, config.resume
                )
                logs[s].add(row, cp.e_max, c, cp.curves[row, -1], True)
                hist_rows[s].append(row)
                y[s, j] = cp.curves[row, -1]
        tmask = promote & active[:, None]
        for j in range(m):
            if tmask[:, j].any():
                state = tell(
                    state,
                    cp.problem,
                    jnp.asarray(cand[:, j : j + 1], jnp.int32),
                    jnp.asarray(y[:, j : j + 1]),
                    jnp.asarray(tmask[:, j]),
                )
    trajs = [lg.trajectory(cp) for lg in logs]
    return (trajs, state) if return_state else trajs


def to_rows(
    trajs: Sequence[dict[str, np.ndarray]],
    cp: CurveProblem,
    *,
    algorithm: str,
    seeds: Sequence[int],
    budget: float,
    config: dict | None = None,
) -> list[dict]:
    """Results rows in :func:`jaxnas.search.results.run_rows`' format (metric units;
    ``trajectory`` over training events, padded within the group), plus per-run counts of
    partial and full trainings and the final regret at ``budget`` (objective units)."""
    traj = stack(trajs)
    at = base.at_budgets(traj, [budget])
    rows = []
    for r, seed in enumerate(seeds):
        t = trajs[r]
        by = cp.sign * np.asarray(traj.best_y[r])
        final = at["best_y"][r, 0]
        rows.append(
            {
                "algorithm": algorithm,
                "encoding": "none",
                "benchmark": cp.name,
                "seed": int(seed),
                "num_queries": int(len(t["cost"])),
                "num_full": int(t["full"].sum()),
                "num_partial": int((~t["full"]).sum()),
                "budget": float(budget),
                "total_cost": float(t["cum_cost"][-1]) if len(t["cost"]) else 0.0,
                "final_valid": _clean(cp.sign * final),
                "final_test": _clean(at["best_test"][r, 0]),
                "final_regret": _clean(cp.optimum - final),
                "optimum_valid": cp.sign * cp.optimum,
                "sign": cp.sign,
                "trajectory": {
                    "best_valid": [_clean(v) for v in by],
                    "best_test": [_clean(v) for v in np.asarray(traj.best_test[r])],
                    "cum_cost": [float(v) for v in np.asarray(traj.cum_cost[r])],
                },
                "queried": [int(i) for i in t["index"]],
                "config": dict(config or {}),
                "source": cp.source,
            }
        )
    return rows


def _clean(v):
    v = float(v)
    return v if np.isfinite(v) else None


__all__ = [
    "REFERENCE_SETTINGS",
    "CurveProblem",
    "EventLog",
    "ExtrapolationBatch",
    "Extrapolator",
    "LCEConfig",
    "at_budgets",
    "knn_neighbours",
    "last_value_extrapolator",
    "lcsvr_extrapolator",
    "make_curve_problem",
    "oracle_extrapolator",
    "reference_config",
    "run_lce",
    "stack",
    "to_rows",
    "training_cost",
    "wpm_extrapolator",
]
