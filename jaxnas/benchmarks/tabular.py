"""Tabular benchmarks: arrays of architectures and their measured metrics, queried purely.

A :class:`TabularBenchmark` holds, for ``N`` queryable architectures, metric tables of shape
``[N, F, S]`` (``F`` fidelities, e.g. epoch budgets; ``S`` repeated training runs, ``S = 1``
where the data has one). Architectures are referred to by their row index, which makes every
query a gather that works under ``jax.jit`` and ``jax.vmap``; ``index_of`` maps the benchmark's
own keys (official hashes, arch strings) to rows.

``query(bench, index, fidelity, key)`` returns the metrics of one training run, chosen with
``key`` among the ``S`` repeats as the NAS-Bench-101 API does; ``query_mean`` averages the runs.
Costs: ``cost`` is the simulated training time of a query, from the data where it has one
(``train_time`` in seconds) or a declared constant per query otherwise (``cost_model`` says
which). Sampling and mutation stay inside the set of queryable architectures: ``neighbours`` is
a padded ``[N, K]`` table of rows one edit away (``-1`` padding), so a search loop can
``lax.scan`` with static shapes.

Registering a benchmark of one's own::

    bench = tabular.make(
        name="my_bench", space="nb201", keys=arch_strs,
        metrics={"valid_acc": valid[:, None, None], "test_acc": test[:, None, None]},
        fidelities=(200,), neighbours=table, cost_model="queries", source="my file")
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas import encodings


@dataclasses.dataclass(frozen=True, eq=False)
class TabularBenchmark:
    """Measured metrics of a set of architectures (see module docstring).

    Attributes:
      name: benchmark name, e.g. ``'nb201-cifar10'``.
      space: the search space the rows belong to (``'nb101'``, ``'nb201'``, ...).
      keys: ``[N]`` identifiers of the rows (official hash, arch string, ...).
      fidelities: the ``F`` fidelity values (e.g. epochs) of the metric tables.
      metrics: name -> ``float32 [N, F, S]``; NaN where a value is not available.
      neighbours: ``int32 [N, K]`` rows one edit away, ``-1`` padded (may be ``K = 0``).
      cost_model: ``'train_time'`` (seconds, from ``metrics['train_time']``) or ``'queries'``
        (every query costs 1).
      source: which data files the numbers come from.
      arch: optional architecture arrays of the rows (e.g. ``adjacency``/``ops``).
      cells: the rows in the form :func:`jaxnas.encodings.encode` takes for ``space`` (NB101:
        ``(adjacency [N, 7, 7], ops [N, 7])``; NB201: ``int [N, 6]``), or None.
      choices: ``int32 [N, E]`` categorical decisions of each row where the space is a product
        of ``E`` choices among ``num_options`` (NB201: 6 edges x 5 ops), or None.
      num_options: ``V``, the options per decision (0 without ``choices``).
      index: ``int64 [N]`` the space's integer index of each row (NB201 API index, NB101
        enumeration position), or None (then the row number).

    It implements :class:`jaxnas.benchmarks.base.FiniteBenchmark`.
    """

    name: str
    space: str
    keys: np.ndarray
    fidelities: tuple[int, ...]
    metrics: Mapping[str, np.ndarray]
    neighbours: np.ndarray
    cost_model: str
    source: str
    arch: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)
    cells: object = None
    choices: np.ndarray | None = None
    num_options: int = 0
    index: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.keys)

    def ids(self, kind: str = "key") -> np.ndarray:
        """``[N]`` identifiers of the rows: ``'key'`` (the benchmark's keys: NB101 hashes, NB201
        arch strings) or ``'index'`` (the space's integer index of each row; the row number
        where the benchmark has none)."""
        if kind == "key":
            return np.asarray(self.keys)
        if kind != "index":
            raise ValueError(f"kind must be 'key' or 'index', got {kind!r}")
        if self.index is None:
            return np.arange(self.size, dtype=np.int64)
        return np.asarray(self.index, np.int64)

    def encode(self, encoding: str) -> np.ndarray:
        """``[N, D]`` hand-made encoding of every row (:func:`jaxnas.encodings.encode`)."""
        if self.cells is None:
            raise ValueError(f"{self.name}: no cells to encode (built without ``cells``)")
        return np.asarray(encodings.encode(self.space, encoding, self.cells))

    def sample(self, key: jax.Array, shape=()) -> jax.Array:
        """Uniformly random rows (:func:`sample`)."""
        return sample(self, key, shape)

    def mutate(self, key: jax.Array, index) -> jax.Array:
        """A random one-edit neighbour of row(s) ``index`` (:func:`mutate`)."""
        return mutate(self, key, index)

    @property
    def num_repeats(self) -> int:
        return next(iter(self.metrics.values())).shape[2]

    def fidelity_index(self, fidelity: int) -> int:
        try:
            return self.fidelities.index(int(fidelity))
        except ValueError:
            raise ValueError(
                f"{self.name}: fidelity {fidelity} not available; choose one of {self.fidelities}"
            ) from None

    def query(self, arch, fidelity: int | None = None, key: jax.Array | None = None) -> dict:
        """The common benchmark interface: metrics of ``arch`` at ``fidelity``.

        Args:
          arch: row index / indices, or key(s) of the benchmark (hash, arch string).
          fidelity: a value of :attr:`fidelities` (default the highest).
          key: PRNG key choosing among repeated runs (default: the first key of seed 0).

        Returns:
          dict of metric -> value (scalars for one arch, arrays for several), plus ``cost``.
        """
        single = isinstance(arch, (str, int, np.integer))
        items = [arch] if single else list(arch)
        rows = np.asarray(
            [self.index_of([a])[0] if isinstance(a, str) else int(a) for a in items], np.int64
        )
        f = self.fidelity_index(self.fidelities[-1] if fidelity is None else fidelity)
        key = jax.random.key(0) if key is None else key
        out = query(self, jnp.asarray(rows), f, key)
        return {k: float(v[0]) for k, v in out.items()} if single else out

    def index_of(self, keys: Sequence) -> np.ndarray:
        """Rows of the given keys; raises KeyError naming the first unknown key."""
        lookup = _lookup(self)
        out = np.empty(len(keys), np.int64)
        for i, k in enumerate(keys):
            try:
                out[i] = lookup[k]
            except KeyError:
                raise KeyError(f"{self.name}: {k!r} is not a queryable architecture") from None
        return out


_LOOKUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _lookup(bench: TabularBenchmark) -> dict:
    d = _LOOKUPS.get(bench)
    if d is None:
        d = _LOOKUPS[bench] = {k: i for i, k in enumerate(bench.keys.tolist())}
    return d


def make(
    name: str,
    space: str,
    keys,
    metrics: Mapping[str, np.ndarray],
    fidelities: Sequence[int],
    neighbours: np.ndarray | None = None,
    cost_model: str = "queries",
    source: str = "",
    arch: Mapping[str, np.ndarray] | None = None,
    cells=None,
    choices: np.ndarray | None = None,
    num_options: int | None = None,
    index: np.ndarray | None = None,
) -> TabularBenchmark:
    """Builds and checks a :class:`TabularBenchmark` (shapes, duplicates, cost model).

    ``choices [N, E]`` (values in ``[0, num_options)``; ``num_options`` defaults to
    ``choices.max() + 1``) and ``index [N]`` are checked for one entry per row."""
    keys = np.asarray(keys)
    n = len(keys)
    if len(set(keys.tolist())) != n:
        raise ValueError(f"{name}: duplicate keys")
    fidelities = tuple(int(f) for f in fidelities)
    out = {}
    for k, v in metrics.items():
        v = np.asarray(v, np.float32)
        if v.ndim == 1:
            v = v[:, None, None]
        elif v.ndim == 2:
            v = v[:, :, None]
        if v.shape[:2] != (n, len(fidelities)):
            raise ValueError(
                f"{name}: metric {k!r} has shape {v.shape}, expected [{n}, {len(fidelities)}, S]"
            )
        v.flags.writeable = False
        out[k] = v
    repeats = {v.shape[2] for v in out.values()}
    if len(repeats) != 1:
        raise ValueError(f"{name}: metrics disagree on the number of repeats: {repeats}")
    if cost_model not in ("train_time", "queries"):
        raise ValueError(f"{name}: cost_model must be 'train_time' or 'queries'")
    if cost_model == "train_time" and "train_time" not in out:
        raise ValueError(f"{name}: cost_model 'train_time' needs a 'train_time' metric")
    if neighbours is None:
        neighbours = np.zeros((n, 0), np.int32)
    neighbours = np.asarray(neighbours, np.int32)
    if neighbours.ndim != 2 or neighbours.shape[0] != n:
        raise ValueError(f"{name}: neighbours must be [N, K], got {neighbours.shape}")
    if ((neighbours < -1) | (neighbours >= n)).any():
        raise ValueError(f"{name}: neighbours table has out-of-range rows")
    if choices is not None:
        choices = np.asarray(choices, np.int32)
        if choices.ndim != 2 or choices.shape[0] != n:
            raise ValueError(f"{name}: choices must be [N, E], got {choices.shape}")
        num_options = int(choices.max() + 1 if num_options is None else num_options)
        if choices.min() < 0 or choices.max() >= num_options:
            raise ValueError(f"{name}: choices must lie in [0, {num_options})")
    else:
        num_options = 0
    if index is not None:
        index = np.asarray(index, np.int64)
        if index.shape != (n,):
            raise ValueError(f"{name}: index must be [N], got {index.shape}")
    return TabularBenchmark(
        name=name,
        space=space,
        keys=keys,
        fidelities=fidelities,
        metrics=out,
        neighbours=neighbours,
        cost_model=cost_model,
        source=source,
        arch=dict(arch or {}),
        cells=cells,
        choices=choices,
        num_options=num_options,
        index=index,
    )


# ----------------------------------------------------------------------------------------------
# Pure queries (jit/vmap friendly: index and fidelity index are arrays or ints).


def query(bench: TabularBenchmark, index, fidelity_index, key: jax.Array) -> dict[str, jax.Array]:
    """Metrics of one training run of row ``index`` at fidelity ``fidelity_index``.

    The run is drawn uniformly among the ``S`` repeats with ``key`` (as NAS-Bench-101's API).
    Adds ``cost``: the run's training time (``cost_model='train_time'``) or 1.
    """
    r = jax.random.randint(key, jnp.shape(index), 0, bench.num_repeats)
    out = {k: jnp.asarray(v)[index, fidelity_index, r] for k, v in bench.metrics.items()}
    out["cost"] = (
        out["train_time"] if bench.cost_model == "train_time" else jnp.ones_like(r, jnp.float32)
    )
    return out


def query_mean(bench: TabularBenchmark, index, fidelity_index) -> dict[str, jax.Array]:
    """Metrics averaged over the repeats (NaN-aware)."""
    return {
        k: jnp.nanmean(jnp.asarray(v)[index, fidelity_index], axis=-1)
        for k, v in bench.metrics.items()
    }


def sample(bench: TabularBenchmark, key: jax.Array, shape=()) -> jax.Array:
    """Uniformly random rows."""
    return jax.random.randint(key, shape, 0, bench.size)


def mutate(bench: TabularBenchmark, key: jax.Array, index) -> jax.Array:
    """A uniformly random neighbour (one edit away) of row ``index``; the row itself if it has
    none inside the benchmark."""
    nb = jnp.asarray(bench.neighbours)
    if nb.shape[1] == 0:
        return jnp.asarray(index)
    row = nb[index]
    valid = row >= 0
    count = valid.sum(axis=-1)
    # Rank of each valid slot among valid slots; pick the j-th valid one.
    j = jax.random.randint(key, jnp.shape(index), 0, jnp.maximum(count, 1))
    rank = jnp.cumsum(valid, axis=-1) - 1
    pick = jnp.argmax(valid & (rank == j[..., None]), axis=-1)
    chosen = jnp.take_along_axis(row, pick[..., None], axis=-1)[..., 0]
    return jnp.where(count > 0, chosen, index)


def best(
    bench: TabularBenchmark, metric: str = "valid_acc", fidelity_index: int = -1, mode: str = "max"
) -> tuple[int, float]:
    """Row and value of the best repeat-mean of ``metric`` (for regret)."""
    m = bench.metrics[metric][:, fidelity_index]
    ok = np.isfinite(m).any(axis=-1)
    v = np.full(len(m), np.nan)
    v[ok] = np.nanmean(m[ok], axis=-1)
    i = int(np.nanargmax(v) if mode == "max" else np.nanargmin(v))
    return i, float(v[i])
