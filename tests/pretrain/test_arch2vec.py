"""arch2vec pretraining pipeline: DARTS sampling and graphs, data, batches, exact resume."""

import jax
import numpy as np
import pytest

from jaxnas import train
from jaxnas.models import vgae
from jaxnas.pretrain import arch2vec
from jaxnas.spaces import darts


def test_darts_sampling_and_graphs():
    cells = arch2vec.sample_darts_cells(jax.random.key(0), 2000)
    assert cells.shape == (2000, 8, 2) and cells.dtype == np.int32
    ops, inputs = cells[..., 0], cells[..., 1]
    assert ops.min() >= 1 and ops.max() == 7  # never 'none'
    for i in range(4):
        ins = inputs[:, 2 * i : 2 * i + 2]
        assert (ins[:, 0] != ins[:, 1]).all() and ins.max() == i + 1 and ins.min() == 0
    # the graphs are darts.to_arch2vec's, and decode back to the cells
    adj, o = arch2vec.darts_graphs(cells[:50])
    for k in range(50):
        g = darts.from_array(np.stack([cells[k], cells[k]]))
        a_ref, o_ref = darts.to_arch2vec(g, "normal")
        np.testing.assert_array_equal(adj[k], a_ref)
        np.testing.assert_array_equal(o[k], o_ref)
        assert darts.from_arch2vec(adj[k], o[k]) == g.normal
    canon = arch2vec.canonical_darts_cells(cells)
    assert (
        np.sort(canon.reshape(-1, 4, 2, 2)[..., 0], -1) == canon.reshape(-1, 4, 2, 2)[..., 0]
    ).all()


def test_load_cells_and_batches():
    key = jax.random.key(0)
    c = arch2vec.load_cells("nb201", key, num_cells=100)
    assert c.adjacency.shape == (100, 8, 8) and c.ops.shape == (100, 8) and c.num_ops == 7
    assert c.info["subsampled"] and c.info["space_cells_available"] == 15625
    d = arch2vec.load_cells("darts", key, num_cells=500)
    assert d.adjacency.shape[1:] == (11, 11) and d.darts_cells.shape == (len(d.ops), 8, 2)
    assert len(np.unique(d.darts_cells, axis=0)) == len(d.ops) <= 500
    tr, ho = arch2vec.split(key, 100, 0.9)
    assert len(tr) == 90 and len(ho) == 10 and not set(tr) & set(ho)
    b = arch2vec.BatchMaker(c, "jraph")(np.array([3, 1, 4]))
    assert b.graphs.nodes.shape == (3 * 8 + 1, 7) and b.adjacency.shape == (3, 8, 8)


def test_cached_batch_indices_equal_train_batch_indices():
    key = jax.random.key(5)
    f = arch2vec.cached_batch_indices(key, 50, 8)
    for step in [0, 1, 5, 6, 7, 13, 2, 40]:  # crosses epochs, and goes back
        np.testing.assert_array_equal(f(step), train.batch_indices(key, 50, 8, step))


@pytest.mark.slow
def test_resume_gives_same_params(tmp_path):
    """An interrupted run resumed from its checkpoint ends with the parameters of an
    uninterrupted one."""
    c = arch2vec.load_cells("nb201", jax.random.key(0), num_cells=64)
    cfg = vgae.ModelConfig(7, 8, False, hidden=16, decoder_dropout=0.3)
    model = vgae.GraphAutoencoder(cfg)
    make = arch2vec.BatchMaker(c, "dense")
    tx = arch2vec.make_optimizer(1e-3, 5.0)
    params, state = vgae.init(model, jax.random.key(1), make(np.arange(8)))
    step = train.make_train_step(vgae.make_loss_fn(model), tx)

    def get_batch(s):
        return make(train.batch_indices(jax.random.key(2), 64, 8, s))

    def fresh():
        return train.create(*jax.tree.map(np.array, (params,)), tx, jax.tree.map(np.array, state))

    rng = jax.random.key(3)
    full, _ = train.fit(fresh(), step, get_batch, 10, rng, workdir=None, log_every=100)
    w = tmp_path / "run"
    kw = dict(workdir=w, config={"model": cfg.to_dict()}, checkpoint_every=100, log_every=100)
    part, _ = train.fit(fresh(), step, get_batch, 6, rng, **kw)
    assert int(part.step) == 6
    resumed, _ = train.fit(fresh(), step, get_batch, 10, rng, **kw)
    assert int(resumed.step) == 10
    for x, y in zip(jax.tree.leaves(full), jax.tree.leaves(resumed), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)
    assert train.checkpoint.read_config(w)["model"] == cfg.to_dict()


def tiny_config(steps_per_call: int):
    """NB201 ``smoke,reference`` with 120 cells: 13 steps an epoch, so the eval regime starts
    at step 13, inside a block of 4 unless the loop ends blocks there."""
    from experiments.configs import arch2vec_nb201

    c = arch2vec_nb201.get_config("smoke,reference")
    c.num_cells, c.num_steps, c.log_every, c.checkpoint_every = 120, 20, 5, 100
    c.steps_per_call = steps_per_call
    return c


def _run(tmp_path, steps_per_call):
    res = arch2vec.train_and_evaluate(tiny_config(steps_per_call), tmp_path)
    emb = np.load(tmp_path / "embeddings.npz")["embeddings"]
    return res, emb


@pytest.mark.slow
def test_block_loop_equals_step_by_step_loop_with_reference_regime(tmp_path):
    ref, ref_emb = _run(tmp_path / "steps", 0)
    blk, blk_emb = _run(tmp_path / "blocks", 4)
    assert ref["config"]["eval_after_epochs"] == 1 and ref["data"]["steps_per_epoch"] == 13
    assert blk["devices"]["steps_per_call"] == 4 and blk["step"] == ref["step"] == 20
    assert [r["step"] for r in blk["loss_curve"]] == [5, 10, 15, 20]
    for a, b in zip(ref["loss_curve"], blk["loss_curve"], strict=True):
        for k in ("loss", "ops", "adj", "kl", "grad_norm"):
            np.testing.assert_allclose(b[k], a[k], rtol=2e-5, atol=1e-7)
    np.testing.assert_allclose(blk_emb, ref_emb, rtol=1e-4, atol=1e-5)
    assert blk["held_out"] == ref["held_out"] and blk["generation"] == ref["generation"]
