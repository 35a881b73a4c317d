"""The reference switches of arch2vec pretraining (issue 19): the eval-mode regime after epoch
1 is deterministic and freezes batch norm, the reference metrics against hand-built decodes, the
reference GCN layer against NumPy, NB101 zero padding, fixed batches, the config variant, and
no import cycle between models.gae and models.vgae."""

import ast
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from experiments.configs import arch2vec_common, arch2vec_nb101, arch2vec_nb201
from jaxnas import train
from jaxnas.analysis import reconstruction as rec
from jaxnas.models import gae, gcn, vgae
from jaxnas.pretrain import arch2vec
from jaxnas.spaces import darts, nb101, nb201

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nb201_batch():
    adj, ops = nb201.to_node_graph(nb201.all_cells()[::301][:16])
    return vgae.Batch(np.asarray(adj, np.uint8), np.asarray(ops, np.int32))


def _leaves_equal(a, b):
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )


@pytest.mark.slow
def test_eval_regime_steps_are_deterministic_and_freeze_batch_norm(nb201_batch):
    cfg = vgae.ModelConfig(7, 8, False, hidden=16, op_decoder="sigmoid", decoder_dropout=0.3)
    model = vgae.GraphAutoencoder(cfg)
    params, ms = vgae.init(model, jax.random.key(0), nb201_batch)
    tx = optax.adam(1e-3)
    step_fn = arch2vec.make_step_fn(model, tx, eval_from_step=2)

    def fresh():  # the jitted steps donate their state: never hand them the originals
        return train.create(*jax.tree.map(jnp.copy, (params, ms))[:1], tx,
                            jax.tree.map(jnp.copy, ms))  # fmt: skip

    def run(rng_seed):
        state = fresh()
        out = []
        for _ in range(4):
            state, m = step_fn(state, nb201_batch, jax.random.key(rng_seed))
            out.append((jax.device_get(state), m))
        return out

    # make_step_fn counts steps on the host: a fresh one per run.
    a = run(1)
    step_fn = arch2vec.make_step_fn(model, tx, eval_from_step=2)
    b = run(2)
    # Training-mode steps (0, 1) differ with the rng (z sampled, dropout) and update batch norm.
    assert not _leaves_equal(a[0][0].params, b[0][0].params)
    assert not _leaves_equal(a[1][0].model_state, ms)
    # From step 2: batch statistics frozen at their step-1 values.
    for k in (2, 3):
        assert _leaves_equal(a[k][0].model_state, a[1][0].model_state)

    # Two identical eval-mode steps from the same state, different rngs: identical results.
    eval_step = train.make_train_step(vgae.make_loss_fn(model, train=False), tx, jit=False)
    s0 = train.create(params, tx, ms)
    s1, m1 = eval_step(s0, nb201_batch, jax.random.key(3))
    s2, m2 = eval_step(s0, nb201_batch, jax.random.key(4))
    assert _leaves_equal(s1.params, s2.params) and float(m1["loss"]) == float(m2["loss"])
    assert _leaves_equal(s1.model_state, ms)
    # ... whereas training-mode steps from the same state differ.
    train_step = train.make_train_step(vgae.make_loss_fn(model), tx, jit=False)
    t1, _ = train_step(s0, nb201_batch, jax.random.key(3))
    t2, _ = train_step(s0, nb201_batch, jax.random.key(4))
    assert not _leaves_equal(t1.params, t2.params)


def test_reference_metrics_nb201_hand_built():
    adj, ops = nb201.to_node_graph(np.array([[1, 2, 3, 4, 0, 1], [0] * 6]))
    inp, out = nb201.NODE_OPS.index("input"), nb201.NODE_OPS.index("output")
    odd_adj = adj[0].copy()
    odd_adj[0, 7] = 1  # adjacency never checked by the reference; it changes the hash
    o1 = ops[0].copy()
    o1[1] = out  # ops[1] is never checked by the reference
    o_bad = ops[0].copy()
    o_bad[4] = inp  # an interior 'input': invalid
    a = np.stack([adj[0], adj[0], odd_adj, adj[0], adj[1], adj[0]])
    o = np.stack([ops[0], ops[0], ops[0], o1, ops[1], o_bad])
    r = rec.validity_uniqueness_reference("nb201", a, o)
    # valid: 0, 1, 2, 3, 4; unique: {0 = 1}, 2 (other adjacency), 3 (other ops[1]), 4.
    assert (r["num_valid"], r["num_unique"]) == (5, 4), r
    assert r["validity"] == pytest.approx(5 / 6) and r["uniqueness"] == pytest.approx(4 / 5)
    # The space's own rule: the odd adjacency and ops[1] = output are not cells.
    own = rec.validity_uniqueness("nb201", a, o)
    assert (own["num_valid"], own["num_unique"]) == (3, 2)


def test_reference_metrics_nb101_unpruned_uniqueness():
    # The chain input -> conv3x3 -> output, and the same with a dangling vertex (pruned away):
    # one cell for the space's rule, two distinct unpruned decodes for the reference.
    a = np.zeros((7, 7), np.uint8)
    a[0, 1] = a[1, 6] = 1
    o = np.array([0, 2, 1, 1, 1, 1, 4])  # 7 vertices, no padding class
    a2 = a.copy()
    a2[0, 2] = 1  # vertex 2 is a dead end
    a_bad = np.zeros((7, 7), np.uint8)
    a_bad[0, 1] = 1  # output unreachable
    ref = rec.validity_uniqueness_reference("nb101", np.stack([a, a2, a, a_bad]),
                                            np.stack([o, o, o, o]))  # fmt: skip
    own = rec.validity_uniqueness("nb101", np.stack([a, a2, a, a_bad]), np.stack([o, o, o, o]))
    assert (ref["num_valid"], ref["num_unique"]) == (3, 2)
    assert (own["num_valid"], own["num_unique"]) == (3, 1)
    assert ref["validity"] == own["validity"] == 0.75


def test_reference_metrics_darts_is_valid_darts():
    g = darts.sample(jax.random.key(0))
    a1, o1 = darts.to_arch2vec(g, "normal")
    o_none = o1.copy()
    o_none[5] = darts.ARCH2VEC_OPS.index("none")  # 'none' is a legal op for the reference
    a_no_in = a1.copy()
    a_no_in[:, 4] = 0  # node 1's first op vertex has no input
    o_label = o1.copy()
    o_label[1] = 0  # vertex 1 must be c_k-1
    a = np.stack([a1, a1, a1, a_no_in, a1])
    o = np.stack([o1, o1, o_none, o1, o_label])
    r = rec.validity_uniqueness_reference("darts", a, o)
    assert (r["num_valid"], r["num_unique"]) == (3, 2), r
    assert rec.is_valid_darts_reference(a1, o1) and not rec.is_valid_darts_reference(a_no_in, o1)
    # The reference's rule: node j's op vertices take no input from vertices >= 4 + 2j (the
    # upper triangle never has one); an op vertex with no input at all is invalid.
    a_late = a1.copy()
    a_late[:, 8] = 0
    assert not rec.is_valid_darts_reference(a_late, o1)


def test_reference_counts_count_padding_rows():
    # One 3-vertex cell padded to 4 vertices: targets ops [0, 2, 4, pad], edges 0->1, 1->2.
    ops = np.array([[0, 2, 4, -1]])
    adj = np.zeros((1, 4, 4), np.uint8)
    adj[0, 0, 1] = adj[0, 1, 2] = 1
    ol = np.full((1, 4, 5), -5.0, np.float32)
    ol[0, 0, 0] = ol[0, 1, 2] = ol[0, 2, 4] = 5.0
    ol[0, 3, 3] = 5.0  # padding row decoded as maxpool: wrong for the reference (target 0)
    al = np.full((1, 4, 4), -5.0, np.float32)
    al[0, 0, 1] = al[0, 1, 2] = 5.0
    al[0, 2, 3] = 5.0  # a false edge to the padding vertex
    c = {k: int(v) for k, v in rec.reference_counts(ol, al, adj, ops).items()}
    assert c == {"ops_correct": 3, "ops_total": 4, "edges_correct": 5, "edges_total": 6}
    acc = rec.reference_accuracies(c)
    assert acc["accuracy"] == pytest.approx(0.5 * (3 / 4 + 5 / 6))
    own = rec.accuracies(rec.sum_counts([rec.reconstruction_counts(ol, al, adj, ops, False)]))
    assert own["op_accuracy"] == 1.0 and own["edge_accuracy"] == 1.0


def test_reference_gcn_layer_matches_numpy(nb201_batch):
    g = vgae.dense_inputs(nb201_batch.adjacency, nb201_batch.ops, 7)
    layer = gcn.ReferenceGCNLayer(5, dropout=0.3)
    p = layer.init(jax.random.key(0), g.nodes, g.adjacency)
    got = np.asarray(layer.apply(p, g.nodes, g.adjacency, train=False))
    w, b = np.asarray(p["params"]["kernel"]), np.asarray(p["params"]["bias"])
    x, a = np.asarray(g.nodes), np.asarray(g.adjacency)
    np.testing.assert_allclose(got, np.maximum(a @ (x @ w), 0) + b, rtol=1e-5, atol=1e-6)
    assert np.abs(b).max() <= 1 / np.sqrt(7)  # U(-1/sqrt(in), 1/sqrt(in))
    # Dropout acts on the input when training.
    d = layer.apply(p, g.nodes, g.adjacency, train=True, rngs={"dropout": jax.random.key(1)})
    assert not np.allclose(np.asarray(d), got)
    # The reference VGAE / GAE: 3 body layers + GCN latent heads; no self-loops.
    cfg = gae.vgae_config(7, 8, False, hidden=16, gcn_layer="reference", encoder_dropout=0.3)
    assert cfg.num_layers == 4
    model = vgae.GraphAutoencoder(cfg)
    params, _ = vgae.init(model, jax.random.key(0), nb201_batch)
    assert set(params["gcn"]) == {"layer_0", "layer_1", "layer_2"}
    assert set(params["mu"]) == {"kernel", "bias"} and params["mu"]["kernel"].shape == (16, 16)
    mu, _ = model.apply({"params": params}, nb201_batch, method=vgae.GraphAutoencoder.encode)
    # normalize=True: D_in^-1/2 A D_out^-1/2 without self-loops (utils.normalize_adj).
    deg = a.sum(-1)
    a_n = a / np.sqrt(deg[:, :, None] * deg[:, None, :])
    np.testing.assert_allclose(np.asarray(gcn.reference_normalized_adjacency(a)), a_n, rtol=1e-6)
    a = a_n
    h = x
    for i in range(3):
        lp = params["gcn"][f"layer_{i}"]
        h = np.maximum(a @ (h @ np.asarray(lp["kernel"])), 0) + np.asarray(lp["bias"])
    ref_mu = np.maximum(a @ (h @ np.asarray(params["mu"]["kernel"])), 0) + np.asarray(
        params["mu"]["bias"]
    )
    np.testing.assert_allclose(np.asarray(mu), ref_mu, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_nb101_zero_padding_config_and_pooling():
    c = arch2vec_nb101.get_config("reference")
    a, o = nb101.enumerate_cells()
    cells = arch2vec.Cells(a[:50], o[:50], np.arange(50), 5, None, {})
    assert (cells.ops < 0).any()
    mc = arch2vec.model_config(c, cells)
    assert not mc.pad_class and mc.bn_all_rows and mc.pool_all_slots and mc.num_classes == 5
    mc_paper = arch2vec.model_config(arch2vec_nb101.get_config(), cells)
    assert mc_paper.pad_class and not mc_paper.bn_all_rows and not mc_paper.pool_all_slots
    mu = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)
    ops = np.array([[0, 4, -1], [0, 1, 4]])
    np.testing.assert_allclose(arch2vec.pool(mu, ops, True), mu.mean(1))
    np.testing.assert_allclose(arch2vec.pool(mu, ops)[0], mu[0, :2].mean(0))
    # Batch norm over every row: padding rows change the encoding of real vertices.
    model = vgae.GraphAutoencoder(mc)
    b = vgae.Batch(cells.adjacency[:8], cells.ops[:8])
    params, ms = vgae.init(model, jax.random.key(0), b)
    rngs = {"latent": jax.random.key(0), "dropout": jax.random.key(1)}
    out_all, _ = model.apply(
        {"params": params, **ms}, b, train=True, mutable=["batch_stats"], rngs=rngs
    )
    assert np.isfinite(np.asarray(out_all.mu)).all()


def test_fixed_batches_repeat_every_epoch():
    order, held = arch2vec.split_shuffled(jax.random.key(0), 100, 0.9)
    tr, held2 = arch2vec.split(jax.random.key(0), 100, 0.9)
    np.testing.assert_array_equal(np.sort(order), tr)
    np.testing.assert_array_equal(held, held2)
    f = arch2vec.fixed_batch_indices(order, 8)  # 11 batches an epoch
    np.testing.assert_array_equal(f(0), np.arange(8))
    np.testing.assert_array_equal(f(11), f(0))
    np.testing.assert_array_equal(f(12), np.arange(8, 16))


def test_reference_variant_turns_on_every_switch():
    ref = arch2vec_nb201.get_config("reference")
    paper = arch2vec_nb201.get_config()
    assert (ref.eval_after_epochs, ref.split, ref.nb101_padding, ref.gcn_layer) == (
        1, "reference", "zeros", "reference"
    )  # fmt: skip
    assert (ref.op_decoder, ref.decoder_dropout, ref.reduction) == ("sigmoid", 0.3, "reference")
    assert (paper.eval_after_epochs, paper.split, paper.nb101_padding, paper.gcn_layer) == (
        0, "random", "class", "kipf"
    )  # fmt: skip
    only = arch2vec_nb201.get_config("eval_regime")
    assert only.eval_after_epochs == 1 and only.op_decoder == "softmax" and only.split == "random"
    assert set(arch2vec_common.SWITCHES) == {
        "reference_loss", "eval_regime", "fixed_batches", "zero_padding", "reference_gcn",
        "reference_darts",
    }  # fmt: skip
    assert ref.darts_data == "reference" and paper.darts_data == "naslib"


def test_reference_darts_cells():
    cells, info = arch2vec.reference_darts_cells(jax.random.key(0), 3000)
    assert info["darts_sampled"] == 3000 and len(cells) == info["darts_under_macs"]
    assert info["darts_with_none"] > 0  # 'none' is drawn like any op
    assert (cells[..., 0] == darts.OPS.index("none")).any()
    assert (arch2vec.imagenet_macs(cells) < 600).all()
    # No two kept cells are isomorphic graphs (official hash of the 11-vertex graph).
    adj, ops = arch2vec.darts_graphs(cells[:300])
    from jaxnas.spaces import nb101_hash

    hashes = {nb101_hash.official_hash(a, o) for a, o in zip(adj, ops, strict=True)}
    assert len(hashes) == 300
    # Swapping the two edges of a node gives the same graph: such a duplicate is dropped.
    dup = cells[:1].copy()
    dup[0, [0, 1]] = dup[0, [1, 0]]
    a2, o2 = arch2vec.darts_graphs(np.concatenate([cells[:1], dup]))
    assert nb101_hash.official_hash(a2[0], o2[0]) == nb101_hash.official_hash(a2[1], o2[1])


def test_no_import_cycle_between_gae_and_vgae():
    for name in ("gae", "vgae", "gcn"):
        tree = ast.parse((ROOT / "jaxnas" / "models" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
                assert not inner, f"function-local import in jaxnas/models/{name}.py:{node.name}"
    vgae_src = (ROOT / "jaxnas" / "models" / "vgae.py").read_text()
    gcn_src = (ROOT / "jaxnas" / "models" / "gcn.py").read_text()
    assert "import gae" not in vgae_src and "jaxnas.models import" not in gcn_src
    assert gae.GCN is gcn.GCN and jnp is not None
