r"""Benchmark: jaxnas's WPM (batched NUTS) beside Domhan et al.'s emcee WPM on the same curves.

    nice -n 10 python -m experiments.benchmarks.wpm_vs_emcee --data_dir=../shared/data \
        --workdir=results/wpm_vs_emcee --num_curves=8 --rounds=3 \
        --reference_dir=/work/ref/pylearningcurvepredictor \
        --reference_python=/work/ref/domhan-venv/bin/python \
        --output=results/wpm_vs_emcee/wpm_vs_emcee.json

NB-NLP WikiText-2 curves are split as ``lce_eval`` splits them (seed 0: 64 test curves, the
WPM's guard on the next ``--num_guard`` = 128, the loss->score map fitted on every non-test
curve); the first ``--num_curves`` test curves are observed for ``--observed`` epochs and their
final loss predicted. The reference is the unmodified checkout at ``--reference_dir``
(automl/pylearningcurvepredictor), run by ``--reference_python`` (Python 2, emcee) one curve per
child process: ``MCMCCurveModelCombination`` as ``modelfactory.setup_model_combination`` builds
it (9 families, soft monotonicity, flat priors, 100 walkers x 2,500 steps, burn-in 500; every
50th kept sample). Both predictive distributions include each sample's observation noise.

Each reference curve's result (samples, wall and CPU seconds of its child process) is cached in
``<workdir>/emcee_cache`` as soon as it finishes, keyed by curve index, emcee settings and a
hash of the observed scores: an interrupted run resumes, a rerun reuses finished curves (their
timings are marked ``reused`` in the output). jaxnas fits the test and guard curves in one
batched call (compiled first), timed ``--rounds`` times, interleaved with the reference curves
(medians). Rows: ``jaxnas_raw`` (per fitted curve) and ``jaxnas_guarded`` (the guard's fits
counted in, amortised over the test curves: call time / ``--num_curves``). Without
``--reference_dir`` the baseline is jaxnas's own one-curve-per-call loop.

Rows also give each interval's mean interval score (Gneiting & Raftery's proper score, lower is
better: coverage and sharpness together) and the binomial p-value of its coverage against the
nominal level (:func:`jaxnas.predictors.evaluation.interval_scores`).

Measured 2026-12-07 (the command above with ``--num_curves=64``, lce_eval's whole test split;
2-core CPU, load average 0.2-1.4; 40 reference curves run for this (median 33.8 CPU-s each), 24
reused from an earlier ``--num_curves=24`` run at load 5-8; emcee failed on one curve, index 317,
which its rows leave out):

    row              CPU s/curve  x CPU  RMSE   med abs err  cov50 / cov90  p50 / p90    IS50 / IS90
    emcee reference  34.7         1      10.4   0.094        0.48 / 0.90    0.80 / 1.00  4.49 / 7.11
    jaxnas raw       0.164        x211   0.276  0.085        0.27 / 0.64    0.00 / 0.00  0.51 / 1.30
    jaxnas guarded   0.493        x70    0.267  0.064        0.55 / 0.95    0.53 / 0.21  0.45 / 1.18

jaxnas's call fits 64 + 128 curves in 17-18 s wall, 31-32 CPU-s (the guarded row divides it by
the 64 test curves; x50 in CPU needs >= 40 test curves per guard fit). emcee's RMSE is one curve
(index 63: samples far below the curve after the score map; without it 0.57); its 90% intervals
are 8x wider than the guarded WPM's (5.0 against 0.64). The earlier run on the first 24 test curves
(load 5-8): emcee 39.1 CPU-s per curve, RMSE 16.8, cov50 / cov90 0.50 / 0.92; jaxnas guarded
x30 CPU (the guard's fits spread over 24 curves), RMSE 0.154, cov50 / cov90 0.46 / 1.00.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import jax
import numpy as np
from absl import flags

from experiments import common
from experiments.benchmarks import side_by_side
from jaxnas import io
from jaxnas.predictors import curves, evaluation, lcsvr, wpm

_PRESET = flags.DEFINE_enum("preset", "calibrated", list(wpm.PRESETS), "jaxnas WPM preset.")
_N = flags.DEFINE_integer("num_curves", 8, "Benchmark curves (the first of 64 test curves).")
_GUARD = flags.DEFINE_integer("num_guard", 128, "Guard curves (lce_eval: 128; 0: no guard).")
_OBS = flags.DEFINE_integer("observed", 10, "Observed epochs.")
_STEPS = flags.DEFINE_integer("emcee_steps", 2500, "emcee steps (reference default 2,500).")
_BURN = flags.DEFINE_integer("emcee_burn_in", 500, "emcee burn-in (reference default 500).")
_NUM_TEST = 64  # lce_eval's test split; the score map and guard curves do not depend on -N

_DRIVER = r"""# Python 2, in the reference environment. argv: checkout, input json, output json.
import json, sys, time
import numpy as np
sys.path[:0] = [sys.argv[1] + "/pylrpredictor", sys.argv[1]]
from curvefunctions import all_models, model_defaults, curve_combination_models
from curvemodels import MLCurveModel, MCMCCurveModelCombination
job = json.load(open(sys.argv[2]))
y = job["curve"]
np.random.seed(0)
t0 = time.time()
ms = [MLCurveModel(function=all_models[m], default_vals=model_defaults.get(m, {}),
                   recency_weighting=False) for m in curve_combination_models]
mc = MCMCCurveModelCombination(ms, xlim=job["xlim"], burn_in=job["burn_in"],
    nsamples=job["steps"], recency_weighting=False, normalize_weights=True,
    monotonicity_constraint=False, soft_monotonicity_constraint=True)
x = np.arange(1, len(y) + 1, dtype=float)
ok = mc.fit(x, np.asarray(y))
th = mc.get_burned_in_samples()[::50] if ok else []  # every 50th
s = [float(mc.predict_given_params(float(job["xlim"]), *mc.split_theta(t)[::2])
           + mc.split_theta(t)[1] * np.random.randn()) for t in th]
json.dump({"fit_seconds": time.time() - t0, "ok": bool(ok), "samples": s}, open(sys.argv[3], "w"))
"""


def cache_file(cache: pathlib.Path, index: int, y, xlim: int, steps: int, burn_in: int):
    """The cache file of one reference curve: its index, the settings and the observed scores."""
    h = hashlib.sha1(json.dumps([list(map(float, y)), xlim, _DRIVER]).encode()).hexdigest()[:10]
    return cache / f"curve{index:03d}_steps{steps}_burn{burn_in}_{h}.json"


def reference_curve(python, checkout, cache, index, y, xlim, steps, burn_in) -> dict:
    """Domhan's emcee WPM on one curve (observed scores ``y``) in a child process, or its cached
    result (then ``reused`` is True). Returns ``ok``, ``samples`` (scores at ``xlim``),
    ``wall_seconds`` / ``cpu_seconds`` of the child, ``reused``."""
    path = cache_file(cache, index, y, xlim, steps, burn_in)
    if path.is_file():
        return {**json.loads(path.read_text()), "reused": True}
    with tempfile.TemporaryDirectory() as tmp:
        drv, job, out = (pathlib.Path(tmp) / n for n in ("driver.py", "job.json", "out.json"))
        drv.write_text(_DRIVER)
        job.write_text(json.dumps({"curve": list(map(float, y)), "xlim": xlim, "steps": steps,
                                   "burn_in": burn_in}))  # fmt: skip
        cpu0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        r = subprocess.run([str(python), str(drv), str(checkout), str(job), str(out)],
                           capture_output=True, text=True)  # fmt: skip
        wall, cpu1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode:
            raise RuntimeError(f"reference failed on curve {index}:\n{r.stderr[-3000:]}")
        res = json.loads(out.read_text())
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    res.update(index=index, wall_seconds=wall, cpu_seconds=cpu, steps=steps, burn_in=burn_in)
    io.write_text(path, json.dumps(res))
    return {**res, "reused": False}


def _metrics(mean, samples, truth) -> dict:
    err = np.abs(mean - truth)
    return {"rmse": float(np.sqrt(np.mean(err**2))), "median_abs_error": float(np.median(err)),
            **evaluation.interval_stats(samples, truth, (0.5, 0.9)),
            **evaluation.interval_scores(samples, truth, (0.5, 0.9))}  # fmt: skip


def main(argv):
    common.check_no_args(argv)
    checkout = side_by_side.reference_dir(
        "pylrpredictor/curvemodels.py", "automl/pylearningcurvepredictor"
    )
    cfg = wpm.preset(_PRESET.value)
    losses, _, _ = evaluation.load_curves("nlp-wt2", 5.0, common.data_dir(), common.download())
    perm = np.random.default_rng(0).permutation(len(losses))
    n, g, t, k = _N.value, _GUARD.value, losses.shape[1], _OBS.value
    rounds = side_by_side.ROUNDS.value
    test, cal = losses[perm[:n]], losses[perm[_NUM_TEST : _NUM_TEST + g]]
    tr = curves.fit_loss_transform(losses[perm[_NUM_TEST:]])
    both = np.concatenate([test, cal])
    pc = curves.pad_curves(tr.to_score(both), k)
    truth = test[:, -1]
    cache = common.workdir("results/bench") / "emcee_cache"

    def jax_fit(pcs):
        c0, t0 = time.process_time(), time.perf_counter()
        f = jax.block_until_ready(wpm.fit(jax.random.key(0), pcs, t, cfg))
        return f, time.perf_counter() - t0, time.process_time() - c0

    compile_s = jax_fit(pc)[1]
    times, ref = [], []
    for i in common.progress(range(max(n, rounds)), desc="curves"):  # interleaved
        if checkout is not None and i < n:
            y = tr.to_score(test[i : i + 1, :k])[0]
            ref.append(reference_curve(side_by_side.REFERENCE_PYTHON.value, checkout, cache,
                                       int(perm[i]), y, t, _STEPS.value, _BURN.value))  # fmt: skip
        elif checkout is None and i < 2:  # a straightforward loop: one curve per call
            one = curves.PaddedCurves(*(a[i : i + 1] for a in pc))
            _, w, c = jax_fit(one)
            ref.append({"wall_seconds": w, "cpu_seconds": c, "ok": True, "reused": False})
        if i < rounds:
            fit, w, c = jax_fit(pc)
            times.append((w, c))
    pred = wpm.predict(fit, [t], cfg, key=jax.random.key(1))
    samp = tr.to_loss(np.asarray(pred.samples[..., 0]))
    mean = samp.mean(1)
    wall, cpu = (float(np.median(x)) for x in zip(*times, strict=True))
    rows = {"jaxnas_raw": {"wall_seconds_per_curve": wall / len(both),
                           "cpu_seconds_per_curve": cpu / len(both),
                           **_metrics(mean[:n], samp[:n], truth)}}  # fmt: skip
    if g:
        last = lcsvr.last_value(both[:, :k])
        gd = curves.fit_guard(mean[n:], last[n:], cal[:, -1], samp[n:])
        gm, gs = curves.apply_guard(gd, mean[:n], last[:n], samp[:n])
        rows["jaxnas_guarded"] = {"wall_seconds_per_curve": wall / n,
                                  "cpu_seconds_per_curve": cpu / n, "guard": gd._asdict(),
                                  **_metrics(gm, gs, truth)}  # fmt: skip
    base_name = "emcee_reference" if checkout is not None else "jaxnas_one_curve_per_call"
    if checkout is not None:
        ok = np.array([r["ok"] for r in ref])  # every kept chain has the same length
        rs = tr.to_loss(np.array([r["samples"] for r in ref if r["ok"]]))
        rows[base_name] = {"failed_fits": int((~ok).sum()),
                           "reused_timings": int(sum(r["reused"] for r in ref)),
                           **_metrics(rs.mean(1), rs, truth[ok])}  # fmt: skip
    else:
        rows[base_name] = {}
    for kind in ("wall", "cpu"):
        rows[base_name][f"{kind}_seconds_per_curve"] = float(
            np.median([r[f"{kind}_seconds"] for r in ref[-1 if checkout is None else 0 :]])
        )
    for v in rows.values():
        for kind in ("wall", "cpu"):
            v[f"{kind}_ratio"] = (rows[base_name][f"{kind}_seconds_per_curve"]
                                  / v[f"{kind}_seconds_per_curve"])  # fmt: skip
    if g and checkout is not None:  # test curves per guard fit at which guarded reaches x50
        room = (
            rows[base_name]["cpu_seconds_per_curve"]
            / 50
            / rows["jaxnas_raw"]["cpu_seconds_per_curve"]
        )
        rows["jaxnas_guarded"]["test_curves_per_guard_for_x50_cpu"] = (
            g / (room - 1) if room > 1 else None
        )
    out = {"curves": n, "curve_indices": [int(i) for i in perm[:n]], "guard_curves": g,
           "observed": k, "target": t, "preset": _PRESET.value, "rounds": rounds,
           "jaxnas_compile_and_first_call_seconds": compile_s, "baseline": base_name, "rows": rows,
           "reference_curves": [{k_: r.get(k_) for k_ in ("index", "ok", "wall_seconds",
                                 "cpu_seconds", "reused")} for r in ref],
           "emcee": {"steps": _STEPS.value, "burn_in": _BURN.value} if checkout else None,
           "jaxnas_rounds_wall_cpu": times, "device": str(jax.devices()[0])}  # fmt: skip
    if g and checkout is not None:  # per curve: truth, last value, then mean and 90% interval
        q = lambda x: np.quantile(x, [0.05, 0.95], axis=1).T  # noqa: E731
        out["per_curve_truth_last_jaxnas_emcee"] = [
            [int(perm[i]), float(truth[i]), float(last[i]), float(gm[i]), *map(float, q(gs)[i]),
             float(rs.mean(1)[j]), *map(float, q(rs)[j])]
            for j, i in enumerate(np.flatnonzero(ok))
        ]  # fmt: skip
    side_by_side.finish(out)
    print(f"{'row':26s} {'wall s/curve':>12s} {'cpu s/curve':>11s} {'x wall':>7s} {'x cpu':>7s}"
          f" {'RMSE':>6s} {'medAE':>6s} {'cov50':>5s} {'cov90':>5s} {'w50':>5s} {'w90':>5s}"
          f" {'IS50':>6s} {'IS90':>6s} {'p50':>5s} {'p90':>5s}",
          file=sys.stderr)  # fmt: skip
    for name, v in rows.items():
        print(f"{name:26s} {v['wall_seconds_per_curve']:12.3f} {v['cpu_seconds_per_curve']:11.3f}"
              f" {v['wall_ratio']:7.1f} {v['cpu_ratio']:7.1f} {v.get('rmse', np.nan):6.3f}"
              f" {v.get('median_abs_error', np.nan):6.3f} {v.get('coverage_50', np.nan):5.2f}"
              f" {v.get('coverage_90', np.nan):5.2f} {v.get('width_50', np.nan):5.2f}"
              f" {v.get('width_90', np.nan):5.2f} {v.get('interval_score_50', np.nan):6.2f}"
              f" {v.get('interval_score_90', np.nan):6.2f}"
              f" {v.get('coverage_50_binom_p', np.nan):5.2f}"
              f" {v.get('coverage_90_binom_p', np.nan):5.2f}", file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    common.run(main)
