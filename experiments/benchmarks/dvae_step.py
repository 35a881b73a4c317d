r"""The D-VAE train step at the reference width (hidden 501, batch 32) on NB201 and NB101 graphs:
jaxnas beside the reference.

Contenders per space, interleaved round by round (``--rounds``, medians reported), ``--steps``
steps each:

* ``jaxnas``: the training loop's default, :func:`jaxnas.train.make_block_step` -- ``--block``
  steps per compiled call (``lax.scan`` over a ``[K, 32, ...]`` block, state donated, metrics on
  device) -- with the per-vertex form of the teacher-forced heads (:meth:`DVAE.heads`);
* ``jaxnas_step_by_step``: the same loss, one jitted step per call
  (:func:`jaxnas.train.make_train_step`);
* ``jaxnas_pairwise``: one step per call with the heads computed pair by pair
  (:meth:`DVAE.heads_pairwise`, the form before the per-vertex one);
* ``reference``: with ``--reference_dir`` (a checkout of muhanzhang/D-VAE) and a PyTorch
  interpreter with ``igraph`` (``--reference_python``): the reference's own ``DVAE`` and
  ``train.py`` step (:mod:`experiments.benchmarks.dvae_reference_step`) in a subprocess, at the
  fastest of ``--torch_threads`` (probed once).

Model: the reference's NAS setting (``experiments/configs/dvae_common.py``): hidden 501, latent
56, bidirectional, vertex ids, Adam 1e-4. Graphs: NB201's 15,625 8-vertex node graphs and 2,048
``nb101.sample`` cells (7 vertices, padded); random batches (the step does not depend on which).
Flags ``--reference_dir``, ``--reference_python``, ``--rounds``, ``--output`` are
:mod:`experiments.benchmarks.side_by_side`'s. Reported per contender: the median wall and
process-CPU milliseconds per step (the CPU time is the steadier number on a shared machine); the
JSON also records the compiled one-step calls' FLOPs (``cost_analysis``) and the load average.
``--baseline_rev=<git revision>`` also times that revision's ``jaxnas/models/dvae.py`` (loaded
from ``git show`` as its own module; one step per call)::

    python -m experiments.benchmarks.dvae_step --reference_dir=/work/ref/dvae \
        --reference_python=/work/refenv/bin/python --baseline_rev=c56d23c \
        --output=results/dvae_step.json

Measured 2026-12-07, 5 rounds x 8 steps, medians; wall / process-CPU ms per step. "idle": without
``--baseline_rev``, the 2-core CPU otherwise idle (load average 0.8-1.8, 106 s; the reference
chose 2 threads: probe 303 / 191 ms, 1 thread 421 / 255 ms). "load 5-8": the command above
(459 s) on the shared machine (load average 8.0 -> 5.6; the reference's probe at 2 threads took
5.4-5.6 s per step, oversubscribed, so 1 thread was timed):

========================  ==========  ==========  ===========  ===========
contender                 NB201 idle  NB101 idle  NB201 load   NB101 load
========================  ==========  ==========  ===========  ===========
jaxnas (8 per call)       77 / 147    67 / 126    231 / 153    203 / 135
jaxnas_step_by_step       99 / 187    84 / 158    319 / 198    287 / 168
jaxnas_pairwise           113 / 216   91 / 175    327 / 225    340 / 187
jaxnas_c56d23c (before)   --          --          349 / 231    389 / 194
reference                 321 / 640   195 / 388   821 / 540    494 / 339
========================  ==========  ==========  ===========  ===========

Idle, jaxnas is x4.2 / x2.9 faster in wall time (x4.3 / x3.1 CPU); under load the ratios were
x3.6 / x2.4. FLOPs per step (``cost_analysis``): 15.1 (NB201) / 12.5 (NB101) GFLOP, pair by
pair 21.7 / 17.1 (revision c56d23c reports 16.6 / 12.7: its scans are counted once).
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import jax
import numpy as np
from absl import flags

from experiments import common
from experiments.benchmarks import side_by_side
from jaxnas import train
from jaxnas.models import dvae
from jaxnas.pretrain import dvae as pre
from jaxnas.spaces import nb101, nb201

_STEPS = flags.DEFINE_integer("steps", 8, "Timed steps per contender per round.")
_BATCH = flags.DEFINE_integer("batch_size", 32, "Graphs per step.")
_HIDDEN = flags.DEFINE_integer("hidden", 501, "Hidden size (reference 501).")
_BLOCK = flags.DEFINE_integer("block", 8, "jaxnas steps per compiled call.")
_SPACES = flags.DEFINE_list("spaces", ["nb201", "nb101"], "Graph sets.")
_THREADS = flags.DEFINE_list("torch_threads", ["1", "2"], "PyTorch thread counts to try.")
_BASELINE = flags.DEFINE_string(
    "baseline_rev", "", "Also time jaxnas/models/dvae.py of this git revision (one step per call)."
)


def _cells(space: str) -> tuple[np.ndarray, np.ndarray, int]:
    """``(types int32 [C, N], adjacency uint8 [C, N, N], num_types)``."""
    if space == "nb201":
        adj, ops = nb201.to_node_graph(nb201.all_cells())
        return ops.astype(np.int32), adj.astype(np.uint8), len(nb201.NODE_OPS)
    pool = [nb101.sample(jax.random.fold_in(jax.random.key(0), i)) for i in range(2048)]
    adj = np.stack([p[0] for p in pool]).astype(np.uint8)
    return np.stack([p[1] for p in pool]).astype(np.int32), adj, len(nb101.OPS)


def _baseline_module(rev: str, tmp: pathlib.Path):
    """``jaxnas/models/dvae.py`` at git revision ``rev``, loaded as its own module."""
    root = pathlib.Path(__file__).resolve().parents[2]
    src = subprocess.run(["git", "show", f"{rev}:jaxnas/models/dvae.py"], cwd=root, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    path = tmp / f"dvae_{rev}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(f"dvae_{rev}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _jaxnas(types, adj, num_types: int, batch: int, tmp: pathlib.Path) -> tuple[dict, dict]:
    """``({contender: run(steps) -> (wall s, CPU s)}, {contender: GFLOP per step})``."""
    tx = pre.make_optimizer(1e-4, 0.0)
    rng, order = jax.random.key(1), np.random.default_rng(0)
    runners, gflop = {}, {}

    def runner(name: str, lib, block: int, pairwise: bool):
        mc = lib.DVAEConfig(num_types, types.shape[1], 0, num_types - 1, hidden=_HIDDEN.value)
        model = lib.DVAE(mc)
        kw = {"pairwise": True} if pairwise else {}

        def loss_fn(params, model_state, b, key):
            loss, metrics = lib.batch_loss(model, params, b[0], b[1], key, **kw)
            return loss, (model_state, metrics)

        fn = train.make_block_step(loss_fn, tx) if block else train.make_train_step(loss_fn, tx)
        state = [train.create(lib.init(model, jax.random.key(0)), tx)]

        def take():
            i = order.integers(0, len(types), ((block or 1), batch))
            b = (types[i], adj[i]) if block else (types[i[0]], adj[i[0]])
            state[0], m = fn(state[0], jax.device_put(b), rng)
            return m

        def run(steps: int) -> tuple[float, float]:
            t0, c0 = time.perf_counter(), time.process_time()
            m = None
            for _ in range(steps // max(block, 1)):
                m = take()
            jax.block_until_ready(m)
            return time.perf_counter() - t0, time.process_time() - c0

        if not block:  # cost_analysis counts a scan's body once: one-step calls only
            cost = fn.lower(state[0], (types[:batch], adj[:batch]), rng).compile().cost_analysis()
            cost = cost[0] if isinstance(cost, list) else cost
            gflop[name] = float(cost.get("flops", 0.0)) / 1e9
        jax.block_until_ready(take())  # compile
        runners[name] = run

    runner("jaxnas", dvae, _BLOCK.value, False)
    runner("jaxnas_step_by_step", dvae, 0, False)
    runner("jaxnas_pairwise", dvae, 0, True)
    if _BASELINE.value:
        runner(f"jaxnas_{_BASELINE.value}", _baseline_module(_BASELINE.value, tmp), 0, False)
    return runners, gflop


def _reference(checkout, types, adj, num_types: int, batch: int, tmp: pathlib.Path):
    """A persistent reference subprocess; ``(run(threads, steps) -> (wall s, CPU s), proc)``, or
    ``None``."""
    if checkout is None:
        return None
    order = np.random.default_rng(0).permutation(len(types))  # the reference's shuffle
    np.savez(tmp / "cells.npz", types=types[order], adjacency=adj[order], num_types=num_types)
    script = pathlib.Path(__file__).with_name("dvae_reference_step.py")
    args = [str(checkout), str(tmp / "cells.npz"), str(batch), str(_HIDDEN.value)]
    proc = subprocess.Popen(
        [side_by_side.REFERENCE_PYTHON.value, str(script), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=checkout,
    )  # fmt: skip

    def run(threads: int, steps: int) -> tuple[float, float]:
        proc.stdin.write(f"{threads} {steps}\n")
        proc.stdin.flush()
        wall, cpu = proc.stdout.readline().split()
        return float(wall), float(cpu)

    run(1, 1)  # start-up and first step outside the timings
    return run, proc


def _space(space: str, batch: int, tmp: pathlib.Path, checkout) -> dict:
    types, adj, num_types = _cells(space)
    runners, gflop = _jaxnas(types, adj, num_types, batch, tmp)
    steps, threads = _STEPS.value, [int(t) for t in _THREADS.value]
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in runners}
    res: dict = {"gflop_per_step": gflop}
    ref = _reference(checkout, types, adj, num_types, batch, tmp / space)
    try:
        if ref is not None:  # the fastest thread count, from a short probe of each
            probe = {t: ref[0](t, 2)[0] / 2 for t in threads}
            best = min(probe, key=probe.get)
            res["reference_thread_probe_ms"] = {t: 1e3 * v for t, v in probe.items()}
            runners[f"reference_{best}_threads"] = lambda k: ref[0](best, k)
            times[f"reference_{best}_threads"] = []
        for _ in common.progress(range(side_by_side.ROUNDS.value), desc=space):
            for name, run in runners.items():
                times[name].append(tuple(x / steps for x in run(steps)))
    finally:
        if ref is not None:
            ref[1].stdin.close()
            ref[1].wait()
    for i, kind in enumerate(("ms_per_step", "cpu_ms_per_step")):
        res[kind] = {k: 1e3 * float(np.median([x[i] for x in v])) for k, v in times.items()}
    res["rounds_ms"] = {k: [1e3 * x[0] for x in v] for k, v in times.items()}
    return res


def main(argv):
    common.check_no_args(argv)
    checkout = side_by_side.reference_dir("models.py", "muhanzhang/D-VAE")
    t_start = time.perf_counter()
    res = {"batch_size": _BATCH.value, "hidden": _HIDDEN.value, "steps_per_round": _STEPS.value}
    res.update(rounds=side_by_side.ROUNDS.value, block=_BLOCK.value)
    res.update(backend=jax.default_backend(), cpu_count=os.cpu_count())
    with tempfile.TemporaryDirectory() as tmp:
        for space in _SPACES.value:
            (pathlib.Path(tmp) / space).mkdir()
            res[space] = _space(space, _BATCH.value, pathlib.Path(tmp), checkout)
    res["wall_s"] = time.perf_counter() - t_start
    side_by_side.finish(res)
    for space in _SPACES.value:
        ms, cpu = res[space]["ms_per_step"], res[space]["cpu_ms_per_step"]
        print(f"D-VAE step, {space}, batch {_BATCH.value}, hidden {_HIDDEN.value} (wall / CPU ms): "
              + ", ".join(f"{k} {v:.0f} / {cpu[k]:.0f}" for k, v in ms.items()),
              file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    common.run(main)
