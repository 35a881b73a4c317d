r"""Benchmark: x11 surrogate fit time and query throughput, batched vs one at a time.

    python -m experiments.benchmarks.x11_query --data_dir=../shared/data --workdir=results/bench

Fits SVD-LGB with the reference LightGBM hyper-parameters (``--lgb_preset=fast`` for a quick
run) on the real curves of ``--dataset`` (``taskset``: one TaskSet task, about 900 curves x 51
points; ``nlp``: the 341 NB-NLP WikiText-2 curves x 50 epochs, graph encoding + 3 early
losses), then answers ``--num_queries`` queries (encodings drawn with replacement from the
data) for each noise model: one batched call vs one call per architecture, with and without
noise. Every call is timed after a warm-up (JIT compilation excluded), in wall time and in
CPU time of this process (on a shared, loaded machine the wall time includes waiting for the
CPU). All numbers come from this run; ``<workdir>/x11_query.json`` is written atomically.
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
from jaxnas.surrogates import datasets, mean_models
from jaxnas.surrogates import surrogate as sg

_DATASET = flags.DEFINE_enum("dataset", "taskset", ["taskset", "nlp"], "Curves to fit on.")
_LGB = flags.DEFINE_enum("lgb_preset", "reference", ["reference", "fast"], "LightGBM preset.")
_THREADS = flags.DEFINE_integer("lgb_threads", 2, "LightGBM threads.")
_NUM = flags.DEFINE_integer("num_queries", 1000, "Architectures queried.")
_LOOP = flags.DEFINE_integer(
    "loop_queries", 1000, "Of these, how many are also queried one at a time."
)


def _time(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call after a warm-up call."""
    fn()  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv):
    common.check_no_args(argv)
    data_dir = common.data_dir()
    if _DATASET.value == "taskset":
        d = datasets.taskset("imdb_patch128_LSTM128_avg_bs64", data_dir, download=common.download())
    else:
        d = datasets.nlp_wt2(data_dir, first_epochs=3, download=common.download())
    lgb = mean_models.REFERENCE_LGB if _LGB.value == "reference" else mean_models.FAST_LGB
    lgb = dataclasses.replace(lgb, num_threads=_THREADS.value)
    rng = np.random.default_rng(0)
    x = d.encodings[rng.integers(0, len(d.encodings), _NUM.value)]
    n_loop = min(_LOOP.value, _NUM.value)
    out = {
        "dataset": d.name,
        "source": d.source,
        "curves": list(d.curves.shape),
        "lgb_preset": _LGB.value,
        "lgb_threads": _THREADS.value,
        "num_queries": _NUM.value,
        "loop_queries": n_loop,
        "results": {},
    }
    base = None
    for nz in ("std", "gkde", "window"):
        cfg = sg.SurrogateConfig(noise=nz, lgb=lgb)
        t0 = time.perf_counter()
        if base is None:
            s = base = sg.fit(jax.random.key(0), d.encodings, d.curves, cfg)
            out["fit_seconds_svd_lgb"] = round(time.perf_counter() - t0, 3)
        else:
            s = sg.refit_noise(base, cfg, d.encodings, d.curves)
        out["results"][cfg.name] = r = {
            "noise_fit_seconds": round(time.perf_counter() - t0, 3) if s is not base else None
        }
        key = jax.random.key(1)
        for noisy in (False, True):
            tag = "noise" if noisy else "mean"
            tb, cb = _time(lambda s=s, noisy=noisy, key=key: sg.query(s, x, key, with_noise=noisy))
            tl, cl = _time(
                lambda s=s, noisy=noisy, key=key: [
                    sg.query(s, x[i], jax.random.fold_in(key, i), with_noise=noisy)
                    for i in range(n_loop)
                ]
            )
            r[f"batched_{tag}_qps"] = round(_NUM.value / tb, 1)
            r[f"one_at_a_time_{tag}_qps"] = round(n_loop / tl, 1)
            r[f"speedup_{tag}"] = round((tl / n_loop) / (tb / _NUM.value), 1)
            # CPU time: on a loaded machine wall time also counts other processes' share.
            r[f"batched_{tag}_cpu_ms_per_query"] = round(1e3 * cb / _NUM.value, 3)
            r[f"one_at_a_time_{tag}_cpu_ms_per_query"] = round(1e3 * cl / n_loop, 3)
        print(cfg.name, json.dumps(r))
    print("fit seconds (SVD + LGB chain + noise):", out["fit_seconds_svd_lgb"])
    path = common.workdir("results/bench") / "x11_query.json"
    io.write_json(path, out, indent=2)
    print(f"written to {path}")


if __name__ == "__main__":
    common.run(main)
