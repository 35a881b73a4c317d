"""The GAE and VGAE baselines of arch2vec's table (Kipf & Welling, "Variational Graph
Auto-Encoders", 2016): a GCN encoder (:mod:`jaxnas.models.gcn`) with arch2vec's inner-product
decoder, as :class:`jaxnas.models.vgae.ModelConfig` s.

Two GCN layers (``gcn_layer``): ``'kipf'`` (normalised ``Â`` with self-loops, 1 hidden layer
and linear heads, the paper's GCN) and ``'reference'`` (the arch2vec reference code's
``relu(A X W) + b`` with input dropout, no self-loops, 4 layers including the latent one; see
:mod:`jaxnas.models.gcn`). Decoder, loss, training and metrics are arch2vec's
(:mod:`jaxnas.models.vgae`), so the three rows of the table differ only in the encoder and the
variational switch.

The GCN layers live in the leaf module :mod:`jaxnas.models.gcn` (imported by both this module
and :mod:`jaxnas.models.vgae`), so there is no import cycle between ``gae`` and ``vgae``.
"""

from __future__ import annotations

from jaxnas.models import vgae
from jaxnas.models.gcn import GCN, ReferenceGCN, ReferenceGCNLayer, normalized_adjacency

DEFAULT_LAYERS = {"kipf": 1, "reference": 4}
"""Default ``num_layers`` per GCN layer form (Kipf: hidden layers before the linear heads;
reference: GCN layers in all, the latent one included)."""


def _config(num_ops, max_nodes, pad_class, variational, kwargs):
    layer = kwargs.get("gcn_layer", "kipf")
    kwargs = {"num_layers": DEFAULT_LAYERS[layer], **kwargs}
    return vgae.ModelConfig(
        num_ops, max_nodes, pad_class, encoder="gcn", variational=variational, **kwargs
    )


def gae_config(num_ops: int, max_nodes: int, pad_class: bool = False, **kwargs):
    """A :class:`jaxnas.models.vgae.ModelConfig` for the GAE (GCN, ``z = mu``, no KL)."""
    return _config(num_ops, max_nodes, pad_class, False, kwargs)


def vgae_config(num_ops: int, max_nodes: int, pad_class: bool = False, **kwargs):
    """A :class:`jaxnas.models.vgae.ModelConfig` for the VGAE (GCN, Gaussian latent, KL)."""
    return _config(num_ops, max_nodes, pad_class, True, kwargs)


__all__ = [
    "DEFAULT_LAYERS",
    "GCN",
    "ReferenceGCN",
    "ReferenceGCNLayer",
    "gae_config",
    "normalized_adjacency",
    "vgae_config",
]
