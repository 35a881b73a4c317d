"""A search problem: a finite candidate set as an *encoding table* plus the measured objective.

Every search of :mod:`jaxnas.search` runs over the ``N`` rows of a tabular benchmark. The rows
are described to the algorithm only through an encoding table ``x [N, D]`` -- any fixed-length
encoding (adjacency or path encodings of :mod:`jaxnas.encodings`, or learned embeddings such as
arch2vec's or CATE's) -- plus, for perturbation methods, the padded one-edit neighbour table of
the benchmark, and, for policies over a product space (REINFORCE on NB201), the categorical
choices of each row. A :class:`Problem` is a NamedTuple of arrays (a pytree), passed to the
jitted search functions as an argument (not closed over), so one compiled search serves any
encoding table of the same shape.

The objective is *maximised*: :func:`from_benchmark` negates metrics whose ``mode`` is ``'min'``.
Queries pick one of the ``S`` repeated runs with a PRNG key, as :func:`jaxnas.benchmarks.tabular.
query` does, and return its validation value, the test value of the same run (NaN where the data
has none) and its cost (training seconds or 1 per query).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.benchmarks import tabular


class Problem(NamedTuple):
    """Arrays of a search problem (see module docstring).

    Attributes:
      x: ``float32 [N, D]`` encoding table.
      y: ``float32 [N, S]`` objective (maximised) per repeat.
      test: ``float32 [N, S]`` test metric of the same runs (NaN where unknown).
      cost: ``float32 [N, S]`` cost of a query (seconds, or 1).
      neighbours: ``int32 [N, K]`` rows one edit away, ``-1`` padded (``K`` may be 0).
      choices: ``int32 [N, E]`` categorical decisions of each row (``E = 0`` if none).
      lookup: ``int32 [V**E]`` row of each decision vector (mixed radix, first most
        significant), ``-1`` where no row has it; ``[1]`` when ``E = 0``.
    """

    x: jax.Array
    y: jax.Array
    test: jax.Array
    cost: jax.Array
    neighbours: jax.Array
    choices: jax.Array
    lookup: jax.Array

    @property
    def size(self) -> int:
        return self.x.shape[0]

    @property
    def num_choices(self) -> int:
        return self.choices.shape[1]

    @property
    def num_options(self) -> int:
        e = self.num_choices
        return round(self.lookup.shape[0] ** (1.0 / e)) if e else 0


def make(
    x,
    y,
    test=None,
    cost=None,
    neighbours=None,
    choices=None,
    num_options: int | None = None,
) -> Problem:
    """Builds a :class:`Problem` from NumPy arrays (``y``, ``test``, ``cost``: ``[N]`` or
    ``[N, S]``; ``choices [N, E]`` with values in ``[0, num_options)``)."""
    x = np.asarray(x, np.float32)
    n = x.shape[0]

    def rep(a, fill):
        a = np.full(n, fill, np.float32) if a is None else np.asarray(a, np.float32)
        return a[:, None] if a.ndim == 1 else a

    y = rep(y, np.nan)
    test = rep(test, np.nan)
    cost = rep(cost, 1.0)
    if not (y.shape[0] == test.shape[0] == cost.shape[0] == n):
        raise ValueError("x, y, test and cost must have the same number of rows")
    if not np.isfinite(y).all():
        raise ValueError("the objective y must be finite for every row and repeat")
    if neighbours is None:
        neighbours = np.zeros((n, 0), np.int32)
    neighbours = np.asarray(neighbours, np.int32)
    if choices is None:
        choices = np.zeros((n, 0), np.int32)
        lookup = np.zeros(1, np.int32)
    else:
        choices = np.asarray(choices, np.int32)
        v = int(num_options if num_options is not None else choices.max() + 1)
        e = choices.shape[1]
        code = choices @ (v ** np.arange(e - 1, -1, -1))
        lookup = np.full(v**e, -1, np.int32)
        lookup[code] = np.arange(n, dtype=np.int32)
    return Problem(*(jnp.asarray(a) for a in (x, y, test, cost, neighbours, choices, lookup)))


def from_benchmark(
    bench: tabular.TabularBenchmark,
    x,
    metric: str = "valid_acc",
    test_metric: str | None = "test_acc",
    fidelity: int | None = None,
    mode: str = "max",
) -> Problem:
    """A :class:`Problem` over all rows of a tabular benchmark.

    Args:
      bench: the benchmark (its neighbour table drives mutation / local search; on NB201 its
        ``arch['cells']`` become the categorical choices, 6 edges x 5 ops).
      x: ``[N, D]`` encoding table of the benchmark's rows (any encoding).
      metric: the objective; test_metric: reported alongside (NaN if absent).
      fidelity: a value of ``bench.fidelities`` (default: the highest).
      mode: ``'max'`` or ``'min'`` (then the objective is negated).
    """
    x = np.asarray(x)
    if x.shape[0] != bench.size:
        raise ValueError(f"encoding table has {x.shape[0]} rows, benchmark {bench.size}")
    f = bench.fidelity_index(bench.fidelities[-1] if fidelity is None else fidelity)
    sign = 1.0 if mode == "max" else -1.0
    y = sign * bench.metrics[metric][:, f]
    test = bench.metrics[test_metric][:, f] if test_metric in bench.metrics else None
    cost = bench.metrics["train_time"][:, f] if bench.cost_model == "train_time" else None
    choices = bench.arch.get("cells") if bench.space == "nb201" else None
    return make(x, y, test, cost, bench.neighbours, choices, 5 if choices is not None else None)


def benchmark_ids(bench: tabular.TabularBenchmark, kind: str) -> np.ndarray:
    """Identifiers of the benchmark's rows of the given ``kind``.

    ``'key'``: the benchmark's own keys (NB101 official hashes, NB201 arch strings);
    ``'index'``: the space's integer index of each row (NB201: official API index; NB101:
    position in :func:`jaxnas.spaces.nb101.enumerate_cells`; otherwise the row number).
    """
    if kind == "key":
        return np.asarray(bench.keys)
    if kind != "index":
        raise ValueError(f"kind must be 'key' or 'index', got {kind!r}")
    if "enumeration_index" in bench.arch:
        return np.asarray(bench.arch["enumeration_index"], np.int64)
    if bench.space == "nb201" and "cells" in bench.arch:
        from jaxnas.spaces import nb201

        return np.asarray(nb201.index_of(np.asarray(bench.arch["cells"])), np.int64)
    return np.arange(bench.size, dtype=np.int64)


def align_embeddings(ids, embeddings, row_ids, what: str = "embeddings") -> np.ndarray:
    """Rows of ``embeddings`` reordered to match ``row_ids``.

    Args:
      ids: ``[C]`` identifier of each embedding row (ints or strings).
      embeddings: ``[C, D]`` table.
      row_ids: ``[N]`` identifiers wanted, in order (same kind as ``ids``).
      what: name used in error messages (e.g. the file path).

    Returns:
      ``float32 [N, D]`` with row ``n`` the embedding of ``row_ids[n]``.

    Raises:
      ValueError: on a shape mismatch, duplicate ids, non-finite values, or when some wanted
        id has no embedding (the message counts them and names the first few).
    """
    ids = np.asarray(ids)
    emb = np.asarray(embeddings)
    if emb.ndim != 2 or ids.ndim != 1 or len(ids) != len(emb):
        raise ValueError(
            f"{what}: need ids [C] and embeddings [C, D], got {ids.shape} and {emb.shape}"
        )
    if not np.isfinite(emb).all():
        raise ValueError(f"{what}: embeddings contain NaN or inf")
    key = (lambda a: a.astype(str)) if ids.dtype.kind in "US" else (lambda a: a.astype(np.int64))
    try:
        ids_k, want = key(ids), key(np.asarray(row_ids))
    except (TypeError, ValueError):
        raise ValueError(f"{what}: ids of kind {ids.dtype} cannot match the benchmark's") from None
    uniq, first = np.unique(ids_k, return_index=True)
    if len(uniq) != len(ids_k):
        raise ValueError(f"{what}: {len(ids_k) - len(uniq)} duplicate ids")
    pos = np.searchsorted(uniq, want)
    pos_c = np.minimum(pos, len(uniq) - 1)
    found = uniq[pos_c] == want if len(uniq) else np.zeros(len(want), bool)
    if not found.all():
        missing = want[~found]
        raise ValueError(
            f"{what}: {len(missing)} of {len(want)} benchmark rows have no embedding "
            f"(first: {missing[:3].tolist()}); were the embeddings made for this space and id "
            "kind?"
        )
    return emb[first[pos_c]].astype(np.float32)


def embedding_table(bench: tabular.TabularBenchmark, path) -> np.ndarray:
    """The ``[N, D]`` encoding table of a benchmark from an ``embeddings.npz`` file
    (``ids [C]``, ``embeddings [C, D]``, as written by the arch2vec / CATE pretraining).

    String ids are matched to the benchmark's keys (NB101 hashes, NB201 arch strings),
    integer ids to the space's index (:func:`benchmark_ids` with ``kind='index'``). Every
    benchmark row must have an embedding; extra embeddings are ignored.
    """
    with np.load(path, allow_pickle=False) as z:
        if "ids" not in z.files or "embeddings" not in z.files:
            raise ValueError(f"{path}: expected arrays 'ids' and 'embeddings', got {z.files}")
        ids, emb = z["ids"], z["embeddings"]
    kind = "key" if ids.dtype.kind in "US" else "index"
    return align_embeddings(ids, emb, benchmark_ids(bench, kind), what=str(path))


def nearest_neighbours(x, k: int, key: jax.Array, chunk: int = 1024) -> np.ndarray:
    """The ``k`` nearest other rows of every row of ``x [N, D]`` in L2 distance.

    An encoding-defined neighbourhood: with it as ``Problem.neighbours``, mutation and local
    search perturb an architecture *in the geometry of the encoding* (for the one-hot adjacency
    encoding the nearest rows are the fewest-edits ones; for learned embeddings, the nearest
    embeddings), which also works on a labelled subset of a space where few one-edit
    neighbours are labelled. Ties (e.g. rows with equal encodings) are broken at random with
    ``key``.

    Returns:
      ``int32 [N, min(k, N - 1)]`` rows, nearest first.
    """
    x = np.asarray(x, np.float32)
    n = x.shape[0]
    k = min(int(k), n - 1)
    if k < 1:
        raise ValueError(f"need k >= 1 and at least 2 rows, got k={k}, N={n}")
    sq = np.sum(x.astype(np.float64) ** 2, axis=1)
    scale = max(float(np.sqrt(sq.max())), 1.0)
    jitter = np.asarray(jax.random.uniform(key, (n,)), np.float64) * 1e-6 * scale**2
    out = np.empty((n, k), np.int32)
    for s in range(0, n, chunk):
        e = min(s + chunk, n)
        d = sq[s:e, None] + sq[None, :] - 2.0 * (x[s:e] @ x.T).astype(np.float64)
        d = np.maximum(d, 0.0) + jitter[None, :]
        d[np.arange(e - s), np.arange(s, e)] = np.inf
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, part, 1), axis=1, kind="stable")
        out[s:e] = np.take_along_axis(part, order, 1)
    return out


def evaluate(problem: Problem, index, key: jax.Array):
    """Objective, test value and cost of one run of each row in ``index`` (any shape)."""
    r = jax.random.randint(key, jnp.shape(index), 0, problem.y.shape[1])
    return problem.y[index, r], problem.test[index, r], problem.cost[index, r]


# ----------------------------------------------------------------------------------------------
# Fixed-size histories.


class History(NamedTuple):
    """Queried rows and their objective values, padded to a fixed length ``T``."""

    index: jax.Array  # int32 [T]
    y: jax.Array  # float32 [T]
    mask: jax.Array  # bool [T]
    count: jax.Array  # int32 []


def history_init(size: int) -> History:
    return History(
        jnp.zeros(size, jnp.int32),
        jnp.zeros(size, jnp.float32),
        jnp.zeros(size, bool),
        jnp.zeros((), jnp.int32),
    )


def history_add(h: History, index, y) -> History:
    """Appends a batch ``index [B]``, ``y [B]`` (dropped past the end)."""
    index = jnp.atleast_1d(index).astype(jnp.int32)
    y = jnp.atleast_1d(y).astype(jnp.float32)
    pos = h.count + jnp.arange(index.shape[0])
    return History(
        h.index.at[pos].set(index, mode="drop"),
        h.y.at[pos].set(y, mode="drop"),
        h.mask.at[pos].set(True, mode="drop"),
        h.count + index.shape[0],
    )


def history_best(h: History):
    """Row and value of the best observation (``-inf`` if empty)."""
    y = jnp.where(h.mask, h.y, -jnp.inf)
    i = jnp.argmax(y)
    return h.index[i], y[i]


def visited(h: History, index) -> jax.Array:
    """Whether each row of ``index [...]`` is in the history (``O(T)`` per row)."""
    index = jnp.asarray(index)
    lead = (1,) * index.ndim
    hit = (index[..., None] == h.index.reshape(lead + h.index.shape)) & h.mask.reshape(
        lead + h.mask.shape
    )
    return jnp.any(hit, axis=-1)


def visited_table(h: History, n: int) -> jax.Array:
    """``bool [n]``: the rows queried so far."""
    return jnp.zeros(n, bool).at[h.index].max(h.mask)


def sample_unvisited(key: jax.Array, problem: Problem, h: History, tries: int = 16) -> jax.Array:
    """A uniformly random row, not in the history unless ``tries`` draws all were."""
    cand = jax.random.randint(key, (tries,), 0, problem.size)
    seen = visited(h, cand)
    return cand[jnp.argmin(seen)]


def sample_unseen(key: jax.Array, problem: Problem, seen: jax.Array, tries: int = 16):
    """:func:`sample_unvisited` with the visited rows as a table ``bool [N]`` (the same draws
    and answer; ``O(tries)`` instead of ``O(tries * T)``)."""
    cand = jax.random.randint(key, (tries,), 0, problem.size)
    return cand[jnp.argmin(seen[cand])]


def mutate(problem: Problem, key: jax.Array, index, seen: jax.Array | None = None) -> jax.Array:
    """A random one-edit neighbour of ``index`` inside the candidate set (a uniformly random
    row where ``index`` has no neighbour in it).

    With ``seen`` (``bool [N]``, the rows queried so far, e.g. :func:`visited_table`), only
    unvisited neighbours are drawn while one exists (else any neighbour; with no neighbours
    at all, an unvisited random row). ``index`` must be a scalar in that case.
    """
    k_nb, k_rand = jax.random.split(key)
    if seen is None:
        fallback = jax.random.randint(k_rand, jnp.shape(index), 0, problem.size)
    else:
        fallback = sample_unseen(k_rand, problem, seen)
    nb = problem.neighbours
    if nb.shape[1] == 0:
        return fallback
    row = nb[index]
    valid = row >= 0
    if seen is not None:
        fresh = valid & ~seen[jnp.maximum(row, 0)]
        valid = jnp.where(fresh.any(-1, keepdims=True), fresh, valid)
    g = jax.random.gumbel(k_nb, row.shape)
    pick = jnp.argmax(jnp.where(valid, g, -jnp.inf), axis=-1)
    chosen = jnp.take_along_axis(row, pick[..., None], axis=-1)[..., 0]
    return jnp.where(valid.any(-1), chosen, fallback)


__all__ = [
    "History",
    "Problem",
    "align_embeddings",
    "benchmark_ids",
    "embedding_table",
    "evaluate",
    "from_benchmark",
    "history_add",
    "history_best",
    "history_init",
    "make",
    "mutate",
    "nearest_neighbours",
    "sample_unseen",
    "sample_unvisited",
    "visited",
    "visited_table",
]
