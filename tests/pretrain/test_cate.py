"""CATE model and pretraining pieces: shapes, mask semantics, distinct embeddings of distinct
cells under every pooling, loss vs NumPy, jit / vmap, masking statistics, optimiser groups,
overfitting, pooling and embedding export."""

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnas import embeddings as emb_io
from jaxnas import train
from jaxnas.encodings import tokens as tok
from jaxnas.models import cate as cm
from jaxnas.models import transformer
from jaxnas.pretrain import cate
from jaxnas.spaces import darts
from tests.cate_checks import assert_distinct_as_classes, cate_classes

NUM_OPS = 5
N = 7


def _random_cells(seed, b=6, n=N):
    """Random DAGs (upper-triangular) with 3..n real vertices, ops -1 at padding."""
    rng = np.random.default_rng(seed)
    adj = np.triu(rng.random((b, n, n)) < 0.4, 1).astype(np.uint8)
    nv = rng.integers(3, n + 1, b)
    ops = rng.integers(0, NUM_OPS, (b, n)).astype(np.int32)
    for i in range(b):
        adj[i, nv[i] :, :] = 0
        adj[i, :, nv[i] :] = 0
        ops[i, nv[i] :] = -1
    return adj, ops


def _reach(a):
    """Reflexive reachability by DFS (independent of Floyd-Warshall)."""
    n = len(a)
    out = np.eye(n, dtype=bool)
    for s in range(n):
        stack = [s]
        while stack:
            u = stack.pop()
            for v in np.flatnonzero(a[u]):
                if not out[s, v]:
                    out[s, v] = True
                    stack.append(v)
    return out


def _model(preset="cpu_tiny", **kw):
    return cm.CATE(cm.make_config(NUM_OPS, preset, **kw))


def _init(model, adj, ops):
    t = tok.token_batch(adj, ops, NUM_OPS, model.config.indirect)
    return jax.jit(lambda k: model.init(k, t, t, train=False)["params"])(jax.random.key(0))


@pytest.fixture(scope="module")
def tiny():
    """A dropout-free tiny model (2 graph blocks), its parameters and a jitted encoder."""
    adj, ops = _random_cells(0)
    model = _model(graph_layers=2, dropout=0.0)
    params = _init(model, adj, ops)
    enc = jax.jit(lambda a, o: model.apply({"params": params}, a, o, method=cm.CATE.encode))
    return model, params, enc


def test_shapes_and_presets(tiny):
    adj, ops = _random_cells(0)
    model, params, enc = tiny
    t = tok.token_batch(adj, ops, NUM_OPS)
    logits = jax.jit(lambda p: model.apply({"params": p}, t, t))(params)
    assert logits.shape == (6, 2 * N, NUM_OPS)  # CATE's ids: the ops are the vocabulary
    assert enc(adj, ops).shape == (6, N, 32)
    ref = cm.make_config(NUM_OPS)
    assert (ref.d_model, ref.num_heads, ref.graph_layers, ref.graph_ffn) == (64, 8, 12, 128)
    assert (ref.cross_layers, ref.cross_ffn, ref.dropout, ref.indirect) == (24, 256, 0.1, True)
    assert ref.vocab == (NUM_OPS, 0, 1, NUM_OPS) and ref.segment_scale and ref.head_dropout
    assert cm.make_config(NUM_OPS, token_ids="distinct").vocab == (NUM_OPS, 5, 6, 7)
    with pytest.raises(ValueError):
        cm.make_config(NUM_OPS, "huge")


def test_one_block_sees_descendants_and_the_output_node_sees_everything():
    """One block, closure mask: a node with descendants depends on its own op and its
    descendants' only (not on other nodes or padding); a node without (the output node) and a
    padding position attend uniformly to all positions, so they change with any op."""
    adj, ops = _random_cells(1, b=8)
    model = _model(graph_layers=1, dropout=0.0)
    params = _init(model, adj, ops)
    enc = jax.jit(lambda a, o: model.apply({"params": params}, a, o, method=cm.CATE.encode))
    h = np.asarray(enc(adj, ops))
    rng = np.random.default_rng(2)
    for b in range(len(ops)):
        real = ops[b] >= 0
        reach = _reach(adj[b]) & ~np.eye(N, dtype=bool)
        for i in np.flatnonzero(real):
            if not reach[i, real].any():
                continue
            o2, a2 = ops.copy(), adj.copy()
            unreach = real & ~reach[i] & (np.arange(N) != i)
            o2[b, unreach] = (o2[b, unreach] + rng.integers(1, NUM_OPS, unreach.sum())) % NUM_OPS
            a2[b, ~real, :] = rng.integers(0, 2, ((~real).sum(), N))  # junk in padding rows
            np.testing.assert_allclose(np.asarray(enc(a2, o2))[b, i], h[b, i], atol=1e-5)
        sinks = [i for i in range(N) if not reach[i, real].any()]  # e.g. output node, padding
        assert sinks[-1] == N - 1
        for j in np.flatnonzero(real):
            o3 = ops.copy()
            o3[b, j] = (o3[b, j] + 1) % NUM_OPS
            h3 = np.asarray(enc(adj, o3))
            assert all(np.abs(h3[b, i] - h[b, i]).max() > 1e-4 for i in sinks), (b, j)


def test_direct_mask_single_layer_sees_only_successors(tiny):
    """With one block and the direct mask, nodes 0 and 1 of a chain ignore the (reachable, not
    adjacent) last node and node 2 (its predecessor) does not; with the transitive closure node
    0 does not either."""
    adj = np.zeros((1, 4, 4), np.uint8)
    adj[0, 0, 1] = adj[0, 1, 2] = adj[0, 2, 3] = 1  # a chain 0 -> 1 -> 2 -> 3
    ops = np.array([[0, 1, 2, 4]], np.int32)
    ops2 = np.array([[0, 1, 2, 3]], np.int32)  # change the last node (reachable from 0)
    model = _model(graph_layers=1, dropout=0.0, indirect=False)
    params = _init(model, adj, ops)
    direct = jax.jit(lambda o: model.apply({"params": params}, adj, o, method=model.encode))
    np.testing.assert_allclose(direct(ops)[0, :2], direct(ops2)[0, :2], atol=1e-5)
    assert np.abs(direct(ops)[0, 2] - direct(ops2)[0, 2]).max() > 1e-4
    indirect = tiny[2]
    assert np.abs(indirect(adj, ops)[0, 0] - indirect(adj, ops2)[0, 0]).max() > 1e-4


def _space_cells(space, num=300):
    """The cells of the ``:smoke`` configs: 300 random cells of the space."""
    c = cate.load_cells(space, key=jax.random.fold_in(jax.random.key(0), 0), num_cells=num)
    return c.adjacency, c.ops, c.num_ops


@pytest.mark.parametrize("space", ["nb201", "nb101"])
def test_distinct_cells_distinct_embeddings_every_pooling(space):
    """The ``:smoke`` model (``cpu_tiny``, fresh) on the ``:smoke`` configs' 300 cells: under
    every pooling ('last' -- CATE's -- included) two cells get different embeddings exactly
    when CATE's encoder can tell them apart (:func:`cate_classes`); that is every NB201 cell,
    and NB101 cells up to isomorphic transitive closures (and the few the descendant-only
    attention cannot separate). The reflexive mask gave one 'last' embedding for all cells."""
    adj, ops, num_ops = _space_cells(space)
    model = cm.CATE(cm.make_config(num_ops, "cpu_tiny"))
    t = cm.cell_tokens(model.config, adj, ops)
    params = jax.jit(lambda k: model.init(k, t, t)["params"])(jax.random.key(0))
    h = jax.jit(lambda a, o: model.apply({"params": params}, a, o, method=cm.CATE.encode))(adj, ops)
    classes = cate_classes(
        np.asarray(t.attention_mask), np.asarray(t.tokens), np.asarray(t.token_mask), 3
    )
    for pooling in cm.POOLINGS:
        n = assert_distinct_as_classes(cm.pool(h, ops >= 0, pooling), classes[pooling])
        if space == "nb201":
            assert n == len(ops), pooling  # every NB201 cell is distinct
        else:
            assert n >= 0.6 * len(ops), (pooling, n)
    # Two blocks do not separate every NB201 cell under 'last' (a simultaneous swap of two op
    # pairs keeps the multiset of states the output node averages): the oracle knows.
    two = cate_classes(
        np.asarray(t.attention_mask), np.asarray(t.tokens), np.asarray(t.token_mask), 2
    )
    assert len(set(two["last"])) <= len(set(classes["last"]))


def test_segment_embedding_scaled_as_cate(tiny):
    """With ``segment_scale`` the segment embedding enters scaled by sqrt(d) (CATE's
    ``TokenTypeEmbedding``): the logits change when the flag flips, for the same parameters."""
    adj, ops = _random_cells(3)
    model, params, _ = tiny
    t = tok.token_batch(adj, ops, NUM_OPS)
    plain = cm.CATE(dataclasses.replace(model.config, segment_scale=False))
    a = np.asarray(model.apply({"params": params}, t, t))
    b = np.asarray(plain.apply({"params": params}, t, t))
    assert np.abs(a - b).max() > 1e-3


def test_mlm_mask_statistics():
    adj, ops = _random_cells(5, b=4000)
    t = tok.token_batch(adj, ops, NUM_OPS, token_ids="distinct")
    inputs, sel = jax.jit(
        lambda k: cate.mlm_mask(k, t.tokens, t.token_mask, NUM_OPS, token_ids="distinct")
    )(jax.random.key(0))
    inputs, sel, tokens, real = map(np.asarray, (inputs, sel, t.tokens, t.token_mask))
    assert not sel[~real].any()
    assert abs(sel[real].mean() - 0.2) < 0.01
    is_mask = inputs[sel] == tok.mask_id(NUM_OPS, "distinct")
    assert abs(is_mask.mean() - 0.8) < 0.02
    rand = inputs[sel][~is_mask]
    assert rand.min() >= 0 and rand.max() < NUM_OPS  # random replacements are real ops
    assert np.array_equal(inputs[~sel], tokens[~sel])
    assert (inputs[~real] == tok.pad_id(NUM_OPS, "distinct")).all()
    ref = tok.token_batch(adj, ops, NUM_OPS)  # CATE's ids: PAD 0, MASK 1
    np.testing.assert_array_equal(np.asarray(ref.tokens)[~real], 0)
    assert tok.mask_id(NUM_OPS) == 1 and tok.vocab_size(NUM_OPS) == NUM_OPS


def _np_loss(logits, targets, sel, pad=0, eps=0.1):
    """CATE's ``layers/loss.py`` in NumPy: smoothing eps / (V - 2) everywhere, confidence at the
    target, 0 in the PAD column and for PAD targets; KL summed, divided by the target count."""
    logits = np.asarray(logits, np.float64).reshape(-1, logits.shape[-1])
    t = np.where(sel, targets, pad).reshape(-1)
    v = logits.shape[-1]
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    q = np.full(logits.shape, eps / (v - 2))
    q[np.arange(len(t)), t] = 1 - eps
    q[:, pad] = 0
    q[t == pad] = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(q > 0, q * (np.log(q) - logp), 0.0).sum()
    n = (t != pad).sum()
    acc = ((logits.argmax(-1) == t) & (t != pad)).sum() / n
    return kl / n, acc, n


def test_loss_matches_numpy(tiny):
    adj, ops = _random_cells(6, b=8)
    ya, yo = _random_cells(7, b=8)
    model, params, _ = tiny
    batch = {"adj_x": adj, "ops_x": ops, "adj_y": ya, "ops_y": yo}
    rng = jax.random.key(3)
    loss, (_, m) = jax.jit(cate.make_loss_fn(model))(params, {}, batch, rng)
    # Independent recomputation: same corruption (same key split as the loss), then NumPy.
    k_mask, _ = jax.random.split(rng)
    tx, ty = tok.token_batch(adj, ops, NUM_OPS), tok.token_batch(ya, yo, NUM_OPS)
    targets = np.concatenate([tx.tokens, ty.tokens], 1)
    real = np.concatenate([tx.token_mask, ty.token_mask], 1)
    inputs, sel = cate.mlm_mask(k_mask, jnp.asarray(targets), jnp.asarray(real), NUM_OPS)
    inputs = np.asarray(inputs)
    logits = jax.jit(lambda a, b: model.apply({"params": params}, a, b))(
        tx._replace(tokens=inputs[:, :N]), ty._replace(tokens=inputs[:, N:])
    )
    want_loss, want_acc, n = _np_loss(logits, targets, np.asarray(sel))
    assert 0 < n < np.asarray(sel).sum()  # selected op-0 (= PAD id) tokens are no targets
    np.testing.assert_allclose(float(loss), want_loss, rtol=1e-5)
    np.testing.assert_allclose(float(m["acc"]), want_acc, rtol=1e-6)
    assert float(m["masked"]) == n


@pytest.mark.slow
def test_loss_jit_matches_eager_and_vmap_encode(tiny):
    adj, ops = _random_cells(8, b=4)
    model, params, enc = tiny
    batch = {"adj_x": adj, "ops_x": ops, "adj_y": adj[::-1], "ops_y": ops[::-1]}
    loss_fn = cate.make_loss_fn(model)
    jitted = jax.jit(loss_fn)(params, {}, batch, jax.random.key(1))
    with jax.disable_jit():  # op by op
        eager = loss_fn(params, {}, batch, jax.random.key(1))
    np.testing.assert_allclose(jitted[0], eager[0], rtol=1e-5)
    np.testing.assert_allclose(jitted[1][1]["acc"], eager[1][1]["acc"], rtol=1e-6)
    one = jax.jit(
        jax.vmap(
            lambda a, o: model.apply({"params": params}, a[None], o[None], method=model.encode)[0]
        )
    )(adj, ops)
    np.testing.assert_allclose(enc(adj, ops), one, atol=1e-5)


@pytest.mark.slow
def test_overfits_a_fixed_batch(tiny):
    """40 Adam steps on 8 pairs with one fixed corruption bring the KL near 0 (its floor)."""
    adj, ops = _random_cells(9, b=8)
    model, params, _ = tiny
    tx = optax.adam(1e-2)
    loss_fn = cate.make_loss_fn(model)
    fixed = jax.random.key(7)
    step = train.make_train_step(lambda p, s, b, r: loss_fn(p, s, b, fixed), tx)
    batch = {"adj_x": adj, "ops_x": ops, "adj_y": adj[::-1], "ops_y": ops[::-1]}
    state = train.create(jax.tree.map(jnp.array, params), tx)  # copy: the step donates
    for _ in range(40):
        state, m = step(state, batch, jax.random.key(0))
        if _ == 0:
            first = float(m["loss"])
    assert first > 1.0 and float(m["loss"]) < 0.3, (first, float(m["loss"]))
    assert float(m["acc"]) >= 0.9 and float(m["masked"]) >= 10


def test_pooling_and_embedding_export(tiny, tmp_path):
    adj, ops = _random_cells(10, b=5)
    model, params, enc = tiny
    h = np.asarray(enc(adj, ops))
    real = ops >= 0
    output = np.stack([h[i, real[i].sum() - 1] for i in range(5)])
    mean = np.stack([h[i, real[i]].mean(0) for i in range(5)])
    np.testing.assert_allclose(cm.pool(h, real, "last"), h[:, -1], atol=1e-6)  # CATE's h[:, -1]
    np.testing.assert_allclose(cm.pool(h, real, "output"), output, atol=1e-6)
    np.testing.assert_allclose(cm.pool(h, real, "mean"), mean, atol=1e-6)
    with pytest.raises(ValueError):
        cm.pool(h, real, "max")
    emb = cate.embed_cells(model, params, adj, ops, "mean", batch_size=2)  # padded last batch
    np.testing.assert_allclose(emb, mean, atol=1e-5)
    path = tmp_path / "e" / "emb.npz"
    emb_io.save(path, np.arange(5), emb, pooling=np.str_("mean"))
    got = emb_io.load(path).as_dict()
    np.testing.assert_array_equal(got["embeddings"], emb)
    assert str(got["pooling"]) == "mean" and list(got["ids"]) == list(range(5))
    assert [p.name for p in path.parent.iterdir()] == ["emb.npz"]  # no temporary left
    with pytest.raises(ValueError):
        emb_io.save(path, np.arange(4), emb)


def test_load_cells_nb201_and_darts():
    c = cate.load_cells("nb201", num_cells=50, key=jax.random.key(0))
    assert c.adjacency.shape == (50, 8, 8) and c.num_ops == 7 and (c.ops >= 0).all()
    assert c.attribute.min() > 7e4  # raw parameter counts, not millions
    d = cate.load_cells("darts", "flops", num_cells=4, key=jax.random.key(0))
    assert d.adjacency.shape == (4, 15, 15) and d.num_ops == 11  # CATE: one cell
    for gid in d.ids:  # reduce tied to normal, as CATE's gen_json_darts.py
        g = darts.from_string(str(gid))
        assert g.reduce == g.normal
    two = cate.load_cells(
        "darts", "flops", num_cells=4, key=jax.random.key(0), darts_cells=("normal", "reduce"),
        darts_tie_reduce=False,
    )  # fmt: skip
    assert two.adjacency.shape == (4, 30, 30)
    assert not two.adjacency[:, :15, 15:].any()  # normal and reduction cells stay separate
    gs = [darts.from_string(str(g)) for g in two.ids]
    assert any(g.reduce != g.normal for g in gs)
    with pytest.raises(ValueError):
        cate.load_cells("nb301")


def test_eval_varying_positions_split_the_position_baseline(tiny):
    """Positions 0 and 1 carry a fixed token in every cell: the position baseline is right on
    all of them, so its hits there equal the masked positions outside the varying ones; the
    varying-index metrics count only positions 2.."""
    model, params, _ = tiny
    adj, ops = _random_cells(3, b=12)
    ops[:, 0], ops[:, 1] = 1, 2
    cells = cate.Cells(adj, ops, np.arange(12.0), np.arange(12), NUM_OPS, {})
    pairs = np.stack([np.arange(12), (np.arange(12) + 1) % 12], 1)
    baselines = cate.token_frequencies(cells, np.arange(12))
    ev = cate.make_eval_fn(model, cells, pairs, jax.random.key(1), baselines, 5)
    m = ev(train.create(params, optax.sgd(0.1)))
    assert 0 < m["masked_varying"] < m["masked"]
    fixed = m["masked"] - m["masked_varying"]
    hits = m["acc_pos_freq"] * m["masked"] - m["acc_pos_freq_varying"] * m["masked_varying"]
    np.testing.assert_allclose(hits, fixed, rtol=1e-6)
    for k in ("acc", "acc_varying", "acc_pos_freq_varying"):
        assert 0.0 <= m[k] <= 1.0


def test_optimizer_decays_kernels_and_embeddings_only(tiny):
    """CATE's parameter groups: no weight decay on biases and LayerNorm parameters."""
    _, params, _ = tiny
    mask = cate.decay_mask(params)
    flat = {
        "/".join(str(getattr(k, "key", k)) for k in p): v
        for p, v in jax.tree_util.tree_flatten_with_path(mask)[0]
    }
    assert flat["op_embed/embedding"] and flat["segment_embed/embedding"]
    assert flat["head_out/kernel"] and not flat["head_out/bias"]
    assert not any(v for k, v in flat.items() if "ln_" in k)
    # One step from zero gradients after warm-up: only decayed leaves move.
    tx = cate.make_optimizer(10, 1e-2, 0.5, warmup_steps=1)
    zeros = jax.tree.map(jnp.zeros_like, params)
    st = tx.init(params)
    _, st = tx.update(zeros, st, params)  # step 0: learning rate 0
    upd, _ = tx.update(zeros, st, params)
    moved = jax.tree.map(lambda u: bool(np.abs(np.asarray(u)).max() > 0), upd)
    assert moved == mask


def test_smoothed_targets_as_cate():
    vocab = tok.vocab(5)  # PAD 0, MASK 1 (a real op: gets smoothing mass)
    q = np.asarray(cate.smoothed_targets(jnp.array([2, 4]), vocab, 0.1))
    np.testing.assert_allclose(q.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(q[0], [0, 0.1 / 3, 0.9, 0.1 / 3, 0.1 / 3], rtol=1e-6)
    dv = tok.vocab(5, "distinct")  # PAD 5 and MASK 6 get nothing
    q = np.asarray(cate.smoothed_targets(jnp.array([2]), dv, 0.1))[0]
    np.testing.assert_allclose(q, [0.025, 0.025, 0.9, 0.025, 0.025, 0, 0], rtol=1e-6)
    u = np.asarray(cate.smoothed_targets(jnp.array([2]), dv, 0.1, "uniform"))[0]
    np.testing.assert_allclose(u[5:], 0.1 / 7, rtol=1e-6)


@pytest.mark.slow
def test_loss_and_gradients_unchanged_by_fused_dropout(monkeypatch):
    """The training loss and its gradients with jaxnas's fused-Threefry dropout equal those with
    flax's ``nn.Dropout`` (issue 18: the speed-up must not change published numbers)."""
    adj, ops = _random_cells(9, b=8)
    ya, yo = _random_cells(10, b=8)
    batch = {"adj_x": adj, "ops_x": ops, "adj_y": ya, "ops_y": yo}
    model = _model(graph_layers=1)  # cpu_tiny widths, dropout 0.1
    params = _init(model, adj, ops)

    def loss_and_grads():
        loss_fn = cate.make_loss_fn(model)
        return jax.jit(jax.value_and_grad(loss_fn, has_aux=True))(
            params, {}, batch, jax.random.key(4)
        )

    (loss, (_, m)), grads = loss_and_grads()
    monkeypatch.setattr(transformer, "Dropout", nn.Dropout)
    monkeypatch.setattr(cm, "Dropout", nn.Dropout)
    (want, (_, want_m)), want_grads = loss_and_grads()
    np.testing.assert_allclose(loss, want, rtol=1e-6)
    np.testing.assert_allclose(m["acc"], want_m["acc"], rtol=1e-6)
    for a, b in zip(jax.tree.leaves(grads), jax.tree.leaves(want_grads), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
