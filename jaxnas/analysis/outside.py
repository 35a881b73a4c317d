"""Outside-search-space generalisation of an MLP predictor (CATE, Sec. 5) on NB101 cells.

Splits the labelled cells of a NB101 tabular benchmark into a training set (at most
``max_train_vertices`` vertices and ``max_train_edges`` edges) and a disjoint outside test set
(exactly ``test_vertices`` vertices, at least ``min_test_edges`` edges; cells matching both
rules are test cells), trains an MLP (:mod:`jaxnas.predictors.mlp`) on each encoding for
every seed at once (``jax.vmap``) and reports RMSE (percentage points), Pearson, Spearman and
Kendall correlations on the test set.

The library side of ``experiments/outside_space.py``: :func:`run` writes ``outside_space.json``
(split counts, per-seed metrics, config, data source), ``outside_space.npz`` (train / test rows,
test targets, per-seed predictions ``pred_<encoding> [R, n_test]``) and ``outside_space.md``.
"""

from __future__ import annotations

import logging
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats

from jaxnas import benchmarks, io
from jaxnas.predictors import mlp
from jaxnas.search import problem


def split(adjacency, ops, c) -> tuple[np.ndarray, np.ndarray, dict]:
    """Training and test rows (disjoint) by vertex and edge counts, and the counts."""
    vertices = (np.asarray(ops) >= 0).sum(axis=1)
    edges = np.asarray(adjacency).reshape(len(vertices), -1).sum(axis=1)
    test = (vertices == c.test_vertices) & (edges >= c.min_test_edges)
    small = (vertices <= c.max_train_vertices) & (edges <= c.max_train_edges)
    train = small & ~test
    counts = {
        "train": int(train.sum()),
        "test": int(test.sum()),
        "removed_from_train_overlap": int((small & test).sum()),
        "by_vertices": {int(v): int((vertices == v).sum()) for v in np.unique(vertices)},
        "test_by_edges": {int(e): int((test & (edges == e)).sum()) for e in np.unique(edges[test])},
    }
    if counts["train"] < 2 or counts["test"] < 2:
        raise ValueError(f"too few cells for the split: {counts}")
    return np.flatnonzero(train), np.flatnonzero(test), counts


def fit_predict(c, x_train, y_train, x_test, keys) -> np.ndarray:
    """MLP predictions ``[R, n_test]`` of ``R`` seeds, trained on standardised targets."""
    sizes = (x_train.shape[1], *c.hidden, 1)
    mask = jnp.ones(len(y_train))
    ys, mean, std = mlp.standardize(jnp.asarray(y_train), mask)

    def one(key):
        k_init, k_fit = jax.random.split(key)
        params = mlp.fit(
            mlp.init(k_init, sizes), k_fit, x_train, ys, mask, num_epochs=c.num_epochs,
            batch_size=c.batch_size, learning_rate=c.learning_rate, activation=c.activation,
            loss=c.loss,
        )  # fmt: skip
        return mean + std * mlp.apply(params, x_test, c.activation)[:, 0]

    return np.asarray(jax.jit(jax.vmap(one))(keys))


def metrics(pred: np.ndarray, y: np.ndarray) -> dict:
    """RMSE (percentage points) and correlations of one seed's predictions."""
    return {
        "rmse_pct": float(100 * np.sqrt(np.mean((pred - y) ** 2))),
        "pearson": float(stats.pearsonr(pred, y)[0]),
        "spearman": float(stats.spearmanr(pred, y)[0]),
        "kendall": float(stats.kendalltau(pred, y)[0]),
    }


def run(c, workdir, data_dir=None, download: bool = True) -> str:
    """Runs the study of config ``c`` (see module docstring); returns the table text."""
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    bench = benchmarks.load(c.benchmark, data_dir, download=download)
    adjacency, ops = bench.arch["adjacency"], bench.arch["ops"]
    y = np.asarray(bench.metrics["valid_acc"][:, -1, 0], np.float64)
    train, test, counts = split(adjacency, ops, c)
    logging.info("split: %s", counts)
    tables = {name: np.asarray(bench.encode(name), np.float32) for name in c.encodings}
    for name, path in problem.parse_embeddings(c.embeddings).items():
        tables[name] = problem.embedding_table(bench, path)
    notes = (
        [] if c.embeddings else ["no learned encoding given (config.embeddings): CATE row skipped"]
    )
    keys = jax.random.split(jax.random.key(0), c.seeds)
    out, preds = {}, {}
    for name, x in tables.items():
        t0 = time.time()
        pred = fit_predict(c, x[train], y[train], x[test], keys)
        preds[f"pred_{name}"] = pred.astype(np.float32)
        per_seed = [metrics(p, y[test]) for p in pred]
        out[name] = {
            "per_seed": per_seed,
            "mean": {k: float(np.mean([m[k] for m in per_seed])) for k in per_seed[0]},
            "std": {k: float(np.std([m[k] for m in per_seed])) for k in per_seed[0]},
            "dim": int(x.shape[1]),
            "seconds": time.time() - t0,
        }
        logging.info("%s: %s", name, out[name]["mean"])
    record = {
        "counts": counts, "results": out, "config": c.to_dict(), "source": bench.source,
        "embeddings": list(c.embeddings), "target": "108-epoch validation accuracy",
    }  # fmt: skip
    io.write_json(workdir / "outside_space.json", record, indent=1)
    io.write_npz(workdir / "outside_space.npz", train_rows=train, test_rows=test, y_test=y[test],
                 **preds)  # fmt: skip
    text = format_table(c, counts, out, notes)
    io.write_text(workdir / "outside_space.md", text + "\n")
    return text


def format_table(c, counts, out, notes) -> str:
    lines = [
        "Outside-search-space generalisation on NB101-20k (labelled cells only): MLP predictor "
        f"trained on {counts['train']} cells with < 7 vertices and <= {c.max_train_edges} edges, "
        f"tested on {counts['test']} cells with {c.test_vertices} vertices and >= "
        f"{c.min_test_edges} edges ({counts['removed_from_train_overlap']} cells with 6 vertices "
        f"and 7 edges are test cells only); {c.seeds} seeds, mean+-std.",
        "",
        "| encoding | D | RMSE (%) | Pearson r | Spearman rho | Kendall tau |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in out.items():
        m, s = r["mean"], r["std"]
        lines.append(
            f"| {name} | {r['dim']} | {m['rmse_pct']:.3f}+-{s['rmse_pct']:.3f} | "
            f"{m['pearson']:.3f}+-{s['pearson']:.3f} | {m['spearman']:.3f}+-{s['spearman']:.3f} | "
            f"{m['kendall']:.3f}+-{s['kendall']:.3f} |"
        )
    lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


__all__ = ["fit_predict", "format_table", "metrics", "run", "split"]
