"""NAS-Bench-x11 surrogate evaluation: the seed's Table 3 on the learning curves available
offline, and its figure.

For every dataset of a table config (``experiments/configs/x11.py``) and every combination
compressor x mean model x noise model, :func:`evaluate_dataset` fits the surrogate on the training
split and evaluates it on the test split: per-epoch R^2 and Kendall tau of the mean curve (avg
over epochs, final), spike-anomaly rate of noisy curves, and the KL divergence where multi-seed
truth exists (NB111-4: the 3-seed NB101-EC cells; NB-NLP and TaskSet have one run per
architecture, so no KL; NB311-YAHPO: generated curves with declared noise, several noisy seeds
per genotype). :func:`run_table` runs a whole config and writes the results;
:func:`table_markdown` puts them beside the seed's Table 3 (:data:`SEED_TABLE3`, different
datasets); :func:`plot_file` draws the saved test curves. The binaries are
``experiments.x11_table`` and ``experiments.x11_plot``.

Reference: automl/nas-bench-x11 (``nas_bench_x11/`` surrogate models and the paper's Table 3).
"""

from __future__ import annotations

import dataclasses
import pathlib
import time

import jax
import numpy as np
from absl import logging

from jaxnas import io
from jaxnas.analysis import published
from jaxnas.benchmarks import nb111, nb311
from jaxnas.data import errors
from jaxnas.surrogates import compress, datasets, mean_models, metrics, vae
from jaxnas.surrogates import surrogate as sg

# NAS-Bench-x11 Table 3 as printed in the seed (avg R^2, final R^2, avg KT, final KT, avg KL,
# final KL); None where the seed prints no number. Different datasets from ours (see docstring).
SEED_TABLE3 = published.table("x11_table3")


def surrogate_config(c, compressor: str, mean_model: str, noise: str, k: int, dataset: str = ""):
    """The :class:`~jaxnas.surrogates.surrogate.SurrogateConfig` of one combination under the
    presets of the table config ``c`` (``experiments/configs/x11.py``); the SVD is standardised
    per epoch for ``dataset == 'nb111-4'`` when ``c.nb111_svd_standardize``."""
    lgb = mean_models.REFERENCE_LGB if c.lgb_preset == "reference" else mean_models.FAST_LGB
    xgb = mean_models.REFERENCE_XGB if c.xgb_preset == "reference" else mean_models.FAST_XGB
    return sg.SurrogateConfig(
        compressor=compressor,
        num_components=k,
        mean_model=mean_model,
        lgb=dataclasses.replace(lgb, num_threads=c.lgb_threads),
        xgb=dataclasses.replace(xgb, num_threads=c.lgb_threads),
        mlp=mean_models.FAST_MLP if c.mlp_preset == "fast" else mean_models.MLPConfig(),
        vae=vae.FAST_VAE if c.vae_preset == "fast" else vae.VAEConfig(),
        noise=noise,
        gkde_reference_clip=c.gkde_reference_clip,
        svd_standardize=bool(dataset == "nb111-4" and c.get("nb111_svd_standardize", False)),
        window=c.window,
    )


def load(c, name: str, data_dir, download: bool):
    """[(CurveDataset, MultiSeedRuns | None, exact mean curves [N, E] | None, note | None)] for
    one config dataset name (the exact mean curves exist only for the generated NB311-YAHPO)."""
    if name == "nlp-wt2":
        d = datasets.nlp_wt2(data_dir, c.nlp_first_epochs, download=download)
        return [(d, None, None, None)]
    if name == "nlp-wt2-graph":
        return [(datasets.nlp_wt2(data_dir, 0, download=download), None, None, None)]
    if name == "taskset":
        return [
            (datasets.taskset(t, data_dir, download=download), None, None, None)
            for t in c.taskset_tasks
        ]
    if name == "nb111-4":
        d = nb111.dataset(data_dir, download=download)
        ec = nb111.ec_runs(data_dir, download=download)
        keep = ~np.isin(d.keys, ec.keys)  # the EC cells are held out for the KL
        note = None
        thr = float(c.get("nb111_failed_threshold", 0.0))
        if thr > 0:
            failed = nb111.failed_runs(d.curves, thr) & keep
            keep &= ~failed
            note = (
                f"nb111-4: {int(failed.sum())} failed runs (valid acc <= {thr} at 12, 36 or 108 "
                f"epochs) excluded from fitting and from the test metrics. Unlike the seed, "
                f"no NB101 tabular values are input features (here they are the target)"
            )
        d = d._replace(**{f: getattr(d, f)[keep] for f in ("keys", "encodings", "curves")})
        return [(d._replace(full_time=d.full_time[keep]), ec, None, note)]
    if name == "nb311-yahpo":
        scale = float(c.get("nb311_noise_scale", 0.0))
        d, runs, exact = nb311.yahpo_curves(
            data_dir,
            c.nb311_num_archs,
            0,
            c.nb311_noise_std,
            download=download,
            noise_scale=scale or None,
            return_mean=True,
        )
        return [(d, runs, exact, None)]
    raise ValueError(f"unknown dataset {name!r}")


def subsample(d: datasets.CurveDataset, max_rows: int, seed: int) -> datasets.CurveDataset:
    """At most ``max_rows`` rows of ``d`` (a seeded random subset, in the original order)."""
    if not max_rows or len(d.curves) <= max_rows:
        return d
    rows = np.sort(np.random.default_rng(seed).permutation(len(d.curves))[:max_rows])
    return d._replace(
        keys=d.keys[rows],
        encodings=d.encodings[rows],
        curves=d.curves[rows],
        full_time=d.full_time[rows],
    )


def evaluate_dataset(
    c,
    d: datasets.CurveDataset,
    ec,
    seed: int,
    curves_dir: pathlib.Path | None = None,
    exact=None,
) -> list[dict]:
    """Rows of results for every combination on one dataset and seed.

    With ``exact`` (the noise-free mean curves ``[N, E]`` aligned with ``d``'s rows, known for
    generated data only) every row carries the ceiling: the avg/final R^2 of the exact mean
    curve against the noisy test curves, the best any model can score.

    With ``curves_dir``, the test curves (true, mean, three noisy draws) of every combination
    are saved as ``<dataset>__<combination>__s<seed>.npz`` for ``experiments.x11_plot``.
    """
    tr, va, te = datasets.split(len(d.curves), seed, tuple(c.split))
    k = c.num_components
    if k and k >= d.curves.shape[1]:
        k = d.curves.shape[1] - 1  # short curves (NB111-4): keep residuals non-zero
    key = jax.random.key(seed)
    k_chosen, k_err = compress.choose_k(d.curves[tr], d.curves[va])
    ceiling = {"ceiling_avg_r2": None, "ceiling_final_r2": None}
    if exact is not None:
        cm = metrics.curve_metrics(d.curves[te], np.asarray(exact)[te])
        ceiling = {"ceiling_avg_r2": cm["avg_r2"], "ceiling_final_r2": cm["final_r2"]}
    rows = []
    for ci, comp in enumerate(c.compressors):
        for mi, mm in enumerate(c.mean_models):
            base = None
            for ni, nz in enumerate(c.noise_models):
                cfg = surrogate_config(c, comp, mm, nz, k, d.name)
                kf = jax.random.fold_in(key, 100 * ci + 10 * mi)
                t0 = time.perf_counter()
                if base is None:
                    s = sg.fit(kf, d.encodings[tr], d.curves[tr], cfg, d.curves[va])
                else:
                    s = sg.refit_noise(base, cfg, d.encodings[tr], d.curves[tr])
                fit_s = time.perf_counter() - t0
                base = base or s
                kq = jax.random.fold_in(kf, 1 + ni)
                sg.query(s, d.encodings[te], kq)  # warm-up: compile before timing
                t0 = time.perf_counter()
                mean = sg.query(s, d.encodings[te], with_noise=False)
                q_mean = time.perf_counter() - t0
                t0 = time.perf_counter()
                noisy = sg.query(s, d.encodings[te], kq)
                q_noise = time.perf_counter() - t0
                row = {
                    "dataset": d.name,
                    "source": d.source,
                    "combination": cfg.name,
                    "seed": seed,
                    "split_sizes": [len(tr), len(va), len(te)],
                    "num_components": s.compressor.num_components,
                    "k_chosen_by_heldout_error": k_chosen,
                    "heldout_reconstruction_mse": [float(v) for v in k_err],
                    **metrics.curve_metrics(d.curves[te], mean),
                    **ceiling,
                    "spike_anomaly_rate": metrics.spike_anomaly_rate(
                        d.curves[te], noisy, d.higher_is_better
                    ),
                    "fit_seconds": round(fit_s, 3),
                    "fit_note": "full fit" if base is s else "noise model refitted only",
                    "query_mean_seconds": round(q_mean, 4),
                    "query_noise_seconds": round(q_noise, 4),
                    "avg_kl": None,
                    "final_kl": None,
                    "kl_note": "no multi-seed truth (one run per architecture)",
                }
                if ec is not None:
                    held = ~np.isin(ec.keys, np.concatenate([d.keys[tr], d.keys[va]]))
                    smp = sg.sample_curves(
                        s, ec.encodings[held], jax.random.fold_in(kq, 7), c.kl_samples
                    )
                    kl = metrics.kl_multi_seed(ec.runs[held], smp)
                    row.update(
                        avg_kl=float(kl.mean()),
                        final_kl=float(kl[-1]),
                        kl_note=f"{int(held.sum())} held-out archs x {ec.runs.shape[1]} seeds "
                        f"({ec.source}) vs {c.kl_samples} surrogate draws",
                    )
                rows.append(row)
                if curves_dir is not None:
                    draws = sg.sample_curves(s, d.encodings[te], jax.random.fold_in(kq, 3), 3)
                    io.write_npz(
                        curves_dir / f"{d.name}__{cfg.name}__s{seed}.npz",
                        true=d.curves[te],
                        mean=mean,
                        draws=draws,
                        epochs=d.epochs,
                        higher_is_better=d.higher_is_better,
                    )
                logging.info(
                    "%s %s: avg R2 %.3f, final R2 %.3f",
                    d.name,
                    cfg.name,
                    row["avg_r2"],
                    row["final_r2"],
                )
    return rows


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def table_markdown(rows: list[dict], notes: list[str]) -> str:
    """Our results (mean over seeds) beside the seed's Table 3."""
    out = ["# NAS-Bench-x11 surrogates on the curves available offline", ""]
    out += [f"- {n}" for n in notes]
    seen = {}
    for r in rows:
        seen.setdefault(r["dataset"], r)
    for ds, r in seen.items():
        err = ", ".join(f"{v:.2e}" for v in r["heldout_reconstruction_mse"])
        out.append(
            f"- {ds}: SVD k chosen by held-out reconstruction error (elbow, k = 1..12): "
            f"{r['k_chosen_by_heldout_error']} (MSE per k: {err})"
        )
    out.append("")
    out += [
        "| dataset | combination | avg R2 | final R2 | ceiling R2 (avg/final) | avg KT | final KT "
        "| avg KL | final KL | spike rate | k | fit s | query s (mean/noisy, test set) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["dataset"], r["combination"]), []).append(r)
    for (ds, comb), rs in groups.items():

        def m(f, rs=rs):
            v = [r.get(f) for r in rs if r.get(f) is not None]
            return float(np.mean(v)) if v else None

        out.append(
            f"| {ds} | {comb} | {_fmt(m('avg_r2'))} | {_fmt(m('final_r2'))} | "
            f"{_fmt(m('ceiling_avg_r2'))}/{_fmt(m('ceiling_final_r2'))} | "
            f"{_fmt(m('avg_kt'))} | {_fmt(m('final_kt'))} | {_fmt(m('avg_kl'))} | "
            f"{_fmt(m('final_kl'))} | {_fmt(m('spike_anomaly_rate'))} | "
            f"{rs[0]['num_components']} | {m('fit_seconds'):.2f} | "
            f"{m('query_mean_seconds'):.4f}/{m('query_noise_seconds'):.4f} |"
        )
    out += [
        "",
        "## The seed's Table 3 (NAS-Bench-x11 paper; *different datasets*: NB111 = NB101 "
        "108-epoch curves, NB311 = NB301 curves, NLP11 = NB-NLP PTB curves)",
        "",
        "| benchmark | combination | avg R2 | final R2 | avg KT | final KT | avg KL | final KL |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for bench, combos in SEED_TABLE3.items():
        for comb, vals in combos.items():
            out.append(f"| {bench} | {comb} | " + " | ".join(_fmt(v) for v in vals) + " |")
    return "\n".join(out) + "\n"


def run_table(c, data_dir, workdir, download: bool = True) -> tuple[list[dict], str]:
    """The whole table for config ``c``: every dataset, seed and combination.

    Writes under ``workdir`` (atomically): ``x11_results.jsonl`` (rewritten after every dataset,
    so finished datasets survive an interruption), ``x11_table.md`` and ``curves/*.npz``.
    Datasets whose files are missing are skipped with a note.

    Returns:
      ``(rows, markdown)``.
    """
    workdir = pathlib.Path(workdir)
    if "xgb" in c.mean_models:
        mean_models.import_xgboost()  # a clear error before hours of fitting
    rows, notes = [], []
    notes.append(
        f"LightGBM preset: {c.lgb_preset}; XGBoost preset: {c.xgb_preset}; MLP preset: "
        f"{c.mlp_preset}; VAE preset: "
        f"{c.vae_preset}; k = {c.num_components or 'chosen by held-out error'}; "
        f"seeds {list(c.seeds)}."
    )
    for name in c.datasets:
        try:
            loaded = load(c, name, data_dir, download)
        except (errors.DataNotFoundError, errors.DownloadError) as e:
            notes.append(f"{name}: skipped ({e})")
            logging.warning("%s skipped: %s", name, e)
            continue
        for d, ec, exact, note in loaded:
            if note:
                notes.append(note)
            for seed in c.seeds:
                d_s = subsample(d, c.max_rows, seed)
                ex = None
                if exact is not None:
                    pos = {k: i for i, k in enumerate(d.keys)}
                    ex = np.asarray(exact)[[pos[k] for k in d_s.keys]]
                notes.append(
                    f"{d_s.name}: {len(d_s.curves)} curves x {d_s.curves.shape[1]} "
                    f"points; {d_s.source}"
                )
                rows.extend(evaluate_dataset(c, d_s, ec, seed, workdir / "curves", ex))
                io.write_jsonl(workdir / "x11_results.jsonl", rows)
    io.write_jsonl(workdir / "x11_results.jsonl", rows)
    md = table_markdown(rows, sorted(set(notes), key=notes.index))
    io.write_text(workdir / "x11_table.md", md)
    return rows, md


def plot_file(src: pathlib.Path, dst: pathlib.Path, num_archs: int, seed: int) -> None:
    """Writes the three-panel figure of one saved ``.npz`` of :func:`evaluate_dataset`
    (atomically): true vs surrogate curves (mean and noisy draws) for ``num_archs`` random test
    architectures (the seed's figure), residual histograms at five epochs, and the per-epoch R^2
    of the mean curve. Needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with np.load(src) as f:
        true, mean, draws, epochs = f["true"], f["mean"], f["draws"], f["epochs"]
    rows = np.random.default_rng(seed).choice(len(true), min(num_archs, len(true)), replace=False)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, i in enumerate(rows):
        col = colors[j % len(colors)]
        axes[0].plot(epochs, true[i], color=col, lw=1.8, label="true" if j == 0 else None)
        axes[0].plot(
            epochs, mean[i], color=col, ls="--", label="surrogate mean" if j == 0 else None
        )
        for k in range(draws.shape[1]):
            axes[0].plot(
                epochs, draws[i, k], color=col, lw=0.6, alpha=0.5,
                label="surrogate draws" if j == 0 and k == 0 else None,
            )  # fmt: skip
    axes[0].set(xlabel="epoch", ylabel="value", title="true vs surrogate (test archs)")
    axes[0].legend()
    res = true - mean
    for e in np.unique(np.linspace(0, len(epochs) - 1, 5).astype(int)):
        axes[1].hist(res[:, e], bins=30, alpha=0.5, label=f"epoch {epochs[e]}")
    axes[1].set(xlabel="true - mean", ylabel="count", title="residuals")
    axes[1].legend()
    axes[2].plot(epochs, metrics.per_epoch_r2(true, mean), marker=".")
    axes[2].set(xlabel="epoch", ylabel="R^2", title="per-epoch R^2 of the mean curve")
    fig.suptitle(src.stem.replace("__", "  "))
    fig.tight_layout()
    with io.atomic_open(dst, "wb") as f:
        fig.savefig(f, format="png", dpi=90)
    plt.close(fig)
