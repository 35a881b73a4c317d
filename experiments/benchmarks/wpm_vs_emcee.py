r"""Benchmark: jaxnas's WPM (batched NUTS) beside Domhan et al.'s emcee WPM on the same curves.

    python -m experiments.benchmarks.wpm_vs_emcee --data_dir=../shared/data \
        --ref_dir=/work/ref/pylearningcurvepredictor --ref_python=/work/ref/domhan-venv/bin/python

NB-NLP WikiText-2 curves (held out as in ``lce_eval``, seed 0) are observed for ``--observed``
epochs, mapped to scores by the other curves' :class:`~jaxnas.predictors.curves.LossTransform`,
and their final loss predicted. The reference is the unmodified checkout at ``--ref_dir``, run
by ``--ref_python`` (Python 2, emcee) one curve per child process: ``MCMCCurveModelCombination``
as ``modelfactory.setup_model_combination`` builds it (9 families, soft monotonicity, flat
priors, 100 walkers x 2,500 steps, burn-in 500). Both predictive distributions include each
sample's observation noise. jaxnas fits all curves in one batched call (compiled first); its
guarded row fits :func:`~jaxnas.predictors.curves.fit_guard` on ``--num_calib`` more curves
and counts their fits in its time. Rounds interleave a reference curve and a timed jaxnas call
(median); without ``--ref_dir`` the baseline is jaxnas's own one-curve-per-call loop.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import tempfile
import time

import jax
import numpy as np
from absl import flags

from experiments import common
from jaxnas import io
from jaxnas.predictors import curves, evaluation, lcsvr, wpm

_REF_DIR = flags.DEFINE_string("ref_dir", None, "Checkout of automl/pylearningcurvepredictor.")
_REF_PY = flags.DEFINE_string("ref_python", "python2", "Python with emcee, numpy, scipy, lmfit.")
_PRESET = flags.DEFINE_enum("preset", "calibrated", list(wpm.PRESETS), "jaxnas WPM preset.")
_N = flags.DEFINE_integer("num_curves", 8, "Benchmark curves.")
_CAL = flags.DEFINE_integer("num_calib", 32, "Calibration curves of the guard (0: none).")
_OBS = flags.DEFINE_integer("observed", 10, "Observed epochs.")
_STEPS = flags.DEFINE_integer("emcee_steps", 2500, "emcee steps (reference default 2,500).")
_BURN = flags.DEFINE_integer("emcee_burn_in", 500, "emcee burn-in (reference default 500).")

_DRIVER = r"""# Python 2, in the reference environment. argv: checkout, input json, output json.
import json, sys, time
import numpy as np
sys.path[:0] = [sys.argv[1] + "/pylrpredictor", sys.argv[1]]
from curvefunctions import all_models, model_defaults, curve_combination_models
from curvemodels import MLCurveModel, MCMCCurveModelCombination
job = json.load(open(sys.argv[2]))
out = []
for y in job["curves"]:
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
    out.append({"seconds": time.time() - t0, "ok": bool(ok), "samples": s})
json.dump(out, open(sys.argv[3], "w"))
"""


def _reference(score, xlim) -> list[dict]:
    """Domhan's emcee WPM on each curve (a list of observed scores), one child process each."""
    res = []
    with tempfile.TemporaryDirectory() as tmp:
        drv, job, out = (pathlib.Path(tmp) / n for n in ("driver.py", "job.json", "out.json"))
        drv.write_text(_DRIVER)
        for y in score:
            job.write_text(json.dumps({"curves": [list(map(float, y))], "xlim": xlim,
                                       "steps": _STEPS.value, "burn_in": _BURN.value}))  # fmt: skip
            subprocess.run([_REF_PY.value, str(drv), _REF_DIR.value, str(job), str(out)],
                           check=True, capture_output=True)  # fmt: skip
            res += json.loads(out.read_text())
    return res


def _metrics(mean, samples, truth) -> dict:
    err = np.abs(mean - truth)
    return {"rmse": float(np.sqrt(np.mean(err**2))), "median_abs_error": float(np.median(err)),
            **evaluation.interval_stats(samples, truth, (0.5, 0.9))}  # fmt: skip


def main(argv):
    common.check_no_args(argv)
    cfg = wpm.preset(_PRESET.value)
    losses, _, _ = evaluation.load_curves("nlp-wt2", 5.0, common.data_dir(), common.download())
    perm = np.random.default_rng(0).permutation(len(losses))
    n, c, t, k = _N.value, _CAL.value, losses.shape[1], _OBS.value
    test, cal = losses[perm[:n]], losses[perm[n : n + c]]
    tr = curves.fit_loss_transform(losses[perm[n:]])
    both = np.concatenate([test, cal])
    pc = curves.pad_curves(tr.to_score(both), k)
    truth = test[:, -1]

    def jax_fit(pcs):
        t0 = time.perf_counter()
        return jax.block_until_ready(
            wpm.fit(jax.random.key(0), pcs, t, cfg)
        ), time.perf_counter() - t0

    compile_s = jax_fit(pc)[1]
    rows, times, ref = {}, [], []
    for i in range(n):  # interleaved rounds
        if _REF_DIR.value:
            ref += _reference(tr.to_score(test[i : i + 1, :k]), t)
        elif i < 2:  # a straightforward loop: one curve per call (compiled on the first)
            one = curves.PaddedCurves(*(a[i : i + 1] for a in pc))
            ref.append({"seconds": jax_fit(one)[1], "ok": True, "samples": None})
        fit, dt = jax_fit(pc)
        times.append(dt)
    pred = wpm.predict(fit, [t], cfg, key=jax.random.key(1))
    samp = tr.to_loss(np.asarray(pred.samples[..., 0]))
    mean = samp.mean(1)
    per_curve = float(np.median(times)) / len(both)
    rows["jaxnas_raw"] = {"seconds_per_curve": per_curve,
                          **_metrics(mean[:n], samp[:n], truth)}  # fmt: skip
    if c:
        last = lcsvr.last_value(both[:, :k])
        g = curves.fit_guard(mean[n:], last[n:], cal[:, -1], samp[n:])
        gm, gs = curves.apply_guard(g, mean[:n], last[:n], samp[:n])
        rows["jaxnas_guarded"] = {"seconds_per_curve": per_curve * len(both) / n,
                                  "guard": g._asdict(), **_metrics(gm, gs, truth)}  # fmt: skip
    if _REF_DIR.value:
        ok = np.array([r["ok"] for r in ref])  # every kept chain has the same length
        rs = tr.to_loss(np.array([r["samples"] for r in ref if r["ok"]]))
        sec = float(np.median([r["seconds"] for r in ref]))
        rows["emcee_reference"] = {"seconds_per_curve": sec, "failed_fits": int((~ok).sum()),
                                   **_metrics(rs.mean(1), rs, truth[ok])}  # fmt: skip
    else:
        rows["jaxnas_one_curve_per_call"] = {"seconds_per_curve": ref[-1]["seconds"]}
    base = [v for k_, v in rows.items() if k_ in ("emcee_reference", "jaxnas_one_curve_per_call")]
    for v in rows.values():
        v["speedup_vs_baseline"] = base[0]["seconds_per_curve"] / v["seconds_per_curve"]
    out = {"curves": n, "observed": k, "target": t, "preset": _PRESET.value,
           "jaxnas_compile_and_first_call_seconds": compile_s, "rows": rows,
           "emcee": {"steps": _STEPS.value, "burn_in": _BURN.value} if _REF_DIR.value else None,
           "device": str(jax.devices()[0])}  # fmt: skip
    print(json.dumps(out, indent=2))
    io.write_json(common.workdir("results/bench") / "wpm_vs_emcee.json", out, indent=2)


if __name__ == "__main__":
    common.run(main)
