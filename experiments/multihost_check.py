r"""The multi-host check of issue 16: a sharded search and a data-parallel pretraining run, on
whatever processes and devices this run has, written to one ``.npz`` to compare with a
one-process run (``--compare``). ``experiments/multihost_smoke.sh`` drives it::

    # one process, one device (the reference):
    python -m experiments.multihost_check --out=/tmp/one.npz
    # two processes x 4 forced CPU devices over a loopback coordinator (gloo collectives):
    XLA_FLAGS=--xla_force_host_platform_device_count=4 python -m experiments.multihost_check \
        --out=/tmp/two.npz --coordinator_address=127.0.0.1:12355 --num_processes=2 \
        --process_id=0 &   # and --process_id=1
    python -m experiments.multihost_check --compare /tmp/one.npz /tmp/two.npz   # rc 1: differ

Search: REA and arch2vec's DNGO-BO (:func:`jaxnas.search.base.run_seeds`, ``shard='seeds'``;
DNGO-BO also ``shard='candidates'``) on a fixed synthetic 4x4-choice problem (256 rows), keys
``0..seeds-1``: must match the one-device run exactly. Pretraining: ``--pretrain_steps`` Adam
steps of arch2vec (the NB201 ``:smoke`` model) on a global batch split over every device,
parameters replicated (:func:`data_parallel_losses`), then one orbax checkpoint that every
process takes part in and process 0 writes: the losses must match within float tolerance.
``--perturb_process=k`` shifts process ``k``'s copy of the objective (to show the check fails).
"""

from __future__ import annotations

import itertools
import sys
import time

import jax
import numpy as np
from absl import flags

from experiments import common
from experiments.configs import arch2vec_nb201
from jaxnas import io, mesh, train
from jaxnas.models import vgae
from jaxnas.pretrain import arch2vec
from jaxnas.search import base, registry
from jaxnas.search import problem as P

_OUT = flags.DEFINE_string("out", None, "Where process 0 writes the results (.npz).")
_SEEDS = flags.DEFINE_integer("seeds", 6, "Search seeds (not a multiple of the devices: padded).")
_QUERIES = flags.DEFINE_integer("num_queries", 16, "Queries per search run.")
_STEPS = flags.DEFINE_integer("pretrain_steps", 4, "Data-parallel pretraining steps (0: none).")
_BATCH = flags.DEFINE_integer("batch_size", 16, "Global pretraining batch (x devices).")
_PERTURB = flags.DEFINE_integer(
    "perturb_process", -1, "This process index adds 0.01 to its copy of the objective."
)
_COMPARE = flags.DEFINE_multi_string("compare", None, "Two .npz files to compare (no run).")

SEARCHES = (("rea", {}, "seeds"), ("dngo_bo", {"num_init": 8}, "seeds"),
            ("dngo_bo", {"num_init": 8}, "candidates"))  # fmt: skip


def toy_problem(shift: float = 0.0) -> P.Problem:
    """256 rows of 4 categorical choices with 4 options, an additive objective plus noise."""
    choices = np.array(list(itertools.product(range(4), repeat=4)), np.int32)
    rng = np.random.default_rng(0)
    y = rng.normal(size=(4, 4))[np.arange(4), choices].sum(1) + 0.1 * rng.normal(size=256)
    x = np.eye(4, dtype=np.float32)[choices].reshape(256, -1)
    return P.make(x, y + shift, test=y, choices=choices, num_options=4)


def search_results(m, seeds: int, num_queries: int, shift: float = 0.0) -> dict:
    """``{<searcher>_<shard>_<field>: [seeds, Q]}`` of the :data:`SEARCHES` on mesh ``m``."""
    prob, keys, out = toy_problem(shift), base.seed_keys(range(seeds)), {}
    for name, args, shard in SEARCHES:
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


def main(argv):
    common.check_no_args(argv)
    if _COMPARE.value:
        a, b = (io.read_npz(p) for p in _COMPARE.value)
        bad = compare(a, b)
        print("\n".join(bad) or f"identical: {len(a)} arrays ({a['devices']} vs {b['devices']})")
        sys.exit(1 if bad else 0)
    m = mesh.make_mesh()
    shift = 0.01 if jax.process_index() == _PERTURB.value else 0.0
    out = search_results(m, _SEEDS.value, _QUERIES.value, shift)
    if _STEPS.value:
        ckpt = common.workdir(None) if flags.FLAGS.workdir else None
        out["pretrain_loss"], _ = data_parallel_losses(m, _STEPS.value, _BATCH.value, ckpt)
    out["devices"] = np.asarray(f"{jax.process_count()}x{jax.local_device_count()}")
    if _OUT.value:
        io.write_npz(_OUT.value, **out)  # process 0 only (io.set_writer)
    where = f", written to {_OUT.value}" if io.is_writer() and _OUT.value else ""
    print(f"process {jax.process_index()}/{jax.process_count()}: {len(jax.devices())} devices, "
          f"{len(out)} arrays{where}")  # fmt: skip


if __name__ == "__main__":
    common.run(main)
