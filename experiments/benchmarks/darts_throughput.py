r"""Images/s of the DARTS training step (forward + backward + SGD, augmentation on device) and
the cost of DARTS's 600-epoch evaluation estimated from it.

    python -m experiments.benchmarks.darts_throughput --output=results/bench/darts_throughput.json

For each setting (``reference``: DARTS_V2, C = 36, 20 cells, batch 96, auxiliary head, cutout,
drop-path -- exactly the step of :func:`jaxnas.train.darts.train_and_evaluate`; ``small``:
C = 16, 8 cells, batch 64) on random ``uint8`` images held on the devices, measures in one
process:

* ``compile_s`` -- the first (compiling) train step;
* ``step_s`` -- median of ``--repeats`` timed train steps after the first (compiling) one;
* ``images_per_s`` and ``images_per_s_per_device`` -- ``batch / step_s`` (and / devices);
* ``step_cpu_s`` / ``images_per_cpu_s`` -- the same in this process's CPU seconds (all
  threads; on a shared CPU less sensitive to the other jobs than wall time);
* ``eval_images_per_s`` -- the eval-mode forward pass at the same batch;
* ``epoch_s`` -- one epoch as the trainer runs it: ``50,000 // batch`` train steps plus the
  10,000 test images at the eval rate; ``600_epochs_h`` = 600 epochs of that, in hours.

The device kind and the machine's load average are printed and written: CPU numbers on a
shared machine are upper bounds on the cost, not properties of the code.
"""

from __future__ import annotations

import json
import os
import time

import jax
import ml_collections
import numpy as np
from absl import flags

from experiments import common
from experiments.configs import train_darts as train_darts_config
from jaxnas import io, mesh, train
from jaxnas.models import darts_network as dn
from jaxnas.train import darts

_OUT = flags.DEFINE_string("output", None, "JSON file for the results (unset: stdout only).")
_SETTINGS = flags.DEFINE_list("settings", ["small", "reference"], "Settings to measure.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed steps per setting.")
_GENOTYPE = flags.DEFINE_string("genotype", "DARTS_V2", "Genotype name or string.")

SETTINGS = {"reference": (36, 20, 96), "small": (16, 8, 64)}  # channels, layers, batch
TRAIN_IMAGES, TEST_IMAGES, EPOCHS = 50_000, 10_000, 600


def _config(name: str) -> ml_collections.ConfigDict:
    c = train_darts_config.get_config("reference")
    c.genotype = _GENOTYPE.value
    c.channels, c.layers, c.batch_size = SETTINGS[name]
    return c


def _seconds(fn) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of ``fn()`` until its outputs are ready; ``cpu`` is this process's
    CPU time over all threads (``time.process_time``)."""
    t, c = time.perf_counter(), time.process_time()
    jax.block_until_ready(fn())
    return time.perf_counter() - t, time.process_time() - c


def bench(name: str, repeats: int) -> dict:
    c = _config(name)
    m = mesh.make_mesh()
    steps_per_epoch = TRAIN_IMAGES // c.batch_size
    model = darts.make_model(c)
    params, stats = dn.init(model, jax.random.key(0))
    tx = darts.make_optimizer(c, steps_per_epoch)
    holder = {"state": mesh.replicate(train.create(params, tx, {"batch_stats": stats}), m)}
    step = train.make_train_step(darts.make_loss_fn(model, c.auxiliary_weight, c.cutout), tx)
    rng = np.random.default_rng(0)
    pool = 4 * c.batch_size  # a small on-device pool of images; the step gathers its batch
    images, labels = mesh.replicate(
        (rng.integers(0, 256, (pool, 32, 32, 3), dtype=np.uint8),
         rng.integers(0, 10, pool).astype(np.int32)), m,
    )  # fmt: skip
    batch = {
        "images": images,
        "labels": labels,
        "idx": mesh.shard_leading(np.arange(c.batch_size, dtype=np.int32), m),
        "drop_prob": np.float32(0.1),
    }
    key = jax.random.key(1)

    def one_step():
        holder["state"], metrics = step(holder["state"], batch, key)
        return metrics

    compile_s = _seconds(one_step)[0]  # the first step compiles (and warms up)
    step_s, step_cpu_s = np.median([_seconds(one_step) for _ in range(repeats)], axis=0)

    eval_fn = darts.make_eval_fn(
        model, np.asarray(images[: c.batch_size]), np.asarray(labels[: c.batch_size]),
        c.batch_size, m,
    )  # fmt: skip
    eval_fn(holder["state"])
    eval_s = _seconds(lambda: eval_fn(holder["state"]))[0]
    devices = mesh.num_shards(m)
    epoch_s = steps_per_epoch * step_s + TEST_IMAGES / (c.batch_size / eval_s)
    return {
        "setting": name,
        "genotype": c.genotype,
        "channels": c.channels,
        "layers": c.layers,
        "batch": c.batch_size,
        "num_params": dn.count_params(c.genotype, c.channels, c.layers),
        "devices": devices,
        "compile_s": compile_s,
        "step_s": float(step_s),
        "images_per_s": c.batch_size / step_s,
        "images_per_s_per_device": c.batch_size / step_s / devices,
        "step_cpu_s": float(step_cpu_s),
        "images_per_cpu_s": c.batch_size / step_cpu_s,
        "eval_images_per_s": c.batch_size / eval_s,
        "steps_per_epoch": steps_per_epoch,
        "epoch_s": epoch_s,
        "600_epochs_h": EPOCHS * epoch_s / 3600,
    }


def main(argv):
    common.check_no_args(argv)
    dev = jax.devices()[0]
    header = {
        "backend": jax.default_backend(),
        "device_kind": dev.device_kind,
        "device_count": jax.device_count(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()),
    }
    load = header["loadavg_start"][0]
    print(
        f"device: {dev.device_kind} ({header['backend']}) x {jax.device_count()}; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs (shared machine)",
        flush=True,
    )
    rows = []
    for name in _SETTINGS.value:
        r = bench(name, _REPEATS.value)
        rows.append(r)
        print(
            f"{name}: C={r['channels']} layers={r['layers']} batch={r['batch']} "
            f"params={r['num_params']:,}: compile {r['compile_s']:.1f} s, step {r['step_s']:.3f} s"
            f", {r['images_per_s_per_device']:.1f} images/s/device, "
            f"{r['images_per_cpu_s']:.1f} images per CPU-second (eval "
            f"{r['eval_images_per_s']:.1f}); epoch {r['epoch_s'] / 60:.1f} min, 600 epochs "
            f"{r['600_epochs_h']:.1f} h ({r['600_epochs_h'] / 24:.1f} days)",
            flush=True,
        )
    out = {**header, "loadavg_end": list(os.getloadavg()), "results": rows}
    if _OUT.value:
        io.write_json(_OUT.value, out, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    common.run(main)
