"""Parameters and FLOPs of the DARTS / NAS-Bench-301 evaluation network, vectorised over
genotype arrays ``[..., 2, 8, 2]`` (exact against NASLib's ``zc_nasbench301.json``)."""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from jaxnas.spaces.darts.core import CELLS, NUM_EDGES, NUM_NODES, OPS, InvalidCellError
from jaxnas.spaces.darts.genotype import to_array


class Network(NamedTuple):
    """Settings of a DARTS-style CIFAR evaluation network (DARTS's ``NetworkCIFAR``).

    Attributes:
      channels: initial channels ``C`` (cells of stage ``s`` have ``C * 2**s`` per node).
      layers: number of cells; reduction cells at ``layers // 3`` and ``2 * layers // 3``.
      num_classes: classifier outputs.
      image_size: input height = width.
      stem_multiplier: the stem conv outputs ``stem_multiplier * C`` channels.
      cell_bn_affine: whether the batch norms inside the cell ops have scale and offset
        (DARTS: yes; NASLib's NB301 graph: no). Pre-processing and stem BNs always have them.
      pool_bn: whether pooling ops are followed by a (non-affine) batch norm (NASLib: yes).

    No auxiliary head is counted (DARTS excludes it from its parameter count; NASLib's zero-cost
    files were computed without it).
    """

    channels: int = 32
    layers: int = 8
    num_classes: int = 10
    image_size: int = 32
    stem_multiplier: int = 3
    cell_bn_affine: bool = False
    pool_bn: bool = True


NB301_NETWORK = Network()
"""NASLib's ``NasBench301SearchSpace`` network, the one behind ``params`` / ``flops`` of
``zc_nasbench301.json``, sized like the networks trained for NAS-Bench-301: C = 32 (channels
32 / 64 / 128), 8 cells (reductions at cells 2 and 5), stem multiplier 3, 32x32 input,
10 classes, no auxiliary head, non-affine BN inside cell ops, a non-affine BN after each pool."""
DARTS_CIFAR10_NETWORK = Network(channels=36, layers=20, cell_bn_affine=True, pool_bn=False)
"""DARTS's CIFAR-10 evaluation network (``train.py``: C = 36, 20 cells; auxiliary head not
counted)."""

FLOPS_CONVENTIONS = ("naslib", "macs")


class _Costs(NamedTuple):
    """Genotype-independent totals and per-edge tables ``[cell, stride 1/2, op]``."""

    params0: int
    flops0: int
    macs0: int
    params: np.ndarray  # int64 [2, 2, 8]
    flops: np.ndarray
    macs: np.ndarray


def _op_cost(op: str, c: int, h_in: int, stride: int, net: Network) -> tuple[int, int, int]:
    """(params, torchstat FLOPs, MACs) of one cell op on ``c`` channels, ``h_in`` x ``h_in``."""
    h = h_in // stride
    hw_in, hw = h_in * h_in, h * h
    bn_p = 2 * c if net.cell_bn_affine else 0
    bn_f = (2 if net.cell_bn_affine else 1) * c * hw
    if op == "none" or (op == "skip_connect" and stride == 1):
        return 0, 0, 0
    if op in ("max_pool_3x3", "avg_pool_3x3"):
        return 0, 9 * c * hw + (c * hw if net.pool_bn else 0), 0
    if op == "skip_connect":  # FactorizedReduce(C, C): ReLU, two 1x1 convs to C/2, BN
        macs = 2 * c * (c // 2) * hw
        return 2 * c * (c // 2) + bn_p, c * hw_in + macs + bn_f, macs
    k = int(op[-1])
    if op.startswith("sep_conv"):  # twice: ReLU, depthwise kxk, pointwise 1x1, BN
        macs = 2 * (c * k * k * hw + c * c * hw)
        return 2 * (c * k * k + c * c + bn_p), c * hw_in + c * hw + macs + 2 * bn_f, macs
    if op.startswith("dil_conv"):  # ReLU, dilated depthwise kxk, pointwise 1x1, BN
        macs = c * k * k * hw + c * c * hw
        return c * k * k + c * c + bn_p, c * hw_in + macs + bn_f, macs
    raise InvalidCellError(f"darts: unknown op {op!r}")


@functools.lru_cache(maxsize=16)
def _cost_tables(net: Network) -> _Costs:
    reductions = sorted({net.layers // 3, 2 * net.layers // 3})
    if net.layers < 1 or net.image_size % (2 ** len(reductions)) or net.channels % 2:
        raise ValueError(
            f"network {net}: needs >= 1 layer, an even channel count and an image size "
            f"divisible by {2 ** len(reductions)}"
        )
    p0 = f0 = m0 = 0
    tp = np.zeros((2, 2, len(OPS)), np.int64)
    tf, tm = tp.copy(), tp.copy()

    def relu_conv_bn(cin, cout, h):  # ReLU, 1x1 conv, affine BN
        nonlocal p0, f0, m0
        p0 += cin * cout + 2 * cout
        f0 += cin * h * h + cin * cout * h * h + 2 * cout * h * h
        m0 += cin * cout * h * h

    def factorized_reduce(cin, cout, h_in):  # ReLU, two strided 1x1 convs to cout/2, affine BN
        nonlocal p0, f0, m0
        h = h_in // 2
        p0 += 2 * cin * (cout // 2) + 2 * cout
        f0 += cin * h_in * h_in + 2 * cin * (cout // 2) * h * h + 2 * cout * h * h
        m0 += 2 * cin * (cout // 2) * h * h

    h = net.image_size
    c_stem = net.stem_multiplier * net.channels
    p0 += 27 * c_stem + 2 * c_stem
    f0 += 27 * c_stem * h * h + 2 * c_stem * h * h
    m0 += 27 * c_stem * h * h
    c_pp, c_p, c = c_stem, c_stem, net.channels
    h_pp = h_p = h
    reduction_prev = False
    for i in range(net.layers):
        reduction = i in reductions
        if reduction:
            c *= 2
        if reduction_prev:
            factorized_reduce(c_pp, c, h_pp)
        else:
            relu_conv_bn(c_pp, c, h_pp)
        relu_conv_bn(c_p, c, h_p)
        h_out = h_p // 2 if reduction else h_p
        for s, stride in enumerate((1, 2)):
            if stride == 2 and not reduction:
                continue
            h_in = h_p if stride == 2 else h_out
            for o, op in enumerate(OPS):
                dp, df, dm = _op_cost(op, c, h_in, stride, net)
                tp[int(reduction), s, o] += dp
                tf[int(reduction), s, o] += df
                tm[int(reduction), s, o] += dm
        reduction_prev = reduction
        c_pp, c_p = c_p, NUM_NODES * c
        h_pp, h_p = h_p, h_out
    # Global average pool (torchstat counts a (h+1) x (h+1) window per channel), linear layer.
    f0 += c_p * (h_p + 1) ** 2 + c_p * net.num_classes
    m0 += c_p * net.num_classes
    p0 += c_p * net.num_classes + net.num_classes
    return _Costs(p0, f0, m0, tp, tf, tm)


def _check_batch(a: np.ndarray) -> None:
    """Vectorised :func:`check` (``'none'`` allowed) for an int array ``[B, 2, 8, 2]``."""
    ops, inputs = a[..., 0], a[..., 1]
    node = np.arange(NUM_EDGES) // 2
    bad_op = (ops < 0) | (ops >= len(OPS))
    bad_in = (inputs < 0) | (inputs >= node + 2)
    same = inputs[..., 0::2] == inputs[..., 1::2]
    for bad, what in ((bad_op, "unknown op id"), (bad_in, "input out of range")):
        if bad.any():
            b, c, e = np.argwhere(bad)[0]
            raise InvalidCellError(f"darts: genotype {b}: {what} on {CELLS[c]} edge {e}")
    if same.any():
        b, c, i = np.argwhere(same)[0]
        raise InvalidCellError(
            f"darts: genotype {b}: {CELLS[c]} node {i} takes input {inputs[b, c, 2 * i]} twice"
        )


def _as_batch(genotypes) -> tuple[np.ndarray, bool]:
    """``(int [..., 2, 8, 2], single)`` from one genotype or an array / sequence of them."""
    if isinstance(genotypes, np.ndarray) and genotypes.ndim >= 3:
        a = genotypes
        if a.shape[-3:] != (2, NUM_EDGES, 2) or a.dtype.kind not in "iu":
            raise InvalidCellError(
                f"darts: expected an int array [..., 2, 8, 2], got {a.dtype} {a.shape}"
            )
        _check_batch(a.reshape(-1, 2, NUM_EDGES, 2))
        return a, a.ndim == 3
    if isinstance(genotypes, (list, tuple)) and not hasattr(genotypes, "_fields"):
        if not genotypes:
            return np.zeros((0, 2, NUM_EDGES, 2), np.int32), False
        return np.stack([to_array(g) for g in genotypes]), False
    return to_array(genotypes), True


def _lookup(table: np.ndarray, a: np.ndarray) -> np.ndarray:
    ops, inputs = a[..., 0], a[..., 1]
    cell = np.broadcast_to(np.arange(2)[:, None], ops.shape)
    stride = ((cell == 1) & (inputs < 2)).astype(np.int64)
    return table[cell, stride, ops].sum(axis=(-1, -2))


def num_params(genotypes, network: Network = NB301_NETWORK):
    """Trainable parameters, in millions, of the evaluation network built from the genotype.

    With the default :data:`NB301_NETWORK` this is NASLib's count for its NB301 graph (the
    ``params`` of ``zc_nasbench301.json``, reproduced exactly for all 725 genotypes): C = 32,
    8 cells (reductions at cells 2 and 5), stem multiplier 3, no auxiliary head; convolutions
    without bias; BN scale and offset in the stem and in the ReLU-conv1x1-BN / FactorizedReduce
    pre-processing of each cell, none inside cell ops; classifier ``Linear(512, 10)`` with bias.
    :data:`DARTS_CIFAR10_NETWORK` gives DARTS's own count (3.3M for DARTS-V2).

    Args:
      genotypes: one genotype (any form :func:`validate` accepts), a sequence of them, or an
        int array ``[..., 2, 8, 2]``.
      network: the network settings.

    Returns:
      ``float`` for one genotype, else ``float64 [...]``.
    """
    a, single = _as_batch(genotypes)
    t = _cost_tables(network)
    out = (t.params0 + _lookup(t.params, a)) / 1e6
    return float(out) if single else out


def flops(genotypes, network: Network = NB301_NETWORK, convention: str = "naslib"):
    """FLOPs, in millions, of one forward pass of one image through the evaluation network.

    Args:
      genotypes: as for :func:`num_params`.
      network: the network settings (input ``image_size`` x ``image_size``).
      convention: ``'naslib'`` counts with the rules of tensorwatch's torchstat, which produced
        the ``flops`` of NASLib's ``zc_nasbench301.json`` (reproduced exactly for all 725
        genotypes): conv ``k*k*C_in*C_out/groups`` per output position; ReLU 1 per input
        element; BN 1 per element, 2 if affine; pooling ``k*k`` per output element; the global
        average pool as torchstat computes it, ``(h+1)^2`` per channel; linear ``in*out``.
        ``'macs'`` counts only multiply-accumulates of convolutions and the classifier.

    Returns:
      ``float`` for one genotype, else ``float64 [...]``.
    """
    if convention not in FLOPS_CONVENTIONS:
        raise ValueError(f"unknown FLOPs convention {convention!r}; use one of {FLOPS_CONVENTIONS}")
    a, single = _as_batch(genotypes)
    t = _cost_tables(network)
    base_, table = (t.flops0, t.flops) if convention == "naslib" else (t.macs0, t.macs)
    out = (base_ + _lookup(table, a)) / 1e6
    return float(out) if single else out
