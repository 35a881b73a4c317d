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

import pathlib
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas import embeddings as embeddings_lib
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
      bench: the benchmark (its neighbour table drives mutation / local search; its
        ``choices``, where it has them -- NB201's 6 edges x 5 ops -- drive policies over the
        product space).
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
    options = bench.num_options if bench.choices is not None else None
    return make(x, y, test, cost, bench.neighbours, bench.choices, options)


def subset(problem: Problem, rows: int) -> Problem:
    """The first ``rows`` candidates; neighbours outside them become ``-1`` (choices are
    dropped: a slice of a product space is not one)."""
    if rows >= problem.size:
        return problem
    nb = np.asarray(problem.neighbours[:rows])
    return make(
        np.asarray(problem.x[:rows]),
        np.asarray(problem.y[:rows]),
        np.asarray(problem.test[:rows]),
        np.asarray(problem.cost[:rows]),
        np.where(nb < rows, nb, -1),
    )


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


def parse_embeddings(entries) -> dict[str, str]:
    """``('name=path', ...)`` -> ``{name: path}`` (clear errors on a bad entry, a repeated name
    or a missing file)."""
    out = {}
    for e in entries:
        name, sep, path = str(e).partition("=")
        if not sep or not name or not path:
            raise ValueError(f"config.embeddings entry {e!r} is not of the form 'name=path'")
        if not pathlib.Path(path).is_file():
            raise FileNotFoundError(f"config.embeddings: {name}: no such file {path}")
        if name in out:
            raise ValueError(f"config.embeddings: name {name!r} given twice")
        out[name] = path
    return out


def embedding_table(bench: tabular.TabularBenchmark, path) -> np.ndarray:
    """The ``[N, D]`` encoding table of a benchmark from an ``embeddings.npz`` file
    (read with :func:`jaxnas.embeddings.load`, as written by the arch2vec / CATE pretraining).

    String ids are matched to the benchmark's keys (NB101 hashes, NB201 arch strings),
    integer ids to the space's index (``bench.ids('index')``). Every benchmark row must have
    an embedding; extra embeddings are ignored.
    """
    e = embeddings_lib.load(path)
    kind = "key" if e.ids.dtype.kind in "US" else "index"
    return align_embeddings(e.ids, e.embeddings, bench.ids(kind), what=str(path))


def nearest_neighbours(x, k: int, key: jax.Array | None = None, chunk: int | None = None):
    """The ``k`` nearest other rows of every row of ``x [N, D]`` in (squared) L2 distance.

    An encoding-defined neighbourhood: with it as ``Problem.neighbours``, mutation and local
    search perturb an architecture *in the geometry of the encoding* (for the one-hot adjacency
    encoding the nearest rows are the fewest-edits ones -- Hamming distance for binary
    encodings; for learned embeddings, the nearest embeddings), which also works on a labelled
    subset of a space where few one-edit neighbours are labelled.

    Ties (e.g. rows with equal encodings): with ``key``, broken at random (a jitter of at most
    ``1e-6 * max|x|^2`` per row; distances from float32 products, ``chunk`` rows at a time,
    default 1024); without, by row order (float64 distances, all rows at once unless ``chunk``
    is given).

    Returns:
      ``int32 [N, k]`` rows, nearest first.

    Raises:
      ValueError: unless ``1 <= k < N``.
    """
    n = np.shape(x)[0]
    if not 1 <= int(k) < n:
        raise ValueError(f"k must lie in [1, {n - 1}] (N={n} rows), got {k}")
    k = int(k)
    if key is None:
        x = np.asarray(x, np.float64)
        sq = np.sum(x * x, axis=1)
        chunk = n if chunk is None else chunk
    else:
        x = np.asarray(x, np.float32)
        sq = np.sum(x.astype(np.float64) ** 2, axis=1)
        scale = max(float(np.sqrt(sq.max())), 1.0)
        jitter = np.asarray(jax.random.uniform(key, (n,)), np.float64) * 1e-6 * scale**2
        chunk = 1024 if chunk is None else chunk
    out = np.empty((n, k), np.int32)
    for s in range(0, n, chunk):
        e = min(s + chunk, n)
        if key is None:
            d = sq[s:e, None] + sq[None, :] - 2.0 * x[s:e] @ x.T
            d[np.arange(e - s), np.arange(s, e)] = np.inf
            out[s:e] = np.argsort(d, axis=1, kind="stable")[:, :k]
            continue
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
    """Queried rows and their objective values, padded to a fixed length ``T``, and the one
    visited-row tracker of the searches: ``seen``, a table of the rows queried so far
    (``O(1)`` lookups under ``vmap``)."""

    index: jax.Array  # int32 [T]
    y: jax.Array  # float32 [T]
    mask: jax.Array  # bool [T]
    count: jax.Array  # int32 []
    seen: jax.Array  # bool [N]


def history_init(size: int, num_rows: int) -> History:
    """An empty history of ``size`` entries over a candidate set of ``num_rows`` rows."""
    return History(
        jnp.zeros(size, jnp.int32),
        jnp.zeros(size, jnp.float32),
        jnp.zeros(size, bool),
        jnp.zeros((), jnp.int32),
        jnp.zeros(num_rows, bool),
    )


def history_add(h: History, index, y) -> History:
    """Appends a batch ``index [B]``, ``y [B]`` (dropped past the end; always marked seen)."""
    index = jnp.atleast_1d(index).astype(jnp.int32)
    y = jnp.atleast_1d(y).astype(jnp.float32)
    pos = h.count + jnp.arange(index.shape[0])
    return History(
        h.index.at[pos].set(index, mode="drop"),
        h.y.at[pos].set(y, mode="drop"),
        h.mask.at[pos].set(True, mode="drop"),
        h.count + index.shape[0],
        h.seen.at[index].set(True),
    )


def history_best(h: History):
    """Row and value of the best observation (``-inf`` if empty)."""
    y = jnp.where(h.mask, h.y, -jnp.inf)
    i = jnp.argmax(y)
    return h.index[i], y[i]


def visited(h: History, index) -> jax.Array:
    """Whether each row of ``index [...]`` was queried (a lookup in ``h.seen``; False for the
    ``-1`` padding of neighbour tables)."""
    index = jnp.asarray(index)
    return (index >= 0) & h.seen[jnp.maximum(index, 0)]


def sample_unvisited(key: jax.Array, problem: Problem, h: History, tries: int = 16) -> jax.Array:
    """A uniformly random row, not visited unless ``tries`` draws all were."""
    return _sample_unseen(key, problem.size, h.seen, tries)


def _sample_unseen(key, size: int, seen, tries: int = 16):
    cand = jax.random.randint(key, (tries,), 0, size)
    return cand[jnp.argmin(seen[cand])]


def mutate(problem: Problem, key: jax.Array, index, seen: jax.Array | None = None) -> jax.Array:
    """A random one-edit neighbour of ``index`` inside the candidate set (a uniformly random
    row where ``index`` has no neighbour in it).

    With ``seen`` (``bool [N]``, the rows queried so far: ``History.seen``), only
    unvisited neighbours are drawn while one exists (else any neighbour; with no neighbours
    at all, an unvisited random row). ``index`` must be a scalar in that case.
    """
    k_nb, k_rand = jax.random.split(key)
    if seen is None:
        fallback = jax.random.randint(k_rand, jnp.shape(index), 0, problem.size)
    else:
        fallback = _sample_unseen(k_rand, problem.size, seen)
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
    "embedding_table",
    "evaluate",
    "from_benchmark",
    "history_add",
    "history_best",
    "history_init",
    "make",
    "mutate",
    "nearest_neighbours",
    "parse_embeddings",
    "sample_unvisited",
    "subset",
    "visited",
]
