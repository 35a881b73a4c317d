"""NAS-Bench-101: cells of at most 7 vertices and 9 edges over three operations.

Cells are ``(adjacency uint8 [7, 7], ops int32 [7])`` (see :mod:`jaxnas.spaces.base`), op ids
into :data:`OPS` = ``(input, conv1x1-bn-relu, conv3x3-bn-relu, maxpool3x3, output)`` (the order
arch2vec and CATE use), padding ``-1``. Functions that take a cell accept ops as these ids or as
the official op strings, padded or not, pruned or not (they prune as NAS-Bench-101's
``ModelSpec`` does).

Main entry points:

* :func:`enumerate_cells` -- all 423,624 unique cells (1 / 6 / 84 / 2,441 / 62,010 / 359,082 with
  2..7 vertices), computed in seconds by a vectorised isomorphism fingerprint.
* :func:`cell_hash` -- the official NAS-Bench-101 module hash; :func:`all_hashes` for every
  enumerated cell (cached on disk after the first call).
* :func:`num_params` / :func:`flops` -- of the NAS-Bench-101 CIFAR-10 network (stem 128 channels,
  3 stacks x 3 cells, channels doubled and max-pool downsampling between stacks).
* :func:`sample`, :func:`mutate`, :func:`neighbours`, :func:`edit_distance`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import jax
import numpy as np

from jaxnas import _cache, io
from jaxnas.spaces import base
from jaxnas.spaces import nb101_hash as _h

OPS = ("input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output")
INPUT, CONV1X1, CONV3X3, MAXPOOL, OUTPUT = range(5)
NUM_VERTICES = 7
MAX_EDGES = 9
SPACE = base.CellSpace(name="nb101", max_vertices=NUM_VERTICES, max_edges=MAX_EDGES, op_names=OPS)

# The official hash labels: input -1, output -2, index in the official canonical op list
# ('conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3') otherwise.
_HASH_LABEL = np.array([-1, 1, 0, 2, -2], dtype=np.int64)

# Network settings of the NAS-Bench-101 CIFAR-10 experiments.
STEM_CHANNELS = 128
NUM_STACKS = 3
CELLS_PER_STACK = 3
NUM_CLASSES = 10
IMAGE_SIZE = 32

InvalidCellError = base.InvalidCellError


# ----------------------------------------------------------------------------------------------
# Validity, pruning, hashing.


def prune(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Prunes vertices not on an input->output path; returns unpadded arrays."""
    return base.prune(SPACE, adjacency, ops)


def check(adjacency, ops) -> str | None:
    """``None`` if the cell is valid after pruning, else a message naming the problem."""
    try:
        a, o = prune(adjacency, ops)
    except InvalidCellError as e:
        return str(e)
    return base.check(SPACE, a, o)


def is_valid(adjacency, ops) -> bool:
    """True if the cell, once pruned, is a valid NAS-Bench-101 cell."""
    return check(adjacency, ops) is None


def validate(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Prunes, checks and returns the unpadded ``(adjacency, ops)`` or raises InvalidCellError."""
    a, o = prune(adjacency, ops)
    return base.validate(SPACE, a, o)


def pad(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Pads an unpadded cell to ``[7, 7]`` / ``[7]``."""
    return base.pad(SPACE, adjacency, ops)


def canonical(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """Validated, pruned and padded ``(adjacency uint8 [7, 7], ops int32 [7])``."""
    return pad(*validate(adjacency, ops))


def cell_hash(adjacency, ops) -> str:
    """The official NAS-Bench-101 hash of a cell (pruned first, as ``ModelSpec`` does).

    Args:
      adjacency: ``[n, n]`` 0/1 upper-triangular matrix (``n <= 7``), padded or not.
      ops: ``[n]`` op names (``'input'``, ``'conv3x3-bn-relu'``, ...) or ids into :data:`OPS`.

    Returns:
      The 32-character md5 hex string used as the key of the NAS-Bench-101 dataset.

    Raises:
      InvalidCellError: naming the problem, for a cell that is not valid in the space.
    """
    a, o = validate(adjacency, ops)
    return _h.official_hash(a, _HASH_LABEL[o])


# ----------------------------------------------------------------------------------------------
# Enumeration.


def _valid_structures(n: int) -> np.ndarray:
    """All ``uint8 [M, n, n]`` upper-triangular matrices with <= 9 edges and every vertex on an
    input->output path (i.e. exactly the cell shapes that prune to ``n`` vertices)."""
    if n == 2:
        return np.ones((1, 2, 2), np.uint8) * np.array([[0, 1], [0, 0]], np.uint8)
    m = n * (n - 1) // 2
    codes = np.arange(2**m, dtype=np.int64)
    bits = ((codes[:, None] >> np.arange(m)) & 1).astype(np.uint8)
    bits = bits[bits.sum(axis=1) <= MAX_EDGES]
    # Bit ``x + y (y - 1) / 2`` is the edge x -> y, as in NAS-Bench-101's ``gen_is_edge_fn``.
    xs = np.array([x for y in range(n) for x in range(y)])
    ys = np.array([y for y in range(n) for x in range(y)])
    a = np.zeros((len(bits), n, n), np.uint8)
    a[:, xs, ys] = bits
    ab = a.astype(bool)
    fwd = np.zeros((len(a), n), bool)
    fwd[:, 0] = True
    for v in range(1, n):
        fwd[:, v] = (fwd[:, :v] & ab[:, :v, v]).any(axis=1)
    bwd = np.zeros((len(a), n), bool)
    bwd[:, n - 1] = True
    for v in range(n - 2, -1, -1):
        bwd[:, v] = (bwd[:, v + 1 :] & ab[:, v, v + 1 :]).any(axis=1)
    return a[(fwd & bwd).all(axis=1)]


# The op order of NAS-Bench-101's generate_graphs.py (labels 0, 1, 2 of the official hash).
_OFFICIAL_ORDER = (CONV3X3, CONV1X1, MAXPOOL)


def _enumerate_n(n: int) -> tuple[np.ndarray, np.ndarray]:
    structures = _valid_structures(n)
    inner = np.array(
        list(itertools.product(_OFFICIAL_ORDER, repeat=n - 2)), dtype=np.int32
    ).reshape(3 ** (n - 2), n - 2)
    labelings = np.concatenate(
        [np.full((len(inner), 1), INPUT), inner, np.full((len(inner), 1), OUTPUT)], axis=1
    ).astype(np.int32)
    adj = np.repeat(structures, len(labelings), axis=0)
    ops = np.tile(labelings, (len(structures), 1))
    fp = _h.wl_fingerprints(adj, _HASH_LABEL[ops], n)
    # First occurrence of each fingerprint, in enumeration order (stable).
    order = np.lexsort((fp[:, 1], fp[:, 0]))
    sfp = fp[order]
    first = np.ones(len(order), bool)
    first[1:] = (sfp[1:] != sfp[:-1]).any(axis=1)
    keep = np.sort(order[first])
    return adj[keep], ops[keep]


@functools.cache
def _enumeration() -> tuple[np.ndarray, np.ndarray]:
    adjs, opss = [], []
    for n in range(2, NUM_VERTICES + 1):
        a, o = _enumerate_n(n)
        pa = np.zeros((len(a), NUM_VERTICES, NUM_VERTICES), np.uint8)
        pa[:, :n, :n] = a
        po = np.full((len(o), NUM_VERTICES), base.PAD, np.int32)
        po[:, :n] = o
        adjs.append(pa)
        opss.append(po)
    adjacency = np.concatenate(adjs)
    ops = np.concatenate(opss)
    adjacency.flags.writeable = False
    ops.flags.writeable = False
    return adjacency, ops


def enumerate_cells() -> tuple[np.ndarray, np.ndarray]:
    """All 423,624 unique NAS-Bench-101 cells.

    The order and the representative of each isomorphism class are those of NAS-Bench-101's
    ``generate_graphs.py``: by number of vertices (2..7), then adjacency bit code, then op
    labelling, keeping the first graph of each official hash. The representative matters: the
    network's parameter count depends on vertex order (channel remainders go to the first
    output-connected vertices), and the dataset's numbers are those of this representative.

    Returns:
      ``(adjacency uint8 [423624, 7, 7], ops int32 [423624, 7])``, padded, read-only.
    """
    return _enumeration()


def num_vertices(ops: np.ndarray) -> np.ndarray:
    """Number of real vertices of padded cells: ``[..., 7] -> [...]``."""
    return (np.asarray(ops) != base.PAD).sum(axis=-1)


_HASH_CACHE_VERSION = 1


@functools.cache
def all_hashes(num_workers: int | None = None) -> np.ndarray:
    """Official hashes of :func:`enumerate_cells`, ``'<U32' [423624]`` (same order).

    Computed once (about 20-40 s on two cores) and cached in the jaxnas cache directory
    (``$JAXNAS_CACHE_DIR``, default ``~/.cache/jaxnas``); the cache is checked against a
    recomputation of a few entries before use.
    """
    adjacency, ops = enumerate_cells()
    path = _cache.derived_path(f"nb101_hashes_v{_HASH_CACHE_VERSION}.npz")
    cached = _cache.load_npz(path)
    if cached is not None and cached.get("hashes") is not None:
        hashes = cached["hashes"]
        probe = np.linspace(0, len(ops) - 1, 7).astype(int)
        if len(hashes) == len(ops) and all(
            hashes[i] == cell_hash(adjacency[i], ops[i]) for i in probe
        ):
            hashes.flags.writeable = False
            return hashes
    hashes = np.asarray(_compute_hashes(adjacency, ops, num_workers), dtype="<U32")
    io.write_npz(path, hashes=hashes)
    hashes.flags.writeable = False
    return hashes


def _compute_hashes(adjacency, ops, num_workers) -> list[str]:
    """Hashes in ``num_workers`` child interpreters (not multiprocessing, which would re-import
    the caller's ``__main__``); falls back to this process for one worker."""
    import os
    import subprocess
    import sys
    import tempfile

    workers = num_workers or min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(ops) < 50_000:
        return _h.official_hashes_batch(adjacency, _HASH_LABEL[ops], num_vertices(ops))
    bounds = np.linspace(0, len(ops), workers + 1).astype(int)
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for w in range(workers):
            s = slice(bounds[w], bounds[w + 1])
            src = os.path.join(tmp, f"in{w}.npz")
            dst = os.path.join(tmp, f"out{w}.npy")
            np.savez(src, a=adjacency[s], l=_HASH_LABEL[ops[s]], n=num_vertices(ops[s]))
            code = f"from jaxnas.spaces.nb101_hash import _worker; _worker({src!r}, {dst!r})"
            procs.append((subprocess.Popen([sys.executable, "-c", code]), dst))
        out = []
        for p, dst in procs:
            if p.wait() != 0:
                raise RuntimeError(f"NB101 hash worker failed with exit code {p.returncode}")
            out.extend(np.load(dst).tolist())
    return out


@functools.cache
def _hash_index() -> dict[str, int]:
    return {h: i for i, h in enumerate(all_hashes().tolist())}


def index_of_hash(hashes: Sequence[str]) -> np.ndarray:
    """Positions in :func:`enumerate_cells` of official hashes (``-1`` for unknown ones)."""
    idx = _hash_index()
    return np.array([idx.get(h, -1) for h in hashes], dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# Parameters and FLOPs of the NAS-Bench-101 CIFAR-10 network.


def _vertex_channels(in_channels: int, out_channels: int, a: np.ndarray) -> list[int]:
    """``compute_vertex_channels`` of the NAS-Bench-101 model builder."""
    n = a.shape[0]
    vc = [0] * n
    vc[0] = in_channels
    vc[n - 1] = out_channels
    if n == 2:
        return vc
    in_degree = a[1:].sum(axis=0)
    interior = out_channels // int(in_degree[n - 1])
    correction = out_channels % int(in_degree[n - 1])
    for v in range(1, n - 1):
        if a[v, n - 1]:
            vc[v] = interior
            if correction:
                vc[v] += 1
                correction -= 1
    for v in range(n - 3, 0, -1):
        if not a[v, n - 1]:
            for dst in range(v + 1, n - 1):
                if a[v, dst]:
                    vc[v] = max(vc[v], vc[dst])
    return vc


class _Cost:
    """Running totals: parameters, conv/linear MACs, batch-norm outputs, max-pool outputs."""

    def __init__(self):
        self.params = self.macs = self.bn = self.pool = 0

    def conv_bn(self, k: int, cin: int, cout: int, hw: int) -> None:
        self.params += k * k * cin * cout + 2 * cout  # kernel (no bias) + BN gamma and beta
        self.macs += k * k * cin * cout * hw * hw
        self.bn += cout * hw * hw


def _cell_cost(cost: _Cost, a, o, cin: int, cout: int, hw: int) -> None:
    n = a.shape[0]
    vc = _vertex_channels(cin, cout, a)
    if n == 2:
        cost.conv_bn(1, cin, cout, hw)
        return
    for t in range(1, n - 1):
        if a[0, t]:
            cost.conv_bn(1, cin, vc[t], hw)  # projection of the cell input
        if o[t] == CONV1X1:
            cost.conv_bn(1, vc[t], vc[t], hw)
        elif o[t] == CONV3X3:
            cost.conv_bn(3, vc[t], vc[t], hw)
        else:
            cost.pool += vc[t] * hw * hw
    if a[0, n - 1]:
        cost.conv_bn(1, cin, cout, hw)


def _network_cost(adjacency, ops) -> _Cost:
    a, o = validate(adjacency, ops)
    cost = _Cost()
    cost.conv_bn(3, 3, STEM_CHANNELS, IMAGE_SIZE)
    stacks = _stack_configs()
    for cin, cout, hw, mult in stacks:
        for _ in range(mult):
            _cell_cost(cost, a, o, cin, cout, hw)
    channels = stacks[-1][1]
    cost.params += channels * NUM_CLASSES + NUM_CLASSES
    cost.macs += channels * NUM_CLASSES
    return cost


def num_params(adjacency, ops) -> int:
    """Trainable parameters of the NAS-Bench-101 CIFAR-10 network built from the cell.

    Equals the ``trainable_parameters`` field of the NAS-Bench-101 dataset (convolutions without
    bias, batch-norm scale and offset, final dense layer with bias). Like the network itself it
    depends on vertex order, not only on the isomorphism class: channel remainders go to the
    first output-connected vertices.
    """
    return _network_cost(adjacency, ops).params


FLOPS_CONVENTIONS = ("macs", "naslib")


def flops(adjacency, ops, convention: str = "macs") -> float:
    """FLOPs (in millions) of one 32x32 forward pass of the NAS-Bench-101 network.

    Args:
      adjacency: the cell's adjacency.
      ops: the cell's ops.
      convention: ``'macs'`` counts multiply-accumulates of convolutions and the classifier;
        ``'naslib'`` is the counting of NASLib's zero-cost benchmark files (``flops`` of
        ``zc_nasbench101.json``): MACs + 3 per batch-norm output + 9 per max-pool output +
        196,608 for the rest of the fixed network (reproduces all 500 cells of that file to
        1e-6 M, see the tests).
    """
    cost = _network_cost(adjacency, ops)
    if convention == "macs":
        return cost.macs / 1e6
    if convention == "naslib":
        return (cost.macs + 3 * cost.bn + 9 * cost.pool + 196_608) / 1e6
    raise ValueError(f"unknown FLOPs convention {convention!r}; use one of {FLOPS_CONVENTIONS}")


# ----------------------------------------------------------------------------------------------
# Sampling, mutation, neighbours, edit distance.


def sample(key: jax.Array) -> tuple[np.ndarray, np.ndarray]:
    """A random valid cell, as NAS-Bench-101's reference random sampler draws them (padded)."""
    return base.sample(SPACE, key)


def mutate(key: jax.Array, adjacency, ops, mutation_rate: float = 1.0):
    """NAS-Bench-101's reference mutation (edge flips and op changes until valid); padded."""
    return base.mutate(SPACE, key, adjacency, ops, mutation_rate)


def neighbours(adjacency, ops) -> tuple[np.ndarray, np.ndarray]:
    """All distinct (by official hash) valid cells one op change or edge flip away; padded."""

    def h(a, o):
        return _h.official_hash(a, _HASH_LABEL[o])

    a, o = validate(adjacency, ops)
    return base.neighbours(SPACE, a, o, dedupe=h)


def edit_distance(cell_a, cell_b) -> int:
    """Exact graph edit distance (edge edits + op substitutions + vertex insertions)."""
    return base.edit_distance(SPACE, validate(*cell_a), validate(*cell_b))


# ----------------------------------------------------------------------------------------------
# Vectorised parameters / FLOPs for many cells at once.


def _stack_configs() -> list[tuple[int, int, int, int]]:
    """(input channels, output channels, spatial size, multiplicity) of the 9 cells."""
    out: dict[tuple[int, int, int], int] = {}
    channels, hw = STEM_CHANNELS, IMAGE_SIZE
    for stack in range(NUM_STACKS):
        cin = channels
        if stack > 0:
            hw //= 2
            channels *= 2
        for _ in range(CELLS_PER_STACK):
            out[(cin, channels, hw)] = out.get((cin, channels, hw), 0) + 1
            cin = channels
    return [(*k, m) for k, m in out.items()]


def costs_batch(adjacency: np.ndarray, ops: np.ndarray) -> dict[str, np.ndarray]:
    """Parameters and FLOPs of many *pruned, padded* cells (e.g. :func:`enumerate_cells`).

    Vertex channels depend only on the adjacency, so they are computed once per distinct
    adjacency and the op-dependent terms are vectorised. Equal to :func:`num_params` /
    :func:`flops` cell by cell (tested), and takes seconds for the whole space.

    Args:
      adjacency: ``uint8 [B, 7, 7]`` pruned, padded cells.
      ops: ``int [B, 7]`` op ids (padding -1).

    Returns:
      dict with ``params`` (int64 [B]), ``flops`` (float64 [B], MACs in millions) and
      ``flops_naslib`` (float64 [B], the ``'naslib'`` convention of :func:`flops`).
    """
    adjacency = np.asarray(adjacency, np.uint8)
    ops = np.asarray(ops)
    b, v = ops.shape
    keys = adjacency.reshape(b, -1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    n_real = (ops != base.PAD).sum(axis=1)
    first = np.zeros(len(uniq), np.int64)
    first[inverse[::-1]] = np.arange(b)[::-1]
    is3 = ops == CONV3X3
    is1 = ops == CONV1X1
    ispool = ops == MAXPOOL
    params = np.zeros(b, np.int64)
    macs = np.zeros(b, np.int64)
    bn = np.zeros(b, np.int64)
    pool = np.zeros(b, np.int64)
    for cin, cout, hw, mult in _stack_configs():
        vc = np.zeros((len(uniq), v), np.int64)
        proj_p = np.zeros(len(uniq), np.int64)
        proj_m = np.zeros(len(uniq), np.int64)
        proj_bn = np.zeros(len(uniq), np.int64)
        for u in range(len(uniq)):
            n = int(n_real[first[u]])
            a = uniq[u].reshape(v, v)[:n, :n]
            ch = _vertex_channels(cin, cout, a)
            vc[u, :n] = ch
            if n == 2:
                targets = [cout]
            else:
                targets = [ch[t] for t in range(1, n - 1) if a[0, t]]
                if a[0, n - 1]:
                    targets.append(cout)
            for c in targets:
                proj_p[u] += cin * c + 2 * c
                proj_m[u] += cin * c * hw * hw
                proj_bn[u] += c * hw * hw
        c = vc[inverse]  # [B, V]
        conv_p = (is3 * (9 * c * c + 2 * c) + is1 * (c * c + 2 * c)).sum(axis=1)
        conv_m = (is3 * 9 * c * c + is1 * c * c).sum(axis=1) * hw * hw
        conv_bn = ((is3 | is1) * c).sum(axis=1) * hw * hw
        params += mult * (proj_p[inverse] + conv_p)
        macs += mult * (proj_m[inverse] + conv_m)
        bn += mult * (proj_bn[inverse] + conv_bn)
        pool += mult * (ispool * c).sum(axis=1) * hw * hw
    final = STEM_CHANNELS * 2 ** (NUM_STACKS - 1)
    params += 9 * 3 * STEM_CHANNELS + 2 * STEM_CHANNELS + final * NUM_CLASSES + NUM_CLASSES
    macs += 9 * 3 * STEM_CHANNELS * IMAGE_SIZE**2 + final * NUM_CLASSES
    bn += STEM_CHANNELS * IMAGE_SIZE**2
    return {
        "params": params,
        "flops": macs / 1e6,
        "flops_naslib": (macs + 3 * bn + 9 * pool + 196_608) / 1e6,
    }


# ----------------------------------------------------------------------------------------------
# Vectorised pruning, fingerprint lookup and neighbour tables over the enumeration.


def prune_batch(
    adjacency: np.ndarray, ops: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prunes many padded cells at once (vertices off every input->output path are dropped).

    Args:
      adjacency: ``uint8 [B, 7, 7]`` upper-triangular; ops: ``int [B, 7]`` (PAD after the real
        vertices, output the last real vertex).

    Returns:
      ``(adjacency [B, 7, 7], ops [B, 7], valid bool [B])`` pruned and padded; ``valid`` is False
      where the output is unreachable or the pruned cell has more than 9 edges.
    """
    a = np.asarray(adjacency, np.uint8)
    o = np.asarray(ops, np.int32)
    b, v = o.shape
    real = o != base.PAD
    n = real.sum(axis=1)
    ab = a.astype(bool)
    fwd = np.zeros((b, v), bool)
    fwd[:, 0] = True
    for j in range(1, v):
        fwd[:, j] = (fwd[:, :j] & ab[:, :j, j]).any(axis=1)
    out_pos = n - 1
    bwd = np.zeros((b, v), bool)
    bwd[np.arange(b), out_pos] = True
    for j in range(v - 2, -1, -1):
        bwd[:, j] |= (bwd[:, j + 1 :] & ab[:, j, j + 1 :]).any(axis=1)
    keep = fwd & bwd & real
    ok = keep[:, 0]
    perm = np.argsort(~keep, axis=1, kind="stable")
    pa = np.take_along_axis(np.take_along_axis(a, perm[:, :, None], 1), perm[:, None, :], 2)
    po = np.take_along_axis(o, perm, 1)
    kept = np.take_along_axis(keep, perm, 1)
    pa = pa * (kept[:, :, None] & kept[:, None, :])
    po = np.where(kept, po, base.PAD).astype(np.int32)
    ok &= pa.reshape(b, -1).sum(axis=1) <= MAX_EDGES
    ok &= kept.sum(axis=1) >= 2
    return pa.astype(np.uint8), po, ok


def fingerprints(adjacency: np.ndarray, ops: np.ndarray) -> np.ndarray:
    """Isomorphism fingerprints ``uint64 [B, 2]`` of pruned, padded cells (any vertex counts).

    Equal rows <=> equal official hashes (see :func:`jaxnas.spaces.nb101_hash.wl_fingerprints`).
    """
    ops = np.asarray(ops)
    nv = num_vertices(ops)
    out = np.zeros((len(ops), 2), np.uint64)
    for n in np.unique(nv):
        sel = np.flatnonzero(nv == n)
        a = np.asarray(adjacency)[sel][:, :n, :n]
        out[sel] = _h.wl_fingerprints(a, _HASH_LABEL[ops[sel][:, :n]], int(n))
    return out


@functools.cache
def _fingerprint_index() -> tuple[np.ndarray, np.ndarray]:
    adjacency, ops = enumerate_cells()
    fp = fingerprints(adjacency, ops)
    order = np.lexsort((fp[:, 1], fp[:, 0]))
    return fp[order], order


def index_of_cells(adjacency: np.ndarray, ops: np.ndarray) -> np.ndarray:
    """Positions in :func:`enumerate_cells` of pruned, padded cells (``-1`` if not found)."""
    sfp, order = _fingerprint_index()
    fp = fingerprints(adjacency, ops)
    # Two-key binary search: first on lane 0, then refine on lane 1 within equal lane-0 runs.
    lo = np.searchsorted(sfp[:, 0], fp[:, 0], side="left")
    hi = np.searchsorted(sfp[:, 0], fp[:, 0], side="right")
    out = np.full(len(fp), -1, np.int64)
    for i in np.flatnonzero(hi > lo):
        j = lo[i] + np.searchsorted(sfp[lo[i] : hi[i], 1], fp[i, 1])
        if j < hi[i] and sfp[j, 1] == fp[i, 1]:
            out[i] = order[j]
    return out


def neighbour_table(indices: np.ndarray | None = None) -> np.ndarray:
    """Enumeration indices of the one-edit neighbours of enumerated cells, vectorised.

    One edit is one inner op changed or one edge flipped in the (pruned) cell; the result is
    pruned, kept if valid, and deduplicated by isomorphism; the cell itself is excluded. This is
    :func:`neighbours` for many cells at once, expressed as rows of :func:`enumerate_cells`.

    Args:
      indices: rows of :func:`enumerate_cells` (default: all 423,624 -- about a minute).

    Returns:
      ``int32 [len(indices), K]`` with ``K = 31`` (10 op changes + 21 edge flips), ``-1`` padded
      (valid neighbours first, in edit order).
    """
    adjacency, ops = enumerate_cells()
    if indices is None:
        indices = np.arange(len(ops))
    indices = np.asarray(indices, np.int64)
    a0, o0 = adjacency[indices], ops[indices]
    b, v = o0.shape
    n = num_vertices(o0)
    cand_a, cand_o, cand_ok = [], [], []
    # Op changes: vertex t (inner, t < n - 1) to each of the other two inner ops.
    for t in range(1, v - 1):
        for shift in (1, 2):
            o = o0.copy()
            cur = o[:, t]
            inner = (t < n - 1) & (cur != base.PAD)
            new = ((cur - 1 + shift) % 3) + 1
            o[:, t] = np.where(inner, new, cur)
            cand_a.append(a0)
            cand_o.append(o)
            cand_ok.append(inner)
    # Edge flips within the real vertices.
    for i in range(v):
        for j in range(i + 1, v):
            a = a0.copy()
            a[:, i, j] ^= 1
            cand_a.append(a)
            cand_o.append(o0)
            cand_ok.append(j < n)
    k = len(cand_a)
    ca = np.stack(cand_a, 1).reshape(b * k, v, v)
    co = np.stack(cand_o, 1).reshape(b * k, v)
    ok = np.stack(cand_ok, 1).reshape(b * k)
    pa, po, valid = prune_batch(ca, co)
    ok &= valid
    idx = np.full(b * k, -1, np.int64)
    idx[ok] = index_of_cells(pa[ok], po[ok])
    idx = idx.reshape(b, k)
    idx[idx == indices[:, None]] = -1
    # Deduplicate within each row, keeping first occurrences (in edit order).
    perm = np.argsort(idx, axis=1, kind="stable")
    sv = np.take_along_axis(idx, perm, 1)
    dup_sorted = np.zeros_like(sv, bool)
    dup_sorted[:, 1:] = sv[:, 1:] == sv[:, :-1]
    dup = np.zeros_like(dup_sorted)
    np.put_along_axis(dup, perm, dup_sorted, 1)
    idx[dup] = -1
    order = np.argsort(idx < 0, axis=1, kind="stable")
    return np.take_along_axis(idx, order, 1).astype(np.int32)
