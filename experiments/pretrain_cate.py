r"""CATE pretraining (masked-op prediction on computationally similar pairs) for one space.

    python -m experiments.pretrain_cate --config=experiments/configs/cate_nb201.py:cpu \
        --workdir=results/cate_nb201_cpu

Steps: load the space's cells and their computational attribute; split the *architectures*
``train_fraction`` / rest; sample pairs (sliding window ``delta``, ``K`` partners) within each
part, so held-out pairs contain only held-out cells; train with :func:`jaxnas.train.fit`
(orbax checkpoints with the config beside the parameters, exact resume when rerun with the same
``--workdir``); evaluate the masked-op accuracy on held-out pairs next to two frequency
baselines; export the pooled graph-encoder embedding of every cell.

Writes under ``--workdir``: ``checkpoints/`` (params + optimiser state + config),
``metrics.jsonl`` (loss curve), ``embeddings.npz`` (``ids [M]``, ``embeddings [M, d]``,
``pooling``), ``results.json`` (held-out accuracy and baselines, loss curve, config, data, wall
time), the last two atomically.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile
import time

import jax
import numpy as np
from absl import app, flags, logging
from ml_collections import config_flags

from jaxnas import train
from jaxnas.models import cate as cate_model
from jaxnas.pretrain import cate, cate_pairs

_CONFIG = config_flags.DEFINE_config_file(
    "config", "experiments/configs/cate_nb201.py", "CATE pretraining config.", lock_config=True
)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory (checkpoints, results).")
flags.mark_flag_as_required("workdir")


def _write_json_atomic(path: pathlib.Path, obj) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=1)
    os.chmod(tmp, 0o644)  # mkstemp creates 0600
    os.replace(tmp, path)


def _pairs_within(key, cells: cate.Cells, index: np.ndarray, delta: float, k: int) -> np.ndarray:
    """Pairs among the cells ``index`` (global indices), ``int64 [P, 2]``."""
    local = cate_pairs.sample_pairs(key, cells.attribute[index], delta, k)
    return index[local]


def train_and_evaluate(config, workdir: str) -> dict:
    """Runs one pretraining and returns the results dict (also written to ``results.json``)."""
    t_start = time.perf_counter()
    out = pathlib.Path(workdir)
    out.mkdir(parents=True, exist_ok=True)
    key = jax.random.key(config.seed)
    k_data, k_split, k_pairs_tr, k_pairs_ev, k_init, k_batches, k_train, k_eval = (
        jax.random.fold_in(key, i) for i in range(8)
    )

    cells = cate.load_cells(
        config.space,
        config.attribute,
        key=k_data,
        num_cells=config.num_cells,
        nb101_hashes=config.nb101_hashes,
        nb201_dataset=config.nb201_dataset,
        darts_cells=tuple(config.darts_cells),
    )
    t_data = time.perf_counter() - t_start
    train_idx, held_idx = cate.split_indices(k_split, len(cells.ops), config.train_fraction)
    t0 = time.perf_counter()
    train_pairs = _pairs_within(k_pairs_tr, cells, train_idx, config.delta, config.k)
    eval_pairs = _pairs_within(k_pairs_ev, cells, held_idx, config.delta, config.k)
    t_pairs = time.perf_counter() - t0
    if config.max_eval_pairs:
        eval_pairs = eval_pairs[: config.max_eval_pairs]
    logging.info(
        "%s: %d cells (%.1fs), %d train / %d held-out pairs (%.2fs)",
        config.space, len(cells.ops), t_data, len(train_pairs), len(eval_pairs), t_pairs,
    )  # fmt: skip

    steps_per_epoch = len(train_pairs) // config.batch_size
    num_steps = config.num_steps or config.epochs * steps_per_epoch
    mc = cate_model.make_config(
        cells.num_ops,
        config.preset,
        dropout=config.dropout,
        indirect=config.indirect,
        ancestors=config.ancestors,
    )
    model = cate_model.CATE(mc)
    mlm = cate.MLMConfig(config.select_prob, config.mask_prob, config.label_smoothing)
    tx = cate.make_optimizer(
        num_steps, config.learning_rate, config.weight_decay, config.warmup_steps
    )
    state = train.create(cate.init_params(model, k_init, cells), tx)
    step_fn = train.make_train_step(cate.make_loss_fn(model, mlm), tx)

    def get_batch(step: int):
        idx = train.batch_indices(k_batches, len(train_pairs), config.batch_size, step)
        return cate.gather_pairs(cells, train_pairs[idx])

    baselines = cate.token_frequencies(cells, train_idx)
    eval_fn = cate.make_eval_fn(model, cells, eval_pairs, k_eval, baselines, config.batch_size, mlm)
    saved_config = {
        "model": cate.model_config_dict(mc),
        "max_nodes": int(cells.ops.shape[1]),
        "num_steps": int(num_steps),
        "pretrain": config.to_dict(),
    }
    stop = min(config.stop_at_step, num_steps) if config.stop_at_step else num_steps
    t0 = time.perf_counter()
    state, history = train.fit(
        state,
        step_fn,
        get_batch,
        stop,
        k_train,
        workdir=workdir,
        config=saved_config,
        checkpoint_every=config.checkpoint_every,
        log_every=config.log_every,
        eval_fn=eval_fn,
        eval_every=config.eval_every,
        examples_per_step=config.batch_size,
    )
    t_train = time.perf_counter() - t0

    t0 = time.perf_counter()
    emb = cate.embed_cells(
        model, state.params, cells.adjacency, cells.ops, config.pooling, config.embed_batch_size
    )
    cate.save_embeddings(out / "embeddings.npz", cells.ids, emb, pooling=np.str_(config.pooling))
    t_embed = time.perf_counter() - t0

    final = eval_fn(state)
    curve = []
    metrics_path = out / "metrics.jsonl"
    if metrics_path.exists():  # the whole curve, including rows of earlier (resumed) runs
        curve = [json.loads(line) for line in metrics_path.read_text().splitlines() if line]
    results = {
        "space": config.space,
        "completed": int(state.step) >= num_steps,
        "step": int(state.step),
        "num_steps": int(num_steps),
        "held_out": {
            "masked_positions": final["masked"],
            "acc": final["acc"],
            "loss": final["loss"],
            "acc_freq_baseline": final["acc_freq"],
            "acc_position_freq_baseline": final["acc_pos_freq"],
            "masked_positions_varying": final["masked_varying"],
            "acc_varying": final["acc_varying"],
            "acc_position_freq_baseline_varying": final["acc_pos_freq_varying"],
        },
        "loss_curve": curve or history,
        "config": config.to_dict(),
        "model": cate.model_config_dict(mc),
        "num_params": int(sum(x.size for x in jax.tree.leaves(state.params))),
        "data": {
            **cells.info,
            "train_cells": int(len(train_idx)),
            "held_out_cells": int(len(held_idx)),
            "train_pairs": int(len(train_pairs)),
            "held_out_pairs_evaluated": int(len(eval_pairs)),
            "steps_per_epoch": int(steps_per_epoch),
            "baseline_majority_op": int(baselines[0]),
        },
        "wall_time_s": {
            "data": t_data,
            "pairs": t_pairs,
            "train_this_invocation": t_train,
            "embed": t_embed,
            "total_this_invocation": time.perf_counter() - t_start,
        },
        "backend": jax.default_backend(),
    }
    _write_json_atomic(out / "results.json", results)
    logging.info("held-out %s", json.dumps(results["held_out"]))
    return results


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    train_and_evaluate(_CONFIG.value, _WORKDIR.value)


if __name__ == "__main__":
    app.run(main)
