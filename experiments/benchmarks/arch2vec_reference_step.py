"""The reference's arch2vec train step, timed in its own PyTorch process (no jaxnas imports).

Run by :mod:`experiments.benchmarks.arch2vec_step` with a PyTorch interpreter (e.g.
``/work/refenv/bin/python``) from a checkout of MSU-MLSys-Lab/arch2vec, never imported by jaxnas
or its tests. It builds the reference's model and loss from the checkout
(``models/model.py`` ``Model`` and ``VAEReconstructed_Loss``, ``models/configs.py``
``configs[4]``, ``utils/utils.py`` ``preprocessing``) with the settings of
``models/pretraining_nasbench101.py`` (``--hops 5 --mlps 2 --hidden_dim 128 --dim 16
--dropout 0.3``, Adam 1e-3) and takes the steps of that script's loop on CPU: ``zero_grad``,
``preprocessing``, forward, ``prep_reverse``, loss, ``backward``, ``clip_grad_norm_(5)``,
``optimizer.step()``, ``loss.item()``; batches are consecutive slices of one shuffle of the
cells, as ``torch.split`` cuts them.

Protocol: argv ``checkout data.npz batch_size``; ``data.npz`` holds ``adjacency float32
[C, 7, 7]`` and ``ops float32 [C, 7, 5]`` (one-hot, zero rows for padding, as
``preprocessing/gen_json.py``). Then each stdin line ``threads steps`` runs ``steps`` steps with
``torch.set_num_threads(threads)`` and answers one line: the seconds they took.
"""

import sys
import time

import numpy as np
import torch
from torch import nn


def main() -> None:
    checkout, data, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.path.insert(0, checkout)
    from models.configs import configs
    from models.model import Model, VAEReconstructed_Loss
    from utils.utils import preprocessing

    torch.manual_seed(1)
    cfg = configs[4]
    d = np.load(data)
    adj_all = torch.from_numpy(d["adjacency"])
    ops_all = torch.from_numpy(d["ops"])
    model = Model(input_dim=5, hidden_dim=128, latent_dim=16, num_hops=5, num_mlp_layers=2,
                  dropout=0.3, **cfg["GAE"])  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-08)
    loss_fn = VAEReconstructed_Loss(**cfg["loss"])
    n = len(adj_all) // batch_size
    step = [0]

    def train_step():
        i = step[0] % n
        step[0] += 1
        adj = adj_all[i * batch_size : (i + 1) * batch_size]
        ops = ops_all[i * batch_size : (i + 1) * batch_size]
        optimizer.zero_grad()
        adj, ops, prep_reverse = preprocessing(adj, ops, **cfg["prep"])
        ops_recon, adj_recon, mu, logvar = model(ops, adj.to(torch.long))
        adj_recon, ops_recon = prep_reverse(adj_recon, ops_recon)
        adj, ops = prep_reverse(adj, ops)
        loss = loss_fn((ops_recon, adj_recon), (ops, adj), mu, logvar)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5)
        optimizer.step()
        return loss.item()

    model.train()
    for line in sys.stdin:
        threads, steps = (int(x) for x in line.split())
        torch.set_num_threads(threads)
        train_step()  # warm-up after a thread change
        t0 = time.perf_counter()
        for _ in range(steps):
            train_step()
        print(time.perf_counter() - t0, flush=True)


if __name__ == "__main__":
    main()
