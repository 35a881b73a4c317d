"""D-VAE pretraining on a whole search space: data, training, evaluation, embeddings.

:func:`train_and_evaluate` trains :class:`jaxnas.models.dvae.DVAE` on the cells of NB101 (7
vertices, padded) or NB201 (8-vertex ops-on-nodes graphs) with the data, split, batches,
checkpoints and outputs of :mod:`jaxnas.pretrain.arch2vec`, and evaluates it so that its
``results.json`` reads like arch2vec's (:mod:`jaxnas.analysis.arch2vec_table`):

* ``held_out``: greedy decodes of ``z = mu`` of the held-out cells against the truth: op
  accuracy (real vertices of the true cell), edge accuracy (upper-triangle pairs of real
  vertices), ``accuracy`` (their mean, arch2vec's table) and ``exact_match`` (whole graph: types,
  padding and every edge -- the reference's ``is_same_DAG``).
* ``held_out_dvae``: the D-VAE reference's reconstruction accuracy (muhanzhang/D-VAE
  ``train.py`` ``test``): fraction of exact reconstructions over ``encode_times x decode_times``
  sampled ``z = mu + 0.01 eps std`` and stochastic decodes (reference 10 x 10; here
  ``dvae_repeats`` x 1 per cell, stated in the file).
* ``generation`` / ``generation_reference``: arch2vec's protocol -- ``num_latent_samples``
  latents from ``N(mean, std)`` of the training ``mu`` (per dimension), greedy decodes, validity
  and uniqueness under the space's rules and the arch2vec reference code's definitions
  (:mod:`jaxnas.analysis.reconstruction`).
* ``generation_prior``: the D-VAE reference's ``prior_validity``: ``z ~ N(0, I)``, stochastic
  decodes, the space's rules.
* ``embeddings.npz``: ``ids [C]`` -> ``mu [C, latent]`` (encoder means; D-VAE's BO works on
  them) in :mod:`jaxnas.embeddings`' format, as arch2vec / CATE.

Optimiser: Adam (lr 1e-4 in the reference), no clipping (``grad_clip <= 0``), the reference's
summed loss (``sum_b nll_b + beta * kld``). ``steps_per_call`` (configs: 8) steps run per
compiled call (:func:`jaxnas.train.make_block_step`: ``lax.scan`` over a block of batches
gathered in one indexing, state donated, metrics on device); 0 takes one step per call, with the
same keys and batches. The reference's ``ReduceLROnPlateau`` (factor 0.1,
patience 10 epochs on the training loss) is not reproduced: runs here are far shorter than 10
epochs without improvement.
"""

from __future__ import annotations

import json
import logging
import time

import jax
import numpy as np
import optax

from jaxnas import embeddings as embeddings_lib
from jaxnas import io, train
from jaxnas.analysis import reconstruction as rec
from jaxnas.benchmarks import builtin
from jaxnas.models import dvae
from jaxnas.pretrain import arch2vec
from jaxnas.spaces import nb101

log = logging.getLogger("jaxnas.pretrain.dvae")

SPACES = ("nb101", "nb201")

CONFIG_KEYS = (
    "space",  # 'nb101' | 'nb201'
    "seed",
    "num_cells",  # 0 = every cell, else a random subset
    "nb101_ids",  # 'hash' | 'index'
    "train_fraction",
    "hidden",
    "latent",
    "bidirectional",
    "vid",
    "beta",
    "eps_scale",
    "batch_size",
    "epochs",
    "num_steps",  # 0: epochs * (train cells // batch_size)
    "stop_at_step",
    "learning_rate",
    "grad_clip",  # <= 0: none (reference)
    "steps_per_call",  # train steps per compiled call (lax.scan block; 0: one step per call)
    "log_every",
    "checkpoint_every",
    "eval_batch_size",
    "num_latent_samples",
    "num_prior_samples",
    "dvae_repeats",
    "embed_benchmark",  # '' | 'nb101_20k': also embed that benchmark's cells (NB101 subsets)
)


def model_config(config, cells: arch2vec.Cells) -> dvae.DVAEConfig:
    """The :class:`~jaxnas.models.dvae.DVAEConfig` of a config for these cells (types = op ids:
    ``input`` is the start type, ``output`` the last op id, the end type)."""
    return dvae.DVAEConfig(
        num_types=cells.num_ops, max_nodes=cells.ops.shape[1], start_type=0,
        end_type=cells.num_ops - 1, hidden=config.hidden, latent=config.latent,
        bidirectional=config.bidirectional, vid=config.vid, beta=config.beta,
        eps_scale=config.eps_scale,
    )  # fmt: skip


def make_optimizer(learning_rate: float, grad_clip: float) -> optax.GradientTransformation:
    """Adam (PyTorch defaults), after global-norm clipping when ``grad_clip > 0``."""
    adam = optax.adam(learning_rate, eps=1e-8)
    return optax.chain(optax.clip_by_global_norm(grad_clip), adam) if grad_clip > 0 else adam


def make_loss_fn(model: dvae.DVAE):
    """``loss_fn(params, model_state, batch, rng)`` for :func:`jaxnas.train.make_train_step`;
    ``batch = (ops [B, N], adjacency [B, N, N])``."""

    def loss_fn(params, model_state, batch, rng):
        loss, metrics = dvae.batch_loss(model, params, batch[0], batch[1], rng)
        return loss, (model_state, metrics)

    return loss_fn


class Codec:
    """Jitted batch encoder / decoder of one model and parameters, at a fixed batch size."""

    def __init__(self, model: dvae.DVAE, params, batch_size: int):
        self.batch_size = batch_size
        self._encode = jax.jit(lambda t, a: dvae.batch_encode(model, params, t, a))
        self._decode = jax.jit(
            lambda z, k, greedy: dvae.batch_decode(model, params, z, k, greedy),
            static_argnums=2,
        )

    def encode(self, ops: np.ndarray, adjacency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(mu, logvar) [C, D]`` of cells."""
        mus, logvars = [], []
        for idx, k in arch2vec._padded_batches(np.arange(len(ops)), self.batch_size):
            mu, lv = self._encode(ops[idx], adjacency[idx])
            mus.append(np.asarray(mu[:k]))
            logvars.append(np.asarray(lv[:k]))
        return np.concatenate(mus), np.concatenate(logvars)

    def decode(self, z, key: jax.Array, greedy: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``(ops int32 [S, N], adjacency uint8 [S, N, N])`` decoded from ``z [S, D]``."""
        z = np.asarray(z, np.float32)
        ops, adjs = [], []
        for i, (idx, k) in enumerate(arch2vec._padded_batches(np.arange(len(z)), self.batch_size)):
            t, a = self._decode(z[idx], jax.random.fold_in(key, i), greedy)
            ops.append(np.asarray(t[:k]))
            adjs.append(np.asarray(a[:k]))
        return np.concatenate(ops), np.concatenate(adjs)


def reconstruction(true_ops, true_adj, ops, adj) -> dict:
    """Accuracies of decoded graphs against the truth (module docstring), as fractions.

    Args:
      true_ops, ops: ``int [C, N]`` (-1 padding); true_adj, adj: ``[C, N, N]``.
    """
    true_ops, ops = np.asarray(true_ops), np.asarray(ops)
    t_adj, d_adj = np.asarray(true_adj) > 0, np.asarray(adj) > 0
    real = true_ops >= 0
    n = true_ops.shape[1]
    upper = np.triu(np.ones((n, n), bool), 1)[None]
    pairs = upper & real[:, :, None] & real[:, None, :]
    ops_ok = (ops == true_ops) & real
    edges_ok = (t_adj == d_adj) & pairs
    exact = np.all(ops == true_ops, 1) & np.all((t_adj == d_adj) | ~upper, (1, 2))
    op_acc = ops_ok.sum() / max(real.sum(), 1)
    edge_acc = edges_ok.sum() / max(pairs.sum(), 1)
    return {
        "op_accuracy": float(op_acc),
        "edge_accuracy": float(edge_acc),
        "accuracy": float(0.5 * (op_acc + edge_acc)),
        "exact_match": float(exact.mean()) if len(exact) else 0.0,
        "num_cells": int(len(true_ops)),
    }


def evaluate(
    model: dvae.DVAE, params, cells: arch2vec.Cells, train_idx, held_idx, key, config
) -> tuple[dict, np.ndarray]:
    """The metrics of the module docstring and the embeddings ``mu [C, D]`` of every cell."""
    codec = Codec(model, params, config.eval_batch_size)
    space = config.space
    k_rec, k_gen, k_prior, k_ref = jax.random.split(key, 4)
    t0 = time.perf_counter()
    mu, logvar = codec.encode(cells.ops, cells.adjacency)
    t_embed = time.perf_counter() - t0

    t0 = time.perf_counter()
    ho, ha = cells.ops[held_idx], cells.adjacency[held_idx]
    d_ops, d_adj = codec.decode(mu[held_idx], k_rec)
    held = reconstruction(ho, ha, d_ops, d_adj)
    reps = int(config.dvae_repeats)
    exact = []
    for r in range(reps):
        kz, kd = jax.random.split(jax.random.fold_in(k_ref, r))
        eps = np.asarray(jax.random.normal(kz, mu[held_idx].shape)) * model.config.eps_scale
        z = mu[held_idx] + eps * np.exp(0.5 * logvar[held_idx])
        s_ops, s_adj = codec.decode(z, kd, greedy=False)
        exact.append(reconstruction(ho, ha, s_ops, s_adj)["exact_match"])
    held_dvae = {
        "accuracy": float(np.mean(exact)) if exact else None,
        "encode_times": reps,
        "decode_times": 1,
        "definition": "exact reconstructions, z = mu + eps_scale*eps*std, stochastic decode",
    }
    t_recon = time.perf_counter() - t0

    t0 = time.perf_counter()
    mean, std = rec.latent_moments([mu[train_idx]])
    z = rec.sample_latents(k_gen, mean, std, config.num_latent_samples)
    g_ops, g_adj = codec.decode(z, k_gen)
    gen = rec.validity_uniqueness(space, g_adj, g_ops)
    gen_ref = rec.validity_uniqueness_reference(space, g_adj, g_ops)
    prior = {}
    if config.num_prior_samples:
        zp = jax.random.normal(k_prior, (config.num_prior_samples, model.config.latent))
        p_ops, p_adj = codec.decode(zp, jax.random.fold_in(k_prior, 1), greedy=False)
        prior = rec.validity_uniqueness(space, p_adj, p_ops)
    t_gen = time.perf_counter() - t0
    metrics = {
        "held_out": held,
        "held_out_dvae": held_dvae,
        "generation": gen,
        "generation_reference": gen_ref,
        "generation_prior": prior,
        "latent_std_mean": float(std.mean()),
        "eval_wall_time_s": {"embed": t_embed, "reconstruction": t_recon, "generation": t_gen},
    }
    return metrics, mu.astype(np.float32)


def benchmark_cells(name: str, data_dir=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ids, adjacency, ops)`` of the cells of a benchmark: ``'nb101_20k'`` (official hashes;
    the rows of the encoding comparison and the NB101 embedding study)."""
    if name != "nb101_20k":
        raise ValueError(f"embed_benchmark must be '' or 'nb101_20k', got {name!r}")
    rows = np.asarray(builtin.nb101_20k(data_dir, download=False).arch["enumeration_index"])
    adjacency, ops = nb101.enumerate_cells()
    return nb101.all_hashes()[rows], adjacency[rows], ops[rows]


def with_benchmark_cells(model, params, config, ids, emb, data_dir=None):
    """``(ids, emb)`` extended by the embeddings of ``config.embed_benchmark``'s cells that are
    not already among ``ids`` (NB101 runs on a subset; ids are official hashes)."""
    name = getattr(config, "embed_benchmark", "") or ""
    if not name:
        return ids, emb
    if config.nb101_ids != "hash":
        raise ValueError("embed_benchmark needs nb101_ids='hash'")
    b_ids, b_adj, b_ops = benchmark_cells(name, data_dir)
    new = ~np.isin(b_ids, ids)
    mu, _ = Codec(model, params, config.eval_batch_size).encode(b_ops[new], b_adj[new])
    return np.concatenate([ids, b_ids[new]]), np.concatenate([emb, mu.astype(np.float32)])


def restore(workdir, step: int | None = None):
    """``(model, params, saved_config)`` of a D-VAE checkpoint."""
    saved = train.checkpoint.read_config(workdir, step)
    model = dvae.DVAE(dvae.DVAEConfig.from_dict(saved["model"]))
    params = dvae.init(model, jax.random.key(0))
    tx = make_optimizer(saved["optimizer"]["learning_rate"], saved["optimizer"]["grad_clip"])
    mgr = train.checkpoint.manager(workdir)
    try:
        state, _ = train.checkpoint.restore(mgr, train.create(params, tx), step)
    finally:
        mgr.close()
    return model, state.params, saved


def _config_dict(config) -> dict:
    return config.to_dict() if hasattr(config, "to_dict") else {k: getattr(config, k)
                                                                for k in CONFIG_KEYS}


def train_and_evaluate(config, workdir, data_dir=None) -> dict:
    """One pretraining + evaluation; writes ``checkpoints/``, ``metrics.jsonl``,
    ``embeddings.npz`` and ``results.json`` under ``workdir`` (rerunning resumes).
    ``data_dir``: only for ``embed_benchmark`` (the benchmark file)."""
    t_start = time.perf_counter()
    out = io.make_dir(workdir)
    if config.space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, got {config.space!r}")
    key = jax.random.key(config.seed)
    k_data, k_split, k_init, k_batches, k_train, k_eval = (
        jax.random.fold_in(key, i) for i in range(6)
    )
    cells = arch2vec.load_cells(config.space, k_data, config.num_cells, config.nb101_ids)
    train_idx, held_idx = arch2vec.split(k_split, len(cells.ops), config.train_fraction)
    t_data = time.perf_counter() - t_start
    log.info("%s: %d cells, %d train / %d held out", config.space, len(cells.ops),
             len(train_idx), len(held_idx))  # fmt: skip

    mc = model_config(config, cells)
    model = dvae.DVAE(mc)
    steps_per_epoch = len(train_idx) // config.batch_size
    num_steps = int(config.num_steps or config.epochs * steps_per_epoch)
    tx = make_optimizer(config.learning_rate, config.grad_clip)
    state = train.create(dvae.init(model, k_init), tx)
    steps_per_call = int(getattr(config, "steps_per_call", 0) or 0) or None
    if steps_per_call is None:
        step_fn = train.make_train_step(make_loss_fn(model), tx)
    else:
        step_fn = train.make_block_step(make_loss_fn(model), tx)
    batch_indices = arch2vec.cached_batch_indices(k_batches, len(train_idx), config.batch_size)

    def get_batch(step: int):
        idx = train_idx[batch_indices(step)]
        return cells.ops[idx], cells.adjacency[idx]

    def get_block(steps: np.ndarray):  # [K, B, ...] in one gather
        idx = train_idx[np.stack([batch_indices(s) for s in steps])]
        return cells.ops[idx], cells.adjacency[idx]

    saved_config = {
        "model": mc.to_dict(),
        "space": config.space,
        "method": "dvae",
        "optimizer": {"learning_rate": config.learning_rate, "grad_clip": config.grad_clip},
        "num_steps": num_steps,
        "pretrain": _config_dict(config),
    }
    state, history, run = train.fit_config(
        state, step_fn, get_batch, num_steps, k_train, config, workdir=workdir,
        saved_config=saved_config, steps_per_call=steps_per_call, get_block=get_block,
    )  # fmt: skip
    t_train, steps_run = run["seconds"], run["steps_run"]

    metrics, emb = evaluate(model, state.params, cells, train_idx, held_idx, k_eval, config)
    t0 = time.perf_counter()
    ids, emb = with_benchmark_cells(model, state.params, config, cells.ids, emb, data_dir)
    metrics["eval_wall_time_s"]["embed_benchmark"] = time.perf_counter() - t0
    embeddings_lib.save(out / embeddings_lib.FILENAME, ids, emb)
    metrics_path = out / "metrics.jsonl"
    curve = io.read_jsonl(metrics_path) if metrics_path.exists() else history
    results = {
        "space": config.space,
        "method": "dvae",
        "completed": int(state.step) >= num_steps,
        "step": int(state.step),
        "num_steps": num_steps,
        **metrics,
        "final_train_loss": curve[-1] if curve else None,
        "loss_curve": curve,
        "config": _config_dict(config),
        # The arch2vec table's row keys beside the D-VAE config.
        "model": {**mc.to_dict(), "encoder": "dvae-gru", "num_layers": 1,
                  "op_decoder": "sequential", "kl_weight": mc.beta, "decoder_dropout": 0.0},
        "num_params": int(sum(x.size for x in jax.tree.leaves(state.params))),
        "data": {
            **cells.info,
            "train_cells": int(len(train_idx)),
            "held_out_cells": int(len(held_idx)),
            "steps_per_epoch": int(steps_per_epoch),
            "epochs": num_steps / max(steps_per_epoch, 1),
            "epochs_run": int(state.step) / max(steps_per_epoch, 1),
            "embedded_cells": int(len(ids)),
        },
        "throughput": {
            "steps_this_invocation": steps_run,
            "s_per_step_incl_compile": t_train / max(steps_run, 1),
            "s_per_epoch_incl_compile": t_train / max(steps_run, 1) * steps_per_epoch,
        },
        "wall_time_s": {
            "data": t_data,
            "train_this_invocation": t_train,
            **metrics.pop("eval_wall_time_s"),
            "total_this_invocation": time.perf_counter() - t_start,
        },
        **train.runtime_info(steps_per_call),
    }
    io.write_json(out / "results.json", results, indent=1)
    for k in ("held_out", "held_out_dvae", "generation", "generation_reference",
              "generation_prior"):  # fmt: skip
        log.info("%s %s", k, json.dumps(results[k]))
    return results


__all__ = [
    "CONFIG_KEYS",
    "SPACES",
    "Codec",
    "benchmark_cells",
    "evaluate",
    "make_loss_fn",
    "make_optimizer",
    "model_config",
    "reconstruction",
    "restore",
    "train_and_evaluate",
    "with_benchmark_cells",
]
