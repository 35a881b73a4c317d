r"""Benchmark: searches vmapped over seeds vs a Python loop over seeds (same runs).

    python -m experiments.benchmarks.search_vmap --data_dir=../shared/data \
        [--rea_seeds=500] [--bo_seeds=20] [--num_queries=100] \
        [--embedding=results/arch2vec_nb201_reference/embeddings.npz] [--breakdown_seeds=50]

Runs regularised evolution on NB201 CIFAR-10 for ``--rea_seeds`` seeds as one
``jit(vmap(scan))`` call and as a loop calling a jitted single-seed run once per seed, and the
same for DNGO-BO (arch2vec-BO with ``--embedding``: an ``embeddings.npz`` aligned by id, or a
``[15625, D]`` ``.npy`` table; else the adjacency one-hot encoding) with ``--bo_seeds`` seeds.
Both paths are compiled first (the compile time is printed separately); the runs must agree
(REA exactly; BO on the random initial design). Prints both times and the ratio. With
``--breakdown_seeds`` it also times a BO round's two parts separately, vmapped and looped: the
DNGO fit (a long chain of tiny Adam steps: latency-bound for one seed, so vmap amortises it)
and the pool prediction (the BLR variance ``phi^T A^-1 phi`` over all 15,625 rows: a
``[15625, 128] x [128, 128]`` product per seed and round, FLOP-bound, so vmap cannot make it
cheaper on a CPU). All numbers come from this run.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import flags

from experiments import common
from jaxnas import benchmarks
from jaxnas.predictors import dngo
from jaxnas.search import base, problem, registry

_REA_SEEDS = flags.DEFINE_integer("rea_seeds", 500, "Seeds of regularised evolution.")
_BO_SEEDS = flags.DEFINE_integer("bo_seeds", 20, "Seeds of DNGO-BO (0: skip).")
_QUERIES = flags.DEFINE_integer("num_queries", 100, "Queries per run.")
_BO_QUERIES = flags.DEFINE_integer("bo_queries", 50, "Queries per BO run.")
_EMBEDDING = flags.DEFINE_string(
    "embedding",
    None,
    "BO's encoding: an arch2vec embeddings.npz (aligned by id) or a [15625, D] .npy table "
    "(default: the adjacency one-hot encoding).",
)
_BO_EPOCHS = flags.DEFINE_integer("bo_epochs", 100, "DNGO MLP epochs per round.")
_BREAKDOWN = flags.DEFINE_integer(
    "breakdown_seeds",
    0,
    "If > 0: also time one BO round's two parts (DNGO fit on a 40-point history; EI inputs "
    "over the whole pool) for this many seeds, vmapped and as a loop.",
)


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


def breakdown(prob, num_seeds: int, num_epochs: int) -> None:
    """Times one BO round's parts per seed: where vmap helps and where it cannot."""
    surrogate = dngo.make(num_epochs=num_epochs)
    t, n = 50, prob.size
    keys = jax.random.split(jax.random.key(0), num_seeds)
    idx = jax.random.randint(jax.random.key(1), (num_seeds, t), 0, n)
    y = prob.y[idx, 0]
    mask = jnp.broadcast_to(jnp.arange(t) < 40, (num_seeds, t))
    fit1 = jax.jit(lambda k, i, v, m: surrogate.fit(k, prob.x[i], v, m))
    fitv = jax.jit(jax.vmap(fit1))
    pred1 = jax.jit(lambda m: surrogate.predict(m, prob.x))
    predv = jax.jit(jax.vmap(pred1))
    models, _ = _time(lambda: fitv(keys, idx, y, mask))
    _, _ = _time(lambda: fit1(keys[0], idx[0], y[0], mask[0]))
    _, f_v = _time(lambda: fitv(keys, idx, y, mask))
    _, f_l = _time(lambda: [fit1(keys[r], idx[r], y[r], mask[r]) for r in range(num_seeds)])
    one = [jax.tree.map(lambda a, r=r: a[r], models) for r in range(num_seeds)]
    _ = _time(lambda: predv(models)), _time(lambda: pred1(one[0]))
    _, p_v = _time(lambda: predv(models))
    _, p_l = _time(lambda: [pred1(m) for m in one])
    flops = 2 * n * (prob.x.shape[1] * 128 + 128 * 128 + 128)
    print(
        f"BO round breakdown, {num_seeds} seeds, ms per seed: DNGO fit (40 points, "
        f"{num_epochs} epochs) vmapped {1e3 * f_v / num_seeds:.1f} vs loop "
        f"{1e3 * f_l / num_seeds:.1f} (x{f_l / f_v:.1f}); pool mean+std over {n} rows "
        f"vmapped {1e3 * p_v / num_seeds:.1f} vs loop {1e3 * p_l / num_seeds:.1f} "
        f"(x{p_l / p_v:.1f}; {flops / 1e6:.0f} MFLOP per seed per round, "
        f"{flops * num_seeds / p_v / 1e9:.1f} GFLOP/s vmapped)"
    )


def main(argv):
    common.check_no_args(argv)
    bench = benchmarks.load("nb201-cifar10", common.data_dir(), download=False)
    print(f"jax {jax.__version__}, devices {jax.devices()}, benchmark {bench.name}")
    if _REA_SEEDS.value:
        prob = problem.from_benchmark(bench, np.zeros((bench.size, 1), np.float32))
        compare(
            "REA",
            registry.make_searcher("rea"),
            prob,
            list(range(_REA_SEEDS.value)),
            _QUERIES.value,
            None,
        )
    if _BO_SEEDS.value:
        if _EMBEDDING.value and _EMBEDDING.value.endswith(".npz"):
            x, enc = problem.embedding_table(bench, _EMBEDDING.value), "arch2vec"
        elif _EMBEDDING.value:
            x, enc = np.load(_EMBEDDING.value).astype(np.float32), _EMBEDDING.value
        else:
            x, enc = bench.encode("adjacency_one_hot"), "adjacency_one_hot"
        prob = problem.from_benchmark(bench, x)
        s = registry.make_searcher("dngo_bo", {"num_init": 16, "num_epochs": _BO_EPOCHS.value})
        compare(
            f"DNGO-BO ({enc}, D={x.shape[1]})",
            s,
            prob,
            list(range(_BO_SEEDS.value)),
            _BO_QUERIES.value,
            16,
        )
        if _BREAKDOWN.value:
            breakdown(prob, _BREAKDOWN.value, _BO_EPOCHS.value)


if __name__ == "__main__":
    common.run(main)
