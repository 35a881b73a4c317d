r"""Benchmark: x11 SVD-LGB-GKDE noisy full-curve queries, jaxnas beside x11's own query path.

    python -m experiments.benchmarks.x11_query --data_dir=../shared/data --workdir=results/bench \
        --reference_dir=/work/ref/nas-bench-x11

SVD-LGB-GKDE (reference LightGBM settings, k = 6) is fitted on the 341 NB-NLP WT2 curves (50 epochs;
graph encoding + 3 early losses) by jaxnas and by x11's own ``SVDLGBModel.train``, run from a
checkout of automl/nas-bench-x11 (``--reference_dir``; never vendored; unset: jaxnas only; its
``svd_lgb.py`` executed with stand-ins for the package modules it needs only to load data and log
metrics, and ``LGBMRegressor.fit`` taking LightGBM 3's ``verbose=``). jaxnas tabulates the pool (the
data's encodings) once. Interleaved rounds (order rotating) time noisy full-curve queries of random
pool members: x11's ``query(..., use_noise=True)`` one at a time, jaxnas's one-off ``query`` and
``query_table``, one at a time and batched; medians of per-round ms per query (wall; CPU of this
process). x11 predicts with its faster of 1 and 2 LightGBM threads, jaxnas's one-off path with 1;
fits are cached in ``<workdir>/x11_query_models``. Results: printed as JSON, with the load
averages at start and end, and written to ``--output`` (default ``<workdir>/x11_query.json``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import statistics
import sys
import time
import types

import jax
import lightgbm
import numpy as np
from absl import flags

from experiments import common
from experiments.benchmarks import side_by_side
from jaxnas.surrogates import datasets, mean_models
from jaxnas.surrogates import surrogate as sg

_LGB = flags.DEFINE_enum("lgb_preset", "reference", ["reference", "fast"], "LightGBM preset.")
_K = flags.DEFINE_integer("num_components", 6, "SVD components (both implementations).")
_NUM = flags.DEFINE_integer("num_queries", 200, "One-at-a-time queries per round (jaxnas).")
_REF_NUM = flags.DEFINE_integer("ref_queries", 20, "One-at-a-time queries per round (x11).")
_BATCH = flags.DEFINE_integer("batch", 1000, "Queries per batched call.")


class _Base:
    """Stands in for ``nas_bench_x11.surrogate_model.SurrogateModel``: holds the data."""

    def __init__(self, data, log_dir, seed, model_config, *_):
        self.data, self.log_dir, self.seed, self.model_config = data, log_dir, seed, model_config

    def load_dataset(self, dataset_type, use_full_lc):
        return (*self.data[dataset_type], None)


class LGBMRegressor(lightgbm.LGBMRegressor):
    """LightGBM 4's regressor whose ``fit`` accepts LightGBM 3's ``verbose=`` (quiet; fitted
    with 1 thread as jaxnas's: 2 OpenMP threads stalled for minutes on the loaded machine)."""

    def fit(self, x, y, verbose=None, **kwargs):
        self.set_params(verbosity=-1, n_jobs=1)
        return super().fit(x, y, **kwargs)


def _reference_model(ref: str, x, y, lgb: mean_models.LGBConfig, cache):
    """x11's ``SVDLGBModel`` from its file (module docstring), trained or loaded from cache."""
    utils = types.SimpleNamespace(evaluate_learning_curve_metrics=lambda *a, **k: {})
    sm = types.SimpleNamespace(SurrogateModel=_Base)
    sys.modules.update({"nas_bench_x11": types.ModuleType("nas_bench_x11"),
                        "nas_bench_x11.utils": types.SimpleNamespace(utils=utils),
                        "nas_bench_x11.utils.utils": utils, "nas_bench_x11.surrogate_model": sm})
    path = os.path.join(ref, "nas_bench_x11", "models", "svd_lgb.py")
    spec = importlib.util.spec_from_file_location("nas_bench_x11.models.svd_lgb", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.lgb = types.SimpleNamespace(LGBMRegressor=LGBMRegressor)
    p = dict(num_components=_K.value, boosting_type="gbdt", lambda_l1=lgb.reg_alpha,
             lambda_l2=lgb.reg_lambda, **{f: getattr(lgb, f) for f in (
                 "num_rounds", "max_depth", "num_leaves", "min_child_weight", "learning_rate")})
    p = {f"param:{k}": v for k, v in p.items()}
    m = mod.SVDLGBModel({"train": (x, y), "val": (x, y)}, str(cache), 0, p, None, "nlp", None)
    f = cache / "surrogate_model.model"
    _ = m.load(str(f)) if f.exists() else (m.train(), m.save())
    return m


def _per_query(fn, n: int) -> tuple[float, float]:
    """(wall ms, CPU ms of this process) per query of ``fn()``, which answers ``n`` queries."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return 1e3 * (time.perf_counter() - t0) / n, 1e3 * (time.process_time() - c0) / n


def _fastest_threads(set_threads, fn, n) -> int:
    """Sets and returns the faster of 1 and 2 prediction threads for ``fn`` (after a warm-up)."""
    times = {t: (set_threads(t), fn(), _per_query(fn, n)[0])[2] for t in (1, 2)}
    set_threads(best := min(times, key=times.get))
    return best


def main(argv):
    common.check_no_args(argv)
    ref_dir = side_by_side.reference_dir("nas_bench_x11/models/svd_lgb.py", "automl/nas-bench-x11")
    d = datasets.nlp_wt2(common.data_dir(), first_epochs=3, download=common.download())
    lgb = mean_models.REFERENCE_LGB if _LGB.value == "reference" else mean_models.FAST_LGB
    x, y, n, nb, nr = d.encodings, d.curves, _NUM.value, _BATCH.value, _REF_NUM.value
    work = common.workdir("results/bench")
    cache = work / "x11_query_models" / f"{d.name}-{_LGB.value}-{_K.value}"
    out = {"dataset": d.name, "curves": list(y.shape), "k": _K.value, "lgb": _LGB.value,
           "ms_per_query": {}}  # fmt: skip
    if not (cache / "jaxnas" / "surrogate.json").exists():
        lgb1 = dataclasses.replace(lgb, num_threads=1)
        cfg = sg.SurrogateConfig(num_components=_K.value, lgb=lgb1)
        sg.save(sg.fit(jax.random.key(0), x, y, cfg), cache / "jaxnas")
    s = sg.load(cache / "jaxnas")
    t0 = time.perf_counter()
    table = sg.tabulate(s, x, num_threads=0)
    out["tabulate_seconds"] = round(time.perf_counter() - t0, 3)
    one_off = np.stack([sg.query(s, r, with_noise=False) for r in x])  # one row at a time
    out["tabulated_equals_one_off"] = bool(np.array_equal(table.mean, one_off))
    idx = np.random.default_rng(0).integers(0, len(x), max(n, nb, nr))
    keys = list(jax.random.split(jax.random.key(1), n))
    ik = list(zip(idx, keys, strict=False))
    run = {
        "jaxnas one-off, one at a time": (lambda: [sg.query(s, x[i], k) for i, k in ik], n),
        "jaxnas one-off, batched": (lambda: sg.query(s, x[idx[:nb]], keys[0]), nb),
        "jaxnas tabulated, one at a time": (
            lambda: [sg.query_table(s, table, i, k) for i, k in ik], n),
        "jaxnas tabulated, batched": (
            lambda: [sg.query_table(s, table, idx[:nb], k) for k in keys[:10]], 10 * nb),
    }  # fmt: skip
    if ref_dir is not None:
        m = _reference_model(str(ref_dir), x, y, lgb, cache)
        ref = lambda: [m.query(x[i], search_space="nlp", use_noise=True) for i in idx[:nr]]  # noqa: E731
        set_ref = lambda t: [e.set_params(n_jobs=t) for e in m.model.estimators_]  # noqa: E731
        out["x11_threads"] = _fastest_threads(set_ref, ref, nr)
        run = {"x11 reference query, one at a time": (ref, nr), **run}
    times, names = {c: [] for c in run}, list(run)
    for fn, _ in run.values():
        fn()  # warm-up (compilation)
    for r in common.progress(range(side_by_side.ROUNDS.value), desc="rounds"):
        for c in names[r % len(names) :] + names[: r % len(names)]:
            times[c].append(_per_query(*run[c]))
    base = statistics.median(t[0] for t in times[names[0]])
    for c in names:
        w, cpu = (statistics.median(t[j] for t in times[c]) for j in (0, 1))
        out["ms_per_query"][c] = {"wall": w, "cpu": cpu, "rounds_wall_cpu": times[c]}
        print(f"{c:36s} {w:9.4f} ms/query wall {cpu:9.4f} ms CPU   x{base / w:.1f}")
    side_by_side.finish(out, default_output=work / "x11_query.json")


if __name__ == "__main__":
    common.run(main)
