"""Tests of jaxnas.encodings against independent per-cell references and known answers."""

import functools
import itertools

import jax
import jax.numpy as jnp
import jraph
import numpy as np
import pytest

from jaxnas import encodings as enc
from jaxnas.encodings import adjacency as adj_enc
from jaxnas.encodings import path as path_enc
from jaxnas.encodings import tokens as tokens_mod
from jaxnas.spaces import base, nb101

# ----------------------------------------------------------------------------------------------
# Fixtures and per-cell references (written independently of the vectorised code, after
# naszilla's Cell101 / Cell201 and NASLib's encodings_nb101).

NAMES = ("input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output")


def _random_cells(num: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random valid NB101 cells, pruned and padded, of all sizes (2..7 vertices)."""
    rng = np.random.default_rng(seed)
    adjs, opss = [], []
    while len(adjs) < num:
        v = int(rng.integers(2, 8))
        a = np.triu(rng.random((v, v)) < rng.uniform(0.2, 0.7), 1).astype(np.uint8)
        if v == 7 and rng.random() < 0.8:  # dense random matrices rarely give valid 7-vertex cells
            a[:] = 0
            for u in range(1, 6):  # one edge into and one out of every inner vertex
                a[rng.integers(0, u), u] = a[u, rng.integers(u + 1, 7)] = 1
            for _ in range(int(rng.integers(0, 4))):
                i, j = sorted(rng.choice(7, 2, replace=False))
                a[i, j] = 1
        o = np.concatenate([[0], rng.integers(1, 4, v - 2), [4]]).astype(np.int32)
        try:
            pa, po = nb101.prune(a, o)
        except base.InvalidCellError:
            continue
        if base.check(nb101.SPACE, pa, po) is None:
            a7, o7 = nb101.pad(pa, po)
            adjs.append(a7)
            opss.append(o7)
    return np.stack(adjs), np.stack(opss)


@pytest.fixture(scope="module")
def cells():
    a, o = _random_cells(1500, seed=0)
    sizes = set((o != -1).sum(axis=1).tolist())
    assert sizes == {2, 3, 4, 5, 6, 7}
    return a, o


def _unpad(a, o):
    n = int((o != -1).sum())
    return a[:n, :n], [NAMES[i] for i in o[:n]]


def ref_convert_to_cell(a, o):
    """naszilla Cell101.convert_to_cell: output to index 6, blank vertices in between."""
    m, ops = _unpad(a, o)
    n = m.shape[0]
    new = np.zeros((7, 7), np.int64)
    new_ops = []
    for i in range(7):
        for j in range(7):
            if j < n - 1 and i < n:
                new[i][j] = m[i][j]
            elif j == n - 1 and i < n:
                new[i][-1] = m[i][j]
    for i in range(7):
        if i < n - 1:
            new_ops.append(ops[i])
        elif i < 6:
            new_ops.append(None)  # missing vertex
        else:
            new_ops.append("output")
    return new, new_ops


def ref_adjacency(a, o):
    """(one-hot, categorical, continuous) of one NB101 cell, in plain Python."""
    m, ops = ref_convert_to_cell(a, o)
    bits, edge_list = [], []
    for i in range(6):
        for j in range(i + 1, 7):
            if m[i][j]:
                edge_list.append(len(bits))
            bits.append(int(m[i][j]))
    one_hot = list(bits)
    cat_ops, cont_ops = [], []
    for i in range(1, 6):
        one_hot += [int(ops[i] == name) for name in NAMES[1:4]]
        cat_ops.append(NAMES.index(ops[i]) if ops[i] else -1)
        cont_ops.append(
            {"conv1x1-bn-relu": 0.0, "conv3x3-bn-relu": 0.5, "maxpool3x3": 1.0, None: 0.5}[ops[i]]
        )
    categorical = edge_list + [-1] * (9 - len(edge_list)) + cat_ops
    continuous = bits + cont_ops + [sum(bits)]
    return one_hot, categorical, continuous


def ref_paths(a, o):
    """NASLib get_paths + get_path_indices on the unpadded cell (no layout change needed)."""
    m, ops = _unpad(a, o)
    n = m.shape[0]
    paths = [[[]] if m[0][j] else [] for j in range(n)]
    for i in range(1, n - 1):
        for j in range(1, n):
            if m[i][j]:
                for p in paths[i]:
                    paths[j].append([*p, ops[i]])
    mapping = {"conv3x3-bn-relu": 0, "conv1x1-bn-relu": 1, "maxpool3x3": 2}
    idx = [sum(3**i * (mapping[op] + 1) for i, op in enumerate(p)) for p in paths[-1]]
    return sorted(idx)


def ref_path_encodings(a, o, cutoff=364):
    idx = [i for i in ref_paths(a, o) if i < cutoff]
    one_hot = np.zeros(cutoff)
    counts = np.zeros(cutoff)
    for i in idx:
        one_hot[i] = 1
        counts[i] += 1
    return one_hot, counts, idx + [-1] * (path_enc.NB101_MAX_PATHS - len(idx))


NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
NASZILLA_OPS = ["avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3", "none", "skip_connect"]


def ref_nb201_path_indices(cell):
    """naszilla Cell201.get_path_indices, starting from the arch string."""
    names = [NB201_OPS[i] for i in cell]
    s = "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*names)
    tokens = s.split("|")
    ops = [t.split("~")[0] for i, t in enumerate(tokens) if i not in [0, 2, 5, 9]]
    out = []
    for i, blueprint in enumerate([[3], [0, 4], [1, 5], [0, 2, 5]]):
        index = 0 if i == 0 else (5 if i in (1, 2) else 30)
        for j, e in enumerate(blueprint):
            index += NASZILLA_OPS.index(ops[e]) * 5**j
        out.append(index)
    return out


@pytest.fixture(scope="module")
def nb201_cells():
    return np.array(list(itertools.product(range(5), repeat=6)), np.int32)


# ----------------------------------------------------------------------------------------------
# NB101 adjacency encodings.


def test_fixed_layout_known_cell():
    # in -> conv3x3 -> out, plus in -> out: 3 vertices.
    a = np.zeros((7, 7), np.uint8)
    a[0, 1] = a[1, 2] = a[0, 2] = 1
    o = np.array([0, 2, 4, -1, -1, -1, -1], np.int32)
    la, lo = adj_enc.nb101_fixed_layout(a, o)
    expect = np.zeros((7, 7), np.uint8)
    expect[0, 1] = expect[1, 6] = expect[0, 6] = 1
    np.testing.assert_array_equal(la, expect)
    np.testing.assert_array_equal(lo, [0, 2, -1, -1, -1, -1, 4])
    one_hot = adj_enc.nb101_one_hot(a, o)
    # Edge slots (0,1) = 0, (0,6) = 5, (1,6) = 10; vertex 1 conv3x3 -> 21 + 1.
    assert one_hot.shape == (36,)
    np.testing.assert_array_equal(np.flatnonzero(one_hot), [0, 5, 10, 22])
    np.testing.assert_array_equal(
        adj_enc.nb101_categorical(a, o), [0, 5, 10, -1, -1, -1, -1, -1, -1, 2, -1, -1, -1, -1]
    )
    cont = adj_enc.nb101_continuous(a, o)
    np.testing.assert_allclose(cont[21:], [0.5, 0.5, 0.5, 0.5, 0.5, 3.0])


def test_nb101_adjacency_matches_reference(cells):
    a, o = cells
    one_hot = adj_enc.nb101_one_hot(a, o)
    cat = adj_enc.nb101_categorical(a, o)
    cont = adj_enc.nb101_continuous(a, o)
    assert one_hot.shape == (len(o), 36) and one_hot.dtype == np.float32
    assert cat.shape == (len(o), 14) and cat.dtype == np.int32
    assert cont.shape == (len(o), 27) and cont.dtype == np.float32
    for i in range(len(o)):
        r1, r2, r3 = ref_adjacency(a[i], o[i])
        np.testing.assert_array_equal(one_hot[i], r1, err_msg=f"cell {i}")
        np.testing.assert_array_equal(cat[i], r2, err_msg=f"cell {i}")
        np.testing.assert_allclose(cont[i], r3, err_msg=f"cell {i}")


def test_nb101_seven_vertex_layout_is_identity(cells):
    a, o = cells
    full = (o != -1).all(axis=1)
    la, lo = adj_enc.nb101_fixed_layout(a[full], o[full])
    np.testing.assert_array_equal(la, a[full])
    np.testing.assert_array_equal(lo, o[full])


def test_leading_shapes(cells):
    a, o = cells
    a6, o6 = a[:6].reshape(2, 3, 7, 7), o[:6].reshape(2, 3, 7)
    for name in enc.encoding_names("nb101"):
        batch = enc.encode("nb101", name, (a[:6], o[:6]))
        np.testing.assert_array_equal(
            enc.encode("nb101", name, (a6, o6)), batch.reshape(2, 3, -1), err_msg=name
        )
        np.testing.assert_array_equal(enc.encode("nb101", name, (a[4], o[4])), batch[4])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="7, 7"):
        adj_enc.nb101_one_hot(np.zeros((6, 6)), np.zeros(6, int))
    with pytest.raises(ValueError, match="nb201"):
        adj_enc.nb201_one_hot(np.zeros((3, 5), int))
    with pytest.raises(ValueError, match="0..4"):
        adj_enc.nb201_one_hot(np.full((3, 6), 5))


# ----------------------------------------------------------------------------------------------
# NB101 path encodings.


def _cell(edges, inner_ops):
    n = len(inner_ops) + 2
    a = np.zeros((n, n), np.uint8)
    for i, j in edges:
        a[i, j] = 1
    return nb101.pad(a, np.array([0, *inner_ops, 4], np.int32))


def test_nb101_path_known_answers():
    c1, c3, mp = 1, 2, 3
    # in -> out only: the empty path, index 0.
    a, o = _cell([(0, 1)], [])
    np.testing.assert_array_equal(path_enc.nb101_categorical(a, o), [0] + [-1] * 7)
    # in -> conv1x1 -> maxpool -> out: index 3^0 * 2 + 3^1 * 3 = 11.
    a, o = _cell([(0, 1), (1, 2), (2, 3)], [c1, mp])
    assert np.flatnonzero(path_enc.nb101_one_hot(a, o)).tolist() == [11]
    # Diamond in -> {conv3x3, conv3x3} -> out, plus in -> out: paths 0, 1, 1.
    a, o = _cell([(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)], [c3, c3])
    np.testing.assert_array_equal(path_enc.nb101_categorical(a, o)[:4], [0, 1, 1, -1])
    counts = path_enc.nb101_continuous(a, o)
    assert counts[0] == 1 and counts[1] == 2 and counts.sum() == 3
    np.testing.assert_array_equal(np.flatnonzero(path_enc.nb101_one_hot(a, o)), [0, 1])
    # Longest path: 5 maxpools in a chain -> sum_{i<5} 3^i * 3 = 363 (the last index).
    a, o = _cell([(i, i + 1) for i in range(6)], [mp] * 5)
    assert np.flatnonzero(path_enc.nb101_one_hot(a, o)).tolist() == [363]
    assert path_enc.nb101_one_hot(a, o, cutoff=40).sum() == 0  # 5 ops: truncated away
    assert path_enc.NB101_NUM_PATHS == 364


def test_nb101_paths_match_reference(cells):
    a, o = cells
    one_hot = path_enc.nb101_one_hot(a, o)
    counts = path_enc.nb101_continuous(a, o)
    cat = path_enc.nb101_categorical(a, o)
    t_one_hot = path_enc.nb101_one_hot(a, o, cutoff=40)
    t_counts = path_enc.nb101_continuous(a, o, cutoff=40)
    t_cat = path_enc.nb101_categorical(a, o, cutoff=40)
    assert one_hot.shape == counts.shape == (len(o), 364)
    assert cat.shape == (len(o), 8) and cat.dtype == np.int32
    assert t_one_hot.shape == (len(o), 40)
    for i in range(len(o)):
        r1, r2, r3 = ref_path_encodings(a[i], o[i])
        np.testing.assert_array_equal(one_hot[i], r1, err_msg=f"cell {i}")
        np.testing.assert_array_equal(counts[i], r2, err_msg=f"cell {i}")
        np.testing.assert_array_equal(cat[i], r3, err_msg=f"cell {i}")
        r1, r2, r3 = ref_path_encodings(a[i], o[i], cutoff=40)
        np.testing.assert_array_equal(t_one_hot[i], r1, err_msg=f"cell {i}")
        np.testing.assert_array_equal(t_counts[i], r2, err_msg=f"cell {i}")
        np.testing.assert_array_equal(t_cat[i], r3, err_msg=f"cell {i}")
    # Truncation = the first 40 columns (paths with at most 3 ops).
    np.testing.assert_array_equal(t_one_hot, one_hot[:, :40])


def test_nb101_path_categorical_width_checked(cells):
    a, o = cells
    with pytest.raises(ValueError, match="categorical width"):
        path_enc.nb101_categorical(a, o, width=2)
    with pytest.raises(ValueError, match="cutoff"):
        path_enc.nb101_one_hot(a, o, cutoff=365)


@pytest.mark.slow
def test_nb101_whole_space():
    """All 423,624 cells: path counts vs matrix-power path counting, the categorical width, and
    the per-cell references on a stride subset."""
    a, o = nb101.enumerate_cells()
    counts = path_enc.nb101_continuous(a, o, dtype=np.int16)
    one_hot = path_enc.nb101_one_hot(a, o, dtype=np.uint8)
    np.testing.assert_array_equal(one_hot, counts > 0)
    # Number of input->output paths = sum_k (A^k)[0, out], on the unpadded layout.
    n = (o != -1).sum(axis=1)
    m = a.astype(np.int64)
    power, total = m, np.zeros(len(o), np.int64)
    for _ in range(6):
        total += power[np.arange(len(o)), 0, n - 1]
        power = power @ m
    np.testing.assert_array_equal(counts.sum(axis=1), total)
    assert total.max() == path_enc.NB101_MAX_PATHS
    cat = path_enc.nb101_categorical(a, o)
    np.testing.assert_array_equal((cat >= 0).sum(axis=1), total)
    oh = adj_enc.nb101_one_hot(a, o)
    np.testing.assert_array_equal(oh[:, :21].sum(axis=1), a.sum(axis=(1, 2)))
    for i in range(0, len(o), 211):
        r1, r2, r3 = ref_path_encodings(a[i], o[i])
        np.testing.assert_array_equal(counts[i], r2, err_msg=f"cell {i}")
        np.testing.assert_array_equal(cat[i], r3, err_msg=f"cell {i}")
        np.testing.assert_array_equal(oh[i], ref_adjacency(a[i], o[i])[0], err_msg=f"cell {i}")


# ----------------------------------------------------------------------------------------------
# NB201.


def test_nb201_adjacency(nb201_cells):
    c = nb201_cells
    one_hot = adj_enc.nb201_one_hot(c)
    assert one_hot.shape == (15625, 30)
    for i in range(0, len(c), 97):
        expect = [int(c[i, e] == k) for e in range(6) for k in range(5)]
        np.testing.assert_array_equal(one_hot[i], expect)
    np.testing.assert_array_equal(adj_enc.nb201_categorical(c), c)
    np.testing.assert_allclose(adj_enc.nb201_continuous(c), c / 4)


def test_nb201_paths_match_naszilla(nb201_cells):
    c = nb201_cells
    idx = path_enc.nb201_path_indices(c)
    ref = np.array([ref_nb201_path_indices(cell) for cell in c])
    np.testing.assert_array_equal(idx, ref)
    one_hot = path_enc.nb201_one_hot(c)
    counts = path_enc.nb201_continuous(c)
    assert one_hot.shape == (15625, 155)
    for i in range(0, len(c), 53):
        expect = np.zeros(155)
        expect[ref[i]] = 1
        np.testing.assert_array_equal(one_hot[i], expect)
        np.testing.assert_array_equal(np.flatnonzero(counts[i]), np.unique(ref[i]))
    np.testing.assert_array_equal(counts.sum(axis=1), 4)
    np.testing.assert_array_equal(path_enc.nb201_categorical(c), np.sort(ref, axis=1))
    np.testing.assert_array_equal(path_enc.nb201_one_hot(c, cutoff=30), one_hot[:, :30])
    t_cat = path_enc.nb201_categorical(c, cutoff=30)
    np.testing.assert_array_equal((t_cat >= 0).sum(axis=1), (np.sort(ref, axis=1) < 30).sum(1))


def test_nb201_known_answer():
    # All 'none': digit 3 everywhere; paths 3, 5+3+15 (twice), 30+3+15+75.
    cell = np.zeros(6, np.int32)
    np.testing.assert_array_equal(path_enc.nb201_path_indices(cell), [3, 23, 23, 123])
    counts = path_enc.nb201_continuous(cell)
    assert counts[23] == 2 and counts.sum() == 4


# ----------------------------------------------------------------------------------------------
# Registry.


def test_registry(cells, nb201_cells):
    a, o = cells
    names = (
        "adjacency_one_hot adjacency_categorical adjacency_continuous path_one_hot "
        "path_categorical path_continuous path_truncated path_categorical_truncated "
        "path_continuous_truncated"
    ).split()
    dims = dict(zip(names, (36, 14, 27, 364, 8, 364, 40, 8, 40), strict=True))
    assert set(enc.encoding_names("nb101")) == set(dims)
    for name, d in dims.items():
        assert enc.encode("nb101", name, (a, o)).shape == (len(o), d), name
    dims201 = dict(zip(names, (30, 6, 6, 155, 4, 155, 30, 4, 30), strict=True))
    assert set(enc.encoding_names("nb201")) == set(dims201)
    for name, d in dims201.items():
        assert enc.encode("nb201", name, nb201_cells[:10]).shape == (10, d), name
    np.testing.assert_array_equal(
        enc.encode("nb101", "path_truncated", (a, o)), path_enc.nb101_one_hot(a, o)[:, :40]
    )
    assert enc.encode("nb101", "path_one_hot", (a, o), dtype=np.uint8).dtype == np.uint8
    with pytest.raises(KeyError, match="nb999"):
        enc.encode("nb999", "path_one_hot", (a, o))
    with pytest.raises(KeyError, match="known"):
        enc.encode("nb101", "no_such_encoding", (a, o))


# ----------------------------------------------------------------------------------------------
# Graph batches.


def test_dense_batch(cells):
    a, o = cells
    d = enc.dense_batch(a[:50], o[:50], num_ops=5)
    assert d.adjacency.shape == (50, 7, 7) and d.adjacency.dtype == np.float32
    assert d.nodes.shape == (50, 7, 5) and d.node_mask.shape == (50, 7)
    for i in range(50):
        n = int((o[i] != -1).sum())
        np.testing.assert_array_equal(d.node_mask[i], [1] * n + [0] * (7 - n))
        np.testing.assert_array_equal(d.nodes[i].sum(axis=1), d.node_mask[i])
        np.testing.assert_array_equal(d.nodes[i, :n].argmax(axis=1), o[i, :n])
    s = enc.dense_batch(a[:50], o[:50], num_ops=5, symmetric=True)
    np.testing.assert_array_equal(s.adjacency, a[:50] + np.swapaxes(a[:50], 1, 2))


def _reference_batch(a, o, idx, num_ops, symmetric, budget):
    """jraph.batch_np of per-cell GraphsTuples + jraph.pad_with_graphs."""
    graphs = []
    for i in idx:
        n = int((o[i] != -1).sum())
        src, dst = np.nonzero(a[i, :n, :n])
        if symmetric:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        graphs.append(
            jraph.GraphsTuple(
                nodes=np.eye(num_ops, dtype=np.float32)[o[i, :n]],
                edges=None,
                senders=src.astype(np.int32),
                receivers=dst.astype(np.int32),
                globals=None,
                n_node=np.array([n], np.int32),
                n_edge=np.array([len(src)], np.int32),
            )
        )
    return jraph.pad_with_graphs(jraph.batch_np(graphs), *budget)


@pytest.mark.parametrize("symmetric", [False, True])
def test_graphs_tuple_matches_jraph(cells, symmetric):
    a, o = cells
    store = enc.graph_store(a, o, num_ops=5, symmetric=symmetric)
    assert store.senders.shape == (len(o), 18 if symmetric else 9)
    for i in (0, 5, 77):  # forward edges in row-major order, then (if symmetric) the reverses
        src, dst = np.nonzero(a[i])
        k = len(src)
        assert store.n_edge[i] == (2 * k if symmetric else k)
        np.testing.assert_array_equal(store.senders[i, :k], src)
        np.testing.assert_array_equal(store.receivers[i, :k], dst)
        if symmetric:
            np.testing.assert_array_equal(store.senders[i, k : 2 * k], dst)
            np.testing.assert_array_equal(store.receivers[i, k : 2 * k], src)
    idx = np.array([3, 17, 3, 250, 999, 0, 42, 1234])
    budget = enc.batch_budget(store, len(idx))
    assert budget == (8 * 7 + 1, 8 * store.senders.shape[1], 9)
    ref = _reference_batch(a, o, idx, 5, symmetric, budget)
    # Edges within a cell may come in a different order; compare as sorted (graph, s, r).
    jitted = jax.jit(enc.graphs_tuple)
    for g in (enc.graphs_tuple(store, idx), jitted(jax.tree.map(jnp.asarray, store), idx)):
        np.testing.assert_array_equal(g.nodes, ref.nodes)
        np.testing.assert_array_equal(g.n_node, ref.n_node)
        np.testing.assert_array_equal(g.n_edge, ref.n_edge)
        assert g.senders.shape == ref.senders.shape == (budget[1],)

        def rows(x):
            return sorted(
                zip(*(np.asarray(v).tolist() for v in (x.senders, x.receivers)), strict=True)
            )

        assert rows(g) == rows(ref)
        node_mask, edge_mask, graph_mask = enc.padding_masks(g)
        np.testing.assert_array_equal(node_mask, jraph.get_node_padding_mask(ref))
        np.testing.assert_array_equal(edge_mask, jraph.get_edge_padding_mask(ref))
        np.testing.assert_array_equal(graph_mask, jraph.get_graph_padding_mask(ref))


def test_graphs_tuple_aggregation_matches_dense(cells):
    """A segment_sum GIN-style aggregation on the GraphsTuple equals A~ X on dense arrays."""
    a, o = cells
    store = jax.tree.map(jnp.asarray, enc.graph_store(a, o, num_ops=5, symmetric=True))
    idx = jnp.arange(100, 132)
    traces = []

    @jax.jit
    def aggregate(store, idx):
        traces.append(1)
        g = enc.graphs_tuple(store, idx)
        msg = jraph.segment_sum(g.nodes[g.senders], g.receivers, g.nodes.shape[0])
        readout = jraph.segment_sum(msg, enc.node_graph_index(g), num_segments=g.n_node.shape[0])
        return readout[:-1]

    out = aggregate(store, idx)
    aggregate(store, idx + 7)
    assert len(traces) == 1  # a new batch of the same size does not recompile
    d = enc.dense_batch(a[100:132], o[100:132], num_ops=5, symmetric=True)
    expect = np.einsum("bij,bjv->biv", d.adjacency, d.nodes).sum(axis=1)
    np.testing.assert_allclose(out, expect)


def test_graph_store_rejects_bad_padding():
    a = np.zeros((1, 3, 3), np.uint8)
    with pytest.raises(ValueError, match="after all real"):
        enc.graph_store(a, np.array([[0, -1, 4]]), num_ops=5)
    a[0, 0, 2] = 1
    with pytest.raises(ValueError, match="no edges|not have edges"):
        enc.graph_store(a, np.array([[0, 4, -1]]), num_ops=5)
    with pytest.raises(ValueError, match="max_edges"):
        enc.graph_store(a, np.array([[0, 1, 4]]), num_ops=5, max_edges=0)


# ----------------------------------------------------------------------------------------------
# Tokens and transitive closure.


def _dfs_reach(a):
    n = a.shape[0]
    out = np.zeros((n, n), bool)
    for s in range(n):
        stack, seen = [s], {s}
        while stack:
            u = stack.pop()
            for v in np.flatnonzero(a[u]):
                if v not in seen:
                    seen.add(int(v))
                    stack.append(int(v))
        out[s, list(seen)] = True
    return out


def _random_dags(rng, b, n):
    """Random DAGs in random vertex order (not upper-triangular), plus some cyclic digraphs."""
    a = np.triu(rng.random((b, n, n)) < 0.3, 1)
    perm = np.argsort(rng.random((b, n)), axis=1)
    a = np.take_along_axis(np.take_along_axis(a, perm[:, :, None], 1), perm[:, None, :], 2)
    cyc = (rng.random((b // 4, n, n)) < 0.15) & ~np.eye(n, dtype=bool)
    return np.concatenate([a, cyc]).astype(np.uint8)


def test_transitive_closure_matches_dfs():
    rng = np.random.default_rng(1)
    for n in (1, 2, 7, 9):
        a = _random_dags(rng, 64, n)
        expect = np.stack([_dfs_reach(x) for x in a])
        refl = functools.partial(enc.transitive_closure, reflexive=True)
        np.testing.assert_array_equal(refl(a), expect)
        np.testing.assert_array_equal(jax.jit(refl)(a), expect)
        np.testing.assert_array_equal(jax.vmap(refl)(a), expect)
        strict = jax.jit(enc.transitive_closure)(a)  # CATE's floyed(): no self-loops (default)
        # Without reflexivity a vertex reaches itself only on a cycle.
        on_cycle = np.stack([np.diag((x.astype(int) @ _dfs_reach(x)) > 0) for x in a])
        np.testing.assert_array_equal(np.diagonal(strict, axis1=1, axis2=2), on_cycle)
        off = ~np.eye(n, dtype=bool)
        np.testing.assert_array_equal(np.asarray(strict) & off, expect & off)
    # Nested leading dimensions.
    a = _random_dags(rng, 8, 7)[:8].reshape(2, 4, 7, 7)
    np.testing.assert_array_equal(
        enc.transitive_closure(a),
        np.asarray(enc.transitive_closure(a.reshape(8, 7, 7))).reshape(a.shape),
    )


def test_token_batch(cells):
    a, o = cells
    a, o = a[:64], o[:64]
    assert (enc.pad_id(5), enc.mask_id(5), enc.vocab_size(5)) == (0, 1, 5)  # CATE's ids
    assert (enc.pad_id(5, "distinct"), enc.mask_id(5, "distinct")) == (5, 6)
    assert enc.vocab_size(5, "distinct") == 7
    tb = jax.jit(enc.token_batch, static_argnums=(2, 3, 4))(a, o, 5, True, "distinct")
    ref = enc.token_batch(a, o, 5)
    direct = enc.token_batch(a, o, 5, indirect=False)
    assert tb.tokens.dtype == jnp.int32 and tb.attention_mask.shape == (64, 7, 7)
    off = ~np.eye(7, dtype=bool)
    for i in range(64):
        n = int((o[i] != -1).sum())
        np.testing.assert_array_equal(tb.tokens[i], [*o[i, :n], *[5] * (7 - n)])
        np.testing.assert_array_equal(ref.tokens[i], [*o[i, :n], *[0] * (7 - n)])
        real = np.arange(7) < n
        np.testing.assert_array_equal(tb.token_mask[i], real)
        # CATE's floyed(): reachability by paths of length >= 1 (a DAG: no diagonal).
        reach = _dfs_reach(a[i]) & off & real[:, None] & real[None, :]
        np.testing.assert_array_equal(tb.attention_mask[i], reach)
        d = a[i].astype(bool) & real[:, None] & real[None, :]
        np.testing.assert_array_equal(direct.attention_mask[i], d)
        # Every real vertex but the output reaches it; the output row and padding rows are empty
        # (-> uniform attention over all positions in the model).
        m = np.asarray(tb.attention_mask[i])
        assert m[: n - 1, n - 1].all() and m[0, 1:n].all()
        assert not m[n - 1 :].any()
    assert not np.asarray(tb.tokens == enc.mask_id(5, "distinct")).any()
    bias = np.asarray(tokens_mod.attention_bias(tb.attention_mask))
    assert set(np.unique(bias)) <= {0.0, -1e9}


def test_pair_attention_mask():
    mx = np.array([[True, True, False]])
    my = np.array([[True, False]])
    m = np.asarray(enc.pair_attention_mask(mx, my))
    real = np.array([True, True, False, True, False])
    np.testing.assert_array_equal(m[0], real[:, None] & real[None, :])


# ----------------------------------------------------------------------------------------------
# The benchmark binary.


@pytest.mark.slow
def test_benchmark_smoke(run_binary):
    args = "--num_cells=3000 --loop_cells=100 --repeats=1".split()
    r = run_binary("experiments.benchmarks.encode_nb101", *args, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "| nb101 path_truncated |" in r.stdout
    assert "per-cell Python loop" in r.stdout
