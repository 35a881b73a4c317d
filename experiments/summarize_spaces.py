r"""Enumerates and summarises the search spaces, checked against the real benchmark files.

Usage::

    python -m experiments.summarize_spaces --data_dir=../shared/data --workdir=results/spaces

For NAS-Bench-101 it enumerates all 423,624 unique cells (counts by vertex count), computes the
official hash of every cell, the parameter count and FLOPs of the CIFAR-10 network for every cell,
joins the 20,001 labelled models of ``nasbench_vis_data-20k.json`` by hash and reports how many
parameter counts agree with the dataset's ``trainable_parameters``. The summary is printed and
written atomically to ``<workdir>/spaces_summary.json``.
"""

from __future__ import annotations

import json
import pathlib
import time

import numpy as np
from absl import flags, logging

from experiments import common
from jaxnas import io
from jaxnas.spaces import nb101

_HASHES = flags.DEFINE_bool(
    "hashes", True, "Compute the official hash of all 423,624 cells (about 25 s, then cached)."
)


def summarize_nb101(data_dir: pathlib.Path | None, with_hashes: bool) -> dict:
    t0 = time.perf_counter()
    adjacency, ops = nb101.enumerate_cells()
    t_enum = time.perf_counter() - t0
    counts = np.bincount(nb101.num_vertices(ops), minlength=8)[2:]
    logging.info("NB101: %d cells enumerated in %.1f s", len(ops), t_enum)
    t0 = time.perf_counter()
    costs = nb101.costs_batch(adjacency, ops)
    t_costs = time.perf_counter() - t0
    out = {
        "space": "nb101",
        "num_cells": int(len(ops)),
        "cells_by_num_vertices": {str(n + 2): int(c) for n, c in enumerate(counts)},
        "enumeration_seconds": round(t_enum, 2),
        "params_range": [int(costs["params"].min()), int(costs["params"].max())],
        "flops_macs_millions_range": [float(costs["flops"].min()), float(costs["flops"].max())],
        "costs_seconds": round(t_costs, 2),
        "edges_histogram": np.bincount(adjacency.reshape(len(ops), -1).sum(axis=1)).tolist(),
    }
    if with_hashes:
        t0 = time.perf_counter()
        hashes = nb101.all_hashes()
        out["distinct_official_hashes"] = int(len(set(hashes.tolist())))
        out["hash_seconds"] = round(time.perf_counter() - t0, 2)
        f = data_dir / "nb101" / "nasbench_vis_data-20k.json" if data_dir else None
        if f is not None and f.is_file():
            d = json.loads(f.read_text())
            idx = nb101.index_of_hash(d["key"])
            found = idx >= 0
            agree = costs["params"][idx[found]] == np.asarray(d["trainable_parameters"])[found]
            out["check_20k"] = {
                "data_file": str(f),
                "models": len(d["key"]),
                "joined_by_hash": int(found.sum()),
                "params_equal_trainable_parameters": int(agree.sum()),
            }
        else:
            out["check_20k"] = "skipped: nb101/nasbench_vis_data-20k.json not found"
    return out


def main(argv):
    common.check_no_args(argv)
    summary = {"nb101": summarize_nb101(common.data_dir(), _HASHES.value)}
    path = common.workdir("results/spaces") / "spaces_summary.json"
    io.write_json(path, summary, indent=2)
    print(json.dumps(summary, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    common.run(main)
