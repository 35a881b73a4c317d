r"""Throughput against the number of devices (issue 16): REA and arch2vec-BO seeds/s
(:func:`jaxnas.search.base.run_seeds`, seeds sharded over the mesh) and data-parallel arch2vec
pretraining steps/s (:func:`experiments.scaleout.data_parallel_losses`, fixed global
batch), one row per device count, each measured in its own subprocess::

    python -m experiments.benchmarks.scaling --devices=1,2,4,8 --workdir=results/scaling
    python -m experiments.benchmarks.scaling --platform=auto   # real GPUs / TPU cores

``--platform=cpu`` (default) forces ``--xla_force_host_platform_device_count=<d>`` host devices
in each child: they share the machine's cores, so this measures the sharding overhead and how
well XLA's per-device threads use the cores, not a speed-up from more hardware (on a 2-core CPU
more than 2 devices cannot be faster). ``--platform=auto`` uses the first ``d`` real devices.

Searches run on NB201 CIFAR-10 (all 15,625 rows) over a random 16-d table standing in for the
arch2vec embeddings (the timing does not depend on the values). Each search is compiled and run
once on other keys first; the timed run is the second. Rows (JSONL in ``--workdir``) carry the
device kind and platform.

Measured 2026-12-07 on the shared 2-core CPU (load average 21-38 from other jobs; one timed run
each, milliseconds long, so noisy) with ``--devices=1,2,4 --bo=neural_predictor --seeds=16
--rea_queries=50 --bo_seeds=8 --bo_queries=20 --pretrain_steps=10 --batch_size=128``:

=======  ===========  ===========================  ================
devices  REA seeds/s  neural-predictor BO seeds/s  pretrain steps/s
=======  ===========  ===========================  ================
1 (cpu)  2388         724                          251
2 (cpu)  1774         303                          50
4 (cpu)  338          253                          20
=======  ===========  ===========================  ================

Forced host devices share the two cores, so more devices only add partitioning and
synchronisation overhead here (the pretraining step's gradient all-reduce most of all); the
rows show the sharded paths run, not a speed-up. With the default ``--bo=dngo_bo``
(arch2vec-BO) the 1-device row was REA 132 seeds/s, DNGO-BO 2.1 seeds/s, pretraining 29
steps/s (heavier load), and the 2-device child gave no result in 540 s: jaxlib 0.10.2's
``eigh`` CPU kernel deadlocks with several forced host devices per process (every device
thread in ``jax::ParallelBatchMap``, gdb), so on forced CPU devices use
``--bo=neural_predictor``; real GPU/TPU rows (``--platform=auto``) are still to be measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import jax
import numpy as np
from absl import flags

from experiments import common, scaleout
from jaxnas import benchmarks, io, mesh
from jaxnas.search import base, problem, registry

_DEVICES = flags.DEFINE_list("devices", ["1", "2", "4", "8"], "Device counts, one child each.")
_PLATFORM = flags.DEFINE_enum("platform", "cpu", ["cpu", "auto"], "Forced CPU devices or real.")
_SEEDS = flags.DEFINE_integer("seeds", 64, "Seeds per search (padded to the devices).")
_REA_QUERIES = flags.DEFINE_integer("rea_queries", 100, "Queries per REA run.")
_BO_SEEDS = flags.DEFINE_integer("bo_seeds", 16, "Seeds of arch2vec-BO.")
_BO_QUERIES = flags.DEFINE_integer("bo_queries", 24, "Queries per arch2vec-BO run.")
_STEPS = flags.DEFINE_integer("pretrain_steps", 20, "Timed pretraining steps (+1 warm-up).")
_BATCH = flags.DEFINE_integer("batch_size", 256, "Global pretraining batch.")
_BO = flags.DEFINE_string("bo", "dngo_bo", "The model-based searcher (arch2vec-BO: dngo_bo).")
_TIMEOUT = flags.DEFINE_integer("child_timeout", 900, "Seconds per device count.")
_CHILD = flags.DEFINE_integer("child", 0, "Internal: measure on this many devices, print a row.")


def _timed(fn, warm):
    warm()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(d: int) -> dict:
    """One row: throughputs on the first ``d`` devices."""
    devs = jax.devices()[:d]
    if len(devs) < d:
        raise ValueError(f"asked for {d} devices, {len(jax.devices())} present")
    m = mesh.make_mesh(devs)
    bench = benchmarks.load("nb201-cifar10", common.data_dir(), download=common.download())
    x = np.random.default_rng(0).normal(size=(bench.size, 16)).astype(np.float32)
    prob = problem.from_benchmark(bench, x)
    row = {"devices": d, "device_kind": devs[0].device_kind, "platform": devs[0].platform}
    for name, args, seeds, q in (("rea", {}, _SEEDS.value, _REA_QUERIES.value),
                                 (_BO.value, {"num_init": 16}, _BO_SEEDS.value,
                                  _BO_QUERIES.value)):  # fmt: skip
        s = registry.make_searcher(name, args)

        def go(offset, s=s, seeds=seeds, q=q):
            keys = base.seed_keys(range(offset, offset + seeds))
            jax.block_until_ready(base.run_seeds(s, prob, keys, q, mesh=m))

        dt = _timed(lambda go=go: go(10_000), lambda go=go: go(0))
        kind = "rea" if name == "rea" else "bo"
        row[f"{kind}_seeds_per_s"], row[f"{kind}_seconds"] = seeds / dt, dt
    row["bo"] = _BO.value
    _, dt = scaleout.data_parallel_losses(m, _STEPS.value + 1, _BATCH.value)
    row["pretrain_steps_per_s"] = _STEPS.value / dt
    row["pretrain_examples_per_s"] = _STEPS.value * _BATCH.value / dt
    return row


def main(argv):
    common.check_no_args(argv)
    if _CHILD.value:
        print("ROW " + json.dumps(measure(_CHILD.value)))
        return
    rows = []
    for d in map(int, _DEVICES.value):
        env = dict(os.environ)
        if _PLATFORM.value == "cpu":
            env["JAX_PLATFORMS"] = "cpu"
            env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} " \
                f"--xla_force_host_platform_device_count={d}"  # fmt: skip
        passed = [a for a in sys.argv[1:] if not a.startswith(("--devices", "--workdir"))]
        cmd = [sys.executable, "-m", "experiments.benchmarks.scaling", f"--child={d}", *passed]
        try:
            r = subprocess.run(cmd, env=env, capture_output=True, text=True,
                               timeout=_TIMEOUT.value)  # fmt: skip
        except subprocess.TimeoutExpired:
            rows.append({"devices": d, "error": f"no result in {_TIMEOUT.value} s"})
            print(json.dumps(rows[-1]), flush=True)
            continue
        if r.returncode:
            raise RuntimeError(f"child with {d} devices failed:\n{r.stderr[-3000:]}")
        rows.append(json.loads(r.stdout.split("ROW ", 1)[1]))
        print(json.dumps(rows[-1]), flush=True)
    lines = [f"| devices | kind | REA seeds/s | {_BO.value} seeds/s | pretrain steps/s |",
             "|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['devices']} | - | {r['error']} | | |")
            continue
        lines.append(f"| {r['devices']} | {r['device_kind']} | {r['rea_seeds_per_s']:.2f} | "
                     f"{r['bo_seeds_per_s']:.3f} | {r['pretrain_steps_per_s']:.2f} |")
    print("\n".join(lines))
    if flags.FLAGS.workdir:
        io.write_jsonl(common.workdir() / "scaling.jsonl", rows)
        io.write_text(common.workdir() / "scaling.md", "\n".join(lines) + "\n")


if __name__ == "__main__":
    common.run(main)
