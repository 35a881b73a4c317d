r"""The arch2vec VGAE train step at batch 32 on NB101 graphs: jaxnas beside the reference.

Contenders, interleaved round by round (``--rounds``, medians reported), ``--steps`` steps each:

* ``jaxnas``: the training loop's default, :func:`jaxnas.train.make_block_step` -- ``--block``
  steps per compiled call (``lax.scan`` over a ``[K, 32, ...]`` block gathered on the host in one
  indexing and transferred once; state donated; metrics stay on device);
* ``jaxnas_step_by_step``: the straightforward loop, one jitted step per call
  (:func:`jaxnas.train.make_train_step`), a host batch per step;
* ``reference``: with ``--reference_dir`` (a checkout of MSU-MLSys-Lab/arch2vec) and a PyTorch
  interpreter (``--reference_python``): the reference's own model and train step
  (:mod:`experiments.benchmarks.arch2vec_reference_step`) in a subprocess, at each of
  ``--torch_threads`` thread counts every round; its fastest count is reported.

jaxnas runs the reference's model: GIN 4 x 128 (hops 5, 2-layer MLPs), latent 16, sigmoid op
decoder with BCE, dropout 0.3 on ``z``, all-zero padding rows with batch norm over every row,
per-entry mean loss with KL weight ``1 / (B * N)``, Adam 1e-3 with global-norm clipping at 5
(``experiments/configs/arch2vec_nb101.py:reference``). Cells: 4,096 ``nb101.sample`` cells (the
step does not depend on which)::

    python -m experiments.benchmarks.arch2vec_step --reference_dir=/work/ref/arch2vec \
        --reference_python=/work/refenv/bin/python --output=results/arch2vec_step.json

The flags ``--reference_dir``, ``--reference_python``, ``--rounds`` and ``--output`` are
:mod:`experiments.benchmarks.side_by_side`'s; the JSON records the load average at the start
and the end (the machine may be shared).

Measured 2026-12-07 (this command, 5 rounds x 192 steps, medians) on the 2-core CPU, otherwise
idle (load average 0.3-1.1), five runs: jaxnas 1.63 / 1.54 / 1.74 / 1.89 / 1.49 ms/step, the
step-by-step loop 1.81 / 1.91 / 2.01 / 2.24 / 1.65 ms, the reference (PyTorch 2.13 at its faster
thread count) 4.02 / 4.29 / 3.99 / 5.12 / 3.58 ms: x2.46 / x2.79 / x2.29 / x2.72 / x2.41. Earlier,
on the machine shared at load average 35-37: jaxnas 15.1 ms, reference 60.0 ms (1 thread; 2
threads 2.4 s), x3.97 -- the load hurt the reference more.

Where the time goes (``--profile``, the default: one block under the JAX profiler, by kernel
kind, op time summed over threads): matmuls 55-58% (YNNPACK 27-29%, Eigen 27-31%), XLA's
element-wise and reduction loops 30%, YNNPACK reductions 10-12%, copies 2-3%. The compiled step is
0.175 GFLOP (``cost_analysis``), mostly matmuls of 224 x 128 by 128 x 128, which XLA:CPU runs at
~170 GFLOP/s on one core and no faster on two. The Eigen ones are the weight gradients ``x^T g``
(the left operand's rows contracted, a form YNNPACK is not given). One core runs the step as fast
as two (1.57 ms). Tried without a measurable gain on two cores (see the README's performance
section): custom VJPs putting those gradients in YNNPACK's form (-7% on one core only), unrolling
the block's ``lax.scan`` (slower), fused Threefry draws, a flattened Adam (slower), XLA:CPU options
(oneDNN, XNNPACK graph fusion, YNNPACK off, fusion emitters, tiling propagation).
"""

from __future__ import annotations

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
from experiments.benchmarks import op_profile, side_by_side
from jaxnas import train
from jaxnas.models import vgae
from jaxnas.pretrain import arch2vec
from jaxnas.spaces import nb101

_STEPS = flags.DEFINE_integer("steps", 192, "Timed steps per contender per round.")
_BATCH = flags.DEFINE_integer("batch_size", 32, "Cells per step.")
_BLOCK = flags.DEFINE_integer("block", 16, "jaxnas steps per compiled call.")
_THREADS = flags.DEFINE_list("torch_threads", ["1", "2"], "PyTorch thread counts to try.")
_PROFILE = flags.DEFINE_bool(
    "profile", True, "After timing, profile one jaxnas block and print its time by kernel kind."
)
_REF_PY = side_by_side.REFERENCE_PYTHON


def _cells(num: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    pool = [nb101.sample(jax.random.fold_in(jax.random.key(0), i)) for i in range(num)]
    adj = np.stack([p[0] for p in pool]).astype(np.uint8)
    return adj, np.stack([p[1] for p in pool]).astype(np.int32)


def _jaxnas(adj: np.ndarray, ops: np.ndarray, batch: int):
    """``(run_block(steps) -> s, run_steps(steps) -> s, profile() -> {kernel kind: s/step})``:
    the two jaxnas loops, and an :mod:`~experiments.benchmarks.op_profile` of the block step."""
    cfg = vgae.ModelConfig(
        len(nb101.OPS), 7, False, op_decoder="sigmoid", decoder_dropout=0.3, bn_all_rows=True,
        kl_weight=vgae.reference_kl_weight(batch, 7), reduction="reference",
    )  # fmt: skip
    model = vgae.GraphAutoencoder(cfg)
    tx = arch2vec.make_optimizer(1e-3, 5.0)
    cells = arch2vec.Cells(adj, ops, np.arange(len(ops)), len(nb101.OPS), None, {})
    make = arch2vec.BatchMaker(cells, "dense")
    indices = arch2vec.cached_batch_indices(jax.random.key(2), len(ops), batch)
    params, model_state = vgae.init(model, jax.random.key(0), make(indices(0)))
    loss_fn, rng = vgae.make_loss_fn(model), jax.random.key(1)

    def runner(block: int):
        jitted = train.make_block_step(loss_fn, tx) if block else train.make_train_step(loss_fn, tx)
        copy = jax.tree.map(np.array, (params, model_state))  # the step donates its state
        state = [train.create(copy[0], tx, copy[1])]
        step = [0]

        def batch_at(s: int):
            if block:
                return jax.device_put(make(np.stack([indices(i) for i in range(s, s + block)])))
            return make(indices(s))

        fn = jitted.lower(state[0], batch_at(0), rng).compile()  # timed and profiled alike

        def take(k: int):
            s = step[0]
            step[0] += k
            state[0], m = fn(state[0], batch_at(s), rng)
            return m

        def run(steps: int) -> float:
            t0 = time.perf_counter()
            m = None
            for _ in range(steps // max(block, 1)):
                m = take(block or 1)
            jax.block_until_ready(m)
            return time.perf_counter() - t0

        def profile() -> dict[str, float]:
            def once():
                jax.block_until_ready(take(block))

            times = op_profile.instruction_times(once)
            kinds = op_profile.kind_times(fn.as_text(), times)
            return {k: v / block for k, v in kinds.items()}

        jax.block_until_ready(take(block or 1))  # the first call, outside the timings
        return run, profile

    return runner(_BLOCK.value) + (runner(0)[0],)


def _reference(checkout, adj: np.ndarray, ops: np.ndarray, batch: int, tmp: pathlib.Path):
    """A persistent reference subprocess; ``run(threads, steps) -> s``, or ``None``."""
    if checkout is None:
        return None
    onehot = np.eye(len(nb101.OPS), dtype=np.float32)[np.maximum(ops, 0)] * (ops >= 0)[..., None]
    order = np.random.default_rng(0).permutation(len(ops))  # the reference's one shuffle
    np.savez(tmp / "cells.npz", adjacency=adj[order].astype(np.float32), ops=onehot[order])
    script = pathlib.Path(__file__).with_name("arch2vec_reference_step.py")
    proc = subprocess.Popen(
        [_REF_PY.value, str(script), str(checkout), str(tmp / "cells.npz"), str(batch)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=checkout,
    )  # fmt: skip

    def run(threads: int, steps: int) -> float:
        proc.stdin.write(f"{threads} {steps}\n")
        proc.stdin.flush()
        return float(proc.stdout.readline())

    run(1, 5)  # start-up and first step outside the timings
    return run, proc


def main(argv):
    common.check_no_args(argv)
    t_start = time.perf_counter()
    checkout = side_by_side.reference_dir("models/model.py", "MSU-MLSys-Lab/arch2vec")
    b, steps, rounds = _BATCH.value, _STEPS.value, side_by_side.ROUNDS.value
    adj, ops = _cells()
    run_block, profile, run_steps = _jaxnas(adj, ops, b)
    threads = [int(t) for t in _THREADS.value]
    times: dict[str, list[float]] = {"jaxnas": [], "jaxnas_step_by_step": []}
    with tempfile.TemporaryDirectory() as tmp:
        ref = _reference(checkout, adj, ops, b, pathlib.Path(tmp))
        try:
            if ref is not None:  # the fastest thread count, from a short probe of each
                probe = {t: min(ref[0](t, 16) for _ in range(2)) / 16 for t in threads}
                best = min(probe, key=probe.get)
                times[f"reference_{best}_threads"] = []
            for _ in common.progress(range(rounds), desc="rounds"):
                times["jaxnas"].append(run_block(steps) / steps)
                if ref is not None:
                    times[f"reference_{best}_threads"].append(ref[0](best, steps) / steps)
                times["jaxnas_step_by_step"].append(run_steps(steps) / steps)
        finally:
            if ref is not None:
                ref[1].stdin.close()
                ref[1].wait()
    ms = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
    res = {"batch_size": b, "steps_per_round": steps, "rounds": rounds, "block": _BLOCK.value}
    res.update(backend=jax.default_backend(), cpu_count=os.cpu_count(), ms_per_step=ms)
    res["rounds_ms"] = {k: [1e3 * x for x in v] for k, v in times.items()}
    if ref is not None:
        res["reference_thread_probe_ms"] = {t: 1e3 * v for t, v in probe.items()}
    refs = {k: v for k, v in ms.items() if k.startswith("reference_")}
    base = min(refs.items(), key=lambda kv: kv[1]) if refs else ("jaxnas_step_by_step", None)
    base_ms = ms[base[0]]
    res["baseline"], res["speedup_vs_baseline"] = base[0], base_ms / ms["jaxnas"]
    if _PROFILE.value:
        res["op_time_s_per_step"] = profile()
    res["wall_s"] = time.perf_counter() - t_start
    side_by_side.finish(res)
    if _PROFILE.value:
        print("where jaxnas's block step spends its time, by kernel kind", file=sys.stderr)
        print(op_profile.format_table(res["op_time_s_per_step"], "step"), file=sys.stderr)
    print(f"arch2vec step, batch {b}: jaxnas {ms['jaxnas']:.2f} ms, {base[0]} {base_ms:.2f} ms,"
          f" x{res['speedup_vs_baseline']:.2f}", file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    common.run(main)
