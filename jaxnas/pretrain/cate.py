"""CATE pretraining: cells of a space, MLM masking and loss, evaluation, embeddings export.

The pieces a driver (``experiments/pretrain_cate.py``) composes with :mod:`jaxnas.train`:

* :func:`load_cells` -- every cell of NB101 / NB201 (or sampled DARTS genotypes) as padded
  ``(adjacency, ops)`` arrays, their computational attribute (raw parameter / FLOP counts, so
  CATE's ``delta`` values apply as written) and ids;
* :func:`mlm_mask` -- BERT-style corruption: each real token selected with ``p = 0.2``; a
  selected token becomes MASK w.p. 0.8, else a uniformly random op token;
* :func:`make_loss_fn` -- ``loss_fn(params, model_state, batch, rng)`` for
  :func:`jaxnas.train.make_train_step`: tokens and graph masks (Floyd-Warshall) computed inside,
  label-smoothed (0.1) cross entropy on the selected positions;
* :func:`make_eval_fn` -- held-out masked-op accuracy next to two frequency baselines on the same
  masked positions;
* :func:`make_optimizer` -- AdamW with linear warm-up then linear decay;
* :func:`embed_cells` / :func:`save_embeddings` / :func:`load_embeddings` -- pooled graph-encoder
  outputs, one row per cell, written atomically; :func:`restore` -- model and parameters back
  from a run directory (the config is read from the checkpoint).

A batch is a dict of NumPy / JAX arrays ``adj_x [B, N, N]``, ``ops_x [B, N]``, ``adj_y``,
``ops_y`` (ops -1 at padding).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnas.encodings import tokens as tok
from jaxnas.models import cate as cate_model
from jaxnas.spaces import base, darts, nb101, nb201

SPACES = ("nb101", "nb201", "darts")


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
    darts_cells: tuple[str, ...] = ("normal", "reduce"),
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
      darts_cells: the DARTS cells encoded, as one block-diagonal graph (``('normal',
        'reduce')``: 30 nodes) or a single cell.

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
        source = f"darts.sample x {num_cells} (NASLib's sampler), cells {list(darts_cells)}"
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
) -> tuple[jax.Array, jax.Array]:
    """BERT-style corruption of real tokens.

    Args:
      key: PRNG key.
      tokens: ``int [..., L]`` token ids.
      token_mask: ``bool [..., L]`` real tokens (only these can be selected).
      num_ops: op vocabulary size (random replacements are ops ``0 .. num_ops - 1``).
      select_prob: probability that a real token is selected for prediction.
      mask_prob: probability that a selected token becomes MASK (else a random op).

    Returns:
      ``(inputs int32 [..., L], selected bool [..., L])``.
    """
    k_sel, k_mask, k_rand = jax.random.split(key, 3)
    selected = jax.random.bernoulli(k_sel, select_prob, tokens.shape) & token_mask
    use_mask = jax.random.bernoulli(k_mask, mask_prob, tokens.shape)
    random_op = jax.random.randint(k_rand, tokens.shape, 0, num_ops, dtype=jnp.int32)
    replaced = jnp.where(use_mask, jnp.int32(tok.mask_id(num_ops)), random_op)
    return jnp.where(selected, replaced, tokens).astype(jnp.int32), selected


def smoothed_ce(logits: jax.Array, targets: jax.Array, smoothing: float = 0.1) -> jax.Array:
    """Label-smoothed cross entropy per position: ``[..., V], int [...] -> [...]``.

    The target distribution is ``(1 - smoothing) * one_hot + smoothing / V``.
    """
    labels = optax.smooth_labels(jax.nn.one_hot(targets, logits.shape[-1]), smoothing)
    return optax.softmax_cross_entropy(logits, labels)


class MLMConfig(NamedTuple):
    """Masking and loss settings."""

    select_prob: float = 0.2
    mask_prob: float = 0.8
    label_smoothing: float = 0.1


def _corrupt_pair(model, batch, key, mlm: MLMConfig):
    """Tokens of both sides, corrupted, and the targets / selection over ``[X; Y]``."""
    num_ops = model.config.num_ops
    tx = cate_model.cell_tokens(model.config, batch["adj_x"], batch["ops_x"])
    ty = cate_model.cell_tokens(model.config, batch["adj_y"], batch["ops_y"])
    targets = jnp.concatenate([tx.tokens, ty.tokens], axis=1)
    real = jnp.concatenate([tx.token_mask, ty.token_mask], axis=1)
    inputs, selected = mlm_mask(key, targets, real, num_ops, mlm.select_prob, mlm.mask_prob)
    nx = tx.tokens.shape[1]
    tx = tx._replace(tokens=inputs[:, :nx])
    ty = ty._replace(tokens=inputs[:, nx:])
    return tx, ty, targets, selected


def make_loss_fn(model: cate_model.CATE, mlm: MLMConfig | None = None) -> Callable:
    """``loss_fn(params, model_state, batch, rng) -> (loss, (model_state, metrics))``.

    The loss is the label-smoothed cross entropy averaged over the selected positions of the
    batch; metrics ``acc`` (argmax accuracy on them) and ``masked`` (their number). ``mlm``
    defaults to :class:`MLMConfig` ``()`` (CATE's settings).
    """
    mlm = MLMConfig() if mlm is None else mlm

    def loss_fn(params, model_state, batch, rng):
        k_mask, k_drop = jax.random.split(rng)
        tx, ty, targets, selected = _corrupt_pair(model, batch, k_mask, mlm)
        logits = model.apply({"params": params}, tx, ty, train=True, rngs={"dropout": k_drop})
        w = selected.astype(jnp.float32)
        n = jnp.maximum(w.sum(), 1.0)
        loss = (smoothed_ce(logits, targets, mlm.label_smoothing) * w).sum() / n
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
) -> Callable[[Any], dict]:
    """``eval_fn(state) -> metrics`` on fixed held-out pairs with fixed masks.

    Metrics (over all selected positions of the held-out pairs, dropout off): ``loss``,
    ``acc``, ``acc_freq`` (always predicting the training set's most frequent op),
    ``acc_pos_freq`` (the most frequent op at that node index -- a stronger baseline, since
    e.g. NB101 input / output nodes sit at fixed indices), ``masked`` (number of positions).
    The same restricted to *varying* node indices (where the cells' tokens are not all the
    same, e.g. not DARTS' fixed input / sum / output nodes): ``acc_varying``,
    ``acc_pos_freq_varying``, ``masked_varying``. The model has no positional encoding, so a
    fixed index is only predictable from the graph structure around it (and indices that look
    alike, such as DARTS' two cell inputs, are not), while the position baseline knows the
    index: the varying-index numbers compare the two where both must predict an op.
    The masks of batch ``i`` use ``fold_in(key, i)``.
    """
    mlm = MLMConfig() if mlm is None else mlm
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
        ce = smoothed_ce(logits, targets, mlm.label_smoothing)
        hit = logits.argmax(-1) == targets
        pos_hit = targets == pos[None, :]
        wv = w * vary[None, :]
        return {
            "loss": (ce * w).sum(),
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
        batches.append((gather_pairs(cells, chunk), valid, jax.random.fold_in(key, i)))

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


def make_optimizer(
    num_steps: int,
    learning_rate: float = 1e-3,
    weight_decay: float = 0.01,
    warmup_steps: int = 100,
) -> optax.GradientTransformation:
    """AdamW; learning rate linear 0 -> ``learning_rate`` over ``warmup_steps``, then linear
    decay to 0 at ``num_steps``."""
    warmup = min(warmup_steps, max(num_steps - 1, 1))
    schedule = optax.join_schedules(
        [
            optax.linear_schedule(0.0, learning_rate, warmup),
            optax.linear_schedule(learning_rate, 0.0, max(num_steps - warmup, 1)),
        ],
        [warmup],
    )
    return optax.adamw(schedule, weight_decay=weight_decay)


def init_params(model: cate_model.CATE, key: jax.Array, cells: Cells):
    """Parameters for cells of ``cells``' shape (one pair of its first cells)."""
    t = tok.token_batch(cells.adjacency[:1], cells.ops[:1], model.config.num_ops)
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


def save_embeddings(path: str | os.PathLike, ids, embeddings: np.ndarray, **meta) -> None:
    """Writes ``ids [M]`` and ``embeddings [M, d]`` (+ scalar / string ``meta``) to an ``.npz``
    atomically (temporary file in the same directory, then ``os.replace``)."""
    path = os.fspath(path)
    if len(ids) != len(embeddings):
        raise ValueError(f"{len(ids)} ids for {len(embeddings)} embeddings")
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, ids=np.asarray(ids), embeddings=embeddings, **meta)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_embeddings(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays written by :func:`save_embeddings`."""
    with np.load(os.fspath(path), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def model_config_dict(config: cate_model.CATEConfig) -> dict:
    """The JSON-able form saved with checkpoints."""
    return dataclasses.asdict(config)


def restore(workdir: str | os.PathLike, step: int | None = None):
    """``(model, params, saved_config)`` from a run directory written by the CATE binary.

    The saved config must hold ``model`` (a :class:`~jaxnas.models.cate.CATEConfig` dict) and
    ``max_nodes``; the optimiser state is restored with a template and discarded.
    """
    from jaxnas import train

    saved = train.checkpoint.read_config(workdir, step)
    mc = cate_model.CATEConfig(**saved["model"])
    model = cate_model.CATE(mc)
    n = int(saved["max_nodes"])
    t = tok.token_batch(np.zeros((1, n, n), np.uint8), np.zeros((1, n), np.int32), mc.num_ops)
    params = model.init(jax.random.key(0), t, t, train=False)["params"]
    template = train.create(params, make_optimizer(max(int(saved.get("num_steps", 2)), 2)))
    mgr = train.checkpoint.manager(workdir)
    try:
        state, _ = train.checkpoint.restore(mgr, template, step)
    finally:
        mgr.close()
    return model, state.params, saved
