"""The DARTS / NAS-Bench-301 cell space: genotypes as immutable values and pure functions.

A genotype has a *normal* and a *reduction* cell. Each cell has 4 intermediate nodes; node
``i`` (0..3) sums two edges ``(op, input)``, where ``input`` is ``0`` (``c_{k-2}``, the output
of the cell two back), ``1`` (``c_{k-1}``) or ``2 + j`` (intermediate node ``j < i``). The cell
output concatenates nodes 2..5 (``range(2, 6)``). Edges ``2i`` and ``2i + 1`` belong to node
``i``; NAS-Bench-301 (and DARTS's derivation) give the two edges of a node distinct inputs.

Representations (all convertible, round trips tested on the real NASLib files):

* :class:`Genotype` -- a NamedTuple with DARTS's fields ``(normal, normal_concat, reduce,
  reduce_concat)``; cells are tuples of ``(op name, input)`` pairs, concats ``range(2, 6)``. DARTS's
  ``NetworkCIFAR`` accepts it as is.
* an ``int32 [2, 8, 2]`` array (``[cell (normal, reduce), edge, (op id, input)]``), op ids into
  :data:`OPS` (DARTS's ``PRIMITIVES`` order, ``'none'`` = 0), for vectorised use.
* the DARTS string ``Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)``
  (:func:`to_string` / :func:`from_string`, parsed without ``eval``).
* NASLib's compact form ``((input, op), ...)`` per cell with op indices into :data:`NASLIB_OPS`
  (:func:`to_naslib` / :func:`from_naslib` / :func:`to_naslib_string`), as stored in NASLib's
  ``archs_nasbench301.json`` (tuple style) and as the keys of ``zc_nasbench301.json`` (list
  style). The op mapping is NASLib's ``convert_compact_to_genotype``; it is confirmed on the data
  by :func:`num_params` and :func:`flops` matching all 725 genotypes of ``zc_nasbench301.json``
  exactly (that pins the convolutions and ``skip_connect``; max vs. avg pool have equal costs
  and rest on NASLib's source alone).

Also: validity checks (:func:`check`, :func:`validate`), NASLib's sampling, mutation and
neighbourhood (:func:`sample`, :func:`mutate`, :func:`neighbours`, explicit JAX keys), the
graph encodings of arch2vec (:func:`to_arch2vec`, 11 nodes) and CATE (:func:`to_cate`, 15 nodes)
with their inverses, and parameters / FLOPs of the NAS-Bench-301 evaluation network
(:func:`num_params`, :func:`flops`, vectorised over ``[..., 2, 8, 2]`` arrays).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence
from typing import NamedTuple

import jax
import numpy as np

from jaxnas.spaces import base

InvalidCellError = base.InvalidCellError

OPS = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
"""Op vocabulary in DARTS's ``PRIMITIVES`` order; ids index this tuple. ``'none'`` is never
sampled and not part of NAS-Bench-301 cells."""
NONE = 0
SAMPLED_OP_IDS = tuple(range(1, len(OPS)))
NASLIB_OPS = OPS[1:]
"""NASLib's compact op indices 0..6 (``convert_compact_to_genotype``): NASLib id = our id - 1."""
NUM_NODES = 4
NUM_EDGES = 2 * NUM_NODES
CONCAT = range(2, 2 + NUM_NODES)
CELLS = ("normal", "reduce")
_FIELDS = ("normal", "normal_concat", "reduce", "reduce_concat")

Edge = tuple[str, int]
Cell = tuple[Edge, ...]


class Genotype(NamedTuple):
    """A DARTS genotype, field-compatible with DARTS's ``Genotype`` namedtuple.

    Attributes:
      normal: the normal cell, 8 ``(op name, input)`` pairs, edges ``2i, 2i+1`` feed node ``i``.
      normal_concat: the nodes concatenated into the cell output, ``range(2, 6)``.
      reduce: the reduction cell, as ``normal``.
      reduce_concat: ``range(2, 6)``.
    """

    normal: Cell
    normal_concat: range
    reduce: Cell
    reduce_concat: range


def make_genotype(normal: Sequence, reduce: Sequence) -> Genotype:
    """A validated :class:`Genotype` from two cells of 8 ``(op, input)`` pairs each."""
    return validate(Genotype(normal, CONCAT, reduce, CONCAT))


# ----------------------------------------------------------------------------------------------
# Validity.


def _as_edge(item, where: str) -> Edge:
    if not isinstance(item, (tuple, list, np.ndarray)) or len(item) != 2:
        raise InvalidCellError(f"darts: {where} is {item!r}, not an (op, input) pair")
    op, inp = item[0], item[1]
    if isinstance(op, (int, np.integer)) and not isinstance(op, bool):
        if not 0 <= int(op) < len(OPS):
            raise InvalidCellError(
                f"darts: {where} has unknown op id {int(op)}; ids are 0..{len(OPS) - 1}"
            )
        op = OPS[int(op)]
    if not isinstance(op, str):
        raise InvalidCellError(f"darts: {where} has op {op!r}, not an op name or id")
    if isinstance(inp, bool) or not isinstance(inp, (int, np.integer)):
        raise InvalidCellError(f"darts: {where} has input {inp!r}, not an integer node index")
    return (str(op), int(inp))


def _read_cell(cell, name: str) -> Cell:
    if isinstance(cell, (str, bytes)) or not isinstance(cell, (Sequence, np.ndarray)):
        raise InvalidCellError(
            f"darts: the {name} cell is {type(cell).__name__}, not a sequence of edges"
        )
    if len(cell) != NUM_EDGES:
        raise InvalidCellError(
            f"darts: the {name} cell has {len(cell)} edges, expected {NUM_EDGES} "
            f"(2 per intermediate node x {NUM_NODES} nodes)"
        )
    return tuple(_as_edge(item, f"{name} edge {e}") for e, item in enumerate(cell))


def _cell_problem(edges: Cell, name: str, allow_none: bool) -> str | None:
    for e, (op, inp) in enumerate(edges):
        node = e // 2
        if op not in OPS:
            return f"darts: unknown op {op!r} on {name} edge {e}; known ops are {OPS}"
        if op == "none" and not allow_none:
            return f"darts: {name} edge {e} has op 'none', which NAS-Bench-301 cells do not use"
        if not 0 <= inp < node + 2:
            return (
                f"darts: {name} edge {e} (node {node}) takes input {inp}, but node {node} can "
                f"only take inputs 0..{node + 1} (0 = c_{{k-2}}, 1 = c_{{k-1}}, 2.. = earlier "
                "intermediate nodes)"
            )
    for node in range(NUM_NODES):
        if edges[2 * node][1] == edges[2 * node + 1][1]:
            return (
                f"darts: {name} node {node} takes input {edges[2 * node][1]} twice; "
                "NAS-Bench-301 cells need two distinct inputs per node"
            )
    return None


def _concat_problem(concat, name: str) -> str | None:
    try:
        ok = [int(c) for c in concat] == list(CONCAT)
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
            return from_string(genotype, allow_none=True)
        return from_naslib(genotype, allow_none=True)
    if isinstance(genotype, np.ndarray) or hasattr(genotype, "__array__"):
        return _from_array_unchecked(np.asarray(genotype))
    try:
        values = [getattr(genotype, f) for f in _FIELDS]
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
        for name in CELLS:
            edges = _read_cell(getattr(g, name), name)
            msg = _cell_problem(edges, name, allow_none)
            if msg is None:
                msg = _concat_problem(getattr(g, name + "_concat"), name + "_concat")
            if msg is not None:
                return msg
            cells.append(edges)
    except InvalidCellError as e:
        return str(e)
    return Genotype(cells[0], CONCAT, cells[1], CONCAT)


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
    out = np.empty((2, NUM_EDGES, 2), np.int32)
    for c, name in enumerate(CELLS):
        for e, (op, inp) in enumerate(getattr(g, name)):
            out[c, e] = (OPS.index(op), inp)
    return out


def _from_array_unchecked(array: np.ndarray) -> Genotype:
    if array.shape != (2, NUM_EDGES, 2):
        raise InvalidCellError(
            f"darts: a genotype array has shape (2, {NUM_EDGES}, 2), got {array.shape}"
        )
    if array.dtype.kind not in "iu":
        raise InvalidCellError(f"darts: a genotype array has integer dtype, got {array.dtype}")
    cells = []
    for c, name in enumerate(CELLS):
        edges = []
        for e in range(NUM_EDGES):
            op, inp = int(array[c, e, 0]), int(array[c, e, 1])
            if not 0 <= op < len(OPS):
                raise InvalidCellError(
                    f"darts: unknown op id {op} on {name} edge {e}; ids are 0..{len(OPS) - 1}"
                )
            edges.append((OPS[op], inp))
        cells.append(tuple(edges))
    return Genotype(cells[0], CONCAT, cells[1], CONCAT)


def from_array(array, allow_none: bool = False) -> Genotype:
    """The validated :class:`Genotype` of an ``int [2, 8, 2]`` array (see :func:`to_array`)."""
    return validate(_from_array_unchecked(np.asarray(array)), allow_none)


# ----------------------------------------------------------------------------------------------
# DARTS strings.


def _cell_str(cell: Cell) -> str:
    return "[" + ", ".join(f"({op!r}, {inp})" for op, inp in cell) + "]"


def to_string(genotype) -> str:
    """The string DARTS prints for a genotype (lists of pairs, ``range(2, 6)`` concats)."""
    g = validate(genotype, allow_none=True)
    return (
        f"Genotype(normal={_cell_str(g.normal)}, normal_concat=range(2, 6), "
        f"reduce={_cell_str(g.reduce)}, reduce_concat=range(2, 6))"
    )


def _literal(node: ast.AST, field: str):
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
    ):
        args = [_literal(a, field) for a in node.args]
        if not 1 <= len(args) <= 3 or not all(isinstance(a, int) for a in args):
            raise InvalidCellError(f"darts: {field} has an unsupported range(...) call")
        return range(*args)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        raise InvalidCellError(
            f"darts: {field} is not a literal (only lists/tuples of (op, input) pairs, integers "
            f"and range(a, b) are accepted): {ast.unparse(node)[:80]!r}"
        ) from None


def from_string(text: str, allow_none: bool = False) -> Genotype:
    """Parses DARTS's genotype string without ``eval``.

    Accepts ``Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=...)`` with
    keyword or positional fields (also ``genotypes.Genotype(...)``), cells as lists or tuples of
    ``(op, input)`` pairs, and concats as ``range(2, 6)`` or ``[2, 3, 4, 5]``. Only literals and
    ``range`` calls are evaluated.

    Raises:
      InvalidCellError: for text that is not such an expression or an invalid genotype.
    """
    if not isinstance(text, str):
        raise InvalidCellError(f"darts: expected a genotype string, got {type(text).__name__}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise InvalidCellError(f"darts: cannot parse genotype string: {e.msg}") from None
    call = tree.body
    func = getattr(call, "func", None)
    name = getattr(func, "id", None) or getattr(func, "attr", None)
    if not isinstance(call, ast.Call) or name != "Genotype":
        raise InvalidCellError(
            f"darts: expected 'Genotype(normal=..., ...)', got {text.strip()[:60]!r}"
        )
    if len(call.args) > len(_FIELDS):
        raise InvalidCellError(f"darts: Genotype takes {len(_FIELDS)} fields, got more")
    fields = dict(zip(_FIELDS, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg not in _FIELDS or kw.arg in fields:
            raise InvalidCellError(f"darts: unexpected or repeated Genotype field {kw.arg!r}")
        fields[kw.arg] = kw.value
    missing = [f for f in _FIELDS if f not in fields]
    if missing:
        raise InvalidCellError(f"darts: genotype string lacks field(s) {missing}")
    return validate(Genotype(*(_literal(fields[f], f) for f in _FIELDS)), allow_none)


# ----------------------------------------------------------------------------------------------
# NASLib's compact form.


def to_naslib(genotype) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """NASLib's compact form: per cell 8 ``(input, op index into NASLIB_OPS)`` pairs."""
    g = validate(genotype)
    return tuple(
        tuple((inp, NASLIB_OPS.index(op)) for op, inp in getattr(g, name)) for name in CELLS
    )


def from_naslib(compact, allow_none: bool = False) -> Genotype:
    """A :class:`Genotype` from NASLib's compact form or its string.

    Args:
      compact: ``((input, op), ...) x 2`` nested sequences, or their string as stored in NASLib's
        files (``"(((0, 6), ...), (...))"`` in ``archs_nasbench301.json``, ``"[[(0, 0), ...],
        [...]]"`` as keys of ``zc_nasbench301.json``).
      allow_none: passed to :func:`validate` (NASLib's compact form cannot express ``'none'``).
    """
    if isinstance(compact, str):
        try:
            compact = ast.literal_eval(compact.strip())
        except (ValueError, TypeError, SyntaxError):
            raise InvalidCellError(
                f"darts: not a NASLib compact genotype string: {compact.strip()[:60]!r}"
            ) from None
    if isinstance(compact, np.ndarray):
        compact = compact.tolist()
    if not isinstance(compact, Sequence) or len(compact) != 2:
        raise InvalidCellError("darts: a NASLib compact genotype is a pair (normal, reduce)")
    cells = []
    for name, cell in zip(CELLS, compact, strict=True):
        if not isinstance(cell, Sequence) or len(cell) != NUM_EDGES:
            raise InvalidCellError(
                f"darts: the NASLib {name} cell must have {NUM_EDGES} (input, op) pairs"
            )
        edges = []
        for e, pair in enumerate(cell):
            if not isinstance(pair, Sequence) or len(pair) != 2:
                raise InvalidCellError(f"darts: NASLib {name} edge {e} is {pair!r}, not a pair")
            inp, op = pair
            if isinstance(op, bool) or not isinstance(op, (int, np.integer)):
                raise InvalidCellError(f"darts: NASLib {name} edge {e} has op {op!r}")
            if not 0 <= int(op) < len(NASLIB_OPS):
                raise InvalidCellError(
                    f"darts: NASLib {name} edge {e} has op index {int(op)}; NASLib's indices are "
                    f"0..{len(NASLIB_OPS) - 1} {NASLIB_OPS}"
                )
            edges.append((NASLIB_OPS[int(op)], inp))
        cells.append(tuple(edges))
    return validate(Genotype(cells[0], CONCAT, cells[1], CONCAT), allow_none)


def to_naslib_string(genotype, style: str = "tuple") -> str:
    """NASLib's compact form as the strings of its files.

    Args:
      genotype: the genotype.
      style: ``'tuple'`` for ``archs_nasbench301.json``'s ``"(((0, 6), ...), (...))"``,
        ``'list'`` for the keys of ``zc_nasbench301.json``, ``"[[(0, 0), ...], [...]]"``.
    """
    compact = to_naslib(genotype)
    if style == "tuple":
        return str(compact)
    if style == "list":
        return str([list(cell) for cell in compact])
    raise ValueError(f"unknown style {style!r}; use 'tuple' or 'list'")


# ----------------------------------------------------------------------------------------------
# Sampling, mutation, neighbours (as NASLib's NasBench301SearchSpace).


def sample(key: jax.Array) -> Genotype:
    """A random genotype, drawn as NASLib's ``sample_random_architecture`` for NB301 does.

    For each node ``i`` four ops are drawn uniformly (with replacement) from the 7 real ops, two
    for the normal and two for the reduction cell, and each cell draws 2 distinct inputs
    uniformly from ``0..i+1`` (in random order). ``'none'`` is never drawn.
    """
    rng = base.host_rng(key)
    real = np.asarray(SAMPLED_OP_IDS)
    cells: tuple[list[Edge], list[Edge]] = ([], [])
    for i in range(NUM_NODES):
        ops = rng.choice(real, 4)
        ins_normal = rng.choice(i + 2, 2, replace=False)
        ins_reduce = rng.choice(i + 2, 2, replace=False)
        cells[0].extend((OPS[int(o)], int(n)) for o, n in zip(ops[:2], ins_normal, strict=True))
        cells[1].extend((OPS[int(o)], int(n)) for o, n in zip(ops[2:], ins_reduce, strict=True))
    return Genotype(tuple(cells[0]), CONCAT, tuple(cells[1]), CONCAT)


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
            c, e, field = int(rng.integers(2)), int(rng.integers(NUM_EDGES)), int(rng.integers(2))
            if field == 0:
                child[c, e, 0] = rng.choice(np.asarray(SAMPLED_OP_IDS))
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
        for e in range(NUM_EDGES):
            for op in SAMPLED_OP_IDS:
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


# ----------------------------------------------------------------------------------------------
# Graph encodings of arch2vec and CATE.

ARCH2VEC_OPS = ("c_k-2", "c_k-1", *OPS, "output")
"""arch2vec's 11 node labels (``one_hot_darts`` in its ``utils/utils.py``): id = ``OPS`` id + 2."""
CATE_OPS = ("c_k-2", "c_k-1", *OPS[1:], "sum", "output")
"""CATE's 11 node labels (``ops_set`` in ``preprocessing/gen_json_darts.py``): id = ``OPS`` id + 1
for the real ops; ``'none'`` has no label."""
ARCH2VEC_NODES = 2 + NUM_EDGES + 1
CATE_NODES = 2 + 3 * NUM_NODES + 1


def _cell_of(genotype, cell: str, allow_none: bool) -> Cell:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    return getattr(validate(genotype, allow_none=allow_none), cell)


def to_arch2vec(genotype, cell: str = "normal") -> tuple[np.ndarray, np.ndarray]:
    """One cell as arch2vec's 11-node DAG (``preprocessing/gen_isomorphism_graphs.py``).

    Nodes: 0 ``c_{k-2}``, 1 ``c_{k-1}``, ``2 + e`` the op of edge ``e`` (node ``i`` owns op
    nodes ``2 + 2i`` and ``3 + 2i``), 10 the output. An edge taking input 0 or 1 has one
    in-edge from that node; one taking intermediate node ``j`` has in-edges from both op nodes
    of ``j``. All 8 op nodes feed the output.

    Args:
      genotype: the genotype (``'none'`` allowed, arch2vec's vocabulary has it).
      cell: ``'normal'`` or ``'reduce'``.

    Returns:
      ``(adjacency uint8 [11, 11], ops int32 [11])``, op ids into :data:`ARCH2VEC_OPS`.
    """
    edges = _cell_of(genotype, cell, allow_none=True)
    adj = np.zeros((ARCH2VEC_NODES, ARCH2VEC_NODES), np.uint8)
    ops = np.empty(ARCH2VEC_NODES, np.int32)
    ops[0], ops[1], ops[-1] = 0, 1, len(ARCH2VEC_OPS) - 1
    adj[2:-1, -1] = 1
    for e, (op, inp) in enumerate(edges):
        v = 2 + e
        ops[v] = ARCH2VEC_OPS.index(op)
        if inp < 2:
            adj[inp, v] = 1
        else:
            adj[2 + 2 * (inp - 2) : 4 + 2 * (inp - 2), v] = 1
    return adj, ops


def from_arch2vec(adjacency, ops, allow_none: bool = False) -> Cell:
    """The cell (8 ``(op, input)`` pairs) encoded by an arch2vec graph, or raises.

    The inverse of :func:`to_arch2vec`; graphs not of that exact form (e.g. decoder outputs that
    are not cells of the space) raise :class:`InvalidCellError` naming the problem.
    """
    a = np.asarray(adjacency)
    o = np.asarray(ops)
    n = ARCH2VEC_NODES
    if a.shape != (n, n) or o.shape != (n,):
        raise InvalidCellError(
            f"darts/arch2vec: expected adjacency [{n}, {n}] and ops [{n}], "
            f"got {a.shape} and {o.shape}"
        )
    if tuple(o[[0, 1, -1]]) != (0, 1, n - 1):
        raise InvalidCellError("darts/arch2vec: nodes 0, 1, 10 must be c_k-2, c_k-1, output")
    expected_out = np.zeros(n, bool)
    expected_out[2:-1] = True
    if not np.array_equal(a[:, -1] != 0, expected_out):
        raise InvalidCellError("darts/arch2vec: exactly the 8 op nodes must feed the output")
    if a[:, :2].any() or np.tril(a).any():
        raise InvalidCellError("darts/arch2vec: edges into the inputs or not upper-triangular")
    edges = []
    for e in range(NUM_EDGES):
        v, node = 2 + e, e // 2
        op_id = int(o[v])
        if not 2 <= op_id < n - 1:
            raise InvalidCellError(f"darts/arch2vec: op node {v} has label {op_id}, not an op")
        sources = tuple(np.flatnonzero(a[:v, v]).tolist())
        options = {(0,): 0, (1,): 1}
        options.update({(2 + 2 * j, 3 + 2 * j): j + 2 for j in range(node)})
        if sources not in options:
            raise InvalidCellError(
                f"darts/arch2vec: op node {v} (node {node}) has in-edges from {sources}, which "
                "is not one input of the cell"
            )
        edges.append((ARCH2VEC_OPS[op_id], options[sources]))
    cell = tuple(edges)
    msg = _cell_problem(cell, "arch2vec", allow_none)
    if msg is not None:
        raise InvalidCellError(msg)
    return cell


def _cate_op_nodes(node: int) -> tuple[int, int]:
    """CATE's op nodes for node ``i``'s edges ``(2i, 2i+1)``: it puts edge ``2i+1`` first."""
    return 3 + 3 * node, 2 + 3 * node


def _cate_source(inp: int) -> int:
    return inp if inp < 2 else 4 + 3 * (inp - 2)


def _cate_skeleton() -> tuple[np.ndarray, np.ndarray]:
    """CATE's fixed part: input/sum/output labels, op -> sum -> output edges (op labels 0)."""
    n = CATE_NODES
    adj = np.zeros((n, n), np.uint8)
    ops = np.zeros(n, np.int32)
    ops[0], ops[1], ops[-1] = 0, 1, len(CATE_OPS) - 1
    for node in range(NUM_NODES):
        s = 4 + 3 * node
        ops[s] = CATE_OPS.index("sum")
        adj[s - 2 : s, s] = 1
        adj[s, -1] = 1
    return adj, ops


def to_cate(genotype, cell: str = "normal") -> tuple[np.ndarray, np.ndarray]:
    """One cell as CATE's 15-node DAG (``transform_geno_to_nas101_format`` in
    ``preprocessing/gen_json_darts.py``).

    Nodes: 0 ``c_{k-2}``, 1 ``c_{k-1}``; for node ``i`` two op nodes ``2 + 3i`` (edge ``2i+1``,
    CATE's order) and ``3 + 3i`` (edge ``2i``) and the sum node ``4 + 3i``; 14 the output, fed by
    the 4 sum nodes. An op node's single in-edge comes from its input (0, 1, or the sum node of
    an earlier intermediate node).

    Args:
      genotype: the genotype (without ``'none'``, which CATE's vocabulary lacks).
      cell: ``'normal'`` or ``'reduce'``.

    Returns:
      ``(adjacency uint8 [15, 15], ops int32 [15])``, op ids into :data:`CATE_OPS`.
    """
    edges = _cell_of(genotype, cell, allow_none=False)
    adj, ops = _cate_skeleton()
    for node in range(NUM_NODES):
        for e, v in zip((2 * node, 2 * node + 1), _cate_op_nodes(node), strict=True):
            op, inp = edges[e]
            ops[v] = CATE_OPS.index(op)
            adj[_cate_source(inp), v] = 1
    return adj, ops


def from_cate(adjacency, ops) -> Cell:
    """The cell encoded by a CATE graph (inverse of :func:`to_cate`), or raises."""
    a = np.asarray(adjacency)
    o = np.asarray(ops)
    n = CATE_NODES
    if a.shape != (n, n) or o.shape != (n,):
        raise InvalidCellError(
            f"darts/cate: expected adjacency [{n}, {n}] and ops [{n}], got {a.shape} and {o.shape}"
        )
    expected, expected_ops = _cate_skeleton()
    fixed = np.ones((n, n), bool)
    op_nodes = [v for node in range(NUM_NODES) for v in _cate_op_nodes(node)]
    fixed[:, op_nodes] = False
    if not np.array_equal(a[fixed] != 0, expected[fixed] != 0):
        raise InvalidCellError("darts/cate: the fixed edges (op -> sum -> output) do not match")
    keep = np.ones(n, bool)
    keep[op_nodes] = False
    if not np.array_equal(o[keep], expected_ops[keep]):
        raise InvalidCellError("darts/cate: the input, sum and output node labels do not match")
    edges: list[Edge] = [("", 0)] * NUM_EDGES
    for node in range(NUM_NODES):
        for e, v in zip((2 * node, 2 * node + 1), _cate_op_nodes(node), strict=True):
            op_id = int(o[v])
            if not 2 <= op_id < CATE_OPS.index("sum"):
                raise InvalidCellError(f"darts/cate: op node {v} has label {op_id}, not an op")
            sources = np.flatnonzero(a[:, v]).tolist()
            inputs = {_cate_source(i): i for i in range(node + 2)}
            if len(sources) != 1 or sources[0] not in inputs:
                raise InvalidCellError(
                    f"darts/cate: op node {v} (node {node}) has in-edges from {sources}, "
                    "expected one of the cell inputs or an earlier sum node"
                )
            edges[e] = (CATE_OPS[op_id], inputs[sources[0]])
    cell = tuple(edges)
    msg = _cell_problem(cell, "cate", allow_none=False)
    if msg is not None:
        raise InvalidCellError(msg)
    return cell


# ----------------------------------------------------------------------------------------------
# Parameters and FLOPs of the evaluation network.


class Network(NamedTuple):
    """Settings of a DARTS-style CIFAR evaluation network (DARTS's ``NetworkCIFAR``).

    Attributes:
      channels: initial channels ``C`` (cells of stage ``s`` have ``C * 2**s`` per node).
      layers: number of cells; reduction cells at ``layers // 3`` and ``2 * layers // 3``.
      num_classes: classifier outputs.
      image_size: input height = width.
      stem_multiplier: the stem conv outputs ``stem_multiplier * C`` channels.
      cell_bn_affine: whether the batch norms inside the cell ops have scale and offset
        (DARTS: yes; NASLib's NB301 graph: no). Pre-processing and stem BNs always have them.
      pool_bn: whether pooling ops are followed by a (non-affine) batch norm (NASLib: yes).

    No auxiliary head is counted (DARTS excludes it from its parameter count; NASLib's zero-cost
    files were computed without it).
    """

    channels: int = 32
    layers: int = 8
    num_classes: int = 10
    image_size: int = 32
    stem_multiplier: int = 3
    cell_bn_affine: bool = False
    pool_bn: bool = True


NB301_NETWORK = Network()
"""NASLib's ``NasBench301SearchSpace`` network, the one behind ``params`` / ``flops`` of
``zc_nasbench301.json``, sized like the networks trained for NAS-Bench-301: C = 32 (channels
32 / 64 / 128), 8 cells (reductions at cells 2 and 5), stem multiplier 3, 32x32 input,
10 classes, no auxiliary head, non-affine BN inside cell ops, a non-affine BN after each pool."""
DARTS_CIFAR10_NETWORK = Network(channels=36, layers=20, cell_bn_affine=True, pool_bn=False)
"""DARTS's CIFAR-10 evaluation network (``train.py``: C = 36, 20 cells; auxiliary head not
counted)."""

FLOPS_CONVENTIONS = ("naslib", "macs")


class _Costs(NamedTuple):
    """Genotype-independent totals and per-edge tables ``[cell, stride 1/2, op]``."""

    params0: int
    flops0: int
    macs0: int
    params: np.ndarray  # int64 [2, 2, 8]
    flops: np.ndarray
    macs: np.ndarray


def _op_cost(op: str, c: int, h_in: int, stride: int, net: Network) -> tuple[int, int, int]:
    """(params, torchstat FLOPs, MACs) of one cell op on ``c`` channels, ``h_in`` x ``h_in``."""
    h = h_in // stride
    hw_in, hw = h_in * h_in, h * h
    bn_p = 2 * c if net.cell_bn_affine else 0
    bn_f = (2 if net.cell_bn_affine else 1) * c * hw
    if op == "none" or (op == "skip_connect" and stride == 1):
        return 0, 0, 0
    if op in ("max_pool_3x3", "avg_pool_3x3"):
        return 0, 9 * c * hw + (c * hw if net.pool_bn else 0), 0
    if op == "skip_connect":  # FactorizedReduce(C, C): ReLU, two 1x1 convs to C/2, BN
        macs = 2 * c * (c // 2) * hw
        return 2 * c * (c // 2) + bn_p, c * hw_in + macs + bn_f, macs
    k = int(op[-1])
    if op.startswith("sep_conv"):  # twice: ReLU, depthwise kxk, pointwise 1x1, BN
        macs = 2 * (c * k * k * hw + c * c * hw)
        return 2 * (c * k * k + c * c + bn_p), c * hw_in + c * hw + macs + 2 * bn_f, macs
    if op.startswith("dil_conv"):  # ReLU, dilated depthwise kxk, pointwise 1x1, BN
        macs = c * k * k * hw + c * c * hw
        return c * k * k + c * c + bn_p, c * hw_in + macs + bn_f, macs
    raise InvalidCellError(f"darts: unknown op {op!r}")


@functools.lru_cache(maxsize=16)
def _cost_tables(net: Network) -> _Costs:
    reductions = sorted({net.layers // 3, 2 * net.layers // 3})
    if net.layers < 1 or net.image_size % (2 ** len(reductions)) or net.channels % 2:
        raise ValueError(
            f"network {net}: needs >= 1 layer, an even channel count and an image size "
            f"divisible by {2 ** len(reductions)}"
        )
    p0 = f0 = m0 = 0
    tp = np.zeros((2, 2, len(OPS)), np.int64)
    tf, tm = tp.copy(), tp.copy()

    def relu_conv_bn(cin, cout, h):  # ReLU, 1x1 conv, affine BN
        nonlocal p0, f0, m0
        p0 += cin * cout + 2 * cout
        f0 += cin * h * h + cin * cout * h * h + 2 * cout * h * h
        m0 += cin * cout * h * h

    def factorized_reduce(cin, cout, h_in):  # ReLU, two strided 1x1 convs to cout/2, affine BN
        nonlocal p0, f0, m0
        h = h_in // 2
        p0 += 2 * cin * (cout // 2) + 2 * cout
        f0 += cin * h_in * h_in + 2 * cin * (cout // 2) * h * h + 2 * cout * h * h
        m0 += 2 * cin * (cout // 2) * h * h

    h = net.image_size
    c_stem = net.stem_multiplier * net.channels
    p0 += 27 * c_stem + 2 * c_stem
    f0 += 27 * c_stem * h * h + 2 * c_stem * h * h
    m0 += 27 * c_stem * h * h
    c_pp, c_p, c = c_stem, c_stem, net.channels
    h_pp = h_p = h
    reduction_prev = False
    for i in range(net.layers):
        reduction = i in reductions
        if reduction:
            c *= 2
        if reduction_prev:
            factorized_reduce(c_pp, c, h_pp)
        else:
            relu_conv_bn(c_pp, c, h_pp)
        relu_conv_bn(c_p, c, h_p)
        h_out = h_p // 2 if reduction else h_p
        for s, stride in enumerate((1, 2)):
            if stride == 2 and not reduction:
                continue
            h_in = h_p if stride == 2 else h_out
            for o, op in enumerate(OPS):
                dp, df, dm = _op_cost(op, c, h_in, stride, net)
                tp[int(reduction), s, o] += dp
                tf[int(reduction), s, o] += df
                tm[int(reduction), s, o] += dm
        reduction_prev = reduction
        c_pp, c_p = c_p, NUM_NODES * c
        h_pp, h_p = h_p, h_out
    # Global average pool (torchstat counts a (h+1) x (h+1) window per channel), linear layer.
    f0 += c_p * (h_p + 1) ** 2 + c_p * net.num_classes
    m0 += c_p * net.num_classes
    p0 += c_p * net.num_classes + net.num_classes
    return _Costs(p0, f0, m0, tp, tf, tm)


def _check_batch(a: np.ndarray) -> None:
    """Vectorised :func:`check` (``'none'`` allowed) for an int array ``[B, 2, 8, 2]``."""
    ops, inputs = a[..., 0], a[..., 1]
    node = np.arange(NUM_EDGES) // 2
    bad_op = (ops < 0) | (ops >= len(OPS))
    bad_in = (inputs < 0) | (inputs >= node + 2)
    same = inputs[..., 0::2] == inputs[..., 1::2]
    for bad, what in ((bad_op, "unknown op id"), (bad_in, "input out of range")):
        if bad.any():
            b, c, e = np.argwhere(bad)[0]
            raise InvalidCellError(f"darts: genotype {b}: {what} on {CELLS[c]} edge {e}")
    if same.any():
        b, c, i = np.argwhere(same)[0]
        raise InvalidCellError(
            f"darts: genotype {b}: {CELLS[c]} node {i} takes input {inputs[b, c, 2 * i]} twice"
        )


def _as_batch(genotypes) -> tuple[np.ndarray, bool]:
    """``(int [..., 2, 8, 2], single)`` from one genotype or an array / sequence of them."""
    if isinstance(genotypes, np.ndarray) and genotypes.ndim >= 3:
        a = genotypes
        if a.shape[-3:] != (2, NUM_EDGES, 2) or a.dtype.kind not in "iu":
            raise InvalidCellError(
                f"darts: expected an int array [..., 2, 8, 2], got {a.dtype} {a.shape}"
            )
        _check_batch(a.reshape(-1, 2, NUM_EDGES, 2))
        return a, a.ndim == 3
    if isinstance(genotypes, (list, tuple)) and not hasattr(genotypes, "_fields"):
        if not genotypes:
            return np.zeros((0, 2, NUM_EDGES, 2), np.int32), False
        return np.stack([to_array(g) for g in genotypes]), False
    return to_array(genotypes), True


def _lookup(table: np.ndarray, a: np.ndarray) -> np.ndarray:
    ops, inputs = a[..., 0], a[..., 1]
    cell = np.broadcast_to(np.arange(2)[:, None], ops.shape)
    stride = ((cell == 1) & (inputs < 2)).astype(np.int64)
    return table[cell, stride, ops].sum(axis=(-1, -2))


def num_params(genotypes, network: Network = NB301_NETWORK):
    """Trainable parameters, in millions, of the evaluation network built from the genotype.

    With the default :data:`NB301_NETWORK` this is NASLib's count for its NB301 graph (the
    ``params`` of ``zc_nasbench301.json``, reproduced exactly for all 725 genotypes): C = 32,
    8 cells (reductions at cells 2 and 5), stem multiplier 3, no auxiliary head; convolutions
    without bias; BN scale and offset in the stem and in the ReLU-conv1x1-BN / FactorizedReduce
    pre-processing of each cell, none inside cell ops; classifier ``Linear(512, 10)`` with bias.
    :data:`DARTS_CIFAR10_NETWORK` gives DARTS's own count (3.3M for DARTS-V2).

    Args:
      genotypes: one genotype (any form :func:`validate` accepts), a sequence of them, or an
        int array ``[..., 2, 8, 2]``.
      network: the network settings.

    Returns:
      ``float`` for one genotype, else ``float64 [...]``.
    """
    a, single = _as_batch(genotypes)
    t = _cost_tables(network)
    out = (t.params0 + _lookup(t.params, a)) / 1e6
    return float(out) if single else out


def flops(genotypes, network: Network = NB301_NETWORK, convention: str = "naslib"):
    """FLOPs, in millions, of one forward pass of one image through the evaluation network.

    Args:
      genotypes: as for :func:`num_params`.
      network: the network settings (input ``image_size`` x ``image_size``).
      convention: ``'naslib'`` counts with the rules of tensorwatch's torchstat, which produced
        the ``flops`` of NASLib's ``zc_nasbench301.json`` (reproduced exactly for all 725
        genotypes): conv ``k*k*C_in*C_out/groups`` per output position; ReLU 1 per input
        element; BN 1 per element, 2 if affine; pooling ``k*k`` per output element; the global
        average pool as torchstat computes it, ``(h+1)^2`` per channel; linear ``in*out``.
        ``'macs'`` counts only multiply-accumulates of convolutions and the classifier.

    Returns:
      ``float`` for one genotype, else ``float64 [...]``.
    """
    if convention not in FLOPS_CONVENTIONS:
        raise ValueError(f"unknown FLOPs convention {convention!r}; use one of {FLOPS_CONVENTIONS}")
    a, single = _as_batch(genotypes)
    t = _cost_tables(network)
    base_, table = (t.flops0, t.flops) if convention == "naslib" else (t.macs0, t.macs)
    out = (base_ + _lookup(table, a)) / 1e6
    return float(out) if single else out
