"""Times MSU-MLSys-Lab/CATE's own PyTorch MLM train step; run by ``cate_step.py`` under a
PyTorch interpreter (never imported by jaxnas or its tests; torch is not a jaxnas dependency).

    <torch python> cate_reference_step.py CHECKOUT BATCH.npz GRAPH_LAYERS CROSS_LAYERS D HEADS \
        GRAPH_FFN CROSS_FFN N_VOCAB

The model, loss and optimiser groups are the reference's (``layers.PairWiseLearning``,
``layers.KLDivLoss``, ``run.py``'s AdamW with the ``no_decay`` group; ``torch.optim.AdamW``
stands in for ``transformers.AdamW``, the same update), imported from the checkout. The batch
(corrupted tokens, closure masks, cross mask, labels) is prepared once by the caller, so the
reference's per-step Python data preparation is *not* timed. Protocol: one JSON line
``{"threads": t}`` after set-up (the faster of 1 and 2 intra-op threads), then for each input
line ``K`` one JSON line ``{"times": [K step wall times in s], "cpu_times": [their process CPU
times in s]}``.
"""

import json
import sys
import time
from argparse import Namespace


def main(argv):
    import numpy as np
    import torch

    checkout, batch_path = argv[1], argv[2]
    gl, cl, d, heads, gff, cff, n_vocab = map(int, argv[3:10])
    sys.path.insert(0, checkout)
    from layers import KLDivLoss, PairWiseLearning  # the reference's own modules

    def sub(layers, ffn):
        return Namespace(
            n_layers=layers,
            d_model=d,
            n_head=heads,
            d_ff=ffn,
            dropout=0.1,
            n_vocab=n_vocab,
            n_token_type=2,
        )

    cfg = Namespace(
        graph_encoder=sub(gl, gff),
        cross_attention=sub(cl, cff),
        cls=Namespace(d_model=d, n_vocab=n_vocab, dropout=0.1),
        dropout=0.1,
        tied_weights=False,
        PAD=0,
        label_smoothing=0.1,
        n_vocab=n_vocab,
    )
    torch.manual_seed(0)
    net = PairWiseLearning(cfg)
    loss_fn = KLDivLoss(cfg)
    no_decay = ["bias", "LayerNorm.weight"]
    groups = [
        {
            "params": [p for n, p in net.named_parameters() if not any(k in n for k in no_decay)],
            "weight_decay": 0.01,
        },
        {
            "params": [p for n, p in net.named_parameters() if any(k in n for k in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    opt = torch.optim.AdamW(groups, lr=1e-3, eps=1e-8)
    z = np.load(batch_path)
    x, y = torch.from_numpy(z["x"]).long(), torch.from_numpy(z["y"]).long()
    mx, my = torch.from_numpy(z["mask_x"]).float(), torch.from_numpy(z["mask_y"]).float()
    mxy = torch.from_numpy(z["mask_xy"]).float()
    labels = torch.from_numpy(z["labels"]).long()

    def step():
        net.train()
        logits = net(x, mx, mx.transpose(-2, -1), y, my, my.transpose(-2, -1), mxy)
        n_token = int((labels != cfg.PAD).sum())
        loss = loss_fn(logits, labels, n_token).sum()
        loss.backward()
        opt.step()
        opt.zero_grad()

    def timed(k):
        wall, cpu = [], []
        for _ in range(k):
            t, c = time.perf_counter(), time.process_time()
            step()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        return wall, cpu

    best = None
    for threads in (1, 2):
        torch.set_num_threads(threads)
        step()
        t = min(timed(2)[0])
        if best is None or t < best[1]:
            best = (threads, t)
    torch.set_num_threads(best[0])
    print(json.dumps({"threads": best[0]}), flush=True)
    for line in sys.stdin:
        wall, cpu = timed(int(line))
        print(json.dumps({"times": wall, "cpu_times": cpu}), flush=True)


if __name__ == "__main__":
    main(sys.argv)
