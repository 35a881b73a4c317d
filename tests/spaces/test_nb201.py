"""Tests of jaxnas.spaces.nb201 against the real NAS-Bench-201 data files."""

import collections
import itertools
import json
import zipfile

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from jaxnas.spaces import nb201
from jaxnas.spaces.base import InvalidCellError

BEST_C10 = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
    "|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
)


@pytest.fixture(scope="module")
def official(data_file):
    """(archs, cifar10 test accuracies) in official order, from tiga1231/nasbench-vis."""
    d = json.loads(data_file("nb201/nasbench_vis_nas-201-arch.json").read_text())
    return d["archs"], np.asarray(d["accuracies"])


@pytest.fixture(scope="module")
def zc(data_file):
    return json.loads(data_file("nb201/naslib_zc_nasbench201.json").read_text())


@pytest.fixture(scope="module")
def zen_cifar10(data_file):
    """NASLib tuple string -> CIFAR-10 val accuracy, all 15,625 cells."""
    out = {}
    with zipfile.ZipFile(data_file("nb201/naslib_nb201_zen.zip")) as zf:
        for name in zf.namelist():
            if name.endswith(".json") and "--cifar10--" in name:
                for row in json.loads(zf.read(name)):
                    out[row["arch"]] = row["val_accuracy"]
    return out


def _naslib_tuple_independent(arch: str) -> str:
    """NASLib's documented conversion, written out independently of the library."""
    naslib_ops = ["skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3"]
    nodes = [[t.split("~")[0] for t in n.strip("|").split("|")] for n in arch.split("+")]
    edges = [(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)]
    return str(tuple(naslib_ops.index(nodes[v - 2][u - 1]) for u, v in edges))


# ----------------------------------------------------------------------------------------------
# Order, enumeration and round trips.


def test_official_order_matches_file(official):
    archs, _ = official
    assert len(archs) == nb201.NUM_ARCHS == 15625
    assert nb201.all_arch_strs() == tuple(archs)


def test_official_order_reference_asserts():
    # The three indices asserted in AutoDL-Projects exps/NAS-Bench-201/main.py.
    s = nb201.all_arch_strs()
    assert s[0] == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+"
        "|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    )
    assert s[9] == "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"
    assert s[123] == (
        "|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"
    )


def test_all_cells_complete_and_readonly():
    cells = nb201.all_cells()
    assert cells.shape == (15625, 6) and cells.dtype == np.int32
    assert len({tuple(c) for c in cells.tolist()}) == 15625
    assert cells.min() == 0 and cells.max() == 4
    with pytest.raises(ValueError):
        cells[0, 0] = 1


def test_round_trips_all_cells(official):
    archs, _ = official
    cells = nb201.all_cells()
    for i, s in enumerate(archs):
        ops = nb201.parse_arch_str(s)
        assert ops == tuple(cells[i])
        assert nb201.arch_str(ops) == s
        assert nb201.index_of(s) == i
        t = nb201.to_naslib(ops)
        assert str(t) == _naslib_tuple_independent(s)
        assert nb201.from_naslib(t) == ops
        assert nb201.from_naslib(str(t)) == ops
    # Vectorised forms agree with the scalar ones.
    np.testing.assert_array_equal(nb201.index_of(cells), np.arange(15625))
    np.testing.assert_array_equal(nb201.from_naslib(nb201.to_naslib(cells)), cells)


def test_naslib_tuples_cover_space(zen_cifar10):
    assert len(zen_cifar10) == 15625
    cells = np.array([nb201.from_naslib(k) for k in zen_cifar10])
    assert len(set(nb201.index_of(cells).tolist())) == 15625


def test_naslib_op_and_edge_order_agree_with_accuracies(official, zen_cifar10):
    """The NASLib mapping is right iff NASLib's accuracies line up with the official ones."""
    archs, test_acc = official
    val = np.array([zen_cifar10[str(nb201.to_naslib(s))] for s in archs])
    rho_right = stats.spearmanr(val, test_acc)[0]
    assert rho_right > 0.95
    # Swapping two ops (none <-> skip_connect) or reading edges in official order breaks it.
    swapped = [
        s.replace("none", "TMP").replace("skip_connect", "none").replace("TMP", "skip_connect")
        for s in archs
    ]
    val_swapped = np.array([zen_cifar10[str(nb201.to_naslib(s))] for s in swapped])
    assert stats.spearmanr(val_swapped, test_acc)[0] < rho_right - 0.2
    perm = [0, 1, 3, 2, 4, 5]  # official edge order read as if it were NASLib's
    val_perm = np.array(
        [
            zen_cifar10[str(nb201.to_naslib(np.asarray(nb201.parse_arch_str(s))[perm]))]
            for s in archs
        ]
    )
    assert stats.spearmanr(val_perm, test_acc)[0] < rho_right - 0.2


# ----------------------------------------------------------------------------------------------
# Params and FLOPs.


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "ImageNet16-120"])
def test_params_flops_vs_naslib(zc, dataset):
    rows = zc[dataset]
    assert len(rows) == (724 if dataset == "ImageNet16-120" else 725)
    keys = list(rows)
    cells = np.array([nb201.from_naslib(k) for k in keys])
    want_p = np.array([rows[k]["params"]["score"] for k in keys])
    want_f = np.array([rows[k]["flops"]["score"] for k in keys])
    got_p = nb201.num_params(cells, dataset)
    got_f = nb201.flops(cells, dataset)
    assert np.max(np.abs(got_p / want_p - 1)) < 1e-3
    assert np.max(np.abs(got_f / want_f - 1)) < 1e-3
    # In fact the counts are exact (the file stores 6 decimals of millions).
    np.testing.assert_allclose(got_p, want_p, rtol=0, atol=1e-6)
    np.testing.assert_allclose(got_f, want_f, rtol=0, atol=1e-6)
    # Scalar and string forms agree with the batch.
    k = keys[0]
    s = nb201.arch_str(nb201.from_naslib(k))
    assert nb201.num_params(s, dataset) == pytest.approx(got_p[0])
    assert nb201.flops(nb201.from_naslib(k), dataset) == pytest.approx(got_f[0])


def test_params_flops_ordering_and_errors():
    small = nb201.num_params("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "cifar10")
    big = nb201.num_params([3] * 6, "cifar10")
    assert small < nb201.num_params([2] * 6, "cifar10") < big
    assert nb201.num_params([4] * 6, "cifar10") == small  # pooling has no parameters
    assert nb201.flops([4] * 6, "cifar10") > nb201.flops([1] * 6, "cifar10")
    assert nb201.flops(BEST_C10, "cifar10-valid") == nb201.flops(BEST_C10, "cifar10")
    with pytest.raises(ValueError, match="unknown dataset"):
        nb201.flops(BEST_C10, "imagenet")


# ----------------------------------------------------------------------------------------------
# Node graph.


def test_node_graph_matches_arch2vec():
    # The literal matrix of arch2vec's preprocessing/nasbench201_json.py (info2mat).
    arch2vec_adj = np.array(
        [
            [0, 1, 1, 0, 1, 0, 0, 0],
            [0, 0, 0, 1, 0, 1, 0, 0],
            [0, 0, 0, 0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0, 0, 0, 1],
            [0, 0, 0, 0, 0, 0, 0, 1],
            [0, 0, 0, 0, 0, 0, 0, 1],
            [0, 0, 0, 0, 0, 0, 0, 0],
        ]
    )
    arch2vec_vocab = {
        "input": 0,
        "nor_conv_1x1": 1,
        "nor_conv_3x3": 2,
        "avg_pool_3x3": 3,
        "skip_connect": 4,
        "none": 5,
        "output": 6,
    }
    adj, ops = nb201.to_node_graph(BEST_C10)
    assert adj.dtype == np.uint8 and adj.shape == (8, 8)
    assert ops.dtype == np.int32 and ops.shape == (8,)
    np.testing.assert_array_equal(adj, arch2vec_adj)
    names = ["input"] + [t.split("~")[0] for t in BEST_C10.replace("+", "").split("|") if t]
    names.append("output")
    np.testing.assert_array_equal(ops, [arch2vec_vocab[n] for n in names])
    assert nb201.from_node_graph(adj, ops) == nb201.parse_arch_str(BEST_C10)


def test_node_graph_batch_and_validity():
    cells = nb201.all_cells()[:50]
    adj, ops = nb201.to_node_graph(cells)
    assert adj.shape == (50, 8, 8) and ops.shape == (50, 8)
    for c, a, o in zip(cells, adj, ops, strict=True):
        assert nb201.from_node_graph(a, o) == tuple(c)
    bad = adj[0].copy()
    bad[0, 3] = 1
    with pytest.raises(InvalidCellError, match="edges"):
        nb201.from_node_graph(bad, ops[0])
    bad = adj[0].copy()
    bad[2, 6], bad[2, 5] = 0, 1  # still 10 edges, all vertices on a path, but not NB201
    with pytest.raises(InvalidCellError, match="fixed NB201 adjacency"):
        nb201.from_node_graph(bad, ops[0])
    bad_ops = ops[0].copy()
    bad_ops[3] = 0  # an 'input' op inside
    with pytest.raises(InvalidCellError):
        nb201.from_node_graph(adj[0], bad_ops)


# ----------------------------------------------------------------------------------------------
# Sampling, mutation, neighbours.


def test_neighbours():
    for cell in nb201.all_cells()[:200]:
        nb = np.asarray(nb201.neighbours(tuple(cell)))
        assert nb.shape == (24, 6) and nb.dtype == np.int32
        assert len({tuple(r) for r in nb.tolist()}) == 24
        assert ((nb != cell).sum(1) == 1).all()
        # Exactly the set of all single-edge changes, built here by brute force.
        want = {
            tuple(cell[:e]) + (o,) + tuple(cell[e + 1 :])
            for e in range(6)
            for o in range(5)
            if o != cell[e]
        }
        assert {tuple(r) for r in nb.tolist()} == want
    np.testing.assert_array_equal(
        jax.jit(nb201.neighbours)(jnp.asarray(nb201.all_cells()[7])),
        nb201.neighbours(nb201.all_cells()[7]),
    )


def test_mutation_changes_exactly_one_edge():
    keys = jax.random.split(jax.random.key(0), 4000)
    cells = nb201.sample(jax.random.key(1), (4000,))
    children = jax.jit(jax.vmap(nb201.mutate))(keys, cells)
    diff = np.asarray(children != cells)
    assert (diff.sum(1) == 1).all()
    # Edge and new op roughly uniform (6 edges; 4 alternative ops).
    edge_counts = np.bincount(diff.argmax(1), minlength=6)
    assert stats.chisquare(edge_counts).pvalue > 1e-4
    # jit/vmap equal to plain calls; strings accepted.
    assert tuple(np.asarray(nb201.mutate(keys[3], cells[3]))) == tuple(np.asarray(children[3]))
    child = nb201.mutate(jax.random.key(5), BEST_C10)
    assert nb201.edit_distance(np.asarray(child), BEST_C10) == 1


def test_sample_uniform():
    cells = np.asarray(nb201.sample(jax.random.key(2), (20000,)))
    assert cells.shape == (20000, 6) and cells.dtype == np.int32
    assert cells.min() == 0 and cells.max() == 4
    counts = np.bincount(cells.ravel(), minlength=5)
    assert stats.chisquare(counts).pvalue > 1e-4
    # Different keys give different samples; the same key the same.
    a = nb201.sample(jax.random.key(3), (10,))
    np.testing.assert_array_equal(a, nb201.sample(jax.random.key(3), (10,)))
    assert not np.array_equal(a, nb201.sample(jax.random.key(4), (10,)))


def test_edit_distance():
    cells = nb201.all_cells()[:100]
    d = nb201.edit_distance(cells[:, None, :], cells[None, :, :])
    assert d.shape == (100, 100) and (np.diag(d) == 0).all() and (d == d.T).all()
    brute = np.array(
        [[sum(x != y for x, y in zip(a, b, strict=True)) for b in cells] for a in cells]
    )
    np.testing.assert_array_equal(d, brute)


# ----------------------------------------------------------------------------------------------
# Errors.


@pytest.mark.parametrize(
    "bad, match",
    [
        ("|none~0|+|none~0|none~1|", "3"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "input edges"),
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "op~0"),
        ("|none|+|none~0|none~1|+|none~0|none~1|none~2|", "op~0"),
        ("none~0+|none~0|none~1|+|none~0|none~1|none~2|", "form"),
        (" |none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "form"),
    ],
)
def test_parse_errors(bad, match):
    with pytest.raises(InvalidCellError, match=match):
        nb201.parse_arch_str(bad)


@pytest.mark.parametrize(
    "bad, match",
    [
        ((0, 1, 2), "6 edge ops"),
        ((0, 1, 2, 3, 4, 5), "unknown op id 5"),
        ((0, 1, 2, 3, 4, -1), "unknown op id -1"),
        (("none",) * 5 + ("conv5x5",), "unknown op 'conv5x5'"),
        ((0, 1, 2, 3, 4, 1.0), "not an op name"),
        (np.zeros(6, np.float32), "integers"),
        (None, "cannot read"),
    ],
)
def test_cell_errors(bad, match):
    with pytest.raises(InvalidCellError, match=match):
        nb201.as_ops(bad)


def test_other_errors():
    with pytest.raises(InvalidCellError, match="str"):
        nb201.parse_arch_str(3)
    with pytest.raises(InvalidCellError, match="NASLib tuple"):
        nb201.from_naslib("(0, 1, 2")
    with pytest.raises(InvalidCellError):
        nb201.from_naslib("(0, 1, 2, 3, 4, 7)")
    with pytest.raises(InvalidCellError, match=r"\[\.\.\., 6\]"):
        nb201.index_of(np.zeros((3, 5), np.int32))
    with pytest.raises(InvalidCellError, match="0..4"):
        nb201.flops(np.full((2, 6), 5), "cifar10")
    with pytest.raises(InvalidCellError):
        nb201.mutate(jax.random.key(0), (0, 1, 2))
    with pytest.raises(InvalidCellError, match="shape"):
        jax.jit(nb201.mutate)(jax.random.key(0), jnp.zeros(5, jnp.int32))
    with pytest.raises(InvalidCellError, match="shape"):
        jax.jit(nb201.neighbours)(jnp.zeros((2, 6), jnp.int32))


def test_names_and_ids_equivalent():
    for ops in itertools.islice(itertools.product(range(5), repeat=6), 0, 15625, 997):
        names = [nb201.OPS[o] for o in ops]
        assert nb201.as_ops(names) == ops == nb201.as_ops(np.array(ops))
        assert nb201.index_of(names) == nb201.index_of(nb201.arch_str(ops))


def test_op_counts_by_position_are_uniform():
    # Sanity: every op appears 3125 times on every edge over the whole space.
    cells = nb201.all_cells()
    for e in range(6):
        assert collections.Counter(cells[:, e].tolist()) == {o: 3125 for o in range(5)}
