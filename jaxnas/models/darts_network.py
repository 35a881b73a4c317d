"""DARTS's CIFAR evaluation network (``NetworkCIFAR``) in Flax linen, and its parameter count.

Reproduces quark0/darts ``cnn/model.py`` (``Cell``, ``AuxiliaryHeadCIFAR``, ``NetworkCIFAR``),
``cnn/operations.py`` (the ops) and ``cnn/utils.py`` (``drop_path``, ``count_parameters_in_MB``)
with images ``NHWC`` instead of ``NCHW``:

* stem: conv 3x3 (``3 * C`` channels, no bias) + batch norm;
* ``layers`` cells; cells ``layers // 3`` and ``2 * layers // 3`` are reduction cells (channels
  doubled, ops on the two cell inputs with stride 2); a cell after a reduction cell
  pre-processes ``c_{k-2}`` with :class:`FactorizedReduce`, else with ReLU-conv1x1-BN;
* node ``i`` of a cell sums its two ops; the cell concatenates the ``concat`` nodes;
* drop-path (per example, scaled by ``1 / keep``) on every op but the identity, in training;
* the auxiliary head after cell ``2 * layers // 3`` (in training), global average pool, linear.

Batch norms are PyTorch's (``eps 1e-5``, running averages with momentum 0.1, i.e. Flax momentum
0.9), affine everywhere as in DARTS's ``train.py``. Weights are initialised like PyTorch's
defaults (uniform, ``bound = 1 / sqrt(fan_in)``).

:func:`count_params` counts with :func:`jax.eval_shape` (no arrays are allocated), excluding the
auxiliary head like DARTS's ``count_parameters_in_MB``: DARTS_V2 at ``C = 36``, 20 cells has
3,349,342 parameters.

Checked against the reference itself (2026-12-07, PyTorch 2.13 CPU, quark0/darts ``model.py``
run from a scratch directory, DARTS_V2, C = 8, 5 cells, random weights and running statistics
copied into this module): logits agree to 6e-8 in eval mode and 4.5e-7 in training mode (batch
statistics), the auxiliary logits to 1.2e-5; parameter counts equal (37,018).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.spaces.darts import formats
from jaxnas.spaces.darts.core import Genotype, InvalidCellError

# Genotypes by name. DARTS_V1 / DARTS_V2: quark0/darts cnn/genotypes.py (DARTS = DARTS_V2).
# arch2vec_bo / arch2vec_rl: MSU-MLSys-Lab/arch2vec darts/cnn/genotypes.py (README: 3.6M / 3.3M
# params; darts/cnn/eval-EXP/log.txt prints "param size = 3.616966MB" for arch2vec_bo).
# cate_small / cate_large: MSU-MLSys-Lab/CATE darts/cnn/genotypes.py (README: 3.5M / 4.1M).
_A2V_BO = (
    "[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('skip_connect', 0), ('dil_conv_3x3', 1), "
    "('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('sep_conv_3x3', 0)]"
)
_A2V_RL = (
    "[('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), "
    "('skip_connect', 0), ('sep_conv_3x3', 1), ('dil_conv_5x5', 1), ('sep_conv_3x3', 0)]"
)
_CATE_S = (
    "[('max_pool_3x3', 0), ('sep_conv_3x3', 0), ('skip_connect', 1), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_3x3', 4), ('dil_conv_3x3', 2)]"
)
_CATE_L = (
    "[('sep_conv_3x3', 1), ('skip_connect', 0), ('dil_conv_3x3', 2), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 2), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3)]"
)


def _tied(cell: str) -> str:
    """A genotype string whose reduction cell is the normal cell (as arch2vec's and CATE's)."""
    return f"Genotype(normal={cell}, normal_concat=[2, 3, 4, 5], reduce={cell}, " + (
        "reduce_concat=[2, 3, 4, 5])"
    )


KNOWN_GENOTYPES: dict[str, str] = {
    "DARTS_V1": (
        "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), "
        "('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
        "('skip_connect', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
        "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), "
        "('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], "
        "reduce_concat=[2, 3, 4, 5])"
    ),
    "DARTS_V2": (
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
        "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
        "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
        "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
        "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
        "reduce_concat=[2, 3, 4, 5])"
    ),
    "arch2vec_bo": _tied(_A2V_BO),
    "arch2vec_rl": _tied(_A2V_RL),
    "cate_small": _tied(_CATE_S),
    "cate_large": _tied(_CATE_L),
}
"""Published genotypes by name (``DARTS`` is an alias of ``DARTS_V2``, as in DARTS)."""
KNOWN_GENOTYPES["DARTS"] = KNOWN_GENOTYPES["DARTS_V2"]

NETWORK_OPS = (
    "none",
    "avg_pool_3x3",
    "max_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "sep_conv_7x7",
    "dil_conv_3x3",
    "dil_conv_5x5",
    "conv_7x1_1x7",
)
"""The ops of DARTS's ``operations.OPS`` (a superset of the search space's)."""


def resolve_genotype(genotype: Any) -> Genotype:
    """A :class:`Genotype` with hashable fields (cells and concats as tuples).

    Args:
      genotype: a known name (:data:`KNOWN_GENOTYPES`, e.g. ``"DARTS_V2"``), a DARTS genotype
        string ``"Genotype(normal=[...], ...)"``, a NASLib compact genotype (or its string), or
        any namedtuple with DARTS's fields. Unlike :func:`jaxnas.spaces.darts.validate` any
        number of nodes and any concat are accepted (as DARTS's ``Cell`` does), and the ops of
        :data:`NETWORK_OPS`.

    Raises:
      InvalidCellError: naming an unknown op, an input of a node that does not exist yet, or
        an odd number of edges.
    """
    if isinstance(genotype, str):
        text = KNOWN_GENOTYPES.get(genotype.strip(), genotype)
        if "Genotype" in text.split("(", 1)[0]:
            g = formats.parse_string(text)
        else:
            g = formats.parse_naslib(text)
    elif isinstance(genotype, tuple) and len(genotype) == 2:
        g = formats.parse_naslib(genotype)
    else:
        g = genotype
    cells = []
    for name in ("normal", "reduce"):
        edges = tuple((str(op), int(i)) for op, i in getattr(g, name))
        concat = tuple(int(c) for c in getattr(g, name + "_concat"))
        if len(edges) % 2:
            raise InvalidCellError(f"darts network: the {name} cell has an odd number of edges")
        for e, (op, i) in enumerate(edges):
            if op not in NETWORK_OPS:
                raise InvalidCellError(
                    f"darts network: unknown op {op!r} on {name} edge {e}; known: {NETWORK_OPS}"
                )
            if not 0 <= i < e // 2 + 2:
                raise InvalidCellError(
                    f"darts network: {name} edge {e} takes input {i}, which does not exist yet"
                )
        if not concat or max(concat) >= len(edges) // 2 + 2 or min(concat) < 0:
            raise InvalidCellError(f"darts network: {name}_concat {concat} names missing nodes")
        cells += [edges, concat]
    return Genotype(*cells)


# ----------------------------------------------------------------------------------------------
# Ops (cnn/operations.py).


def _torch_kernel_init(key, shape, dtype=jnp.float32):
    """PyTorch's default conv / linear weight init: ``U(-b, b)``, ``b = 1 / sqrt(fan_in)``
    (``kaiming_uniform_(a=sqrt(5))``); ``shape`` is Flax's (``[..., in, out]``)."""
    bound = 1.0 / math.sqrt(math.prod(shape[:-1]))
    return jax.random.uniform(key, shape, dtype, -bound, bound)


def _conv(features, kernel, stride=1, pad=0, dilation=1, groups=1, name=None) -> nn.Conv:
    """``nn.Conv2d(..., bias=False)`` with PyTorch's explicit zero padding."""
    kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
    pad = (pad, pad) if isinstance(pad, int) else tuple(pad)
    return nn.Conv(
        features,
        kernel,
        strides=stride,
        padding=((pad[0], pad[0]), (pad[1], pad[1])),
        kernel_dilation=(dilation, dilation),
        feature_group_count=groups,
        use_bias=False,
        kernel_init=_torch_kernel_init,
        name=name,
    )


def _bn(train: bool, name=None) -> nn.BatchNorm:
    """``nn.BatchNorm2d`` (eps 1e-5, momentum 0.1 in PyTorch's convention), affine."""
    return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5, name=name)


class ReLUConvBN(nn.Module):
    """ReLU, ``k x k`` conv (no bias), BN. ``[B, H, W, Cin] -> [B, H', W', features]``."""

    features: int
    kernel: int = 1
    stride: int = 1
    pad: int = 0

    @nn.compact
    def __call__(self, x, train: bool):
        x = _conv(self.features, self.kernel, self.stride, self.pad)(nn.relu(x))
        return _bn(train)(x)


class SepConv(nn.Module):
    """Twice: ReLU, depthwise ``k x k``, pointwise 1x1, BN (the first with ``stride``)."""

    features: int
    kernel: int
    stride: int
    pad: int

    @nn.compact
    def __call__(self, x, train: bool):
        c = x.shape[-1]
        for i, stride in enumerate((self.stride, 1)):
            x = _conv(c, self.kernel, stride, self.pad, groups=c)(nn.relu(x))
            x = _conv(self.features if i else c, 1)(x)
            x = _bn(train)(x)
        return x


class DilConv(nn.Module):
    """ReLU, dilated depthwise ``k x k``, pointwise 1x1, BN."""

    features: int
    kernel: int
    stride: int
    pad: int
    dilation: int

    @nn.compact
    def __call__(self, x, train: bool):
        c = x.shape[-1]
        x = _conv(c, self.kernel, self.stride, self.pad, self.dilation, groups=c)(nn.relu(x))
        return _bn(train)(_conv(self.features, 1)(x))


class Conv7x1x1x7(nn.Module):
    """ReLU, conv ``1 x 7``, conv ``7 x 1`` (stride split between them), BN."""

    features: int
    stride: int

    @nn.compact
    def __call__(self, x, train: bool):
        c, s = self.features, self.stride
        x = _conv(c, (1, 7), (1, s), (0, 3))(nn.relu(x))
        x = _conv(c, (7, 1), (s, 1), (3, 0))(x)
        return _bn(train)(x)


class FactorizedReduce(nn.Module):
    """Halves H and W: ReLU, two 1x1 stride-2 convs to ``features / 2`` (the second on the
    input shifted by one pixel), concatenated, BN. ``[B, H, W, C] -> [B, H/2, W/2, features]``."""

    features: int

    @nn.compact
    def __call__(self, x, train: bool):
        if self.features % 2:
            raise ValueError(f"FactorizedReduce needs an even width, got {self.features}")
        x = nn.relu(x)
        a = _conv(self.features // 2, 1, 2, name="conv_1")(x)
        b = _conv(self.features // 2, 1, 2, name="conv_2")(x[:, 1:, 1:, :])
        return _bn(train)(jnp.concatenate([a, b], axis=-1))


def _pool(kind: str, x, stride: int):
    """3x3 pooling, padding 1; the average excludes the padding (``count_include_pad=False``)."""
    pad = ((1, 1), (1, 1))
    if kind == "max":
        return nn.max_pool(x, (3, 3), (stride, stride), pad)
    return nn.avg_pool(x, (3, 3), (stride, stride), pad, count_include_pad=False)


def make_op(name: str, channels: int, stride: int, op_name: str | None = None):
    """The op ``name`` of DARTS's ``OPS`` as ``f(x, train) -> y`` (a module or a function)."""
    c, s = channels, stride
    if name == "none":
        return lambda x, train: jnp.zeros_like(x[:, ::s, ::s, :])
    if name in ("avg_pool_3x3", "max_pool_3x3"):
        return lambda x, train: _pool(name[:3], x, s)
    if name == "skip_connect":
        return (lambda x, train: x) if s == 1 else FactorizedReduce(c, name=op_name)
    if name.startswith("sep_conv_"):
        k = int(name[-1])
        return SepConv(c, k, s, k // 2, name=op_name)
    if name.startswith("dil_conv_"):
        k = int(name[-1])
        return DilConv(c, k, s, k - 1, 2, name=op_name)
    if name == "conv_7x1_1x7":
        return Conv7x1x1x7(c, s, name=op_name)
    raise InvalidCellError(f"darts network: unknown op {name!r}; known: {NETWORK_OPS}")


def drop_path(x, drop_prob, key):
    """Zeroes whole examples with probability ``drop_prob`` and scales the rest by
    ``1 / (1 - drop_prob)`` (DARTS ``utils.drop_path``). ``x [B, ...]``, ``drop_prob []``."""
    keep = 1.0 - jnp.asarray(drop_prob, x.dtype)
    mask = jax.random.bernoulli(key, keep, (x.shape[0],) + (1,) * (x.ndim - 1))
    return x / keep * mask.astype(x.dtype)


# ----------------------------------------------------------------------------------------------
# Cell and network (cnn/model.py).


class Cell(nn.Module):
    """One DARTS cell. ``s0, s1 [B, H, W, *] -> [B, H', W', len(concat) * channels]``.

    Attributes:
      edges: ``(op, input)`` pairs, edges ``2i, 2i+1`` feed node ``i``.
      concat: nodes concatenated into the output (0, 1 = the pre-processed inputs).
      channels: channels of every node.
      reduction: ops on inputs 0 and 1 have stride 2.
      reduction_prev: the previous cell halved the resolution (``s0`` is reduced with
        :class:`FactorizedReduce`).
    """

    edges: tuple
    concat: tuple
    channels: int
    reduction: bool
    reduction_prev: bool

    @nn.compact
    def __call__(self, s0, s1, train: bool, drop_prob=None):
        c = self.channels
        pre0 = FactorizedReduce(c) if self.reduction_prev else ReLUConvBN(c)
        states = [pre0(s0, train), ReLUConvBN(c)(s1, train)]
        for node in range(len(self.edges) // 2):
            total = 0.0
            for e in (2 * node, 2 * node + 1):
                op, i = self.edges[e]
                stride = 2 if self.reduction and i < 2 else 1
                h = make_op(op, c, stride, op_name=f"op{e}")(states[i], train)
                if train and drop_prob is not None and not (op == "skip_connect" and stride == 1):
                    h = drop_path(h, drop_prob, self.make_rng("drop_path"))
                total = total + h
            states.append(total)
        return jnp.concatenate([states[i] for i in self.concat], axis=-1)


class AuxiliaryHeadCIFAR(nn.Module):
    """ReLU, 5x5 average pool stride 3 (8x8 -> 2x2), conv1x1 128 + BN + ReLU, conv2x2 768 +
    BN + ReLU, linear. ``[B, 8, 8, C] -> [B, num_classes]``."""

    num_classes: int

    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.avg_pool(nn.relu(x), (5, 5), (3, 3), "VALID")
        x = nn.relu(_bn(train)(_conv(128, 1)(x)))
        x = nn.relu(_bn(train)(_conv(768, 2)(x)))
        return _TorchDense(self.num_classes)(x.reshape(x.shape[0], -1))


class _TorchDense(nn.Module):
    """``nn.Linear`` with PyTorch's default init (weight and bias ``U(+-1/sqrt(fan_in))``)."""

    features: int

    @nn.compact
    def __call__(self, x):
        bound = 1.0 / math.sqrt(x.shape[-1])
        k = self.param("kernel", _torch_kernel_init, (x.shape[-1], self.features))
        b = self.param(
            "bias",
            lambda key, s: jax.random.uniform(key, s, jnp.float32, -bound, bound),
            (self.features,),
        )
        return x @ k + b[None, :]


class NetworkCIFAR(nn.Module):
    """DARTS's CIFAR network. ``images [B, 32, 32, 3] -> (logits [B, K], aux [B, K] | None)``.

    Attributes:
      genotype: the cells (anything :func:`resolve_genotype` accepts; resolved on use).
      channels: initial channels ``C`` (36 in DARTS's evaluation).
      layers: number of cells (20).
      num_classes: 10 for CIFAR-10.
      auxiliary: build the auxiliary head (its logits are returned in training only).
      stem_multiplier: the stem has ``stem_multiplier * C`` channels (3).

    Call with ``train=True`` and a ``drop_prob`` (a scalar, may be traced) for training: batch
    statistics are updated (``mutable=['batch_stats']``) and drop-path draws from the
    ``'drop_path'`` rng. ``drop_prob=None`` disables drop-path.
    """

    genotype: Any
    channels: int = 36
    layers: int = 20
    num_classes: int = 10
    auxiliary: bool = True
    stem_multiplier: int = 3

    @nn.compact
    def __call__(self, images, train: bool = False, drop_prob=None):
        g = resolve_genotype(self.genotype)
        x = _conv(self.stem_multiplier * self.channels, 3, 1, 1, name="stem_conv")(images)
        s0 = s1 = _bn(train, name="stem_bn")(x)
        c = self.channels
        reductions = (self.layers // 3, 2 * self.layers // 3)
        reduction_prev = False
        logits_aux = None
        for i in range(self.layers):
            reduction = i in reductions
            c = 2 * c if reduction else c
            edges, concat = g[2:] if reduction else g[:2]
            cell = Cell(edges, concat, c, reduction, reduction_prev, name=f"cell{i}")
            s0, s1 = s1, cell(s0, s1, train, drop_prob)
            reduction_prev = reduction
            if i == 2 * self.layers // 3 and self.auxiliary and (train or self.is_initializing()):
                logits_aux = AuxiliaryHeadCIFAR(self.num_classes, name="auxiliary_head")(s1, train)
        out = jnp.mean(s1, axis=(1, 2))
        logits = _TorchDense(self.num_classes, name="classifier")(out)
        return logits, (logits_aux if train else None)


def init(model: NetworkCIFAR, key: jax.Array, image_shape: Sequence[int] = (32, 32, 3)):
    """``(params, batch_stats)`` of ``model`` for images of ``image_shape``.

    The same distributions as the modules' initialisers (``model.init``): conv and linear
    weights and linear biases ``U(+-1/sqrt(fan_in))``, batch-norm scale 1 and offset 0, running
    mean 0 and variance 1; but drawn as one uniform vector split over the leaves, because
    compiling one random draw per parameter (``model.init``) takes minutes on a CPU for the
    20-cell network.
    """
    shapes = _variable_shapes(model, tuple(image_shape))
    leaves = jax.tree.leaves(shapes["params"])
    total = sum(math.prod(x.shape) for x in leaves)
    u = np.asarray(jax.random.uniform(key, (total,), jnp.float32, -1.0, 1.0))
    offset = [0]

    def draw(shape, fan_in):
        n = math.prod(shape)
        out = u[offset[0] : offset[0] + n].reshape(shape) / math.sqrt(fan_in)
        offset[0] += n
        return out

    def fill(node):  # leaves in jax.tree.leaves order (sorted keys), as ``total`` counted them
        out = {}
        for name in sorted(node):
            v = node[name]
            if isinstance(v, dict):
                out[name] = fill(v)
            elif name == "kernel":
                out[name] = draw(v.shape, math.prod(v.shape[:-1]))
            elif name == "bias" and "kernel" in node:  # linear bias
                out[name] = draw(v.shape, math.prod(node["kernel"].shape[:-1]))
            elif name == "scale":
                out[name] = np.ones(v.shape, np.float32)
            elif name == "bias":
                out[name] = np.zeros(v.shape, np.float32)
            else:
                raise ValueError(f"darts network init: unexpected parameter {name!r}")
        return out

    params = fill(shapes["params"])
    stats = _stats(shapes["batch_stats"])
    return jax.device_put(params), jax.device_put(stats)


def _stats(node):
    """Running mean 0 and variance 1 (PyTorch's and Flax's start)."""
    return {
        k: _stats(v) if isinstance(v, dict) else np.full(v.shape, float(k == "var"), np.float32)
        for k, v in node.items()
    }


def _variable_shapes(model: NetworkCIFAR, image_shape: tuple) -> dict:
    """Shapes of ``model``'s variables (``params``, ``batch_stats``), without allocating."""
    x = jax.ShapeDtypeStruct((1, *image_shape), jnp.float32)
    return jax.eval_shape(lambda x: model.init(jax.random.key(0), x, train=False), x)


def count_params(
    genotype: Any,
    channels: int = 36,
    layers: int = 20,
    num_classes: int = 10,
    auxiliary: bool = False,
) -> int:
    """Trainable parameters of :class:`NetworkCIFAR` (DARTS's ``count_parameters_in_MB`` * 1e6).

    Shapes only (:func:`jax.eval_shape`); the auxiliary head is excluded unless ``auxiliary``.

    Args:
      genotype: a known name such as ``"DARTS_V2"``, a genotype string or value
        (:func:`resolve_genotype`).
      channels: initial channels ``C``.
      layers: number of cells.
      num_classes: classifier outputs.
      auxiliary: include the auxiliary head's parameters.

    Returns:
      The number of parameters (DARTS_V2, 36, 20: 3,349,342).
    """
    sizes = _param_sizes(resolve_genotype(genotype), channels, layers, num_classes)
    return sum(n for k, n in sizes.items() if auxiliary or k != "auxiliary_head")


@functools.lru_cache(maxsize=64)
def _param_sizes(genotype: Genotype, channels: int, layers: int, num_classes: int) -> dict:
    """Parameters per top-level module (``stem_conv``, ``cell0``, ..., ``auxiliary_head``);
    cached: tracing the 20-cell network takes seconds."""
    model = NetworkCIFAR(genotype, channels, layers, num_classes, True)
    shapes = _variable_shapes(model, (32, 32, 3))["params"]
    return {k: int(sum(math.prod(x.shape) for x in jax.tree.leaves(v))) for k, v in shapes.items()}
