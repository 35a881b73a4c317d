"""NB101 space: checked against the official hashes and parameter counts in the real data."""

import json
import struct
import zipfile

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxnas.spaces import InvalidCellError, nb101

# The example cell of the NAS-Bench-101 README.
README_ADJ = np.array(
    [
        [0, 1, 1, 1, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ]
)
README_OPS = [
    "input",
    "conv1x1-bn-relu",
    "conv3x3-bn-relu",
    "conv3x3-bn-relu",
    "conv3x3-bn-relu",
    "maxpool3x3",
    "output",
]


def _read_tfrecord_rows(path):
    """Independent minimal TFRecord reader (framing only, no CRC check) -> JSON rows."""
    raw = path.read_bytes()
    pos, rows = 0, []
    while pos < len(raw):
        (n,) = struct.unpack("<Q", raw[pos : pos + 8])
        rows.append(json.loads(raw[pos + 12 : pos + 12 + n]))
        pos += 16 + n
    return rows


def _tfrecord_cells(path):
    cells = {}
    for h, _epochs, adj, ops, _metrics in _read_tfrecord_rows(path):
        n = len(ops.split(","))
        a = np.array([int(c) for c in adj]).reshape(n, n)
        cells[h] = (a, ops.split(","))
    return cells


@pytest.fixture(scope="module")
def cells():
    return nb101.enumerate_cells()


def test_enumeration_counts(cells):
    adjacency, ops = cells
    assert adjacency.shape == (423_624, 7, 7) and ops.shape == (423_624, 7)
    counts = np.bincount(nb101.num_vertices(ops), minlength=8)[2:]
    assert counts.tolist() == [1, 6, 84, 2_441, 62_010, 359_082]
    assert adjacency.dtype == np.uint8 and not adjacency.flags.writeable


def test_enumerated_cells_are_valid(cells):
    adjacency, ops = cells
    rng = np.random.default_rng(0)
    for i in rng.choice(len(ops), 300, replace=False):
        assert nb101.check(adjacency[i], ops[i]) is None
        a, o = nb101.validate(adjacency[i], ops[i])
        assert len(o) == nb101.num_vertices(ops[i])  # already pruned
    # Strictly upper-triangular, at most 9 edges, padding has no edges.
    assert not np.tril(adjacency).any()
    assert adjacency.reshape(len(ops), -1).sum(axis=1).max() == 9


def test_hash_accepts_names_and_ids():
    h = nb101.cell_hash(README_ADJ, README_OPS)
    assert h == nb101.cell_hash(README_ADJ, [0, 1, 2, 2, 2, 3, 4])
    assert len(h) == 32


@pytest.mark.parametrize("name", ["energy_4V9E.tfrecord", "energy_5V9E.tfrecord"])
def test_hash_matches_official_tfrecords(data_file, name):
    stored = _tfrecord_cells(data_file(f"nb101/{name}"))
    assert len(stored) in (91, 2_532)
    for h, (a, ops) in stored.items():
        assert nb101.cell_hash(a, ops) == h


@pytest.mark.slow
def test_all_hashes_unique_and_20k_params(cells, data_file):
    hashes = nb101.all_hashes()
    assert len(set(hashes.tolist())) == 423_624
    d = json.loads(data_file("nb101/nasbench_vis_data-20k.json").read_text())
    idx = nb101.index_of_hash(d["key"])
    assert (idx >= 0).all(), "every one of the 20,001 models must be found by its hash"
    adjacency, ops = cells
    got = np.array([nb101.num_params(adjacency[i], ops[i]) for i in idx])
    np.testing.assert_array_equal(got, np.array(d["trainable_parameters"]))
    # The 20k keys are the lexicographically smallest hashes of the space.
    assert sorted(d["key"]) == sorted(hashes.tolist())[:20_001]


def test_ec_nas_cells_are_in_enumeration(data_file):
    stored = _tfrecord_cells(data_file("nb101/energy_4V9E.tfrecord"))
    idx = nb101.index_of_hash(list(stored))
    assert (idx >= 0).all()


def _naslib_cells(path):
    # NASLib op ids: 0 input, 1 output, 2 maxpool3x3, 3 conv1x1-bn-relu, 4 conv3x3-bn-relu.
    names = ["input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu"]
    for key, v in json.loads(path.read_text())["nasbench101"]["cifar10"].items():
        t = [int(x) for x in key.strip("()").split(",")]
        yield np.array(t[:49]).reshape(7, 7), [names[i] for i in t[49:]], v


def test_params_and_flops_vs_naslib(data_file):
    n = 0
    for a, ops, v in _naslib_cells(data_file("nb101/naslib_zc_nasbench101.json")):
        assert nb101.num_params(a, ops) / 1e6 == pytest.approx(v["params"], abs=1e-6)
        assert nb101.flops(a, ops, "naslib") == pytest.approx(v["flops"], abs=1e-5)
        assert nb101.flops(a, ops) < v["flops"]
        n += 1
    assert n == 500


def test_naslib_zen_graphs_valid_and_enumerated(data_file):
    names = ["input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu"]
    hashes = []
    with zipfile.ZipFile(data_file("nb101/naslib_nb101_zen.zip")) as z:
        for name in z.namelist():
            if not name.endswith(".json"):
                continue
            for rec in json.loads(z.read(name)):
                t = [int(x) for x in rec["arch"].strip("()").split(",")]
                n = int(round((np.sqrt(4 * len(t) + 1) - 1) / 2))  # n*n + n entries
                a = np.array(t[: n * n]).reshape(n, n)
                hashes.append(nb101.cell_hash(a, [names[i] for i in t[n * n :]]))
    assert len(hashes) == 10_250
    assert (nb101.index_of_hash(hashes) >= 0).all()


def test_flops_convention_error():
    with pytest.raises(ValueError, match="unknown FLOPs convention"):
        nb101.flops(README_ADJ, README_OPS, "thop")


@pytest.mark.parametrize(
    "adjacency, ops, message",
    [
        (np.zeros((7, 6)), ["input"] * 7, "square"),
        (np.triu(np.ones((7, 7)), 1), README_OPS, "edges, more than the maximum 9"),
        (README_ADJ + README_ADJ.T, README_OPS, "cycle"),
        (README_ADJ, README_OPS[:-1] + ["conv5x5"], "unknown op 'conv5x5'"),
        (README_ADJ, README_OPS[:-1], "one entry per vertex"),
        (np.zeros((7, 7)), README_OPS, "no path from the input to the output"),
        (np.pad(README_ADJ, 1), README_OPS + ["output"] * 2, "more than the maximum 7"),
        (README_ADJ * 2, README_OPS, "0 or 1"),
        (README_ADJ, [7, 1, 2, 2, 2, 3, 4], "unknown op id 7"),
    ],
)
def test_invalid_cells_raise_named_errors(adjacency, ops, message):
    with pytest.raises(InvalidCellError, match=message):
        nb101.cell_hash(adjacency, ops)
    assert not nb101.is_valid(adjacency, ops) if np.shape(adjacency) == (7, 7) else True


def test_pruning_matches_official_semantics():
    # Vertex 3 is a dead end (no path to the output): pruned away, hash unchanged.
    a = np.zeros((5, 5), np.uint8)
    a[0, 1] = a[1, 4] = a[0, 3] = a[0, 2] = a[2, 4] = 1
    ops = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "output"]
    pa, po = nb101.prune(a, ops)
    assert pa.shape == (4, 4) and po.tolist() == [0, 2, 1, 4]
    assert nb101.cell_hash(a, ops) == nb101.cell_hash(pa, po)


def _random_topological_relabel(a, ops, rng):
    """A random vertex order consistent with the DAG (input first, output last)."""
    n = a.shape[0]
    order, remaining = [], set(range(n))
    indeg = a.sum(axis=0).astype(int)
    while remaining:
        ready = [v for v in remaining if indeg[v] == 0]
        v = ready[rng.integers(len(ready))]
        order.append(v)
        remaining.remove(v)
        for w in np.flatnonzero(a[v]):
            indeg[w] -= 1
    p = np.array(order)
    return a[np.ix_(p, p)], np.asarray(ops)[p]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 423_623), st.integers(0, 2**32 - 1))
def test_hash_isomorphism_invariance(i, seed):
    adjacency, ops = nb101.enumerate_cells()
    a, o = nb101.validate(adjacency[i], ops[i])
    pa, po = _random_topological_relabel(a, o, np.random.default_rng(seed))
    assert not np.tril(pa).any()
    assert nb101.cell_hash(pa, po) == nb101.cell_hash(a, o)


def test_hash_distinguishes_op_change():
    ops = list(README_OPS)
    ops[1] = "conv3x3-bn-relu"
    assert nb101.cell_hash(README_ADJ, ops) != nb101.cell_hash(README_ADJ, README_OPS)


def test_sample_and_mutate_are_valid_and_deterministic():
    for s in range(30):
        a, o = nb101.sample(jax.random.key(s))
        assert nb101.is_valid(a, o)
        b, p = nb101.mutate(jax.random.key(s + 1000), a, o)
        assert nb101.is_valid(b, p)
    a1 = nb101.sample(jax.random.key(3))
    a2 = nb101.sample(jax.random.key(3))
    np.testing.assert_array_equal(a1[0], a2[0])
    np.testing.assert_array_equal(a1[1], a2[1])


def test_neighbours_distinct_valid_and_one_edit_away():
    na, no = nb101.neighbours(README_ADJ, README_OPS)
    hashes = [nb101.cell_hash(a, o) for a, o in zip(na, no, strict=True)]
    assert len(set(hashes)) == len(hashes) > 0
    assert nb101.cell_hash(README_ADJ, README_OPS) not in hashes
    # 5 inner vertices x 2 other ops = 10 op changes, all valid and distinct here.
    op_changes = [(a, o) for a, o in zip(na, no, strict=True) if np.array_equal(a, README_ADJ)]
    assert len(op_changes) == 10
    for a, o in op_changes:
        assert nb101.edit_distance((README_ADJ, README_OPS), (a, o)) == 1


def test_edit_distance_properties():
    a, o = nb101.sample(jax.random.key(0))
    b, p = nb101.sample(jax.random.key(1))
    c, q = nb101.sample(jax.random.key(2))
    assert nb101.edit_distance((a, o), (a, o)) == 0
    dab = nb101.edit_distance((a, o), (b, p))
    assert dab == nb101.edit_distance((b, p), (a, o))
    dbc = nb101.edit_distance((b, p), (c, q))
    assert nb101.edit_distance((a, o), (c, q)) <= dab + dbc
    # Isomorphic relabelling is at distance 0.
    ra, ro = _random_topological_relabel(
        *nb101.validate(README_ADJ, README_OPS), np.random.default_rng(1)
    )
    assert nb101.edit_distance((README_ADJ, README_OPS), (ra, ro)) == 0


def test_costs_batch_matches_per_cell(cells, data_file):
    adjacency, ops = cells
    rng = np.random.default_rng(1)
    idx = rng.choice(len(ops), 400, replace=False)
    c = nb101.costs_batch(adjacency[idx], ops[idx])
    for j, i in enumerate(idx):
        assert c["params"][j] == nb101.num_params(adjacency[i], ops[i])
        assert c["flops"][j] == pytest.approx(nb101.flops(adjacency[i], ops[i]), abs=1e-9)
        assert c["flops_naslib"][j] == pytest.approx(
            nb101.flops(adjacency[i], ops[i], "naslib"), abs=1e-9
        )


def test_neighbour_table_matches_per_cell_neighbours(cells):
    adjacency, ops = cells
    hashes = nb101.all_hashes()
    rng = np.random.default_rng(5)
    idx = rng.choice(len(ops), 60, replace=False)
    table = nb101.neighbour_table(idx)
    assert table.shape == (60, 31)
    for r, i in enumerate(idx):
        na, no = nb101.neighbours(adjacency[i], ops[i])
        want = sorted(nb101.cell_hash(a, o) for a, o in zip(na, no, strict=True))
        got = sorted(hashes[j] for j in table[r] if j >= 0)
        assert got == want
        valid = table[r][table[r] >= 0]
        assert len(set(valid.tolist())) == len(valid) and i not in valid


def test_index_of_cells_and_prune_batch(cells):
    adjacency, ops = cells
    rng = np.random.default_rng(6)
    idx = rng.choice(len(ops), 500, replace=False)
    np.testing.assert_array_equal(nb101.index_of_cells(adjacency[idx], ops[idx]), idx)
    # Random unpruned 7-vertex matrices: prune_batch agrees with prune() cell by cell.
    a = np.triu(rng.integers(0, 2, size=(300, 7, 7)), 1).astype(np.uint8)
    o = np.concatenate(
        [np.zeros((300, 1)), rng.integers(1, 4, size=(300, 5)), np.full((300, 1), 4)], 1
    ).astype(np.int32)
    pa, po, ok = nb101.prune_batch(a, o)
    for k in range(300):
        try:
            ra, ro = nb101.pad(*nb101.prune(a[k], o[k]))
            valid = nb101.is_valid(ra, ro)
        except InvalidCellError:
            valid = False
        assert ok[k] == valid
        if valid:
            np.testing.assert_array_equal(pa[k], ra)
            np.testing.assert_array_equal(po[k], ro)
