"""NAS-Bench-201: a cell of 4 nodes and 6 edges, each edge carrying one of 5 operations.

A cell is a length-6 sequence of op ids into :data:`OPS`, in the order of the official arch string
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``, i.e. on the edges :data:`EDGES` (node 0 is the cell
input, node 3 its output)::

    ops = parse_arch_str("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+"
                         "|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
    # ops == (3, 3, 4, 1, 3, 1)

Every one of the ``5**6 = 15,625`` sequences is a member of the space. Functions taking a cell
accept an arch string, a sequence of 6 op names or ids, or an integer array ``[6]``; where noted
they also take batches ``[..., 6]`` (or a sequence of arch strings).

Provenance (read, not copied):

* the official index order is ``CellStructure.gen_all`` of D-X-Y/AutoDL-Projects
  (``lib/models/cell_searchs/genotypes.py``: ops enumerated edge by edge in arch-string order, the
  first edge most significant) followed by ``random.seed(88); random.shuffle(archs)``
  (``exps/NAS-Bench-201/main.py``, ``generate_meta_info``, commit 22025887);
* the NASLib op-index tuples follow ``naslib/search_spaces/nasbench201/conversions.py``
  (edges ``(1,2),(1,3),(1,4),(2,3),(2,4),(3,4)`` in 1-based node numbers; op index 0 skip_connect,
  1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3);
* the 8-node ops-on-nodes graph and its vocabulary follow arch2vec
  (AIoT-MLSys-Lab/arch2vec ``preprocessing/nasbench201_json.py``, ``info2mat``);
* the network for params/FLOPs is ``TinyNetwork`` + ``InferCell`` + ``ResNetBasicblock`` of
  AutoDL-Projects (``lib/models/cell_infers``); FLOPs are counted as NASLib's
  ``zc_nasbench201.json`` counts them (tensorwatch's torchstat rules, see :func:`flops`).
"""

from __future__ import annotations

import ast
import functools
import itertools
import random
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.spaces import base
from jaxnas.spaces.base import InvalidCellError

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""Official op names; a cell's op ids index this tuple."""

NUM_OPS = len(OPS)
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
"""``(source, target)`` node pairs (0-based) of the 6 edges, in arch-string order."""

NUM_EDGES = len(EDGES)
NUM_ARCHS = NUM_OPS**NUM_EDGES  # 15,625

NASLIB_OPS: tuple[str, ...] = (
    "skip_connect",
    "none",
    "nor_conv_3x3",
    "nor_conv_1x1",
    "avg_pool_3x3",
)
"""NASLib's op order: a NASLib tuple's entries index this tuple."""

NASLIB_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
"""NASLib's edge order (0-based here; NASLib writes them 1-based: (1,2), (1,3), (1,4), ...)."""

DATASETS: tuple[str, ...] = ("cifar10", "cifar10-valid", "cifar100", "ImageNet16-120")
"""Datasets of NAS-Bench-201; ``cifar10-valid`` uses the same network as ``cifar10``."""

NODE_OPS: tuple[str, ...] = (
    "input",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "none",
    "output",
)
"""Vocabulary of the 8-node graph of :func:`to_node_graph` (arch2vec's order)."""

# Derived index maps (computed, not typed in).
_TO_NASLIB_OP = np.array([NASLIB_OPS.index(o) for o in OPS], np.int32)
_FROM_NASLIB_OP = np.array([OPS.index(o) for o in NASLIB_OPS], np.int32)
_NASLIB_POS = np.array([EDGES.index(e) for e in NASLIB_EDGES], np.int32)  # naslib p -> official
_OFFICIAL_POS = np.array([NASLIB_EDGES.index(e) for e in EDGES], np.int32)  # official -> naslib
_NODE_OP_ID = np.array([NODE_OPS.index(o) for o in OPS], np.int32)
_LEX_WEIGHTS = NUM_OPS ** np.arange(NUM_EDGES - 1, -1, -1)  # first edge most significant


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _fixed_node_adjacency() -> np.ndarray:
    """Adjacency of the line graph: input -> edge ops -> output (vertex ``1 + e`` is edge ``e``)."""
    n = NUM_EDGES + 2
    a = np.zeros((n, n), np.uint8)
    for e, (src, dst) in enumerate(EDGES):
        if src == 0:
            a[0, 1 + e] = 1
        if dst == 3:
            a[1 + e, n - 1] = 1
        for f, (src2, _) in enumerate(EDGES):
            if src2 == dst:
                a[1 + e, 1 + f] = 1
    return _readonly(a)


NODE_ADJACENCY: np.ndarray = _fixed_node_adjacency()
"""``uint8 [8, 8]``: the fixed adjacency of every cell's 8-node graph (read-only)."""


def _check_node_adjacency(adjacency: np.ndarray, ops: np.ndarray) -> str | None:
    if adjacency.shape != NODE_ADJACENCY.shape or not np.array_equal(adjacency, NODE_ADJACENCY):
        return "nb201: the 8-node graph must have the fixed NB201 adjacency (NODE_ADJACENCY)"
    return None


NODE_SPACE = base.CellSpace(
    name="nb201",
    max_vertices=NUM_EDGES + 2,
    max_edges=int(NODE_ADJACENCY.sum()),
    op_names=NODE_OPS,
    extra_check=_check_node_adjacency,
)
"""The 8-node graphs as a :class:`~jaxnas.spaces.base.CellSpace` (``base.check`` etc. apply)."""


# ----------------------------------------------------------------------------------------------
# Parsing and conversion.


def parse_arch_str(s: str) -> tuple[int, ...]:
    """Parses an official arch string into 6 op ids (arch-string edge order).

    Raises:
      InvalidCellError: naming the problem for a non-string, a wrong number of nodes or edges, a
        malformed ``op~k`` token, a wrong source index or an unknown op.
    """
    if not isinstance(s, str):
        raise InvalidCellError(f"nb201: an arch string must be a str, got {type(s).__name__}")
    nodes = s.split("+")
    if len(nodes) != 3:
        raise InvalidCellError(
            f"nb201: arch string {s!r} has {len(nodes)} '+'-separated nodes, expected 3"
        )
    ops = []
    for j, node in enumerate(nodes, start=1):
        if len(node) < 2 or node[0] != "|" or node[-1] != "|":
            raise InvalidCellError(
                f"nb201: node {j} of {s!r} is {node!r}, expected the form '|op~0|...|'"
            )
        tokens = node[1:-1].split("|")
        if len(tokens) != j:
            raise InvalidCellError(
                f"nb201: node {j} of {s!r} has {len(tokens)} input edges, expected {j}"
            )
        for k, tok in enumerate(tokens):
            name, sep, src = tok.partition("~")
            if not sep or src != str(k):
                raise InvalidCellError(
                    f"nb201: edge token {tok!r} of node {j} in {s!r} must be 'op~{k}'"
                )
            if name not in OPS:
                raise InvalidCellError(f"nb201: unknown op {name!r} in {s!r}; ops are {OPS}")
            ops.append(OPS.index(name))
    return tuple(ops)


def arch_str(cell) -> str:
    """The official arch string of a cell (any form accepted by :func:`as_ops`)."""
    n = [OPS[o] for o in as_ops(cell)]
    return f"|{n[0]}~0|+|{n[1]}~0|{n[2]}~1|+|{n[3]}~0|{n[4]}~1|{n[5]}~2|"


def as_ops(cell) -> tuple[int, ...]:
    """Normalises one cell to a tuple of 6 op ids.

    Args:
      cell: an arch string, a sequence of 6 op names or op ids, or an integer array ``[6]``.

    Raises:
      InvalidCellError: wrong length, unknown op name or id, malformed string.
    """
    if isinstance(cell, str):
        return parse_arch_str(cell)
    if isinstance(cell, (np.ndarray, jax.Array)):
        a = np.asarray(cell)
        if a.dtype.kind not in "iu":
            raise InvalidCellError(f"nb201: op ids must be integers, got dtype {a.dtype}")
        if a.ndim != 1:
            raise InvalidCellError(f"nb201: a cell has shape [6], got {a.shape}")
        items = a.tolist()
    elif isinstance(cell, Sequence):
        items = list(cell)
    else:
        raise InvalidCellError(f"nb201: cannot read a cell from {type(cell).__name__}")
    if len(items) != NUM_EDGES:
        raise InvalidCellError(f"nb201: a cell has {NUM_EDGES} edge ops, got {len(items)}")
    out = []
    for e, op in enumerate(items):
        if isinstance(op, str):
            if op not in OPS:
                raise InvalidCellError(f"nb201: unknown op {op!r} on edge {e}; ops are {OPS}")
            out.append(OPS.index(op))
        elif isinstance(op, (int, np.integer)) and not isinstance(op, bool):
            if not 0 <= op < NUM_OPS:
                raise InvalidCellError(
                    f"nb201: unknown op id {op} on edge {e}; ids are 0..{NUM_OPS - 1} ({OPS})"
                )
            out.append(int(op))
        else:
            raise InvalidCellError(f"nb201: edge {e} holds {op!r}, not an op name or id")
    return tuple(out)


def _as_jax_cell(cell) -> jax.Array:
    """``int32 [6]`` for the jittable functions; validates host values, checks traced shapes."""
    if not isinstance(cell, jax.core.Tracer):
        cell = np.asarray(as_ops(cell), np.int32)
    if cell.shape != (NUM_EDGES,):
        raise InvalidCellError(f"nb201: a cell has shape [6], got {cell.shape}")
    return jnp.asarray(cell, jnp.int32)


def _as_batch(cells) -> tuple[np.ndarray, bool]:
    """``(int32 [..., 6], is_single)`` from one cell or a batch (array or sequence of cells)."""
    if isinstance(cells, (np.ndarray, jax.Array)) and np.ndim(cells) >= 2:
        a = np.asarray(cells)
        if a.dtype.kind not in "iu":
            raise InvalidCellError(f"nb201: op ids must be integers, got dtype {a.dtype}")
        if a.shape[-1] != NUM_EDGES:
            raise InvalidCellError(f"nb201: cells must have shape [..., 6], got {a.shape}")
        if a.size and (a.min() < 0 or a.max() >= NUM_OPS):
            raise InvalidCellError(f"nb201: op ids must be in 0..{NUM_OPS - 1} ({OPS})")
        return a.astype(np.int32), False
    if (
        isinstance(cells, Sequence)
        and not isinstance(cells, str)
        and len(cells) > 0
        and (
            "|" in cells[0]
            if isinstance(cells[0], str)
            else isinstance(cells[0], (Sequence, np.ndarray))
        )
    ):
        return np.array([as_ops(c) for c in cells], np.int32).reshape(-1, NUM_EDGES), False
    return np.array(as_ops(cells), np.int32), True


def to_naslib(cells):
    """Converts cells to NASLib op-index tuples (NASLib edge order and op indices).

    Args:
      cells: one cell (any form of :func:`as_ops`) or a batch ``[..., 6]``.

    Returns:
      ``tuple[int, ...]`` of length 6 for one cell, else ``int32 [..., 6]``.
    """
    a, single = _as_batch(cells)
    out = _TO_NASLIB_OP[a[..., _NASLIB_POS]]
    return tuple(int(x) for x in out) if single else out


def from_naslib(t):
    """Converts NASLib op-index tuples to cells (official op ids, arch-string edge order).

    Args:
      t: a NASLib tuple/list of 6 ints, its string form as used for keys in NASLib's json files
        (e.g. ``"(0, 2, 3, 2, 3, 1)"``), or a batch ``int [..., 6]``.

    Returns:
      ``tuple[int, ...]`` for one tuple, else ``int32 [..., 6]``.
    """
    if isinstance(t, str):
        try:
            t = ast.literal_eval(t)
        except (ValueError, SyntaxError):
            raise InvalidCellError(f"nb201: {t!r} is not a NASLib tuple string") from None
        if not isinstance(t, tuple) or any(not isinstance(x, int) for x in t):
            raise InvalidCellError(f"nb201: NASLib tuple must hold ints, got {t!r}")
    a, single = _as_batch(t)
    out = _FROM_NASLIB_OP[a[..., _OFFICIAL_POS]]
    return tuple(int(x) for x in out) if single else out


# ----------------------------------------------------------------------------------------------
# Enumeration in the official order.


@functools.cache
def _official_order() -> tuple[np.ndarray, np.ndarray]:
    """``(lex_rank_of_index int32 [15625], index_of_lex_rank int32 [15625])``.

    Lexicographic rank ``r`` is the position in ``itertools.product(range(5), repeat=6)`` (first
    edge most significant) = ``CellStructure.gen_all``'s order; the official order shuffles it
    with Python's ``random.seed(88); random.shuffle`` (a private ``random.Random(88)`` here).
    """
    ranks = list(range(NUM_ARCHS))
    random.Random(88).shuffle(ranks)
    lex_of_index = np.array(ranks, np.int32)
    index_of_lex = np.empty(NUM_ARCHS, np.int32)
    index_of_lex[lex_of_index] = np.arange(NUM_ARCHS, dtype=np.int32)
    return _readonly(lex_of_index), _readonly(index_of_lex)


@functools.cache
def all_cells() -> np.ndarray:
    """All 15,625 cells in the official NAS-Bench-201 API index order: ``int32 [15625, 6]``."""
    lex = np.array(list(itertools.product(range(NUM_OPS), repeat=NUM_EDGES)), np.int32)
    return _readonly(lex[_official_order()[0]])


@functools.cache
def all_arch_strs() -> tuple[str, ...]:
    """The 15,625 official arch strings, in official API index order."""
    return tuple(arch_str(c) for c in all_cells())


def index_of(cells):
    """Official API index of cells.

    Args:
      cells: one cell (arch string, names, ids) or a batch ``[..., 6]`` / sequence of strings.

    Returns:
      ``int`` for one cell, else ``int32 [...]``.
    """
    a, single = _as_batch(cells)
    idx = _official_order()[1][a @ _LEX_WEIGHTS]
    return int(idx) if single else idx


def edit_distance(cells_a, cells_b):
    """Number of edges whose ops differ (the NB201 edit distance); batches broadcast."""
    a, single_a = _as_batch(cells_a)
    b, single_b = _as_batch(cells_b)
    d = (a != b).sum(-1)
    return int(d) if single_a and single_b else d


# ----------------------------------------------------------------------------------------------
# The 8-node ops-on-nodes graph (arch2vec / CATE).


def to_node_graph(cells) -> tuple[np.ndarray, np.ndarray]:
    """The ops-on-nodes graph of arch2vec and CATE: input, one vertex per edge op, output.

    Vertex 0 is the input, vertex ``1 + e`` carries the op of edge ``EDGES[e]`` (arch-string
    order), vertex 7 the output. Edges run input -> ops on edges leaving cell node 0, op -> op when
    the first edge ends where the second starts, and op -> output for edges into cell node 3; the
    adjacency is the same for every cell (:data:`NODE_ADJACENCY`, equal to arch2vec's).

    Args:
      cells: one cell or a batch ``[..., 6]``.

    Returns:
      ``(adjacency uint8 [..., 8, 8], node_ops int32 [..., 8])`` with ids into :data:`NODE_OPS`.
    """
    a, _ = _as_batch(cells)
    lead = a.shape[:-1]
    node_ops = np.concatenate(
        [
            np.zeros((*lead, 1), np.int32),
            _NODE_OP_ID[a],
            np.full((*lead, 1), NODE_OPS.index("output"), np.int32),
        ],
        axis=-1,
    )
    adjacency = np.broadcast_to(NODE_ADJACENCY, (*lead, *NODE_ADJACENCY.shape)).copy()
    return adjacency, node_ops


def from_node_graph(adjacency, node_ops) -> tuple[int, ...]:
    """Inverse of :func:`to_node_graph` for one graph.

    Raises:
      InvalidCellError: the adjacency is not :data:`NODE_ADJACENCY`, or the ops are not
        ``input, 6 edge ops, output`` (e.g. a decoded graph that is not an NB201 cell).
    """
    a, o = base.validate(NODE_SPACE, adjacency, node_ops)
    if o.shape[0] != NUM_EDGES + 2:
        raise InvalidCellError(f"nb201: the node graph needs 8 vertices, got {o.shape[0]}")
    return tuple(OPS.index(NODE_OPS[int(i)]) for i in o[1:-1])


# ----------------------------------------------------------------------------------------------
# Sampling, mutation, neighbours (pure JAX: jit / vmap friendly).


def sample(key: jax.Array, shape: tuple[int, ...] = ()) -> jax.Array:
    """Uniformly random cells: ``int32 [*shape, 6]`` (every op sequence is a valid cell)."""
    return jax.random.randint(key, (*shape, NUM_EDGES), 0, NUM_OPS, dtype=jnp.int32)


def mutate(key: jax.Array, cell) -> jax.Array:
    """Changes the op of one uniformly chosen edge to a uniformly chosen *different* op.

    This is NASLib's NB201 mutation (edge uniform over the 6; AutoDL's REA instead picks a node,
    then one of its incoming edges). Jittable; vmap over keys/cells for batches.

    Args:
      key: a PRNG key.
      cell: ``int [6]`` op ids (or any form of :func:`as_ops` when not traced).

    Returns:
      ``int32 [6]``, differing from ``cell`` in exactly one edge.
    """
    cell = _as_jax_cell(cell)
    k_edge, k_op = jax.random.split(key)
    edge = jax.random.randint(k_edge, (), 0, NUM_EDGES)
    shift = jax.random.randint(k_op, (), 1, NUM_OPS)
    return cell.at[edge].set((cell[edge] + shift) % NUM_OPS)


def neighbours(cell) -> jax.Array:
    """All 24 cells one edge-op change away: ``int32 [24, 6]``.

    Row ``4 * e + j`` changes edge ``e`` to the ``j``-th op id (ascending) other than its current
    one. Jittable.
    """
    cell = _as_jax_cell(cell)
    k = NUM_OPS - 1
    edges = jnp.repeat(jnp.arange(NUM_EDGES), k)
    j = jnp.tile(jnp.arange(k), NUM_EDGES)
    new_op = j + (j >= cell[edges]).astype(jnp.int32)
    rows = jnp.broadcast_to(cell, (NUM_EDGES * k, NUM_EDGES))
    return rows.at[jnp.arange(NUM_EDGES * k), edges].set(new_op)


# ----------------------------------------------------------------------------------------------
# Parameters and FLOPs of the NB201 network.

_STEM_CHANNELS = 16
_CELLS_PER_STAGE = 5
_DATASET_SHAPES = {  # num_classes, input side (square images)
    "cifar10": (10, 32),
    "cifar10-valid": (10, 32),
    "cifar100": (100, 32),
    "ImageNet16-120": (120, 16),
}


# Per-layer (params, FLOPs per image), with the counting rules of tensorwatch's torchstat that
# produced NASLib's zc_nasbench201.json. NB201 convs have no bias; BNs are affine.
def _conv(c_in: int, c_out: int, k: int, h_out: int) -> tuple[int, int]:
    return k * k * c_in * c_out, k * k * c_in * c_out * h_out * h_out


def _bn(c: int, h: int) -> tuple[int, int]:  # weight + bias; 2 FLOPs per element
    return 2 * c, 2 * c * h * h


def _relu(c: int, h: int) -> tuple[int, int]:
    return 0, c * h * h


def _avg_pool(c: int, h_out: int, k: int) -> tuple[int, int]:
    return 0, c * h_out * h_out * k * k


def _global_avg_pool(c: int, h: int) -> tuple[int, int]:  # torchstat: (h+1)^2 window
    return 0, c * (h + 1) * (h + 1)


def _linear(c_in: int, c_out: int) -> tuple[int, int]:  # bias counted in params, not FLOPs
    return c_in * c_out + c_out, c_in * c_out


def _total(costs: list[tuple[int, int]]) -> tuple[int, int]:
    return sum(p for p, _ in costs), sum(f for _, f in costs)


@functools.cache
def _cost_tables(dataset: str) -> tuple[int, np.ndarray, int, np.ndarray]:
    """``(base_params, per_op_params int64 [5], base_flops, per_op_flops int64 [5])``.

    Totals are ``base + sum over the 6 edges of per_op[op]`` (every cell of the network has the
    same ops). Walks the official NB201 network (``TinyNetwork``, C=16, N=5): stem conv3x3 + BN;
    three stages of 5 cells with C = 16, 32, 64 separated by ``ResNetBasicblock`` reductions
    (ReLU-conv3x3(stride 2)-BN, ReLU-conv3x3-BN, shortcut avgpool2x2 + conv1x1); then BN + ReLU,
    global average pooling and a linear classifier. In a cell, ``nor_conv_kxk`` is
    ReLU-conv-BN, ``avg_pool_3x3`` a parameter-free 3x3 average pool (C_in == C_out), and
    ``skip_connect`` and ``none`` cost nothing.
    """
    if dataset not in _DATASET_SHAPES:
        raise ValueError(f"nb201: unknown dataset {dataset!r}; known: {DATASETS}")
    num_classes, h = _DATASET_SHAPES[dataset]
    c = _STEM_CHANNELS
    base = [_conv(3, c, 3, h), _bn(c, h)]
    per_op: list[list[tuple[int, int]]] = [[] for _ in OPS]
    for stage in range(3):
        if stage > 0:
            c_out, h_out = 2 * c, h // 2
            base += [_relu(c, h), _conv(c, c_out, 3, h_out), _bn(c_out, h_out)]  # conv_a
            base += [_relu(c_out, h_out), _conv(c_out, c_out, 3, h_out), _bn(c_out, h_out)]
            base += [_avg_pool(c, h_out, 2), _conv(c, c_out, 1, h_out)]  # shortcut
            c, h = c_out, h_out
        for _ in range(_CELLS_PER_STAGE):
            for name, k in (("nor_conv_1x1", 1), ("nor_conv_3x3", 3)):
                per_op[OPS.index(name)] += [_relu(c, h), _conv(c, c, k, h), _bn(c, h)]
            per_op[OPS.index("avg_pool_3x3")].append(_avg_pool(c, h, 3))
    base += [_bn(c, h), _relu(c, h), _global_avg_pool(c, h), _linear(c, num_classes)]
    p0, f0 = _total(base)
    op_totals = np.array([_total(costs) for costs in per_op], np.int64)  # [5, 2]
    return p0, _readonly(op_totals[:, 0].copy()), f0, _readonly(op_totals[:, 1].copy())


def num_params(cells, dataset: str):
    """Trainable parameters of the NB201 network, in millions (1e6).

    Counts every ``nn.Parameter`` of the official network (conv weights, no conv biases; BN
    weight and bias; classifier weight and bias), as NAS-Bench-201's ``params``.

    Args:
      cells: one cell (arch string, names, ids) or a batch ``[..., 6]`` / sequence of strings.
      dataset: one of :data:`DATASETS`.

    Returns:
      ``float`` for one cell, else ``float64 [...]``.
    """
    return _network_total(cells, dataset, "params")


def flops(cells, dataset: str):
    """FLOPs of one forward pass of one image through the NB201 network, in millions (1e6).

    Counted with the rules of tensorwatch's torchstat, which produced the ``flops`` of NASLib's
    ``zc_nasbench201.json``: conv ``k*k*C_in*C_out`` per output position; BN (affine) 2 and ReLU
    1 per element; average pools ``k*k`` per output element (the global pool, as torchstat
    computes it, a ``(h+1) x (h+1)`` window per channel); linear ``in*out`` (bias not counted).

    Args:
      cells: one cell (arch string, names, ids) or a batch ``[..., 6]`` / sequence of strings.
      dataset: one of :data:`DATASETS`.

    Returns:
      ``float`` for one cell, else ``float64 [...]``.
    """
    return _network_total(cells, dataset, "flops")


def _network_total(cells, dataset: str, what: str):
    """Network total of ``what`` (``'params'`` / ``'flops'``), in millions, per cell."""
    a, single = _as_batch(cells)
    p0, p_op, f0, f_op = _cost_tables(dataset)
    base_, per_op = (p0, p_op) if what == "params" else (f0, f_op)
    out = (base_ + per_op[a].sum(-1)) / 1e6
    return float(out) if single else out
