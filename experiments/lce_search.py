r"""Single-fidelity search vs its LCE (WPM, SVR) wrappers, Hyperband and BOHB, vs simulated time.

    python -m experiments.lce_search --config=experiments/configs/lce_search.py \
        --data_dir=../shared/data --workdir=results/lce_search

For each benchmark of the config (a finite candidate set with one learning curve per row, see
the config's docstring) and each method, runs ``config.seeds`` seeds with a budget in simulated
seconds and records the incumbent's validation regret after every training event. Writes under
``--workdir``, atomically: ``lce_search.jsonl`` (one row per run, with its trajectory),
``lce_search.json`` (the summary table), ``lce_search.md`` (the table beside NAS-Bench-x11's
reference numbers, whose benchmarks differ) and ``lce_search_regret.{png,svg}``. Candidate sets
(encodings, curves, times) are cached as ``candidates/<benchmark>.npz``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import dataclasses  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags, logging  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxnas.search import (  # noqa: E402
    bayesopt,
    evolution,
    local,
    plotting,
    results,
    sampling,
)
from jaxnas.search import hyperband as hb  # noqa: E402
from jaxnas.search import multifidelity as mf  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/lce_search.py", "LCE search configuration.", lock_config=True
)
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else cache)."
)
_WORKDIR = flags.DEFINE_string(
    "workdir", "results/lce_search", "Where results (and the cached candidate sets) are written."
)
_DOWNLOAD = flags.DEFINE_bool("download", True, "Download missing files (sha256-checked).")
_CC_DIR = flags.DEFINE_string(
    "compilation_cache_dir", None, "If set, JAX's persistent compilation cache directory."
)

# NAS-Bench-x11 (REFERENCE.md): final validation regret in %, ~30 runs, on NB111 / NB311.
REFERENCE = {
    "NB111": {
        "RS": 0.822, "REA": 0.584, "LS": 0.616, "BANANAS": 0.336, "REA-WPM": 0.513,
        "BANANAS-WPM": 0.296, "REA-SVR": 0.239, "LS-SVR": 0.333, "BANANAS-SVR": 0.151,
    },
    "NB311": {"RS": 1.494, "REA": 0.652, "BANANAS": 0.696, "BANANAS-SVR": 0.434},
}  # fmt: skip
LABEL = {"rs": "RS", "rea": "REA", "ls": "LS", "bananas": "BANANAS"}


# ----------------------------------------------------------------------------------------------
# Candidate sets.


def _surrogate_config(c):
    from jaxnas.surrogates import mean_models
    from jaxnas.surrogates import surrogate as sg

    lgb = mean_models.REFERENCE_LGB if c.lgb_preset == "reference" else mean_models.FAST_LGB
    return sg.SurrogateConfig(lgb=dataclasses.replace(lgb, num_threads=c.lgb_threads))


def build_candidates(name: str, c, data_dir, download: bool) -> dict:
    """Arrays of a candidate set: x, curves (metric), epochs, full_time, test, flags."""
    # One noisy draw per row, or the surrogate's mean curve (surrogate_noise=False).
    k0 = jax.random.key(c.candidate_seed)
    key = k0 if c.surrogate_noise else None
    kind = "one noisy draw" if c.surrogate_noise else "mean curve"
    if name == "nbnlp_wt2":
        from jaxnas.benchmarks import builtin
        from jaxnas.spaces import nlp
        from jaxnas.surrogates import datasets

        b = builtin.nbnlp_wt2(data_dir, download=download)
        v = b.metrics["valid_loss"][:, :, 0]
        ok = np.isfinite(v).all(1) & np.isfinite(b.metrics["train_time"][:, -1, 0])
        cells = [nlp.parse_recipe(str(r)) for r in b.arch["recipe"][ok]]
        return dict(
            x=datasets.nlp_encoding(cells), curves=v[ok], epochs=np.asarray(b.fidelities),
            full_time=b.metrics["train_time"][ok, -1, 0], test=b.metrics["test_loss"][ok, -1, 0],
            higher_is_better=False,
            source=f"real NB-NLP WikiText-2 runs ({ok.sum()} with finite curves): {b.source}",
        )  # fmt: skip
    if name == "nlp11_wt2":
        from jaxnas.spaces import nlp
        from jaxnas.surrogates import datasets, nlp11

        bench, _ = nlp11.build(
            _surrogate_config(c), data_dir, seed=c.candidate_seed,
            first_epochs=c.nlp_first_epochs, download=download,
        )  # fmt: skip
        rec = list(nlp11.known_recipes(bench))
        cv = bench.curves(rec, key)
        x = datasets.nlp_encoding([nlp.parse_recipe(r) for r in rec])
        return dict(
            x=x, curves=cv["valid_loss"], epochs=cv["epochs"], full_time=cv["full_time"],
            test=None, higher_is_better=False,
            source=f"{bench.label}; {kind} per cell of the {len(rec)} data cells",
        )  # fmt: skip
    if name == "nb311_yahpo":
        from jaxnas.spaces import darts
        from jaxnas.surrogates import curve_benchmark, nb311

        bench, _ = nb311.build(
            _surrogate_config(c), data_dir, seed=c.candidate_seed,
            num_archs=c.nb311_num_archs, download=download,
        )  # fmt: skip
        ks = jax.random.split(jax.random.fold_in(k0, 1), c.num_candidates)
        genos = [darts.sample(k) for k in ks]
        cv = bench.curves(genos, key)
        return dict(
            x=curve_benchmark.darts_encoding(genos), curves=cv["valid_acc"], epochs=cv["epochs"],
            full_time=cv["full_time"], test=None, higher_is_better=True,
            source=f"{bench.label}; {kind} for {c.num_candidates} random DARTS genotypes",
        )  # fmt: skip
    if name == "nb111_4":
        from jaxnas.benchmarks import builtin
        from jaxnas.surrogates import curve_benchmark, nb111

        bench, _ = nb111.build(
            _surrogate_config(c), data_dir, seed=c.candidate_seed, kl_samples=5, download=download
        )
        b = builtin.nb101_20k(data_dir, download=download)
        rows = np.random.default_rng(c.candidate_seed).choice(b.size, c.num_candidates, False)
        adj, ops = b.arch["adjacency"][rows], b.arch["ops"][rows]
        cv = bench.curves((adj, ops), key)
        return dict(
            x=curve_benchmark.nb101_encoding(adj, ops), curves=cv["valid_acc"],
            epochs=cv["epochs"], full_time=cv["full_time"], test=None, higher_is_better=True,
            source=f"{bench.label}; {kind} for {c.num_candidates} NB101-20k cells",
        )  # fmt: skip
    raise ValueError(f"unknown benchmark {name!r}; choose from nbnlp_wt2, nlp11_wt2, "
                     "nb311_yahpo, nb111_4")  # fmt: skip


def load_candidates(name: str, c, workdir: pathlib.Path) -> mf.CurveProblem:
    """Builds (or reads the cached) candidate set of ``name``."""
    ident = json.dumps(
        [name, c.candidate_seed, c.num_candidates, c.lgb_preset, c.nb311_num_archs,
         c.nlp_first_epochs, c.surrogate_noise],
    )  # fmt: skip
    path = workdir / "candidates" / f"{name}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        if str(z["ident"]) == ident:
            d = {k: z[k] for k in ("x", "curves", "epochs", "full_time", "test")}
            d.update(higher_is_better=bool(z["higher_is_better"]), source=str(z["source"]))
            logging.info("%s: cached candidate set %s", name, path)
            return _make(name, d, c)
    t0 = time.time()
    d = build_candidates(name, c, _DATA_DIR.value, _DOWNLOAD.value)
    if d["test"] is None:
        d["test"] = np.full(len(d["x"]), np.nan)
    logging.info("%s: built candidate set in %.1f s", name, time.time() - t0)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    np.savez(tmp, ident=ident, **{k: np.asarray(v) for k, v in d.items()})
    os.replace(tmp, path)
    return _make(name, d, c)


def _make(name, d, c) -> mf.CurveProblem:
    return mf.make_curve_problem(
        d["x"], d["curves"], [int(e) for e in d["epochs"]], d["full_time"],
        higher_is_better=d["higher_is_better"], test=d["test"], num_neighbours=c.num_neighbours,
        name=name, source=d["source"],
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Methods.


def make_searcher(name: str, c):
    if name == "rs":
        return sampling.random_search()
    if name == "rea":
        return evolution.regularized_evolution(c.rea_population, c.rea_sample)
    if name == "ls":
        return local.local_search(c.ls_num_init)
    if name == "bananas":
        return bayesopt.bananas(
            num_init=c.bananas_num_init, batch_size=c.bananas_batch, num_epochs=c.bananas_epochs
        )
    raise ValueError(f"unknown method {name!r}; choose from {sorted(LABEL)}")


def make_extrapolator(name: str, c):
    from jaxnas.predictors import lcsvr, wpm

    if name == "none":
        return None
    if name == "svr":
        cfg = dataclasses.replace(lcsvr.reference_config(), n_iter=c.svr_iters)
        return mf.lcsvr_extrapolator(cfg, refit_every=c.svr_refit_every)
    if name == "wpm":
        if c.wpm_preset == "reference":
            w = wpm.reference_config()
        elif c.wpm_preset == "fast":
            w = wpm.fast_config()
        elif c.wpm_preset == "smoke":
            w = dataclasses.replace(
                wpm.fast_config(), families=("pow3",), num_warmup=20, num_samples=20,
                max_tree_depth=3, map_steps=100,
            )  # fmt: skip
        else:
            raise ValueError(f"unknown wpm_preset {c.wpm_preset!r}")
        return mf.wpm_extrapolator(w)
    raise ValueError(f"unknown extrapolator {name!r}; choose from none, wpm, svr")


def run_benchmark(name: str, c, workdir: pathlib.Path) -> tuple[list[dict], list[dict]]:
    cp = load_candidates(name, c, workdir)
    budget = float(c.budget_trainings * np.median(cp.full_time))
    seeds = list(range(c.seeds))
    lce = mf.LCEConfig(
        e_few=c.e_few[name], top_n=c.top_n, num_full_init=c.num_full_init,
        asks_per_round=c.asks_per_round, max_history=c.max_history, resume=c.resume,
    )  # fmt: skip
    logging.info("%s: %d candidates, budget %.4g s, %s", name, cp.size, budget, cp.source)
    rows, summary = [], []
    jobs = [(m, e) for m in c.methods for e in c.extrapolators] + [(h, None) for h in
                                                                   c.multi_fidelity]  # fmt: skip
    searchers = {m: make_searcher(m, c) for m in c.methods}  # one object: compiled once
    for method, ext in jobs:
        t0 = time.time()
        if ext is None:
            bohb = hb.BOHBConfig(num_components=c.bohb_components) if method == "bohb" else None
            if method not in ("hyperband", "bohb"):
                raise ValueError(f"unknown multi-fidelity method {method!r}")
            trajs = hb.run_hyperband(cp, seeds, budget, hb.HyperbandConfig(eta=c.eta), bohb)
            label = "Hyperband" if method == "hyperband" else "BOHB"
        else:
            # Plain runs ask once per round (as base.run); asks_per_round batches LCE rounds.
            cfg = lce if ext != "none" else dataclasses.replace(lce, asks_per_round=1)
            trajs = mf.run_lce(searchers[method], cp, seeds, budget, cfg, make_extrapolator(ext, c))
            label = LABEL[method] + ("" if ext == "none" else "-" + ext.upper())
        secs = time.time() - t0
        rs = mf.to_rows(
            trajs, cp, algorithm=label, seeds=seeds, budget=budget,
            config=c.to_dict() | {"method": method, "extrapolator": ext, "benchmark": name},
        )  # fmt: skip
        for r in rs:
            r["wall_seconds"] = secs / len(seeds)
        rows += rs
        reg = np.array([r["final_regret"] for r in rs], float) * (100 if cp.sign > 0 else 1)
        summary.append(
            {
                "benchmark": name, "algorithm": label, "runs": len(rs),
                "unit": "%" if cp.sign > 0 else "loss", "budget_seconds": budget,
                "regret_mean": float(np.nanmean(reg)),
                "regret_sem": float(np.nanstd(reg) / np.sqrt(len(reg))),
                "num_full": float(np.mean([r["num_full"] for r in rs])),
                "num_partial": float(np.mean([r["num_partial"] for r in rs])),
                "wall_seconds": secs, "source": cp.source,
            }
        )  # fmt: skip
        logging.info("%s %s: regret %.4g in %.1f s", name, label, summary[-1]["regret_mean"], secs)
    return rows, summary


# ----------------------------------------------------------------------------------------------
# Output.


def markdown(summary: list[dict], c) -> str:
    lines = [
        "# Multi-fidelity search with learning-curve extrapolation",
        "",
        f"Final validation regret at the budget (mean +- s.e.m. over {c.seeds} seeds; accuracy "
        "benchmarks in percentage points, NB-NLP in validation-loss units); full / partial = "
        "trainings to E_max / to E_few per run. 'x11 ref' = NAS-Bench-x11's numbers (regret %, "
        "~30 runs) on *its* NB111 / NB311 benchmarks, which are not the ones here.",
        "",
    ]
    srcs = sorted({(s["benchmark"], s["source"], s["budget_seconds"]) for s in summary})
    lines += [f"- {b}: {src}; budget {bud:.4g} simulated s" for b, src, bud in srcs] + [""]
    lines += [
        "| benchmark | method | regret | full | partial | x11 ref NB111 | x11 ref NB311 | "
        "vs plain |",
        "|---|---|---|---|---|---|---|---|",
    ]
    plain = {(s["benchmark"], s["algorithm"]): s["regret_mean"] for s in summary}
    for s in summary:
        base_alg = s["algorithm"].split("-")[0]
        ref = [REFERENCE[k].get(s["algorithm"]) for k in ("NB111", "NB311")]
        vs = "-"
        if "-" in s["algorithm"] and (s["benchmark"], base_alg) in plain:
            p = plain[(s["benchmark"], base_alg)]
            vs = "better" if s["regret_mean"] < p else ("equal" if s["regret_mean"] == p else
                                                        "worse")  # fmt: skip
        lines.append(
            f"| {s['benchmark']} | {s['algorithm']} | {s['regret_mean']:.4g} +- "
            f"{s['regret_sem']:.2g} | {s['num_full']:.1f} | {s['num_partial']:.1f} | "
            + " | ".join("-" if r is None else f"{r:.3f}" for r in ref)
            + f" | {vs} |"
        )
    return "\n".join(lines) + "\n"


def plot_rows(rows: list[dict]) -> list[dict]:
    """Rows in objective units for :func:`jaxnas.search.plotting.plot`'s regret (accuracy
    regrets in percentage points, losses as they are)."""
    out = []
    for r in rows:
        k = r["sign"] * (100.0 if r["sign"] > 0 else 1.0)
        t = r["trajectory"]
        out.append(
            r
            | {
                "optimum_valid": k * r["optimum_valid"],
                "trajectory": t
                | {"best_valid": [None if v is None else k * v for v in t["best_valid"]]},
            }
        )
    return out


def _write_atomic(path: pathlib.Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    del argv
    c = _CONFIG.value
    if _CC_DIR.value:
        jax.config.update("jax_compilation_cache_dir", os.path.expanduser(_CC_DIR.value))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    workdir = pathlib.Path(_WORKDIR.value)
    workdir.mkdir(parents=True, exist_ok=True)
    rows, summary = [], []
    for name in c.benchmarks:
        r, s = run_benchmark(name, c, workdir)
        rows += r
        summary += s
    results.write_jsonl(workdir / "lce_search.jsonl", rows, append=False)
    _write_atomic(workdir / "lce_search.json", json.dumps(summary, indent=1))
    md = markdown(summary, c)
    _write_atomic(workdir / "lce_search.md", md)
    with warnings.catch_warnings():  # grid points before a run's first full training are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        plotting.plot(plot_rows(rows), workdir / "lce_search_regret", metric="regret", x="cost",
                      scale=1.0)  # fmt: skip
    print(md)


if __name__ == "__main__":
    app.run(main)
