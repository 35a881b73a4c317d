r"""Benchmark: every encoding of ``jaxnas.encodings`` over the whole NAS-Bench-101 space.

    python -m experiments.benchmarks.encode_nb101 [--num_cells=0] [--loop_cells=5000]

Enumerates the 423,624 NB101 cells (``jaxnas.spaces.nb101.enumerate_cells``), then times each
named encoding (``jaxnas.encodings.encode``) on all of them (best of ``--repeats``), the padded
graph structures (dense batch, ``GraphStore``) and the CATE tokens + Floyd-Warshall attention masks
(jitted, timed after compilation). The vectorised path encoding is compared with a
straightforward per-cell Python loop (NASLib's ``get_paths`` / ``get_path_indices`` /
``encode_paths``) run on ``--loop_cells`` random cells and extrapolated to the whole space; the
two must agree on those cells. All numbers come from this run. The NB201 encodings of all 15,625
cells are timed too.
"""

from __future__ import annotations

import itertools
import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import flags

from experiments import common
from jaxnas import encodings
from jaxnas.spaces import nb101

_NUM_CELLS = flags.DEFINE_integer(
    "num_cells", 0, "Encode only the first N enumerated cells (0: all 423,624)."
)
_LOOP_CELLS = flags.DEFINE_integer(
    "loop_cells", 5000, "Cells run through the per-cell Python loop (extrapolated)."
)
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timing repeats (the best is reported).")

_NAMES = ("input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output")
_MAPPING = {"conv3x3-bn-relu": 0, "conv1x1-bn-relu": 1, "maxpool3x3": 2}


def loop_path_one_hot(adjacency: np.ndarray, ops: np.ndarray) -> np.ndarray:
    """Path one-hot encoding of one padded cell, the straightforward (NASLib) way."""
    n = int((ops != -1).sum())
    matrix = adjacency[:n, :n]
    names = [_NAMES[i] for i in ops[:n]]
    paths = [[[]] if matrix[0][j] else [] for j in range(n)]
    for i in range(1, n - 1):
        for j in range(1, n):
            if matrix[i][j]:
                for p in paths[i]:
                    paths[j].append([*p, names[i]])
    out = np.zeros(364, np.float32)
    for p in paths[-1]:
        out[sum(3**i * (_MAPPING[op] + 1) for i, op in enumerate(p))] = 1
    return out


def _best(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        out = jax.block_until_ready(out)
        best = min(best, time.perf_counter() - t0)
        del out
    return best, fn()


def main(argv):
    common.check_no_args(argv)
    repeats = _REPEATS.value
    t0 = time.perf_counter()
    adjacency, ops = nb101.enumerate_cells()
    t_enum = time.perf_counter() - t0
    if _NUM_CELLS.value:
        adjacency, ops = adjacency[: _NUM_CELLS.value], ops[: _NUM_CELLS.value]
    num = len(ops)
    rows = [("enumerate_cells (for reference)", t_enum, "")]

    for name in encodings.encoding_names("nb101"):
        t, out = _best(lambda name=name: encodings.encode("nb101", name, (adjacency, ops)), repeats)
        rows.append((f"nb101 {name}", t, f"{out.dtype}{list(out.shape)}"))
        del out

    t, out = _best(lambda: encodings.dense_batch(adjacency, ops, num_ops=5), repeats)
    rows.append(("dense_batch (A, one-hot, mask)", t, f"nodes {list(out.nodes.shape)}"))
    del out
    t, store = _best(
        lambda: encodings.graph_store(adjacency, ops, num_ops=5, symmetric=True), repeats
    )
    rows.append(("graph_store (A + A^T)", t, f"senders {list(store.senders.shape)}"))

    jstore = jax.tree.map(jnp.asarray, store)
    gather = jax.jit(encodings.graphs_tuple)
    idx = np.arange(32)
    jax.block_until_ready(gather(jstore, idx))
    t, _ = _best(lambda: gather(jstore, idx + 32), 20)
    rows.append(("graphs_tuple, one batch of 32 (jit)", t, "per batch"))
    t, _ = _best(lambda: encodings.graphs_tuple(store, idx + 32), 20)
    rows.append(("graphs_tuple, one batch of 32 (NumPy)", t, "per batch"))

    tok = jax.jit(encodings.token_batch, static_argnums=(2, 3))
    ja, jo = jnp.asarray(adjacency), jnp.asarray(ops)
    jax.block_until_ready(tok(ja, jo, 5, True))
    t, out = _best(lambda: tok(ja, jo, 5, True), repeats)
    rows.append(("token_batch, indirect mask (jit)", t, f"mask {list(out.attention_mask.shape)}"))
    del out

    # The vectorised path encoding against the per-cell loop on a random subset.
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(num, min(_LOOP_CELLS.value, num), replace=False))
    t0 = time.perf_counter()
    loop = np.stack([loop_path_one_hot(adjacency[i], ops[i]) for i in pick])
    t_loop = (time.perf_counter() - t0) * num / len(pick)
    t_vec, vec = _best(lambda: encodings.encode("nb101", "path_one_hot", (adjacency, ops)), 1)
    np.testing.assert_array_equal(vec[pick], loop)
    del vec
    rows.append(
        (
            "path one-hot, per-cell Python loop",
            t_loop,
            f"extrapolated from {len(pick)} cells; equal to the vectorised result",
        )
    )

    cells201 = np.array(list(itertools.product(range(5), repeat=6)), np.int32)
    rows201 = []
    for name in encodings.encoding_names("nb201"):
        t, out = _best(lambda name=name: encodings.encode("nb201", name, cells201), repeats)
        rows201.append((f"nb201 {name}", t, f"{out.dtype}{list(out.shape)}"))

    print(f"\nNAS-Bench-101: {num:,} cells; best of {repeats} (CPU, this run)\n")
    print("| what | seconds | output |")
    print("|---|---|---|")
    for what, t, note in rows:
        print(f"| {what} | {t:.4g} | {note} |")
    print(f"\npath one-hot speed-up over the per-cell loop: {t_loop / t_vec:.0f}x\n")
    print(f"NAS-Bench-201: all {len(cells201):,} cells\n")
    print("| what | seconds | output |")
    print("|---|---|---|")
    for what, t, note in rows201:
        print(f"| {what} | {t:.4g} | {note} |")


if __name__ == "__main__":
    common.run(main)
