r"""CATE's encoding comparison: encodings x search subroutines on NB101-20k at 150 queries.

    python -m experiments.encoding_comparison \
        --config=experiments/configs/encoding_comparison.py \
        [--config.arch2vec=<embeddings.npz>] [--config.cate=<embeddings.npz>] \
        --data_dir=../shared/data --workdir=results/encoding_comparison

For every encoding (hand-made ones from :mod:`jaxnas.encodings`, learned ones from
``embeddings.npz`` files aligned by NB101 hash) and every subroutine (RS, REA, LS, neural
predictor, GP-BO, DNGO-BO), runs the configured seeds at once under ``jax.vmap`` and reports the
final incumbent's validation error (%) as mean +- std. Writes ``encoding_comparison.jsonl`` (one
row per run), ``encoding_comparison.md`` (the table) and ``encoding_comparison_regret.{png,svg}``
under ``--workdir``. See the config's docstring for how this differs from CATE's setting.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # jaxlib's CPU linalg under vmap

import pathlib  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags, logging  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxnas import encodings  # noqa: E402
from jaxnas.benchmarks import builtin  # noqa: E402
from jaxnas.predictors import gp  # noqa: E402
from jaxnas.search import (  # noqa: E402
    base,
    bayesopt,
    evolution,
    local,
    plotting,
    problem,
    results,
    sampling,
)

_CONFIG = config_flags.DEFINE_config_file(
    "config",
    "experiments/configs/encoding_comparison.py",
    "Encoding-comparison configuration.",
    lock_config=True,
)
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else cache)."
)
_WORKDIR = flags.DEFINE_string(
    "workdir", "results/encoding_comparison", "Where results are written."
)
_DOWNLOAD = flags.DEFINE_bool("download", True, "Download missing files (sha256-checked).")

LABEL = {
    "rs": "RS",
    "rea": "REA",
    "ls": "LS",
    "neural_predictor": "NP",
    "gp_bo": "GP-BO",
    "dngo_bo": "DNGO-BO",
    "dngo_ls": "DNGO-LS",
}
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
}


def make_searcher(name: str, c) -> base.Searcher:
    if name == "rs":
        return sampling.random_search()
    if name == "rea":
        return evolution.regularized_evolution(
            c.rea.population_size, c.rea.sample_size, c.rea.avoid_repeats
        )
    if name == "ls":
        return local.local_search(c.ls.num_init)
    if name == "neural_predictor":
        return bayesopt.neural_predictor(
            num_init=c.np.num_init,
            batch_size=c.np.batch_size,
            hidden=tuple(c.np.hidden),
            num_epochs=c.np.num_epochs,
        )
    if name == "gp_bo":
        g = c.gp
        surrogate = gp.make(num_steps=g.num_steps, learning_rate=g.learning_rate)
        return bayesopt.bo(surrogate, "ei", num_init=g.num_init, batch_size=g.batch_size)
    if name == "dngo_bo":
        d = c.dngo
        return bayesopt.dngo_bo(
            num_init=d.num_init,
            batch_size=d.batch_size,
            hidden=tuple(d.hidden),
            num_epochs=d.num_epochs,
            mlp_batch_size=d.mlp_batch,
        )
    if name == "dngo_ls":  # CATE's DNGO-LS: BO + local search in encoding space, restarts
        return bayesopt.cate_dngo_ls(**c.dngo_ls.to_dict())
    raise ValueError(f"unknown subroutine {name!r}; choose from {sorted(LABEL)}")


def encoding_tables(c, bench) -> tuple[dict[str, np.ndarray], list[str]]:
    """Name -> ``[N, D]`` table for every configured encoding, and notes on skipped ones."""
    tables, notes = {}, []
    cells = (bench.arch["adjacency"], bench.arch["ops"])
    for name in c.encodings:
        tables[name] = np.asarray(encodings.encode("nb101", name, cells), np.float32)
    for name, path in (("arch2vec", c.arch2vec), ("cate", c.cate)):
        if path:
            tables[name] = problem.embedding_table(bench, path)
        else:
            notes.append(f"{ENCODING_LABEL[name]} skipped: no embeddings file (config.{name})")
    return tables, notes


def pad_width(d: int, widths) -> int:
    """The smallest configured width >= ``d`` (``d`` itself if none is)."""
    fits = [w for w in widths if w >= d]
    return min(fits) if fits else d


def subset_problem(prob: problem.Problem, rows: int) -> problem.Problem:
    """The first ``rows`` candidates (no neighbour table; set one afterwards)."""
    return prob._replace(
        x=prob.x[:rows], y=prob.y[:rows], test=prob.test[:rows], cost=prob.cost[:rows]
    )


def run_comparison(c, workdir, data_dir=None, download: bool = True) -> str:
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    bench = builtin.nb101_20k(data_dir, download=download)
    tables, notes = encoding_tables(c, bench)
    if not tables:
        raise ValueError("no encodings to compare: set config.encodings, arch2vec or cate")
    n = bench.size if c.max_rows <= 0 else min(c.max_rows, bench.size)
    optimum = float(np.nanmax(bench.metrics["valid_acc"][:n, -1]))
    seeds = list(range(c.seeds))
    keys = base.seed_keys(seeds)
    all_rows, cells = [], {}
    rs_traj, searchers = None, {}
    for enc, x in tables.items():
        t0 = time.time()
        # Zero columns leave L2 distances, the GP kernel and the MLPs' function class unchanged;
        # padding to a few shared widths lets one compiled search serve several encodings.
        xp = np.pad(x, ((0, 0), (0, pad_width(x.shape[1], c.pad_widths) - x.shape[1])))
        prob = subset_problem(problem.from_benchmark(bench, xp), n)
        nn = problem.nearest_neighbours(np.asarray(prob.x), c.knn, jax.random.key(0))
        prob = prob._replace(neighbours=jax.numpy.asarray(nn))
        logging.info("%s: D=%d, %d-NN table in %.1f s", enc, x.shape[1], c.knn, time.time() - t0)
        for sub in c.subroutines:
            t0 = time.time()
            if sub == "rs" and rs_traj is not None:
                traj = rs_traj  # encoding-independent on a fixed candidate set
            else:
                # One Searcher per subroutine: jit caches on it, so every encoding of the same
                # padded width reuses the compiled search.
                searcher = searchers.setdefault(sub, make_searcher(sub, c))
                parts = [
                    base.run_seeds(searcher, prob, keys[i : i + c.seed_chunk], c.num_queries)
                    for i in range(0, len(seeds), c.seed_chunk)
                ]
                traj = jax.tree.map(lambda *a: np.concatenate(a), *parts)
                if sub == "rs":
                    rs_traj = traj
            err = 100.0 * (1.0 - np.asarray(traj.best_y[:, -1]))
            cells[(enc, sub)] = err
            all_rows += results.run_rows(
                traj,
                algorithm=LABEL[sub],
                encoding=enc,
                benchmark=bench.name + (f"[:{n}]" if n < bench.size else ""),
                seeds=seeds,
                config=c.to_dict() | {"encoding": enc, "subroutine": sub},
                source=bench.source
                + (f"; embeddings {getattr(c, enc)}" if enc in ("arch2vec", "cate") else ""),
                optimum=optimum,
            )
            logging.info("%s %s: %.2f+-%.2f (%.1f s)", enc, sub, err.mean(), err.std(),
                         time.time() - t0)  # fmt: skip
        # Rewritten after every encoding, so a long run leaves its finished rows behind.
        results.write_jsonl(workdir / "encoding_comparison.jsonl", all_rows, append=False)
        text = format_table(c, cells, list(tables), notes, n, 100.0 * (1.0 - optimum))
        (workdir / "encoding_comparison.md").write_text(text + "\n")
    if all_rows:
        plotting.plot(
            [r for r in all_rows if r["encoding"] in ("adjacency_one_hot", "arch2vec", "cate")]
            or all_rows,
            workdir / "encoding_comparison_regret",
            metric="regret",
        )
    return text


def format_table(c, cells, encs, notes, n, best_err) -> str:
    subs = list(c.subroutines)
    lines = [
        f"Encoding comparison on NB101-20k ({n} labelled cells, a subset of the 423,624-cell "
        f"space), {c.num_queries} queries, {c.seeds} seeds: final incumbent validation error (%),"
        f" mean+-std (best available {best_err:.2f}%).",
        "",
        "| encoding | " + " | ".join(LABEL[s] for s in subs) + " |",
        "|---|" + "---|" * len(subs),
    ]
    for enc in encs:
        vals = [
            f"{cells[(enc, s)].mean():.2f}+-{cells[(enc, s)].std():.2f}"
            if (enc, s) in cells
            else "-"
            for s in subs
        ]
        lines.append(f"| {ENCODING_LABEL.get(enc, enc)} | " + " | ".join(vals) + " |")
    lines += [
        "",
        "RS samples uniformly from the labelled cells, so its column is the same for every "
        f"encoding; REA/LS perturb to one of the {c.knn} nearest cells in the encoding's "
        "geometry (see the config docstring).",
    ]
    lines += [f"Note: {s}" for s in notes]
    return "\n".join(lines)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    print(run_comparison(_CONFIG.value, _WORKDIR.value, _DATA_DIR.value, _DOWNLOAD.value))


if __name__ == "__main__":
    app.run(main)
