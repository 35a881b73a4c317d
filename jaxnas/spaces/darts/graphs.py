"""DARTS cells as the graphs of arch2vec (11 nodes) and CATE (15 nodes), and back."""

from __future__ import annotations

import numpy as np

from jaxnas.spaces.darts.core import CELLS, NUM_EDGES, NUM_NODES, OPS, Cell, Edge, InvalidCellError
from jaxnas.spaces.darts.genotype import _cell_problem, validate

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


def _graph_arrays(adjacency, ops, n: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``(adjacency [n, n], ops [n])`` as arrays, or :class:`InvalidCellError` on other shapes."""
    a, o = np.asarray(adjacency), np.asarray(ops)
    if a.shape != (n, n) or o.shape != (n,):
        raise InvalidCellError(
            f"darts/{what}: expected adjacency [{n}, {n}] and ops [{n}], "
            f"got {a.shape} and {o.shape}"
        )
    return a, o


def from_arch2vec(adjacency, ops, allow_none: bool = False) -> Cell:
    """The cell (8 ``(op, input)`` pairs) encoded by an arch2vec graph, or raises.

    The inverse of :func:`to_arch2vec`; graphs not of that exact form (e.g. decoder outputs that
    are not cells of the space) raise :class:`InvalidCellError` naming the problem.
    """
    n = ARCH2VEC_NODES
    a, o = _graph_arrays(adjacency, ops, n, "arch2vec")
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
    n = CATE_NODES
    a, o = _graph_arrays(adjacency, ops, n, "cate")
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
