"""Graph isomorphism network (GIN) encoder, in a dense padded form and a jraph form.

One layer of arch2vec's encoder (Xu et al. 2019, as in AIoT-MLSys-Lab/arch2vec
``models/model.py``)::

    H_k = ReLU(BN(MLP_k((1 + eps_k) H_{k-1} + A~ H_{k-1}))),   MLP_k = Linear-BN-ReLU-Linear

with ``A~ = A + A^T`` (messages in both directions, no self-loops) and ``eps_k`` learnable
(initialised at 0). Both forms share one parameter tree and give the same numbers:

* dense: ``adjacency [B, N, N]`` (already symmetric), ``nodes [B, N, F]``, ``node_mask [B, N]``;
  aggregation by a batched matmul, the MLPs on a flattened ``[B * N, H]`` layout;
* jraph: a padded ``jraph.GraphsTuple`` (e.g. from :func:`jaxnas.encodings.graphs.graphs_tuple`
  with ``symmetric=True``), aggregation by ``jraph.segment_sum`` over the edges.

Batch norm statistics are taken over real vertices only (``mask=``): padding vertices (NB101
cells with fewer than 7 vertices, the padding nodes of a GraphsTuple) neither enter the statistics
nor are they updated meaningfully. (The reference normalises over all ``B * N`` rows, padding
included; the spaces without padding -- NB201, DARTS -- are unaffected.)
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph

from jaxnas.encodings import graphs as graph_lib

Aggregate = Callable[[jax.Array], jax.Array]


class GINLayer(nn.Module):
    """One GIN layer on a flat node layout.

    Attributes:
      features: H, the hidden width.
      bn_momentum: batch-norm momentum of the running averages (PyTorch 0.1 = flax 0.9).
    """

    features: int = 128
    bn_momentum: float = 0.9

    @nn.compact
    def __call__(
        self, h: jax.Array, aggregate: Aggregate, mask: jax.Array, train: bool
    ) -> jax.Array:
        """Args:
          h: ``[M, F]`` node features (M = B * N dense, or the GraphsTuple's nodes).
          aggregate: ``[M, F] -> [M, F]``, the sum over neighbours under ``A + A^T``.
          mask: ``bool [M]`` real vertices (batch-norm statistics are taken over these).
          train: batch statistics (True) or running averages (False).

        Returns:
          ``[M, H]``.
        """
        eps = self.param("eps", nn.initializers.zeros, ())
        x = (1.0 + eps) * h + aggregate(h)
        m = mask[:, None]
        bn = lambda name: nn.BatchNorm(  # noqa: E731
            use_running_average=not train, momentum=self.bn_momentum, epsilon=1e-5, name=name
        )
        x = nn.Dense(self.features, name="mlp_0")(x)
        x = nn.relu(bn("mlp_bn")(x, mask=m))
        x = nn.Dense(self.features, name="mlp_1")(x)
        return nn.relu(bn("bn")(x, mask=m))


class GIN(nn.Module):
    """A stack of :class:`GINLayer` s (reference: 4 layers, hidden 128).

    Call with either a dense batch or a ``jraph.GraphsTuple`` (see :meth:`__call__`).

    Attributes:
      num_layers: number of GIN layers (the reference's ``hops 5`` means 4 layers).
      features: hidden width H.
    """

    num_layers: int = 4
    features: int = 128
    bn_momentum: float = 0.9

    def setup(self):
        self.layers = [
            GINLayer(self.features, self.bn_momentum, name=f"layer_{i}")
            for i in range(self.num_layers)
        ]

    def _run(self, h, aggregate, mask, train):
        for layer in self.layers:
            h = layer(h, aggregate, mask, train)
        return h

    def __call__(
        self,
        graphs: graph_lib.DenseGraphs | jraph.GraphsTuple,
        train: bool = False,
    ) -> jax.Array:
        """Encodes a batch.

        Args:
          graphs: a :class:`jaxnas.encodings.graphs.DenseGraphs` (``adjacency [B, N, N]`` already
            ``A + A^T``, ``nodes [B, N, F]``, ``node_mask [B, N]``) or a padded
            ``jraph.GraphsTuple`` with symmetric edges and ``nodes [M, F]`` (one trailing padding
            graph, as :func:`jaxnas.encodings.graphs.graphs_tuple` builds).
          train: batch statistics in batch norm (needs ``mutable=['batch_stats']``).

        Returns:
          ``[B, N, H]`` for a dense batch (padding rows carry values; mask them), ``[M, H]``
          node features for a GraphsTuple.
        """
        if isinstance(graphs, jraph.GraphsTuple):
            return self._run(graphs.nodes, segment_aggregate(graphs), jraph_mask(graphs), train)
        adj = jnp.asarray(graphs.adjacency)
        b, n, f = graphs.nodes.shape
        h = jnp.asarray(graphs.nodes).reshape(b * n, f)
        mask = jnp.asarray(graphs.node_mask).reshape(b * n) > 0
        out = self._run(h, dense_aggregate(adj), mask, train)
        return out.reshape(b, n, -1)


def dense_aggregate(adjacency: jax.Array) -> Aggregate:
    """Neighbour sum ``A~ H`` for a dense batch: ``[B * N, F] -> [B * N, F]``.

    Args:
      adjacency: ``[B, N, N]`` (symmetric for GIN's ``A + A^T``).
    """
    b, n, _ = adjacency.shape

    def agg(h):
        return jnp.matmul(adjacency, h.reshape(b, n, -1)).reshape(b * n, -1)

    return agg


def segment_aggregate(graphs: jraph.GraphsTuple) -> Aggregate:
    """Neighbour sum by ``jraph.segment_sum`` over the edges: ``[M, F] -> [M, F]``.

    Edge ``e`` sends ``h[senders[e]]`` to ``receivers[e]``; with both directions stored this is
    ``(A + A^T) H``. Padding edges point at a padding node, so real nodes are unaffected.
    """
    m = graphs.nodes.shape[0]

    def agg(h):
        return jraph.segment_sum(h[graphs.senders], graphs.receivers, num_segments=m)

    return agg


def jraph_mask(graphs: jraph.GraphsTuple) -> jax.Array:
    """``bool [M]``: real (non-padding) nodes of a padded GraphsTuple."""
    return graph_lib.padding_masks(graphs)[0]


def jraph_to_dense(graphs: jraph.GraphsTuple, h: jax.Array, max_nodes: int) -> jax.Array:
    """Scatters node features of a padded GraphsTuple back to the dense layout ``[B, N, H]``.

    Assumes the layout of :func:`jaxnas.encodings.graphs.graphs_tuple`: ``B`` real graphs, their
    nodes contiguous and in local order, then one padding graph; jittable.

    Padding positions get the features of the GraphsTuple's last node. Whenever a batch has
    padding positions (fewer than ``B * N`` real nodes), that node is a padding node with zero
    features and no edges (padding edges point at the *first* padding node), i.e. exactly what a
    padding vertex of the dense form is; so node-wise functions of the encoder output (latent
    heads, decoder) agree between the two forms at padding positions too.

    Args:
      graphs: the batch (``n_node [B + 1]``).
      h: ``[M, H]`` node features.
      max_nodes: N.

    Returns:
      ``[B, N, H]``.
    """
    n_node = jnp.asarray(graphs.n_node)
    b = n_node.shape[0] - 1
    gid = graph_lib.node_graph_index(graphs)
    offset = jnp.cumsum(n_node) - n_node
    local = jnp.arange(h.shape[0]) - offset[gid]
    local = jnp.where(gid < b, local, max_nodes)  # padding graph -> out of bounds, dropped
    out = jnp.broadcast_to(h[-1], (b + 1, max_nodes, h.shape[-1]))
    return out.at[gid, local].set(h, mode="drop")[:b]
