"""CATE pretraining: cells of a space, MLM masking and loss, evaluation, the training run,
embeddings export.

Reproduces MSU-MLSys-Lab/CATE's ``run.py`` (training loop, AdamW parameter groups, linear
warm-up schedule, best-validation-loss checkpoint), ``utils/utils.py`` (``sequence_corruption``,
``prepare_train``), ``layers/loss.py`` (label-smoothed KL loss) and
``preprocessing/data_generate.py`` (pairs, via :mod:`jaxnas.pretrain.cate_pairs`). Every
deviation that changes results is a switch, CATE's behaviour the default:

* :func:`load_cells` -- every cell of NB101 / NB201 (or sampled DARTS genotypes) as padded
  ``(adjacency, ops)`` arrays, their computational attribute (raw parameter / FLOP counts, so
  CATE's ``delta`` values apply as written) and ids. DARTS: one 15-node cell with the reduction
  cell tied to the normal one (CATE's ``gen_json_darts.py``: ``reduce_cell =
  normal_cell.copy()``), or (``darts_tie_reduce=False``) independent cells, optionally both in
  one block-diagonal graph;
* :func:`mlm_mask` -- CATE's corruption: every real position (input and output nodes included)
  selected with ``p = 0.2``; a selected token becomes MASK w.p. 0.8, else a uniformly random
  id in ``0 .. num_ops - 1``. Targets are the selected positions whose true token is not PAD --
  with CATE's ids (PAD 0) the op-0 tokens are never targets;
* :func:`smoothed_targets` / :func:`make_loss_fn` -- CATE's ``LabelSmoothing``: confidence 0.9
  on the target, 0.1 spread over the other non-PAD classes (``'ops'``; with distinct ids MASK
  gets none either; ``'uniform'``: optax's smoothing over the whole vocabulary, the earlier
  jaxnas loss); the loss is the KL divergence per target token (CATE's ``KLDivLoss`` sum
  divided by the number of targets), whose gradient is that of the cross entropy;
* :func:`make_eval_fn` -- held-out KL (the validation loss CATE logs, per target token) and
  masked-op accuracy next to two frequency baselines on the same masked positions;
* :func:`make_optimizer` -- AdamW (eps 1e-8) with linear warm-up then linear decay, no weight
  decay on biases and LayerNorm parameters (CATE's ``no_decay`` group) unless
  ``decay_all=True``;
* :func:`train_and_evaluate` -- the whole run (data, pairs, training with checkpoints and
  resume, periodic validation keeping the best validation-KL parameters, embeddings of every
  cell from them, ``results.json``), data-parallel over :mod:`jaxnas.mesh` (issue 16): every
  train and eval batch split over the mesh's data axis, parameters and optimiser state
  replicated; the keys and the loss (a sum over the global batch) do not depend on the number
  of devices, so the loss curve equals the single-device one within float tolerance
  (``tests/pretrain/test_cate_parallel.py``: 8 forced host devices against 1); only the
  primary process (:func:`jaxnas.mesh.is_primary`) writes the best parameters, embeddings and
  results;
* :func:`embed_cells` (written and read with :mod:`jaxnas.embeddings`) -- pooled graph-encoder
  outputs, one row per cell, written atomically; :func:`restore` -- model and (best or last)
  parameters back from a run directory.

A batch is a dict of NumPy / JAX arrays ``adj_x [B, N, N]``, ``ops_x [B, N]``, ``adj_y``,
``ops_y`` (ops -1 at padding).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnas import embeddings as jaxnas_embeddings
from jaxnas import io, train
from jaxnas import mesh as jaxnas_mesh
from jaxnas.encodings import tokens as tok
from jaxnas.models import cate as cate_model
from jaxnas.pretrain import cate_pairs
from jaxnas.spaces import base, darts, nb101, nb201

log = logging.getLogger("jaxnas.pretrain.cate")

SPACES = ("nb101", "nb201", "darts")
SMOOTHING_SUPPORTS = ("ops", "uniform")


class Cells(NamedTuple):
    """The architectures of a pretraining run.

    Attributes:
      adjacency: ``uint8 [M, N, N]`` padded adjacencies.
      ops: ``int32 [M, N]`` op ids, -1 at padding.
      attribute: ``float64 [M]`` computational attribute (raw count, e.g. parameters).
      ids: ``[M]`` ids exported with the embeddings (int index or str hash / genotype).
      num_ops: op vocabulary size.
      info: JSON-able description of the data (space, source, attribute, counts).
    """

    adjacency: np.ndarray
    ops: np.ndarray
    attribute: np.ndarray
    ids: np.ndarray
    num_ops: int
    info: dict


def load_cells(
    space: str,
    attribute: str = "params",
    *,
    key: jax.Array | None = None,
    num_cells: int = 0,
    nb101_hashes: bool = False,
    nb201_dataset: str = "cifar10",
    darts_cells: tuple[str, ...] = ("normal",),
    darts_tie_reduce: bool = True,
) -> Cells:
    """Cells of a search space with their computational attribute.

    Args:
      space: ``'nb101'`` (all 423,624 cells), ``'nb201'`` (all 15,625 cells as 8-node graphs,
        :func:`jaxnas.spaces.nb201.to_node_graph`) or ``'darts'`` (``num_cells`` sampled
        genotypes, :func:`jaxnas.spaces.darts.sample`, as CATE's 15-node graphs).
      attribute: ``'params'`` or ``'flops'`` (NB101: MACs; NB201 / DARTS: NASLib's FLOPs), in
        raw units (not millions).
      key: PRNG key for DARTS sampling and for subsampling (``num_cells`` > 0 on NB101/NB201).
      num_cells: DARTS: number of genotypes (required); NB101/NB201: 0 for all, else a random
        subset of this size (for smoke runs).
      nb101_hashes: export NB101 ids as official hashes (computed once, ~30 s, cached) instead
        of enumeration indices.
      nb201_dataset: network whose params / FLOPs are used for NB201.
      darts_cells: the DARTS cells encoded, one 15-node cell (``('normal',)``, CATE) or
        several as one block-diagonal graph (``('normal', 'reduce')``: 30 nodes).
      darts_tie_reduce: set every genotype's reduction cell to its normal cell before computing
        ids and the attribute, as CATE's ``gen_json_darts.py`` (``reduce_cell =
        normal_cell.copy()``); with ``False`` the two cells are independent (NASLib's sampler)
        and a one-cell encoding hides half of what the FLOPs depend on.

    Returns:
      :class:`Cells`.
    """
    if attribute not in ("params", "flops"):
        raise ValueError(f"attribute must be 'params' or 'flops', got {attribute!r}")
    key = jax.random.key(0) if key is None else key
    if space == "nb101":
        adjacency, ops = nb101.enumerate_cells()
        index = np.arange(len(ops))
        if num_cells:
            index = np.sort(base.host_rng(key).choice(len(ops), num_cells, replace=False))
            adjacency, ops = adjacency[index], ops[index]
        costs = nb101.costs_batch(adjacency, ops)
        attr = costs["params"] if attribute == "params" else costs["flops"] * 1e6
        ids = nb101.all_hashes()[index] if nb101_hashes else index
        num_ops, source = len(nb101.OPS), "nb101.enumerate_cells (all 423,624 cells)"
    elif space == "nb201":
        cells = nb201.all_cells()
        index = np.arange(len(cells))
        if num_cells:
            index = np.sort(base.host_rng(key).choice(len(cells), num_cells, replace=False))
        cells = cells[index]
        adjacency, ops = nb201.to_node_graph(cells)
        fn = nb201.num_params if attribute == "params" else nb201.flops
        attr = fn(cells, nb201_dataset) * 1e6
        ids = index
        num_ops, source = len(nb201.NODE_OPS), f"nb201.all_cells (official index), {nb201_dataset}"
    elif space == "darts":
        if num_cells <= 0:
            raise ValueError("darts: num_cells (number of sampled genotypes) must be positive")
        keys = jax.random.split(key, num_cells)
        genotypes = [darts.sample(k) for k in keys]
        if darts_tie_reduce:
            genotypes = [g._replace(reduce=g.normal) for g in genotypes]
        graphs = [[darts.to_cate(g, c) for c in darts_cells] for g in genotypes]
        n = darts.CATE_NODES
        nc = len(darts_cells)
        adjacency = np.zeros((num_cells, nc * n, nc * n), np.uint8)
        ops = np.zeros((num_cells, nc * n), np.int32)
        for i, gs in enumerate(graphs):
            for c, (a, o) in enumerate(gs):
                adjacency[i, c * n : (c + 1) * n, c * n : (c + 1) * n] = a
                ops[i, c * n : (c + 1) * n] = o
        fn = darts.num_params if attribute == "params" else darts.flops
        attr = fn(genotypes) * 1e6
        ids = np.asarray([darts.to_string(g) for g in genotypes])
        num_ops = len(darts.CATE_OPS)
        tie = ", reduce tied to normal" if darts_tie_reduce else ""
        source = f"darts.sample x {num_cells} (NASLib's sampler{tie}), cells {list(darts_cells)}"
    else:
        raise ValueError(f"unknown space {space!r}; known: {SPACES}")
    info = {
        "space": space,
        "source": source,
        "num_cells": int(len(ops)),
        "max_nodes": int(ops.shape[1]),
        "attribute": attribute,
        "attribute_range": [float(np.min(attr)), float(np.max(attr))],
        "subsampled": bool(num_cells) and space != "darts",
    }
    return Cells(
        np.asarray(adjacency, np.uint8),
        np.asarray(ops, np.int32),
        np.asarray(attr, np.float64),
        ids,
        num_ops,
        info,
    )


def split_indices(key: jax.Array, num: int, train_fraction: float = 0.95):
    """A random split of ``range(num)``: ``(train int64 [T], held_out int64 [num - T])``."""
    perm = base.host_rng(key).permutation(num)
    t = int(round(train_fraction * num))
    return np.sort(perm[:t]), np.sort(perm[t:])


def gather_pairs(cells: Cells, pairs: np.ndarray) -> dict[str, np.ndarray]:
    """A batch dict for ``pairs int [B, 2]`` (indices into ``cells``)."""
    x, y = pairs[:, 0], pairs[:, 1]
    return {
        "adj_x": cells.adjacency[x],
        "ops_x": cells.ops[x],
        "adj_y": cells.adjacency[y],
        "ops_y": cells.ops[y],
    }


def mlm_mask(
    key: jax.Array,
    tokens: jax.Array,
    token_mask: jax.Array,
    num_ops: int,
    select_prob: float = 0.2,
    mask_prob: float = 0.8,
    token_ids: str = "reference",
) -> tuple[jax.Array, jax.Array]:
    """CATE's corruption of real tokens (``utils/utils.py: sequence_corruption``).

    Args:
      key: PRNG key.
      tokens: ``int [..., L]`` token ids.
      token_mask: ``bool [..., L]`` real tokens (only these can be selected; all of them can).
      num_ops: op vocabulary size (random replacements are ids ``0 .. num_ops - 1``, CATE's
        ``range(n_vocab)``).
      select_prob: probability that a real token is selected for prediction.
      mask_prob: probability that a selected token becomes MASK (else a random id).
      token_ids: :data:`jaxnas.encodings.tokens.TOKEN_IDS` (the MASK id).

    Returns:
      ``(inputs int32 [..., L], selected bool [..., L])``.
    """
    k_sel, k_mask, k_rand = jax.random.split(key, 3)
    selected = jax.random.bernoulli(k_sel, select_prob, tokens.shape) & token_mask
    use_mask = jax.random.bernoulli(k_mask, mask_prob, tokens.shape)
    random_op = jax.random.randint(k_rand, tokens.shape, 0, num_ops, dtype=jnp.int32)
    replaced = jnp.where(use_mask, jnp.int32(tok.mask_id(num_ops, token_ids)), random_op)
    return jnp.where(selected, replaced, tokens).astype(jnp.int32), selected


def smoothed_targets(
    targets: jax.Array, vocab: tok.Vocab, smoothing: float = 0.1, support: str = "ops"
) -> jax.Array:
    """Label-smoothed target distributions, ``int [...] -> float32 [..., V]``.

    ``support='ops'`` (CATE's ``layers/loss.py: LabelSmoothing``): ``1 - smoothing`` on the
    target and ``smoothing`` spread evenly over the other classes except PAD -- and, with
    distinct ids, except MASK (CATE's MASK id is a real op and gets its share). ``'uniform'``:
    ``(1 - smoothing) * one_hot + smoothing / V`` (optax; the earlier jaxnas loss).
    """
    one_hot = jax.nn.one_hot(targets, vocab.size)
    if support == "uniform":
        return optax.smooth_labels(one_hot, smoothing)
    if support != "ops":
        raise ValueError(f"unknown smoothing support {support!r}; use one of {SMOOTHING_SUPPORTS}")
    allowed = np.ones(vocab.size, np.float32)
    allowed[vocab.pad] = 0.0
    if vocab.mask >= vocab.num_ops:  # a MASK row of its own
        allowed[vocab.mask] = 0.0
    allowed_b = jnp.asarray(allowed).reshape((1,) * (one_hot.ndim - 1) + (-1,))
    others = allowed_b * (1.0 - one_hot)
    return (1.0 - smoothing) * one_hot + smoothing * others / (allowed.sum() - 1.0)


def kl_and_ce(logits: jax.Array, q: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Per-position ``KL(q || softmax(logits))`` (CATE's ``nn.KLDivLoss`` terms, ``0 log 0 =
    0``) and cross entropy ``-sum q log p``: ``[..., V], [..., V] -> ([...], [...])``."""
    logp = jax.nn.log_softmax(logits)
    ce = -(q * logp).sum(-1)
    neg_entropy = jnp.where(q > 0, q * jnp.log(jnp.where(q > 0, q, 1.0)), 0.0).sum(-1)
    return neg_entropy + ce, ce


class MLMConfig(NamedTuple):
    """Masking and loss settings (CATE's ``--corruption_rate 0.2``, 0.8 MASK, ``--label_smoothing
    0.1``; ``smoothing_support`` see :func:`smoothed_targets`)."""

    select_prob: float = 0.2
    mask_prob: float = 0.8
    label_smoothing: float = 0.1
    smoothing_support: str = "ops"


def _corrupt_pair(model, batch, key, mlm: MLMConfig):
    """Tokens of both sides, corrupted, the targets over ``[X; Y]`` and the target weights
    (selected, true token not PAD)."""
    c = model.config
    tx = cate_model.cell_tokens(c, batch["adj_x"], batch["ops_x"])
    ty = cate_model.cell_tokens(c, batch["adj_y"], batch["ops_y"])
    targets = jnp.concatenate([tx.tokens, ty.tokens], axis=1)
    real = jnp.concatenate([tx.token_mask, ty.token_mask], axis=1)
    inputs, selected = mlm_mask(
        key, targets, real, c.num_ops, mlm.select_prob, mlm.mask_prob, c.token_ids
    )
    nx = tx.tokens.shape[1]
    tx = tx._replace(tokens=inputs[:, :nx])
    ty = ty._replace(tokens=inputs[:, nx:])
    return tx, ty, targets, selected & (targets != c.vocab.pad)


def make_loss_fn(model: cate_model.CATE, mlm: MLMConfig | None = None) -> Callable:
    """``loss_fn(params, model_state, batch, rng) -> (loss, (model_state, metrics))``.

    The loss is the KL divergence to the smoothed targets summed over the target positions of
    the batch and divided by their number (CATE's ``lossFunc(logits, labels, n_token)``);
    metrics ``acc`` (argmax accuracy on them) and ``masked`` (their number). ``mlm`` defaults
    to :class:`MLMConfig` ``()`` (CATE's settings).
    """
    mlm = MLMConfig() if mlm is None else mlm
    vocab = model.config.vocab

    def loss_fn(params, model_state, batch, rng):
        k_mask, k_drop = jax.random.split(rng)
        tx, ty, targets, w = _corrupt_pair(model, batch, k_mask, mlm)
        logits = model.apply({"params": params}, tx, ty, train=True, rngs={"dropout": k_drop})
        q = smoothed_targets(targets, vocab, mlm.label_smoothing, mlm.smoothing_support)
        kl, _ = kl_and_ce(logits, q)
        w = w.astype(jnp.float32)
        n = jnp.maximum(w.sum(), 1.0)
        loss = (kl * w).sum() / n
        acc = ((logits.argmax(-1) == targets) * w).sum() / n
        return loss, (model_state, {"acc": acc, "masked": w.sum()})

    return loss_fn


def token_frequencies(cells: Cells, index: np.ndarray) -> tuple[int, np.ndarray]:
    """Frequency baselines from training cells: ``(global majority op, per-position majority
    int32 [N])`` over real tokens (a position with no real token gets the global majority)."""
    ops = cells.ops[index]
    counts = np.stack([(ops == o).sum(0) for o in range(cells.num_ops)])  # [num_ops, N]
    overall = int(counts.sum(1).argmax())
    per_pos = np.where(counts.sum(0) > 0, counts.argmax(0), overall).astype(np.int32)
    return overall, per_pos


def make_eval_fn(
    model: cate_model.CATE,
    cells: Cells,
    pairs: np.ndarray,
    key: jax.Array,
    baselines: tuple[int, np.ndarray],
    batch_size: int,
    mlm: MLMConfig | None = None,
    mesh: jax.sharding.Mesh | None = None,
) -> Callable[[Any], dict]:
    """``eval_fn(state) -> metrics`` on fixed held-out pairs with fixed masks.

    With a ``mesh`` every batch (``batch_size`` a multiple of its devices) is split over its
    data axis (:func:`jaxnas.mesh.shard_leading`); the sums do not depend on it.

    Metrics (over all target positions of the held-out pairs, dropout off): ``kl`` (= ``loss``: the
    KL divergence to the smoothed targets per target token -- the validation loss CATE's ``run.py``
    logs, without its extra division by the last training batch's token count), ``ce`` (cross
    entropy), ``acc``, ``acc_freq`` (always predicting the training set's most frequent op),
    ``acc_pos_freq`` (the most frequent op at that node index -- a stronger baseline, since e.g.
    NB101 input / output nodes sit at fixed indices), ``masked`` (number of positions). The same
    restricted to *varying* node indices (where the cells' tokens are not all the same, e.g. not
    DARTS' fixed input / sum / output nodes): ``acc_varying``, ``acc_pos_freq_varying``,
    ``masked_varying``. The model has no positional encoding, so a fixed index is only predictable
    from the graph structure around it (and indices that look alike, such as DARTS' two cell inputs,
    are not), while the position baseline knows the index: the varying-index numbers compare the two
    where both must predict an op.
    The masks of batch ``i`` use ``fold_in(key, i)``.
    """
    mlm = MLMConfig() if mlm is None else mlm
    vocab = model.config.vocab
    overall, per_pos = baselines
    pos = jnp.asarray(np.concatenate([per_pos, per_pos]))
    col_min = np.where(cells.ops >= 0, cells.ops, np.iinfo(np.int32).max).min(0)
    col_max = cells.ops.max(0)
    varying = (col_max >= 0) & (col_min < col_max)
    vary = jnp.asarray(np.concatenate([varying, varying]), jnp.float32)

    @jax.jit
    def batch_stats(params, batch, valid, k):
        tx, ty, targets, selected = _corrupt_pair(model, batch, k, mlm)
        logits = model.apply({"params": params}, tx, ty, train=False)
        w = (selected & valid[:, None]).astype(jnp.float32)
        q = smoothed_targets(targets, vocab, mlm.label_smoothing, mlm.smoothing_support)
        kl, ce = kl_and_ce(logits, q)
        hit = logits.argmax(-1) == targets
        pos_hit = targets == pos[None, :]
        wv = w * vary[None, :]
        return {
            "loss": (kl * w).sum(),
            "kl": (kl * w).sum(),
            "ce": (ce * w).sum(),
            "acc": (hit * w).sum(),
            "acc_freq": ((targets == overall) * w).sum(),
            "acc_pos_freq": (pos_hit * w).sum(),
            "masked": w.sum(),
            "acc_varying": (hit * wv).sum(),
            "acc_pos_freq_varying": (pos_hit * wv).sum(),
            "masked_varying": wv.sum(),
        }

    batches = []
    for i, start in enumerate(range(0, len(pairs), batch_size)):
        chunk = pairs[start : start + batch_size]
        valid = np.arange(batch_size) < len(chunk)
        chunk = np.concatenate([chunk, np.repeat(chunk[:1], batch_size - len(chunk), 0)])
        batch = gather_pairs(cells, chunk)
        if mesh is not None:
            batch, valid = jaxnas_mesh.shard_leading((batch, valid), mesh)
        batches.append((batch, valid, jax.random.fold_in(key, i)))

    def eval_fn(state) -> dict:
        tot: dict[str, float] = {}
        for batch, valid, k in batches:
            for name, v in batch_stats(state.params, batch, valid, k).items():
                tot[name] = tot.get(name, 0.0) + float(v)
        n = max(tot.get("masked", 0.0), 1.0)
        nv = max(tot.get("masked_varying", 0.0), 1.0)
        out = {
            k: v / (nv if k.endswith("_varying") else n)
            for k, v in tot.items()
            if not k.startswith("masked")
        }
        out["masked"] = tot.get("masked", 0.0)
        out["masked_varying"] = tot.get("masked_varying", 0.0)
        return out

    return eval_fn


def decay_mask(params) -> Any:
    """True for the leaves AdamW decays: kernels and embedding tables, not biases or LayerNorm
    scales (CATE's ``no_decay = ["bias", "LayerNorm.weight"]`` in ``run.py``)."""
    return jax.tree_util.tree_map_with_path(
        lambda path, _: getattr(path[-1], "key", None) in ("kernel", "embedding"), params
    )


def make_optimizer(
    num_steps: int,
    learning_rate: float = 1e-3,
    weight_decay: float = 0.01,
    warmup_steps: int = 100,
    decay_all: bool = False,
) -> optax.GradientTransformation:
    """AdamW (eps 1e-8); learning rate linear 0 -> ``learning_rate`` over ``warmup_steps``,
    then linear decay to 0 at ``num_steps`` (``get_linear_schedule_with_warmup``). Weight decay
    on kernels and embeddings only (:func:`decay_mask`), or on everything with ``decay_all``."""
    warmup = min(warmup_steps, max(num_steps - 1, 1))
    schedule = optax.join_schedules(
        [
            optax.linear_schedule(0.0, learning_rate, warmup),
            optax.linear_schedule(learning_rate, 0.0, max(num_steps - warmup, 1)),
        ],
        [warmup],
    )
    mask = None if decay_all else decay_mask
    return optax.adamw(schedule, eps=1e-8, weight_decay=weight_decay, mask=mask)


def init_params(model: cate_model.CATE, key: jax.Array, cells: Cells):
    """Parameters for cells of ``cells``' shape (one pair of its first cells)."""
    t = cate_model.cell_tokens(model.config, cells.adjacency[:1], cells.ops[:1])
    return model.init(key, t, t, train=False)["params"]


def embed_cells(
    model: cate_model.CATE,
    params,
    adjacency: np.ndarray,
    ops: np.ndarray,
    pooling: str = "last",
    batch_size: int = 4096,
) -> np.ndarray:
    """Pooled graph-encoder outputs of cells, ``float32 [M, d]`` (dropout off).

    Args:
      model: the CATE module.
      params: its parameters.
      adjacency: ``[M, N, N]``.
      ops: ``int [M, N]`` (-1 padding).
      pooling: see :func:`jaxnas.models.cate.pool`.
      batch_size: cells per jitted call (the last batch is padded; one compilation).
    """

    @jax.jit
    def run(p, a, o):
        h = model.apply({"params": p}, a, o, method=cate_model.CATE.encode)
        return cate_model.pool(h, o != tok.PAD, pooling)

    m = len(ops)
    bs = min(batch_size, m)
    out = np.empty((m, model.config.d_model), np.float32)
    for start in range(0, m, bs):
        a, o = adjacency[start : start + bs], ops[start : start + bs]
        k = len(o)
        if k < bs:
            a = np.concatenate([a, np.repeat(a[:1], bs - k, 0)])
            o = np.concatenate([o, np.repeat(o[:1], bs - k, 0)])
        out[start : start + k] = np.asarray(run(params, a, o))[:k]
    return out


def model_config_dict(config: cate_model.CATEConfig) -> dict:
    """The JSON-able form saved with checkpoints."""
    return dataclasses.asdict(config)


BEST_PARAMS = "best_params.msgpack"
BEST_INFO = "best.json"


def restore(workdir: str | os.PathLike, step: int | None = None, best: bool = True):
    """``(model, params, saved_config)`` from a run directory written by
    :func:`train_and_evaluate`.

    ``best`` (and no ``step``): the best validation-KL parameters when the run kept them
    (``best_params.msgpack``), as CATE's inference loads its best checkpoint; otherwise the
    checkpoint of ``step`` (latest if None), whose optimiser state is restored with a template
    and discarded. The saved config must hold ``model`` (a
    :class:`~jaxnas.models.cate.CATEConfig` dict) and ``max_nodes``.
    """
    saved = train.checkpoint.read_config(workdir, step)
    mc = cate_model.CATEConfig(**saved["model"])
    model = cate_model.CATE(mc)
    n = int(saved["max_nodes"])
    t = cate_model.cell_tokens(mc, np.zeros((1, n, n), np.uint8), np.zeros((1, n), np.int32))
    params = model.init(jax.random.key(0), t, t, train=False)["params"]
    best_path = pathlib.Path(workdir) / BEST_PARAMS
    if best and step is None and best_path.exists():
        return model, flax.serialization.from_bytes(params, best_path.read_bytes()), saved
    template = train.create(params, make_optimizer(max(int(saved.get("num_steps", 2)), 2)))
    mgr = train.checkpoint.manager(workdir)
    try:
        state, _ = train.checkpoint.restore(mgr, template, step)
    finally:
        mgr.close()
    return model, state.params, saved


def _pairs_within(key, cells: Cells, index: np.ndarray, delta: float, k: int, window: str):
    """Pairs among the cells ``index`` (global indices), ``int64 [P, 2]``."""
    local = cate_pairs.sample_pairs(key, cells.attribute[index], delta, k, window)
    return index[local]


def train_and_evaluate(config, workdir: str | os.PathLike) -> dict:
    """One CATE pretraining run; returns the results dict (also written to ``results.json``).

    ``config``: an ``ml_collections.ConfigDict`` as ``experiments/configs/cate_common.py``
    builds. Steps: load the space's cells and their attribute; split the *architectures*
    ``train_fraction`` / rest; sample pairs within each part (held-out pairs contain only
    held-out cells, as CATE's train / test files); train with :func:`jaxnas.train.fit` (orbax
    checkpoints with the config, exact resume with the same ``workdir``); every ``eval_every``
    steps (CATE: every 100) the held-out KL, keeping the parameters of the best one when
    ``keep_best`` (``best_params.msgpack``, ``best.json``; CATE saves its best-validation-loss
    model); embed every cell with those parameters (``embeddings.npz``) and report.

    Writes under ``workdir``: ``checkpoints/``, ``metrics.jsonl`` (loss and validation
    curves), ``best_params.msgpack`` / ``best.json``, ``embeddings.npz`` (``ids [M]``,
    ``embeddings [M, d]``, ``pooling``), ``results.json`` (held-out KL, accuracy and
    baselines of the embedded parameters, curves, config, data, wall times).
    """
    t_start = time.perf_counter()
    out = io.make_dir(workdir)
    key = jax.random.key(config.seed)
    k_data, k_split, k_pairs_tr, k_pairs_ev, k_init, k_batches, k_train, k_eval = (
        jax.random.fold_in(key, i) for i in range(8)
    )

    cells = load_cells(
        config.space,
        config.attribute,
        key=k_data,
        num_cells=config.num_cells,
        nb101_hashes=config.nb101_hashes,
        nb201_dataset=config.nb201_dataset,
        darts_cells=tuple(config.darts_cells),
        darts_tie_reduce=config.darts_tie_reduce,
    )
    t_data = time.perf_counter() - t_start
    train_idx, held_idx = split_indices(k_split, len(cells.ops), config.train_fraction)
    t0 = time.perf_counter()
    w = config.pair_window
    train_pairs = _pairs_within(k_pairs_tr, cells, train_idx, config.delta, config.k, w)
    eval_pairs = _pairs_within(k_pairs_ev, cells, held_idx, config.delta, config.k, w)
    t_pairs = time.perf_counter() - t0
    if config.max_eval_pairs:
        eval_pairs = eval_pairs[: config.max_eval_pairs]
    log.info(
        "%s: %d cells (%.1fs), %d train / %d held-out pairs (%.2fs)",
        config.space, len(cells.ops), t_data, len(train_pairs), len(eval_pairs), t_pairs,
    )  # fmt: skip

    steps_per_epoch = len(train_pairs) // config.batch_size
    num_steps = config.num_steps or config.epochs * steps_per_epoch
    switches = ("dropout", "indirect", "ancestors", "token_ids", "segment_scale", "head_dropout")
    mc = cate_model.make_config(
        cells.num_ops, config.preset, **{k: getattr(config, k) for k in switches}
    )
    model = cate_model.CATE(mc)
    mlm = MLMConfig(
        config.select_prob, config.mask_prob, config.label_smoothing, config.smoothing_support
    )
    tx = make_optimizer(
        num_steps, config.learning_rate, config.weight_decay, config.warmup_steps,
        config.decay_all,
    )  # fmt: skip
    mesh = jaxnas_mesh.make_mesh()
    if config.batch_size % jaxnas_mesh.num_shards(mesh):
        raise ValueError(
            f"batch_size {config.batch_size} is not a multiple of the "
            f"{jaxnas_mesh.num_shards(mesh)} devices of the data axis"
        )
    state = jaxnas_mesh.replicate(train.create(init_params(model, k_init, cells), tx), mesh)
    step_fn = train.make_train_step(make_loss_fn(model, mlm), tx)

    def get_batch(step: int):
        idx = train.batch_indices(k_batches, len(train_pairs), config.batch_size, step)
        return jaxnas_mesh.shard_leading(gather_pairs(cells, train_pairs[idx]), mesh)

    baselines = token_frequencies(cells, train_idx)
    eval_fn = make_eval_fn(
        model, cells, eval_pairs, k_eval, baselines, config.batch_size, mlm, mesh
    )
    primary = jaxnas_mesh.is_primary()
    best_info = out / BEST_INFO
    best = json.loads(best_info.read_text()) if best_info.exists() else {"kl": None, "step": 0}
    best_params: dict = {}  # this invocation's best, for processes that do not write it

    def eval_and_keep_best(st) -> dict:
        m = eval_fn(st)
        if config.keep_best and (best["kl"] is None or m["kl"] < best["kl"]):
            best.update(kl=float(m["kl"]), step=int(st.step))
            params = jax.device_get(st.params)
            if primary:
                io.write_bytes(out / BEST_PARAMS, flax.serialization.to_bytes(params))
                io.write_json(best_info, best)
            best_params["params"] = params
        if best["kl"] is not None:
            m["best_kl"] = best["kl"]
        return m

    saved_config = {
        "model": model_config_dict(mc),
        "max_nodes": int(cells.ops.shape[1]),
        "num_steps": int(num_steps),
        "pretrain": config.to_dict(),
    }
    state, history, run = train.fit_config(
        state, step_fn, get_batch, num_steps, k_train, config, workdir=workdir,
        saved_config=saved_config, eval_fn=eval_and_keep_best, eval_every=config.eval_every,
    )
    t_train = run["seconds"]

    params = state.params
    if config.keep_best and "params" in best_params:
        params = best_params["params"]
    elif config.keep_best and (out / BEST_PARAMS).exists():
        params = flax.serialization.from_bytes(params, (out / BEST_PARAMS).read_bytes())
    t0 = time.perf_counter()
    emb = embed_cells(
        model, params, cells.adjacency, cells.ops, config.pooling, config.embed_batch_size
    )
    if primary:
        jaxnas_embeddings.save(
            out / "embeddings.npz", cells.ids, emb, pooling=np.str_(config.pooling)
        )
    t_embed = time.perf_counter() - t0

    final = eval_fn(state.replace(params=params))
    curve = []
    metrics_path = out / "metrics.jsonl"
    if metrics_path.exists():  # the whole curve, including rows of earlier (resumed) runs
        curve = io.read_jsonl(metrics_path)
    results = {
        "space": config.space,
        "completed": int(state.step) >= num_steps,
        "step": int(state.step),
        "num_steps": int(num_steps),
        "embedded_params": (
            f"best validation KL, step {best['step']}"
            if params is not state.params
            else f"last, step {int(state.step)}"
        ),
        "held_out": {
            "kl": final["kl"],
            "ce": final["ce"],
            "masked_positions": final["masked"],
            "acc": final["acc"],
            "acc_freq_baseline": final["acc_freq"],
            "acc_position_freq_baseline": final["acc_pos_freq"],
            "masked_positions_varying": final["masked_varying"],
            "acc_varying": final["acc_varying"],
            "acc_position_freq_baseline_varying": final["acc_pos_freq_varying"],
        },
        "validation_kl_curve": [
            [row["step"], row["eval_kl"]] for row in (curve or history) if "eval_kl" in row
        ],
        "loss_curve": curve or history,
        "config": config.to_dict(),
        "model": model_config_dict(mc),
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
        "devices": jaxnas_mesh.num_shards(mesh),
    }
    if primary:
        io.write_json(out / "results.json", results)
    log.info("held-out %s", json.dumps(results["held_out"]))
    return results
