r"""Learning-curve extrapolation error vs the fraction of the curve observed.

    python -m experiments.lce_eval --config=experiments/configs/lce_eval.py \
        --data_dir=../shared/data --workdir=results/lce_eval

For each dataset of the config (real loss curves: NB-NLP WikiText-2, TaskSet), held-out curves
are observed for the first ``round(f * T)`` epochs, f in ``config.fractions``, and their
final-epoch loss is predicted by the WPM (batched NUTS; losses mapped to scores by a transform
fitted on the training split), LcSVR (trained on the training split's prefixes) and the last
observed value. Reports RMSE, Spearman and Kendall rank correlation of predicted vs true final
losses, and for the WPM the coverage and width of its central predictive intervals (with
observation noise). Writes ``lce_eval.jsonl`` (one row per dataset x method x fraction) and
``lce_eval.md`` atomically under ``--workdir`` and prints the table.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import tempfile
import time

import jax
import numpy as np
from absl import app, flags, logging
from ml_collections import config_flags
from scipy import stats

from jaxnas import data
from jaxnas.predictors import curves as curves_lib
from jaxnas.predictors import lcsvr, wpm

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/lce_eval.py", "LCE evaluation configuration.", lock_config=True
)
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else cache)."
)
_WORKDIR = flags.DEFINE_string("workdir", "results/lce_eval", "Where results are written.")
_DOWNLOAD = flags.DEFINE_bool("download", True, "Download missing files (sha256-checked).")
_CC_DIR = flags.DEFINE_string(
    "compilation_cache_dir", None, "If set, JAX's persistent compilation cache directory."
)


def wpm_config(preset: str) -> wpm.WPMConfig:
    if preset == "reference":
        return wpm.reference_config()
    if preset == "eval":
        return dataclasses.replace(
            wpm.reference_config(), num_warmup=200, num_samples=200, max_tree_depth=7
        )
    if preset == "fast":
        return wpm.fast_config()
    if preset == "smoke":  # one family: the cheapest compile, for the smoke test
        return dataclasses.replace(
            wpm.fast_config(), families=("pow3",), num_warmup=20, num_samples=20, max_tree_depth=3
        )
    raise ValueError(f"unknown wpm_preset {preset!r}")


def load_dataset(name: str, cfg, data_dir, download):
    """Returns (losses [N, T], extra features [N, E], description)."""
    if name == "nlp-wt2":
        t = data.load_nbnlp(data_dir, download=download)
        keep = t.status == "ok"
        extra = np.log10(t.num_params[keep].astype(np.float64))[:, None]
        return t.val_loss[keep], extra, f"NB-NLP WikiText-2 val loss ({keep.sum()} ok runs)"
    if name.startswith("taskset:"):
        task = name.split(":", 1)[1]
        t = data.load_taskset(task, data_dir, download=download)
        v = t.valid_loss
        keep = ~t.diverged & np.all(v < cfg.taskset_max_loss, axis=1)
        hp = t.hp[keep].copy()
        for j, h in enumerate(t.hp_names):
            if h in ("learning_rate", "epsilon"):
                hp[:, j] = np.log10(hp[:, j])
        desc = f"TaskSet {task} valid loss ({keep.sum()} finite runs < {cfg.taskset_max_loss})"
        return v[keep], hp, desc
    raise ValueError(f"unknown dataset {name!r}")


def _interval_stats(samples: np.ndarray, truth: np.ndarray, levels) -> dict:
    out = {}
    for lv in levels:
        lo, hi = np.quantile(samples, [(1 - lv) / 2, (1 + lv) / 2], axis=1)
        out[f"coverage_{int(round(lv * 100))}"] = float(np.mean((truth >= lo) & (truth <= hi)))
        out[f"width_{int(round(lv * 100))}"] = float(np.mean(hi - lo))
    return out


def _metrics(pred: np.ndarray, truth: np.ndarray) -> dict:
    return {
        "rmse": float(np.sqrt(np.mean((pred - truth) ** 2))),
        "spearman": float(stats.spearmanr(pred, truth).statistic),
        "kendall": float(stats.kendalltau(pred, truth).statistic),
    }


def run_wpm(key, test, n_obs_list, tr, cfg, wcfg, pad_to):
    """WPM final-loss predictions per fraction.

    Returns ``{n_obs: (mean, samples, s/curve, compile s, divergent fraction)}``.

    The compile time is that of a first call (compile + one batch) made before the timed ones.
    """
    n, t = test.shape
    bsz = cfg.wpm_batch
    score = tr.to_score(test)
    # Compile (once per batch size, padded length and settings) before timing anything.
    idx = np.arange(bsz) % n
    t0 = time.time()
    warm = wpm.fit(key, curves_lib.pad_curves(score[idx], n_obs_list[0], pad_to=pad_to), t, wcfg)
    jax.block_until_ready(warm.theta)
    compile_s = time.time() - t0
    out = {}
    for n_obs in n_obs_list:
        means, samples, divs, secs = [], [], [], 0.0
        for start in range(0, n, bsz):
            idx = np.arange(start, start + bsz) % n  # last batch padded by wrapping around
            pc = curves_lib.pad_curves(score[idx], n_obs, pad_to=pad_to)
            k = jax.random.fold_in(key, n_obs * 100_003 + start)
            t0 = time.time()
            fit = wpm.fit(k, pc, t, wcfg)
            jax.block_until_ready(fit.theta)
            secs += time.time() - t0
            p = wpm.predict(fit, [t], wcfg, key=jax.random.fold_in(k, 1))
            m = min(bsz, n - start)
            means.append(np.asarray(p.mean[:m, 0]))
            samples.append(np.asarray(p.samples[:m, :, 0]))
            divs.append(np.asarray(fit.diverging[:m]))
            logging.info(
                "WPM n_obs=%d batch %d: %.1fs, divergent %.3f, MAP valid %.2f",
                n_obs, start // bsz, time.time() - t0, float(fit.diverging.mean()),
                float(fit.map_valid.mean()),
            )  # fmt: skip
        out[n_obs] = (
            tr.to_loss(np.concatenate(means)),
            tr.to_loss(np.concatenate(samples)),
            secs / n,
            compile_s,
            float(np.mean(np.concatenate(divs))),
        )
    return out


def _num_observed(cfg, t):
    return sorted({max(cfg.min_observed, int(round(f * t))) for f in cfg.fractions})


def evaluate_dataset(name, loaded, cfg, key, pad_to):
    losses, extra, desc = loaded
    rng = np.random.default_rng(cfg.seed)
    perm = rng.permutation(losses.shape[0])
    n_test = cfg.num_test if cfg.num_test > 0 else losses.shape[0] // 2
    test_idx, train_idx = perm[:n_test], perm[n_test:]
    if cfg.max_train > 0:
        train_idx = train_idx[: cfg.max_train]
    test, train = losses[test_idx], losses[train_idx]
    t = losses.shape[1]
    truth = test[:, -1]
    n_obs_list = _num_observed(cfg, t)
    tr = curves_lib.fit_loss_transform(train)
    logging.info("%s: %d test / %d train curves, transform %s", desc, len(test), len(train), tr)
    rows = []
    base = {"dataset": name, "description": desc, "num_test": len(test), "T": t}
    if "wpm" in cfg.methods:
        wcfg = wpm_config(cfg.wpm_preset)
        res = run_wpm(key, test, n_obs_list, tr, cfg, wcfg, pad_to=pad_to)
        for n_obs, (mean, samples, secs, compile_s, div) in res.items():
            r = {**base, "method": "wpm", "n_obs": n_obs, "fraction": n_obs / t}
            r.update(_metrics(mean, truth))
            r.update(_interval_stats(samples, truth, cfg.intervals))
            r["seconds_per_curve"] = secs
            r["compile_and_first_batch_seconds"] = compile_s
            r["divergent_fraction"] = div
            r["settings"] = dataclasses.asdict(wcfg)
            rows.append(r)
    for n_obs in n_obs_list:
        if "lcsvr" in cfg.methods:
            scfg = (
                lcsvr.reference_config() if cfg.svr_preset == "reference" else lcsvr.fast_config()
            )
            ex_tr = extra[train_idx] if cfg.svr_arch_features else None
            ex_te = extra[test_idx] if cfg.svr_arch_features else None
            t0 = time.time()
            model = lcsvr.fit_lcsvr(
                train[:, :n_obs], train[:, -1], extra=ex_tr, config=scfg, seed=cfg.seed
            )
            fit_s = time.time() - t0
            pred = lcsvr.predict_lcsvr(model, test[:, :n_obs], ex_te)
            r = {**base, "method": "lcsvr", "n_obs": n_obs, "fraction": n_obs / t}
            r.update(_metrics(pred, truth))
            r.update(fit_seconds=fit_s, cv_rmse=model.cv_rmse, best_params=model.best_params)
            r["settings"] = dataclasses.asdict(scfg)
            rows.append(r)
        if "last_value" in cfg.methods:
            r = {**base, "method": "last_value", "n_obs": n_obs, "fraction": n_obs / t}
            r.update(_metrics(lcsvr.last_value(test[:, :n_obs]), truth))
            rows.append(r)
    return rows


def markdown(rows, levels) -> str:
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
    return "\n".join(lines) + "\n"


def _write_atomic(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv):
    del argv
    cfg = _CONFIG.value
    if _CC_DIR.value:
        jax.config.update("jax_compilation_cache_dir", os.path.expanduser(_CC_DIR.value))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    workdir = pathlib.Path(_WORKDIR.value)
    key = jax.random.key(cfg.seed)
    loaded = {n: load_dataset(n, cfg, _DATA_DIR.value, _DOWNLOAD.value) for n in cfg.datasets}
    # One padded length for every dataset and fraction, so the WPM fit compiles once.
    pad_to = max(max(_num_observed(cfg, v[0].shape[1])) for v in loaded.values())
    rows = []
    for i, name in enumerate(cfg.datasets):
        rows += evaluate_dataset(name, loaded[name], cfg, jax.random.fold_in(key, i), pad_to)
    _write_atomic(workdir / "lce_eval.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    descs = sorted(
        {f"- {r['dataset']}: {r['description']}, {r['num_test']} test curves" for r in rows}
    )
    md = (
        "# Learning-curve extrapolation: predicting the final loss\n\n"
        + "\n".join(descs)
        + "\n\nRMSE in loss units; rank correlations of predicted vs true final loss; "
        "cov = coverage of the WPM's central predictive intervals (with observation noise); "
        "s/curve = WPM fit seconds per curve in batches of "
        f"{cfg.wpm_batch}.\n\n" + markdown(rows, cfg.intervals)
    )
    _write_atomic(workdir / "lce_eval.md", md)
    print(md)


if __name__ == "__main__":
    app.run(main)
