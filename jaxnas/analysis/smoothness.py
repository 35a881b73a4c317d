"""Smoothness of an encoding: distance vs edit distance, random-walk autocorrelation, FDC.

The seed's "understanding embeddings" studies 2 and 3 (``REFERENCE.md``, arch2vec "Smoothness"),
built on :mod:`jaxnas.analysis.landscape`:

* **distance vs edit distance**: a random walk of single edits through the whole search space
  (:func:`nb201_walk`: one edge op changed per step; :func:`nb101_walk`: one op change or edge
  flip per step whose pruned result is at exact graph edit distance 1); for every pair of cells
  of the walk at most ``max_lag`` steps apart (:func:`walk_pairs`; ``max_lag = 0``: the start
  against every later cell) the pair (graph edit distance, L2 distance of their encodings)
  (:func:`distance_vs_edit`), summarised per edit distance as box-plot statistics
  (:func:`box_stats`);
* **random-walk autocorrelation** (RWA, Weinberger 1990) of the accuracy along random walks in
  the discrete space (single edits) and in the encoding space (each step to one of the ``k``
  nearest architectures in L2), :func:`landscape_study`; the seed's Figure 6 plots RWA against
  the square root of the shift (:func:`plot_figure6`);
* **fitness-distance correlation** (FDC, Jones & Forrest 1995) to the global optimum, in the
  encoding (L2) and in the discrete space (edit distance), and the share of architectures within
  a distance of that peak (Figure 6, right; radii as fractions of the largest distance so that
  encodings of different scales share one axis).

Walks are ``lax.scan``s with explicit keys, ``vmap``-ped over starts (NB101's exact-edit walk
runs on the host: its neighbours are computed per step with
:func:`jaxnas.spaces.nb101.neighbour_table`).
"""

from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.analysis import figures, landscape
from jaxnas.spaces import nb101, nb201

log = logging.getLogger("jaxnas.analysis.smoothness")


# ----------------------------------------------------------------------------------------------
# Walks of single edits through a whole space.


def nb201_neighbour_table() -> np.ndarray:
    """``int32 [15625, 24]``: API indices of the cells one edge op away from each cell."""
    cells = nb201.all_cells()
    cols = []
    for e in range(nb201.NUM_EDGES):
        for shift in range(1, nb201.NUM_OPS):
            c = cells.copy()
            c[:, e] = (c[:, e] + shift) % nb201.NUM_OPS
            cols.append(np.asarray(nb201.index_of(c)))
    return np.stack(cols, axis=1).astype(np.int32)


def nb201_walk(key: jax.Array, num_steps: int, start: int | None = None) -> np.ndarray:
    """A random walk of single edge-op changes over all NB201 cells.

    Returns:
      ``int32 [num_steps + 1]`` API indices (the first is ``start``, default random).
    """
    k_start, k_walk = jax.random.split(key)
    if start is None:
        start = int(jax.random.randint(k_start, (), 0, nb201.NUM_ARCHS))
    table = nb201_neighbour_table()
    return np.asarray(landscape.discrete_walk(table, start, num_steps, k_walk))


def nb101_walk(key: jax.Array, num_steps: int, start: int | None = None) -> np.ndarray:
    """A random walk over all NB101 cells; each step one op change or edge flip whose pruned,
    valid result is at exact graph edit distance 1 (:func:`jaxnas.spaces.nb101.edit_distance`).

    Returns:
      ``int64 [num_steps + 1]`` rows of :func:`jaxnas.spaces.nb101.enumerate_cells`.
    """
    adjacency, ops = nb101.enumerate_cells()
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel())
    cur = int(rng.integers(len(ops))) if start is None else int(start)
    rows = [cur]
    for _ in range(num_steps):
        cand = nb101.neighbour_table(np.array([cur]))[0]
        cand = [int(j) for j in cand[cand >= 0]]
        one = [
            j
            for j in cand
            if nb101.edit_distance((adjacency[cur], ops[cur]), (adjacency[j], ops[j])) == 1
        ]
        cur = int(rng.choice(one)) if one else cur
        rows.append(cur)
    return np.asarray(rows, np.int64)


def walk_pairs(num_cells: int, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i [P], j [P])`` of every pair of a walk of ``num_cells`` cells with
    ``1 <= j - i <= max_lag`` (``max_lag = 0``: the start against every later cell)."""
    if max_lag <= 0:
        return np.zeros(num_cells - 1, np.int64), np.arange(1, num_cells)
    i, j = np.triu_indices(num_cells, 1)
    keep = j - i <= max_lag
    return i[keep], j[keep]


def walk_edit_distances(space: str, rows: np.ndarray, i=None, j=None) -> np.ndarray:
    """``int [P]``: graph edit distance between walk cells ``rows[i]`` and ``rows[j]`` (default:
    from ``rows[0]`` to each later row)."""
    rows = np.asarray(rows)
    if i is None:
        i, j = walk_pairs(len(rows), 0)
    a_rows, b_rows = rows[np.asarray(i)], rows[np.asarray(j)]
    if space == "nb201":
        cells = nb201.all_cells()
        return np.asarray(nb201.edit_distance(cells[a_rows], cells[b_rows]))
    if space == "nb101":
        a, o = nb101.enumerate_cells()
        cache: dict[tuple[int, int], int] = {}
        out = np.empty(len(a_rows), np.int64)
        for t, (p, q) in enumerate(zip(a_rows.tolist(), b_rows.tolist(), strict=True)):
            k = (min(p, q), max(p, q))
            if k not in cache:
                cache[k] = 0 if p == q else nb101.edit_distance((a[p], o[p]), (a[q], o[q]))
            out[t] = cache[k]
        return out
    raise ValueError(f"walk_edit_distances: unsupported space {space!r} (nb101, nb201)")


def distance_vs_edit(x_walk: np.ndarray, edit: np.ndarray, i=None, j=None) -> np.ndarray:
    """``float64 [P, 2]`` (edit distance, L2 distance) for pairs of a walk's cells.

    Args:
      x_walk: ``[T + 1, D]`` encodings of the walk's cells (row 0 the start).
      edit: ``[P]`` edit distance of each pair.
      i, j: ``[P]`` positions of the pairs in the walk (default: the start against each later
        cell, ``P = T``).
    """
    x = np.asarray(x_walk, np.float64)
    edit = np.asarray(edit)
    if i is None:
        i, j = walk_pairs(len(x), 0)
    i, j = np.asarray(i), np.asarray(j)
    if x.ndim != 2 or edit.shape != i.shape or i.shape != j.shape:
        raise ValueError(
            f"expected x_walk [T + 1, D] and edit, i, j [P], got {x.shape}, {edit.shape}, "
            f"{i.shape}, {j.shape}"
        )
    d = np.sqrt(((x[j] - x[i]) ** 2).sum(-1))
    return np.stack([edit.astype(np.float64), d], axis=1)


def box_stats(pairs: np.ndarray) -> list[dict]:
    """Box-plot statistics of the L2 distance per edit distance (``pairs [T, 2]``): count,
    mean, quartiles, whiskers (1.5 IQR, clipped to the data), sorted by edit distance."""
    out = []
    for e in np.unique(pairs[:, 0]):
        d = pairs[pairs[:, 0] == e, 1]
        q1, med, q3 = np.percentile(d, [25, 50, 75])
        iqr = q3 - q1
        out.append(
            {
                "edit_distance": int(e),
                "count": int(len(d)),
                "mean": float(d.mean()),
                "q1": float(q1),
                "median": float(med),
                "q3": float(q3),
                "whisker_low": float(d[d >= q1 - 1.5 * iqr].min()),
                "whisker_high": float(d[d <= q3 + 1.5 * iqr].max()),
            }
        )
    return out


# ----------------------------------------------------------------------------------------------
# RWA and FDC over a finite labelled set.


def random_walks(
    neighbours: np.ndarray, key: jax.Array, num_walks: int, walk_length: int, starts=None
) -> np.ndarray:
    """``int32 [W, L + 1]`` walks over a padded neighbour table ``[N, K]`` (vmapped)."""
    nb = jnp.asarray(neighbours, jnp.int32)
    k_start, k_walk = jax.random.split(key)
    if starts is None:
        starts = jax.random.randint(k_start, (num_walks,), 0, nb.shape[0])
    keys = jax.random.split(k_walk, num_walks)
    walk = jax.jit(
        jax.vmap(lambda s, k: landscape.discrete_walk(nb, s, walk_length, k)),
    )
    return np.asarray(walk(jnp.asarray(starts, jnp.int32), keys))


def rwa(fitness: np.ndarray, walks: np.ndarray, max_shift: int) -> np.ndarray:
    """Random-walk autocorrelation ``r(s)``, ``s = 1..max_shift``, of ``fitness [N]`` along
    ``walks [W, L + 1]`` (pooled over walks)."""
    f = np.asarray(fitness, np.float64)[np.asarray(walks)]
    if not np.isfinite(f).all():
        raise ValueError("rwa: a walk visits a row without a finite fitness")
    if max_shift >= f.shape[1]:
        raise ValueError(f"max_shift {max_shift} must be < the walk length {f.shape[1]}")
    return np.asarray(landscape.autocorrelation(f, max_shift), np.float64)


def stuck_fraction(walks: np.ndarray) -> float:
    """Share of walk steps that stay in place (rows without neighbours)."""
    w = np.asarray(walks)
    return float((w[:, 1:] == w[:, :-1]).mean())


def discrete_fdc(fitness: np.ndarray, edit_to_optimum: np.ndarray) -> float:
    """FDC with graph edit distance to the optimum: Pearson r of (fitness, edit distance)."""
    return float(np.corrcoef(np.asarray(fitness, np.float64), edit_to_optimum)[0, 1])


def edit_to_optimum(space: str, rows_cells, optimum: int) -> np.ndarray:
    """Edit distance of every architecture to the one at ``optimum``.

    Args:
      space: ``'nb201'`` (``rows_cells`` = ``int [N, 6]`` cells) or ``'nb101'``
        (``rows_cells`` = ``(adjacency [N, 7, 7], ops [N, 7])``).
    """
    if space == "nb201":
        c = np.asarray(rows_cells)
        return np.asarray(nb201.edit_distance(c[optimum], c))
    if space == "nb101":
        a, o = rows_cells
        ref = (a[optimum], o[optimum])
        return np.array([nb101.edit_distance(ref, (a[i], o[i])) for i in range(len(o))])
    raise ValueError(f"edit_to_optimum: unsupported space {space!r}")


def landscape_study(
    key: jax.Array,
    x: np.ndarray,
    fitness: np.ndarray,
    neighbours: np.ndarray,
    *,
    num_walks: int = 100,
    walk_length: int = 1000,
    max_shift: int = 50,
    knn: int = 24,
    radii=None,
    edit_to_opt: np.ndarray | None = None,
) -> dict:
    """RWA in the discrete and the encoding space, FDC, and the share within radii of the peak.

    Args:
      key: PRNG key (walk starts and steps).
      x: ``[N, D]`` encodings of the labelled architectures.
      fitness: ``[N]`` accuracies (finite).
      neighbours: ``int [N, K]`` single-edit neighbours among the ``N`` rows (``-1`` padding).
      num_walks, walk_length, max_shift: the walks (``W`` walks of ``L`` steps, shifts 1..S).
      knn: neighbours per step of the encoding-space walk.
      radii: fractions of the largest distance to the peak (Figure 6, right; default
        ``0, 0.05, ..., 1``).
      edit_to_opt: ``[N]`` edit distances to the optimum, for the discrete FDC (optional).

    Returns:
      JSON-able dict.
    """
    x = np.asarray(x, np.float32)
    f = np.asarray(fitness, np.float64)
    if x.ndim != 2 or f.shape != (len(x),) or len(neighbours) != len(x):
        raise ValueError(
            f"expected x [N, D], fitness [N], neighbours [N, K]; got {x.shape}, {f.shape}, "
            f"{np.shape(neighbours)}"
        )
    k_start, k_disc, k_emb = jax.random.split(key, 3)
    starts = jax.random.randint(k_start, (num_walks,), 0, len(x))
    disc = random_walks(neighbours, k_disc, num_walks, walk_length, starts)
    table = landscape.knn_table(x, knn, chunk=1024)
    emb = random_walks(table, k_emb, num_walks, walk_length, starts)
    fdc, dist = landscape.fitness_distance_correlation(x, f)
    opt = int(np.argmax(f))
    radii = np.linspace(0.0, 1.0, 21) if radii is None else np.asarray(radii, np.float64)
    out = {
        "rwa_discrete": rwa(f, disc, max_shift).tolist(),
        "rwa_embedding": rwa(f, emb, max_shift).tolist(),
        "shifts": list(range(1, max_shift + 1)),
        "stuck_fraction_discrete": stuck_fraction(disc),
        "fdc_embedding": fdc,
        "optimum_row": opt,
        "radii_fraction": radii.tolist(),
        "share_within": landscape.share_within(dist, radii * dist.max()).tolist(),
        "max_distance": float(dist.max()),
        "num_walks": num_walks,
        "walk_length": walk_length,
        "knn": knn,
    }
    if edit_to_opt is not None:
        out["fdc_discrete"] = discrete_fdc(f, edit_to_opt)
    return out


# ----------------------------------------------------------------------------------------------
# Figures (matplotlib, PNG + SVG).


def plot_distance_vs_edit(pairs_by_name: dict[str, np.ndarray], out_prefix, title: str = ""):
    """One box-plot panel per encoding: L2 distance from the walk's start vs edit distance."""
    plt = figures.pyplot()
    names = list(pairs_by_name)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        p = pairs_by_name[name]
        eds = np.unique(p[:, 0]).astype(int)
        ax.boxplot([p[p[:, 0] == e, 1] for e in eds], positions=eds, showfliers=False)
        ax.set_title(name)
        ax.set_xlabel("graph edit distance")
        ax.set_ylabel("L2 distance")
        ax.set_xticks(eds)
    return figures.save(fig, out_prefix, title)


def plot_figure6(landscape_by_name: dict[str, dict], out_prefix, title: str = ""):
    """The seed's Figure 6: RWA vs sqrt(shift) (encoding-space walks solid, discrete dashed) and
    the share of architectures within a (relative) distance of the global optimum."""
    plt = figures.pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for i, (name, r) in enumerate(landscape_by_name.items()):
        color = f"C{i}"
        s = np.sqrt(np.asarray(r["shifts"], float))
        a.plot(s, r["rwa_embedding"], color=color, label=f"{name} (L2 walk)")
        a.plot(s, r["rwa_discrete"], color=color, ls="--", alpha=0.6)
        b.plot(r["radii_fraction"], r["share_within"], color=color, label=name)
    a.set_xlabel("sqrt(shift)")
    a.set_ylabel("random-walk autocorrelation")
    a.set_title("RWA (dashed: walk of single edits)")
    a.legend(fontsize=7)
    b.set_xlabel("distance to the global optimum / largest distance")
    b.set_ylabel("share of architectures within")
    b.set_title("architectures near the peak")
    return figures.save(fig, out_prefix, title)


__all__ = [
    "box_stats",
    "discrete_fdc",
    "distance_vs_edit",
    "edit_to_optimum",
    "landscape_study",
    "nb101_walk",
    "nb201_neighbour_table",
    "nb201_walk",
    "plot_distance_vs_edit",
    "plot_figure6",
    "random_walks",
    "rwa",
    "stuck_fraction",
    "walk_edit_distances",
    "walk_pairs",
]
