r"""Outside-search-space generalisation of an MLP predictor: adjacency vs learned encodings.

    python -m experiments.outside_space --config=experiments/configs/outside_space.py \
        [--config.embeddings="('cate=<embeddings.npz>',)"] \
        --data_dir=../shared/data --workdir=results/outside_space

Splits the labelled NB101-20k cells into a training set (fewer than 7 vertices, at most 7
edges) and an outside test set (6 vertices, at least 7 edges), trains an MLP
(:mod:`jaxnas.predictors.mlp`) on each encoding for every seed at once (``jax.vmap``) and reports
RMSE, Pearson, Spearman and Kendall correlations on the test set. Writes ``outside_space.json``
(split counts, per-seed metrics, config, data source), ``outside_space.npz`` (train / test
rows, test targets, per-seed predictions ``pred_<encoding> [R, n_test]``) and
``outside_space.md`` under ``--workdir``.
"""

from __future__ import annotations

import json
import pathlib
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags, logging
from ml_collections import config_flags
from scipy import stats

from jaxnas import encodings
from jaxnas.benchmarks import builtin
from jaxnas.predictors import mlp
from jaxnas.search import problem

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/outside_space.py", "Experiment configuration.", lock_config=True
)
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else cache)."
)
_WORKDIR = flags.DEFINE_string("workdir", "results/outside_space", "Where results are written.")
_DOWNLOAD = flags.DEFINE_bool("download", True, "Download missing files (sha256-checked).")


def split(adjacency, ops, c) -> tuple[np.ndarray, np.ndarray, dict]:
    """Training and test rows (disjoint) by vertex and edge counts, and the counts."""
    vertices = (np.asarray(ops) >= 0).sum(axis=1)
    edges = np.asarray(adjacency).reshape(len(vertices), -1).sum(axis=1)
    test = (vertices == c.test_vertices) & (edges >= c.min_test_edges)
    train = (vertices <= c.max_train_vertices) & (edges <= c.max_train_edges) & ~test
    counts = {
        "train": int(train.sum()),
        "test": int(test.sum()),
        "removed_from_train_overlap": int(
            ((vertices <= c.max_train_vertices) & (edges <= c.max_train_edges) & test).sum()
        ),
        "by_vertices": {int(v): int((vertices == v).sum()) for v in np.unique(vertices)},
        "test_by_edges": {int(e): int((test & (edges == e)).sum()) for e in np.unique(edges[test])},
    }
    if counts["train"] < 2 or counts["test"] < 2:
        raise ValueError(f"too few cells for the split: {counts}")
    return np.flatnonzero(train), np.flatnonzero(test), counts


def fit_predict(c, x_train, y_train, x_test, keys):
    """MLP predictions ``[R, n_test]`` of ``R`` seeds, trained on standardised targets."""
    sizes = (x_train.shape[1], *c.hidden, 1)
    mask = jnp.ones(len(y_train))
    ys, mean, std = mlp.standardize(jnp.asarray(y_train), mask)

    def one(key):
        k_init, k_fit = jax.random.split(key)
        params = mlp.fit(
            mlp.init(k_init, sizes),
            k_fit,
            x_train,
            ys,
            mask,
            num_epochs=c.num_epochs,
            batch_size=c.batch_size,
            learning_rate=c.learning_rate,
            activation=c.activation,
            loss=c.loss,
        )
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
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    bench = builtin.nb101_20k(data_dir, download=download)
    adjacency, ops = bench.arch["adjacency"], bench.arch["ops"]
    y = np.asarray(bench.metrics["valid_acc"][:, -1, 0], np.float64)
    train, test, counts = split(adjacency, ops, c)
    logging.info("split: %s", counts)
    tables, notes = {}, []
    for name in c.encodings:
        tables[name] = np.asarray(encodings.encode("nb101", name, (adjacency, ops)), np.float32)
    for entry in c.embeddings:
        name, sep, path = str(entry).partition("=")
        if not sep or not name or not path:
            raise ValueError(f"config.embeddings entry {entry!r} is not of the form 'name=path'")
        tables[name] = problem.embedding_table(bench, path)
    if not c.embeddings:
        notes.append("no learned encoding given (config.embeddings): CATE row skipped")
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
        "counts": counts,
        "results": out,
        "config": c.to_dict(),
        "source": bench.source,
        "embeddings": list(c.embeddings),
        "target": "108-epoch validation accuracy",
    }
    _write_json(workdir / "outside_space.json", record)
    with tempfile.NamedTemporaryFile(dir=workdir, delete=False, suffix=".npz") as f:
        np.savez(f, train_rows=train, test_rows=test, y_test=y[test], **preds)
    pathlib.Path(f.name).replace(workdir / "outside_space.npz")
    text = format_table(c, counts, out, notes)
    (workdir / "outside_space.md").write_text(text + "\n")
    return text


def _write_json(path: pathlib.Path, obj) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
        json.dump(obj, f, indent=1)
    pathlib.Path(f.name).replace(path)


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


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    print(run(_CONFIG.value, _WORKDIR.value, _DATA_DIR.value, _DOWNLOAD.value))


if __name__ == "__main__":
    app.run(main)
