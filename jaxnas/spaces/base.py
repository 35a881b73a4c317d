"""Cell-based search spaces with ops on nodes, as immutable values and pure functions.

A *cell* is a DAG over at most ``max_vertices`` vertices, given as

* ``adjacency``: ``uint8 [V, V]``, strictly upper-triangular (``adjacency[i, j] == 1`` is an edge
  ``i -> j``; vertex 0 is the input, the last *real* vertex is the output);
* ``ops``: ``int32 [V]`` op ids into the space's vocabulary ``op_names``; padding vertices (beyond
  the real ones) carry :data:`PAD` (-1) and have no edges.

Cells with fewer than ``V`` vertices are stored padded: real vertices first, then padding. A
:class:`CellSpace` describes a vocabulary, vertex and edge budgets and the validity rule; the
generic functions below (``validate``, ``prune``, ``sample``, ``mutate``, ``neighbours``,
``edit_distance``) work for any such space. NB101 is one instance (``jaxnas.spaces.nb101.SPACE``);
a user brings a benchmark of their own by building another ``CellSpace``::

    from jaxnas.spaces import base
    my_space = base.CellSpace(
        name="my_space", max_vertices=6, max_edges=8,
        op_names=("input", "conv", "pool", "output"))
    adjacency, ops = base.sample(my_space, jax.random.key(0))

Randomness always comes from an explicit ``jax.random`` key (consumed on the host through
``numpy.random.Generator`` seeded from it, since these are host-side, variable-shape operations).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import jax
import numpy as np

PAD = -1


class InvalidCellError(ValueError):
    """Raised when an architecture is not a valid member of its search space."""


@dataclasses.dataclass(frozen=True)
class CellSpace:
    """Description of a cell-based (ops-on-nodes) search space.

    Attributes:
      name: short name, used in messages.
      max_vertices: V, the padded number of vertices (input and output included).
      max_edges: the largest number of edges a valid (pruned) cell may have.
      op_names: the vocabulary; ``op_names[0]`` must be the input op and ``op_names[-1]`` the
        output op; the ids in between are the operations inner vertices may take.
      extra_check: an optional further validity rule ``(adjacency, ops) -> str | None`` returning
        a message naming the problem, or ``None`` when the cell is fine.
    """

    name: str
    max_vertices: int
    max_edges: int
    op_names: tuple[str, ...]
    extra_check: Callable[[np.ndarray, np.ndarray], str | None] | None = None

    @property
    def input_id(self) -> int:
        return 0

    @property
    def output_id(self) -> int:
        return len(self.op_names) - 1

    @property
    def inner_op_ids(self) -> tuple[int, ...]:
        return tuple(range(1, len(self.op_names) - 1))

    @property
    def num_ops(self) -> int:
        return len(self.op_names)


def host_rng(key: jax.Array) -> np.random.Generator:
    """A NumPy generator derived deterministically from a JAX PRNG key."""
    data = np.asarray(jax.random.key_data(key) if _is_typed_key(key) else key)
    return np.random.default_rng(np.asarray(data, dtype=np.uint32).ravel().tolist())


def _is_typed_key(key) -> bool:
    return isinstance(key, jax.Array) and jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)


# ----------------------------------------------------------------------------------------------
# Conversion and validation.


def op_ids(space: CellSpace, ops: Sequence) -> np.ndarray:
    """Converts ops given as names or integer ids to an ``int32`` id array (PAD kept)."""
    ops = list(ops) if not isinstance(ops, np.ndarray) else ops
    if isinstance(ops, np.ndarray) and ops.dtype.kind in "iu":
        out = ops.astype(np.int32)
    else:
        out = np.empty(len(ops), dtype=np.int32)
        for i, op in enumerate(ops):
            if isinstance(op, str):
                try:
                    out[i] = space.op_names.index(op)
                except ValueError:
                    raise InvalidCellError(
                        f"{space.name}: unknown op {op!r} at vertex {i}; "
                        f"known ops are {space.op_names}"
                    ) from None
            elif isinstance(op, (int, np.integer)):
                out[i] = int(op)
            else:
                raise InvalidCellError(f"{space.name}: op at vertex {i} is {op!r}, not a name/id")
    bad = (out < PAD) | (out >= space.num_ops)
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidCellError(
            f"{space.name}: unknown op id {int(out[i])} at vertex {i}; "
            f"ids are 0..{space.num_ops - 1} ({space.op_names}) or {PAD} for padding"
        )
    return out


def op_names_of(space: CellSpace, ops: np.ndarray) -> list[str]:
    """Op names of the real (non-padding) vertices."""
    return [space.op_names[int(o)] for o in np.asarray(ops) if o != PAD]


def as_arrays(space: CellSpace, adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Checks shapes/values and returns ``(adjacency uint8 [n, n], ops int32 [n])`` unpadded.

    Accepts padded (``[V, V]``, ops with trailing PAD) or unpadded input. Raises
    :class:`InvalidCellError` naming the problem for wrong shapes, non-binary entries, edges on
    or below the diagonal (this also rules out cycles), unknown ops, or padding in the middle.
    """
    a = np.asarray(adjacency)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise InvalidCellError(f"{space.name}: adjacency must be square [n, n], got {a.shape}")
    o = op_ids(space, ops)
    if o.ndim != 1 or o.shape[0] != a.shape[0]:
        raise InvalidCellError(
            f"{space.name}: ops must have one entry per vertex: adjacency is {a.shape}, "
            f"ops has shape {o.shape}"
        )
    if a.shape[0] > space.max_vertices:
        raise InvalidCellError(
            f"{space.name}: {a.shape[0]} vertices, more than the maximum {space.max_vertices}"
        )
    if not np.isin(a, (0, 1)).all():
        raise InvalidCellError(f"{space.name}: adjacency entries must be 0 or 1")
    a = a.astype(np.uint8)
    if np.tril(a).any():
        i, j = np.argwhere(np.tril(a))[0]
        if a[j, i] and i != j:
            what = f"a cycle ({j} -> {i} -> {j})"
        elif i == j:
            what = f"a self-loop at vertex {i}"
        else:
            what = (
                f"an edge {i} -> {j} that is not upper-triangular "
                "(cells must be topologically ordered)"
            )
        raise InvalidCellError(f"{space.name}: adjacency has {what}")
    real = o != PAD
    n = int(real.sum())
    if not real[:n].all():
        raise InvalidCellError(f"{space.name}: padding ops must come after all real vertices")
    if a[n:].any() or a[:, n:].any():
        raise InvalidCellError(f"{space.name}: padding vertices {n}..{len(o) - 1} have edges")
    return a[:n, :n], o[:n]


def check(space: CellSpace, adjacency, ops) -> str | None:
    """Returns ``None`` for a valid cell, else a message naming the first problem found.

    A valid cell: at least two vertices, input op at vertex 0 and output op at the last one, only
    inner ops in between, every vertex on an input->output path (i.e. already pruned), at most
    ``max_edges`` edges, and the space's ``extra_check``.
    """
    try:
        a, o = as_arrays(space, adjacency, ops)
    except InvalidCellError as e:
        return str(e)
    n = a.shape[0]
    if n < 2:
        return f"{space.name}: a cell needs at least an input and an output vertex, got {n}"
    if o[0] != space.input_id:
        return f"{space.name}: vertex 0 must be {space.op_names[0]!r}, got {space.op_names[o[0]]!r}"
    if o[-1] != space.output_id:
        return (
            f"{space.name}: the last vertex must be {space.op_names[-1]!r}, "
            f"got {space.op_names[o[-1]]!r}"
        )
    inner = o[1:-1]
    bad = (inner == space.input_id) | (inner == space.output_id)
    if bad.any():
        return f"{space.name}: inner vertex {int(np.argmax(bad)) + 1} has an input/output op"
    edges = int(a.sum())
    if edges > space.max_edges:
        return f"{space.name}: {edges} edges, more than the maximum {space.max_edges}"
    on_path = _on_path(a)
    if not on_path.all():
        if not on_path[0]:
            return f"{space.name}: no path from the input to the output"
        v = int(np.argmin(on_path))
        return f"{space.name}: vertex {v} is not on an input->output path (prune the cell first)"
    if space.extra_check is not None:
        return space.extra_check(a, o)
    return None


def is_valid(space: CellSpace, adjacency, ops) -> bool:
    """True when the (already pruned) cell is a valid member of the space."""
    return check(space, adjacency, ops) is None


def validate(space: CellSpace, adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Returns the unpadded arrays of a valid cell or raises :class:`InvalidCellError`."""
    msg = check(space, adjacency, ops)
    if msg is not None:
        raise InvalidCellError(msg)
    return as_arrays(space, adjacency, ops)


def _reach(a: np.ndarray) -> np.ndarray:
    """Reflexive-transitive closure of a DAG adjacency ``[n, n]`` (bool)."""
    n = a.shape[0]
    r = a.astype(bool) | np.eye(n, dtype=bool)
    for _ in range(max(1, int(np.ceil(np.log2(max(n, 2)))))):
        r = r | ((r.astype(np.int32) @ r.astype(np.int32)) > 0)
    return r


def _on_path(a: np.ndarray) -> np.ndarray:
    r = _reach(a)
    return r[0, :] & r[:, -1]


def prune(space: CellSpace, adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Removes vertices that are not on an input->output path (as NAS-Bench-101's ModelSpec).

    Returns unpadded ``(adjacency, ops)``. Raises :class:`InvalidCellError` if the output is not
    reachable from the input at all.
    """
    a, o = as_arrays(space, adjacency, ops)
    keep = _on_path(a)
    if a.shape[0] < 2 or not keep[0]:
        raise InvalidCellError(f"{space.name}: no path from the input to the output")
    idx = np.flatnonzero(keep)
    return a[np.ix_(idx, idx)], o[idx]


def pad(space: CellSpace, adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Pads an unpadded cell to ``[V, V]`` / ``[V]`` (real vertices first, then PAD)."""
    a = np.asarray(adjacency, dtype=np.uint8)
    o = np.asarray(ops, dtype=np.int32)
    n, v = a.shape[0], space.max_vertices
    pa = np.zeros((v, v), np.uint8)
    pa[:n, :n] = a
    po = np.full((v,), PAD, np.int32)
    po[:n] = o
    return pa, po


# ----------------------------------------------------------------------------------------------
# Sampling, mutation, neighbours, edit distance.


def sample(space: CellSpace, key: jax.Array, max_tries: int = 10_000):
    """Uniformly samples a (padded) valid cell as in the NAS-Bench-101 reference.

    Draws a random ``[V, V]`` upper-triangular 0/1 matrix and random inner ops until the *pruned*
    cell is valid; returns the pruned, padded ``(adjacency [V, V], ops [V])``.
    """
    rng = host_rng(key)
    v = space.max_vertices
    inner = np.asarray(space.inner_op_ids, np.int32)
    for _ in range(max_tries):
        a = np.triu(rng.integers(0, 2, size=(v, v)), 1).astype(np.uint8)
        o = np.concatenate([[space.input_id], rng.choice(inner, v - 2), [space.output_id]])
        try:
            pa, po = prune(space, a, o.astype(np.int32))
        except InvalidCellError:
            continue
        if check(space, pa, po) is None:
            return pad(space, pa, po)
    raise RuntimeError(f"{space.name}: no valid cell sampled in {max_tries} tries")


def _unpruned_padded(space, adjacency, ops):
    a, o = as_arrays(space, adjacency, ops)
    return pad(space, a, o)


def mutate(
    space: CellSpace, key: jax.Array, adjacency, ops, mutation_rate: float = 1.0, max_tries=10_000
):
    """NAS-Bench-101's reference mutation: flip each edge bit w.p. ``rate / #bits`` and change
    each inner op w.p. ``rate / #inner`` (to a different op), repeated until the pruned result is
    valid. Works on the padded ``V``-vertex cell (padding vertices get random ops, as in the
    reference, whose cells always have ``V`` vertices). Returns a padded, pruned cell.
    """
    rng = host_rng(key)
    a0, o0 = _unpruned_padded(space, adjacency, ops)
    v = space.max_vertices
    inner = np.asarray(space.inner_op_ids, np.int32)
    # Padding vertices become ordinary (disconnected) vertices with a random op.
    o0 = o0.copy()
    n_real = int((o0 != PAD).sum())
    if n_real < v:
        # Move the output to the last position, as the reference's 7-vertex cells have it.
        a_full = np.zeros((v, v), np.uint8)
        a_full[: n_real - 1, : n_real - 1] = a0[: n_real - 1, : n_real - 1]
        a_full[: n_real - 1, v - 1] = a0[: n_real - 1, n_real - 1]
        o_full = np.concatenate(
            [o0[: n_real - 1], rng.choice(inner, v - n_real), [space.output_id]]
        ).astype(np.int32)
        a0, o0 = a_full, o_full
    iu = np.triu_indices(v, 1)
    for _ in range(max_tries):
        a = a0.copy()
        flip = rng.random(len(iu[0])) < mutation_rate / len(iu[0])
        a[iu] ^= flip.astype(np.uint8)
        o = o0.copy()
        change = rng.random(v - 2) < mutation_rate / (v - 2)
        for i in np.flatnonzero(change) + 1:
            choices = inner[inner != o[i]]
            o[i] = rng.choice(choices)
        try:
            pa, po = prune(space, a, o)
        except InvalidCellError:
            continue
        if check(space, pa, po) is None:
            return pad(space, pa, po)
    raise RuntimeError(f"{space.name}: no valid mutation found in {max_tries} tries")


def neighbours(space: CellSpace, adjacency, ops, dedupe: Callable | None = None):
    """All valid cells one edit away: one inner op changed, or one edge added/removed.

    Edits act on the given (pruned) cell; results are pruned, and kept if valid and different from
    the input. ``dedupe(adjacency, ops) -> hashable`` (e.g. a graph hash) removes isomorphic
    duplicates. Returns padded arrays ``(adjacency [K, V, V], ops [K, V])``.
    """
    a, o = validate(space, adjacency, ops)
    n = a.shape[0]
    cands = []
    for i in range(1, n - 1):
        for op in space.inner_op_ids:
            if op != o[i]:
                o2 = o.copy()
                o2[i] = op
                cands.append((a, o2))
    for i in range(n):
        for j in range(i + 1, n):
            a2 = a.copy()
            a2[i, j] ^= 1
            cands.append((a2, o))
    seen = set()
    if dedupe is not None:
        seen.add(dedupe(a, o))
    out_a, out_o = [], []
    for ca, co in cands:
        try:
            pa, po = prune(space, ca, co)
        except InvalidCellError:
            continue
        if pa.shape == a.shape and np.array_equal(pa, a) and np.array_equal(po, o):
            continue
        if check(space, pa, po) is not None:
            continue
        if dedupe is not None:
            h = dedupe(pa, po)
            if h in seen:
                continue
            seen.add(h)
        pa, po = pad(space, pa, po)
        out_a.append(pa)
        out_o.append(po)
    v = space.max_vertices
    if not out_a:
        return np.zeros((0, v, v), np.uint8), np.zeros((0, v), np.int32)
    return np.stack(out_a), np.stack(out_o)


def edit_distance(space: CellSpace, cell_a, cell_b) -> int:
    """Graph edit distance between two cells of the space.

    The minimum, over bijections of inner vertices, of (#edge insertions/deletions +
    #op substitutions), with vertex insertions/deletions costing one each (a smaller cell is
    padded with isolated "absent" vertices whose op never matches). Input and output stay fixed.
    Exact (brute force over the ``(V-2)!`` bijections; 120 for NB101).
    """
    import itertools

    a1, o1 = as_arrays(space, *cell_a)
    a2, o2 = as_arrays(space, *cell_b)
    v = max(a1.shape[0], a2.shape[0])

    def expand(a, o):
        n = a.shape[0]
        ea = np.zeros((v, v), np.int32)
        ea[: n - 1, : n - 1] = a[: n - 1, : n - 1]
        ea[: n - 1, v - 1] = a[: n - 1, n - 1]
        eo = np.full(v, -2, np.int32)  # -2: absent vertex
        eo[: n - 1] = o[: n - 1]
        eo[v - 1] = o[n - 1]
        return ea, eo

    e1, p1 = expand(a1, o1)
    e2, p2 = expand(a2, o2)
    # Undirected view for comparing under permutations that break topological order.
    inner = list(range(1, v - 1))
    best = None
    for perm in itertools.permutations(inner):
        p = np.array([0, *perm, v - 1])
        b = e2[np.ix_(p, p)]
        c = int(np.abs(e1 - b).sum())
        q = p2[p]
        c += int((p1 != q).sum())
        if best is None or c < best:
            best = c
    return int(best)
