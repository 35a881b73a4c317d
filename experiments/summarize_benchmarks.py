r"""Prints a summary of every available benchmark: size, metric ranges, best architecture, data.

    python -m experiments.summarize_benchmarks --data_dir=../shared/data --workdir=results/bench

Builds each built-in benchmark from the real files (skipping, with the reason, those whose files
are missing) and writes ``<workdir>/benchmarks_summary.json`` atomically.
"""

from __future__ import annotations

import functools
import time

import numpy as np
from absl import app, flags, logging

from experiments import common
from jaxnas import io
from jaxnas.benchmarks import builtin, tabular
from jaxnas.data import errors

_ONLY = flags.DEFINE_list(
    "only",
    [],
    "Summarise only these benchmarks (default all): nb101-20k, nb101-ec, nb201-cifar10, "
    "nb201-cifar100, nb201-ImageNet16-120, nbnlp-wt2, nb301-yahpo.",
)

_BUILDERS = {
    "nb101-20k": (builtin.nb101_20k, "valid_acc", "max"),
    "nb101-ec": (builtin.nb101_ec, "valid_acc", "max"),
    "nb201-cifar10": (functools.partial(builtin.nb201, "cifar10"), "valid_acc", "max"),
    "nb201-cifar100": (functools.partial(builtin.nb201, "cifar100"), "valid_acc", "max"),
    "nb201-ImageNet16-120": (
        functools.partial(builtin.nb201, "ImageNet16-120"),
        "valid_acc",
        "max",
    ),
    "nbnlp-wt2": (builtin.nbnlp_wt2, "valid_loss", "min"),
}


def summarize(bench: tabular.TabularBenchmark, metric: str, mode: str) -> dict:
    metrics = {}
    for k, v in bench.metrics.items():
        last = v[:, -1]
        finite = np.isfinite(last)
        metrics[k] = {
            "final_fidelity_min": float(np.min(last[finite])) if finite.any() else None,
            "final_fidelity_max": float(np.max(last[finite])) if finite.any() else None,
            "missing_share": float(1 - finite.mean()),
        }
    i, v = tabular.best(bench, metric, -1, mode)
    return {
        "size": bench.size,
        "space": bench.space,
        "fidelities": [bench.fidelities[0], bench.fidelities[-1], len(bench.fidelities)],
        "repeats": bench.num_repeats,
        "cost_model": bench.cost_model,
        "metrics": metrics,
        "best": {"key": str(bench.keys[i]), "metric": metric, "value": v},
        "mean_neighbours": float((bench.neighbours >= 0).sum(axis=1).mean()),
        "source": bench.source,
    }


def _summarize_yahpo(data_dir) -> dict:
    """NB301-YAHPO: a surrogate; the best value is an estimate over the NB301 genotypes."""
    try:
        from jaxnas.benchmarks import yahpo_darts
    except ImportError as e:  # pragma: no cover - onnxruntime missing
        return {"skipped": f"{e} (pip install jaxnas[onnx])"}
    t0 = time.perf_counter()
    try:
        bench = yahpo_darts.nb301_yahpo(data_dir, download=common.download())
        best = yahpo_darts.best_estimate(bench, data_dir)
    except (errors.DataNotFoundError, errors.DownloadError, ImportError) as e:
        logging.warning("nb301-yahpo skipped: %s", e)
        return {"skipped": str(e)}
    print(
        f"{'nb301-yahpo':22s}  any DARTS genotype, epochs 1..{bench.fidelities[-1]}  "
        f"best valid_acc~{best['valid_acc']:.4f} (estimate)  {bench.label}"
    )
    return {
        "size": "any DARTS genotype (~1e18)",
        "space": bench.space,
        "fidelities": [bench.fidelities[0], bench.fidelities[-1], len(bench.fidelities)],
        "label": bench.label,
        "best_estimate": best,
        "source": bench.source,
        "build_seconds": round(time.perf_counter() - t0, 2),
    }


def main(argv):
    common.check_no_args(argv)
    data_dir = common.data_dir()
    names = _ONLY.value or list(_BUILDERS)
    unknown = [n for n in names if n not in _BUILDERS and n != "nb301-yahpo"]
    if unknown:
        raise app.UsageError(f"unknown benchmarks {unknown}; known: {list(_BUILDERS)}")
    out = {}
    for name in [n for n in names if n == "nb301-yahpo"]:
        out[name] = _summarize_yahpo(data_dir)
    for name in common.progress([n for n in names if n != "nb301-yahpo"], desc="benchmarks"):
        build, metric, mode = _BUILDERS[name]
        t0 = time.perf_counter()
        try:
            bench = build(data_dir, download=common.download())
        except (errors.DataNotFoundError, errors.DownloadError) as e:
            out[name] = {"skipped": str(e)}
            logging.warning("%s skipped: %s", name, e)
            continue
        out[name] = summarize(bench, metric, mode)
        out[name]["build_seconds"] = round(time.perf_counter() - t0, 2)
        s = out[name]
        print(
            f"{name:22s} {s['size']:6d} archs  {s['repeats']} repeat(s)  "
            f"best {metric}={s['best']['value']:.4f} ({s['best']['key'][:40]})  "
            f"cost={s['cost_model']}"
        )
    path = common.workdir("results/benchmarks") / "benchmarks_summary.json"
    io.write_json(path, out, indent=2)
    print(f"written to {path}")


if __name__ == "__main__":
    common.run(main)
