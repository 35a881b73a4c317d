r"""Benchmark: searches vmapped over seeds vs a Python loop over seeds (same runs).

    python -m experiments.benchmarks.search_vmap --data_dir=../shared/data \
        [--rea_seeds=500] [--bo_seeds=20] [--num_queries=100] [--embedding=path.npy]

Runs regularised evolution on NB201 CIFAR-10 for ``--rea_seeds`` seeds as one
``jit(vmap(scan))`` call and as a loop calling a jitted single-seed run once per seed, and the
same for DNGO-BO (on ``--embedding``, a ``[15625, D]`` ``.npy`` table such as arch2vec's, else
the adjacency one-hot encoding) with ``--bo_seeds`` seeds. Both paths are compiled first (the
compile time is printed separately); the runs must agree (REA exactly; BO on the random initial
design). Prints both times and the ratio. All numbers come from this run.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from jaxnas import encodings  # noqa: E402
from jaxnas.benchmarks import builtin  # noqa: E402
from jaxnas.search import base, bayesopt, evolution, problem  # noqa: E402

_DATA_DIR = flags.DEFINE_string("data_dir", None, "Benchmark data directory.")
_REA_SEEDS = flags.DEFINE_integer("rea_seeds", 500, "Seeds of regularised evolution.")
_BO_SEEDS = flags.DEFINE_integer("bo_seeds", 20, "Seeds of DNGO-BO (0: skip).")
_QUERIES = flags.DEFINE_integer("num_queries", 100, "Queries per run.")
_BO_QUERIES = flags.DEFINE_integer("bo_queries", 50, "Queries per BO run.")
_EMBEDDING = flags.DEFINE_string("embedding", None, "[15625, D] .npy encoding table for BO.")
_BO_EPOCHS = flags.DEFINE_integer("bo_epochs", 100, "DNGO MLP epochs per round.")


def _time(fn):
    t = time.time()
    out = jax.block_until_ready(fn())
    return out, time.time() - t


def compare(name, searcher, prob, seeds, num_queries, exact_prefix):
    keys = base.seed_keys(seeds)
    one = jax.jit(base.run, static_argnums=(0, 3))
    _, c_vmap = _time(lambda: base.run_seeds(searcher, prob, keys, num_queries))
    _, c_one = _time(lambda: one(searcher, prob, keys[0], num_queries))
    tv, t_vmap = _time(lambda: base.run_seeds(searcher, prob, keys, num_queries))
    loop, t_loop = _time(lambda: [one(searcher, prob, k, num_queries) for k in keys])
    idx_loop = np.stack([np.asarray(t.index) for t in loop])
    n = num_queries if exact_prefix is None else exact_prefix
    agree = bool((np.asarray(tv.index)[:, :n] == idx_loop[:, :n]).all())
    same_final = float(
        np.mean(np.asarray(tv.best_y[:, -1]) == np.stack([np.asarray(t.best_y[-1]) for t in loop]))
    )
    print(
        f"{name}: {len(seeds)} seeds x {num_queries} queries | vmapped {t_vmap:.3f} s, "
        f"Python loop {t_loop:.3f} s, speed-up x{t_loop / t_vmap:.1f} | compile: vmapped "
        f"{c_vmap:.1f} s, single {c_one:.1f} s | first {n} queries identical: {agree}; "
        f"identical final incumbent in {100 * same_final:.0f}% of seeds | "
        f"mean final valid {100 * float(tv.best_y[:, -1].mean()):.2f}%"
    )


def main(argv):
    del argv
    bench = builtin.nb201("cifar10", _DATA_DIR.value, download=False)
    print(f"jax {jax.__version__}, devices {jax.devices()}, benchmark {bench.name}")
    if _REA_SEEDS.value:
        prob = problem.from_benchmark(bench, np.zeros((bench.size, 1), np.float32))
        compare(
            "REA",
            evolution.regularized_evolution(),
            prob,
            list(range(_REA_SEEDS.value)),
            _QUERIES.value,
            None,
        )
    if _BO_SEEDS.value:
        if _EMBEDDING.value:
            x, enc = np.load(_EMBEDDING.value).astype(np.float32), _EMBEDDING.value
        else:
            x = encodings.encode("nb201", "adjacency_one_hot", bench.arch["cells"])
            enc = "adjacency_one_hot"
        prob = problem.from_benchmark(bench, x)
        s = bayesopt.dngo_bo(num_init=16, num_epochs=_BO_EPOCHS.value)
        compare(
            f"DNGO-BO ({enc}, D={x.shape[1]})",
            s,
            prob,
            list(range(_BO_SEEDS.value)),
            _BO_QUERIES.value,
            16,
        )


if __name__ == "__main__":
    app.run(main)
