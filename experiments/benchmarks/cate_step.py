r"""CATE MLM train step, jaxnas beside MSU-MLSys-Lab/CATE's PyTorch original, in one run.

    python -m experiments.benchmarks.cate_step --output=results/bench/cate_step.json \
        --reference_dir=/work/ref/CATE --reference_python=/work/refenv/bin/python

For each model preset (``cpu_small``: 3 graph + 4 cross blocks; ``reference``: 12 + 24) at
``--batch_size`` pairs of real NB101 cells (pairs by parameter count, delta 2e6, K 2; a subset of
the enumeration so start-up stays short):

* jaxnas: the jitted train step (tokens and Floyd-Warshall masks of both sides, MLM corruption,
  forward, backward, AdamW);
* the reference (when ``--reference_dir`` is given; flags of
  :mod:`experiments.benchmarks.side_by_side`): its own ``PairWiseLearning`` model,
  ``KLDivLoss`` and AdamW step, imported from that checkout by
  ``experiments/benchmarks/cate_reference_step.py`` in a subprocess of ``--reference_python``
  (PyTorch CPU at the faster of 1 and 2 threads), on the same batch prepared once (its per-step
  Python data preparation is not timed);

interleaved: ``--rounds`` rounds of ``--steps`` steps each, reference then jaxnas; medians over
all timed steps, of wall and of process CPU time (on a shared machine the CPU time is the
steadier measure of a step's work; wall time also counts the waits for a core). FLOPs per step
are the model's: XLA's ``cost_analysis`` of the lowered jaxnas step of the same model without
dropout (the dropout RNG's integer ops are no model work, yet XLA counts them as FLOPs); the
reference runs the same model, so its FLOP/s use them too. The machine's matmul peak is
measured in the same run (best of a few ``2048^3`` float32 XLA matmuls), and both FLOP/s are
printed as a fraction of it. The load average is recorded before and after: the machine may be
shared. With ``--profile`` (the default) two more jaxnas steps run under the JAX profiler and
:mod:`experiments.benchmarks.op_profile` prints their operation time by part of the model and
by kernel kind.

With ``--attention_free_bound`` a third contender runs, interleaved: the same step with the
attention core (scores, softmax, attention-weight dropout, weighted sum) replaced by passing the
values through, everything else unchanged (:func:`attention_free_step`). No attention kernel,
however fast, can make the step faster than that, so ``reference / attention-free`` bounds the
speed-up an attention kernel could bring.

Measured 2026-12-07 on the 2-core CPU (otherwise idle), PyTorch at 2 threads. The first run used
``--rounds=5`` (load average 0.4-1.3, matmul peak 456-480 GFLOP/s). The second and third
added ``--attention_free_bound`` (load average 0.0-1.4, matmul peak 406-469 GFLOP/s):

    preset     run  reference s (CPU)  jaxnas s (CPU)  x wall  x CPU  % of peak  free attention
    cpu_small  1    0.159 (0.313)      0.126 (0.214)   1.27    1.46   11.3       -
    reference  1    0.799 (1.59)       0.627 (1.07)    1.28    1.49   12.6       -
    cpu_small  2    0.177 (0.339)      0.127 (0.214)   1.40    1.59   11.5       0.081 s, x2.19
    reference  2    0.930 (1.81)       0.775 (1.30)    1.20    1.39   11.4       0.468 s, x1.99
    cpu_small  3    0.179 (0.352)      0.134 (0.231)   1.34    1.52   11.7       0.087 s, x2.07
    reference  3    0.793 (1.55)       0.615 (1.04)    1.29    1.49   12.5       0.388 s, x2.04

Reference size, second / third run, 849 / 806 ms of op time per step: attention scores /
softmax / weighted sum 35 / 39%, dropout 14 / 14%, q/k/v/out projections 14 / 13%, FFN 14 / 11%,
layer norms 12 / 13%, residual and other 8.5 / 9%. By kernel kind: XLA loops 48 / 52%, YNNPACK
matmuls 34 / 32%, YNNPACK reductions 9 / 8%, Eigen matmuls 9 / 8%.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import pathlib
import subprocess
import tempfile
import time
from unittest import mock

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from absl import flags, logging

from experiments import common
from experiments.benchmarks import op_profile, side_by_side
from jaxnas import train
from jaxnas.encodings import tokens as tok
from jaxnas.models import cate as cate_model
from jaxnas.models import transformer
from jaxnas.pretrain import cate, cate_pairs

_PRESETS = flags.DEFINE_list("presets", ["cpu_small", "reference"], "Model presets.")
_BATCH = flags.DEFINE_integer("batch_size", 256, "Pairs per step.")
_STEPS = flags.DEFINE_integer("steps", 2, "Timed steps per contender and round.")
_NUM_CELLS = flags.DEFINE_integer("num_cells", 20_000, "NB101 cells drawn for the pairs.")
_PROFILE = flags.DEFINE_bool(
    "profile", True, "After timing, profile two jaxnas steps and print where the time goes."
)
_BOUND = flags.DEFINE_bool(
    "attention_free_bound",
    False,
    "Also time, interleaved, the jaxnas step with the attention core (scores, softmax, "
    "attention dropout, weighted sum) replaced by passing the values through: a lower bound on "
    "the step time any attention kernel could reach.",
)


def _values_through(query, key, value, **unused):
    """The what-if attention core of ``--attention_free_bound``: one element-wise pass, which
    keeps the query and key projections (and their gradients) in the step."""
    del unused
    return value + (query + key) * 0.0


def attention_free_step(model: cate_model.CATE, cells: cate.Cells, batch: dict):
    """``(state, compiled step)`` of ``model`` with a free attention core (the q/k/v/out
    projections, layer norms, FFN, residual and FFN dropout, loss and optimiser unchanged; no
    attention-weight dropout, which is part of the core): the library's
    :class:`jaxnas.models.transformer.EncoderBlock` is traced with flax's attention module given
    ``attention_fn=_values_through``, for this what-if only."""
    free = functools.partial(nn.MultiHeadDotProductAttention, attention_fn=_values_through)
    with mock.patch.object(transformer.nn, "MultiHeadDotProductAttention", free):
        state, lowered = lowered_step(model, cells, batch)
    return state, lowered.compile()


def matmul_peak(n: int = 2048, repeats: int = 5) -> float:
    """Best float32 XLA matmul FLOP/s on ``n x n`` operands."""
    a = jnp.ones((n, n), jnp.float32)
    f = jax.jit(lambda a: a @ a)
    jax.block_until_ready(f(a))
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(f(a))
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def reference_inputs(model: cate_model.CATE, batch: dict, path: pathlib.Path) -> None:
    """The corrupted pair batch in the reference's tensors (PAD 0, closure masks, labels)."""
    tx, ty, targets, w = jax.jit(
        lambda b: cate._corrupt_pair(model, b, jax.random.key(2), cate.MLMConfig())
    )(batch)
    labels = np.where(np.asarray(w), np.asarray(targets), model.config.vocab.pad)
    np.savez(
        path,
        x=tx.tokens,
        y=ty.tokens,
        mask_x=tx.attention_mask,
        mask_y=ty.attention_mask,
        labels=labels,
        mask_xy=tok.pair_attention_mask(tx.token_mask, ty.token_mask),
    )


class Reference:
    """The reference step in a PyTorch subprocess (see ``cate_reference_step.py``)."""

    def __init__(
        self, config: cate_model.CATEConfig, checkout: pathlib.Path, batch_path: pathlib.Path
    ):
        c = config
        args = [
            c.graph_layers,
            c.cross_layers,
            c.d_model,
            c.num_heads,
            c.graph_ffn,
            c.cross_ffn,
            c.vocab_size,
        ]
        script = pathlib.Path(__file__).with_name("cate_reference_step.py")
        self.proc = subprocess.Popen(
            [side_by_side.REFERENCE_PYTHON.value, str(script), str(checkout), str(batch_path)]
            + [str(a) for a in args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.threads = json.loads(self.proc.stdout.readline())["threads"]

    def times(self, k: int) -> tuple[list[float], list[float]]:
        """Wall and process CPU seconds of ``k`` steps."""
        self.proc.stdin.write(f"{k}\n")
        self.proc.stdin.flush()
        out = json.loads(self.proc.stdout.readline())
        return out["times"], out["cpu_times"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def lowered_step(model: cate_model.CATE, cells: cate.Cells, batch: dict):
    """``(state, lowered train step)`` of ``model`` on ``batch``."""
    tx = cate.make_optimizer(1000)
    state = train.create(cate.init_params(model, jax.random.key(0), cells), tx)
    step = train.make_train_step(cate.make_loss_fn(model), tx)
    return state, step.lower(state, batch, jax.random.key(1))


def model_flops(model: cate_model.CATE, cells: cate.Cells, batch: dict) -> float:
    """XLA's FLOP count of the train step of ``model`` without dropout (see the docstring)."""
    no_dropout = cate_model.CATE(dataclasses.replace(model.config, dropout=0.0))
    cost = lowered_step(no_dropout, cells, batch)[1].cost_analysis()
    return float((cost[0] if isinstance(cost, list) else cost)["flops"])


def bench(
    cells: cate.Cells,
    batch: dict,
    preset: str,
    peak: float,
    tmp: str,
    checkout: pathlib.Path | None,
) -> dict:
    model = cate_model.CATE(cate_model.make_config(cells.num_ops, preset))
    rng = jax.random.key(1)
    t = time.perf_counter()
    state, lowered = lowered_step(model, cells, batch)
    compiled = lowered.compile()
    compile_s = time.perf_counter() - t
    flops = model_flops(model, cells, batch)
    state, m = compiled(state, batch, rng)
    jax.block_until_ready(m)
    ref = None
    if checkout is not None:
        path = pathlib.Path(tmp) / f"{preset}.npz"
        reference_inputs(model, batch, path)
        ref = Reference(model.config, checkout, path)
    contenders = {"jaxnas": [compiled, state]}
    if _BOUND.value:
        free_state, free_step = attention_free_step(model, cells, batch)
        contenders["jaxnas_attention_free"] = [free_step, free_state]
    times = {k: [] for k in ("reference", *contenders)}
    cpu_times = {k: [] for k in times}
    for _ in range(side_by_side.ROUNDS.value):
        if ref is not None:
            wall, cpu = ref.times(_STEPS.value)
            times["reference"] += wall
            cpu_times["reference"] += cpu
        for who, holder in contenders.items():
            for _ in range(_STEPS.value):
                t, c = time.perf_counter(), time.process_time()
                holder[1], m = holder[0](holder[1], batch, rng)
                jax.block_until_ready(m)
                times[who].append(time.perf_counter() - t)
                cpu_times[who].append(time.process_time() - c)
    state = contenders["jaxnas"][1]
    row = {
        "preset": preset,
        "batch_pairs": len(batch["ops_x"]),
        "compile_s": compile_s,
        "model_flops_per_step": flops,
        "matmul_peak_flops": peak,
    }
    for who, ts in times.items():
        if ts:
            s = float(np.median(ts))
            row[who] = {
                "step_s": s,
                "step_cpu_s": float(np.median(cpu_times[who])),
                "flops_per_s": flops / s,
                "fraction_of_peak": flops / s / peak,
                "steps_timed": len(ts),
            }
    if _PROFILE.value:
        holder = {"state": state}

        def run():
            holder["state"], metrics = compiled(holder["state"], batch, rng)
            jax.block_until_ready(metrics)

        hlo = compiled.as_text()
        times = op_profile.instruction_times(run)
        by_op = op_profile.group_by_source(hlo, times)
        row["jaxnas"]["op_time_s"] = op_profile.group_times(by_op, op_profile.transformer_group)
        row["jaxnas"]["kernel_time_s"] = op_profile.kind_times(hlo, times)
    if ref is not None:
        row["reference"]["torch_threads"] = ref.threads
        row["speedup"] = row["reference"]["step_s"] / row["jaxnas"]["step_s"]
        row["speedup_cpu_time"] = row["reference"]["step_cpu_s"] / row["jaxnas"]["step_cpu_s"]
        if "jaxnas_attention_free" in row:
            free = row["jaxnas_attention_free"]["step_s"]
            row["speedup_bound_attention_free"] = row["reference"]["step_s"] / free
        ref.close()
    return row


def main(argv):
    common.check_no_args(argv)
    checkout = side_by_side.reference_dir("layers/graphEncoder.py", "MSU-MLSys-Lab/CATE")
    cells = cate.load_cells("nb101", key=jax.random.key(0), num_cells=_NUM_CELLS.value)
    pairs = cate_pairs.sample_pairs(jax.random.key(1), cells.attribute, 2e6, 2)
    pairs = pairs[np.random.default_rng(0).permutation(len(pairs))]
    batch = cate.gather_pairs(cells, pairs[: _BATCH.value])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in _PRESETS.value:
            peak = matmul_peak()
            row = bench(cells, batch, preset, peak, tmp, checkout)
            logging.info("%s", json.dumps(row))
            for who in ("reference", "jaxnas", "jaxnas_attention_free"):
                if who in row:
                    r = row[who]
                    pct = 100 * r["fraction_of_peak"]
                    print(
                        f"{preset:9s} {who:21s} {r['step_s']:.3f} s/step "
                        f"({r['step_cpu_s']:.3f} s CPU)  "
                        f"{r['flops_per_s'] / 1e9:.1f} GFLOP/s = {pct:.1f}% "
                        f"of the measured matmul peak {peak / 1e9:.0f} GFLOP/s",
                        flush=True,
                    )
            if "op_time_s" in row["jaxnas"]:
                print(f"{preset}: where jaxnas's step spends its time")
                print(op_profile.format_table(row["jaxnas"]["op_time_s"], "step"))
                print(f"{preset}: the same time by kernel kind")
                print(op_profile.format_table(row["jaxnas"]["kernel_time_s"], "step"), flush=True)
            if "speedup" in row:
                print(
                    f"{preset:9s} jaxnas / reference speed-up x{row['speedup']:.2f} "
                    f"(CPU time x{row['speedup_cpu_time']:.2f})",
                    flush=True,
                )
            if "speedup_bound_attention_free" in row:
                print(
                    f"{preset:9s} bound: with an attention core that costs nothing, "
                    f"x{row['speedup_bound_attention_free']:.2f}",
                    flush=True,
                )
            rows.append(row)
    result = {
        "benchmark": "cate_mlm_train_step",
        "data": f"NB101, {_NUM_CELLS.value} enumerated cells, pairs by params (delta 2e6, K 2)",
        "backend": jax.default_backend(),
        "cpu_count": os.cpu_count(),
        "jax_version": jax.__version__,
        "reference_dir": None if checkout is None else str(checkout),
        "rows": rows,
    }
    side_by_side.finish(result)


if __name__ == "__main__":
    common.run(main)
