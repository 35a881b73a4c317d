r"""Benchmark: WPM NUTS fit time per curve, batched (vmapped) vs one curve at a time.

    python -m experiments.benchmarks.lce_wpm_batch --workdir=results/bench

Draws ``--batch`` synthetic partial curves (pow3 ``c - a x^-alpha`` with Gaussian noise,
``--observed`` of ``--target`` epochs), fits them with :func:`jaxnas.predictors.wpm.fit` in one
batched call, and fits the first ``--num_single`` of them one at a time (a B = 1 program) with
the same per-curve keys. Both programs are compiled first (compile time reported separately);
the timed calls are the second ones. Also reports how far the two programs' predictions of the
final value apart are (they are different XLA programs, so chains differ in the last float bits
that NUTS amplifies; the distributions should agree). All numbers come from this run;
``<workdir>/lce_wpm_batch.json`` is written atomically.
"""

from __future__ import annotations

import dataclasses
import json
import time

import jax
import numpy as np
from absl import flags

from experiments import common
from jaxnas import io
from jaxnas.predictors import curves, wpm

_PRESET = flags.DEFINE_enum(
    "preset", "eval", list(wpm.PRESETS), "NUTS settings (jaxnas.predictors.wpm.preset)."
)
_BATCH = flags.DEFINE_integer("batch", 16, "Curves in the batched call.")
_SINGLE = flags.DEFINE_integer("num_single", 4, "Of these, how many are fitted one at a time.")
_OBSERVED = flags.DEFINE_integer("observed", 10, "Observed epochs per curve.")
_TARGET = flags.DEFINE_integer("target", 50, "Target epoch.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed.")


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    jax.block_until_ready(out.theta)
    return out, time.perf_counter() - t0


def main(argv):
    common.check_no_args(argv)
    cfg = wpm.preset(_PRESET.value)
    b, t, n = _BATCH.value, _TARGET.value, _OBSERVED.value
    rng = np.random.default_rng(_SEED.value)
    x = np.arange(1, t + 1, dtype=np.float64)
    c, a, al = rng.uniform(0.6, 0.9, b), rng.uniform(0.3, 0.6, b), rng.uniform(0.4, 1.0, b)
    clean = c[:, None] - a[:, None] * x[None, :] ** -al[:, None]
    noisy = clean + 0.005 * rng.standard_normal(clean.shape)
    pc = curves.pad_curves(noisy, n)
    key = jax.random.key(_SEED.value)
    keys = jax.random.split(key, b)

    def one(i):
        return curves.PaddedCurves(*(arr[i : i + 1] for arr in pc))

    _, compile_b = _timed(lambda: wpm.fit(jax.random.split(jax.random.key(99), b), pc, t, cfg))
    fit_b, run_b = _timed(lambda: wpm.fit(keys, pc, t, cfg))
    _, compile_1 = _timed(lambda: wpm.fit(keys[:1], one(0), t, cfg))
    singles, times_1 = [], []
    for i in range(min(_SINGLE.value, b)):
        f, dt = _timed(lambda i=i: wpm.fit(keys[i : i + 1], one(i), t, cfg))
        singles.append(f)
        times_1.append(dt)
    pb = wpm.predict(fit_b, [t], cfg)
    m = len(singles)
    mean_1 = np.array([float(wpm.predict(f, [t], cfg).mean[0, 0]) for f in singles])
    std_b = np.asarray(pb.std[:m, 0])
    out = {
        "settings": dataclasses.asdict(cfg),
        "batch": b,
        "observed": n,
        "target": t,
        "compile_and_run_seconds_batched": compile_b,
        "compile_and_run_seconds_single": compile_1,
        "seconds_batched_call": run_b,
        "seconds_per_curve_batched": run_b / b,
        "seconds_per_curve_single": float(np.mean(times_1)),
        "speedup_per_curve": float(np.mean(times_1)) / (run_b / b),
        "divergent_fraction_batched": float(np.mean(fit_b.diverging)),
        "mean_leapfrog_steps_batched": float(np.mean(fit_b.num_steps)),
        "final_value_rmse_batched": float(np.sqrt(np.mean((pb.mean[:, 0] - clean[:, -1]) ** 2))),
        "batched_vs_single_mean_diff_in_posterior_std": (
            np.abs(np.asarray(pb.mean[:m, 0]) - mean_1) / std_b
        ).tolist(),
        "device": str(jax.devices()[0]),
    }
    print(json.dumps(out, indent=2))
    io.write_json(common.workdir("results/bench") / "lce_wpm_batch.json", out, indent=2)


if __name__ == "__main__":
    common.run(main)
