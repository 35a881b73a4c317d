"""DARTS training pieces against the reference's semantics: the per-epoch cosine learning rate,
PyTorch's SGD (clip, coupled weight decay, momentum), the drop-path schedule and the loss."""

import math

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxnas.models import darts_network as dn
from jaxnas.train import darts as td


def _config(**kw):
    c = ml_collections.ConfigDict(
        dict(learning_rate=0.025, epochs=600, momentum=0.9, weight_decay=3e-4, grad_clip=5.0,
             drop_path_prob=0.2)
    )  # fmt: skip
    c.update(kw)
    return c


def test_learning_rate_is_cosine_per_epoch():
    sched = td.lr_schedule(0.025, 600, steps_per_epoch=520)
    for epoch in (0, 1, 2, 299, 599):
        want = 0.5 * 0.025 * (1 + math.cos(math.pi * epoch / 600))
        for step in (epoch * 520, epoch * 520 + 519):  # constant within the epoch
            np.testing.assert_allclose(float(sched(step)), want, rtol=1e-6, atol=1e-9)
    assert float(sched(0)) == np.float32(0.025) and float(sched(599 * 520)) > 0
    np.testing.assert_allclose(float(sched(600 * 520)), 0.0, atol=1e-9)


def test_drop_path_probability_grows_linearly_per_epoch():
    c = _config()
    assert td.drop_prob(c, 0, 520) == 0.0 and td.drop_prob(c, 519, 520) == 0.0
    np.testing.assert_allclose(td.drop_prob(c, 300 * 520 + 7, 520), 0.1)
    np.testing.assert_allclose(td.drop_prob(c, 599 * 520, 520), 0.2 * 599 / 600)


def test_optimizer_is_pytorch_sgd_with_clipping():
    c = _config(epochs=2)
    tx = td.make_optimizer(c, steps_per_epoch=1)
    p = {"w": jnp.asarray([1.0, -2.0, 3.0])}
    grads = [np.asarray([30.0, 40.0, 0.0]), np.asarray([0.1, 0.2, -0.3])]
    state = tx.init(p)
    pw, buf = np.asarray(p["w"]), np.zeros(3)
    for step, g in enumerate(grads):
        upd, state = tx.update({"w": jnp.asarray(g)}, state, p)
        p = jax.tree.map(lambda a, u: a + u, p, upd)
        # torch: clip_grad_norm_(5) on the loss gradient; SGD adds wd * p, then momentum.
        g = g * min(1.0, 5.0 / np.linalg.norm(g))
        d = g + 3e-4 * pw
        buf = d if step == 0 else 0.9 * buf + d
        lr = 0.5 * 0.025 * (1 + math.cos(math.pi * step / 2))
        pw = pw - lr * buf
        np.testing.assert_allclose(np.asarray(p["w"]), pw, rtol=1e-6)


def test_loss_adds_the_weighted_auxiliary_loss():
    model = td.make_model(ml_collections.ConfigDict(
        dict(genotype="DARTS_V2", channels=4, layers=2, auxiliary=True)
    ))  # fmt: skip
    params, stats = dn.init(model, jax.random.key(0))
    rng = np.random.default_rng(0)
    batch = {
        "images": rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8),
        "labels": rng.integers(0, 10, 6).astype(np.int32),
        "idx": np.asarray([0, 2, 4, 5], np.int32),
        "drop_prob": np.float32(0.0),
    }
    key = jax.random.key(3)
    both = jax.jit(  # one program: XLA shares the forward pass of the two losses
        lambda p, st, b, k: [td.make_loss_fn(model, w, 16)(p, st, b, k) for w in (0.0, 0.4)]
    )
    losses = dict(zip((0.0, 0.4), both(params, {"batch_stats": stats}, batch, key), strict=True))
    (l0, (_, m0)), (l4, (_, m4)) = losses[0.0], losses[0.4]
    np.testing.assert_allclose(float(l0), float(m0["ce"]), rtol=1e-6)
    assert float(l4) > float(l0) and np.isclose(float(m4["ce"]), float(m0["ce"]))
