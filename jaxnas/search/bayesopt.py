"""Model-based search: BO with any surrogate (DNGO, GP, MLP ensemble), the neural predictor
search and BANANAS -- one loop, different surrogates, acquisitions and candidate generators.

Each round fits the surrogate on the padded history (``x[history.index]``, a fixed ``[T, D]``,
so nothing recompiles as it grows), scores candidates with an acquisition and queries the
``batch_size`` best unvisited ones. Candidates are either the whole candidate set
(``candidates='all'``: arch2vec's BO scores every row of the pool) or mutations of the best rows
so far (``candidates='mutation'``: BANANAS' acquisition optimisation, ``num_parents`` x
``num_mutations`` one-edit neighbours). The first ``num_init`` queries (rounded up to a multiple
of ``batch_size``) are random.

Works on any encoding table (adjacency, path, or learned embeddings such as arch2vec or CATE).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.custom_batching import sequential_vmap

from jaxnas import mesh as jmesh
from jaxnas.predictors import acquisition, dngo, ensemble, gp
from jaxnas.search import base, registry
from jaxnas.search import problem as P


class BOState(NamedTuple):
    history: P.History


def _pool_predict(surrogate, model, x):
    """``surrogate.predict`` over a large candidate pool shared by all seeds. Under ``vmap``
    it runs seed by seed (``sequential_vmap``): XLA:CPU's batched ``[R, N, H] x [R, H, H]``
    products were 2-4x slower than one plain product per seed (measured on NB201).

    The pool axis ``N`` (of ``x`` and of the scores) is split over the devices when
    :func:`jaxnas.search.base.run_seeds` runs with ``shard='candidates'``
    (:func:`jaxnas.mesh.shard_candidates`; a no-op otherwise)."""
    mean, std = sequential_vmap(surrogate.predict)(model, jmesh.shard_candidates(x))
    return jmesh.shard_candidates(mean), jmesh.shard_candidates(std)


def _select(key, scores, rows, batch_size, problem, h):
    """Top ``batch_size`` distinct rows by score (``-inf``: excluded); random if none left."""
    out = []
    keys = jax.random.split(key, batch_size)
    for b in range(batch_size):
        j = jnp.argmax(scores)
        ok = jnp.isfinite(scores[j])
        pick = jnp.where(ok, rows[j], P.sample_unvisited(keys[b], problem, h))
        out.append(pick)
        scores = jnp.where(rows == pick, -jnp.inf, scores)
        h = P.history_add(h, pick, 0.0)
    return jnp.stack(out)


def _random_batch(key, problem, h, n: int) -> jax.Array:
    """``n`` random rows ``[n]``, drawn one after another, each unvisited by ``h`` and the
    earlier draws unless all its tries were (:func:`~jaxnas.search.problem.sample_unvisited`)."""
    out = []
    for k in jax.random.split(key, n):
        i = P.sample_unvisited(k, problem, h)
        out.append(i)
        h = P.history_add(h, i, 0.0)
    return jnp.stack(out)


def bo(
    surrogate: acquisition.Surrogate,
    acquisition_fn: str = "ei",
    num_init: int = 16,
    batch_size: int = 1,
    candidates: str = "all",
    num_parents: int = 10,
    num_mutations: int = 10,
    xi: float = 0.0,
    kappa: float = 2.0,
    target: float = 1.0,
) -> base.Searcher:
    """Bayesian optimisation over the rows of the problem.

    Args:
      surrogate: a :class:`~jaxnas.predictors.acquisition.Surrogate` (``dngo.make()``,
        ``gp.make()``, ``ensemble.make()``).
      acquisition_fn: ``'ei'`` (std-based, default), ``'ei_reference'`` (arch2vec's variance
        form with fixed ``target``), ``'ucb'``, ``'its'`` or ``'mean'``.
      num_init: random initial queries (rounded up to a multiple of ``batch_size``).
      batch_size: rows queried per round (top-k of the acquisition).
      candidates: ``'all'`` or ``'mutation'``.
      num_parents, num_mutations: for ``'mutation'``: the best ``num_parents`` rows so far each
        yield ``num_mutations`` random one-edit neighbours.
      xi, kappa, target: acquisition parameters (EI margin, UCB weight, reference EI target).
    """
    init_rounds = -(-num_init // batch_size)

    def init(key, problem, max_queries):
        del key
        return BOState(P.history_init(max_queries, problem.size))

    def model_batch(key, problem, h):
        k_fit, k_cand, k_acq, k_sel = jax.random.split(key, 4)
        model = surrogate.fit(k_fit, problem.x[h.index], h.y, h.mask)
        if candidates == "all":
            rows = jnp.arange(problem.size)
            seen = h.seen
        elif candidates == "mutation":
            y = jnp.where(h.mask, h.y, -jnp.inf)
            _, top = jax.lax.top_k(y, min(num_parents, y.shape[0]))
            parents = jnp.repeat(h.index[top], num_mutations)
            rows = P.mutate(problem, k_cand, parents)
            seen = P.visited(h, rows)
        else:
            raise ValueError(f"unknown candidates {candidates!r}")
        if candidates == "all":
            mean, std = _pool_predict(surrogate, model, problem.x)
        else:
            mean, std = surrogate.predict(model, problem.x[rows])
        _, best = P.history_best(h)
        s = acquisition.score(
            acquisition_fn, k_acq, mean, std, best, xi=xi, kappa=kappa, target=target
        )
        s = jnp.where(seen | ~jnp.isfinite(s), -jnp.inf, s)
        return _select(k_sel, s, rows, batch_size, problem, h)

    def ask(state, problem, key, step):
        h = state.history
        index = jax.lax.cond(
            step < init_rounds,
            lambda: _random_batch(key, problem, h, batch_size),
            lambda: model_batch(key, problem, h),
        )
        return index, state

    def tell(state, problem, index, y):
        del problem
        return BOState(P.history_add(state.history, index, y))

    return base.Searcher(init, ask, tell, batch_size)


@registry.register("dngo_bo")
def dngo_bo(
    num_init: int = 16,
    batch_size: int = 1,
    acquisition_fn: str = "ei",
    target: float = 1.0,
    mlp_batch_size: int | None = 10,
    **dngo_kwargs,
) -> base.Searcher:
    """arch2vec's BO: DNGO surrogate, EI over the whole pool, top-``batch_size`` per round
    (``acquisition_fn='ei_reference'`` with ``target`` 1.0 / 0.95 reproduces the reference).
    ``mlp_batch_size`` and ``dngo_kwargs`` go to :func:`jaxnas.predictors.dngo.make`."""
    surrogate = dngo.make(batch_size=mlp_batch_size, **dngo_kwargs)
    return bo(surrogate, acquisition_fn, num_init=num_init, batch_size=batch_size, target=target)


@registry.register("gp_bo")
def gp_bo(
    num_init: int = 16,
    batch_size: int = 5,
    acquisition_fn: str = "ei",
    num_steps: int = 100,
    learning_rate: float = 0.05,
) -> base.Searcher:
    """BO with a GP surrogate (:func:`jaxnas.predictors.gp.make`: ``num_steps`` Adam steps of
    marginal-likelihood fitting at ``learning_rate``), top-``batch_size`` per round."""
    surrogate = gp.make(num_steps=num_steps, learning_rate=learning_rate)
    return bo(surrogate, acquisition_fn, num_init=num_init, batch_size=batch_size)


@registry.register("neural_predictor")
def neural_predictor(
    num_init: int = 16,
    batch_size: int = 10,
    num_members: int = 1,
    mlp_batch_size: int | None = None,
    **ensemble_kwargs,
) -> base.Searcher:
    """Predictor-guided search: train an MLP (ensemble) on the history, query the
    ``batch_size`` rows of highest predicted value each round."""
    surrogate = ensemble.make(num_members=num_members, batch_size=mlp_batch_size, **ensemble_kwargs)
    return bo(surrogate, "mean", num_init=num_init, batch_size=batch_size)


@registry.register("bananas")
def bananas(
    num_init: int = 10,
    batch_size: int = 10,
    num_parents: int = 10,
    num_mutations: int = 10,
    acquisition_fn: str = "its",
    mlp_batch_size: int | None = None,
    **ensemble_kwargs,
) -> base.Searcher:
    """BANANAS (White et al. 2021): an ensemble of 5 MLPs, independent Thompson sampling,
    candidates by mutating the best rows. Pass a path-encoding table as ``problem.x``."""
    surrogate = ensemble.make(batch_size=mlp_batch_size, **ensemble_kwargs)
    mutation = dict(candidates="mutation", num_parents=num_parents, num_mutations=num_mutations)
    return bo(surrogate, acquisition_fn, num_init=num_init, batch_size=batch_size, **mutation)


class LocalBOState(NamedTuple):
    history: P.History
    start: jax.Array  # int32 [], history position where the current restart began
    stall: jax.Array  # int32 [], model rounds without improvement of the restart's best
    best: jax.Array  # best objective since the restart


@registry.register("dngo_ls")
def cate_dngo_ls(
    num_init: int = 16,
    batch_size: int = 5,
    ls_k: int = 5,
    restart_after: int = 20,
    acquisition_fn: str = "ei",
    mlp_batch_size: int | None = 10,
    **dngo_kwargs,
) -> base.Searcher:
    """CATE's DNGO-LS: BO plus local search in embedding space, with restarts.

    Each model round queries the top ``batch_size`` rows by acquisition (DNGO surrogate over
    the whole pool) and, for each of the ``ls_k`` best rows since the last restart, its nearest
    unvisited row in embedding space (L2 on ``problem.x``; repeats within the round are replaced
    by random rows). After ``restart_after`` model rounds without improvement, the search
    restarts: the surrogate then sees only queries made since the restart, beginning with
    ``num_init`` fresh random rows (rounded up to a multiple of the round size
    ``batch_size + ls_k``).
    """
    surrogate = dngo.make(batch_size=mlp_batch_size, **dngo_kwargs)
    per_round = batch_size + ls_k
    init_rounds = -(-num_init // per_round)

    def init(key, problem, max_queries):
        del key
        z = jnp.zeros((), jnp.int32)
        return LocalBOState(P.history_init(max_queries, problem.size), z, z, jnp.asarray(-jnp.inf))

    def model_batch(key, problem, h, local):
        k_fit, k_acq, k_sel, k_ls = jax.random.split(key, 4)
        hl = h._replace(mask=local)
        model = surrogate.fit(k_fit, problem.x[h.index], h.y, local)
        mean, std = _pool_predict(surrogate, model, problem.x)
        _, best = P.history_best(hl)
        s = acquisition.score(acquisition_fn, k_acq, mean, std, best)
        seen = h.seen
        s = jnp.where(seen | ~jnp.isfinite(s), -jnp.inf, s)
        bo_rows = _select(k_sel, s, jnp.arange(problem.size), batch_size, problem, h)
        for i in range(batch_size):
            h = P.history_add(h, bo_rows[i], 0.0)
        _, top = jax.lax.top_k(jnp.where(local, h.y, -jnp.inf), ls_k)
        out = [bo_rows]
        for j, k in enumerate(jax.random.split(k_ls, ls_k)):
            seen = h.seen
            centre = problem.x[h.index[top[j]]]
            dist = jnp.sum((problem.x - centre[None, :]) ** 2, axis=-1)
            near = jnp.argmin(jnp.where(seen, jnp.inf, dist)).astype(jnp.int32)
            near = jnp.where(seen[near], P.sample_unvisited(k, problem, h), near)
            out.append(near[None])
            h = P.history_add(h, near, 0.0)
        return jnp.concatenate(out)

    def ask(state, problem, key, step):
        del step
        h = state.history
        pos = jnp.arange(h.index.shape[0])
        local = h.mask & (pos >= state.start)
        in_init = local.sum() < init_rounds * per_round
        index = jax.lax.cond(
            in_init,
            lambda: _random_batch(key, problem, h, per_round),
            lambda: model_batch(key, problem, h, local),
        )
        return index, state

    def tell(state, problem, index, y):
        del problem
        h = state.history
        pos = jnp.arange(h.index.shape[0])
        model_round = (h.mask & (pos >= state.start)).sum() >= init_rounds * per_round
        improved = y.max() > state.best
        stall = jnp.where(model_round & ~improved, state.stall + 1, 0)
        restart = stall >= restart_after
        h = P.history_add(h, index, y)
        return LocalBOState(
            h,
            jnp.where(restart, h.count, state.start),
            jnp.where(restart, 0, stall),
            jnp.where(restart, -jnp.inf, jnp.maximum(state.best, y.max())),
        )

    return base.Searcher(init, ask, tell, per_round)


__all__ = [
    "BOState",
    "LocalBOState",
    "bananas",
    "bo",
    "cate_dngo_ls",
    "dngo_bo",
    "gp_bo",
    "neural_predictor",
]
