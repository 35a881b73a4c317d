"""Learning-curve extrapolation error vs the fraction of the curve observed (held-out curves).

For a set of real loss curves ``[N, T]`` (:func:`load_curves`), a held-out split of
``num_test`` curves is observed for the first ``n`` epochs and its final loss predicted by the
curve predictors of :mod:`jaxnas.predictors`: the WPM (:mod:`~jaxnas.predictors.wpm`, batched
NUTS; losses mapped to scores by a :class:`~jaxnas.predictors.curves.LossTransform` fitted on
the training split), LcSVR (:mod:`~jaxnas.predictors.lcsvr`, trained on the training split's
prefixes) and the last observed value. :func:`evaluate` returns one row per method and ``n``
with RMSE, Spearman and Kendall rank correlations of predicted vs true final losses and, for
the WPM, coverage and width of its central predictive intervals (with observation noise).

With ``num_calib > 0``, that many further curves (outside the test split and LcSVR's training
curves) are predicted too, and each model's last-value guard
(:func:`jaxnas.predictors.curves.fit_guard`: blend with the last observed value, widen the
predictive samples, recalibrate each interval level) is fitted on them; rows ``'wpm'`` /
``'lcsvr'`` are guarded and ``'wpm_raw'`` / ``'lcsvr_raw'`` unguarded. The WPM fits each curve
on its own (it never sees LcSVR's training curves), so its guard may use more held-out curves:
``wpm_num_calib`` (if larger than ``num_calib``) takes the rest from LcSVR's training split.
The loss->score map is fitted on every non-test curve.

Keys: dataset ``i`` uses ``fold_in(key(seed), i)``; the WPM's batches fold in
``n * 100_003 + start``; LcSVR fits with ``fold_in(dataset key, 7)``. The train / test split
is a NumPy permutation seeded with the config's ``seed``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence

import jax
import numpy as np
from scipy import stats

from jaxnas import data
from jaxnas.predictors import curves as curves_lib
from jaxnas.predictors import lcsvr, wpm

METHODS = ("wpm", "lcsvr", "last_value")


def load_curves(name: str, taskset_max_loss: float, data_dir=None, download: bool = True):
    """``(losses [N, T], extra features [N, E], description)`` of a dataset: ``'nlp-wt2'``
    (NB-NLP WikiText-2 validation losses of the runs with status 'ok'; extra: log10 #params)
    or ``'taskset:<task>'`` (TaskSet validation losses of the finite runs below
    ``taskset_max_loss``; extra: the 8 Adam hyper-parameters, learning rate and epsilon in
    log10)."""
    if name == "nlp-wt2":
        t = data.load_nbnlp(data_dir, download=download)
        keep = t.status == "ok"
        extra = np.log10(t.num_params[keep].astype(np.float64))[:, None]
        return t.val_loss[keep], extra, f"NB-NLP WikiText-2 val loss ({keep.sum()} ok runs)"
    if name.startswith("taskset:"):
        task = name.split(":", 1)[1]
        t = data.load_taskset(task, data_dir, download=download)
        v = t.valid_loss
        keep = ~t.diverged & np.all(v < taskset_max_loss, axis=1)
        hp = t.hp[keep].copy()
        for j, h in enumerate(t.hp_names):
            if h in ("learning_rate", "epsilon"):
                hp[:, j] = np.log10(hp[:, j])
        desc = f"TaskSet {task} valid loss ({keep.sum()} finite runs < {taskset_max_loss})"
        return v[keep], hp, desc
    raise ValueError(f"unknown dataset {name!r}")


def _central(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi) [N]``: the central ``level`` interval of each row of ``samples [N, S]``."""
    return np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=1)


def interval_stats(samples: np.ndarray, truth: np.ndarray, levels: Sequence[float]) -> dict:
    """Coverage and mean width of the central intervals of ``samples [N, S]`` at ``levels``."""
    out = {}
    for lv in levels:
        lo, hi = _central(samples, lv)
        out[f"coverage_{int(round(lv * 100))}"] = float(np.mean((truth >= lo) & (truth <= hi)))
        out[f"width_{int(round(lv * 100))}"] = float(np.mean(hi - lo))
    return out


def interval_scores(samples: np.ndarray, truth: np.ndarray, levels: Sequence[float]) -> dict:
    """Calibration of the central intervals of ``samples [N, S]`` at ``levels``, two ways.

    ``interval_score_<pct>``: the mean interval score of Gneiting & Raftery (2007, eq. 43),
    ``(hi - lo) + 2 / alpha * (lo - y)_+ + 2 / alpha * (y - hi)_+`` with ``alpha = 1 - level``:
    a proper scoring rule (lower is better) that rewards coverage and sharpness together, so
    wide intervals cannot buy calibration. ``coverage_<pct>_binom_p``: the two-sided binomial
    test of the observed coverage against the nominal level (small: the coverage is off by more
    than the ``N`` curves' sampling noise explains).
    """
    out = {}
    for lv in levels:
        pct, alpha = int(round(lv * 100)), 1.0 - lv
        lo, hi = _central(samples, lv)
        score = (hi - lo) + 2 / alpha * (np.maximum(lo - truth, 0) + np.maximum(truth - hi, 0))
        out[f"interval_score_{pct}"] = float(np.mean(score))
        hits = int(np.sum((truth >= lo) & (truth <= hi)))
        out[f"coverage_{pct}_binom_p"] = float(stats.binomtest(hits, len(truth), lv).pvalue)
    return out


def point_metrics(pred: np.ndarray, truth: np.ndarray) -> dict:
    """RMSE and Spearman / Kendall rank correlations of ``pred`` vs ``truth`` (``[N]``)."""
    return {
        "rmse": float(np.sqrt(np.mean((pred - truth) ** 2))),
        "spearman": float(stats.spearmanr(pred, truth).statistic),
        "kendall": float(stats.kendalltau(pred, truth).statistic),
    }


def run_wpm(key, test, n_obs_list, tr, batch: int, wcfg: wpm.WPMConfig, pad_to: int) -> dict:
    """WPM final-loss predictions per number of observed epochs, in batches of ``batch``
    curves (the last batch wraps around).

    Returns ``{n_obs: (mean, samples, s/curve, compile s, divergent fraction)}``; the compile
    time is that of a first call (compile + one batch) made before the timed ones.
    """
    n, t = test.shape
    score = tr.to_score(test)
    idx = np.arange(batch) % n
    t0 = time.time()
    warm = wpm.fit(key, curves_lib.pad_curves(score[idx], n_obs_list[0], pad_to=pad_to), t, wcfg)
    jax.block_until_ready(warm.theta)
    compile_s = time.time() - t0
    out = {}
    for n_obs in n_obs_list:
        means, samples, divs, secs = [], [], [], 0.0
        for start in range(0, n, batch):
            idx = np.arange(start, start + batch) % n
            pc = curves_lib.pad_curves(score[idx], n_obs, pad_to=pad_to)
            k = jax.random.fold_in(key, n_obs * 100_003 + start)
            t0 = time.time()
            fit = wpm.fit(k, pc, t, wcfg)
            jax.block_until_ready(fit.theta)
            secs += time.time() - t0
            p = wpm.predict(fit, [t], wcfg, key=jax.random.fold_in(k, 1))
            m = min(batch, n - start)
            means.append(np.asarray(p.mean[:m, 0]))
            samples.append(np.asarray(p.samples[:m, :, 0]))
            divs.append(np.asarray(fit.diverging[:m]))
            logging.info(
                "WPM n_obs=%d batch %d: %.1fs, divergent %.3f, MAP valid %.2f",
                n_obs, start // batch, time.time() - t0, float(fit.diverging.mean()),
                float(fit.map_valid.mean()),
            )  # fmt: skip
        out[n_obs] = (
            tr.to_loss(np.concatenate(means)), tr.to_loss(np.concatenate(samples)), secs / n,
            compile_s, float(np.mean(np.concatenate(divs))),
        )  # fmt: skip
    return out


def num_observed(cfg, t: int) -> list[int]:
    """The observed prefix lengths ``max(min_observed, round(f * T))`` of the config."""
    return sorted({max(cfg.min_observed, int(round(f * t))) for f in cfg.fractions})


def _guarded_rows(base, method, n_obs, t, pred, last, truth, calib, samples=None, levels=()):
    """Rows ``method`` (guarded with :func:`~jaxnas.predictors.curves.fit_guard` fitted on the
    calibration curves ``calib = (pred, last, truth, samples)``) and ``method + '_raw'``; just
    ``method`` when ``calib`` is None."""
    out = []
    variants = (
        [(method, None)]
        if calib is None
        else [(method, curves_lib.fit_guard(*calib, levels=levels)), (method + "_raw", None)]
    )
    for name, guard in variants:
        p, s = (
            (pred, samples) if guard is None else curves_lib.apply_guard(guard, pred, last, samples)
        )
        r = {**base, "method": name, "n_obs": n_obs, "fraction": n_obs / t}
        r.update(point_metrics(p, truth))
        if s is not None:
            r.update(interval_stats(s, truth, levels))
        if guard is not None:
            r["guard"] = guard._asdict()
        out.append(r)
    return out


def evaluate_dataset(name: str, loaded, cfg, key: jax.Array, pad_to: int) -> list[dict]:
    """Rows of one dataset (see module docstring); ``cfg`` as ``experiments/configs/
    lce_eval.py``."""
    losses, extra, desc = loaded
    perm = np.random.default_rng(cfg.seed).permutation(losses.shape[0])
    n_test = cfg.num_test if cfg.num_test > 0 else losses.shape[0] // 2
    n_cal = cfg.get("num_calib", 0)
    test_idx, cal_idx = perm[:n_test], perm[n_test : n_test + n_cal]
    train_idx = perm[n_test + n_cal :]
    if cfg.max_train > 0:
        train_idx = train_idx[: cfg.max_train]
    test, train, cal = losses[test_idx], losses[train_idx], losses[cal_idx]
    # The WPM's guard curves: the calibration curves, then training curves (see module doc).
    wcal = losses[perm[n_test : n_test + max(n_cal, cfg.get("wpm_num_calib", 0))]] if n_cal else cal
    t = losses.shape[1]
    truth, cal_truth = test[:, -1], cal[:, -1]
    n_obs_list = num_observed(cfg, t)
    # The score map is fitted on every curve outside the test split (calibration included).
    tr = curves_lib.fit_loss_transform(losses[perm[n_test:]])
    logging.info(
        "%s: %d test / %d train / %d calibration (WPM %d) curves, transform %s",
        desc, len(test), len(train), len(cal), len(wcal), tr,
    )  # fmt: skip
    rows = []
    base = {"dataset": name, "description": desc, "num_test": len(test), "T": t,
            "num_calib": len(cal), "wpm_num_calib": len(wcal)}  # fmt: skip
    lv = tuple(cfg.intervals)
    if "wpm" in cfg.methods:
        wcfg = wpm.preset(cfg.wpm_preset)
        both = np.concatenate([test, wcal])
        res = run_wpm(key, both, n_obs_list, tr, cfg.wpm_batch, wcfg, pad_to)
        for n_obs, (mean, samples, secs, compile_s, div) in res.items():
            last = lcsvr.last_value(both[:, :n_obs])
            m, sm, la = mean[:n_test], samples[:n_test], last[:n_test]
            calib = (
                None
                if not n_cal
                else (mean[n_test:], last[n_test:], wcal[:, -1], samples[n_test:])
            )
            for r in _guarded_rows(base, "wpm", n_obs, t, m, la, truth, calib, sm, lv):
                r.update(seconds_per_curve=secs, compile_and_first_batch_seconds=compile_s,
                         divergent_fraction=div, settings=dataclasses.asdict(wcfg))  # fmt: skip
                rows.append(r)
    scfg = lcsvr.reference_config() if cfg.svr_preset == "reference" else lcsvr.fast_config()
    ex = (lambda idx: extra[idx]) if cfg.svr_arch_features else (lambda idx: None)
    for n_obs in n_obs_list:
        if "lcsvr" in cfg.methods:
            t0 = time.time()
            k = jax.random.fold_in(key, 7)
            model = lcsvr.fit(k, train[:, :n_obs], train[:, -1], extra=ex(train_idx), config=scfg)
            fit_s = time.time() - t0
            pred = lcsvr.predict(model, test[:, :n_obs], ex(test_idx))
            calib = (
                None
                if not n_cal
                else (
                    lcsvr.predict(model, cal[:, :n_obs], ex(cal_idx)),
                    lcsvr.last_value(cal[:, :n_obs]),
                    cal_truth,
                )
            )
            last = lcsvr.last_value(test[:, :n_obs])
            for r in _guarded_rows(base, "lcsvr", n_obs, t, pred, last, truth, calib, None, lv):
                r.update(fit_seconds=fit_s, cv_rmse=model.cv_rmse, best_params=model.best_params)
                r["settings"] = dataclasses.asdict(scfg)
                rows.append(r)
        if "last_value" in cfg.methods:
            r = {**base, "method": "last_value", "n_obs": n_obs, "fraction": n_obs / t}
            r.update(point_metrics(lcsvr.last_value(test[:, :n_obs]), truth))
            rows.append(r)
    return rows


def evaluate(cfg, data_dir=None, download: bool = True) -> list[dict]:
    """All rows of the config's datasets (one padded WPM length for every dataset and
    fraction, so the WPM fit compiles once)."""
    key = jax.random.key(cfg.seed)
    loaded = {n: load_curves(n, cfg.taskset_max_loss, data_dir, download) for n in cfg.datasets}
    pad_to = max(max(num_observed(cfg, v[0].shape[1])) for v in loaded.values())
    rows = []
    for i, name in enumerate(cfg.datasets):
        rows += evaluate_dataset(name, loaded[name], cfg, jax.random.fold_in(key, i), pad_to)
    return rows


def markdown(rows: Sequence[dict], levels: Sequence[float], batch: int) -> str:
    """The report: datasets, then one table row per dataset x n_obs x method."""
    descs = sorted(
        {f"- {r['dataset']}: {r['description']}, {r['num_test']} test curves" for r in rows}
    )
    cov = [f"cov{int(round(lv * 100))}" for lv in levels]
    head = ["dataset", "method", "n_obs/T", "RMSE", "Spearman", "Kendall", *cov, "s/curve"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in sorted(rows, key=lambda r: (r["dataset"], r["n_obs"], r["method"])):
        cv = [f"{r[f'coverage_{c[3:]}']:.2f}" if f"coverage_{c[3:]}" in r else "-" for c in cov]
        sec = f"{r['seconds_per_curve']:.2f}" if "seconds_per_curve" in r else "-"
        lines.append(
            f"| {r['dataset']} | {r['method']} | {r['n_obs']}/{r['T']} | {r['rmse']:.4f} | "
            f"{r['spearman']:.3f} | {r['kendall']:.3f} | " + " | ".join(cv) + f" | {sec} |"
        )
    return (
        "# Learning-curve extrapolation: predicting the final loss\n\n"
        + "\n".join(descs)
        + "\n\nRMSE in loss units; rank correlations of predicted vs true final loss; "
        "cov = coverage of the WPM's central predictive intervals (with observation noise); "
        "'wpm' / 'lcsvr' are guarded (capped blend with the last value; intervals widened and "
        "conformalised per level; fitted on held-out calibration curves), '_raw' unguarded; "
        f"s/curve = WPM fit seconds per curve in batches of {batch}.\n\n" + "\n".join(lines) + "\n"
    )


__all__ = [
    "METHODS",
    "evaluate",
    "evaluate_dataset",
    "interval_scores",
    "interval_stats",
    "load_curves",
    "markdown",
    "num_observed",
    "point_metrics",
    "run_wpm",
]
