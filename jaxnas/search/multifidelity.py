"""Multi-fidelity search: the LCE wrapper (NAS-Bench-x11's Algorithm 2), Hyperband and BOHB.

A :class:`MultiFidelitySearcher` is a :class:`~jaxnas.search.base.Searcher` that also decides
which candidate is trained to which epoch: the same three functions over an explicit state,
here on the host and for all runs in lockstep (``init(keys, cp, budget)``, ``ask(state, cp,
keys, step) -> (Events, state)``, ``tell(state, cp, events, values)``); :func:`run` drives any
of them -- and any plain searcher, as its full-fidelity version -- with one signature and
returns the one :class:`~jaxnas.search.base.Trajectory` type (over training events, with their
``fidelity``)::

    rea = evolution.regularized_evolution()
    searcher = mf.lce(rea, mf.wpm_extrapolator(), mf.reference_config("nb111", "rea", "wpm"))
    traj = mf.run(searcher, cp, base.seed_keys(range(10)), budget)  # Trajectory [10, Q]
    traj = mf.run(rea, cp, base.seed_keys(range(10)), budget)       # the plain searcher
    traj = mf.run(hyperband.bohb(), cp, base.seed_keys(range(10)), budget)
    base.at_budgets(traj, [budget]); mf.to_rows(traj, cp, ...)      # results.run_rows schema

:func:`lce` wraps a searcher and returns a searcher (``Searcher -> Searcher``), the way optax's
wrappers wrap a transformation: each candidate it proposes is trained for ``e_few`` epochs, its
partial curve is extrapolated to ``target_epoch`` (WPM, LcSVR, last value or an oracle;
:class:`Extrapolator`), and only candidates whose prediction beats the top ``top_n`` percent
of the fully trained history (:func:`threshold`) are trained to completion. Only fully trained
architectures are told to the wrapped algorithm (and can become the incumbent); rejected ones
are forgotten by it. :func:`full_fidelity` is the same searcher with every candidate trained to
``E_max``. :func:`reference_config` gives the seed's settings per benchmark, searcher and
extrapolator (:data:`REFERENCE_PROTOCOL`, read from nas-bench-x11's optimizers).

Budget accounting (simulated seconds; ``full = full_time[row]``, the time to ``E_max``): an
event training from epoch ``start`` (0: from scratch) to ``epoch`` costs
``full * (epoch - start) / E_max``. Under LCE, partial training costs ``full * e_few / E_max``;
continuing a promoted candidate ``full * (E_max - e_few) / E_max`` with ``resume=True`` (else
``full``); while the history holds fewer than ``num_full_init`` architectures, candidates are
trained to ``E_max`` directly (as LcSVR needs fully trained curves). Every training event is
one entry of the trajectory, so regret vs simulated time is exact up to the event in progress
when the budget runs out (cut it with :func:`jaxnas.search.base.at_budgets`).

Under LCE the wrapped algorithm's ``ask`` / ``tell`` are called ``jit(vmap(...))`` over all
runs, and the partial curves of every run's candidates are extrapolated in **one** batched call
(one vmapped NUTS fit for the WPM). Rows a run already rejected are not trained again: when the
algorithm proposes one (or a row twice in a round), a random row that run has not tried yet is
trained instead (drawn with :func:`host_rng` of the run's key), so a model-based searcher whose
proposals are all rejected cannot stall.

Benchmarks are finite candidate sets with a fixed curve per row (:class:`CurveProblem`, e.g.
from :mod:`jaxnas.benchmarks.curve_sets`): real NB-NLP curves, or one noisy draw per row of an
x11 surrogate. Rows without a neighbour table get the ``k`` nearest rows of the encoding table as
their neighbourhood (:func:`jaxnas.search.problem.nearest_neighbours`, ties by row order),
which mutation and local search use.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.predictors import curves as curves_lib
from jaxnas.predictors import lcsvr, wpm
from jaxnas.search import base, registry, results
from jaxnas.search import problem as P

# Reference settings of NAS-Bench-x11 (REFERENCE.md; naslib/benchmarks/nas/run_nb111.sh,
# run_nb311.sh, run_nbnlp.sh): E_max, E_few, budget in simulated seconds.
REFERENCE_SETTINGS = {
    "nb111": {"e_max": 108, "e_few": 12, "budget": 5.6e5},
    "nb311": {"e_max": 98, "e_few": 20, "budget": 5e6},
    "nb201": {"e_max": 200, "e_few": 20, "budget": None},
    "nlp11": {"e_max": 50, "e_few": 10, "budget": 1e6},
}

# The seed's extrapolation target and top-n per benchmark, searcher and extrapolator, as
# ``(index, fraction)`` read from nas-bench-x11's naslib/optimizers/discrete/{rea,ls,bananas}_
# {lce,svr}/optimizer.py (``self.extrapolation``, ``self.top_n_percent``; ``fidelity`` = 107 on
# NB101, 97 on DARTS, 49 on NLP). ``index`` indexes the 0-based learning curve ``full_lc``
# (``full_lc[index]`` is the value after epoch ``index + 1``, the value the threshold compares), so
# the target *epoch* is ``index + 1`` (:func:`reference_config`). The seed has no RS-LCE; RS takes
# REA's settings (random proposals are what REA's wrapper sees before its population fills).
REFERENCE_PROTOCOL = {
    "nb111": {("rea", "wpm"): (107 // 3, 0.2), ("rea", "svr"): (107, 0.5),
              ("ls", "wpm"): (107 // 3, 0.2), ("ls", "svr"): (107, 0.2),
              ("bananas", "wpm"): (107, 0.2), ("bananas", "svr"): (107, 0.5)},
    "nb311": {(m, e): (97 // 2, 0.2) for m in ("rea", "ls", "bananas") for e in ("wpm", "svr")},
    "nlp11": {("rea", "wpm"): (49, 0.5), ("rea", "svr"): (49, 0.2),
              ("ls", "wpm"): (49, 0.2), ("ls", "svr"): (49, 0.2),
              ("bananas", "wpm"): (49, 0.2), ("bananas", "svr"): (49, 0.5)},
}  # fmt: skip
for _p in REFERENCE_PROTOCOL.values():
    _p.update({("rs", e): _p[("rea", e)] for e in ("wpm", "svr")})

# Architectures trained fully before any extrapolation: the seed's ``population_size`` (REA) and
# ``num_init`` (LS, BANANAS), both 20 (create_configs.py defaults, run_nb111.sh / run_nbnlp.sh).
REFERENCE_NUM_FULL_INIT = 20


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
        :func:`jaxnas.search.problem.nearest_neighbours` (no key: ties by row order) with
        ``num_neighbours``.
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
        neighbours = P.nearest_neighbours(x, num_neighbours)
    prob = P.make(x, obj[:, -1], test, ft, neighbours)
    return CurveProblem(prob, obj, test, epochs, ft, sign, bounded, name, source)


def from_curve_set(cs, num_neighbours: int = 10) -> CurveProblem:
    """The :class:`CurveProblem` of a :class:`jaxnas.benchmarks.curve_sets.CurveSet` (rows'
    neighbourhoods: the ``num_neighbours`` nearest rows of its encoding table)."""
    return make_curve_problem(
        cs.x, cs.curves, [int(e) for e in cs.epochs], cs.full_time,
        higher_is_better=cs.higher_is_better, test=cs.test, num_neighbours=num_neighbours,
        name=cs.name, source=cs.source,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# The multi-fidelity searcher protocol and its runner.


def training_cost(full_time, epoch_from, epoch_to, e_max: int, resume: bool = True):
    """Simulated seconds to train from ``epoch_from`` (0: from scratch) to ``epoch_to``:
    ``full * (to - from) / E_max`` when resuming, ``full * to / E_max`` when restarting."""
    start = epoch_from if resume else 0
    return np.asarray(full_time, np.float64) * (epoch_to - start) / e_max


def host_rng(key: jax.Array, tag: int) -> np.random.Generator:
    """A NumPy generator for host-side draws (rows, BOHB samples), derived from the PRNG key of
    a run: ``default_rng`` seeded with the raw bits of ``fold_in(key, tag)``."""
    bits = np.asarray(jax.random.key_data(jax.random.fold_in(key, tag))).ravel()
    return np.random.default_rng([int(b) for b in bits])


class Events(NamedTuple):
    """Training events asked for in one step, ``[R, M]`` (runs x slots).

    Attributes:
      row: candidate rows.
      start: epoch the training starts from (0: from scratch); the event costs
        ``full_time[row] * (epoch - start) / E_max``.
      epoch: epoch trained to (a curve point); only events at ``E_max`` can become the
        incumbent.
      mask: which slots are events (a run with no event in a step is idle or finished).
    """

    row: np.ndarray
    start: np.ndarray
    epoch: np.ndarray
    mask: np.ndarray


def make_events(per_run: Sequence[Sequence[tuple[int, int, int]]]) -> Events:
    """:class:`Events` from per-run lists of ``(row, start, epoch)`` (padded with masked
    slots)."""
    m = max([len(e) for e in per_run] + [1])
    out = np.zeros((3, len(per_run), m), np.int64)
    mask = np.zeros((len(per_run), m), bool)
    for s, evs in enumerate(per_run):
        for j, ev in enumerate(evs):
            out[:, s, j] = ev
            mask[s, j] = True
    return Events(out[0], out[1], out[2], mask)


class MultiFidelitySearcher(base.Searcher):
    """A :class:`~jaxnas.search.base.Searcher` that also chooses how long each candidate is
    trained: the same three functions, run on the host for all runs in lockstep (the runs'
    axis leads, as under ``vmap``), over a :class:`CurveProblem`::

        state = searcher.init(keys, cp, budget)            # keys [R]; budget: seconds per run
        events, state = searcher.ask(state, cp, keys, step)  # events: Events [R, M]
        state = searcher.tell(state, cp, events, values)     # values [R, M]: objective at epoch

    ``ask`` returns the training events of one step (:class:`Events`, the multi-fidelity
    ``index``); a step with no event ends the search. Each searcher tracks what its runs have
    spent against ``budget`` (:func:`record`; the LCE wrapper finishes a round it started,
    Hyperband stops at the first event over budget). ``keys`` of ``ask`` are the step's keys
    of :func:`jaxnas.search.base.run`'s schedule (the searchers here derive their own from
    ``init``'s, so that promotions do not shift the wrapped searcher's keys). The state is host
    data and may be updated in place. :func:`run` drives any of them, and any plain
    ``Searcher`` as :func:`full_fidelity` of it: :func:`lce` (a searcher wrapped with
    learning-curve extrapolation), :func:`full_fidelity` (every candidate trained to
    ``E_max``), :func:`jaxnas.search.hyperband.hyperband` and :func:`jaxnas.search.hyperband.bohb`.
    """

    __slots__ = ()


@dataclasses.dataclass
class EventLog:
    """Training events of one run (host side), in order."""

    index: list = dataclasses.field(default_factory=list)
    epoch: list = dataclasses.field(default_factory=list)
    cost: list = dataclasses.field(default_factory=list)
    value: list = dataclasses.field(default_factory=list)

    def add(self, index: int, epoch: int, cost: float, value: float) -> None:
        self.index.append(int(index))
        self.epoch.append(int(epoch))
        self.cost.append(float(cost))
        self.value.append(float(value))

    @property
    def spent(self) -> float:
        return float(np.sum(self.cost)) if self.cost else 0.0


def record(logs: Sequence[EventLog], cp: CurveProblem, events: Events, values) -> None:
    """Appends the told events to the runs' logs, each costing :func:`training_cost`."""
    for s, j in zip(*np.nonzero(events.mask), strict=True):
        row, e = int(events.row[s, j]), int(events.epoch[s, j])
        cost = training_cost(cp.full_time[row], int(events.start[s, j]), e, cp.e_max)
        logs[s].add(row, e, cost, values[s, j])


def within_budget(logs: Sequence[EventLog], budget: float) -> np.ndarray:
    """``bool [R]``: which runs have spent less than ``budget``."""
    return np.array([lg.spent < budget for lg in logs])


_fold_in = jax.vmap(jax.random.fold_in, in_axes=(0, None))
_split_first = jax.vmap(lambda k: jax.random.split(k)[0])
_split_second = jax.vmap(lambda k: jax.random.split(k)[1])


@jax.jit
def step_keys(keys: jax.Array, step) -> jax.Array:
    """``[R]`` keys of step ``step``: :func:`jaxnas.search.base.run`'s ``k_ask`` per run."""
    return _split_first(_fold_in(_split_second(keys), step))


def run(
    searcher: base.Searcher,
    cp: CurveProblem,
    keys: jax.Array,
    budget: float,
    max_steps: int = 10_000_000,
) -> base.Trajectory:
    """Runs ``searcher`` for every key until each run has spent ``budget`` simulated seconds.

    Args:
      searcher: a :class:`MultiFidelitySearcher`, or a plain
        :class:`~jaxnas.search.base.Searcher` (run as :func:`full_fidelity` of it).
      cp: the candidate set with curves.
      keys: ``[R]`` PRNG keys, one per run (:func:`jaxnas.search.base.seed_keys`).
      budget: simulated seconds per run.
      max_steps: safety stop on ``ask`` calls.

    Returns:
      A :class:`~jaxnas.search.base.Trajectory` ``[R, Q]`` over training events (see
      :func:`stack`), with ``fidelity`` the epoch of each event.
    """
    if budget <= 0:
        raise ValueError("budget must be positive")
    if not isinstance(searcher, MultiFidelitySearcher):
        searcher = full_fidelity(searcher)
    keys = jnp.asarray(keys)
    logs = [EventLog() for _ in range(keys.shape[0])]
    state = searcher.init(keys, cp, budget)
    pos = {e: i for i, e in enumerate(cp.epochs)}
    for step in range(max_steps):
        ev, state = searcher.ask(state, cp, step_keys(keys, step), step)
        if not np.any(ev.mask):
            break
        bad = set(np.asarray(ev.epoch)[ev.mask].tolist()) - set(pos)
        if bad:
            raise ValueError(f"epochs {sorted(bad)} are not curve points {cp.epochs}")
        col = np.array([[pos.get(int(e), 0) for e in r] for r in ev.epoch], np.int64)
        values = np.where(ev.mask, cp.curves[ev.row, col], 0.0)
        record(logs, cp, ev, values)
        state = searcher.tell(state, cp, ev, values)
    return stack(logs, cp)


def stack(logs: Sequence[EventLog], cp: CurveProblem) -> base.Trajectory:
    """Per-run event logs -> one padded :class:`~jaxnas.search.base.Trajectory` ``[R, Q]``:
    ``y`` the objective at the event's epoch, ``fidelity`` that epoch, ``test`` the row's test
    value for events at ``E_max`` (NaN otherwise), the incumbent over events at ``E_max`` only;
    shorter runs repeat their last event at zero cost (``fidelity`` 0 on padding)."""
    q = max(len(lg.cost) for lg in logs)
    if q == 0:
        raise ValueError("every run is empty")
    cols = {k: [] for k in ("index", "y", "test", "cost", "best_y", "best_test", "best_index",
                            "cum_cost", "fidelity")}  # fmt: skip
    for lg in logs:
        n = len(lg.cost)
        idx = np.asarray(lg.index, np.int64)
        val = np.asarray(lg.value, np.float64)
        ep = np.asarray(lg.epoch, np.int64)
        full = ep == cp.e_max
        by = np.full(n, -np.inf)
        bt = np.full(n, np.nan)
        bi = np.full(n, -1, np.int64)
        cur = (-np.inf, np.nan, -1)
        for i in range(n):
            if full[i] and val[i] > cur[0]:
                cur = (val[i], cp.test[idx[i]], idx[i])
            by[i], bt[i], bi[i] = cur
        cost = np.asarray(lg.cost, np.float64)
        test = np.where(full, cp.test[idx] if n else np.zeros(0), np.nan)

        def pad(a, fill, last=True):
            if len(a) == q:
                return a
            f = a[-1] if (last and len(a)) else fill
            return np.concatenate([a, np.full(q - len(a), f, a.dtype)])

        cols["index"].append(pad(idx, -1))
        cols["y"].append(pad(val, -np.inf))
        cols["test"].append(pad(test, np.nan))
        cols["cost"].append(pad(cost, 0.0, last=False))
        cols["best_y"].append(pad(by, -np.inf))
        cols["best_test"].append(pad(bt, np.nan))
        cols["best_index"].append(pad(bi, -1))
        cols["cum_cost"].append(pad(np.cumsum(cost), 0.0))
        cols["fidelity"].append(pad(ep, 0, last=False))
    return base.Trajectory(**{k: np.stack(v) for k, v in cols.items()})


def num_events(traj: base.Trajectory) -> np.ndarray:
    """``int [R]`` training events of each run of a :func:`run` trajectory (padding
    excluded)."""
    return np.sum(np.asarray(traj.fidelity) > 0, axis=-1)


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


def lcsvr_extrapolator(
    config=None, refit_every: int = 5, retune_growth: float | None = None
) -> Extrapolator:
    """LcSVR trained per run on its fully trained curves (prefix -> value at the target).

    Refitted once the run's history has grown by ``refit_every`` since the last fit (the seed:
    1, i.e. after every new full training, with a new random search each time). With
    ``retune_growth = g``, the random-search CV (``config.n_iter`` configurations) runs only when
    the history has grown ``g``-fold since the last search; the refits in between keep the
    searched ``C``, ``nu``, ``gamma`` and refit the SVR on the grown history (a departure from
    the seed's search at every refit, to fit a CPU budget). Keys: the round's key folded with
    the run's slot."""
    config = lcsvr.fast_config() if config is None else config

    def predict(key, b, cache):
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
            fitted = cache.get(int(g))  # (history length at fit, model, at last search)
            if fitted is None or len(hist) - fitted[0] >= refit_every:
                search = fitted is None or retune_growth is None
                if search or len(hist) >= retune_growth * fitted[2]:
                    k = jax.random.fold_in(key, int(g))
                    model = lcsvr.fit(k, hist[:, :n], hist[:, t], config=config)
                    fitted = (len(hist), model, len(hist))
                else:
                    est = copy.deepcopy(fitted[1].estimator)  # refitted below
                    est.fit(lcsvr.curve_features(hist[:, :n]), hist[:, t])
                    fitted = (len(hist), fitted[1]._replace(estimator=est), fitted[2])
                cache[int(g)] = fitted
            sel = b.group == g
            out[sel] = lcsvr.predict(fitted[1], b.partial[sel])
        return out, cache

    return Extrapolator("svr", predict)


def wpm_extrapolator(config=None, min_batch: int = 16) -> Extrapolator:
    """The WPM (batched NUTS) posterior-mean prediction. Objectives are mapped to scores in
    ``[0, 1]`` (identity for bounded curves; otherwise a loss transform per run, fitted on that
    run's fully trained curves); the batch is padded (by repeating curves) to the next power of
    two, at least ``min_batch``, so the fit compiles for few shapes."""
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


EXTRAPOLATORS = ("none", "last_value", "svr", "wpm")


def make_extrapolator(name: str, config=None) -> Extrapolator | None:
    """An extrapolator by name (``'none'``: None, the plain searcher), with settings from a
    mapping (dict or ConfigDict): ``'svr'`` -- ``n_iter``, ``cv``, ... of
    :class:`~jaxnas.predictors.lcsvr.LcSVRConfig` (reference defaults), ``refit_every`` and
    ``retune_growth`` (:func:`lcsvr_extrapolator`);
    ``'wpm'`` -- ``preset`` (:func:`jaxnas.predictors.wpm.preset`, default ``'fast'``) and
    :class:`~jaxnas.predictors.wpm.WPMConfig` field overrides, ``min_batch``."""
    kw = dict(config.to_dict() if hasattr(config, "to_dict") else (config or {}))
    if name == "none":
        return None
    if name == "last_value":
        return last_value_extrapolator()
    if name == "svr":
        refit, growth = kw.pop("refit_every", 5), kw.pop("retune_growth", None)
        cfg = dataclasses.replace(lcsvr.reference_config(), **kw)
        return lcsvr_extrapolator(cfg, refit, growth)
    if name == "wpm":
        min_batch = kw.pop("min_batch", 16)
        w = wpm.preset(kw.pop("preset", "fast"), **{k: tuple(v) if isinstance(v, list) else v
                                                    for k, v in kw.items()})  # fmt: skip
        return wpm_extrapolator(w, min_batch)
    raise ValueError(f"unknown extrapolator {name!r}; choose from {EXTRAPOLATORS}")


# ----------------------------------------------------------------------------------------------
# The LCE wrapper.


@dataclasses.dataclass(frozen=True)
class LCEConfig:
    """Settings of :func:`lce`.

    Attributes:
      e_few: epochs of the partial training (a curve point of the benchmark).
      target_epoch: epoch the extrapolators predict and the threshold compares (default
        ``E_max``).
      top_n: percent: a candidate is trained to completion if its prediction beats the
        threshold of the run's fully trained values at the target epoch (``threshold``).
      threshold: ``'topk'`` (the seed's rule): the smallest of the top ``int(H * top_n / 100)``
        of the ``H`` history values (all of them when that is 0); ``'percentile'``: the
        ``100 - top_n`` percentile (linear interpolation).
      num_full_init: architectures trained fully without extrapolation first.
      asks_per_round: ``ask`` calls per round (their candidates are extrapolated together).
      max_history: history length the wrapped algorithm is initialised with (its padding);
        None: the full trainings the budget can pay for, plus 64 (:func:`lce`).
      resume: promoted candidates continue from ``e_few`` (else retrain from scratch).
      max_rounds: safety stop.
    """

    e_few: int
    target_epoch: int | None = None
    top_n: float = 30.0
    num_full_init: int = 10
    asks_per_round: int = 1
    max_history: int | None = None
    resume: bool = True
    max_rounds: int = 100_000
    threshold: str = "topk"


def reference_config(
    benchmark: str, method: str | None = None, extrapolator: str | None = None, **overrides
) -> LCEConfig:
    """The seed's settings on ``benchmark`` (``'nb111'``, ``'nb311'``, ``'nb201'``,
    ``'nlp11'``): ``e_few`` and, for a searcher ``method`` (``'rs'``, ``'rea'``, ``'ls'``,
    ``'bananas'``) and ``extrapolator`` (``'wpm'``, ``'svr'``) of :data:`REFERENCE_PROTOCOL`,
    the target epoch (the seed's curve index + 1), ``top_n`` and ``num_full_init`` (20; only
    that for extrapolators the seed did not run)."""
    ref = {"e_few": REFERENCE_SETTINGS[benchmark]["e_few"]}
    if method is not None and extrapolator is not None:
        ref["num_full_init"] = REFERENCE_NUM_FULL_INIT
        seed = REFERENCE_PROTOCOL.get(benchmark, {}).get((method, extrapolator))
        if seed is not None:  # other extrapolators (last value, oracle): set them yourself
            ref |= {"target_epoch": seed[0] + 1, "top_n": 100.0 * seed[1]}
    return LCEConfig(**(ref | overrides))


def threshold(values: np.ndarray, top_n: float, rule: str = "topk") -> float:
    """The value a prediction must beat to be trained to completion (:class:`LCEConfig`'s
    ``threshold``): ``values [H]`` the history at the target epoch, ``top_n`` percent."""
    v = np.sort(np.asarray(values, np.float64))
    if rule == "topk":  # the seed: min(sorted(info)[-int(len(info) * top_n_percent):])
        return float(v[-int(len(v) * (top_n / 100.0)) :].min())
    if rule == "percentile":
        return float(np.percentile(v, 100.0 - top_n))
    raise ValueError(f"unknown threshold rule {rule!r}; use 'topk' or 'percentile'")


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


@dataclasses.dataclass
class LCEState:
    """Host state of :func:`lce` (updated in place).

    Attributes:
      inner: the wrapped searcher's state (leading axis: runs).
      k_run: ``[R]`` per-run keys of the rounds; k_extra: the extrapolator's key.
      round: the round in progress; promoting: whether its promotions are pending.
      cand: ``int [R, M]`` candidates of the round; y: their objective at ``E_max`` (0 if not
        trained to completion); direct / promote: ``bool [R, M]`` trained to ``E_max`` at once
        / promoted (including direct); active: ``bool [R]`` runs taking part in the round.
      hist_rows: per run, its fully trained rows in order; tried / rejected: rows per run.
      rngs: per run, the host generator of replacement rows (:func:`host_rng`).
      cache: the extrapolator's cache.
      budget: simulated seconds per run; logs: per run, its training events (:func:`record`).
      inner_size: the wrapped searcher's history size (``max_history``).
    """

    inner: object
    k_run: jax.Array
    k_extra: jax.Array
    rngs: list
    hist_rows: list
    tried: list
    rejected: list
    cache: dict
    budget: float
    logs: list
    inner_size: int
    round: int = 0
    promoting: bool = False
    cand: np.ndarray | None = None
    y: np.ndarray | None = None
    direct: np.ndarray | None = None
    promote: np.ndarray | None = None
    active: np.ndarray | None = None


def lce(
    searcher: base.Searcher,
    extrapolator: Extrapolator | None,
    config: LCEConfig,
) -> MultiFidelitySearcher:
    """Wraps a searcher with learning-curve extrapolation (x11's Algorithm 2): ``Searcher ->
    Searcher``, as optax's wrappers take a transformation and return one. The result is a
    :class:`MultiFidelitySearcher` (a ``Searcher`` over a :class:`CurveProblem`, run by
    :func:`run`) with ``batch_size = asks_per_round * searcher.batch_size``.

    Each round the wrapped algorithm's ``ask`` is called ``config.asks_per_round`` times
    (``jit(vmap)`` over runs); every candidate is trained to ``e_few`` epochs (or to ``E_max``
    directly while the run has fewer than ``num_full_init`` fully trained rows), the partial
    curves of all runs are extrapolated in one call, and the candidates whose prediction beats
    the ``100 - top_n`` percentile of the run's fully trained values are trained to ``E_max``
    and told to the wrapped algorithm (the others are forgotten by it and never trained again:
    a rejected or repeated proposal is replaced by a random row the run has not tried, drawn
    with :func:`host_rng` of the run's key). A round, once started, is finished even if it
    overruns the budget.

    Args:
      searcher: the single-fidelity algorithm (its ``ask`` / ``tell`` unchanged).
      extrapolator: the curve extrapolator, or None: every candidate trained to ``E_max`` in
        one event (:func:`full_fidelity`; same loop and key schedule).
      config: settings.

    Keys: run ``s`` with key ``k`` initialises the wrapped searcher with ``split(k)[0]`` and
    asks round ``r`` with ``split(fold_in(split(k)[1], r))[0]`` (ask ``j > 0`` folds in ``j``),
    as :func:`jaxnas.search.base.run` does for ``asks_per_round = 1`` (``ask``'s own keys, one
    per step, are not used: promotion steps would shift them); the extrapolator gets
    ``fold_in(fold_in(keys[0], 99_991), r)``. The wrapped searcher's history holds
    ``config.max_history`` rows, by default the full trainings the budget can pay for
    (``budget // min(full_time)``) plus 64.
    """
    if not 0 < config.top_n <= 100:
        raise ValueError(f"top_n is a percentage in (0, 100], got {config.top_n}")
    def target_of(cp: CurveProblem) -> int:
        target = cp.e_max if config.target_epoch is None else int(config.target_epoch)
        if extrapolator is None:
            return target
        cp.epoch_index(target)
        cp.epoch_index(config.e_few)
        if config.e_few >= target:
            raise ValueError(f"e_few={config.e_few} must be below the target epoch {target}")
        return target

    def history_size(cp: CurveProblem, budget: float) -> int:
        if config.max_history is not None:
            return int(config.max_history)
        n = budget // float(cp.full_time.min())
        if not n < 1e6:
            raise ValueError(f"budget {budget} buys {n} full trainings; set max_history")
        return int(n) + 64

    def init(keys, cp: CurveProblem, budget: float) -> LCEState:
        target_of(cp)
        r = keys.shape[0]
        size = history_size(cp, budget)
        init_v = _vmapped(searcher, size)[0]
        return LCEState(
            inner=init_v(_split_first(keys), cp.problem),
            k_run=_split_second(keys),
            k_extra=jax.random.fold_in(keys[0], 99_991),
            rngs=[host_rng(k, 7) for k in keys],
            hist_rows=[[] for _ in range(r)],
            tried=[set() for _ in range(r)],
            rejected=[set() for _ in range(r)],
            cache={},
            budget=float(budget),
            logs=[EventLog() for _ in range(r)],
            inner_size=size,
        )

    def fresh(st: LCEState, s: int, taken: set[int], n: int) -> int:
        free = np.setdiff1d(np.arange(n), np.fromiter(st.tried[s] | taken, np.int64))
        rng = st.rngs[s]
        return int(rng.choice(free)) if len(free) else int(rng.integers(n))

    def ask(st: LCEState, cp: CurveProblem, keys=None, step=None):
        del keys, step  # rounds draw from the keys given to init (see the docstring)
        r_runs = len(st.hist_rows)
        if st.promoting:  # the round's promotions: continue training to E_max
            start = config.e_few if config.resume else 0
            todo = st.promote & ~st.direct & st.active[:, None]
            evs = [[(int(st.cand[s, j]), start, cp.e_max) for j in np.flatnonzero(todo[s])]
                   for s in range(r_runs)]  # fmt: skip
            return make_events(evs), st
        active = within_budget(st.logs, st.budget)
        if st.round >= config.max_rounds or not active.any():
            return make_events([[] for _ in range(r_runs)]), st
        k_round = _split_first(_fold_in(st.k_run, st.round))
        ask_v = _vmapped(searcher, st.inner_size)[1]
        cands = []
        for j in range(config.asks_per_round):
            kj = k_round if j == 0 else _fold_in(k_round, j)
            idx, st.inner = ask_v(st.inner, cp.problem, kj, jnp.int32(st.round))
            cands.append(np.asarray(idx))
        cand = np.concatenate(cands, axis=1).astype(np.int64)  # [R, M]
        m = cand.shape[1]
        st.direct = np.zeros_like(cand, bool)
        evs = [[] for _ in range(r_runs)]
        for s in np.flatnonzero(active):
            taken: set[int] = set()
            for j in range(m):
                if cand[s, j] in st.rejected[s] or cand[s, j] in taken:
                    cand[s, j] = fresh(st, s, taken, cp.size)
                row = int(cand[s, j])
                taken.add(row)
                st.tried[s].add(row)
                if extrapolator is None or len(st.hist_rows[s]) < config.num_full_init:
                    # Trained to E_max at once; its curve is known to this round's extrapolation.
                    st.direct[s, j] = True
                    st.hist_rows[s].append(row)
                    evs[s].append((row, 0, cp.e_max))
                else:
                    evs[s].append((row, 0, config.e_few))
        st.cand, st.active = cand, active
        st.y = np.zeros(cand.shape, np.float32)
        st.promote = st.direct.copy()
        return make_events(evs), st

    def tell(st: LCEState, cp: CurveProblem, events: Events, values) -> LCEState:
        record(st.logs, cp, events, values)  # values: the searcher reads its curves from cp
        if st.promoting:
            todo = st.promote & ~st.direct & st.active[:, None]
            for s, j in zip(*np.nonzero(todo), strict=True):  # runs, then slots, in order
                st.hist_rows[s].append(int(st.cand[s, j]))
                st.y[s, j] = cp.curves[st.cand[s, j], -1]
            st.promoting = False
            return _finish_round(st, cp)
        # Direct trainings; partial ones go to the extrapolator.
        part = []
        for s in np.flatnonzero(st.active):
            for j in range(st.cand.shape[1]):
                if st.direct[s, j]:
                    st.y[s, j] = cp.curves[st.cand[s, j], -1]
                else:
                    part.append((s, j))
        if part:
            _extrapolate(st, cp, part)
        if np.any(st.promote & ~st.direct & st.active[:, None]):
            st.promoting = True
            return st
        return _finish_round(st, cp)

    def _extrapolate(st: LCEState, cp: CurveProblem, part) -> None:
        target = target_of(cp)
        t_idx = cp.epoch_index(target)
        n_few = cp.epoch_index(config.e_few) + 1
        ss = np.array([p[0] for p in part])
        rows = st.cand[ss, [p[1] for p in part]]
        histories = [cp.curves[np.asarray(h, np.int64)] for h in st.hist_rows]
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
        key = jax.random.fold_in(st.k_extra, st.round)
        pred, st.cache = extrapolator.predict(key, batch, st.cache)
        pred = np.asarray(pred, np.float64)
        if pred.shape != rows.shape:
            raise ValueError(f"{extrapolator.name} returned {pred.shape}, not {rows.shape}")
        for (s, j), p in zip(part, pred, strict=True):
            thr = threshold(histories[s][:, t_idx], config.top_n, config.threshold)
            if p > thr:
                st.promote[s, j] = True
            else:
                st.rejected[s].add(int(st.cand[s, j]))

    def _finish_round(st: LCEState, cp: CurveProblem) -> LCEState:
        tmask = st.promote & st.active[:, None]
        longest = max(len(h) for h in st.hist_rows)
        if longest > st.inner_size:  # the wrapped history would drop rows silently
            raise ValueError(f"{longest} full trainings exceed max_history={st.inner_size}")
        tell_v = _vmapped(searcher, st.inner_size)[2]
        for j in range(st.cand.shape[1]):
            if tmask[:, j].any():
                st.inner = tell_v(
                    st.inner,
                    cp.problem,
                    jnp.asarray(st.cand[:, j : j + 1], jnp.int32),
                    jnp.asarray(st.y[:, j : j + 1]),
                    jnp.asarray(tmask[:, j]),
                )
        st.round += 1
        return st

    return MultiFidelitySearcher(init, ask, tell, config.asks_per_round * searcher.batch_size)


@registry.register("lce")
def lce_from_config(
    searcher: str,
    e_few: int,
    searcher_config=None,
    extrapolator: str = "wpm",
    extrapolator_config=None,
    target_epoch: int | None = None,
    top_n: float = 30.0,
    num_full_init: int = 10,
    asks_per_round: int = 1,
    max_history: int | None = None,
    resume: bool = True,
    threshold: str = "topk",
) -> MultiFidelitySearcher:
    """``make_searcher('lce', config)``: the registered ``searcher`` (built from
    ``searcher_config``) wrapped by :func:`lce` with the extrapolator ``extrapolator``
    (:func:`make_extrapolator`) and :class:`LCEConfig` fields as keyword arguments. (Each call
    builds a new wrapped searcher, compiled anew; wrap one object with :func:`lce` to share.)"""
    inner = registry.make_searcher(searcher, searcher_config)
    cfg = LCEConfig(
        e_few, target_epoch, top_n, num_full_init, asks_per_round, max_history, resume,
        threshold=threshold,
    )  # fmt: skip
    return lce(inner, make_extrapolator(extrapolator, extrapolator_config), cfg)


def full_fidelity(searcher: base.Searcher, max_history: int | None = None) -> MultiFidelitySearcher:
    """The single-fidelity searcher in the multi-fidelity loop: one candidate per round,
    trained to ``E_max`` (the same queries and keys as :func:`jaxnas.search.base.run`)."""
    return lce(searcher, None, LCEConfig(e_few=0, max_history=max_history))


def to_rows(
    traj: base.Trajectory,
    cp: CurveProblem,
    *,
    algorithm: str,
    seeds: Sequence[int],
    budget: float,
    config: dict | None = None,
) -> list[dict]:
    """Results rows of a :func:`run` trajectory: :func:`jaxnas.search.results.run_rows`' schema
    (metric units; ``trajectory`` over training events, padded within the group; ``queried``
    and ``num_queries`` without the padding) with the final values taken at ``budget``, plus
    per-run counts of partial and full trainings, the final regret (objective units), the
    budget and the sign."""
    at = base.at_budgets(traj, [budget])
    rows = results.run_rows(
        traj, algorithm=algorithm, encoding="none", benchmark=cp.name, seeds=seeds,
        config=config, source=cp.source, optimum=cp.sign * cp.optimum, sign=cp.sign,
    )  # fmt: skip
    fid, idx = np.asarray(traj.fidelity), np.asarray(traj.index)
    for r, row in enumerate(rows):
        q = int(np.sum(fid[r] > 0))
        final = at["best_y"][r, 0]
        row.update(
            num_queries=q,
            num_full=int(np.sum(fid[r] == cp.e_max)),
            num_partial=int(np.sum((fid[r] > 0) & (fid[r] < cp.e_max))),
            budget=float(budget),
            final_valid=_clean(cp.sign * final),
            final_test=_clean(at["best_test"][r, 0]),
            final_regret=_clean(cp.optimum - final),
            sign=cp.sign,
            queried=[int(i) for i in idx[r, :q]],
        )
    return rows


def _clean(v):
    v = float(v)
    return v if np.isfinite(v) else None


__all__ = [
    "REFERENCE_NUM_FULL_INIT",
    "REFERENCE_PROTOCOL",
    "REFERENCE_SETTINGS",
    "CurveProblem",
    "EXTRAPOLATORS",
    "EventLog",
    "Events",
    "ExtrapolationBatch",
    "Extrapolator",
    "LCEConfig",
    "LCEState",
    "MultiFidelitySearcher",
    "from_curve_set",
    "full_fidelity",
    "host_rng",
    "last_value_extrapolator",
    "lce",
    "lce_from_config",
    "lcsvr_extrapolator",
    "make_curve_problem",
    "make_events",
    "make_extrapolator",
    "num_events",
    "oracle_extrapolator",
    "reference_config",
    "run",
    "stack",
    "threshold",
    "to_rows",
    "training_cost",
    "wpm_extrapolator",
]
