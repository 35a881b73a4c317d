r"""Single-fidelity search vs its LCE (WPM, SVR) wrappers, Hyperband and BOHB, vs simulated time.

    python -m experiments.lce_search --config=experiments/configs/lce_search.py \
        --data_dir=../shared/data --workdir=results/lce_search

For each candidate set of the config (:mod:`jaxnas.benchmarks.curve_sets`: one learning curve
per row) and each method, runs ``config.seeds`` seeds in lockstep with the seed's budget in
simulated seconds (:func:`jaxnas.search.multifidelity.run`); LCE wrappers take the seed's
target epoch, top-n and initial full trainings per benchmark, searcher and extrapolator
(:func:`jaxnas.search.multifidelity.reference_config`). Records the incumbent's validation
regret after every training event. Writes under ``--workdir``, atomically:
``lce_search.jsonl`` (one row per run, with its trajectory; rewritten after every method),
``lce_search.json`` (the summary table), ``lce_search.md`` (the table beside NAS-Bench-x11's
numbers, whose benchmarks differ) and ``lce_search_regret.{png,svg}``; candidate sets are
cached as ``candidates/<name>.npz``.

Resumable: a method whose rows in the workdir's ``lce_search.jsonl`` hold exactly the config's
seeds, made with the same settings (:func:`jaxnas.search.mf_results.finished`), is not run
again, so an interrupted run restarted with the same command loses only the method it was in
(its seeds run in lockstep and finish together). ``--config.table_only`` runs nothing and
prints the table of every row in the workdir, e.g. of several workdirs' ``lce_search.jsonl``
concatenated into one.
Set ``JAX_COMPILATION_CACHE_DIR`` for JAX's persistent compilation cache.
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
from absl import logging

from experiments import common
from jaxnas import io
from jaxnas.benchmarks import curve_sets
from jaxnas.search import base, mf_results, plotting, registry
from jaxnas.search import multifidelity as mf

_CONFIG = common.define_config(
    "experiments/configs/lce_search.py", "LCE search configuration.",
)
LABEL = {"rs": "RS", "rea": "REA", "ls": "LS", "bananas": "BANANAS", "hyperband": "Hyperband",
         "bohb": "BOHB"}  # fmt: skip


def methods(c, name: str, searchers: dict):
    """``(label, method, extrapolator, multi-fidelity searcher)`` of every job of the config:
    LCE with the seed's settings per benchmark, searcher and extrapolator
    (:func:`jaxnas.search.multifidelity.reference_config`, ``c.lce`` overriding)."""
    ref = c.reference_benchmark[name]
    for m in c.methods:
        for e in c.extrapolators:
            ext = mf.make_extrapolator(e, c.extrapolator.get(e))
            if ext is None:  # plain: one candidate per round, trained fully
                yield LABEL[m], m, e, searchers[m]
            else:
                lce = {k: v for k, v in c.lce.items() if v is not None}
                cfg = mf.reference_config(ref, m, e, asks_per_round=c.asks_per_round[m], **lce)
                yield f"{LABEL[m]}-{e.upper()}", m, e, mf.lce(searchers[m], ext, cfg)
    for m in c.multi_fidelity:  # 'hyperband', 'bohb': registered multi-fidelity searchers
        yield LABEL[m], m, None, registry.make_searcher(m, c[m])


def write_tables(workdir, rows: list[dict], summary: list[dict]) -> None:
    """``lce_search.jsonl`` and ``lce_search.json`` (rewritten after every method)."""
    io.write_jsonl(workdir / "lce_search.jsonl", rows, allow_nan=False)
    io.write_text(workdir / "lce_search.json", json.dumps(summary, indent=1))


# Config fields that choose which jobs run, not how: not compared by mf_results.finished.
_JOB_FIELDS = ("seeds", "benchmarks", "methods", "extrapolators", "multi_fidelity", "table_only")


def run_benchmark(name: str, c, workdir, rows: list[dict], summary: list[dict]) -> None:
    """Runs every method of the config on ``name`` not finished in ``rows`` (those with the
    config's seeds and settings, :func:`jaxnas.search.mf_results.finished`: summarized from
    their rows), appending to ``rows`` and ``summary``."""
    seeds, cp = list(range(c.seeds)), None
    # One searcher object per method: its vmapped ask / tell compile once for all wrappers.
    searchers = {m: registry.make_searcher(m, c.searchers[m]) for m in c.methods}
    for label, method, ext, searcher in methods(c, name, searchers):
        config = c.to_dict() | {"method": method, "extrapolator": ext, "benchmark": name}
        done = mf_results.finished(rows, name, label, seeds, config, ignore=_JOB_FIELDS)
        if done is not None:
            summary += mf_results.summarize_groups(done)
            logging.info("%s %s: %d runs finished earlier, skipped", name, label, len(done))
            continue
        if cp is None:
            cs = curve_sets.load_or_build(
                name, curve_sets.Settings(**c.candidates), workdir / "candidates",
                common.data_dir(), common.download(),
            )  # fmt: skip
            cp = mf.from_curve_set(cs, c.num_neighbours)
            budget = float(c.budget_seconds[name])
            if c.budget_trainings > 0:
                budget = float(c.budget_trainings * np.median(cp.full_time))
            logging.info("%s: %d candidates, budget %.4g s, %s", name, cp.size, budget, cp.source)
        rows[:] = [r for r in rows if (r["benchmark"], r["algorithm"]) != (name, label)]
        t0 = time.time()
        traj = mf.run(searcher, cp, base.seed_keys(seeds), budget)
        secs = time.time() - t0
        rs = mf.to_rows(traj, cp, algorithm=label, seeds=seeds, budget=budget, config=config)
        for r in rs:
            r["wall_seconds"] = secs / len(seeds)
        rows += rs
        summary.append(mf_results.summarize(rs, secs))
        logging.info("%s %s: regret %.4g in %.1f s", name, label, summary[-1]["regret_mean"], secs)
        write_tables(workdir, rows, summary)


def table_order(c, row: dict) -> tuple[int, ...]:
    """Sort key of a row in a ``table_only`` table: the config's benchmark, method and
    extrapolator order (anything else after)."""
    cfg = row.get("config") or {}
    key = ((row["benchmark"], c.benchmarks), (cfg.get("method"), (*c.methods, *c.multi_fidelity)),
           (cfg.get("extrapolator"), c.extrapolators))  # fmt: skip
    return tuple(list(k).index(v) if v in k else len(k) for v, k in key)


def main(argv):
    common.check_no_args(argv)
    c = _CONFIG.value
    workdir = common.workdir("results/lce_search")
    path = workdir / "lce_search.jsonl"
    rows = io.read_jsonl(path) if path.is_file() else []  # resumed (see the module docstring)
    summary = []
    if c.table_only:
        summary = mf_results.summarize_groups(sorted(rows, key=lambda r: table_order(c, r)))
    for name in common.progress(() if c.table_only else c.benchmarks, desc="benchmarks"):
        run_benchmark(name, c, workdir, rows, summary)
    md = mf_results.markdown(summary)
    io.write_text(workdir / "lce_search.md", md)
    with warnings.catch_warnings():  # grid points before a run's first full training are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        plotting.plot(mf_results.plot_rows(rows), workdir / "lce_search_regret", metric="regret",
                      x="cost", scale=1.0)  # fmt: skip
    print(md)


if __name__ == "__main__":
    common.run(main)
