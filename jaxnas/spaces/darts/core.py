"""The DARTS / NAS-Bench-301 vocabulary and the :class:`Genotype` value (no functions).

The leaf of :mod:`jaxnas.spaces.darts`: every other module of the package imports it.
"""

from __future__ import annotations

from typing import NamedTuple

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
