"""Understanding embeddings: the seed's four studies for any encodings on NB201 or NB101-20k.

The logic of ``experiments.embedding_study`` (which only parses flags and loads the benchmark):
:class:`Encoding` (hand-made encodings by name, learned ones from ``embeddings.npz``, and the
leak-free supervised baseline ``'supervised'`` trained per seed), the four studies
(:func:`run_predictive`, :func:`run_edit_distance`, :func:`run_landscape`,
:func:`run_projection`), the markdown tables (:func:`markdown`) and the whole run (:func:`run`).

The predictive study follows the reference (``plot_scripts/pearson_plot_fig2.py`` of
MSU-MLSys-Lab/arch2vec): 250 training architectures, 10 seeds, scored on the test points whose
true and predicted accuracies exceed 0.8 (``score_filter='both'``). The supervised baseline
``'supervised'`` (no file) is an encoder trained on each seed's 250 labelled rows only
(:func:`jaxnas.analysis.predictive.supervised_study`); it takes part in the predictive study only
(it has no single table for the others). A ``supervised=path`` file from
``experiments.pretrain_supervised`` was trained on 90% of all labels and leaks the test labels
into the predictive study; it is refused there.
"""

from __future__ import annotations

import logging
import os
import pathlib
import time

import jax
import numpy as np
import scipy.stats

from jaxnas import embeddings as embeddings_lib
from jaxnas import encodings as enc_lib
from jaxnas import io
from jaxnas.analysis import predictive, projection, smoothness
from jaxnas.benchmarks import tabular
from jaxnas.pretrain import supervised as supervised_lib
from jaxnas.spaces import nb101, nb201

log = logging.getLogger("jaxnas.analysis.embedding_study")

PER_SEED_SUPERVISED = "supervised"
"""The encoding spec of the leak-free supervised baseline (trained per seed on its rows)."""

STUDIES = ("predictive", "edit_distance", "landscape", "projection")


# ----------------------------------------------------------------------------------------------
# Encodings of benchmark rows and of arbitrary cells of the space.


class Encoding:
    """One encoding: ``table`` ``[N, D]`` over the benchmark's rows, and ``of_space(rows)`` for
    cells of the whole space (NB201 API indices / NB101 enumeration indices)."""

    def __init__(self, spec: str, bench: tabular.TabularBenchmark, supervised_kwargs=None):
        supervised_kwargs = supervised_kwargs or {}
        self.spec = spec
        self.space = bench.space
        name, sep, path = spec.partition("=")
        if not sep and (spec.endswith(".npz") or os.sep in spec):
            name, path = pathlib.Path(spec).parent.name, spec
        self.name = name
        self.file = path or None
        self.per_seed = self.file is None and name == PER_SEED_SUPERVISED
        if self.per_seed:
            # Trained per seed on that seed's training rows (predictive study only).
            self._lookup, self.table, self.dim = (
                None,
                None,
                int(supervised_kwargs.get("latent", 16)),
            )
            self.supervised_kwargs = dict(supervised_kwargs)
            return
        if self.file is None:
            known = enc_lib.encoding_names(bench.space)
            if name not in known:
                raise ValueError(
                    f"unknown encoding {name!r} for {bench.space}; use one of {known} or "
                    "name=path/to/embeddings.npz"
                )
            self._lookup = None
        else:
            e = embeddings_lib.load(path)
            ids, emb = e.ids, e.embeddings.astype(np.float32)
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


# ----------------------------------------------------------------------------------------------
# The four studies.


def run_predictive(c, encs, y, key, bench=None) -> dict:
    """The GP predictive study of every encoding (same training rows for all: same ``key``)."""
    p = c.predictive
    score_filter = p.get("score_filter", "true")
    out = {}
    for e in encs:
        t0 = time.time()
        kw = dict(
            num_train=p.num_train,
            num_seeds=p.num_seeds,
            threshold=p.threshold,
            score_filter=score_filter,
            gp_steps=p.gp_steps,
            learning_rate=p.learning_rate,
        )
        if e.per_seed:
            lab = supervised_lib.labelled_cells(bench, c.metric)
            if len(lab.rows) != len(y):
                raise ValueError(f"{bench.name}: {c.metric} is missing for some architectures")
            out[e.name] = predictive.supervised_study(
                key, lab.adjacency, lab.ops, lab.num_ops, y, encoder_kwargs=e.supervised_kwargs,
                **kw,
            )  # fmt: skip
        else:
            if e.name.startswith("supervised") and e.file is not None:
                raise ValueError(
                    f"encoding {e.spec!r}: a supervised embeddings file was trained on the "
                    "labels the predictive study predicts (a leak); use the spec 'supervised' "
                    "(trained per seed on its training rows) instead"
                )
            out[e.name] = predictive.study(key, e.table, y, **kw)
        r = out[e.name]
        log.info("predictive %s: RMSE %.4f+-%.4f  r %.3f+-%.3f  (%.1f s)", e.name,
                 r["rmse_mean"], r["rmse_std"], r["pearson_mean"], r["pearson_std"],
                 time.time() - t0)  # fmt: skip
    return out


def run_edit_distance(c, encs, space, key, workdir) -> dict:
    encs = [e for e in encs if e.table is not None]
    t0 = time.time()
    steps = c.edit_distance.walk_steps
    if space == "nb201":
        walk = smoothness.nb201_walk(key, steps)
    else:
        walk = smoothness.nb101_walk(key, steps)
    i, j = smoothness.walk_pairs(len(walk), c.edit_distance.max_lag)
    edit = smoothness.walk_edit_distances(space, walk, i, j)
    log.info("edit_distance: %d-step walk of single edits, %d pairs (%.1f s)", steps, len(i),
                 time.time() - t0)  # fmt: skip
    out = {"walk": walk.tolist(), "max_lag": c.edit_distance.max_lag, "pair_i": i.tolist(),
           "pair_j": j.tolist(), "edit_distance": edit.tolist(), "encodings": {}}  # fmt: skip
    pairs = {}
    for e in encs:
        pairs[e.name] = smoothness.distance_vs_edit(e.of_space(walk), edit, i, j)
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
    encs = [e for e in encs if e.table is not None]
    L = c.landscape
    t0 = time.time()
    opt = int(np.argmax(y))
    if bench.space == "nb201":
        e2o = smoothness.edit_to_optimum("nb201", bench.arch["cells"], opt)
    else:
        e2o = smoothness.edit_to_optimum("nb101", (bench.arch["adjacency"], bench.arch["ops"]), opt)
    log.info("landscape: edit distances to the optimum (%.1f s)", time.time() - t0)
    out = {"optimum_row": opt, "optimum_key": str(bench.keys[opt]), "encodings": {}}
    for e in encs:
        t0 = time.time()
        out["encodings"][e.name] = smoothness.landscape_study(
            key, e.table, y, bench.neighbours, num_walks=L.num_walks, walk_length=L.walk_length,
            max_shift=L.max_shift, knn=L.knn, edit_to_opt=e2o,
        )  # fmt: skip
        r = out["encodings"][e.name]
        log.info("landscape %s: FDC %.3f, RWA(1) %.3f (L2) / %.3f (edits) (%.1f s)", e.name,
                     r["fdc_embedding"], r["rwa_embedding"][0], r["rwa_discrete"][0],
                     time.time() - t0)  # fmt: skip
    out["fdc_discrete"] = smoothness.discrete_fdc(y, e2o)
    out["figures"] = [
        p.name for p in smoothness.plot_figure6(out["encodings"], workdir / "figure6", bench.name)
    ]
    return out


def run_projection(c, encs, y, key, workdir, title) -> dict:
    encs = [e for e in encs if e.table is not None]
    P = c.projection
    methods = [m for m in P.methods if m in projection.available_methods()]
    skipped = [m for m in P.methods if m not in methods]
    if skipped:
        log.info("projection: %s not available here (skipped)", skipped)
    rows = projection.subsample(jax.random.fold_in(key, 0), len(y), P.max_points)
    points = {}
    for e in encs:
        for m in methods:
            t0 = time.time()
            points[(m, e.name)] = projection.project(
                e.table[rows], m, jax.random.fold_in(key, 1), perplexity=P.perplexity
            )
            log.info("projection %s %s: %d points (%.1f s)", m, e.name, len(rows),
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
            f"{p['num_seeds']} seeds, scored on test points with "
            f"{'true and predicted' if p.get('score_filter') == 'both' else 'true'} "
            f"accuracy > {p['threshold']})",
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


def run(c, bench: tabular.TabularBenchmark, workdir: os.PathLike) -> dict:
    """Runs the configured studies on ``bench``; writes ``study.json`` and ``study.md`` under
    ``workdir`` after each study (atomically) and the figures; returns the results dict."""
    bad = [s for s in c.studies if s not in STUDIES]
    if bad:
        raise ValueError(f"unknown studies {bad}; choose from {STUDIES}")
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    if c.metric not in bench.metrics:
        raise ValueError(f"{bench.name} has no metric {c.metric!r}: {sorted(bench.metrics)}")
    y_all = np.nanmean(np.asarray(bench.metrics[c.metric])[:, -1, :], axis=-1)
    if not np.isfinite(y_all).all():
        raise ValueError(f"{bench.name}: {c.metric} is missing for some architectures")
    sup_kw = c.get("supervised", None)
    sup_kw = sup_kw.to_dict() if hasattr(sup_kw, "to_dict") else dict(sup_kw or {})
    encs = []
    for spec in c.encodings:
        t0 = time.time()
        encs.append(Encoding(spec, bench, sup_kw))
        log.info("encoding %s: [%d, %d] (%.1f s)", encs[-1].name, bench.size, encs[-1].dim,
                 time.time() - t0)  # fmt: skip
    names = [e.name for e in encs]
    if len(set(names)) != len(names):
        raise ValueError(f"encoding names must be unique, got {names}")
    res = {
        "benchmark": bench.name,
        "metric": c.metric,
        "source": bench.source,
        "num_architectures": int(bench.size),
        "encodings": {
            e.name: {"spec": e.spec, "file": e.file, "dim": e.dim, "per_seed": e.per_seed}
            for e in encs
        },  # fmt: skip
        "config": c.to_dict() if hasattr(c, "to_dict") else dict(c),
    }
    key = jax.random.key(c.seed)
    jpath, mpath = workdir / "study.json", workdir / "study.md"
    for i, study in enumerate(s for s in STUDIES if s in c.studies):
        t0 = time.time()
        k = jax.random.fold_in(key, i)
        log.info("study %s ...", study)
        if study == "predictive":
            res[study] = run_predictive(c, encs, y_all, k, bench)
        elif study == "edit_distance":
            res[study] = run_edit_distance(c, encs, bench.space, k, workdir)
        elif study == "landscape":
            res[study] = run_landscape(c, encs, bench, y_all, k, workdir)
        else:
            res[study] = run_projection(c, encs, y_all, k, workdir, bench.name)
        res.setdefault("wall_time_s", {})[study] = time.time() - t0
        io.write_json(jpath, res, indent=1)
        io.write_text(mpath, markdown(res) + "\n")
        log.info("study %s done in %.1f s", study, time.time() - t0)
    res.setdefault("wall_time_s", {})["total"] = time.time() - t_start
    io.write_json(jpath, res, indent=1)
    io.write_text(mpath, markdown(res) + "\n")
    return res


__all__ = [
    "PER_SEED_SUPERVISED",
    "STUDIES",
    "Encoding",
    "markdown",
    "run",
    "run_edit_distance",
    "run_landscape",
    "run_predictive",
    "run_projection",
]
