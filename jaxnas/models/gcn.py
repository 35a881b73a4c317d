"""Graph convolution layers of the GAE / VGAE baselines (a leaf module: it imports no model).

Two forms, selected by :attr:`jaxnas.models.vgae.ModelConfig.gcn_layer`:

* ``'kipf'`` (:class:`GCN`, Kipf & Welling 2016): ``Â = D^-1/2 (A~ + I) D^-1/2`` with
  ``A~ = A + A^T``; ``H_l = ReLU(Â H_{l-1} W_l)`` for the hidden layers, then linear heads
  ``Â H W``. :class:`GCN` returns ``Â H`` so that a ``Dense`` head completes the last layer.
* ``'reference'`` (:class:`ReferenceGCNLayer`, :class:`ReferenceGCN`): the layer of the arch2vec
  reference code (MSU-MLSys-Lab/arch2vec ``models/layers.py``, ``GraphConvolution.forward``):
  ``relu(A~ dropout(X) W) + b`` -- dropout on the layer's *input*, no self-loops, no degree
  normalisation (``A~`` is the reference's ``preprocessing(method=4)`` output ``A +
  triu(A, 1)^T``), ReLU *before* the bias, weights Kaiming-uniform and the bias
  ``U(-1/sqrt(in), 1/sqrt(in))`` (its ``reset_parameters``). The reference's ``Encoder`` (GAE)
  stacks such layers up to the latent; its ``VAEncoder`` (VGAE) runs all but the last and then
  two such layers (``gc_mu``, ``gc_logvar``) as the heads (``models/model.py``). The depth is not
  in the repository; 4 layers (3 + the head) is the default reading. Both encoders take a
  ``normalize`` flag that applies ``utils/utils.py`` ``normalize_adj`` -- ``D_in^-1/2 A
  D_out^-1/2``, still without self-loops -- before the layers
  (:func:`reference_normalized_adjacency`); the pretraining scripts default ``--normalize`` to
  True, and without it the un-normalised 4-layer stack blows the latent norms up at initialisation
  (measured on NB201: initial adjacency BCE 4.3 and a collapsed model, 25.5% held-out accuracy),
  so ``normalize`` is on by default here. The reference divides by zero for isolated (padding)
  vertices; here their rows and columns are 0.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxnas.encodings import graphs as graph_lib


def normalized_adjacency(adjacency: jax.Array, node_mask: jax.Array) -> jax.Array:
    """``D^-1/2 (A + I) D^-1/2`` with self-loops on real vertices only.

    Args:
      adjacency: ``[B, N, N]`` symmetric 0/1 (``A + A^T``).
      node_mask: ``[B, N]`` 1 for real vertices.

    Returns:
      ``[B, N, N]``; rows and columns of padding vertices are 0.
    """
    n = adjacency.shape[-1]
    a = adjacency + jnp.eye(n, dtype=adjacency.dtype)[None] * node_mask[:, :, None]
    deg = jnp.sum(a, axis=-1)
    inv = jnp.where(deg > 0, 1.0 / jnp.sqrt(jnp.maximum(deg, 1e-12)), 0.0)
    return a * inv[:, :, None] * inv[:, None, :]


def reference_normalized_adjacency(adjacency: jax.Array) -> jax.Array:
    """``D_in^-1/2 A D_out^-1/2`` (in-degrees: column sums, out-degrees: row sums), no
    self-loops; isolated vertices get zero rows and columns (the reference's ``normalize_adj``
    divides by zero there)."""
    a = jnp.asarray(adjacency)

    def inv_sqrt(d):
        return jnp.where(d > 0, 1.0 / jnp.sqrt(jnp.maximum(d, 1e-12)), 0.0)

    d_in, d_out = inv_sqrt(a.sum(-2)), inv_sqrt(a.sum(-1))
    # D_in A D_out: row i scaled by d_in[i] (the reference's diag_embed of the column sums).
    return d_in[..., :, None] * a * d_out[..., None, :]


class GCN(nn.Module):
    """Kipf & Welling's GCN body on a dense batch.

    Attributes:
      num_layers: hidden GCN layers before the latent heads (K&W: 1).
      features: hidden width.
    """

    num_layers: int = 1
    features: int = 128

    @nn.compact
    def __call__(self, graphs: graph_lib.DenseGraphs, train: bool = False) -> jax.Array:
        """Args:
          graphs: ``adjacency [B, N, N]`` (``A + A^T``), ``nodes [B, N, V]``, ``node_mask
            [B, N]``.
          train: unused (no batch norm or dropout in this GCN).

        Returns:
          ``Â H [B, N, H]``, the input of the linear latent heads.
        """
        del train
        a_hat = normalized_adjacency(jnp.asarray(graphs.adjacency), jnp.asarray(graphs.node_mask))
        h = jnp.asarray(graphs.nodes)
        for i in range(self.num_layers):
            h = nn.relu(a_hat @ nn.Dense(self.features, use_bias=False, name=f"layer_{i}")(h))
        return a_hat @ h


def _reference_bias_init(fan_in: int):
    bound = 1.0 / float(fan_in) ** 0.5

    def init(key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, -bound, bound)

    return init


class ReferenceGCNLayer(nn.Module):
    """The reference's ``GraphConvolution``: ``relu(A dropout(X) W) + b`` (module docstring).

    Attributes:
      features: output width.
      dropout: dropout rate on the input (reference: its ``dropout`` argument, 0.3).
    """

    features: int
    dropout: float = 0.0

    @nn.compact
    def __call__(self, h: jax.Array, adjacency: jax.Array, train: bool = False) -> jax.Array:
        """``h [B, N, F]``, ``adjacency [B, N, N]`` (``A + A^T``) -> ``[B, N, features]``
        (dropout needs the ``'dropout'`` rng when ``train``)."""
        h = nn.Dropout(self.dropout, deterministic=not train or self.dropout == 0.0)(h)
        kernel = self.param(
            "kernel", nn.initializers.kaiming_uniform(), (h.shape[-1], self.features)
        )
        bias = self.param("bias", _reference_bias_init(h.shape[-1]), (self.features,))
        return nn.relu(jnp.asarray(adjacency, h.dtype) @ (h @ kernel)) + bias[None, None, :]


class ReferenceGCN(nn.Module):
    """``num_layers`` :class:`ReferenceGCNLayer` s of width ``features`` (the body before the
    reference's latent layers; the heads are ReferenceGCNLayers too)."""

    num_layers: int = 3
    features: int = 128
    dropout: float = 0.0

    @nn.compact
    def __call__(self, graphs: graph_lib.DenseGraphs, train: bool = False) -> jax.Array:
        a = jnp.asarray(graphs.adjacency)
        h = jnp.asarray(graphs.nodes)
        for i in range(self.num_layers):
            h = ReferenceGCNLayer(self.features, self.dropout, name=f"layer_{i}")(h, a, train)
        return h


__all__ = [
    "GCN",
    "ReferenceGCN",
    "ReferenceGCNLayer",
    "normalized_adjacency",
    "reference_normalized_adjacency",
]
