"""arch2vec / GAE / VGAE model: shapes, loss terms against NumPy, jit and vmap equality, and an
overfit test (a few cells reconstructed exactly)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnas import train
from jaxnas.analysis import reconstruction as rec
from jaxnas.models import gae, vgae
from jaxnas.spaces import nb101, nb201


def _chain(ops, extra=()):
    n = len(ops)
    a = np.eye(n, k=1, dtype=np.uint8)
    for i, j in extra:
        a[i, j] = 1
    return nb101.pad(a, np.array(ops))


def _nb101_cells():
    """Six NB101 cells of 3..7 vertices that GIN with ``eps = 0`` can tell apart vertex by vertex.

    Left out on purpose: cells where two adjacent vertices have the same multiset of
    ``{own op} + neighbour ops`` (e.g. the 2-vertex cell, or a triangle input-maxpool-conv1x1):
    with ``eps = 0`` their GIN features coincide from the first layer on, so the decoder cannot
    tell their ops apart until ``eps`` moves away from 0.
    """
    cells = [
        _chain([0, 3, 4]),
        _chain([0, 2, 4]),
        _chain([0, 1, 2, 3, 4], [(0, 4)]),
        _chain([0, 3, 1, 4], [(0, 3)]),
        _chain([0, 1, 2, 3, 1, 2, 4], [(0, 3)]),
        _chain([0, 3, 2, 1, 4], [(0, 4)]),
    ]
    return np.stack([a for a, _ in cells]), np.stack([o for _, o in cells])


@pytest.fixture(scope="module")
def batch():
    a, o = _nb101_cells()
    return vgae.Batch(a, o)


def _model(**kw):
    base = {"num_ops": 5, "max_nodes": 7, "pad_class": True, "hidden": 32}
    return vgae.GraphAutoencoder(vgae.ModelConfig(**{**base, **kw}))


@pytest.mark.parametrize("method", ["arch2vec", "vgae", "gae"])
def test_shapes(batch, method):
    if method == "arch2vec":
        model = _model()
    else:
        fn = gae.vgae_config if method == "vgae" else gae.gae_config
        model = vgae.GraphAutoencoder(fn(5, 7, True, hidden=32))
    params, state = vgae.init(model, jax.random.key(0), batch)
    assert ("log_sigma" in params) == (method != "gae")
    assert bool(state) == (method == "arch2vec")  # batch norm only in GIN
    out = model.apply({"params": params, **state}, batch)
    assert out.mu.shape == out.log_sigma.shape == out.z.shape == (6, 7, 16)
    assert out.op_logits.shape == (6, 7, 6) and out.adj_logits.shape == (6, 7, 7)
    np.testing.assert_allclose(out.adj_logits, np.swapaxes(out.adj_logits, 1, 2), atol=1e-5)
    np.testing.assert_array_equal(out.z, out.mu)  # eval mode decodes the mean


def _np_loss(out, a, o, c, softmax, kl_weight, variational=True):
    out = jax.tree.map(lambda x: np.asarray(x, np.float64), out)
    b, n, k = out.op_logits.shape
    t = np.where(o < 0, k - 1, o)

    def log_sig(x):  # log sigmoid(x), computed as -log(1 + e^-x)
        return -np.logaddexp(0.0, -x)

    if softmax:
        lg = out.op_logits
        logp = lg - np.log(np.exp(lg - lg.max(-1, keepdims=True)).sum(-1, keepdims=True))
        logp = logp - lg.max(-1, keepdims=True)
        ops = -np.mean(np.take_along_axis(logp, t[..., None], -1))
    else:
        x = out.op_logits
        y = np.eye(k)[t]
        ops = -np.mean(y * log_sig(x) + (1 - y) * log_sig(-x))
    x = out.adj_logits
    bce = -(a * log_sig(x) + (1 - a) * log_sig(-x))
    adj = sum(bce[i][np.triu_indices(n, 1)].sum() for i in range(b)) / (b * n * n)
    mu, ls = out.mu, out.log_sigma
    kl = np.mean(-0.5 * np.sum(1 + 2 * ls - mu**2 - np.exp(2 * ls), -1)) if variational else 0.0
    return ops + adj + kl_weight * kl, ops, adj, kl


@pytest.mark.parametrize("op_decoder", ["softmax", "sigmoid"])
def test_loss_matches_numpy(batch, op_decoder):
    model = _model(op_decoder=op_decoder, kl_weight=0.25, decoder_dropout=0.3)
    params, state = vgae.init(model, jax.random.key(1), batch)
    out, _ = model.apply(
        {"params": params, **state}, batch, train=True, mutable=["batch_stats"],
        rngs={"latent": jax.random.key(2), "dropout": jax.random.key(3)},
    )  # fmt: skip
    terms = vgae.loss_terms(out, batch.adjacency, batch.ops, model.config)
    want = _np_loss(out, batch.adjacency, batch.ops, 6, op_decoder == "softmax", 0.25)
    got = [terms[k] for k in ("loss", "ops", "adj", "kl")]
    np.testing.assert_allclose(got, want, rtol=2e-5)
    assert float(terms["kl"]) > 0


@pytest.mark.parametrize("op_decoder", ["softmax", "sigmoid"])
def test_elbo_reduction_is_per_graph_negative_elbo(batch, op_decoder):
    """``reduction='elbo'``: -log p(ops, A | z) summed per graph, + KL summed per graph, mean
    over graphs; computed here graph by graph with an explicit double loop."""
    model = _model(op_decoder=op_decoder, kl_weight=1.0, reduction="elbo")
    params, state = vgae.init(model, jax.random.key(1), batch)
    out, _ = model.apply(
        {"params": params, **state}, batch, train=True, mutable=["batch_stats"],
        rngs={"latent": jax.random.key(2)},
    )  # fmt: skip
    terms = vgae.loss_terms(out, batch.adjacency, batch.ops, model.config)
    o64 = jax.tree.map(lambda x: np.asarray(x, np.float64), out)
    b, n, k = o64.op_logits.shape
    per_graph = []
    for g in range(b):
        nll = 0.0
        for i in range(n):
            t = int(batch.ops[g, i]) if batch.ops[g, i] >= 0 else k - 1
            x = o64.op_logits[g, i]
            if op_decoder == "softmax":
                nll -= x[t] - np.log(np.sum(np.exp(x)))
            else:
                y = np.eye(k)[t]  # -log sigmoid(x) = log(1 + e^-x)
                nll += np.sum(y * np.logaddexp(0, -x) + (1 - y) * np.logaddexp(0, x))
            for j in range(i + 1, n):
                x, a = o64.adj_logits[g, i, j], float(batch.adjacency[g, i, j])
                nll += a * np.logaddexp(0, -x) + (1 - a) * np.logaddexp(0, x)
            mu, ls = o64.mu[g, i], o64.log_sigma[g, i]
            nll += 0.5 * np.sum(np.exp(2 * ls) + mu**2 - 1 - 2 * ls)
        per_graph.append(nll)
    np.testing.assert_allclose(float(terms["loss"]), np.mean(per_graph), rtol=2e-5)


def test_reference_kl_weight_and_kl_formula():
    assert vgae.reference_kl_weight(32, 7) == pytest.approx(1 / 224)
    mu = np.array([[[0.5, -1.0]]], np.float32)
    ls = np.array([[[0.1, -0.3]]], np.float32)
    s2 = np.exp(2 * ls)
    want = 0.5 * np.sum(s2 + mu**2 - 1 - np.log(s2))  # closed form of KL(N(mu, s2) || N(0, 1))
    np.testing.assert_allclose(vgae.kl_per_node(mu, ls)[0, 0], want, rtol=1e-6)


def test_op_targets_without_pad_class():
    t, w = vgae.op_targets(np.array([[0, 2, 4, -1]]), pad_class=False, num_classes=5)
    np.testing.assert_array_equal(w, [[1, 1, 1, 0]])
    t, w = vgae.op_targets(np.array([[0, 2, 4, -1]]), pad_class=True, num_classes=6)
    np.testing.assert_array_equal(t, [[0, 2, 4, 5]])


def test_normalized_adjacency_matches_numpy():
    a = np.array([[[0, 1, 0], [1, 0, 0], [0, 0, 0]]], np.float32)
    m = np.array([[1, 1, 0]], np.float32)
    got = np.asarray(gae.normalized_adjacency(jnp.asarray(a), jnp.asarray(m)))[0]
    a_tilde = a[0] + np.diag(m[0])
    d = a_tilde.sum(1)
    inv = np.divide(1.0, np.sqrt(d), out=np.zeros_like(d), where=d > 0)
    np.testing.assert_allclose(got, inv[:, None] * a_tilde * inv[None, :], rtol=1e-6)


@pytest.mark.slow
def test_train_step_jit_equals_no_jit(batch):
    # SGD, not Adam: Adam's first steps amplify rounding noise in gradients that are zero in
    # exact arithmetic (biases before batch norm) to +-lr, which would hide real differences.
    model = _model(decoder_dropout=0.3, num_layers=1)  # op-by-op execution is slow: keep small
    params, state = vgae.init(model, jax.random.key(0), batch)
    tx = optax.chain(optax.clip_by_global_norm(5.0), optax.sgd(0.05))
    loss_fn = vgae.make_loss_fn(model)
    s_jit = train.make_train_step(loss_fn, tx, jit=True)
    s_eager = train.make_train_step(loss_fn, tx, jit=False)
    rng = jax.random.key(7)
    a = train.create(params, tx, state)
    b = train.create(jax.tree.map(jnp.copy, params), tx, jax.tree.map(jnp.copy, state))
    a, ma = s_jit(a, batch, rng)
    b, mb = s_eager(b, batch, rng)
    np.testing.assert_allclose(ma["loss"], mb["loss"], rtol=1e-5)
    for x, y in zip(jax.tree.leaves(a.params), jax.tree.leaves(b.params), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-6)


def test_vmap_equals_loop(batch):
    """vmap of the eval-mode forward over a stack of batches == one call per batch."""
    model = _model()
    params, state = vgae.init(model, jax.random.key(0), batch)
    variables = {"params": params, **state}
    half = vgae.Batch(
        np.stack([batch.adjacency[:3], batch.adjacency[3:]]),
        np.stack([batch.ops[:3], batch.ops[3:]]),
    )
    f = jax.vmap(lambda a, o: model.apply(variables, vgae.Batch(a, o)).mu)
    got = f(half.adjacency, half.ops)
    for i in range(2):
        want = model.apply(variables, vgae.Batch(half.adjacency[i], half.ops[i])).mu
        np.testing.assert_allclose(got[i], want, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("space", ["nb101", "nb201"])
def test_overfit_reconstructs_exactly(space):
    """A few cells are reconstructed exactly after a short training."""
    if space == "nb101":
        a, o = _nb101_cells()
        cfg = vgae.ModelConfig(5, 7, True, hidden=64, kl_weight=1e-3)
    else:
        a, o = nb201.to_node_graph(nb201.all_cells()[:6])
        cfg = vgae.ModelConfig(7, 8, False, hidden=64, kl_weight=1e-3)
    model = vgae.GraphAutoencoder(cfg)
    b = vgae.Batch(a, o)
    params, state = vgae.init(model, jax.random.key(0), b)
    tx = optax.adam(3e-3)
    step = train.make_train_step(vgae.make_loss_fn(model), tx)
    s = train.create(params, tx, state)
    for _ in range(150 if space == "nb101" else 450):  # exact from ~100 / ~300-400 steps
        s, m = step(s, b, jax.random.key(1))
    out = model.apply({"params": s.params, **s.model_state}, b)
    counts = rec.reconstruction_counts(out.op_logits, out.adj_logits, a, o, cfg.pad_class)
    assert int(counts["exact"]) == len(o), (counts, float(m["loss"]))
