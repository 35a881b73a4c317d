r"""Throughput of the arch2vec train step (forward + backward + Adam, batch 32, GIN 4 x 128,
latent 16), three input/aggregation forms measured in one run:

* ``dense``: padded ``[B, N, N]`` adjacency, aggregation by batched matmul, MLPs on the
  flattened ``[B * N, H]`` layout (the default, ``graph_form='dense'``);
* ``jraph``: ``jraph.segment_sum`` over a padded GraphsTuple gathered from a pre-built
  :class:`jaxnas.encodings.graphs.GraphStore` on the host (``graph_form='jraph'``);
* ``jraph_batch``: the straightforward jraph pipeline -- ``jraph.batch`` of per-cell
  GraphsTuples + ``jraph.pad_with_graphs`` on every step -- with the same jitted step.

Every timing includes building the batch on the host (``get_batch``, with the epoch's
permutation cached: :func:`jaxnas.pretrain.arch2vec.cached_batch_indices`), as in training;
``train_batch_indices_ms`` is what :func:`jaxnas.train.batch_indices` (one permutation per
call) would add per step::

    python -m experiments.benchmarks.arch2vec_step --output=results/arch2vec_step.json

NB101 cells are a pool of 4,096 cells from ``nb101.sample`` (enumerating all 423,624 takes
~20 s; throughput does not depend on which cells); NB201: all 15,625 cells. The projected NB101
pretraining time is 95,312 steps (8 epochs of 381,261 training cells at batch 32) at the measured
rate. Results depend on the machine's load: the JSON records ``os.getloadavg()``.
"""

from __future__ import annotations

import json
import os
import time

import jax
import jraph
import numpy as np
from absl import flags

from experiments import common
from jaxnas import io, train
from jaxnas.encodings import graphs as graph_lib
from jaxnas.models import vgae
from jaxnas.pretrain import arch2vec
from jaxnas.spaces import nb101

_STEPS = flags.DEFINE_integer("steps", 300, "Timed steps per repeat.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Repeats (the median is reported).")
_BATCH = flags.DEFINE_integer("batch_size", 32, "Cells per step.")
_OUTPUT = flags.DEFINE_string("output", None, "Where to write the JSON results.")
_SPACES = flags.DEFINE_list("spaces", ["nb101", "nb201"], "Spaces to measure.")

NB101_FULL_STEPS = 8 * (381_261 // 32)


def _cells(space: str) -> arch2vec.Cells:
    if space == "nb201":
        return arch2vec.load_cells("nb201", jax.random.key(0))
    pool = [nb101.sample(jax.random.fold_in(jax.random.key(0), i)) for i in range(4096)]
    a = np.stack([p[0] for p in pool])
    o = np.stack([p[1] for p in pool])
    return arch2vec.Cells(a, o, np.arange(len(o)), len(nb101.OPS), None, {})


def _per_cell_tuples(store: graph_lib.GraphStore) -> list[jraph.GraphsTuple]:
    out = []
    for i in range(len(store.n_node)):
        n, e = int(store.n_node[i]), int(store.n_edge[i])
        out.append(
            jraph.GraphsTuple(
                nodes=store.nodes[i, :n], edges=None, senders=store.senders[i, :e],
                receivers=store.receivers[i, :e], globals=None,
                n_node=np.array([n]), n_edge=np.array([e]),
            )
        )  # fmt: skip
    return out


def _measure(step_fn, state, get_batch, steps: int, repeats: int) -> tuple[float, object]:
    rng = jax.random.key(1)
    state, m = step_fn(state, get_batch(0), rng)  # compile
    jax.block_until_ready(m["loss"])
    times = []
    s = 1
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            state, m = step_fn(state, get_batch(s), rng)
            s += 1
        jax.block_until_ready(m["loss"])
        times.append((time.perf_counter() - t0) / steps)
    return float(np.median(times)), state


def _mean_seconds(fn, n: int) -> float:
    t0 = time.perf_counter()
    for s in range(n):
        fn(s)
    return (time.perf_counter() - t0) / n


def bench_space(space: str, batch_size: int, steps: int, repeats: int) -> dict:
    cells = _cells(space)
    n = cells.ops.shape[1]
    pad_class = bool((cells.ops < 0).any())
    num = len(cells.ops)
    tx = arch2vec.make_optimizer(1e-3, 5.0)
    results = {}
    for form in ("dense", "jraph", "jraph_batch"):
        cfg = vgae.ModelConfig(
            cells.num_ops, n, pad_class, graph_form="dense" if form == "dense" else "jraph"
        )
        model = vgae.GraphAutoencoder(cfg)
        make = arch2vec.BatchMaker(cells, cfg.graph_form)
        if form == "jraph_batch":
            singles = _per_cell_tuples(make.store)
            n_nodes, n_edges, n_graphs = graph_lib.batch_budget(make.store, batch_size)

            def build(idx, singles=singles, n_nodes=n_nodes, n_edges=n_edges, n_graphs=n_graphs):
                g = jraph.pad_with_graphs(
                    jraph.batch([singles[i] for i in idx]), n_nodes, n_edges, n_graphs
                )
                return vgae.Batch(cells.adjacency[idx], cells.ops[idx], g)
        else:
            build = make

        indices = arch2vec.cached_batch_indices(jax.random.key(2), num, batch_size)

        def get_batch(s, build=build, indices=indices):
            return build(indices(s))

        params, model_state = vgae.init(model, jax.random.key(0), get_batch(0))
        state = train.create(params, tx, model_state)
        step_fn = train.make_train_step(vgae.make_loss_fn(model), tx)
        sec, _ = _measure(step_fn, state, get_batch, steps, repeats)
        host = _mean_seconds(get_batch, 200)
        uncached = _mean_seconds(
            lambda s: train.batch_indices(jax.random.key(2), num, batch_size, s), 20
        )
        results[form] = {
            "ms_per_step": 1e3 * sec,
            "steps_per_s": 1 / sec,
            "graphs_per_s": batch_size / sec,
            "host_batch_ms": 1e3 * host,
            "train_batch_indices_ms": 1e3 * uncached,
        }
    out = {"space": space, "num_cells": num, "max_nodes": n, "forms": results}
    if space == "nb101":
        out["projected_full_nb101_minutes"] = {
            k: NB101_FULL_STEPS / v["steps_per_s"] / 60 for k, v in results.items()
        }
    return out


def main(argv):
    common.check_no_args(argv)
    load0, t0 = os.getloadavg(), time.perf_counter()
    b, steps, repeats = _BATCH.value, _STEPS.value, _REPEATS.value
    res = {"batch_size": b, "steps": steps, "repeats": repeats}
    res.update(backend=jax.default_backend(), cpu_count=os.cpu_count())
    res["spaces"] = [
        bench_space(s, b, steps, repeats) for s in common.progress(_SPACES.value, desc="spaces")
    ]
    res["loadavg_before_after"] = [load0, os.getloadavg()]
    res["wall_s"] = time.perf_counter() - t0
    text = json.dumps(res, indent=1)
    print(text)
    if _OUTPUT.value:
        io.write_text(_OUTPUT.value, text)


if __name__ == "__main__":
    common.run(main)
