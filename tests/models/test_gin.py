"""GIN encoder: shapes, a NumPy re-computation of a layer, dense vs jraph (segment_sum) forms."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.encodings import graphs as graph_lib
from jaxnas.models import gin
from jaxnas.spaces import nb101


@pytest.fixture(scope="module")
def cells():
    """Eight NB101 cells: six sampled, a 2-vertex and a 3-vertex one (padding guaranteed)."""
    out = [nb101.sample(jax.random.fold_in(jax.random.key(0), i)) for i in range(6)]
    out.append(nb101.pad(np.array([[0, 1], [0, 0]]), np.array([0, 4])))
    out.append(nb101.pad(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]]), np.array([0, 3, 4])))
    return np.stack([a for a, _ in out]), np.stack([o for _, o in out])


def _dense(a, o):
    return graph_lib.dense_batch(a, o, len(nb101.OPS), symmetric=True)


def _tuple(a, o):
    store = graph_lib.graph_store(a, o, len(nb101.OPS), symmetric=True, max_edges=18)
    return graph_lib.graphs_tuple(store, np.arange(len(o)))


def test_shapes(cells):
    a, o = cells
    model = gin.GIN(num_layers=2, features=32)
    dense = _dense(a, o)
    v = model.init(jax.random.key(0), dense)
    assert model.apply(v, dense).shape == (8, 7, 32)
    gt = _tuple(a, o)
    h = model.apply(v, gt)
    assert h.shape == (8 * 7 + 1, 32)
    assert gin.jraph_to_dense(gt, h, 7).shape == (8, 7, 32)
    assert float(v["params"]["layer_0"]["eps"]) == 0.0  # eps initialised at 0


def _bn(x, mask, scale, bias):
    m = x[mask].mean(0)
    var = x[mask].var(0)
    return (x - m) / np.sqrt(var + 1e-5) * scale + bias


def test_layer_matches_numpy(cells):
    """One training-mode GIN layer against a NumPy re-computation (masked batch statistics)."""
    a, o = cells
    dense = _dense(a, o)
    layer = gin.GINLayer(features=16)
    b, n, f = dense.nodes.shape
    h = dense.nodes.reshape(b * n, f)
    mask = dense.node_mask.reshape(-1) > 0
    agg = gin.dense_aggregate(jnp.asarray(dense.adjacency))
    v = layer.init(jax.random.key(1), h, agg, jnp.asarray(mask), False)
    params = jax.tree.map(np.asarray, v["params"])
    params["eps"] = np.float32(0.3)
    rng = np.random.default_rng(0)
    for name in ("mlp_bn", "bn"):  # non-trivial affine batch-norm parameters
        params[name]["scale"] = rng.normal(size=16).astype(np.float32)
        params[name]["bias"] = rng.normal(size=16).astype(np.float32)
    out, new = layer.apply(
        {"params": params, "batch_stats": v["batch_stats"]},
        h, agg, jnp.asarray(mask), True, mutable=["batch_stats"],
    )  # fmt: skip
    x = (1.3 * dense.nodes + dense.adjacency @ dense.nodes).reshape(b * n, f)
    x = x @ params["mlp_0"]["kernel"] + params["mlp_0"]["bias"]
    x = np.maximum(_bn(x, mask, params["mlp_bn"]["scale"], params["mlp_bn"]["bias"]), 0)
    x = x @ params["mlp_1"]["kernel"] + params["mlp_1"]["bias"]
    x = np.maximum(_bn(x, mask, params["bn"]["scale"], params["bn"]["bias"]), 0)
    np.testing.assert_allclose(np.asarray(out)[mask], x[mask], rtol=1e-4, atol=1e-4)
    # Running mean moves 10% of the way towards the batch mean of real rows (momentum 0.9).
    pre = (1.3 * dense.nodes + dense.adjacency @ dense.nodes).reshape(b * n, f)
    pre = pre @ params["mlp_0"]["kernel"] + params["mlp_0"]["bias"]
    np.testing.assert_allclose(
        new["batch_stats"]["mlp_bn"]["mean"], 0.1 * pre[mask].mean(0), rtol=1e-4, atol=1e-5
    )


@pytest.mark.parametrize("train", [False, True])
def test_dense_equals_segment_sum(cells, train):
    a, o = cells
    dense, gt = _dense(a, o), _tuple(a, o)
    model = gin.GIN(num_layers=4, features=32)
    v = model.init(jax.random.key(2), dense)
    kw = {"mutable": ["batch_stats"]} if train else {}
    d = model.apply(v, dense, train=train, **kw)
    j = model.apply(v, gt, train=train, **kw)
    if train:
        (d, sd), (j, sj) = d, j
        for x, y in zip(jax.tree.leaves(sd), jax.tree.leaves(sj), strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)
    jd = gin.jraph_to_dense(gt, j, 7)
    # every position, padding included (padding rows: an isolated zero-feature vertex)
    np.testing.assert_allclose(d, jd, rtol=1e-4, atol=1e-4)
    assert (o < 0).any()  # the batch really has padding


def test_jraph_to_dense_positions(cells):
    a, o = cells
    gt = _tuple(a, o)
    h = jnp.arange(gt.nodes.shape[0], dtype=jnp.float32)[:, None]
    d = np.asarray(jax.jit(gin.jraph_to_dense, static_argnums=2)(gt, h, 7))[..., 0]
    n = (o >= 0).sum(1)
    off = np.cumsum(n) - n
    for b in range(len(o)):
        np.testing.assert_array_equal(d[b, : n[b]], off[b] + np.arange(n[b]))
        assert (d[b, n[b] :] == gt.nodes.shape[0] - 1).all()


def test_segment_sum_is_symmetric_aggregation(cells):
    a, o = cells
    dense, gt = _dense(a, o), _tuple(a, o)
    h = np.random.default_rng(0).normal(size=(8, 7, 3)).astype(np.float32)
    h = h * dense.node_mask[..., None]
    flat = np.zeros((gt.nodes.shape[0], 3), np.float32)
    n = (o >= 0).sum(1)
    flat[: n.sum()] = np.concatenate([h[b, : n[b]] for b in range(8)])
    got = gin.jraph_to_dense(gt, gin.segment_aggregate(gt)(jnp.asarray(flat)), 7)
    want = (a + np.swapaxes(a, 1, 2)).astype(np.float32) @ h
    m = dense.node_mask[..., None] > 0
    np.testing.assert_allclose(np.where(m, got, 0), np.where(m, want, 0), atol=1e-5)
