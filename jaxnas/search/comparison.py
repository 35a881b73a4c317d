"""CATE's encoding comparison: every encoding x every search subroutine on one tabular
benchmark, the final incumbent's validation error (%) as mean +- std over seeds.

The library side of ``experiments/encoding_comparison.py``. Encodings are the benchmark's
hand-made ones (``config.encodings``, :meth:`TabularBenchmark.encode`) and learned ones
(``config.embeddings``: ``name=path`` entries, ``embeddings.npz`` aligned by id). Subroutines are
registered searchers (:mod:`jaxnas.search.registry`) built from ``config.searchers.<name>``.
Perturbation methods move to one of the ``knn`` nearest rows *in the encoding's own geometry*,
and every encoding is zero-padded to the smallest of ``pad_widths`` that fits (distances, the
GP kernel and the MLPs' function class are unchanged), so one compiled search serves all
encodings of a width class. Random search does not depend on the encoding on a fixed
candidate set, so it runs once.

Writes ``encoding_comparison.jsonl`` (one row per run), ``encoding_comparison.md`` (rewritten
after every encoding, so a long run leaves its finished rows behind) and
``encoding_comparison_regret.{png,svg}``.
"""

from __future__ import annotations

import logging
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas import benchmarks, io
from jaxnas.search import experiment, plotting, problem, registry, results

ENCODING_LABEL = {
    "adjacency_one_hot": "adjacency one-hot",
    "adjacency_categorical": "adjacency categorical",
    "adjacency_continuous": "adjacency continuous",
    "path_one_hot": "path one-hot",
    "path_categorical": "path categorical",
    "path_continuous": "path continuous",
    "path_truncated": "truncated path",
    "arch2vec": "arch2vec",
    "cate": "CATE",
    "dvae": "D-VAE",
}


def encoding_tables(c, bench) -> tuple[dict[str, np.ndarray], list[str]]:
    """Name -> ``[N, D]`` table for every configured encoding (hand-made, then learned)."""
    tables = {name: np.asarray(bench.encode(name), np.float32) for name in c.encodings}
    for name, path in problem.parse_embeddings(c.embeddings).items():
        tables[name] = problem.embedding_table(bench, path)
    notes = [] if c.embeddings else ["learned encodings skipped: none given (config.embeddings)"]
    return tables, notes


def pad_width(d: int, widths) -> int:
    """The smallest configured width >= ``d`` (``d`` itself if none is)."""
    fits = [w for w in widths if w >= d]
    return min(fits) if fits else d


def run_comparison(c, workdir, data_dir=None, download: bool = True) -> str:
    """Runs the comparison of config ``c``; returns the table text (see module docstring)."""
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    bench = benchmarks.load(c.benchmark, data_dir, download=download)
    tables, notes = encoding_tables(c, bench)
    if not tables:
        raise ValueError("no encodings to compare: set config.encodings or config.embeddings")
    emb = problem.parse_embeddings(c.embeddings)
    n = bench.size if c.max_rows <= 0 else min(c.max_rows, bench.size)
    best = experiment.optimum(bench, n)
    seeds = list(range(c.seeds))
    all_rows, cells, rs_traj, searchers, text = [], {}, None, {}, ""
    for enc, x in tables.items():
        t0 = time.time()
        xp = np.pad(x, ((0, 0), (0, pad_width(x.shape[1], c.pad_widths) - x.shape[1])))
        prob = problem.subset(problem.from_benchmark(bench, xp), n)
        nn = problem.nearest_neighbours(np.asarray(prob.x), c.knn, jax.random.key(0))
        prob = prob._replace(neighbours=jnp.asarray(nn))
        logging.info("%s: D=%d, %d-NN table in %.1f s", enc, x.shape[1], c.knn, time.time() - t0)
        for sub in c.subroutines:
            t0 = time.time()
            if sub == "rs" and rs_traj is not None:
                traj = rs_traj  # encoding-independent on a fixed candidate set
            else:
                # One Searcher per subroutine: jit caches on it, so every encoding of the same
                # padded width reuses the compiled search.
                if sub not in searchers:
                    searchers[sub] = registry.make_searcher(sub, c.searchers.get(sub, None))
                traj = experiment.run_seeds(
                    searchers[sub], prob, seeds, c.num_queries, c.seed_chunk
                )
                rs_traj = traj if sub == "rs" else rs_traj
            err = 100.0 * (1.0 - np.asarray(traj.best_y[:, -1]))
            cells[(enc, sub)] = err
            all_rows += results.run_rows(
                traj,
                algorithm=c.labels[sub],
                encoding=enc,
                benchmark=bench.name + (f"[:{n}]" if n < bench.size else ""),
                seeds=seeds,
                config=c.to_dict() | {"encoding": enc, "subroutine": sub},
                source=bench.source + (f"; embeddings {emb[enc]}" if enc in emb else ""),
                optimum=best,
            )
            logging.info("%s %s: %.2f+-%.2f (%.1f s)", enc, sub, err.mean(), err.std(),
                         time.time() - t0)  # fmt: skip
        results.write_jsonl(workdir / "encoding_comparison.jsonl", all_rows, append=False)
        text = format_table(c, cells, list(tables), notes, n, 100.0 * (1.0 - best))
        io.write_text(workdir / "encoding_comparison.md", text + "\n")
    shown = [r for r in all_rows if r["encoding"] in c.plot_encodings] or all_rows
    plotting.plot(shown, workdir / "encoding_comparison_regret", metric="regret")
    return text


def format_table(c, cells, encs, notes, n, best_err) -> str:
    """Encodings as rows, subroutines as columns: final validation error (%) mean+-std."""
    subs = list(c.subroutines)
    lines = [
        f"Encoding comparison on {c.benchmark} ({n} rows), {c.num_queries} queries, "
        f"{c.seeds} seeds: final incumbent validation error (%), mean+-std (best available "
        f"{best_err:.2f}%).",
        "",
        "| encoding | " + " | ".join(c.labels[s] for s in subs) + " |",
        "|---|" + "---|" * len(subs),
    ]
    for enc in encs:
        vals = [
            f"{cells[(enc, s)].mean():.2f}+-{cells[(enc, s)].std():.2f}" if (enc, s) in cells
            else "-"
            for s in subs
        ]  # fmt: skip
        lines.append(f"| {ENCODING_LABEL.get(enc, enc)} | " + " | ".join(vals) + " |")
    lines += [
        "",
        "RS samples uniformly from the rows, so its column is the same for every encoding; "
        f"REA/LS perturb to one of the {c.knn} nearest rows in the encoding's geometry (see the "
        "config docstring).",
    ]
    return "\n".join(lines + [f"Note: {s}" for s in notes])


__all__ = ["ENCODING_LABEL", "encoding_tables", "format_table", "pad_width", "run_comparison"]
