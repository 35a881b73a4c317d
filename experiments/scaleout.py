"""What the multi-host check (:mod:`experiments.multihost_check`) and the scaling benchmark
(:mod:`experiments.benchmarks.scaling`) run: sharded searches on a fixed synthetic problem and
data-parallel arch2vec pretraining steps over a :mod:`jaxnas.mesh` mesh; no flags here."""

from __future__ import annotations

import itertools
import time

import jax
import numpy as np

from experiments.configs import arch2vec_nb201
from jaxnas import mesh, train
from jaxnas.models import vgae
from jaxnas.pretrain import arch2vec
from jaxnas.search import base, registry
from jaxnas.search import problem as P

NP = {"num_init": 8, "batch_size": 2, "num_epochs": 20}
SEARCHES = (("rea", {}, "seeds"), ("neural_predictor", NP, "seeds"),
            ("neural_predictor", NP, "candidates"))  # fmt: skip
"""(searcher, arguments, shard) of the check. The model-based one is the MLP neural predictor
(BO loop, the whole pool scored): arch2vec's DNGO-BO calls ``jnp.linalg.eigh``, whose jaxlib
0.10.2 CPU kernel (``lapack_ssyevd_ffi`` -> ``jax::ParallelBatchMap``) deadlocked with several
forced host devices per process on the 2-core test machine (every device thread waiting in
``BlockingCounter::Wait``, seen with gdb); it runs sharded on real accelerators."""


def toy_problem(shift: float = 0.0) -> P.Problem:
    """256 rows of 4 categorical choices with 4 options, an additive objective plus noise."""
    choices = np.array(list(itertools.product(range(4), repeat=4)), np.int32)
    rng = np.random.default_rng(0)
    y = rng.normal(size=(4, 4))[np.arange(4), choices].sum(1) + 0.1 * rng.normal(size=256)
    x = np.eye(4, dtype=np.float32)[choices].reshape(256, -1)
    return P.make(x, y + shift, test=y, choices=choices, num_options=4)


def search_results(m, seeds: int, num_queries: int, shift: float = 0.0, only=None) -> dict:
    """``{<searcher>_<shard>_<field>: [seeds, Q]}`` of the :data:`SEARCHES` (those named in
    ``only``, default all) on mesh ``m``."""
    prob, keys, out = toy_problem(shift), base.seed_keys(range(seeds)), {}
    for name, args, shard in SEARCHES:
        if only and name not in only:
            continue
        traj = base.run_seeds(registry.make_searcher(name, args), prob, keys, num_queries,
                              mesh=m, shard=shard)  # fmt: skip
        for field in ("index", "y", "best_y", "cum_cost"):
            out[f"{name}_{shard}_{field}"] = mesh.to_host(getattr(traj, field))
    return out


def data_parallel_losses(m, num_steps: int, batch_size: int, workdir=None):
    """Per-step losses ``[num_steps]`` of arch2vec (NB201 ``:smoke`` model) trained with the
    global batch split over ``m``'s devices and the state replicated; XLA inserts the gradient
    all-reduce. With ``workdir`` the final state is saved with orbax (every process calls it).
    Returns ``(losses, seconds of the steps after the first)``."""
    c = arch2vec_nb201.get_config("smoke")
    cells = arch2vec.load_cells("nb201", jax.random.key(0), c.num_cells)
    model = vgae.GraphAutoencoder(arch2vec.model_config(c, cells))
    make = arch2vec.BatchMaker(cells, "dense")
    tx = arch2vec.make_optimizer(c.learning_rate, c.grad_clip)
    params, model_state = vgae.init(model, jax.random.key(1), make(np.arange(batch_size)))
    state = mesh.replicate(mesh.to_host(train.create(params, tx, model_state)), m)
    step = train.make_train_step(vgae.make_loss_fn(model), tx)
    rng, n, losses, t0 = jax.random.key(2), len(cells.ops), [], 0.0
    for s in range(num_steps):
        idx = np.random.default_rng(s).choice(n, batch_size, replace=False)
        batch = mesh.shard_leading(jax.tree.map(np.asarray, make(idx)), m)
        state, metrics = step(state, batch, rng)
        losses.append(float(mesh.to_host(metrics["loss"])))
        t0 = t0 or time.perf_counter()
    seconds = time.perf_counter() - t0
    if workdir is not None:
        mgr = train.checkpoint.manager(workdir)
        train.checkpoint.save(mgr, num_steps, state, {"steps": num_steps})
        mgr.close()
    return np.asarray(losses, np.float32), seconds


def compare(a: dict, b: dict) -> list[str]:
    """Differences between two result files: search arrays exactly, losses to rtol 1e-5."""
    bad = [f"{k}: only in one file" for k in sorted(set(a) ^ set(b))]
    for k in sorted(set(a) & set(b)):
        if k == "devices":
            continue
        ok = (np.allclose(a[k], b[k], rtol=1e-5, atol=1e-6) if k == "pretrain_loss"
              else np.array_equal(a[k], b[k]))  # fmt: skip
        if not ok:
            bad.append(f"{k}: differ (max |diff| {np.nanmax(np.abs(a[k] - b[k])):.3g})")
    return bad
