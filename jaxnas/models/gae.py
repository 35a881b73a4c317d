"""The GAE and VGAE baselines of arch2vec's table (Kipf & Welling, "Variational Graph
Auto-Encoders", 2016): a GCN encoder with the inner-product decoder.

``Z = GCN(X, A~)`` with ``A~ = A + A^T`` and the propagation ``Â = D^-1/2 (A~ + I) D^-1/2``:
``H_l = ReLU(Â H_{l-1} W_l)`` for the hidden layers, then linear GCN heads ``mu = Â H W_mu`` (and
``log sigma = Â H W_sigma`` for the VGAE). :class:`GCN` returns ``Â H`` so that the shared
``Dense`` heads of :class:`jaxnas.models.vgae.GraphAutoencoder` complete the last GCN layer (plus
a bias). Decoder, loss, training and metrics are arch2vec's (:mod:`jaxnas.models.vgae`), so the
three rows of the table differ only in the encoder and the variational switch.
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
          train: unused (no batch norm or dropout in the GCN).

        Returns:
          ``Â H [B, N, H]``, the input of the linear latent heads.
        """
        del train
        a_hat = normalized_adjacency(jnp.asarray(graphs.adjacency), jnp.asarray(graphs.node_mask))
        h = jnp.asarray(graphs.nodes)
        for i in range(self.num_layers):
            h = nn.relu(a_hat @ nn.Dense(self.features, use_bias=False, name=f"layer_{i}")(h))
        return a_hat @ h


def gae_config(num_ops: int, max_nodes: int, pad_class: bool = False, **kwargs):
    """A :class:`jaxnas.models.vgae.ModelConfig` for the GAE (GCN, ``z = mu``, no KL)."""
    from jaxnas.models import vgae

    kwargs = {"num_layers": 1, **kwargs}
    return vgae.ModelConfig(
        num_ops, max_nodes, pad_class, encoder="gcn", variational=False, **kwargs
    )


def vgae_config(num_ops: int, max_nodes: int, pad_class: bool = False, **kwargs):
    """A :class:`jaxnas.models.vgae.ModelConfig` for the VGAE (GCN, Gaussian latent, KL)."""
    from jaxnas.models import vgae

    kwargs = {"num_layers": 1, **kwargs}
    return vgae.ModelConfig(
        num_ops, max_nodes, pad_class, encoder="gcn", variational=True, **kwargs
    )
