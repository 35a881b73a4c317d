"""Tests of the DARTS / NAS-Bench-301 space against NASLib's files and the reference code's rules.

Independent references used here: the real NASLib files (read with ``json`` / ``ast`` in the
tests), NASLib's compact op list and arch2vec's / CATE's preprocessing rules (re-typed below
from the reference repositories, not imported from the library), Python's namedtuple repr (what
DARTS prints), and the DARTS paper's 3.3M parameters for DARTS-V2.
"""

import ast
import collections
import itertools
import json

import jax
import numpy as np
import pytest

from jaxnas.spaces import darts
from jaxnas.spaces.base import InvalidCellError

ARCHS = "darts/naslib_archs_nasbench301.json"
ZC = "darts/naslib_zc_nasbench301.json"

# NASLib's convert_compact_to_genotype (naslib/search_spaces/nasbench301/conversions.py).
NASLIB_OP_LIST = (
    "max_pool_3x3 avg_pool_3x3 skip_connect sep_conv_3x3 sep_conv_5x5 dil_conv_3x3 dil_conv_5x5"
).split()

# DARTS-V2 from DARTS's cnn/genotypes.py (as DARTS prints it, with list concats).
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)

DartsGenotype = collections.namedtuple("Genotype", "normal normal_concat reduce reduce_concat")


@pytest.fixture(scope="module")
def archs(data_file):
    with open(data_file(ARCHS)) as f:
        data = json.load(f)
    return [data[str(i)] for i in range(len(data))]


@pytest.fixture(scope="module")
def zc(data_file):
    with open(data_file(ZC)) as f:
        return json.load(f)["cifar10"]


@pytest.fixture(scope="module")
def zc_genotypes(zc):
    return [darts.from_naslib(k) for k in zc]


def _expected_from_compact(text):
    """NASLib's convert_compact_to_genotype, written out independently."""
    compact = ast.literal_eval(text)
    return tuple(tuple((NASLIB_OP_LIST[op], inp) for inp, op in cell) for cell in compact)


def _v2():
    return darts.from_string(DARTS_V2)


# ----------------------------------------------------------------------------------------------
# Parsing and round trips on the real files.


def test_parse_every_genotype_of_the_archs_file(archs):
    assert len(archs) == 11_221
    arrays = []
    for text in archs:
        g = darts.from_naslib(text)
        assert (g.normal, g.reduce) == _expected_from_compact(text)
        assert g.normal_concat == g.reduce_concat == range(2, 6)
        assert darts.to_naslib_string(g, "tuple") == text
        a = darts.to_array(g)
        assert darts.from_array(a) == g
        arrays.append(a)
    arrays = np.stack(arrays)
    assert arrays.shape == (11_221, 2, 8, 2) and arrays.dtype == np.int32
    assert arrays[..., 0].min() >= 1  # no 'none'
    # NB301 cells never feed a node the same input twice.
    assert (arrays[..., 0::2, 1] != arrays[..., 1::2, 1]).all()


def test_darts_string_round_trip_on_the_archs_file(archs):
    for text in archs[::4]:
        g = darts.from_naslib(text)
        s = darts.to_string(g)
        assert darts.from_string(s) == g
        # Python's namedtuple repr with lists and range concats is what DARTS prints.
        normal, reduce = (list(cell) for cell in _expected_from_compact(text))
        assert s == repr(DartsGenotype(normal, range(2, 6), reduce, range(2, 6)))


def test_parse_every_key_of_the_zc_file(zc, zc_genotypes):
    assert len(zc) == 725
    for (key, entry), g in zip(zc.items(), zc_genotypes, strict=True):
        assert entry["arch"] == key
        assert (g.normal, g.reduce) == _expected_from_compact(key)
        assert darts.to_naslib_string(g, "list") == key
        assert darts.validate(key) == g  # strings are accepted wherever genotypes are


def test_darts_string_forms():
    g = _v2()
    assert g.normal[7] == ("dil_conv_3x3", 2) and g.reduce[2] == ("skip_connect", 2)
    same = [
        DARTS_V2.replace("[2, 3, 4, 5]", "range(2, 6)"),
        DARTS_V2.replace("Genotype(", "genotypes.Genotype("),
        "  " + DARTS_V2.replace("), (", "),(") + "\n",
    ]
    for text in same:
        assert darts.from_string(text) == g
    normal = [tuple(e) for e in g.normal]
    reduce = [tuple(e) for e in g.reduce]
    positional = f"Genotype({normal}, [2, 3, 4, 5], {reduce}, range(2, 6))"
    assert darts.from_string(positional) == g
    # DARTS's own namedtuple (lists, list concats) is accepted as is.
    dg = DartsGenotype(list(g.normal), [2, 3, 4, 5], list(g.reduce), [2, 3, 4, 5])
    assert darts.validate(dg) == g
    assert darts.to_string(dg) == repr(
        DartsGenotype(list(g.normal), range(2, 6), list(g.reduce), range(2, 6))
    )
    # Genotype values are immutable and hashable.
    assert hash(g) == hash(darts.from_string(darts.to_string(g)))
    with pytest.raises(AttributeError):
        g.normal = ()


def test_naslib_compact_round_trip():
    g = _v2()
    compact = darts.to_naslib(g)
    assert compact[0][7] == (2, NASLIB_OP_LIST.index("dil_conv_3x3"))
    assert darts.from_naslib(compact) == g
    assert darts.from_naslib(darts.to_naslib_string(g, "list")) == g


# ----------------------------------------------------------------------------------------------
# Parameters and FLOPs.


def test_params_and_flops_match_naslib_for_all_725(zc, zc_genotypes):
    want_p = np.array([v["params"]["score"] for v in zc.values()])
    want_f = np.array([v["flops"]["score"] for v in zc.values()])
    got_p = darts.num_params(zc_genotypes)
    got_f = darts.flops(zc_genotypes)
    err_p = np.abs(got_p / want_p - 1).max()
    err_f = np.abs(got_f / want_f - 1).max()
    # The counts are exact integers / 1e6; only float rounding separates them.
    assert err_p < 1e-9, f"max relative params error {err_p:.3g}"
    assert err_f < 1e-9, f"max relative FLOPs error {err_f:.3g}"
    # Array input and single genotypes give the same numbers.
    arrays = np.stack([darts.to_array(g) for g in zc_genotypes])
    np.testing.assert_array_equal(darts.num_params(arrays), got_p)
    np.testing.assert_array_equal(darts.flops(arrays.reshape(5, 145, 2, 8, 2)).ravel(), got_f)
    for i in (0, 17, 724):
        assert darts.num_params(zc_genotypes[i]) == got_p[i]
        assert darts.flops(arrays[i]) == got_f[i]


def test_costs_pin_the_op_mapping_and_the_network(zc, zc_genotypes):
    """Other op mappings or network settings miss the file's numbers (the test can fail)."""
    want_p = np.array([v["params"]["score"] for v in zc.values()])
    want_f = np.array([v["flops"]["score"] for v in zc.values()])
    arrays = np.stack([darts.to_array(g) for g in zc_genotypes])
    # Swap sep_conv_3x3 <-> dil_conv_3x3, or skip_connect <-> max_pool_3x3.
    for a, b in (("sep_conv_3x3", "dil_conv_3x3"), ("skip_connect", "max_pool_3x3")):
        ia, ib = darts.OPS.index(a), darts.OPS.index(b)
        swapped = arrays.copy()
        ops = swapped[..., 0]
        ops[arrays[..., 0] == ia], ops[arrays[..., 0] == ib] = ib, ia
        err = max(
            np.abs(darts.num_params(swapped) / want_p - 1).max(),
            np.abs(darts.flops(swapped) / want_f - 1).max(),
        )
        assert err > 0.01, (a, b)
    for net in (
        darts.Network(channels=16),
        darts.Network(cell_bn_affine=True),
        darts.Network(pool_bn=False),
        darts.DARTS_CIFAR10_NETWORK,
    ):
        err_p = np.abs(darts.num_params(arrays, net) / want_p - 1).max()
        err_f = np.abs(darts.flops(arrays, net) / want_f - 1).max()
        assert max(err_p, err_f) > 1e-3, net


def test_darts_v2_parameters_match_the_paper():
    # DARTS (Liu et al. 2019), Table 1: DARTS (second order) on CIFAR-10 has 3.3M parameters.
    p = darts.num_params(_v2(), darts.DARTS_CIFAR10_NETWORK)
    assert abs(p - 3.3) < 0.05
    macs = darts.flops(_v2(), darts.DARTS_CIFAR10_NETWORK, convention="macs")
    assert macs < darts.flops(_v2(), darts.DARTS_CIFAR10_NETWORK)
    with pytest.raises(ValueError, match="convention"):
        darts.flops(_v2(), convention="gflops")


# ----------------------------------------------------------------------------------------------
# Errors.


def _cells(g):
    return [list(g.normal), list(g.reduce)]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda n, r: n.pop(), "has 7 edges, expected 8"),
        (lambda n, r: r.append(("skip_connect", 0)), "reduce cell has 9 edges"),
        (lambda n, r: n.__setitem__(0, ("sep_conv_3x3", 2)), "takes input 2, but node 0"),
        (lambda n, r: r.__setitem__(7, ("sep_conv_3x3", 6)), "node 3 can only take inputs 0..4"),
        (lambda n, r: n.__setitem__(2, ("sep_conv_3x3", -1)), "takes input -1"),
        (lambda n, r: n.__setitem__(1, ("sep_conv_3x3", 0)), "node 0 takes input 0 twice"),
        (lambda n, r: r.__setitem__(4, ("conv_7x7", 0)), "unknown op 'conv_7x7'"),
        (lambda n, r: n.__setitem__(3, ("none", 0)), "'none'"),
        (lambda n, r: n.__setitem__(3, ("sep_conv_3x3",)), "not an \\(op, input\\) pair"),
        (lambda n, r: n.__setitem__(3, ("sep_conv_3x3", 1.0)), "not an integer"),
    ],
)
def test_invalid_genotypes_raise(edit, message):
    normal, reduce = _cells(_v2())
    edit(normal, reduce)
    g = darts.Genotype(tuple(normal), range(2, 6), tuple(reduce), range(2, 6))
    assert not darts.is_valid(g)
    assert darts.check(g) is not None
    with pytest.raises(InvalidCellError, match=message):
        darts.validate(g)
    with pytest.raises(InvalidCellError, match=message):
        darts.from_string(repr(DartsGenotype(normal, range(2, 6), reduce, range(2, 6))))


def test_other_errors():
    g = _v2()
    assert darts.is_valid(g)
    assert darts.validate(g._replace(normal=(("none", 0), *g.normal[1:])), allow_none=True)
    with pytest.raises(InvalidCellError, match="range\\(2, 6\\)"):
        darts.validate(g._replace(reduce_concat=[4, 5, 6]))
    with pytest.raises(InvalidCellError, match="not a genotype"):
        darts.validate(42)
    a = darts.to_array(g)
    with pytest.raises(InvalidCellError, match="shape"):
        darts.from_array(a[:, :7])
    bad = a.copy()
    bad[1, 3, 0] = 9
    with pytest.raises(InvalidCellError, match="unknown op id 9"):
        darts.from_array(bad)
    with pytest.raises(InvalidCellError, match="unknown op id"):
        darts.num_params(np.stack([a, bad]))
    bad = a.copy()
    bad[0, 5, 1] = bad[0, 4, 1]
    with pytest.raises(InvalidCellError, match="twice"):
        darts.flops(bad[None])
    with pytest.raises(InvalidCellError, match="op index 7"):
        darts.from_naslib(str((((0, 7),) + ((1, 0),) * 7, ((0, 0), (1, 0)) * 4)))
    with pytest.raises(InvalidCellError, match="not a NASLib compact"):
        darts.from_naslib("((0, 1), (1, 2")
    with pytest.raises(ValueError, match="style"):
        darts.to_naslib_string(g, "json")


@pytest.mark.parametrize(
    "text",
    [
        "Genotype(normal=__import__('os').system('true'), normal_concat=range(2, 6), "
        "reduce=[], reduce_concat=range(2, 6))",
        "print('hello')",
        "Genotype(normal=[], normal_concat=range(2, 6))",
        "Genotype(normal=[], normal_concat=range(2, 6), reduce=[], reduce_concat=range(2, 6), x=1)",
        "Genotype(normal=[('sep_conv_3x3', 0)] * 8, normal_concat=range(2, 6), reduce=[], "
        "reduce_concat=range(2, 6))",
        "Genotype(normal=[('sep_conv_3x3', 0)",
        "Genotype(normal=x, normal_concat=range(2, 6), reduce=y, reduce_concat=range(2, 6))",
    ],
)
def test_from_string_rejects_non_literals(text):
    with pytest.raises(InvalidCellError):
        darts.from_string(text)


# ----------------------------------------------------------------------------------------------
# Sampling, mutation, neighbours.


def _diff_count(a, b):
    return int((darts.to_array(a) != darts.to_array(b)).sum())


def test_sample_is_valid_deterministic_and_covers_the_space():
    keys = jax.random.split(jax.random.key(0), 1000)
    samples = [darts.sample(k) for k in keys]
    assert all(darts.is_valid(g) for g in samples)
    assert darts.sample(keys[3]) == samples[3]
    assert len(set(samples)) == len(samples)
    arrays = np.stack([darts.to_array(g) for g in samples])
    ops = np.bincount(arrays[..., 0].ravel(), minlength=len(darts.OPS))
    assert ops[0] == 0  # 'none' is never sampled
    assert (np.abs(ops[1:] / ops[1:].sum() - 1 / 7) < 0.02).all()
    # Node 3 draws two distinct inputs out of 0..4: each input appears w.p. 2/5 per cell.
    for inp in range(5):
        freq = (arrays[:, :, 6:8, 1] == inp).any(-1).mean()
        assert abs(freq - 2 / 5) < 0.05
    # Both orders of a node's pair occur (NASLib keeps the order np.random.choice draws).
    assert (arrays[:, :, 0, 1] == 1).any() and (arrays[:, :, 0, 1] == 0).any()


def test_mutate_changes_exactly_one_thing():
    keys = jax.random.split(jax.random.key(1), 300)
    changed_fields = np.zeros(2, int)
    for i, key in enumerate(keys):
        parent = darts.sample(jax.random.fold_in(key, 7))
        child = darts.mutate(key, parent)
        assert darts.is_valid(child)
        diff = darts.to_array(child) != darts.to_array(parent)
        assert diff.sum() == 1
        changed_fields += diff.sum(axis=(0, 1))
        if i < 30:
            assert child in darts.neighbours(parent)
    assert changed_fields.min() > 30  # both ops and inputs get mutated
    assert darts.mutate(keys[0], darts.sample(jax.random.fold_in(keys[0], 7))) == darts.mutate(
        keys[0], darts.sample(jax.random.fold_in(keys[0], 7))
    )
    two = darts.mutate(keys[1], _v2(), mutation_rate=2)
    assert 1 <= _diff_count(two, _v2()) <= 2


def test_neighbours_are_all_single_changes():
    for g in (_v2(), darts.sample(jax.random.key(5))):
        nbrs = darts.neighbours(g)
        assert len(nbrs) == len(set(nbrs)) == 120  # 2 x (8 x 6 ops + 12 inputs)
        assert g not in nbrs
        assert all(darts.is_valid(n) and _diff_count(n, g) == 1 for n in nbrs)
        # Brute force: every valid genotype differing from g in one entry is a neighbour.
        a = darts.to_array(g)
        brute = set()
        for c, e, field in itertools.product(range(2), range(8), range(2)):
            for v in range(1, 8) if field == 0 else range(6):
                b = a.copy()
                b[c, e, field] = v
                if (b != a).any() and darts.is_valid(b):
                    brute.add(darts.from_array(b))
        assert brute == set(nbrs)


# ----------------------------------------------------------------------------------------------
# arch2vec and CATE graph encodings.


def _arch2vec_is_valid_darts(adj, ops):
    """arch2vec's is_valid_darts (utils/utils.py), on label ids."""
    names = [darts.ARCH2VEC_OPS[i] for i in ops]
    if names[0] != "c_k-2" or names[1] != "c_k-1" or names[-1] != "output":
        return False
    if any(n in ("c_k-2", "c_k-1", "output") for n in names[2:-1]):
        return False
    for b in range(4):
        lo, hi = 2 + 2 * b, 4 + 2 * b
        for v in (lo, hi - 1):
            if adj[:lo, v].sum() == 0 or adj[hi:, v].sum() > 0:
                return False
    return True


def _cate_to_geno(adj, ops):
    """CATE's transform_nas101_format_to_geno (preprocessing/gen_json_darts.py), on label ids."""
    rows = {0: 0, 1: 1, 4: 2, 7: 3, 10: 4, 13: 5}
    order = (3, 2, 6, 5, 9, 8, 12, 11)  # B, A, D, C, F, E, H, G
    return tuple((darts.CATE_OPS[ops[v]], rows[int(np.flatnonzero(adj[:, v])[0])]) for v in order)


def test_arch2vec_graph_of_darts_v2():
    adj, ops = darts.to_arch2vec(_v2(), "normal")
    assert adj.shape == (11, 11) and adj.dtype == np.uint8 and ops.dtype == np.int32
    names = [darts.ARCH2VEC_OPS[i] for i in ops]
    assert names == ["c_k-2", "c_k-1"] + ["sep_conv_3x3"] * 5 + [
        "skip_connect",
        "skip_connect",
        "dil_conv_3x3",
        "output",
    ]
    expected = np.zeros((11, 11), np.uint8)
    expected[2:10, 10] = 1
    for src, dst in [(0, 2), (1, 3), (0, 4), (1, 5), (1, 6), (0, 7), (0, 8), (2, 9), (3, 9)]:
        expected[src, dst] = 1
    np.testing.assert_array_equal(adj, expected)
    # arch2vec's vocabulary has 'none' (label 2).
    g_none = _v2()._replace(normal=(("none", 0), *_v2().normal[1:]))
    assert darts.to_arch2vec(g_none)[1][2] == darts.ARCH2VEC_OPS.index("none") == 2


def test_cate_graph_of_darts_v2():
    adj, ops = darts.to_cate(_v2(), "normal")
    assert adj.shape == (15, 15) and adj.dtype == np.uint8 and ops.dtype == np.int32
    # A (node 2) is edge 1, B (node 3) edge 0, as CATE's transform_geno_to_nas101_format.
    expected_ops = ["c_k-2", "c_k-1", "sep_conv_3x3", "sep_conv_3x3", "sum"]
    expected_ops += ["sep_conv_3x3", "sep_conv_3x3", "sum", "skip_connect", "sep_conv_3x3", "sum"]
    expected_ops += ["dil_conv_3x3", "skip_connect", "sum", "output"]
    assert [darts.CATE_OPS[i] for i in ops] == expected_ops
    expected = np.zeros((15, 15), np.uint8)
    for s in (4, 7, 10, 13):
        expected[s - 2 : s, s] = 1
        expected[s, 14] = 1
    for src, dst in [(1, 2), (0, 3), (1, 5), (0, 6), (0, 8), (1, 9), (4, 11), (0, 12)]:
        expected[src, dst] = 1
    np.testing.assert_array_equal(adj, expected)
    with pytest.raises(InvalidCellError, match="'none'"):
        darts.to_cate(_v2()._replace(normal=(("none", 0), *_v2().normal[1:])))


def test_graph_encodings_of_all_725(zc_genotypes):
    for g in zc_genotypes:
        for cell in darts.CELLS:
            edges = getattr(g, cell)
            adj, ops = darts.to_arch2vec(g, cell)
            assert not np.tril(adj).any()
            assert _arch2vec_is_valid_darts(adj, ops)
            assert darts.from_arch2vec(adj, ops) == edges
            adj, ops = darts.to_cate(g, cell)
            assert not np.tril(adj).any() and adj.sum() == 8 + 8 + 4
            assert _cate_to_geno(adj, ops) == edges
            assert darts.from_cate(adj, ops) == edges


def test_graph_decoding_errors():
    adj, ops = darts.to_arch2vec(_v2())
    bad = adj.copy()
    bad[1, 9] = 1  # node 3's op takes node 0's outputs and c_{k-1}
    with pytest.raises(InvalidCellError, match="op node 9"):
        darts.from_arch2vec(bad, ops)
    bad_ops = ops.copy()
    bad_ops[4] = 10
    with pytest.raises(InvalidCellError, match="not an op"):
        darts.from_arch2vec(adj, bad_ops)
    with pytest.raises(InvalidCellError, match="expected adjacency"):
        darts.from_arch2vec(adj[:10, :10], ops[:10])
    adj, ops = darts.to_cate(_v2())
    bad = adj.copy()
    bad[0, 11] = 1
    with pytest.raises(InvalidCellError, match="op node 11"):
        darts.from_cate(bad, ops)
    bad = adj.copy()
    bad[4, 14] = 0
    with pytest.raises(InvalidCellError, match="fixed edges"):
        darts.from_cate(bad, ops)
    with pytest.raises(ValueError, match="cell"):
        darts.to_cate(_v2(), "reduction")
