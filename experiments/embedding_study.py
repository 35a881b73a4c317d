r"""Understanding embeddings: predictive study, distance vs edit distance, landscape, pictures.

    python -m experiments.embedding_study --config=experiments/configs/embedding_study.py \
        --data_dir=../shared/data --workdir=results/study_nb201 \
        --config.encodings="('adjacency_one_hot','supervised=results/supervised_nb201/embeddings.npz')"

For each encoding (hand-made by name, learned by ``name=path/embeddings.npz``) on one benchmark
(``nb201`` or ``nb101_20k``) runs the configured studies (see the config's docstring) and writes
under ``--workdir``: ``study.json`` (every number, the data source and the config; rewritten
atomically after each study), ``study.md`` (markdown tables, the seed's predictive numbers
beside ours; also printed), ``distance_vs_edit.{png,svg}``, ``figure6.{png,svg}`` (RWA vs
sqrt(shift), share of architectures near the peak) and ``projection.{png,svg}``.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile
import time

import jax
import numpy as np
from absl import app, flags, logging
from ml_collections import config_flags

from jaxnas import encodings as enc_lib
from jaxnas.analysis import predictive, projection, smoothness
from jaxnas.benchmarks import builtin, tabular
from jaxnas.spaces import nb101

_CONFIG = config_flags.DEFINE_config_file(
    "config",
    "experiments/configs/embedding_study.py",
    "Study config file (variants ':nb101', ':smoke'); override fields with --config.<field>=..., "
    "e.g. --config.encodings=\"('path_one_hot','arch2vec=run/embeddings.npz')\".",
    lock_config=True,
)
_DATA_DIR = flags.DEFINE_string(
    "data_dir", None, "Directory with the benchmark files (default: $JAXNAS_DATA_DIR, else cache)."
)
_WORKDIR = flags.DEFINE_string("workdir", "results/study", "Where results are written.")
_DOWNLOAD = flags.DEFINE_bool("download", True, "Download missing files (sha256-checked).")

STUDIES = ("predictive", "edit_distance", "landscape", "projection")


# ----------------------------------------------------------------------------------------------
# Encodings of benchmark rows and of arbitrary cells of the space.


class Encoding:
    """One encoding: ``table`` ``[N, D]`` over the benchmark's rows, and ``of_space(rows)`` for
    cells of the whole space (NB201 API indices / NB101 enumeration indices)."""

    def __init__(self, spec: str, bench: tabular.TabularBenchmark):
        self.spec = spec
        self.space = bench.space
        name, sep, path = spec.partition("=")
        if not sep and (spec.endswith(".npz") or os.sep in spec):
            name, path = pathlib.Path(spec).parent.name, spec
        self.name = name
        self.file = path or None
        if self.file is None:
            known = enc_lib.encoding_names(bench.space)
            if name not in known:
                raise ValueError(
                    f"unknown encoding {name!r} for {bench.space}; use one of {known} or "
                    "name=path/to/embeddings.npz"
                )
            self._lookup = None
        else:
            if not pathlib.Path(path).is_file():
                raise FileNotFoundError(f"encoding {name!r}: embeddings file {path} not found")
            with np.load(path, allow_pickle=False) as z:
                if "ids" not in z.files or "embeddings" not in z.files:
                    raise ValueError(f"{path}: expected arrays 'ids' and 'embeddings'")
                ids, emb = z["ids"], z["embeddings"].astype(np.float32)
            if emb.ndim != 2 or len(ids) != len(emb):
                raise ValueError(f"{path}: ids {ids.shape} and embeddings {emb.shape} disagree")
            self._lookup = self._make_lookup(ids, emb, path)
        self.table = self.of_bench(bench)
        self.dim = int(self.table.shape[1])

    def _make_lookup(self, ids, emb, path):
        if self.space == "nb201":
            if ids.dtype.kind not in "iu":
                raise ValueError(f"{path}: NB201 ids must be API indices (integers)")
            full = np.full((15625, emb.shape[1]), np.nan, np.float32)
            full[ids] = emb
            return lambda rows: full[np.asarray(rows)]
        # NB101: ids are official hashes (arch2vec's default) or enumeration indices.
        if ids.dtype.kind in "iu":
            pos = {int(i): p for p, i in enumerate(ids)}
            key_of = lambda rows: [int(r) for r in rows]  # noqa: E731
        else:
            pos = {str(h): p for p, h in enumerate(ids)}
            hashes = nb101.all_hashes()
            key_of = lambda rows: [str(hashes[int(r)]) for r in rows]  # noqa: E731

        def lookup(rows):
            p = np.array([pos.get(k, -1) for k in key_of(rows)])
            out = emb[np.maximum(p, 0)].copy()
            out[p < 0] = np.nan
            return out

        return lookup

    def of_space(self, rows) -> np.ndarray:
        rows = np.asarray(rows)
        if self._lookup is not None:
            x = self._lookup(rows)
        elif self.space == "nb201":
            from jaxnas.spaces import nb201

            x = enc_lib.encode("nb201", self.name, nb201.all_cells()[rows])
        else:
            a, o = nb101.enumerate_cells()
            x = enc_lib.encode("nb101", self.name, (a[rows], o[rows]))
        x = np.asarray(x, np.float32)
        if not np.isfinite(x).all():
            missing = int((~np.isfinite(x).all(1)).sum())
            raise ValueError(
                f"encoding {self.name!r} ({self.file}) has no finite embedding for {missing} of "
                f"the {len(rows)} requested {self.space} cells"
            )
        return x

    def of_bench(self, bench) -> np.ndarray:
        if bench.space == "nb201":
            return self.of_space(np.arange(bench.size))  # rows are API indices
        return self.of_space(bench.arch["enumeration_index"])


def load_benchmark(c):
    if c.benchmark == "nb201":
        return builtin.nb201(c.dataset, _DATA_DIR.value, download=_DOWNLOAD.value)
    if c.benchmark == "nb101_20k":
        return builtin.nb101_20k(_DATA_DIR.value, download=_DOWNLOAD.value)
    raise ValueError(f"unknown benchmark {c.benchmark!r}; use 'nb201' or 'nb101_20k'")


def _write_atomic(path: pathlib.Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)  # mkstemp creates 0600
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# The four studies.


def run_predictive(c, encs, y, key) -> dict:
    p = c.predictive
    out = {}
    for e in encs:
        t0 = time.time()
        out[e.name] = predictive.study(
            key, e.table, y, num_train=p.num_train, num_seeds=p.num_seeds,
            threshold=p.threshold, gp_steps=p.gp_steps, learning_rate=p.learning_rate,
        )  # fmt: skip
        r = out[e.name]
        logging.info("predictive %s: RMSE %.4f+-%.4f  r %.3f+-%.3f  (%.1f s)", e.name,
                     r["rmse_mean"], r["rmse_std"], r["pearson_mean"], r["pearson_std"],
                     time.time() - t0)  # fmt: skip
    return out


def run_edit_distance(c, encs, space, key, workdir) -> dict:
    t0 = time.time()
    steps = c.edit_distance.walk_steps
    if space == "nb201":
        walk = smoothness.nb201_walk(key, steps)
    else:
        walk = smoothness.nb101_walk(key, steps)
    i, j = smoothness.walk_pairs(len(walk), c.edit_distance.max_lag)
    edit = smoothness.walk_edit_distances(space, walk, i, j)
    logging.info("edit_distance: %d-step walk of single edits, %d pairs (%.1f s)", steps, len(i),
                 time.time() - t0)  # fmt: skip
    out = {"walk": walk.tolist(), "max_lag": c.edit_distance.max_lag, "pair_i": i.tolist(),
           "pair_j": j.tolist(), "edit_distance": edit.tolist(), "encodings": {}}  # fmt: skip
    pairs = {}
    for e in encs:
        pairs[e.name] = smoothness.distance_vs_edit(e.of_space(walk), edit, i, j)
        import scipy.stats

        rho = scipy.stats.spearmanr(pairs[e.name][:, 0], pairs[e.name][:, 1]).statistic
        out["encodings"][e.name] = {
            "l2": pairs[e.name][:, 1].tolist(),
            "box": smoothness.box_stats(pairs[e.name]),
            "spearman": float(rho),
        }
    out["figures"] = [
        p.name
        for p in smoothness.plot_distance_vs_edit(
            pairs, workdir / "distance_vs_edit", f"L2 distance vs edit distance ({space} walk)"
        )
    ]
    return out


def run_landscape(c, encs, bench, y, key, workdir) -> dict:
    L = c.landscape
    t0 = time.time()
    opt = int(np.argmax(y))
    if bench.space == "nb201":
        e2o = smoothness.edit_to_optimum("nb201", bench.arch["cells"], opt)
    else:
        e2o = smoothness.edit_to_optimum("nb101", (bench.arch["adjacency"], bench.arch["ops"]), opt)
    logging.info("landscape: edit distances to the optimum (%.1f s)", time.time() - t0)
    out = {"optimum_row": opt, "optimum_key": str(bench.keys[opt]), "encodings": {}}
    for e in encs:
        t0 = time.time()
        out["encodings"][e.name] = smoothness.landscape_study(
            key, e.table, y, bench.neighbours, num_walks=L.num_walks, walk_length=L.walk_length,
            max_shift=L.max_shift, knn=L.knn, edit_to_opt=e2o,
        )  # fmt: skip
        r = out["encodings"][e.name]
        logging.info("landscape %s: FDC %.3f, RWA(1) %.3f (L2) / %.3f (edits) (%.1f s)", e.name,
                     r["fdc_embedding"], r["rwa_embedding"][0], r["rwa_discrete"][0],
                     time.time() - t0)  # fmt: skip
    out["fdc_discrete"] = smoothness.discrete_fdc(y, e2o)
    out["figures"] = [
        p.name for p in smoothness.plot_figure6(out["encodings"], workdir / "figure6", bench.name)
    ]
    return out


def run_projection(c, encs, y, key, workdir, title) -> dict:
    P = c.projection
    methods = [m for m in P.methods if m in projection.available_methods()]
    skipped = [m for m in P.methods if m not in methods]
    if skipped:
        logging.info("projection: %s not available here (skipped)", skipped)
    rows = projection.subsample(jax.random.fold_in(key, 0), len(y), P.max_points)
    points = {}
    for e in encs:
        for m in methods:
            t0 = time.time()
            points[(m, e.name)] = projection.project(
                e.table[rows], m, jax.random.fold_in(key, 1), perplexity=P.perplexity
            )
            logging.info("projection %s %s: %d points (%.1f s)", m, e.name, len(rows),
                         time.time() - t0)  # fmt: skip
    colors = {e.name: y[rows] for e in encs}
    files = projection.plot(points, colors, workdir / "projection", title)
    return {"methods": methods, "skipped": skipped, "num_points": int(len(rows)),
            "figures": [p.name for p in files]}  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Tables.


def _pm(m, s, digits=3) -> str:
    return f"{m:.{digits}f}±{s:.{digits}f}"


def markdown(res: dict) -> str:
    lines = [f"# Embedding study: {res['benchmark']} ({res['metric']})", "",
             f"Data: {res['source']}", ""]  # fmt: skip
    encs = res["encodings"]
    if "predictive" in res:
        p = next(iter(res["predictive"].values()))
        lines += [
            f"## Predictive performance (GP on {p['num_train']} architectures, "
            f"{p['num_seeds']} seeds, scored on accuracy > {p['threshold']})",
            "",
            "| encoding | dim | RMSE | Pearson r | scored | seed RMSE | seed r |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, r in res["predictive"].items():
            ref = next((v for k, v in predictive.SEED_NUMBERS.items() if name.startswith(k)), None)
            sr = _pm(*ref["rmse"]) if ref else "-"
            sp = _pm(*ref["pearson"], 2) if ref else "-"
            lines.append(
                f"| {name} | {encs[name]['dim']} | {_pm(r['rmse_mean'], r['rmse_std'])} | "
                f"{_pm(r['pearson_mean'], r['pearson_std'])} | {int(np.mean(r['num_eval']))} | "
                f"{sr} | {sp} |"
            )
        lines += ["", "Seed: supervised 0.038±0.025 / 0.53±0.09, arch2vec 0.018±0.001 / "
                  "0.67±0.02 (RMSE / Pearson r).", ""]  # fmt: skip
    if "edit_distance" in res:
        ed = res["edit_distance"]
        eds = sorted({b["edit_distance"] for v in ed["encodings"].values() for b in v["box"]})
        lines += [
            f"## L2 distance vs graph edit distance ({len(ed['walk']) - 1}-step walk of single "
            f"edits, {len(ed['edit_distance'])} pairs at most {ed['max_lag']} steps apart "
            "(0: from the start); median L2 distance per edit distance)",
            "",
            "| encoding | Spearman | " + " | ".join(f"ed {e}" for e in eds) + " |",
            "|---|---|" + "---|" * len(eds),
        ]
        for name, v in ed["encodings"].items():
            med = {b["edit_distance"]: b["median"] for b in v["box"]}
            cells = " | ".join(f"{med[e]:.3g}" if e in med else "-" for e in eds)
            lines.append(f"| {name} | {v['spearman']:.3f} | {cells} |")
        lines.append("")
    if "landscape" in res:
        la = res["landscape"]
        any_r = next(iter(la["encodings"].values()))
        lines += [
            f"## Landscape ({any_r['num_walks']} walks of {any_r['walk_length']} steps; "
            f"encoding-space walk: {any_r['knn']} nearest neighbours)",
            "",
            f"FDC with edit distance (discrete space): {la['fdc_discrete']:.3f}; "
            f"optimum {la['optimum_key']}.",
            "",
            "| encoding | FDC (L2) | RWA r(1) L2 walk | RWA r(10) L2 walk | RWA r(1) edits | "
            "RWA r(10) edits | stuck steps (edits) | share within 10% of max distance |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r in la["encodings"].items():
            i10 = min(9, len(r["rwa_embedding"]) - 1)
            j = int(np.argmin(np.abs(np.asarray(r["radii_fraction"]) - 0.1)))
            lines.append(
                f"| {name} | {r['fdc_embedding']:.3f} | {r['rwa_embedding'][0]:.3f} | "
                f"{r['rwa_embedding'][i10]:.3f} | {r['rwa_discrete'][0]:.3f} | "
                f"{r['rwa_discrete'][i10]:.3f} | {r['stuck_fraction_discrete']:.3f} | "
                f"{r['share_within'][j]:.4f} |"
            )
        lines.append("")
    if "projection" in res:
        pr = res["projection"]
        lines += [f"## Projections: {', '.join(pr['methods'])} of {pr['num_points']} "
                  f"architectures ({', '.join(pr['figures'])})", ""]  # fmt: skip
    return "\n".join(lines)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    c = _CONFIG.value
    bad = [s for s in c.studies if s not in STUDIES]
    if bad:
        raise ValueError(f"unknown studies {bad}; choose from {STUDIES}")
    workdir = pathlib.Path(_WORKDIR.value)
    workdir.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    bench = load_benchmark(c)
    if c.metric not in bench.metrics:
        raise ValueError(f"{bench.name} has no metric {c.metric!r}: {sorted(bench.metrics)}")
    y_all = np.nanmean(np.asarray(bench.metrics[c.metric])[:, -1, :], axis=-1)
    if not np.isfinite(y_all).all():
        raise ValueError(f"{bench.name}: {c.metric} is missing for some architectures")
    encs = []
    for spec in c.encodings:
        t0 = time.time()
        encs.append(Encoding(spec, bench))
        logging.info("encoding %s: [%d, %d] (%.1f s)", encs[-1].name, bench.size, encs[-1].dim,
                     time.time() - t0)  # fmt: skip
    names = [e.name for e in encs]
    if len(set(names)) != len(names):
        raise ValueError(f"encoding names must be unique, got {names}")
    res = {
        "benchmark": bench.name,
        "metric": c.metric,
        "source": bench.source,
        "num_architectures": int(bench.size),
        "encodings": {e.name: {"spec": e.spec, "file": e.file, "dim": e.dim} for e in encs},
        "config": c.to_dict(),
    }
    key = jax.random.key(c.seed)
    jpath, mpath = workdir / "study.json", workdir / "study.md"
    for i, study in enumerate(s for s in STUDIES if s in c.studies):
        t0 = time.time()
        k = jax.random.fold_in(key, i)
        logging.info("study %s ...", study)
        if study == "predictive":
            res[study] = run_predictive(c, encs, y_all, k)
        elif study == "edit_distance":
            res[study] = run_edit_distance(c, encs, bench.space, k, workdir)
        elif study == "landscape":
            res[study] = run_landscape(c, encs, bench, y_all, k, workdir)
        else:
            res[study] = run_projection(c, encs, y_all, k, workdir, bench.name)
        res.setdefault("wall_time_s", {})[study] = time.time() - t0
        _write_atomic(jpath, json.dumps(res, indent=1))
        _write_atomic(mpath, markdown(res) + "\n")
        logging.info("study %s done in %.1f s", study, time.time() - t0)
    res["wall_time_s"]["total"] = time.time() - t_start
    _write_atomic(jpath, json.dumps(res, indent=1))
    text = markdown(res)
    _write_atomic(mpath, text + "\n")
    print(text)


if __name__ == "__main__":
    app.run(main)
