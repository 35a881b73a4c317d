"""The text forms of a DARTS genotype: DARTS's ``Genotype(...)`` string and NASLib's compact form.

Grammar only: :func:`parse_string` / :func:`parse_naslib` read the *structure* into a
:class:`~jaxnas.spaces.darts.core.Genotype` (no validity checks), :func:`format_string` /
:func:`format_naslib` write a canonical one. Callers use the validated
:func:`jaxnas.spaces.darts.from_string`, :func:`~jaxnas.spaces.darts.to_string`,
:func:`~jaxnas.spaces.darts.from_naslib`, :func:`~jaxnas.spaces.darts.to_naslib` and
:func:`~jaxnas.spaces.darts.to_naslib_string`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import numpy as np

from jaxnas.spaces.darts.core import (
    _FIELDS,
    CELLS,
    CONCAT,
    NASLIB_OPS,
    NUM_EDGES,
    Cell,
    Genotype,
    InvalidCellError,
)

# ----------------------------------------------------------------------------------------------
# DARTS strings.


def _cell_str(cell: Cell) -> str:
    return "[" + ", ".join(f"({op!r}, {inp})" for op, inp in cell) + "]"


def format_string(g: Genotype) -> str:
    """The string DARTS prints for a canonical genotype (lists of pairs, ``range(2, 6)``)."""
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


def parse_string(text: str) -> Genotype:
    """Parses DARTS's genotype string without ``eval`` (structure only, not validated).

    Accepts ``Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=...)`` with
    keyword or positional fields (also ``genotypes.Genotype(...)``), cells as lists or tuples of
    ``(op, input)`` pairs, and concats as ``range(2, 6)`` or ``[2, 3, 4, 5]``. Only literals and
    ``range`` calls are evaluated.

    Raises:
      InvalidCellError: for text that is not such an expression.
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
    return Genotype(*(_literal(fields[f], f) for f in _FIELDS))


# ----------------------------------------------------------------------------------------------
# NASLib's compact form.


def format_naslib(g: Genotype) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """NASLib's compact form of a canonical genotype without ``'none'``: per cell 8
    ``(input, op index into NASLIB_OPS)`` pairs."""
    return tuple(
        tuple((inp, NASLIB_OPS.index(op)) for op, inp in getattr(g, name)) for name in CELLS
    )


def parse_naslib(compact) -> Genotype:
    """The structure of NASLib's compact form or its string (not validated).

    Args:
      compact: ``((input, op), ...) x 2`` nested sequences, or their string as stored in NASLib's
        files (``"(((0, 6), ...), (...))"`` in ``archs_nasbench301.json``, ``"[[(0, 0), ...],
        [...]]"`` as keys of ``zc_nasbench301.json``).

    Raises:
      InvalidCellError: for a value that is not of that form or an op index out of range.
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
    return Genotype(cells[0], CONCAT, cells[1], CONCAT)


def naslib_string(compact, style: str = "tuple") -> str:
    """NASLib's compact form as the strings of its files.

    Args:
      compact: the compact form (:func:`format_naslib`).
      style: ``'tuple'`` for ``archs_nasbench301.json``'s ``"(((0, 6), ...), (...))"``,
        ``'list'`` for the keys of ``zc_nasbench301.json``, ``"[[(0, 0), ...], [...]]"``.
    """
    if style == "tuple":
        return str(compact)
    if style == "list":
        return str([list(cell) for cell in compact])
    raise ValueError(f"unknown style {style!r}; use 'tuple' or 'list'")
