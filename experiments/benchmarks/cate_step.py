r"""CATE MLM train-step throughput on CPU, and the share of the step spent on the attention mask.

    python -m experiments.benchmarks.cate_step --out=results/bench/cate_step.json

For each model preset (``reference``: 12 graph + 24 cross blocks; ``cpu_small``: 2 + 4) and
batch size, on real NB101 cells (pairs by parameter count, delta 2e6, K 2; a subset of the
enumeration so start-up stays short), measures in the same process:

* ``step_ms`` -- the full jitted train step (tokens + Floyd-Warshall masks of both sides, MLM
  corruption, forward, backward, AdamW), median over ``--repeats`` timed steps after warm-up;
* ``mask_ms`` -- the jitted input-pipeline part alone (``token_batch`` with the transitive
  closure for both sides of the pair batch), median likewise;
* ``mask_share = mask_ms / step_ms`` (an upper bound: inside the step XLA may fuse or overlap it);
* ``pairs_per_s = batch / step``.

Results go to ``--out`` (JSON, atomically). The machine's load average is recorded: the numbers
are only comparable between runs on an otherwise idle machine.
"""

from __future__ import annotations

import json
import os
import pathlib
import time

import jax
import numpy as np
from absl import flags, logging

from experiments import common
from jaxnas import io, train
from jaxnas.encodings import tokens as tok
from jaxnas.models import cate as cate_model
from jaxnas.pretrain import cate, cate_pairs

_OUT = flags.DEFINE_string("out", None, "JSON file to write.")
_PRESETS = flags.DEFINE_list("presets", ["cpu_small", "reference"], "Model presets.")
_BATCHES = flags.DEFINE_list("batch_sizes", ["256", "1024"], "Pairs per step.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed steps per setting.")
_NUM_CELLS = flags.DEFINE_integer("num_cells", 20_000, "NB101 cells drawn for the pairs.")
flags.mark_flag_as_required("out")


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def bench(cells: cate.Cells, pairs: np.ndarray, preset: str, batch: int, repeats: int) -> dict:
    model = cate_model.CATE(cate_model.make_config(cells.num_ops, preset))
    tx = cate.make_optimizer(1000)
    params = cate.init_params(model, jax.random.key(0), cells)
    state = train.create(params, tx)
    step = train.make_train_step(cate.make_loss_fn(model), tx)
    b = cate.gather_pairs(cells, pairs[:batch])
    rng = jax.random.key(1)

    t = time.perf_counter()
    state, m = step(state, b, rng)
    jax.block_until_ready(m)
    compile_s = time.perf_counter() - t
    holder = {"state": state}

    def one_step():
        holder["state"], metrics = step(holder["state"], b, rng)
        return metrics

    one_step()
    step_s = _median_time(one_step, repeats)

    @jax.jit
    def masks(batch):
        return (
            tok.token_batch(batch["adj_x"], batch["ops_x"], cells.num_ops, True),
            tok.token_batch(batch["adj_y"], batch["ops_y"], cells.num_ops, True),
        )

    jax.block_until_ready(masks(b))
    mask_s = _median_time(lambda: masks(b), max(repeats, 20))
    return {
        "preset": preset,
        "batch_pairs": batch,
        "num_params": int(sum(x.size for x in jax.tree.leaves(params))),
        "compile_s": compile_s,
        "step_ms": 1e3 * step_s,
        "pairs_per_s": batch / step_s,
        "mask_ms": 1e3 * mask_s,
        "mask_share": mask_s / step_s,
    }


def main(argv):
    common.check_no_args(argv)
    cells = cate.load_cells("nb101", key=jax.random.key(0), num_cells=_NUM_CELLS.value)
    pairs = cate_pairs.sample_pairs(jax.random.key(1), cells.attribute, 2e6, 2)
    pairs = pairs[np.random.default_rng(0).permutation(len(pairs))]
    rows = []
    for preset in _PRESETS.value:
        for batch in map(int, _BATCHES.value):
            load0 = os.getloadavg()[0]
            row = bench(cells, pairs, preset, batch, _REPEATS.value)
            row["loadavg_1min_before_after"] = [load0, os.getloadavg()[0]]
            logging.info("%s", json.dumps(row))
            rows.append(row)
    out = pathlib.Path(_OUT.value)
    result = {
        "benchmark": "cate_mlm_train_step",
        "data": f"NB101, {_NUM_CELLS.value} enumerated cells, pairs by params (delta 2e6, K 2)",
        "backend": jax.default_backend(),
        "cpu_count": os.cpu_count(),
        "jax_version": jax.__version__,
        "rows": rows,
    }
    io.write_json(out, result, indent=1)


if __name__ == "__main__":
    common.run(main)
