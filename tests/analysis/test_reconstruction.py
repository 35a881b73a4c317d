"""Reconstruction metrics on hand-computed examples; validity / uniqueness on hand-made graphs
and on hand-made latents with known answers."""

import jax
import numpy as np
import pytest

from jaxnas.analysis import reconstruction as rec
from jaxnas.spaces import darts, nb101, nb201


def _logits_from(adj, ops, num_classes, pad_class):
    """Logits that decode exactly to (adj, ops): +-5 on edges, one-hot*5 on ops."""
    al = np.where(adj + np.swapaxes(adj, -1, -2) > 0, 5.0, -5.0).astype(np.float32)
    t = np.where(ops < 0, num_classes - 1, ops) if pad_class else np.maximum(ops, 0)
    ol = (np.eye(num_classes)[t] * 5.0).astype(np.float32)
    return ol, al


def test_counts_hand_computed():
    # Two 4-vertex graphs; graph 1 has one padding vertex (pad class = 3).
    adj = np.zeros((2, 4, 4), np.uint8)
    adj[0, 0, 1] = adj[0, 1, 3] = adj[0, 0, 2] = 1
    adj[1, 0, 1] = adj[1, 1, 2] = 1
    ops = np.array([[0, 1, 1, 2], [0, 1, 2, -1]])
    ol, al = _logits_from(adj, ops, 4, pad_class=True)
    exact = rec.reconstruction_counts(ol, al, adj, ops, True)
    assert {k: int(v) for k, v in exact.items()} == {
        "ops_correct": 7, "ops_total": 7, "edges_correct": 9, "edges_total": 9,
        "exact": 2, "graphs": 2,
    }  # fmt: skip
    # Now: graph 0 loses edge 0->2 (one wrong entry) and its vertex 1 reads op 2 (wrong);
    # graph 1 predicts an edge 2->3 into the padding vertex (not counted) and calls the padding
    # vertex op 1 (not an op error, but not an exact graph).
    al2, ol2 = al.copy(), ol.copy()
    al2[0, 0, 2] = al2[0, 2, 0] = -5.0
    ol2[0, 1] = np.eye(4)[2] * 5
    al2[1, 2, 3] = al2[1, 3, 2] = 5.0
    ol2[1, 3] = np.eye(4)[1] * 5
    c = {k: int(v) for k, v in rec.reconstruction_counts(ol2, al2, adj, ops, True).items()}
    assert c == {
        "ops_correct": 6, "ops_total": 7, "edges_correct": 8, "edges_total": 9,
        "exact": 0, "graphs": 2,
    }  # fmt: skip
    acc = rec.accuracies(c)
    assert acc["op_accuracy"] == pytest.approx(6 / 7)
    assert acc["edge_accuracy"] == pytest.approx(8 / 9)
    assert acc["accuracy"] == pytest.approx(0.5 * (6 / 7 + 8 / 9))
    assert acc["exact_match"] == 0.0
    # weights drop graph 1
    w = {
        k: int(v)
        for k, v in rec.reconstruction_counts(ol2, al2, adj, ops, True, np.array([1, 0])).items()
    }
    assert w["graphs"] == 1 and w["ops_total"] == 4 and w["edges_total"] == 6
    # jitted == eager
    j = jax.jit(rec.reconstruction_counts, static_argnums=4)(ol2, al2, adj, ops, True)
    assert {k: int(v) for k, v in j.items()} == c


def test_decode_graphs():
    ol = np.array([[[0, 9, 0], [0, 0, 9], [9, 0, 0]]], np.float32)
    al = np.array([[[3, 1, -1], [1, 3, 2], [-1, 2, 3]]], np.float32)
    a, o = rec.decode_graphs(ol, al, pad_class=True)
    np.testing.assert_array_equal(o, [[1, -1, 0]])
    np.testing.assert_array_equal(a, [[[0, 1, 0], [0, 0, 1], [0, 0, 0]]])


def test_validity_uniqueness_hand_made():
    # NB201: the same cell twice, another cell, one broken graph.
    adj, ops = nb201.to_node_graph(np.array([[1, 2, 3, 4, 0, 1], [1, 2, 3, 4, 0, 1], [0] * 6]))
    broken = ops[0].copy()
    broken[3] = nb201.NODE_OPS.index("output")
    r = rec.validity_uniqueness(
        "nb201", np.concatenate([adj, adj[:1]]), np.concatenate([ops, broken[None]])
    )
    assert (r["num_valid"], r["num_unique"]) == (3, 2)
    assert r["validity"] == 0.75 and r["uniqueness"] == pytest.approx(2 / 3)

    # NB101: a cell, the same cell with a padding vertex decoded in the middle, a cell whose
    # output is unreachable, and a cell with a dangling vertex (valid after pruning, same hash).
    a = np.zeros((7, 7), np.uint8)
    a[0, 1] = a[1, 2] = 1
    o = np.array([0, 2, 4, -1, -1, -1, -1])
    a_mid = np.zeros((7, 7), np.uint8)
    a_mid[0, 2] = a_mid[2, 3] = 1
    o_mid = np.array([0, -1, 2, 4, -1, -1, -1])
    a_bad = np.zeros((7, 7), np.uint8)
    a_bad[0, 1] = 1
    o_bad = np.array([0, 2, 4, -1, -1, -1, -1])
    a_dang = a.copy()
    a_dang[0, 3] = 1
    o_dang = np.array([0, 2, 4, 3, -1, -1, -1])  # vertex 3 (after output) -> output not last
    o_dang2 = np.array([0, 2, 3, 4, -1, -1, -1])
    a_dang2 = np.zeros((7, 7), np.uint8)
    a_dang2[0, 1] = a_dang2[1, 3] = a_dang2[0, 2] = 1  # vertex 2 is a dead end: pruned
    r = rec.validity_uniqueness(
        "nb101",
        np.stack([a, a_mid, a_bad, a_dang, a_dang2]),
        np.stack([o, o_mid, o_bad, o_dang, o_dang2]),
    )
    assert (r["num_valid"], r["num_unique"]) == (3, 1), r
    h = rec.canonical_nb101(a, o)
    assert h == nb101.cell_hash(np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]]), [0, 2, 4])

    # DARTS: a cell and the same cell with the two edges of node 0 swapped are one cell.
    g = darts.sample(jax.random.key(0))
    a1, o1 = darts.to_arch2vec(g, "normal")
    swapped = list(g.normal)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    a2, o2 = darts.to_arch2vec(darts.make_genotype(swapped, g.reduce), "normal")
    a3 = a1.copy()
    a3[2, -1] = 0  # an op node that does not feed the output: not a cell
    r = rec.validity_uniqueness("darts", np.stack([a1, a2, a3]), np.stack([o1, o2, o1]))
    assert (r["num_valid"], r["num_unique"]) == (2, 1)


def test_generation_on_hand_made_latents():
    """Latents whose decoding is known: NB201 ops read from the first 7 latent dims, a fixed
    adjacency. Vertex 1's mean is tied between conv1x1 and conv3x3 with noise on those two dims
    only, so every sample is valid and exactly 2 cells come out."""
    _, ops = nb201.to_node_graph(np.array([3, 3, 3, 3, 3, 3]))
    mean = np.zeros((8, 16), np.float32)
    mean[np.arange(8), ops] = 5.0
    std = np.zeros((8, 16), np.float32)
    c1, c3 = nb201.NODE_OPS.index("nor_conv_1x1"), nb201.NODE_OPS.index("nor_conv_3x3")
    mean[1, c1] = 5.0
    std[1, [c1, c3]] = 1.0
    adj_logits = np.where(nb201.NODE_ADJACENCY + nb201.NODE_ADJACENCY.T > 0, 4.0, -4.0)

    def decode(z):
        return z[..., :7], np.broadcast_to(adj_logits, (z.shape[0], 8, 8))

    r = rec.generation_metrics(
        jax.random.key(0), decode, mean, std, "nb201", False, num_samples=300, batch_size=128
    )
    want = {"num_samples": 300, "num_valid": 300, "num_unique": 2, "validity": 1.0,
            "uniqueness": 2 / 300}  # fmt: skip
    assert r == {**want, "reference": want}  # the same under the reference's definitions
    mean[1, nb201.NODE_OPS.index("output")] = 20.0  # vertex 1 decodes as 'output': invalid
    r = rec.generation_metrics(
        jax.random.key(0), decode, mean, std, "nb201", False, num_samples=50, batch_size=128
    )
    assert r["num_valid"] == 0 and r["validity"] == 0.0
    # The reference never checks ops[1] (is_valid_nasbench201 starts at index 2): all valid.
    assert r["reference"]["num_valid"] == 50 and r["reference"]["validity"] == 1.0


def test_latent_moments():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3, 2)).astype(np.float32)
    mean, std = rec.latent_moments([x[:30], x[30:]])
    np.testing.assert_allclose(mean, x.mean(0), atol=1e-6)
    np.testing.assert_allclose(std, x.std(0), atol=1e-5)
    z = rec.sample_latents(jax.random.key(0), mean, std, 4000)
    assert z.shape == (4000, 3, 2)
    np.testing.assert_allclose(np.asarray(z).mean(0), mean, atol=0.1)
