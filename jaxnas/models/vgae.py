"""arch2vec's variational graph isomorphism autoencoder (Yan et al., NeurIPS 2020), and the
graph autoencoders it is compared with, as one Flax linen module.

Model (:class:`GraphAutoencoder`, configured by :class:`ModelConfig`):

* encoder: GIN (:mod:`jaxnas.models.gin`, 4 layers, hidden 128, over ``A + A^T``) for arch2vec,
  or a GCN (:mod:`jaxnas.models.gcn`; Kipf & Welling's, or the reference code's layer with
  ``gcn_layer='reference'``) for the GAE / VGAE baselines (:mod:`jaxnas.models.gae`);
* per-node Gaussian latent: separate ``Linear(128 -> 16)`` heads for ``mu`` and ``log sigma``
  (the reference calls the latter ``logvar`` but uses it as a log standard deviation); a
  non-variational model (GAE) uses ``z = mu``;
* decoder: ``p(A_ij = 1) = sigmoid(z_i . z_j)`` and op logits ``W z_i + b``, read with a softmax
  (paper) or elementwise sigmoids + BCE (``op_decoder='sigmoid'``, the reference code);
  optional dropout on ``z`` before both decoders (reference 0.3).

Loss (:func:`loss_terms`, reference normalisation):

* ops: softmax cross entropy averaged over the ``B * N`` vertices (``'softmax'``), or BCE against
  the one-hot averaged over ``B * N * C`` entries (``'sigmoid'``);
* adjacency: BCE of the upper triangle of ``A`` (the directed DAG), summed over the upper
  triangle and divided by ``B * N * N`` (the reference takes the mean BCE of ``triu`` matrices,
  whose lower triangles are 0 against 0);
* KL to ``N(0, I)`` per vertex (summed over latent dims), averaged over the ``B * N`` vertices,
  times ``kl_weight``: ``1 / (B * N)`` for the reference code (which divides once more by
  batch x nodes; :func:`reference_kl_weight`).

``reduction='elbo'`` (the paper's objective, the default of the pretraining configs) sums each
term over a graph instead -- ops over its vertices, adjacency over its upper triangle, KL over its
vertices -- and averages over the batch, so that with ``kl_weight=1`` the loss is the negative
ELBO per graph. (KL weight 1 against the per-entry means of the reference normalisation weighs
the KL ~N^2 times too heavily and collapses the posterior.)

Search spaces with variable-size cells (NB101) get one extra decoder class, *padding*
(``pad_class=True``): a padding vertex is a target like any op, so decoded graphs carry their own
number of vertices. (The reference pads with all-zero op rows instead: ``pad_class=False`` with
the sigmoid op decoder, whose BCE then targets all-zero rows for padding vertices, and
``bn_all_rows=True``, batch norm over every row as the reference's ``BatchNorm1d`` on the
flattened ``[B * N, H]`` layout -- MSU-MLSys-Lab/arch2vec ``models/model.py``
``Model._encoder``.)

Training regime (:func:`make_loss_fn` with ``train=False``): the reference scripts call
``model.eval()`` at the end of every epoch (``models/pretraining_nasbench101.py``,
``pretraining_nasbench201.py``, ``pretraining_darts.py``, before the validity check, and again
in ``utils/utils.py`` ``get_val_acc_vae``) and never ``model.train()``; from epoch 2 on the
published model trained in eval mode: ``z = mu`` (``Model.reparameterize`` returns ``mu`` when
not ``self.training``), no decoder dropout (``F.dropout(..., training=self.training)``) and batch
norm with its running statistics, frozen. The KL term still trains ``mu`` and ``logvar``.

Cells enter as ``Batch(adjacency uint8 [B, N, N], ops int32 [B, N])`` (directed upper-triangular
adjacency, ops padded with -1), optionally with a padded ``jraph.GraphsTuple`` of the same cells
(``graph_form='jraph'``), built on the host from a :class:`jaxnas.encodings.graphs.GraphStore`.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph

from jaxnas.encodings import graphs as graph_lib
from jaxnas.models import gcn as gcn_lib
from jaxnas.models import gin as gin_lib

ENCODERS = ("gin", "gcn")
OP_DECODERS = ("softmax", "sigmoid")
REDUCTIONS = ("reference", "elbo")
GRAPH_FORMS = ("dense", "jraph")
GCN_LAYERS = ("kipf", "reference")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the model (saved beside the checkpoint).

    Attributes:
      num_ops: V, the op vocabulary of the space (encoder input features).
      max_nodes: N, padded vertices per cell.
      pad_class: add a *padding* decoder class (spaces with variable-size cells).
      encoder: ``'gin'`` (arch2vec) or ``'gcn'`` (GAE / VGAE baselines).
      num_layers: encoder layers (GIN: 4; GCN: hidden layers before the latent heads, K&W: 1).
      hidden: hidden width.
      latent: per-vertex latent dimension.
      variational: Gaussian latent with a KL term (arch2vec, VGAE) or ``z = mu`` (GAE).
      op_decoder: ``'softmax'`` (paper) or ``'sigmoid'`` (reference code).
      decoder_dropout: dropout rate on ``z`` before decoding (reference 0.3; paper 0).
      kl_weight: weight of the KL term (paper 1; reference ``1 / (batch * N)``).
      reduction: ``'elbo'`` (the paper's ELBO: reconstruction log-likelihood summed over a
        graph's vertices and upper-triangle entries, KL summed over its vertices, both averaged
        over the batch) or ``'reference'`` (the reference code's per-entry means, see
        :func:`loss_terms`).
      graph_form: ``'dense'`` (padded ``[B, N, N]`` matmuls) or ``'jraph'`` (segment_sum; GIN
        only).
      gcn_layer: GCN encoders: ``'kipf'`` or ``'reference'`` (:mod:`jaxnas.models.gcn`; then
        ``num_layers`` counts every GCN layer, the latent heads included).
      encoder_dropout: dropout on the input of each reference GCN layer (reference 0.3).
      bn_all_rows: batch norm over every vertex row, padding included (the reference), instead
        of real vertices only (dense GIN only).
      gcn_normalize: the reference GCN layers propagate with ``D_in^-1/2 A D_out^-1/2`` (the
        reference's ``normalize=True``) instead of ``A`` (:mod:`jaxnas.models.gcn`).
      pool_all_slots: the cell embedding is the mean of ``mu`` over all ``N`` vertex slots,
        padding included (the reference's NB101 embeddings), instead of over real vertices.
    """

    num_ops: int
    max_nodes: int
    pad_class: bool = False
    encoder: str = "gin"
    num_layers: int = 4
    hidden: int = 128
    latent: int = 16
    variational: bool = True
    op_decoder: str = "softmax"
    decoder_dropout: float = 0.0
    kl_weight: float = 1.0
    reduction: str = "reference"
    graph_form: str = "dense"
    gcn_layer: str = "kipf"
    encoder_dropout: float = 0.0
    bn_all_rows: bool = False
    pool_all_slots: bool = False
    gcn_normalize: bool = True

    def __post_init__(self):
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, got {self.encoder!r}")
        if self.op_decoder not in OP_DECODERS:
            raise ValueError(f"op_decoder must be one of {OP_DECODERS}, got {self.op_decoder!r}")
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {self.reduction!r}")
        if self.graph_form not in GRAPH_FORMS:
            raise ValueError(f"graph_form must be one of {GRAPH_FORMS}, got {self.graph_form!r}")
        if self.graph_form == "jraph" and self.encoder != "gin":
            raise ValueError("graph_form='jraph' is implemented for the GIN encoder only")
        if self.gcn_layer not in GCN_LAYERS:
            raise ValueError(f"gcn_layer must be one of {GCN_LAYERS}, got {self.gcn_layer!r}")
        if self.bn_all_rows and self.graph_form == "jraph":
            raise ValueError("bn_all_rows is implemented for the dense form only")
        if self.encoder == "gcn" and self.gcn_layer == "reference" and self.num_layers < 1:
            raise ValueError("the reference GCN needs num_layers >= 1 (the latent layer)")

    @property
    def num_classes(self) -> int:
        """C, decoder op classes: V, plus one for padding when ``pad_class``."""
        return self.num_ops + int(self.pad_class)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def reference_kl_weight(batch_size: int, max_nodes: int) -> float:
    """The reference code's effective KL weight, ``1 / (batch_size * max_nodes)``."""
    return 1.0 / (batch_size * max_nodes)


class Batch(NamedTuple):
    """A batch of cells.

    Attributes:
      adjacency: ``uint8 [B, N, N]`` directed, upper-triangular.
      ops: ``int32 [B, N]`` op ids, -1 for padding vertices (after the real ones).
      graphs: the same cells as a padded ``jraph.GraphsTuple`` with symmetric edges (only for
        ``graph_form='jraph'``), else ``None``.
    """

    adjacency: Any
    ops: Any
    graphs: jraph.GraphsTuple | None = None


class Outputs(NamedTuple):
    """Model outputs for ``B`` cells of ``N`` vertices.

    Attributes:
      mu: ``[B, N, D]`` latent means.
      log_sigma: ``[B, N, D]`` latent log standard deviations (zeros for a GAE).
      z: ``[B, N, D]`` the latent decoded (a sample when training a variational model, else
        ``mu``), before decoder dropout.
      op_logits: ``[B, N, C]``.
      adj_logits: ``[B, N, N]`` (symmetric; the upper triangle is read).
    """

    mu: jax.Array
    log_sigma: jax.Array
    z: jax.Array
    op_logits: jax.Array
    adj_logits: jax.Array


def dense_inputs(adjacency, ops, num_ops: int) -> graph_lib.DenseGraphs:
    """``A + A^T`` (float), op one-hots and the vertex mask, as jnp arrays (jittable).

    Args:
      adjacency: ``[B, N, N]`` directed 0/1.
      ops: ``int [B, N]``, -1 for padding.
      num_ops: V.
    """
    a = jnp.asarray(adjacency, jnp.float32)
    o = jnp.asarray(ops)
    return graph_lib.DenseGraphs(
        adjacency=a + jnp.swapaxes(a, -1, -2),
        nodes=jax.nn.one_hot(o, num_ops, dtype=jnp.float32),  # -1 -> all-zero row
        node_mask=(o >= 0).astype(jnp.float32),
    )


class InnerProductDecoder(nn.Module):
    """Op logits ``W z + b`` ``[B, N, C]`` and adjacency logits ``z z^T`` ``[B, N, N]``."""

    num_classes: int
    dropout: float = 0.0

    @nn.compact
    def __call__(self, z: jax.Array, train: bool = False) -> tuple[jax.Array, jax.Array]:
        z = nn.Dropout(self.dropout, deterministic=not train or self.dropout == 0.0)(z)
        op_logits = nn.Dense(self.num_classes, name="ops")(z)
        adj_logits = jnp.einsum("bid,bjd->bij", z, z)
        return op_logits, adj_logits


class GraphAutoencoder(nn.Module):
    """arch2vec (GIN encoder, variational), VGAE (GCN, variational) or GAE (GCN, not).

    Randomness: ``rngs={'latent': ..., 'dropout': ...}`` when training. Batch norm (GIN) needs
    ``mutable=['batch_stats']`` when training.
    """

    config: ModelConfig

    def setup(self):
        c = self.config
        self._gcn_heads = c.encoder == "gcn" and c.gcn_layer == "reference"
        if c.encoder == "gin":
            self.body = gin_lib.GIN(num_layers=c.num_layers, features=c.hidden, name="gin")
        elif self._gcn_heads:
            self.body = gcn_lib.ReferenceGCN(
                c.num_layers - 1, c.hidden, c.encoder_dropout, name="gcn"
            )
        else:
            self.body = gcn_lib.GCN(num_layers=c.num_layers, features=c.hidden, name="gcn")
        head = (
            functools.partial(gcn_lib.ReferenceGCNLayer, c.latent, c.encoder_dropout)
            if self._gcn_heads
            else functools.partial(nn.Dense, c.latent)
        )
        self.mu_head = head(name="mu")
        if c.variational:
            self.sigma_head = head(name="log_sigma")
        self.decoder = InnerProductDecoder(c.num_classes, c.decoder_dropout, name="decoder")

    def encode(self, batch: Batch, train: bool = False) -> tuple[jax.Array, jax.Array]:
        """``(mu, log_sigma)``, each ``[B, N, D]`` (``log_sigma`` zeros for a GAE)."""
        c = self.config
        if c.graph_form == "jraph":
            if batch.graphs is None:
                raise ValueError("graph_form='jraph' needs Batch.graphs (a GraphsTuple)")
            h = self.body(batch.graphs, train=train)  # GIN only (checked by ModelConfig)
            mu_flat = self.mu_head(h)
            ls_flat = self.sigma_head(h) if c.variational else jnp.zeros_like(mu_flat)
            mu = gin_lib.jraph_to_dense(batch.graphs, mu_flat, c.max_nodes)
            log_sigma = gin_lib.jraph_to_dense(batch.graphs, ls_flat, c.max_nodes)
            return mu, log_sigma
        g = dense_inputs(batch.adjacency, batch.ops, c.num_ops)
        if c.bn_all_rows:
            g = g._replace(node_mask=jnp.ones_like(g.node_mask))
        if self._gcn_heads and c.gcn_normalize:
            g = g._replace(adjacency=gcn_lib.reference_normalized_adjacency(g.adjacency))
        h = self.body(g, train=train)
        if self._gcn_heads:
            mu = self.mu_head(h, g.adjacency, train)
            log_sigma = (
                self.sigma_head(h, g.adjacency, train) if c.variational else jnp.zeros_like(mu)
            )
            return mu, log_sigma
        mu = self.mu_head(h)
        log_sigma = self.sigma_head(h) if c.variational else jnp.zeros_like(mu)
        return mu, log_sigma

    def decode(self, z: jax.Array, train: bool = False) -> tuple[jax.Array, jax.Array]:
        """``(op_logits [B, N, C], adj_logits [B, N, N])`` from latents ``z [B, N, D]``."""
        return self.decoder(z, train=train)

    def __call__(self, batch: Batch, train: bool = False) -> Outputs:
        mu, log_sigma = self.encode(batch, train=train)
        if self.config.variational and train:
            eps = jax.random.normal(self.make_rng("latent"), mu.shape, mu.dtype)
            z = mu + eps * jnp.exp(log_sigma)
        else:
            z = mu
        op_logits, adj_logits = self.decode(z, train=train)
        return Outputs(mu, log_sigma, z, op_logits, adj_logits)


# ----------------------------------------------------------------------------------------------
# Loss.


def op_targets(ops, pad_class: bool, num_classes: int) -> tuple[jax.Array, jax.Array]:
    """Decoder targets ``int32 [B, N]`` and their weights ``float32 [B, N]``.

    Padding vertices (-1) become the padding class ``C - 1`` when ``pad_class``; otherwise they
    get weight 0.
    """
    o = jnp.asarray(ops)
    pad = o < 0
    if pad_class:
        return jnp.where(pad, num_classes - 1, o).astype(jnp.int32), jnp.ones(o.shape, jnp.float32)
    return jnp.where(pad, 0, o).astype(jnp.int32), (~pad).astype(jnp.float32)


def kl_per_node(mu: jax.Array, log_sigma: jax.Array) -> jax.Array:
    """``KL(N(mu, sigma^2) || N(0, I))`` per vertex, summed over latent dims: ``[B, N]``."""
    return -0.5 * jnp.sum(1.0 + 2.0 * log_sigma - mu**2 - jnp.exp(2.0 * log_sigma), axis=-1)


def upper_mask(n: int) -> jax.Array:
    """``float32 [N, N]`` with ones strictly above the diagonal."""
    return jnp.triu(jnp.ones((n, n), jnp.float32), k=1)


def loss_terms(out: Outputs, adjacency, ops, config: ModelConfig) -> dict[str, jax.Array]:
    """The loss and its terms (scalars): ``loss``, ``ops``, ``adj``, ``kl`` (unweighted).

    Args:
      out: model outputs for the batch.
      adjacency: ``[B, N, N]`` directed 0/1 targets (the upper triangle is used).
      ops: ``int [B, N]`` op ids, -1 padding.
      config: the model config (op decoder, pad class, KL weight).
    """
    b, n, c = out.op_logits.shape
    target, weight = op_targets(ops, config.pad_class, c)
    elbo = config.reduction == "elbo"
    if config.op_decoder == "softmax":
        ce = -jnp.take_along_axis(jax.nn.log_softmax(out.op_logits), target[..., None], -1)[..., 0]
        denom = b if elbo else jnp.maximum(jnp.sum(weight), 1.0)
        ops_loss = jnp.sum(ce * weight) / denom
    else:
        onehot = jax.nn.one_hot(target, c) * weight[..., None]
        bce = _bce_with_logits(out.op_logits, onehot)
        ops_loss = jnp.sum(bce) / b if elbo else jnp.mean(bce)
    a = jnp.asarray(adjacency, jnp.float32)
    adj_sum = jnp.sum(_bce_with_logits(out.adj_logits, a) * upper_mask(n)[None])
    adj_loss = adj_sum / b if elbo else adj_sum / (b * n * n)
    if config.variational:
        kl_nodes = kl_per_node(out.mu, out.log_sigma)
        kl = jnp.sum(kl_nodes) / b if elbo else jnp.mean(kl_nodes)
    else:
        kl = jnp.zeros((), jnp.float32)
    loss = ops_loss + adj_loss + config.kl_weight * kl
    return {"loss": loss, "ops": ops_loss, "adj": adj_loss, "kl": kl}


def _bce_with_logits(logits: jax.Array, target: jax.Array) -> jax.Array:
    """Elementwise binary cross entropy of ``sigmoid(logits)`` against ``target``."""
    return jnp.maximum(logits, 0.0) - logits * target + jnp.log1p(jnp.exp(-jnp.abs(logits)))


def make_loss_fn(model: GraphAutoencoder, train: bool = True):
    """``loss_fn(params, model_state, batch, rng) -> (loss, (model_state, metrics))`` for
    :func:`jaxnas.train.make_train_step`.

    ``train=True``: training mode (sampled ``z``, dropout, batch statistics, running averages
    updated). ``train=False``: the reference's regime after its first epoch (module docstring):
    ``z = mu``, no dropout, batch norm with the running averages, which stay frozen; the step is
    deterministic.
    """
    config = model.config

    def eval_loss_fn(params, model_state, batch: Batch, rng):
        del rng
        out = model.apply({"params": params, **model_state}, batch, train=False)
        terms = loss_terms(out, batch.adjacency, batch.ops, config)
        metrics = {k: v for k, v in terms.items() if k != "loss"}
        return terms["loss"], (model_state, metrics)

    if not train:
        return eval_loss_fn

    def loss_fn(params, model_state, batch: Batch, rng):
        k_latent, k_drop = jax.random.split(rng)
        variables = {"params": params, **model_state}
        out, new_state = model.apply(
            variables,
            batch,
            train=True,
            rngs={"latent": k_latent, "dropout": k_drop},
            mutable=list(model_state.keys()),
        )
        terms = loss_terms(out, batch.adjacency, batch.ops, config)
        metrics = {k: v for k, v in terms.items() if k != "loss"}
        return terms["loss"], (dict(new_state), metrics)

    return loss_fn


def init(model: GraphAutoencoder, key: jax.Array, batch: Batch) -> tuple[Any, dict]:
    """``(params, model_state)`` with ``model_state = {'batch_stats': ...}`` (``{}`` for GCN)."""
    variables = model.init({"params": key}, batch, train=False)
    params = variables["params"]
    model_state = {k: v for k, v in variables.items() if k != "params"}
    return params, model_state
