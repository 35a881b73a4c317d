"""D-VAE (jaxnas.models.dvae) against NumPy loops written after the reference's sequential
algorithm (muhanzhang/D-VAE models.py DVAE: _propagate_to / encode / loss), on small DAGs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.models import dvae

N, T = 6, 5  # vertices, types (0 start, 4 end)


def _graphs():
    """Small DAGs in topological order: a full 6-vertex graph, a chain, a padded 4-vertex one."""
    a1 = np.zeros((N, N), np.uint8)
    for u, v in [(0, 1), (0, 2), (1, 3), (2, 3), (2, 4), (3, 5), (4, 5), (0, 4)]:
        a1[u, v] = 1
    t1 = np.array([0, 1, 2, 3, 1, 4])
    a2 = np.eye(N, k=1, dtype=np.uint8)
    t2 = np.array([0, 3, 3, 2, 1, 4])
    a3 = np.zeros((N, N), np.uint8)
    for u, v in [(0, 1), (0, 2), (1, 3), (2, 3)]:
        a3[u, v] = 1
    t3 = np.array([0, 2, 1, 4, -1, -1])
    return [(t1, a1), (t2, a2), (t3, a3)]


def _np(tree):
    return jax.tree.map(lambda x: np.asarray(x, np.float64), tree)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _dense(p, x):
    return x @ p["kernel"] + p.get("bias", 0.0)


def _gru(p, x, h):
    gi, gh = _dense(p["input"], x), _dense(p["hidden"], h)
    ir, iz, i_n = np.split(gi, 3)
    hr, hz, hn = np.split(gh, 3)
    r, z = _sig(ir + hr), _sig(iz + hz)
    return (1 - z) * np.tanh(i_n + r * hn) + z * h


def _msg(p, h, u):
    s = np.concatenate([h, np.eye(N)[u]])
    return _sig(_dense(p["gate"], s)) * _dense(p["mapper"], s)


def _mlp(p, x):
    return _dense(p["layers_2"], np.maximum(_dense(p["layers_0"], x), 0))


def _encode_loop(p, types, adj, hs):
    """The reference's encode: predecessors in index order, then successors in reverse."""
    n = int((types >= 0).sum())
    x = np.eye(T)[types[:n]]
    hf = {}
    for v in range(n):
        preds = [u for u in range(n) if adj[u, v]]
        h_in = sum((_msg(p["msg_forward"], hf[u], u) for u in preds), np.zeros(hs))
        hf[v] = _gru(p["grue_forward"], x[v], h_in)
    hb = {}
    for v in range(n - 1, -1, -1):
        succ = [w for w in range(n) if adj[v, w]]
        h_in = sum((_msg(p["msg_backward"], hb[w], w) for w in succ), np.zeros(hs))
        hb[v] = _gru(p["grue_backward"], x[v], h_in)
    hg = _dense(p["hg_unify"], np.concatenate([hf[n - 1], hb[0]]))
    return _dense(p["fc_mu"], hg), _dense(p["fc_logvar"], hg)


def _nll_loop(p, z, types, adj, hs):
    """The reference's teacher-forced loss: one vertex, then one edge decision at a time."""
    n = int((types >= 0).sum())
    states = {0: _gru(p["grud"], np.eye(T)[0], np.tanh(_dense(p["fc_h0"], z)))}
    ll = 0.0
    for v in range(1, N):
        logits = _mlp(p["add_vertex"], states[min(v, n) - 1])
        logp = logits - np.log(np.exp(logits).sum())
        ll += logp[types[v] if v < n else 0]
        preds = []

        def state_v(preds=preds, v=v):
            if v >= n:
                return np.zeros(hs)
            h_in = sum((_msg(p["msg_forward"], states[u], u) for u in preds), np.zeros(hs))
            return _gru(p["grud"], np.eye(T)[types[v]], h_in)

        for u in range(v - 1, -1, -1):
            hu = states[u] if u < n else np.zeros(hs)
            q = _sig(_mlp(p["add_edge"], np.concatenate([hu, state_v()]))[0])
            ll += np.log(q) if adj[u, v] else np.log(1 - q)
            if adj[u, v]:
                preds.append(u)
        if v < n:
            states[v] = state_v()
    return -ll


@pytest.fixture(scope="module")
def model_params():
    model = dvae.DVAE(dvae.DVAEConfig(num_types=T, max_nodes=N, hidden=12, latent=4))
    return model, dvae.init(model, jax.random.key(3))


def test_encoder_equals_numpy_topological_loop(model_params):
    model, params = model_params
    p = _np(params)
    for types, adj in _graphs():
        mu, logvar = model.apply({"params": params}, jnp.asarray(types), jnp.asarray(adj),
                                 method=dvae.DVAE.encode)  # fmt: skip
        mu_ref, lv_ref = _encode_loop(p, types, adj, 12)
        np.testing.assert_allclose(mu, mu_ref, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(logvar, lv_ref, rtol=1e-4, atol=1e-5)


def test_teacher_forced_loss_equals_sequential_loop(model_params):
    model, params = model_params
    p = _np(params)
    for types, adj in _graphs():
        nll, kld = dvae.graph_loss(model, params, jnp.asarray(types), jnp.asarray(adj),
                                   jax.random.key(0), train=False)  # fmt: skip
        mu, lv = _encode_loop(p, types, adj, 12)
        np.testing.assert_allclose(nll, _nll_loop(p, mu, types, adj, 12), rtol=1e-4)
        np.testing.assert_allclose(kld, -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv)), rtol=1e-4)


@pytest.mark.slow
def test_per_vertex_heads_equal_pairwise_loss_and_gradients(model_params):
    """DVAE.heads (pair-wise matmuls taken per vertex) gives the loss and gradients of
    DVAE.heads_pairwise (one GRU step and edge-MLP call per pair) on a batch with padding."""
    model, params = model_params
    gs = _graphs()
    types = jnp.asarray(np.stack([t for t, _ in gs]))
    adj = jnp.asarray(np.stack([a for _, a in gs]))

    def loss(p, pairwise):
        return dvae.batch_loss(model, p, types, adj, jax.random.key(5), pairwise=pairwise)[0]

    value_and_grad = jax.jit(jax.value_and_grad(loss), static_argnums=1)
    (l_fast, g_fast), (l_pair, g_pair) = (value_and_grad(params, pw) for pw in (False, True))
    np.testing.assert_allclose(l_fast, l_pair, rtol=1e-5)
    for a, b in zip(jax.tree.leaves(g_fast), jax.tree.leaves(g_pair), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert float(jnp.max(jnp.abs(g_fast["add_edge"]["layers_0"]["kernel"]))) > 1e-3


@pytest.mark.slow
def test_batch_encode_equals_single_graphs(model_params):
    """vmap over a batch (one padded graph among them) equals the single-graph calls."""
    model, params = model_params
    gs = _graphs()
    types = jnp.asarray(np.stack([t for t, _ in gs]))
    adj = jnp.asarray(np.stack([a for _, a in gs]))
    mu, _ = dvae.batch_encode(model, params, types, adj)
    for i, (t, a) in enumerate(gs):
        one, _ = model.apply({"params": params}, jnp.asarray(t), jnp.asarray(a),
                             method=dvae.DVAE.encode)  # fmt: skip
        np.testing.assert_allclose(mu[i], one, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_decode_shapes_and_structure(model_params):
    """Decodes end with the output type and are DAGs over the real vertices (upper
    triangular); sampled and greedy both compile."""
    model, params = model_params
    z = jax.random.normal(jax.random.key(1), (7, 4))
    for greedy in (True, False):
        types, adj = dvae.batch_decode(model, params, z, jax.random.key(2), greedy)
        types, adj = np.asarray(types), np.asarray(adj)
        assert types.shape == (7, N) and adj.shape == (7, N, N)
        for t, a in zip(types, adj, strict=True):
            n = int((t >= 0).sum())
            assert t[0] == 0 and t[n - 1] == T - 1 and np.all(t[n:] == -1)
            assert np.all(np.tril(a) == 0) and np.all(a[n:] == 0) and np.all(a[:, n:] == 0)
            # every vertex but the output has a successor (loose ends feed the output)
            assert np.all(a[: n - 1].sum(1) > 0)
