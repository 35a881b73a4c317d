"""arch2vec pretraining: data of a whole search space, training, evaluation, embeddings.

:func:`train_and_evaluate` runs one pretraining of a graph autoencoder
(:mod:`jaxnas.models.vgae`: arch2vec, or the GAE / VGAE baselines) on the cells of one space and
evaluates it as the seed's table does:

1. :func:`load_cells`: all 423,624 NB101 cells (:func:`jaxnas.spaces.nb101.enumerate_cells`), all
   15,625 NB201 cells (8-vertex graphs), or ``num_cells`` DARTS cells sampled as NASLib samples
   NB301 genotypes (:func:`sample_darts_cells`; normal and reduction cells alike, deduplicated up
   to the order of the two edges of a node), as arch2vec's 11-vertex graphs.
2. A 90/10 split of the cells (:func:`split`); shuffled drop-last batches of the training part
   (:func:`cached_batch_indices`, the indices of :func:`jaxnas.train.batch_indices`: a pure
   function of the step, so resume is exact).
3. :func:`jaxnas.train.fit` with Adam and global-norm clipping; orbax checkpoints with the model
   config beside the parameters.
4. Held-out reconstruction (:mod:`jaxnas.analysis.reconstruction`), validity and uniqueness of
   10,000 graphs decoded from ``N(mean, std)`` of the training encodings -- under the space's own
   rules (``generation``) and the reference code's definitions (``generation_reference``) -- and
   the 16-d embedding (node-mean of ``mu`` over real vertices, encoder in eval mode) of every
   cell.

Speed and scale (``steps_per_call``, default 16): the loop takes blocks of steps per compiled
call (:func:`jaxnas.train.make_block_step`, ``lax.scan`` over pre-gathered batches, the state
donated, metrics kept on device until a log line) -- the same parameters as one step per call
(``steps_per_call=0``) within float tolerance. With several devices (or processes) the batch is
split over :mod:`jaxnas.mesh`'s data axis and the parameters replicated: the loss curve is the
single-device one within float tolerance for the same seed and global batch; only process 0
writes ``metrics.jsonl``, ``embeddings.npz`` and ``results.json`` (orbax writes the checkpoints
multi-host).

Reference switches (each a config key; the ``:reference`` config variant turns all on; the
paper's method is the default), after MSU-MLSys-Lab/arch2vec:

* ``eval_after_epochs=1``: the training regime of the reference scripts, which call
  ``model.eval()`` at the end of each epoch (``models/pretraining_nasbench101.py``,
  ``pretraining_nasbench201.py``, ``pretraining_darts.py``; and ``utils/utils.py``
  ``get_val_acc_vae``) and never ``model.train()`` again: after the first epoch every step is
  taken in eval mode (``z = mu``, no dropout, batch-norm running statistics frozen;
  :func:`jaxnas.models.vgae.make_loss_fn` with ``train=False``).
* ``split='reference'``: the first 90% of one fixed shuffle for training, its batches in the
  same order every epoch (``_build_dataset``: one ``np.random.permutation`` of the first 90% of
  ``data.json``, split into consecutive batches each epoch). The reference's last, short batch
  (``len % 32`` cells) is dropped here (one compiled shape).
* ``nb101_padding='zeros'``: NB101 cells padded with all-zero op rows and no padding class
  (``preprocessing/gen_json.py``), batch norm over every row, embeddings averaged over all 7
  slots, ``held_out_reference`` accuracies counting padding rows (``utils/utils.py``
  ``get_accuracy``).
* ``darts_data='reference'``: DARTS cells as ``preprocessing/gen_isomorphism_graphs.py`` made
  them (:func:`reference_darts_cells`: ``'none'`` included, deduplicated by graph hash, ImageNet
  network with normal = reduce under 600M MACs).
* ``gcn_layer='reference'``: the GAE / VGAE layer of ``models/layers.py`` (see
  :mod:`jaxnas.models.gcn`), 4 layers, input dropout = ``decoder_dropout``.

``config`` is any object with the attributes listed in :data:`CONFIG_KEYS` (e.g. an
``ml_collections.ConfigDict``); nothing here imports absl or ml_collections.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from typing import Any, NamedTuple

import jax
import numpy as np
import optax

from jaxnas import embeddings as embeddings_lib
from jaxnas import io, train
from jaxnas import mesh as jaxnas_mesh
from jaxnas.analysis import reconstruction as rec
from jaxnas.encodings import graphs as graph_lib
from jaxnas.models import gae, vgae
from jaxnas.spaces import base, darts, nb101, nb101_hash, nb201

log = logging.getLogger("jaxnas.pretrain.arch2vec")

SPACES = ("nb101", "nb201", "darts")
METHODS = ("arch2vec", "vgae", "gae")

CONFIG_KEYS = (
    "space",  # 'nb101' | 'nb201' | 'darts'
    "method",  # 'arch2vec' (GIN, variational) | 'vgae' (GCN, variational) | 'gae' (GCN)
    "seed",
    "num_cells",  # NB101/NB201: 0 = all, else a random subset; DARTS: cells sampled
    "nb101_ids",  # 'hash' (official) | 'index' (enumeration order)
    "train_fraction",
    "num_layers",  # 0: the method's default (GIN 4, GCN 1)
    "hidden",
    "latent",
    "op_decoder",  # 'softmax' (paper) | 'sigmoid' (reference)
    "decoder_dropout",
    "kl_weight",  # < 0: the reference's 1 / (batch_size * N)
    "reduction",  # 'elbo' (paper) or 'reference' (per-entry means)
    "graph_form",  # 'dense' | 'jraph'
    "batch_size",
    "epochs",
    "num_steps",  # 0: epochs * (train cells // batch_size)
    "stop_at_step",  # > 0: stop this invocation early (rerun to resume)
    "learning_rate",
    "grad_clip",
    "log_every",
    "checkpoint_every",
    "eval_batch_size",
    "num_latent_samples",
    "eval_after_epochs",  # > 0: eval-mode steps after this many epochs (reference: 1)
    "split",  # 'random' (reshuffled batches each epoch) | 'reference' (fixed batch order)
    "steps_per_call",  # train steps per compiled call (lax.scan block; 0: one step per call)
    "nb101_padding",  # 'class' (a padding decoder class) | 'zeros' (reference)
    "gcn_layer",  # GAE / VGAE: 'kipf' | 'reference'
    "darts_data",  # 'naslib' | 'reference' ('none' included, graph-hash dedup, MACs < 600M)
)

SPLITS = ("random", "reference")
NB101_PADDINGS = ("class", "zeros")


def _get(config, key: str, default):
    """``config.<key>``, or ``default`` for configs written before the key existed."""
    return getattr(config, key, default) if not hasattr(config, "get") else config.get(key, default)


class Cells(NamedTuple):
    """The pretraining data of one space.

    Attributes:
      adjacency: ``uint8 [C, N, N]`` directed, upper-triangular.
      ops: ``int32 [C, N]`` op ids (-1 padding, after the real vertices).
      ids: ``[C]`` cell identifiers (NB101 official hash or enumeration index, NB201 official
        API index, DARTS row index of ``darts_cells``).
      num_ops: V.
      darts_cells: DARTS only: ``int32 [C, 8, 2]`` ``(op id into darts.OPS, input)`` per edge.
      info: JSON-able description of the data.
    """

    adjacency: np.ndarray
    ops: np.ndarray
    ids: np.ndarray
    num_ops: int
    darts_cells: np.ndarray | None
    info: dict


# ----------------------------------------------------------------------------------------------
# Data.


def sample_darts_cells(key: jax.Array, num: int) -> np.ndarray:
    """``num`` DARTS cells drawn as NASLib's NB301 ``sample_random_architecture`` draws one cell.

    Per node ``i``: two ops uniformly (with replacement) from the 7 real ops, two distinct inputs
    uniformly from ``0..i+1`` in random order (vectorised; same distribution as
    :func:`jaxnas.spaces.darts.sample` per cell, not the same draws).

    Returns:
      ``int32 [num, 8, 2]`` rows ``(op id into darts.OPS, input)``.
    """
    rng = base.host_rng(key)
    ops = rng.integers(1, len(darts.OPS), size=(num, darts.NUM_EDGES))
    inputs = np.empty((num, darts.NUM_EDGES), np.int64)
    for i in range(darts.NUM_NODES):
        inputs[:, 2 * i : 2 * i + 2] = rng.random((num, i + 2)).argsort(axis=1)[:, :2]
    return np.stack([ops, inputs], axis=-1).astype(np.int32)


IMAGENET_NETWORK = darts.Network(
    channels=48, layers=14, num_classes=1000, image_size=28, stem_multiplier=1,
    cell_bn_affine=True, pool_bn=False,
)  # fmt: skip
"""DARTS's ``NetworkImageNet(48, 1000, 14, False, genotype)`` from the cells on: 224x224 input
reduced 8x by the stems, so the cells run at 28x28 with C = 48 (reductions at cells 4 and 9)."""

_IMAGENET_STEM_MACS = (
    3 * 24 * 9 * 112 * 112 + 24 * 48 * 9 * 56 * 56 + 48 * 48 * 9 * 28 * 28 - 27 * 48 * 28 * 28
)
"""ImageNet stems (stem0: 3x3/2 conv 3 -> 24 -> 3x3/2 conv 24 -> 48; stem1: 3x3/2 conv 48 -> 48)
minus the CIFAR stem that :data:`IMAGENET_NETWORK` counts (its first cell's FactorizedReduce
from 56x56 costs what the CIFAR-style 1x1 pre-processing at 28x28 costs)."""


def imagenet_macs(cells: np.ndarray) -> np.ndarray:
    """Multiply-accumulates (millions) of DARTS's ImageNet network with normal = reduce = each
    cell (``int [M, 8, 2]``): convolutions and the classifier
    (:func:`jaxnas.spaces.darts.flops` with ``convention='macs'``). The reference's filter
    (``preprocessing/gen_isomorphism_graphs.py``: ``thop.profile`` of
    ``NetworkImageNet(48, 1000, 14, False, genotype)``, ``macs < 6e8``) also counts batch norm
    and pooling, so its threshold bites slightly earlier than this count's."""
    c = np.asarray(cells)
    g = np.stack([c, c], axis=1)  # [M, 2, 8, 2]: normal = reduce
    return darts.flops(g, IMAGENET_NETWORK, convention="macs") + _IMAGENET_STEM_MACS / 1e6


def reference_darts_cells(
    key: jax.Array, num: int, max_macs: float = 600.0
) -> tuple[np.ndarray, dict]:
    """DARTS cells as the reference prepared them (``preprocessing/gen_isomorphism_graphs.py``).

    ``num`` cells are drawn with both ops of a node uniform over all 8 ops, ``'none'``
    included (``sample_arch``: ``np.random.choice(range(len(OPS)), ...)``), and two distinct
    inputs; duplicates are dropped by the isomorphism hash of the 11-vertex graph (``hash_module``
    of ``build_mat_encoding``; here its vectorised fingerprint
    :func:`jaxnas.spaces.nb101_hash.wl_fingerprints`, first occurrence kept); cells whose
    ImageNet network with normal = reduce has ``>= max_macs`` million MACs are dropped
    (:func:`imagenet_macs`). The reference kept drawing until 600,000 cells passed; here
    ``num`` is the number drawn.

    Returns:
      ``(cells int32 [M, 8, 2], info)``.
    """
    rng = base.host_rng(key)
    ops = rng.integers(0, len(darts.OPS), size=(num, darts.NUM_EDGES))
    inputs = np.empty((num, darts.NUM_EDGES), np.int64)
    for i in range(darts.NUM_NODES):
        inputs[:, 2 * i : 2 * i + 2] = rng.random((num, i + 2)).argsort(axis=1)[:, :2]
    cells = np.stack([ops, inputs], axis=-1).astype(np.int32)
    adj, labels = darts_graphs(cells)
    fp = nb101_hash.wl_fingerprints(adj, labels, darts.ARCH2VEC_NODES)
    _, first = np.unique(fp, axis=0, return_index=True)
    unique = cells[np.sort(first)]
    macs = imagenet_macs(unique)
    kept = unique[macs < max_macs]
    info = {
        "darts_data": "reference",
        "darts_sampled": int(num),
        "darts_unique": int(len(unique)),
        "darts_under_macs": int(len(kept)),
        "darts_max_macs_m": float(max_macs),
        "darts_macs_m_range": [float(macs.min()), float(macs.max())] if len(macs) else None,
        "darts_with_none": int((kept[..., 0] == darts.OPS.index("none")).any(1).sum()),
    }
    return kept, info


def canonical_darts_cells(cells: np.ndarray) -> np.ndarray:
    """Sorts the two edges of every node (by op, then input): ``[M, 8, 2] -> [M, 8, 2]``."""
    c = np.asarray(cells).reshape(len(cells), darts.NUM_NODES, 2, 2)
    key = c[..., 0] * 16 + c[..., 1]
    order = np.argsort(key, axis=-1, kind="stable")
    return np.take_along_axis(c, order[..., None], axis=2).reshape(len(cells), darts.NUM_EDGES, 2)


def darts_graphs(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """arch2vec's 11-vertex graphs of DARTS cells (vectorised
    :func:`jaxnas.spaces.darts.to_arch2vec`).

    Args:
      cells: ``int [M, 8, 2]`` ``(op id, input)`` per edge.

    Returns:
      ``(adjacency uint8 [M, 11, 11], ops int32 [M, 11])`` with ids into ``darts.ARCH2VEC_OPS``.
    """
    cells = np.asarray(cells)
    m, n = len(cells), darts.ARCH2VEC_NODES
    adj = np.zeros((m, n, n), np.uint8)
    ops = np.empty((m, n), np.int32)
    ops[:, 0], ops[:, 1], ops[:, -1] = 0, 1, len(darts.ARCH2VEC_OPS) - 1
    ops[:, 2:-1] = cells[:, :, 0] + 2
    adj[:, 2:-1, -1] = 1
    rows = np.arange(m)
    for e in range(darts.NUM_EDGES):
        v, inp = 2 + e, cells[:, e, 1]
        direct = inp < 2
        adj[rows[direct], inp[direct], v] = 1
        j = inp[~direct] - 2
        adj[rows[~direct], 2 + 2 * j, v] = 1
        adj[rows[~direct], 3 + 2 * j, v] = 1
    return adj, ops


def load_cells(
    space: str,
    key: jax.Array,
    num_cells: int = 0,
    nb101_ids: str = "hash",
    darts_data: str = "naslib",
) -> Cells:
    """The pretraining cells of ``space`` (see the module docstring).

    Args:
      space: ``'nb101'``, ``'nb201'`` or ``'darts'``.
      key: PRNG key (subsets, DARTS sampling).
      num_cells: NB101 / NB201: 0 for all cells, else a random subset of that size; DARTS: the
        number of cells to sample (before deduplication; must be > 0).
      nb101_ids: ``'hash'`` (official hashes) or ``'index'`` (enumeration order).
      darts_data: ``'naslib'`` (:func:`sample_darts_cells`, deduplicated up to the order of a
        node's two edges) or ``'reference'`` (:func:`reference_darts_cells`).
    """
    t0 = time.perf_counter()
    cells = None
    if space == "nb101":
        adjacency, ops = nb101.enumerate_cells()
        if nb101_ids == "hash":
            ids = nb101.all_hashes()
        elif nb101_ids == "index":
            ids = np.arange(len(ops))
        else:
            raise ValueError(f"nb101_ids must be 'hash' or 'index', got {nb101_ids!r}")
        num_ops, source = len(nb101.OPS), "nb101.enumerate_cells() (all unique cells)"
    elif space == "nb201":
        adjacency, ops = nb201.to_node_graph(nb201.all_cells())
        ids = np.arange(nb201.NUM_ARCHS)  # official API index
        num_ops, source = len(nb201.NODE_OPS), "nb201.all_cells() as 8-vertex node graphs"
    elif space == "darts":
        if num_cells <= 0:
            raise ValueError("darts needs num_cells > 0 (cells are sampled, not enumerated)")
        if darts_data == "reference":
            cells, darts_info = reference_darts_cells(key, num_cells)
            source = (
                f"{num_cells} DARTS cells sampled as the reference ('none' included), "
                "deduplicated by graph hash, ImageNet MACs < 600M"
            )
        elif darts_data == "naslib":
            sampled = sample_darts_cells(key, num_cells)
            cells = np.unique(canonical_darts_cells(sampled), axis=0)
            darts_info = {"darts_data": "naslib"}
            source = f"{num_cells} DARTS cells sampled (NASLib NB301 distribution), deduplicated"
        else:
            raise ValueError(f"darts_data must be 'naslib' or 'reference', got {darts_data!r}")
        cells = cells[np.asarray(jax.random.permutation(jax.random.fold_in(key, 1), len(cells)))]
        adjacency, ops = darts_graphs(cells)
        ids = np.arange(len(cells))
        num_ops = len(darts.ARCH2VEC_OPS)
    else:
        raise ValueError(f"space must be one of {SPACES}, got {space!r}")
    total = len(ops)
    subsampled = space != "darts" and 0 < num_cells < total
    if subsampled:
        sel = np.sort(np.asarray(jax.random.choice(key, total, (num_cells,), replace=False)))
        adjacency, ops, ids = adjacency[sel], ops[sel], ids[sel]
    info = {
        "space": space,
        "source": source,
        "num_cells": int(len(ops)),
        "space_cells_available": int(total) if space != "darts" else None,
        "subsampled": bool(subsampled),
        "max_nodes": int(ops.shape[1]),
        "num_ops": int(num_ops),
        "padded_cells": int((ops < 0).any(axis=1).sum()),
        "load_s": time.perf_counter() - t0,
    }
    if space == "darts":
        info["darts_sampled"] = int(num_cells)
        info["darts_unique"] = int(len(cells))
        info.update(darts_info)
    return Cells(
        np.ascontiguousarray(adjacency, np.uint8),
        np.ascontiguousarray(ops, np.int32),
        np.asarray(ids),
        int(num_ops),
        cells,
        info,
    )


def split(key: jax.Array, num: int, train_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """A random split of ``range(num)``: ``(train, held_out)`` sorted index arrays."""
    train_order, held = split_shuffled(key, num, train_fraction)
    return np.sort(train_order), held


def split_shuffled(
    key: jax.Array, num: int, train_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """The same split as :func:`split`, the training part in its shuffled order (the
    reference's fixed batch order) and the held-out part sorted."""
    perm = np.asarray(jax.random.permutation(key, num))
    k = int(round(train_fraction * num))
    return perm[:k], np.sort(perm[k:])


def fixed_batch_indices(order: np.ndarray, batch_size: int):
    """``step -> positions``: consecutive drop-last batches of ``order``'s positions, the same
    every epoch (``split='reference'``)."""
    spe = len(order) // batch_size
    if spe == 0:
        raise ValueError(f"batch size {batch_size} exceeds the {len(order)} examples")

    def batch(step: int) -> np.ndarray:
        start = (step % spe) * batch_size
        return np.arange(start, start + batch_size)

    return batch


def cached_batch_indices(key: jax.Array, num_examples: int, batch_size: int):
    """``step -> indices`` of :func:`jaxnas.train.batch_indices` (which caches each epoch's
    permutation, so a call costs microseconds)."""
    if num_examples // batch_size == 0:
        raise ValueError(f"batch size {batch_size} exceeds the {num_examples} examples")
    return functools.partial(train.batch_indices, key, num_examples, batch_size)


class BatchMaker:
    """Builds :class:`jaxnas.models.vgae.Batch` es of cells by index on the host.

    For ``graph_form='jraph'`` a :class:`jaxnas.encodings.graphs.GraphStore` (symmetric edges) is
    built once and batches are gathered from it (no ``jraph.batch`` per step).
    """

    def __init__(self, cells: Cells, graph_form: str):
        self.cells = cells
        self.store = None
        if graph_form == "jraph":
            max_edges = 2 * int(cells.adjacency.reshape(len(cells.ops), -1).sum(1).max())
            self.store = graph_lib.graph_store(
                cells.adjacency, cells.ops, cells.num_ops, symmetric=True, max_edges=max_edges
            )

    def __call__(self, index: np.ndarray) -> vgae.Batch:
        index = np.asarray(index)
        graphs = graph_lib.graphs_tuple(self.store, index) if self.store is not None else None
        return vgae.Batch(self.cells.adjacency[index], self.cells.ops[index], graphs)


# ----------------------------------------------------------------------------------------------
# Model and optimiser from a config.


def model_config(config, cells: Cells) -> vgae.ModelConfig:
    """The :class:`~jaxnas.models.vgae.ModelConfig` of a pretraining config for these cells."""
    n = cells.ops.shape[1]
    padding = _get(config, "nb101_padding", "class")
    if padding not in NB101_PADDINGS:
        raise ValueError(f"nb101_padding must be one of {NB101_PADDINGS}, got {padding!r}")
    has_padding = bool((cells.ops < 0).any())
    pad_class = has_padding and padding == "class"
    kl = float(config.kl_weight)
    if kl < 0:
        kl = vgae.reference_kl_weight(config.batch_size, n)
    kw = dict(
        hidden=config.hidden,
        latent=config.latent,
        op_decoder=config.op_decoder,
        decoder_dropout=config.decoder_dropout,
        kl_weight=kl,
        reduction=_get(config, "reduction", "reference"),
        pool_all_slots=has_padding and padding == "zeros",
    )
    if config.num_layers:
        kw["num_layers"] = config.num_layers
    if config.method == "arch2vec":
        return vgae.ModelConfig(
            cells.num_ops, n, pad_class, encoder="gin", graph_form=config.graph_form,
            bn_all_rows=has_padding and padding == "zeros", **kw,
        )  # fmt: skip
    gcn_layer = _get(config, "gcn_layer", "kipf")
    kw["gcn_layer"] = gcn_layer
    if gcn_layer == "reference":
        kw["encoder_dropout"] = config.decoder_dropout
    if config.method == "vgae":
        return gae.vgae_config(cells.num_ops, n, pad_class, **kw)
    if config.method == "gae":
        return gae.gae_config(cells.num_ops, n, pad_class, **kw)
    raise ValueError(f"method must be one of {METHODS}, got {config.method!r}")


def make_optimizer(learning_rate: float, grad_clip: float) -> optax.GradientTransformation:
    """Adam (PyTorch's defaults) after global-norm clipping (reference: 1e-3, clip 5)."""
    return optax.chain(optax.clip_by_global_norm(grad_clip), optax.adam(learning_rate, eps=1e-8))


def make_forward(model: vgae.GraphAutoencoder):
    """Jitted eval-mode ``forward(params, model_state, batch) -> Outputs`` (z = mu)."""

    @jax.jit
    def forward(params, model_state, batch):
        return model.apply({"params": params, **model_state}, batch, train=False)

    return forward


def make_decode(model: vgae.GraphAutoencoder, params, model_state):
    """Jitted ``z [S, N, D] -> (op_logits, adj_logits)`` with the given parameters."""
    variables = {"params": params, **model_state}

    @jax.jit
    def decode(variables, z):
        return model.apply(variables, z, method=vgae.GraphAutoencoder.decode)

    return lambda z: decode(variables, z)


def pool(mu: np.ndarray, ops: np.ndarray, all_slots: bool = False) -> np.ndarray:
    """Cell embeddings ``[B, D]`` from ``mu [B, N, D]``: the mean over real vertices (``ops >=
    0``), or over every slot when ``all_slots`` (the reference's NB101 embeddings)."""
    mu = np.asarray(mu)
    if all_slots:
        return mu.mean(1)
    real = (np.asarray(ops) >= 0)[..., None]
    return (mu * real).sum(1) / np.maximum(real.sum(1), 1)


def _padded_batches(index: np.ndarray, size: int):
    """Yields ``(batch_index [size], k)``: ``index`` in chunks, the last padded with its first."""
    for start in range(0, len(index), size):
        chunk = index[start : start + size]
        k = len(chunk)
        if k < size:
            chunk = np.concatenate([chunk, np.full(size - k, chunk[0], chunk.dtype)])
        yield chunk, k


def evaluate(
    model: vgae.GraphAutoencoder,
    params,
    model_state,
    cells: Cells,
    train_idx: np.ndarray,
    held_idx: np.ndarray,
    key: jax.Array,
    space: str,
    num_samples: int = 10_000,
    batch_size: int = 1024,
) -> tuple[dict, np.ndarray]:
    """Held-out reconstruction, validity / uniqueness, and the embedding of every cell.

    Returns:
      ``(metrics, embeddings float32 [C, D])``; embeddings are the node-means of ``mu`` over
      real vertices (eval mode).
    """
    make = BatchMaker(cells, model.config.graph_form)
    forward = make_forward(model)
    pad_class = model.config.pad_class
    counts_fn = jax.jit(rec.reconstruction_counts, static_argnums=4)
    ref_counts_fn = jax.jit(rec.reference_counts)
    t0 = time.perf_counter()
    counts, ref_counts = [], []
    for idx, k in _padded_batches(held_idx, batch_size):
        b = make(idx)
        out = forward(params, model_state, b)
        w = np.arange(len(idx)) < k
        counts.append(counts_fn(out.op_logits, out.adj_logits, b.adjacency, b.ops, pad_class, w))
        ref_counts.append(ref_counts_fn(out.op_logits, out.adj_logits, b.adjacency, b.ops, w))
    recon = rec.accuracies(rec.sum_counts(counts)) if counts else {}
    recon.update(rec.sum_counts(counts) if counts else {})
    recon_ref = rec.reference_accuracies(rec.sum_counts(ref_counts)) if ref_counts else {}
    t_recon = time.perf_counter() - t0

    t0 = time.perf_counter()
    is_train = np.zeros(len(cells.ops), bool)
    is_train[train_idx] = True
    emb = np.zeros((len(cells.ops), model.config.latent), np.float32)
    train_mu = []
    for idx, k in _padded_batches(np.arange(len(cells.ops)), batch_size):
        mu = np.asarray(forward(params, model_state, make(idx)).mu[:k])
        emb[idx[:k]] = pool(mu, cells.ops[idx[:k]], model.config.pool_all_slots)
        train_mu.append(mu[is_train[idx[:k]]])
    mean, std = rec.latent_moments(train_mu)
    t_embed = time.perf_counter() - t0

    t0 = time.perf_counter()
    gen = rec.generation_metrics(
        key, make_decode(model, params, model_state), mean, std, space, pad_class, num_samples
    )
    t_gen = time.perf_counter() - t0
    gen_ref = gen.pop("reference")
    metrics = {
        "held_out": recon,
        "held_out_reference": recon_ref,
        "generation": gen,
        "generation_reference": gen_ref,
        "latent_std_mean": float(std.mean()),
        "eval_wall_time_s": {"reconstruction": t_recon, "embed": t_embed, "generation": t_gen},
    }
    return metrics, emb


# ----------------------------------------------------------------------------------------------
# Outputs.


def write_json_atomic(path: os.PathLike, obj: Any) -> None:
    """Writes ``obj`` as JSON to ``path`` atomically (:func:`jaxnas.io.write_json`)."""
    io.write_json(path, obj, indent=1)


def restore(workdir: os.PathLike, step: int | None = None):
    """``(model, params, model_state, saved_config)`` of a pretraining checkpoint.

    The model is rebuilt from the config saved beside the parameters.
    """
    saved = train.checkpoint.read_config(workdir, step)
    mc = vgae.ModelConfig.from_dict(saved["model"])
    model = vgae.GraphAutoencoder(mc)
    n = mc.max_nodes
    dummy = BatchMaker(
        Cells(
            np.zeros((1, n, n), np.uint8) + np.triu(np.ones((n, n), np.uint8), 1),
            np.zeros((1, n), np.int32),
            np.zeros(1),
            mc.num_ops,
            None,
            {},
        ),
        mc.graph_form,
    )(np.zeros(1, int))
    params, model_state = vgae.init(model, jax.random.key(0), dummy)
    tx = make_optimizer(saved["optimizer"]["learning_rate"], saved["optimizer"]["grad_clip"])
    template = train.create(params, tx, model_state)
    mgr = train.checkpoint.manager(workdir)
    try:
        state, _ = train.checkpoint.restore(mgr, template, step)
    finally:
        mgr.close()
    return model, state.params, state.model_state, saved


def make_step_fn(
    model: vgae.GraphAutoencoder,
    tx,
    eval_from_step: int = 0,
    steps_per_call: int | None = None,
    mesh=None,
):
    """``step_fn(state, batch, rng)`` for :func:`jaxnas.train.fit`: training-mode steps, then,
    from step ``eval_from_step`` on (when > 0), the reference's eval-mode steps
    (:func:`jaxnas.models.vgae.make_loss_fn` with ``train=False``).

    ``steps_per_call=None``: one step per call (:func:`jaxnas.train.make_train_step`); else a
    block step (:func:`jaxnas.train.make_block_step`, data-parallel over ``mesh`` if given)
    taking ``batches`` with a leading block axis; pass ``boundaries=(eval_from_step,)`` to
    :func:`jaxnas.train.fit` so that no block straddles the switch.
    """
    if steps_per_call is None:
        make = functools.partial(train.make_train_step, tx=tx)
    else:
        make = functools.partial(train.make_block_step, tx=tx, mesh=mesh)
    train_step = make(vgae.make_loss_fn(model))
    if eval_from_step <= 0:
        return train_step
    eval_step = make(vgae.make_loss_fn(model, train=False))
    step = [None]  # host-side step counter (no device sync per step)

    def step_fn(state, batch, rng):
        if step[0] is None:
            step[0] = int(state.step)
        fn = train_step if step[0] < eval_from_step else eval_step
        step[0] += 1 if steps_per_call is None else len(jax.tree.leaves(batch)[0])
        return fn(state, batch, rng)

    return step_fn


def _config_dict(config) -> dict:
    if hasattr(config, "to_dict"):
        return config.to_dict()
    return {k: _get(config, k, None) for k in CONFIG_KEYS}


# ----------------------------------------------------------------------------------------------
# The run.


def train_and_evaluate(config, workdir: os.PathLike) -> dict:
    """One pretraining + evaluation; writes under ``workdir``:

    ``checkpoints/`` (state and saved config), ``metrics.jsonl`` (loss curve),
    ``embeddings.npz`` (``ids [C]``, ``embeddings float32 [C, D]``, DARTS also ``darts_cells
    [C, 8, 2]``; the last invocation's parameters) and ``results.json`` (held-out reconstruction,
    validity, uniqueness, config, data, wall time, throughput), both atomically. Rerunning with the
    same ``workdir`` resumes from the latest checkpoint.

    Returns:
      The results dict.
    """
    t_start = time.perf_counter()
    out = io.make_dir(workdir)
    key = jax.random.key(config.seed)
    k_data, k_split, k_init, k_batches, k_train, k_gen = (
        jax.random.fold_in(key, i) for i in range(6)
    )
    cells = load_cells(
        config.space, k_data, config.num_cells, config.nb101_ids,
        _get(config, "darts_data", "naslib"),
    )  # fmt: skip
    split_kind = _get(config, "split", "random")
    if split_kind not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split_kind!r}")
    train_idx, held_idx = split_shuffled(k_split, len(cells.ops), config.train_fraction)
    if split_kind == "random":
        train_idx = np.sort(train_idx)
    t_data = time.perf_counter() - t_start
    log.info(
        "%s: %d cells (%.1fs), %d train / %d held out",
        config.space, len(cells.ops), t_data, len(train_idx), len(held_idx),
    )  # fmt: skip

    mc = model_config(config, cells)
    model = vgae.GraphAutoencoder(mc)
    make = BatchMaker(cells, mc.graph_form)
    steps_per_epoch = len(train_idx) // config.batch_size
    num_steps = int(config.num_steps or config.epochs * steps_per_epoch)
    tx = make_optimizer(config.learning_rate, config.grad_clip)
    params, model_state = vgae.init(model, k_init, make(train_idx[: config.batch_size]))
    state = train.create(params, tx, model_state)
    eval_from = int(_get(config, "eval_after_epochs", 0)) * steps_per_epoch
    steps_per_call = int(_get(config, "steps_per_call", 16)) or None
    mesh = train.step.data_parallel_mesh(config.batch_size) if steps_per_call else None
    if mesh is not None and mc.graph_form != "dense":
        raise ValueError("data-parallel pretraining needs graph_form='dense'")
    step_fn = make_step_fn(model, tx, eval_from, steps_per_call, mesh)
    if split_kind == "reference":
        batch_indices = fixed_batch_indices(train_idx, config.batch_size)
    else:
        batch_indices = cached_batch_indices(k_batches, len(train_idx), config.batch_size)

    def get_batch(step: int) -> vgae.Batch:
        return make(train_idx[batch_indices(step)])

    def get_block(steps: np.ndarray) -> vgae.Batch:  # [K, B, ...] in one gather
        return make(train_idx[np.stack([batch_indices(s) for s in steps])])

    saved_config = {
        "model": mc.to_dict(),
        "space": config.space,
        "method": config.method,
        "optimizer": {"learning_rate": config.learning_rate, "grad_clip": config.grad_clip},
        "num_steps": num_steps,
        "pretrain": _config_dict(config),
    }
    state, history, run = train.fit_config(
        state, step_fn, get_batch, num_steps, k_train, config, workdir=workdir,
        saved_config=saved_config, steps_per_call=steps_per_call,
        get_block=get_block if mc.graph_form == "dense" else None,
        boundaries=(eval_from,) if eval_from > 0 else (), mesh=mesh,
    )  # fmt: skip
    t_train, steps_run = run["seconds"], run["steps_run"]
    params, model_state = jax.device_get((state.params, state.model_state))  # off the mesh

    metrics, emb = evaluate(
        model, params, model_state, cells, train_idx, held_idx, k_gen,
        config.space, config.num_latent_samples, config.eval_batch_size,
    )  # fmt: skip
    arrays = {"ids": cells.ids, "embeddings": emb}
    if cells.darts_cells is not None:
        arrays["darts_cells"] = cells.darts_cells
    primary = jaxnas_mesh.is_primary()
    if primary:
        embeddings_lib.save(out / "embeddings.npz", **arrays)

    curve = []
    metrics_path = out / "metrics.jsonl"
    if metrics_path.exists():
        curve = io.read_jsonl(metrics_path)
    window_rates = [r["steps_per_s"] for r in history if "steps_per_s" in r]
    results = {
        "space": config.space,
        "method": config.method,
        "completed": int(state.step) >= num_steps,
        "step": int(state.step),
        "num_steps": num_steps,
        **metrics,
        "final_train_loss": (curve or history)[-1] if (curve or history) else None,
        "loss_curve": curve or history,
        "config": _config_dict(config),
        "model": mc.to_dict(),
        "num_params": int(sum(x.size for x in jax.tree.leaves(params))),
        "data": {
            **cells.info,
            "train_cells": int(len(train_idx)),
            "held_out_cells": int(len(held_idx)),
            "steps_per_epoch": int(steps_per_epoch),
            "epochs": num_steps / max(steps_per_epoch, 1),
        },
        "throughput": {
            "steps_this_invocation": steps_run,
            "steps_per_s_incl_compile": steps_run / max(t_train, 1e-9),
            "graphs_per_s_incl_compile": steps_run * config.batch_size / max(t_train, 1e-9),
            "steps_per_s_median_window": float(np.median(window_rates)) if window_rates else None,
        },
        "wall_time_s": {
            "data": t_data,
            "train_this_invocation": t_train,
            **metrics["eval_wall_time_s"],
            "total_this_invocation": time.perf_counter() - t_start,
        },
        **train.runtime_info(steps_per_call),
    }
    del results["eval_wall_time_s"]
    if primary:
        write_json_atomic(out / "results.json", results)
    log.info("held out %s", json.dumps(results["held_out"]))
    log.info("generation %s", json.dumps(results["generation"]))
    log.info("generation_reference %s", json.dumps(results["generation_reference"]))
    return results


def embed(model, params, model_state, adjacency, ops, batch_size: int = 1024) -> np.ndarray:
    """Embeddings ``float32 [C, D]`` (node-mean of ``mu`` over real vertices) of cells
    ``(adjacency uint8 [C, N, N], ops int32 [C, N])``, e.g. with :func:`restore`'s model."""
    ops = np.asarray(ops, np.int32)
    cells = Cells(np.asarray(adjacency, np.uint8), ops, np.arange(len(ops)), 0, None, {})
    cells = cells._replace(num_ops=model.config.num_ops)
    make = BatchMaker(cells, model.config.graph_form)
    forward = make_forward(model)
    out = np.zeros((len(ops), model.config.latent), np.float32)
    for idx, k in _padded_batches(np.arange(len(ops)), batch_size):
        mu = np.asarray(forward(params, model_state, make(idx)).mu[:k])
        out[idx[:k]] = pool(mu, ops[idx[:k]], model.config.pool_all_slots)
    return out


__all__ = [
    "CONFIG_KEYS",
    "METHODS",
    "SPACES",
    "BatchMaker",
    "Cells",
    "cached_batch_indices",
    "fixed_batch_indices",
    "imagenet_macs",
    "reference_darts_cells",
    "make_step_fn",
    "pool",
    "split_shuffled",
    "canonical_darts_cells",
    "darts_graphs",
    "embed",
    "evaluate",
    "load_cells",
    "make_decode",
    "make_forward",
    "make_optimizer",
    "model_config",
    "restore",
    "sample_darts_cells",
    "split",
    "train_and_evaluate",
    "write_json_atomic",
]
