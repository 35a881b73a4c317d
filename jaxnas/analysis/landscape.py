"""Landscape analysis of encodings: random walks, autocorrelation (RWA), fitness-distance
correlation (FDC), and embedding distance vs graph edit distance.

Everything works on a finite set of ``N`` architectures given as an encoding table
``X [N, D]`` (hand-made encodings or learned embeddings) with fitness values ``f [N]``, and, for
walks in the discrete space, a padded neighbour table ``[N, K]`` (``-1`` padding; e.g.
``TabularBenchmark.neighbours`` or ``nb101.neighbour_table``). Walks are ``lax.scan``s with
explicit PRNG keys, ``vmap``-able over many starts.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def discrete_walk(neighbours: jax.Array, start, num_steps: int, key: jax.Array) -> jax.Array:
    """A random walk of single edits: each step moves to a uniformly random neighbour.

    Args:
      neighbours: ``int [N, K]`` neighbour table, ``-1`` padded.
      start: starting row (int).
      num_steps: T.
      key: PRNG key.

    Returns:
      ``int32 [T + 1]`` visited rows (a row without neighbours repeats itself).
    """
    nb = jnp.asarray(neighbours)

    def step(i, k):
        row = nb[i]
        valid = row >= 0
        count = valid.sum()
        j = jax.random.randint(k, (), 0, jnp.maximum(count, 1))
        rank = jnp.cumsum(valid) - 1
        nxt = row[jnp.argmax(valid & (rank == j))]
        nxt = jnp.where(count > 0, nxt, i)
        return nxt, nxt

    start = jnp.asarray(start, jnp.int32)
    _, path = jax.lax.scan(step, start, jax.random.split(key, num_steps))
    return jnp.concatenate([start[None], path.astype(jnp.int32)])


def knn_table(x: jax.Array, k: int, chunk: int = 4096) -> jax.Array:
    """The ``k`` nearest other rows of every row of ``x [N, D]`` in L2 (chunked, jitted).

    Returns:
      ``int32 [N, k]``, nearest first.
    """
    x = jnp.asarray(x, jnp.float32)
    sq = (x * x).sum(-1)

    @jax.jit
    def block(xb, ib):
        d = (xb * xb).sum(-1)[:, None] + sq[None, :] - 2.0 * xb @ x.T
        d = d.at[jnp.arange(xb.shape[0]), ib].set(jnp.inf)
        return jax.lax.top_k(-d, k)[1]

    out = []
    n = x.shape[0]
    for s in range(0, n, chunk):
        ib = jnp.arange(s, min(s + chunk, n))
        out.append(block(x[ib], ib))
    return jnp.concatenate(out).astype(jnp.int32)


def embedding_walk(knn: jax.Array, start, num_steps: int, key: jax.Array) -> jax.Array:
    """A random walk in embedding space: each step moves to one of the ``k`` nearest rows."""
    return discrete_walk(knn, start, num_steps, key)


def autocorrelation(values: jax.Array, max_shift: int) -> jax.Array:
    """Random-walk autocorrelation ``r(s) = corr(f_t, f_{t+s})`` for ``s = 1..max_shift``.

    Args:
      values: ``[W, T]`` fitness along ``W`` walks of length ``T`` (pooled over walks).
      max_shift: largest shift.

    Returns:
      ``[max_shift]`` Pearson correlations.
    """
    v = jnp.atleast_2d(jnp.asarray(values, jnp.float32))

    def corr(s):
        a = v[:, :-s].ravel()
        b = v[:, s:].ravel()
        a = a - a.mean()
        b = b - b.mean()
        return (a * b).sum() / jnp.sqrt((a * a).sum() * (b * b).sum())

    return jnp.stack([corr(s) for s in range(1, max_shift + 1)])


def fitness_distance_correlation(
    x: jax.Array, fitness: jax.Array, optimum: int | None = None, maximize: bool = True
) -> tuple[float, np.ndarray]:
    """FDC: Pearson correlation between fitness and L2 distance to the global optimum.

    Args:
      x: ``[N, D]`` encodings.
      fitness: ``[N]`` (NaN rows are ignored).
      optimum: row of the optimum (default: best finite fitness).
      maximize: whether higher fitness is better (then a good landscape has FDC < 0).

    Returns:
      ``(fdc, distances [N])``.
    """
    x = np.asarray(x, np.float64)
    f = np.asarray(fitness, np.float64)
    ok = np.isfinite(f)
    if optimum is None:
        idx = np.flatnonzero(ok)
        optimum = int(idx[np.argmax(f[ok])] if maximize else idx[np.argmin(f[ok])])
    d = np.sqrt(((x - x[optimum]) ** 2).sum(-1))
    fdc = float(np.corrcoef(f[ok], d[ok])[0, 1])
    return fdc, d


def share_within(distances: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Share of the architectures within each radius of a point (the seed's Figure 6, right)."""
    d = np.asarray(distances)
    return np.array([(d <= r).mean() for r in np.asarray(radii)])


def distance_vs_edit_distance(x: np.ndarray, walk: np.ndarray, edit_distance) -> np.ndarray:
    """Pairs (edit distance, L2 distance) from the walk's start to every later step.

    Args:
      x: ``[N, D]`` encodings of the rows.
      walk: ``int [T + 1]`` rows visited by a walk of single edits.
      edit_distance: ``(row_a, row_b) -> int`` graph edit distance in the space.

    Returns:
      ``float64 [T, 2]`` columns (edit distance, L2 distance).
    """
    x = np.asarray(x, np.float64)
    s = int(walk[0])
    out = np.empty((len(walk) - 1, 2))
    for t, r in enumerate(np.asarray(walk[1:])):
        out[t] = (edit_distance(s, int(r)), np.sqrt(((x[s] - x[int(r)]) ** 2).sum()))
    return out
