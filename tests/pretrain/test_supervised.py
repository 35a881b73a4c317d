"""The supervised baseline encoder: shapes, a NumPy forward pass and loss, training reduces the
loss, and a smoke run of experiments/pretrain_supervised.py."""

import json

import jax
import numpy as np
import optax
import pytest

from jaxnas import embeddings as emb_io
from jaxnas import train
from jaxnas.pretrain import supervised
from jaxnas.spaces import nb201
from tests.conftest import run_binary


@pytest.fixture(scope="module")
def cells():
    c = nb201.all_cells()[::97][:64]
    adj, ops = nb201.to_node_graph(c)
    y = (np.asarray(c) == nb201.OPS.index("nor_conv_3x3")).sum(1).astype(np.float32)
    return np.asarray(adj, np.uint8), np.asarray(ops, np.int32), (y - y.mean()) / y.std()


def _model():
    return supervised.SupervisedEncoder(len(nb201.NODE_OPS), num_layers=2, hidden=16, latent=4,
                                        head_hidden=8)  # fmt: skip


def _numpy_forward(params, stats, adj, ops, num_ops):
    """Eval-mode forward in NumPy: GIN layers, per-node head, node-mean, MLP regressor."""
    a = adj.astype(np.float64)
    a = a + np.swapaxes(a, -1, -2)
    h = (ops[..., None] == np.arange(num_ops)).astype(np.float64)
    mask = (ops >= 0).astype(np.float64)[..., None]

    def dense(p, x):
        return x @ np.asarray(p["kernel"], np.float64) + np.asarray(p["bias"], np.float64)

    def bn(p, s, x):
        m, v = np.asarray(s["mean"]), np.asarray(s["var"])
        return (x - m) / np.sqrt(v + 1e-5) * np.asarray(p["scale"]) + np.asarray(p["bias"])

    gp, gs = params["gin"], stats["gin"]
    for i in range(len(gp)):
        lp, ls = gp[f"layer_{i}"], gs[f"layer_{i}"]
        x = (1.0 + float(lp["eps"])) * h + a @ h
        x = np.maximum(bn(lp["mlp_bn"], ls["mlp_bn"], dense(lp["mlp_0"], x)), 0)
        h = np.maximum(bn(lp["bn"], ls["bn"], dense(lp["mlp_1"], x)), 0)
    z = dense(params["mu"], h)
    emb = (z * mask).sum(1) / mask.sum(1)
    pred = dense(params["head_1"], np.maximum(dense(params["head_0"], emb), 0))[:, 0]
    return pred, emb


def test_shapes_numpy_forward_loss_and_training(cells):
    adj, ops, y = cells
    model = _model()
    params, state = supervised.init(model, jax.random.key(0), adj[:8], ops[:8])
    apply = supervised.make_apply(model)
    pred, emb = apply(params, state, adj, ops)
    assert pred.shape == (64,) and emb.shape == (64, 4)

    tx = optax.adam(2e-2)
    ts = train.create(params, tx, state)
    step = train.make_train_step(supervised.make_loss_fn(model), tx)
    batch = supervised.Batch(adj, ops, y)
    losses = []
    for _ in range(40):
        ts, m = step(ts, batch, jax.random.key(1))
        losses.append(float(m["loss"]))
    assert losses[-1] < 0.3 * losses[0]

    # Eval-mode forward (with the trained batch-norm statistics) against NumPy.
    pred, emb = apply(ts.params, ts.model_state, adj, ops)
    ref_pred, ref_emb = _numpy_forward(
        ts.params, ts.model_state["batch_stats"], adj, ops, len(nb201.NODE_OPS)
    )
    np.testing.assert_allclose(emb, ref_emb, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(pred, ref_pred, rtol=1e-4, atol=1e-4)

    # The training loss is the MSE of the train-mode predictions (NumPy).
    loss_fn = supervised.make_loss_fn(model)
    loss, (_, metrics) = loss_fn(ts.params, ts.model_state, batch, jax.random.key(0))
    (p_train, _), _ = model.apply(
        {"params": ts.params, **ts.model_state}, adj, ops, train=True, mutable=["batch_stats"]
    )
    ref = np.mean((np.asarray(p_train, np.float64) - y) ** 2)
    assert float(loss) == pytest.approx(ref, rel=1e-5)
    assert float(metrics["rmse_std_units"]) == pytest.approx(np.sqrt(ref), rel=1e-5)


def test_padding_vertices_do_not_change_the_embedding(cells):
    adj, ops, _ = cells
    model = _model()
    params, state = supervised.init(model, jax.random.key(0), adj[:8], ops[:8])
    apply = supervised.make_apply(model)
    a9 = np.zeros((8, 9, 9), np.uint8)
    a9[:, :8, :8] = adj[:8]
    o9 = np.concatenate([ops[:8], np.full((8, 1), -1, np.int32)], axis=1)
    p8, e8 = apply(params, state, adj[:8], ops[:8])
    p9, e9 = apply(params, state, a9, o9)
    np.testing.assert_allclose(e8, e9, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p8, p9, rtol=1e-5, atol=1e-6)


def test_pretrain_supervised_smoke(tmp_path):
    w = tmp_path / "sup"
    r = run_binary(
        "experiments.pretrain_supervised",
        "--config=experiments/configs/supervised_nb201.py:smoke", f"--workdir={w}",
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((w / "results.json").read_text())
    assert res["completed"] and res["step"] == 8 and res["benchmark"] == "nb201-cifar10"
    assert res["data"] == {"labelled_cells": 300, "train_cells": 270, "held_out_cells": 30,
                           "embedded_cells": 300}  # fmt: skip
    assert res["held_out"]["count"] == 30 and res["held_out"]["rmse"] > 0
    assert "naslib_nb201_zen" in res["source"]
    emb = emb_io.load(w / "embeddings.npz").as_dict()
    assert emb["embeddings"].shape == (300, 16) and emb["ids"].dtype.kind == "i"
    assert len(np.unique(emb["ids"])) == 300 and emb["ids"].max() < nb201.NUM_ARCHS
