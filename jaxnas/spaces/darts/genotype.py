"""DARTS genotypes: validity, the array form, the validated text forms, sampling and mutation.

See :mod:`jaxnas.spaces.darts` for the representations; the text grammar is in
:mod:`jaxnas.spaces.darts.formats`.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np

from jaxnas.spaces import base
from jaxnas.spaces.darts import core, formats
from jaxnas.spaces.darts.core import Genotype, InvalidCellError


def make_genotype(normal: Sequence, reduce: Sequence) -> Genotype:
    """A validated :class:`Genotype` from two cells of 8 ``(op, input)`` pairs each."""
    return validate(Genotype(normal, core.CONCAT, reduce, core.CONCAT))


# ----------------------------------------------------------------------------------------------
# Validity.


def _as_edge(item, where: str) -> core.Edge:
    if not isinstance(item, (tuple, list, np.ndarray)) or len(item) != 2:
        raise InvalidCellError(f"darts: {where} is {item!r}, not an (op, input) pair")
    op, inp = item[0], item[1]
    if isinstance(op, (int, np.integer)) and not isinstance(op, bool):
        if not 0 <= int(op) < len(core.OPS):
            raise InvalidCellError(
                f"darts: {where} has unknown op id {int(op)}; ids are 0..{len(core.OPS) - 1}"
            )
        op = core.OPS[int(op)]
    if not isinstance(op, str):
        raise InvalidCellError(f"darts: {where} has op {op!r}, not an op name or id")
    if isinstance(inp, bool) or not isinstance(inp, (int, np.integer)):
        raise InvalidCellError(f"darts: {where} has input {inp!r}, not an integer node index")
    return (str(op), int(inp))


def _read_cell(cell, name: str) -> core.Cell:
    if isinstance(cell, (str, bytes)) or not isinstance(cell, (Sequence, np.ndarray)):
        raise InvalidCellError(
            f"darts: the {name} cell is {type(cell).__name__}, not a sequence of edges"
        )
    if len(cell) != core.NUM_EDGES:
        raise InvalidCellError(
            f"darts: the {name} cell has {len(cell)} edges, expected {core.NUM_EDGES} "
            f"(2 per intermediate node x {core.NUM_NODES} nodes)"
        )
    return tuple(_as_edge(item, f"{name} edge {e}") for e, item in enumerate(cell))


def _cell_problem(edges: core.Cell, name: str, allow_none: bool) -> str | None:
    for e, (op, inp) in enumerate(edges):
        node = e // 2
        if op not in core.OPS:
            return f"darts: unknown op {op!r} on {name} edge {e}; known ops are {core.OPS}"
        if op == "none" and not allow_none:
            return f"darts: {name} edge {e} has op 'none', which NAS-Bench-301 cells do not use"
        if not 0 <= inp < node + 2:
            return (
                f"darts: {name} edge {e} (node {node}) takes input {inp}, but node {node} can "
                f"only take inputs 0..{node + 1} (0 = c_{{k-2}}, 1 = c_{{k-1}}, 2.. = earlier "
                "intermediate nodes)"
            )
    for node in range(core.NUM_NODES):
        if edges[2 * node][1] == edges[2 * node + 1][1]:
            return (
                f"darts: {name} node {node} takes input {edges[2 * node][1]} twice; "
                "NAS-Bench-301 cells need two distinct inputs per node"
            )
    return None


def _concat_problem(concat, name: str) -> str | None:
    try:
        ok = [int(c) for c in concat] == list(core.CONCAT)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        return f"darts: {name} is {concat!r}; NAS-Bench-301 cells concatenate range(2, 6)"
    return None


def _as_genotype(genotype) -> Genotype:
    """Reads a genotype-like value into a :class:`Genotype` (no validation beyond structure)."""
    if isinstance(genotype, Genotype):
        return genotype
    if isinstance(genotype, str):
        if genotype.lstrip().split("(", 1)[0].strip().endswith("Genotype"):
            return formats.parse_string(genotype)
        return formats.parse_naslib(genotype)
    if isinstance(genotype, np.ndarray) or hasattr(genotype, "__array__"):
        return _from_array_unchecked(np.asarray(genotype))
    try:
        values = [getattr(genotype, f) for f in core._FIELDS]
    except AttributeError:
        raise InvalidCellError(
            f"darts: {type(genotype).__name__} is not a genotype: expected a Genotype (or a "
            "namedtuple with fields normal, normal_concat, reduce, reduce_concat), an int array "
            "[2, 8, 2] or a genotype string"
        ) from None
    return Genotype(*values)


def _checked(genotype, allow_none: bool) -> Genotype | str:
    """The canonical genotype, or a message naming the first problem."""
    try:
        g = _as_genotype(genotype)
        cells = []
        for name in core.CELLS:
            edges = _read_cell(getattr(g, name), name)
            msg = _cell_problem(edges, name, allow_none)
            if msg is None:
                msg = _concat_problem(getattr(g, name + "_concat"), name + "_concat")
            if msg is not None:
                return msg
            cells.append(edges)
    except InvalidCellError as e:
        return str(e)
    return Genotype(cells[0], core.CONCAT, cells[1], core.CONCAT)


def check(genotype, allow_none: bool = False) -> str | None:
    """``None`` for a valid NAS-Bench-301 genotype, else a message naming the first problem.

    Valid: both cells have 8 ``(op, input)`` edges, known ops (``'none'`` only with
    ``allow_none``), node ``i``'s inputs in ``0..i+1`` and distinct, concats ``range(2, 6)``.

    Args:
      genotype: a :class:`Genotype`, any namedtuple with DARTS's fields, an int array
        ``[2, 8, 2]``, or a DARTS / NASLib genotype string.
      allow_none: accept the ``'none'`` op (DARTS's vocabulary has it, NAS-Bench-301 does not).
    """
    out = _checked(genotype, allow_none)
    return out if isinstance(out, str) else None


def is_valid(genotype, allow_none: bool = False) -> bool:
    """True when :func:`check` finds no problem."""
    return check(genotype, allow_none) is None


def validate(genotype, allow_none: bool = False) -> Genotype:
    """Returns the genotype in canonical form (tuples, ``range`` concats) or raises.

    Raises:
      InvalidCellError: naming the problem (see :func:`check`).
    """
    out = _checked(genotype, allow_none)
    if isinstance(out, str):
        raise InvalidCellError(out)
    return out


# ----------------------------------------------------------------------------------------------
# Array form.


def to_array(genotype) -> np.ndarray:
    """The ``int32 [2, 8, 2]`` form: ``[cell (normal, reduce), edge, (op id, input)]``."""
    g = validate(genotype, allow_none=True)
    out = np.empty((2, core.NUM_EDGES, 2), np.int32)
    for c, name in enumerate(core.CELLS):
        for e, (op, inp) in enumerate(getattr(g, name)):
            out[c, e] = (core.OPS.index(op), inp)
    return out


def _from_array_unchecked(array: np.ndarray) -> Genotype:
    if array.shape != (2, core.NUM_EDGES, 2):
        raise InvalidCellError(
            f"darts: a genotype array has shape (2, {core.NUM_EDGES}, 2), got {array.shape}"
        )
    if array.dtype.kind not in "iu":
        raise InvalidCellError(f"darts: a genotype array has integer dtype, got {array.dtype}")
    cells = []
    for c, name in enumerate(core.CELLS):
        edges = []
        for e in range(core.NUM_EDGES):
            op, inp = int(array[c, e, 0]), int(array[c, e, 1])
            if not 0 <= op < len(core.OPS):
                raise InvalidCellError(
                    f"darts: unknown op id {op} on {name} edge {e}; ids are 0..{len(core.OPS) - 1}"
                )
            edges.append((core.OPS[op], inp))
        cells.append(tuple(edges))
    return Genotype(cells[0], core.CONCAT, cells[1], core.CONCAT)


def from_array(array, allow_none: bool = False) -> Genotype:
    """The validated :class:`Genotype` of an ``int [2, 8, 2]`` array (see :func:`to_array`)."""
    return validate(_from_array_unchecked(np.asarray(array)), allow_none)


# ----------------------------------------------------------------------------------------------
# Text forms (validated; the grammar is in formats.py).


def to_string(genotype) -> str:
    """The string DARTS prints for a genotype (lists of pairs, ``range(2, 6)`` concats)."""
    return formats.format_string(validate(genotype, allow_none=True))


def from_string(text: str, allow_none: bool = False) -> Genotype:
    """Parses DARTS's genotype string without ``eval``.

    Accepts ``Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=...)`` with
    keyword or positional fields (also ``genotypes.Genotype(...)``), cells as lists or tuples of
    ``(op, input)`` pairs, and concats as ``range(2, 6)`` or ``[2, 3, 4, 5]``. Only literals and
    ``range`` calls are evaluated.

    Raises:
      InvalidCellError: for text that is not such an expression or an invalid genotype.
    """
    return validate(formats.parse_string(text), allow_none)


def to_naslib(genotype) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """NASLib's compact form: per cell 8 ``(input, op index into NASLIB_OPS)`` pairs."""
    return formats.format_naslib(validate(genotype))


def from_naslib(compact, allow_none: bool = False) -> Genotype:
    """A :class:`Genotype` from NASLib's compact form or its string.

    Args:
      compact: ``((input, op), ...) x 2`` nested sequences, or their string as stored in NASLib's
        files (``"(((0, 6), ...), (...))"`` in ``archs_nasbench301.json``, ``"[[(0, 0), ...],
        [...]]"`` as keys of ``zc_nasbench301.json``).
      allow_none: passed to :func:`validate` (NASLib's compact form cannot express ``'none'``).
    """
    return validate(formats.parse_naslib(compact), allow_none)


def to_naslib_string(genotype, style: str = "tuple") -> str:
    """NASLib's compact form as the strings of its files.

    Args:
      genotype: the genotype.
      style: ``'tuple'`` for ``archs_nasbench301.json``'s ``"(((0, 6), ...), (...))"``,
        ``'list'`` for the keys of ``zc_nasbench301.json``, ``"[[(0, 0), ...], [...]]"``.
    """
    return formats.naslib_string(to_naslib(genotype), style)


# ----------------------------------------------------------------------------------------------
# Sampling, mutation, neighbours (as NASLib's NasBench301SearchSpace).


def sample(key: jax.Array) -> Genotype:
    """A random genotype, drawn as NASLib's ``sample_random_architecture`` for NB301 does.

    For each node ``i`` four ops are drawn uniformly (with replacement) from the 7 real ops, two
    for the normal and two for the reduction cell, and each cell draws 2 distinct inputs
    uniformly from ``0..i+1`` (in random order). ``'none'`` is never drawn.
    """
    rng = base.host_rng(key)
    real = np.asarray(core.SAMPLED_OP_IDS)
    cells: tuple[list[core.Edge], list[core.Edge]] = ([], [])
    for i in range(core.NUM_NODES):
        ops = rng.choice(real, 4)
        ins_normal = rng.choice(i + 2, 2, replace=False)
        ins_reduce = rng.choice(i + 2, 2, replace=False)
        ops_n, ops_r = ops[:2], ops[2:]
        cells[0].extend((core.OPS[int(o)], int(n)) for o, n in zip(ops_n, ins_normal, strict=True))
        cells[1].extend((core.OPS[int(o)], int(n)) for o, n in zip(ops_r, ins_reduce, strict=True))
    return Genotype(tuple(cells[0]), core.CONCAT, tuple(cells[1]), core.CONCAT)


def mutate(key: jax.Array, genotype, mutation_rate: int = 1) -> Genotype:
    """NASLib's NB301 mutation: change one op or one input, redrawn until the genotype changed.

    A proposal picks a cell, an edge and a field uniformly. An op field gets a uniform op out of
    the 7 (possibly the same); an input field gets a uniform input in ``0..node+1``, applied only
    if it differs from the other edge's input of that node. ``mutation_rate`` proposals are
    applied to a copy of the parent; if the result equals the parent, it starts again. With
    ``mutation_rate=1`` exactly one entry changes. (NASLib's loop aliases the parent and the
    child on its first pass, so its first proposal is kept even when a second one follows; this
    implementation follows the evident intent instead.)
    """
    rng = base.host_rng(key)
    parent = to_array(validate(genotype))
    while True:
        child = parent.copy()
        for _ in range(int(mutation_rate)):
            c, e = int(rng.integers(2)), int(rng.integers(core.NUM_EDGES))
            field = int(rng.integers(2))
            if field == 0:
                child[c, e, 0] = rng.choice(np.asarray(core.SAMPLED_OP_IDS))
            else:
                choice = int(rng.integers(e // 2 + 2))
                if child[c, e ^ 1, 1] != choice:
                    child[c, e, 1] = choice
        if not np.array_equal(child, parent):
            return from_array(child)


def neighbours(genotype) -> tuple[Genotype, ...]:
    """All genotypes one op change or one input change away, in NASLib's ``get_nbhd`` order.

    Per cell and edge: the 6 other ops, then every input of the node not used by either of its
    edges (NASLib shuffles the list; shuffle with a key if the order matters). 120 neighbours
    for every valid genotype.
    """
    parent = to_array(validate(genotype))
    out = []
    for c in range(2):
        for e in range(core.NUM_EDGES):
            for op in core.SAMPLED_OP_IDS:
                if op != parent[c, e, 0]:
                    child = parent.copy()
                    child[c, e, 0] = op
                    out.append(child)
            used = (parent[c, e, 1], parent[c, e ^ 1, 1])
            for inp in range(e // 2 + 2):
                if inp not in used:
                    child = parent.copy()
                    child[c, e, 1] = inp
                    out.append(child)
    return tuple(from_array(a) for a in out)
