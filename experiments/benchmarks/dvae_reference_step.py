"""The reference's D-VAE train step, timed in its own PyTorch process (no jaxnas imports).

Run by :mod:`experiments.benchmarks.dvae_step` with a PyTorch interpreter that has ``igraph``
(e.g. ``/work/refenv/bin/python``) from a checkout of muhanzhang/D-VAE, never imported by jaxnas
or its tests. It builds the reference's model from the checkout (``models.py`` ``DVAE(max_n, nvt,
START_TYPE, END_TYPE, hs, nz=56, bidirectional=True)``, Adam 1e-4, the settings of the
checkout's NAS commands) and takes the steps of ``train.py``'s ``train`` loop on CPU:
``zero_grad``, ``_collate_fn``, ``encode``, ``loss``, ``backward``, ``optimizer.step()``,
``loss.item()``; batches are consecutive slices of the graphs (``train.py`` shuffles once per
epoch).

Protocol: argv ``checkout data.npz batch_size hidden``; ``data.npz`` holds ``types int
[C, N]`` (vertex types, ``-1`` after the real vertices; type 0 is the input, ``num_types - 1``
the output) and ``adjacency [C, N, N]`` (``adjacency[u, v]`` for an edge ``u -> v``) and
``num_types``. The graphs become ``igraph.Graph`` s with a ``type`` vertex attribute, as
``util.py`` ``decode_ENAS_to_igraph`` builds them. Then each stdin line ``threads steps`` runs
``steps`` steps with ``torch.set_num_threads(threads)`` and answers one line: the wall and the
process CPU seconds they took.
"""

import sys
import time

import igraph
import numpy as np
import torch


def _graphs(types: np.ndarray, adjacency: np.ndarray) -> list:
    out = []
    for t, a in zip(types, adjacency, strict=True):
        n = int((t >= 0).sum())
        g = igraph.Graph(directed=True)
        g.add_vertices(n)
        for v in range(n):
            g.vs[v]["type"] = int(t[v])
        g.add_edges([(int(u), int(v)) for u, v in zip(*np.nonzero(a[:n, :n]), strict=True)])
        out.append(g)
    return out


def main() -> None:
    checkout, data = sys.argv[1], sys.argv[2]
    batch_size, hidden = int(sys.argv[3]), int(sys.argv[4])
    sys.path.insert(0, checkout)
    from models import DVAE

    torch.manual_seed(1)
    d = np.load(data)
    nvt = int(d["num_types"])
    graphs = _graphs(d["types"], d["adjacency"])
    model = DVAE(d["types"].shape[1], nvt, 0, nvt - 1, hs=hidden, nz=56, bidirectional=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    n = len(graphs) // batch_size
    step = [0]

    def train_step():
        i = step[0] % n
        step[0] += 1
        optimizer.zero_grad()
        g_batch = model._collate_fn(graphs[i * batch_size : (i + 1) * batch_size])
        mu, logvar = model.encode(g_batch)
        loss, recon, kld = model.loss(mu, logvar, g_batch)
        loss.backward()
        optimizer.step()
        return loss.item()  # as train.py's progress bar

    model.train()
    for line in sys.stdin:
        threads, steps = (int(x) for x in line.split())
        torch.set_num_threads(threads)
        train_step()  # warm-up after a thread change
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            train_step()
        print(time.perf_counter() - t0, time.process_time() - c0, flush=True)


if __name__ == "__main__":
    main()
