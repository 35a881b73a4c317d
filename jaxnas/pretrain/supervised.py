"""The supervised baseline encoder of arch2vec's "understanding embeddings" study.

arch2vec (Yan et al., NeurIPS 2020; ``REFERENCE.md``, "Predictive study") contrasts its
unsupervised embeddings with a *supervised* counterpart: the same encoder, but trained jointly
with an accuracy regressor on labelled architectures instead of reconstructing graphs, so that
the representation is shaped by the labels (the coupling of representation learning and search
the paper argues against). The seed reports the GP predictive study on both: supervised
0.038 +- 0.025 RMSE / 0.53 +- 0.09 Pearson r, arch2vec 0.018 +- 0.001 / 0.67 +- 0.02.

This module follows that baseline as closely as the data allows:

* encoder: exactly arch2vec's GIN (:class:`jaxnas.models.gin.GIN`, 4 layers, hidden 128, over
  ``A + A^T``, same input one-hots as :func:`jaxnas.models.vgae.dense_inputs`) followed by the
  per-node ``Linear(128 -> 16)`` head arch2vec uses for ``mu``; the embedding is the node-mean of
  that head over real vertices (arch2vec's embedding is the node-mean of ``mu``), 16-d;
* regression head: ``MLP(16 -> 128 -> 1)`` (ReLU) on the pooled embedding, trained end to end with
  the encoder on the squared error of standardised accuracies (Adam 1e-3, global-norm clip 5,
  batch 32: arch2vec's optimiser settings) with :func:`jaxnas.train.fit`;
* labels: the validation accuracy of the labelled cells of a tabular benchmark (NB101-20k: the
  20,001 labelled NB101 cells; NB201: all 15,625 cells of one dataset), a 90/10 split; the
  held-out RMSE / Pearson r are reported;
* speed and scale: blocks of ``steps_per_call`` steps per compiled call, data-parallel over
  every device (:func:`jaxnas.train.make_block_step`, as :mod:`jaxnas.pretrain.arch2vec`; only
  process 0 writes results and embeddings);
* export: the embedding of *every* cell of the space (all 423,624 NB101 cells, keyed by official
  hash, or all 15,625 NB201 cells keyed by API index), in arch2vec's ``embeddings.npz`` format
  (``ids [C]``, ``embeddings float32 [C, 16]``), so every consumer of arch2vec embeddings reads it.

Two uses, which must not be confused:

* :func:`train_and_evaluate` (``experiments.pretrain_supervised``) trains on 90% of *all* labels
  of a benchmark and exports embeddings of the space. Those embeddings have seen the labels a
  later GP study predicts; feeding them to the predictive study leaks the test labels (this is
  what gave the supervised row its 0.008 RMSE on NB201). Use them for search or pictures only.
* :func:`fit_rows` trains on exactly the rows it is given -- the predictive study passes the 250
  labelled training rows of one seed (:func:`jaxnas.analysis.predictive.supervised_predictions`),
  as the reference does: its supervised baseline (``search_methods/supervised_dngo.py`` with
  ``pybnn/dngo_supervised.py``) trains the GIN + regressor on the labelled samples only (the
  ``init_size`` draws and then the queried ones), 100 epochs, batch 10, lr 1e-2, ``tanh`` of the
  node-mean of the 16-d head as the basis functions.

``config`` is any object with the attributes in :data:`CONFIG_KEYS` (e.g. an
``ml_collections.ConfigDict``); nothing here imports absl or ml_collections.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxnas import embeddings as embeddings_lib
from jaxnas import io, train
from jaxnas import mesh as jaxnas_mesh
from jaxnas.benchmarks import tabular
from jaxnas.models import gin as gin_lib
from jaxnas.models import vgae
from jaxnas.pretrain import arch2vec
from jaxnas.spaces import nb101, nb201

log = logging.getLogger("jaxnas.pretrain.supervised")

BENCHMARKS = ("nb101_20k", "nb201")

CONFIG_KEYS = (
    "benchmark",  # 'nb101_20k' | 'nb201'
    "dataset",  # NB201 dataset ('cifar10', 'cifar100', 'ImageNet16-120')
    "metric",  # label, e.g. 'valid_acc'
    "seed",
    "num_labels",  # 0: every labelled cell; else a random subset of that size
    "train_fraction",
    "num_layers",
    "hidden",
    "latent",
    "head_hidden",
    "batch_size",
    "epochs",
    "num_steps",  # 0: epochs * (train cells // batch_size)
    "learning_rate",
    "grad_clip",
    "log_every",
    "checkpoint_every",
    "eval_batch_size",
    "export",  # 'space': every cell of the space; 'labelled': the labelled cells only
    "steps_per_call",  # train steps per compiled call (lax.scan block; 0: one step per call)
)


class Batch(NamedTuple):
    """``adjacency uint8 [B, N, N]`` (directed), ``ops int32 [B, N]`` (-1 padding), ``y [B]``
    (standardised labels)."""

    adjacency: Any
    ops: Any
    y: Any


class SupervisedEncoder(nn.Module):
    """GIN encoder + per-node linear head, node-mean pooled, + an MLP regressor.

    Attributes:
      num_ops: V, the op vocabulary of the input one-hots.
      num_layers: GIN layers (arch2vec: 4).
      hidden: GIN width (arch2vec: 128).
      latent: embedding size (arch2vec: 16).
      head_hidden: width of the regressor's hidden layer.
    """

    num_ops: int
    num_layers: int = 4
    hidden: int = 128
    latent: int = 16
    head_hidden: int = 128

    def setup(self):
        self.gin = gin_lib.GIN(num_layers=self.num_layers, features=self.hidden, name="gin")
        self.proj = nn.Dense(self.latent, name="mu")
        self.head_0 = nn.Dense(self.head_hidden, name="head_0")
        self.head_1 = nn.Dense(1, name="head_1")

    def embed(self, adjacency, ops, train: bool = False) -> jax.Array:
        """Embeddings ``[B, latent]``: node-mean over real vertices of the projected GIN output."""
        g = vgae.dense_inputs(adjacency, ops, self.num_ops)
        h = self.proj(self.gin(g, train=train))  # [B, N, latent]
        m = g.node_mask[..., None]
        return (h * m).sum(1) / jnp.maximum(m.sum(1), 1.0)

    def __call__(self, adjacency, ops, train: bool = False) -> tuple[jax.Array, jax.Array]:
        """``(prediction [B], embedding [B, latent])``."""
        e = self.embed(adjacency, ops, train=train)
        return self.head_1(nn.relu(self.head_0(e)))[:, 0], e


def init(model: SupervisedEncoder, key: jax.Array, adjacency, ops) -> tuple[Any, dict]:
    """``(params, model_state)`` (``model_state = {'batch_stats': ...}``)."""
    variables = model.init({"params": key}, adjacency, ops, train=False)
    return variables["params"], {k: v for k, v in variables.items() if k != "params"}


def make_loss_fn(model: SupervisedEncoder):
    """``loss_fn(params, model_state, batch, rng) -> (mse, (model_state, metrics))`` for
    :func:`jaxnas.train.make_train_step` (training mode: batch statistics)."""

    def loss_fn(params, model_state, batch: Batch, rng):
        del rng
        (pred, _), new_state = model.apply(
            {"params": params, **model_state},
            batch.adjacency,
            batch.ops,
            train=True,
            mutable=list(model_state.keys()),
        )
        err = pred - jnp.asarray(batch.y, pred.dtype)
        mse = jnp.mean(err**2)
        return mse, (dict(new_state), {"rmse_std_units": jnp.sqrt(mse)})

    return loss_fn


def make_apply(model: SupervisedEncoder):
    """Jitted eval-mode ``apply(params, model_state, adjacency, ops) -> (pred [B], emb [B, D])``."""

    @jax.jit
    def apply(params, model_state, adjacency, ops):
        return model.apply({"params": params, **model_state}, adjacency, ops, train=False)

    return apply


class Labelled(NamedTuple):
    """Labelled cells of a benchmark as graphs: ``adjacency [L, N, N]``, ``ops [L, N]``,
    ``y [L]`` (the metric), ``rows [L]`` (benchmark rows), ``num_ops``, ``source``."""

    adjacency: np.ndarray
    ops: np.ndarray
    y: np.ndarray
    rows: np.ndarray
    num_ops: int
    source: str


def benchmark_space(bench: tabular.TabularBenchmark) -> str:
    if bench.space not in ("nb101", "nb201"):
        raise ValueError(f"supervised encoder: unsupported space {bench.space!r} (nb101, nb201)")
    return bench.space


def labelled_cells(bench: tabular.TabularBenchmark, metric: str = "valid_acc") -> Labelled:
    """The cells of ``bench`` with a finite ``metric`` (at the highest fidelity, mean over runs)
    as arch2vec graphs (NB101 7-vertex cells, NB201 8-vertex node graphs)."""
    if metric not in bench.metrics:
        raise ValueError(f"{bench.name} has no metric {metric!r}; it has {sorted(bench.metrics)}")
    y = np.nanmean(np.asarray(bench.metrics[metric])[:, -1, :], axis=-1)
    rows = np.flatnonzero(np.isfinite(y))
    if benchmark_space(bench) == "nb101":
        adj, ops = bench.arch["adjacency"][rows], bench.arch["ops"][rows]
        num_ops = len(nb101.OPS)
    else:
        adj, ops = nb201.to_node_graph(bench.arch["cells"][rows])
        num_ops = len(nb201.NODE_OPS)
    return Labelled(
        np.asarray(adj, np.uint8), np.asarray(ops, np.int32), y[rows].astype(np.float32), rows,
        num_ops, bench.source,
    )  # fmt: skip


def space_cells(space: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(adjacency, ops, ids)`` of every cell of the space, ids as arch2vec's (NB101 hash,
    NB201 API index)."""
    cells = arch2vec.load_cells(space, jax.random.key(0), 0, "hash")
    return cells.adjacency, cells.ops, cells.ids


def embed_cells(model, params, model_state, adjacency, ops, batch_size: int = 1024, apply=None):
    """``(predictions [C], embeddings float32 [C, D])`` of many cells, in padded batches
    (``apply``: a :func:`make_apply` of ``model`` to reuse its compilation)."""
    apply = make_apply(model) if apply is None else apply
    n = len(ops)
    preds = np.zeros(n, np.float32)
    emb = np.zeros((n, model.latent), np.float32)
    for start in range(0, n, batch_size):
        idx = np.arange(start, min(start + batch_size, n))
        k = len(idx)
        pad = np.concatenate([idx, np.full(batch_size - k, idx[0])]) if k < batch_size else idx
        p, e = apply(params, model_state, adjacency[pad], ops[pad])
        preds[idx], emb[idx] = np.asarray(p)[:k], np.asarray(e)[:k]
    return preds, emb


class RowFit(NamedTuple):
    """A supervised encoder fitted by :func:`fit_rows`: the model, its variables and the label
    standardisation (``y_mean``, ``y_std`` of the training rows)."""

    model: SupervisedEncoder
    params: Any
    model_state: Any
    y_mean: float
    y_std: float


def fit_rows(
    key: jax.Array,
    adjacency: np.ndarray,
    ops: np.ndarray,
    y: np.ndarray,
    num_ops: int,
    *,
    num_layers: int = 4,
    hidden: int = 128,
    latent: int = 16,
    head_hidden: int = 128,
    batch_size: int = 10,
    epochs: int = 100,
    learning_rate: float = 1e-2,
    grad_clip: float = 5.0,
) -> RowFit:
    """Trains a :class:`SupervisedEncoder` on exactly these labelled cells (no others exist
    for it: the caller passes the training rows only).

    Args:
      key: PRNG key (initialisation, batch order).
      adjacency, ops: ``[T, N, N]`` / ``[T, N]`` the training cells.
      y: ``[T]`` their labels (must be finite).
      num_ops: V.
      num_layers, hidden, latent, head_hidden: the model (arch2vec's GIN sizes by default).
      batch_size, epochs: shuffled drop-last batches (``T // batch_size`` steps an epoch; the
        reference's supervised DNGO: batch 10, 100 epochs).
      learning_rate, grad_clip: Adam after global-norm clipping (reference: lr 1e-2).
    """
    y = np.asarray(y, np.float32)
    if not np.isfinite(y).all():
        raise ValueError("fit_rows: every training label must be finite")
    t = len(y)
    if not (len(adjacency) == len(ops) == t) or t < batch_size:
        raise ValueError(f"fit_rows: {len(adjacency)}/{len(ops)}/{t} cells, batch {batch_size}")
    y_mean, y_std = float(y.mean()), float(y.std() + 1e-8)
    ys = (y - y_mean) / y_std
    adjacency, ops = np.asarray(adjacency, np.uint8), np.asarray(ops, np.int32)
    model = SupervisedEncoder(num_ops, num_layers, hidden, latent, head_hidden)
    k_init, k_batches, k_train = jax.random.split(key, 3)
    params, model_state = init(model, k_init, adjacency[:batch_size], ops[:batch_size])
    tx = arch2vec.make_optimizer(learning_rate, grad_clip)
    state = train.create(params, tx, model_state)
    step_fn = train.make_train_step(make_loss_fn(model), tx)
    batches = arch2vec.cached_batch_indices(k_batches, t, batch_size)
    for step in range(epochs * (t // batch_size)):
        i = batches(step)
        state, _ = step_fn(state, Batch(adjacency[i], ops[i], ys[i]), k_train)
    return RowFit(model, state.params, state.model_state, y_mean, y_std)


def regression_metrics(pred: np.ndarray, y: np.ndarray) -> dict:
    """RMSE, Pearson r and Kendall tau of predictions (NumPy / SciPy)."""
    import scipy.stats

    pred, y = np.asarray(pred, np.float64), np.asarray(y, np.float64)
    return {
        "rmse": float(np.sqrt(np.mean((pred - y) ** 2))),
        "pearson": float(np.corrcoef(pred, y)[0, 1]) if len(y) > 1 else float("nan"),
        "kendall_tau": float(scipy.stats.kendalltau(pred, y).statistic) if len(y) > 1 else None,
        "count": int(len(y)),
    }


def _config_dict(config) -> dict:
    return (
        config.to_dict()
        if hasattr(config, "to_dict")
        else {k: getattr(config, k, None) for k in CONFIG_KEYS}
    )


def train_and_evaluate(config, workdir: os.PathLike, bench: tabular.TabularBenchmark) -> dict:
    """Trains the supervised encoder on ``bench``'s labels and exports embeddings.

    Writes under ``workdir``: ``checkpoints/`` (with the model config), ``metrics.jsonl``,
    ``embeddings.npz`` (``ids [C]``, ``embeddings float32 [C, latent]`` of every cell of the
    space, arch2vec's format; ``config.export='labelled'`` exports only the labelled cells) and
    ``results.json`` (held-out RMSE / Pearson r in accuracy units, data source, wall time).

    Returns:
      The results dict.
    """
    t_start = time.perf_counter()
    out = io.make_dir(workdir)
    key = jax.random.key(config.seed)
    k_sub, k_split, k_init, k_batches, k_train = (jax.random.fold_in(key, i) for i in range(5))
    lab = labelled_cells(bench, config.metric)
    if 0 < config.num_labels < len(lab.y):
        sel = np.sort(np.asarray(jax.random.choice(k_sub, len(lab.y), (config.num_labels,), False)))
        lab = lab._replace(
            adjacency=lab.adjacency[sel], ops=lab.ops[sel], y=lab.y[sel], rows=lab.rows[sel]
        )
    train_idx, held_idx = arch2vec.split(k_split, len(lab.y), config.train_fraction)
    y_mean, y_std = float(lab.y[train_idx].mean()), float(lab.y[train_idx].std() + 1e-8)
    ys = (lab.y - y_mean) / y_std

    model = SupervisedEncoder(
        lab.num_ops, config.num_layers, config.hidden, config.latent, config.head_hidden
    )
    tx = arch2vec.make_optimizer(config.learning_rate, config.grad_clip)
    b0 = train_idx[: config.batch_size]
    params, model_state = init(model, k_init, lab.adjacency[b0], lab.ops[b0])
    state = train.create(params, tx, model_state)
    steps_per_call = int(getattr(config, "steps_per_call", 16)) or None
    mesh = train.step.data_parallel_mesh(config.batch_size) if steps_per_call else None
    if steps_per_call is None:
        step_fn = train.make_train_step(make_loss_fn(model), tx)
    else:
        step_fn = train.make_block_step(make_loss_fn(model), tx, mesh)
    steps_per_epoch = len(train_idx) // config.batch_size
    num_steps = int(config.num_steps or config.epochs * steps_per_epoch)
    batch_indices = arch2vec.cached_batch_indices(k_batches, len(train_idx), config.batch_size)

    def get_batch(step: int) -> Batch:
        i = train_idx[batch_indices(step)]
        return Batch(lab.adjacency[i], lab.ops[i], ys[i])

    def get_block(steps: np.ndarray) -> Batch:  # [K, B, ...] in one gather
        i = train_idx[np.stack([batch_indices(s) for s in steps])]
        return Batch(lab.adjacency[i], lab.ops[i], ys[i])

    model_cfg = {
        "num_ops": lab.num_ops,
        "num_layers": config.num_layers,
        "hidden": config.hidden,
        "latent": config.latent,
        "head_hidden": config.head_hidden,
        "y_mean": y_mean,
        "y_std": y_std,
    }
    log.info("%s: %d labelled cells, %d train / %d held out, %d steps",
             bench.name, len(lab.y), len(train_idx), len(held_idx), num_steps)  # fmt: skip
    state, history, run = train.fit_config(
        state, step_fn, get_batch, num_steps, k_train, config, workdir=workdir,
        saved_config={"model": model_cfg, "benchmark": bench.name,
                      "pretrain": _config_dict(config)},
        steps_per_call=steps_per_call, get_block=get_block, mesh=mesh,
    )  # fmt: skip
    t_train = run["seconds"]
    step_done = int(state.step)
    state = jax.device_get(state)  # off the mesh: evaluation and export on the host's device

    t0 = time.perf_counter()
    apply = make_apply(model)
    pred, _ = embed_cells(
        model, state.params, state.model_state, lab.adjacency, lab.ops, config.eval_batch_size,
        apply,
    )  # fmt: skip
    pred = pred * y_std + y_mean
    held = regression_metrics(pred[held_idx], lab.y[held_idx]) if len(held_idx) else {}
    train_m = regression_metrics(pred[train_idx], lab.y[train_idx])
    if config.export == "labelled":
        adj, ops, ids = lab.adjacency, lab.ops, np.asarray(bench.keys)[lab.rows]
        if bench.space == "nb201":
            ids = lab.rows
    else:
        adj, ops, ids = space_cells(bench.space)
    _, emb = embed_cells(
        model, state.params, state.model_state, adj, ops, config.eval_batch_size, apply
    )
    if jaxnas_mesh.is_primary():
        embeddings_lib.save(out / "embeddings.npz", ids, emb)
    t_embed = time.perf_counter() - t0

    results = {
        "method": "supervised",
        "benchmark": bench.name,
        "space": bench.space,
        "metric": config.metric,
        "source": lab.source,
        "step": step_done,
        "num_steps": num_steps,
        "completed": step_done >= num_steps,
        "held_out": held,
        "train": train_m,
        "loss_curve": history,
        "model": model_cfg,
        "config": _config_dict(config),
        "num_params": int(sum(x.size for x in jax.tree.leaves(state.params))),
        "data": {
            "labelled_cells": int(len(lab.y)),
            "train_cells": int(len(train_idx)),
            "held_out_cells": int(len(held_idx)),
            "embedded_cells": int(len(ids)),
        },
        "wall_time_s": {
            "train_this_invocation": t_train,
            "embed": t_embed,
            "total_this_invocation": time.perf_counter() - t_start,
        },
        **train.runtime_info(steps_per_call),
    }
    if jaxnas_mesh.is_primary():
        io.write_json(out / "results.json", results, indent=1)
    log.info("held out %s", json.dumps(held))
    return results


__all__ = [
    "BENCHMARKS",
    "CONFIG_KEYS",
    "Batch",
    "Labelled",
    "RowFit",
    "SupervisedEncoder",
    "embed_cells",
    "fit_rows",
    "init",
    "labelled_cells",
    "make_apply",
    "make_loss_fn",
    "regression_metrics",
    "space_cells",
    "train_and_evaluate",
]
