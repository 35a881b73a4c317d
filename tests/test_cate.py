"""CATE model and pretraining pieces: shapes, mask semantics, loss vs NumPy, jit / vmap,
masking statistics, overfitting, pooling and embedding export."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnas import train
from jaxnas.encodings import tokens as tok
from jaxnas.models import cate as cm
from jaxnas.pretrain import cate

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
    assert logits.shape == (6, 2 * N, NUM_OPS + 2)
    assert enc(adj, ops).shape == (6, N, 32)
    ref = cm.make_config(NUM_OPS)
    assert (ref.d_model, ref.num_heads, ref.graph_layers, ref.graph_ffn) == (64, 8, 12, 128)
    assert (ref.cross_layers, ref.cross_ffn, ref.dropout, ref.indirect) == (24, 256, 0.1, True)
    assert ref.vocab_size == 7 and tok.pad_id(NUM_OPS) != tok.mask_id(NUM_OPS)
    with pytest.raises(ValueError):
        cm.make_config(NUM_OPS, "huge")


def test_graph_encoder_ignores_unreachable_and_padding(tiny):
    """Perturbing the ops of nodes unreachable from i, and everything at padding positions,
    leaves node i's encoding unchanged (2 blocks, transitive-closure mask); perturbing a
    reachable node changes it."""
    adj, ops = _random_cells(1, b=8)
    _, _, enc = tiny
    h = np.asarray(enc(adj, ops))
    rng = np.random.default_rng(2)
    changed = 0
    for b in range(len(ops)):
        real = ops[b] >= 0
        reach = _reach(adj[b])
        assert np.all(h[b, ~real] == 0)
        for i in np.flatnonzero(real):
            o2, a2 = ops.copy(), adj.copy()
            unreach = real & ~reach[i]
            o2[b, unreach] = (o2[b, unreach] + rng.integers(1, NUM_OPS, unreach.sum())) % NUM_OPS
            a2[b, ~real, :] = rng.integers(0, 2, ((~real).sum(), N))  # junk in padding rows
            h2 = np.asarray(enc(a2, o2))
            np.testing.assert_allclose(h2[b, i], h[b, i], atol=1e-5)
            others = np.flatnonzero(real & reach[i] & (np.arange(N) != i))
            if len(others):
                o3 = ops.copy()
                o3[b, others[0]] = (o3[b, others[0]] + 1) % NUM_OPS
                changed += np.abs(np.asarray(enc(adj, o3))[b, i] - h[b, i]).max() > 1e-4
    assert changed > 0


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


def test_last_pooling_sees_the_cell_only_with_ancestor_masks(tiny):
    """Default direction: the last (sink) node attends only to itself, so its encoding depends
    on its own op alone; transposed (``ancestors``): it depends on the rest of the cell."""
    adj, ops = _random_cells(11, b=8)
    ops[:, 0] = 0
    n = (ops >= 0).sum(1)
    ops[np.arange(8), n - 1] = 4  # same last op everywhere, different cells
    real = jnp.asarray(ops >= 0)
    last = np.asarray(cm.pool(tiny[2](adj, ops), real, "last"))
    np.testing.assert_allclose(last, np.broadcast_to(last[:1], last.shape), atol=1e-5)
    model = _model(graph_layers=2, dropout=0.0, ancestors=True)
    params = _init(model, adj, ops)
    h = jax.jit(lambda a, o: model.apply({"params": params}, a, o, method=model.encode))(adj, ops)
    assert np.asarray(cm.pool(h, real, "last")).std(0).mean() > 1e-3


def test_cross_encoder_ignores_padding_of_the_pair(tiny):
    adj, ops = _random_cells(3)
    model, params, _ = tiny
    f = jax.jit(
        lambda ax, ox, ay, oy: model.apply(
            {"params": params},
            tok.token_batch(ax, ox, NUM_OPS),
            tok.token_batch(ay, oy, NUM_OPS),
        )
    )
    y_adj, y_ops = _random_cells(4)
    base = np.asarray(f(adj, ops, y_adj, y_ops))
    tx = tok.token_batch(adj, ops, NUM_OPS)
    ty = tok.token_batch(y_adj, y_ops, NUM_OPS)
    # Replace the PAD token ids by other ids: the outputs at real tokens must not change.
    junk = lambda t: t._replace(tokens=jnp.where(t.token_mask, t.tokens, 1))  # noqa: E731
    out = np.asarray(
        jax.jit(lambda a, b: model.apply({"params": params}, a, b))(junk(tx), junk(ty))
    )
    real = np.concatenate([ops >= 0, y_ops >= 0], axis=1)
    np.testing.assert_allclose(out[real], base[real], atol=1e-5)


def test_mlm_mask_statistics():
    adj, ops = _random_cells(5, b=4000)
    t = tok.token_batch(adj, ops, NUM_OPS)
    inputs, sel = jax.jit(lambda k: cate.mlm_mask(k, t.tokens, t.token_mask, NUM_OPS))(
        jax.random.key(0)
    )
    inputs, sel, tokens, real = map(np.asarray, (inputs, sel, t.tokens, t.token_mask))
    assert not sel[~real].any()
    assert abs(sel[real].mean() - 0.2) < 0.01
    is_mask = inputs[sel] == tok.mask_id(NUM_OPS)
    assert abs(is_mask.mean() - 0.8) < 0.02
    rand = inputs[sel][~is_mask]
    assert rand.min() >= 0 and rand.max() < NUM_OPS  # random replacements are real ops
    assert np.array_equal(inputs[~sel], tokens[~sel])
    assert (inputs[~real] == tok.pad_id(NUM_OPS)).all()


def _np_loss(logits, targets, w, eps=0.1):
    logits = np.asarray(logits, np.float64)
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    v = logits.shape[-1]
    q = np.full(logits.shape, eps / v)
    np.put_along_axis(q, targets[..., None], 1 - eps + eps / v, axis=-1)
    ce = -(q * logp).sum(-1)
    return (ce * w).sum() / max(w.sum(), 1), ((logits.argmax(-1) == targets) * w).sum() / w.sum()


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
    want_loss, want_acc = _np_loss(logits, targets, np.asarray(sel, np.float64))
    assert np.asarray(sel).sum() > 0
    np.testing.assert_allclose(float(loss), want_loss, rtol=1e-5)
    np.testing.assert_allclose(float(m["acc"]), want_acc, rtol=1e-6)
    assert float(m["masked"]) == np.asarray(sel).sum()


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
    """40 Adam steps on 8 pairs with one fixed corruption reach near the label-smoothing floor
    (two of the 24 masked positions are indistinguishable without positions, so not all)."""
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
    assert first > 1.5 and float(m["loss"]) < 0.75, (first, float(m["loss"]))
    assert float(m["acc"]) >= 0.9 and float(m["masked"]) >= 10


def test_pooling_and_embedding_export(tiny, tmp_path):
    adj, ops = _random_cells(10, b=5)
    model, params, enc = tiny
    h = np.asarray(enc(adj, ops))
    real = ops >= 0
    last = np.stack([h[i, real[i].sum() - 1] for i in range(5)])
    mean = np.stack([h[i, real[i]].mean(0) for i in range(5)])
    np.testing.assert_allclose(cm.pool(h, real, "last"), last, atol=1e-6)
    np.testing.assert_allclose(cm.pool(h, real, "mean"), mean, atol=1e-6)
    with pytest.raises(ValueError):
        cm.pool(h, real, "max")
    emb = cate.embed_cells(model, params, adj, ops, "mean", batch_size=2)  # padded last batch
    np.testing.assert_allclose(emb, mean, atol=1e-5)
    # Extra padding does not change a cell's embedding.
    adj9 = np.zeros((5, 9, 9), np.uint8)
    adj9[:, :N, :N] = adj
    ops9 = np.full((5, 9), -1, np.int32)
    ops9[:, :N] = ops
    np.testing.assert_allclose(cate.embed_cells(model, params, adj9, ops9, "mean"), emb, atol=1e-5)
    path = tmp_path / "e" / "emb.npz"
    cate.save_embeddings(path, np.arange(5), emb, pooling=np.str_("mean"))
    got = cate.load_embeddings(path)
    np.testing.assert_array_equal(got["embeddings"], emb)
    assert str(got["pooling"]) == "mean" and list(got["ids"]) == list(range(5))
    assert [p.name for p in path.parent.iterdir()] == ["emb.npz"]  # no temporary left
    with pytest.raises(ValueError):
        cate.save_embeddings(path, np.arange(4), emb)


def test_load_cells_nb201_and_darts():
    c = cate.load_cells("nb201", num_cells=50, key=jax.random.key(0))
    assert c.adjacency.shape == (50, 8, 8) and c.num_ops == 7 and (c.ops >= 0).all()
    assert c.attribute.min() > 7e4  # raw parameter counts, not millions
    d = cate.load_cells("darts", "flops", num_cells=4, key=jax.random.key(0))
    assert d.adjacency.shape == (4, 30, 30) and d.num_ops == 11
    assert not d.adjacency[:, :15, 15:].any()  # normal and reduction cells stay separate
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
