"""Curve compressors for x11 surrogates: SVD (and the choice of k by held-out error).

A compressor maps curves ``[N, E]`` to a few components ``[N, k]`` and back. The SVD
compressor follows NAS-Bench-x11's reference code (``models/svd_lgb.py``): the training curves
``Y = U S V^T`` are *not* centred; the components of a curve ``y`` are its coordinates
``y V_k`` in the top-``k`` right singular vectors (for a training curve this is ``U_k S_k``,
the reference's labels up to its per-column standardisation), and ``decode(z) = z V_k^T``.
Decoding the components of a curve gives its rank-``k`` reconstruction: the "de-noised"
curve whose residuals the noise models are fitted on.

Choosing ``k``: the reconstruction error of held-out curves can only fall as ``k`` grows (the
subspaces are nested), so "the k minimising held-out error" is always the largest one tried.
:func:`choose_k` instead returns the elbow the paper's figure shows: the smallest ``k`` that
achieves all but ``tol`` of the error reduction available over the range tried.

Standardising (``svd_fit(..., standardize=True)``, our option, not the reference's): each epoch
is centred and scaled by its mean and standard deviation over the training curves before the
SVD, and decoding undoes it. The un-centred SVD spends its components on the epochs with the
largest values and spread; when the epochs are separate runs with very different spreads
(NB111-4: its 108-epoch budget has the smallest spread), a rank-``k`` fit of the standardised
curves is what lets every epoch, the final one included, be reconstructed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class SVDCompressor(NamedTuple):
    """Fitted SVD compressor.

    Attributes:
      basis: ``float64 [k, E]``, the top-``k`` right singular vectors (rows of ``V^T``).
      singular_values: ``float64 [min(N, E)]``, all singular values of the (standardised)
        training curves.
      mean: ``float64 [E]`` per-epoch training mean subtracted before projecting, or ``None``
        (the reference's un-centred SVD).
      scale: ``float64 [E]`` per-epoch training std divided out before projecting, or ``None``.
    """

    basis: np.ndarray
    singular_values: np.ndarray
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    @property
    def num_components(self) -> int:
        return self.basis.shape[0]


def _check_curves(curves) -> np.ndarray:
    y = np.asarray(curves, np.float64)
    if y.ndim != 2:
        raise ValueError(f"curves must be [N, E], got shape {y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("curves contain NaN/inf: drop or impute diverged runs first")
    return y


def svd_fit(curves, k: int = 6, standardize: bool = False) -> SVDCompressor:
    """Fits an SVD compressor with ``k`` components on training curves ``[N, E]``.

    ``standardize`` centres and scales each epoch by its training mean and std first (see the
    module docstring); ``False`` is the reference's un-centred SVD.
    """
    y = _check_curves(curves)
    if not 1 <= k <= min(y.shape):
        raise ValueError(f"k={k} must lie in [1, min(N, E)={min(y.shape)}]")
    mean = scale = None
    if standardize:
        mean = y.mean(axis=0)
        sd = y.std(axis=0)
        scale = np.where(sd > 0, sd, 1.0)
        y = (y - mean) / scale
    _, s, vh = np.linalg.svd(y, full_matrices=False)
    return SVDCompressor(basis=vh[:k].copy(), singular_values=s, mean=mean, scale=scale)


def svd_encode(comp: SVDCompressor, curves) -> np.ndarray:
    """Components ``[N, k]`` of curves ``[N, E]`` (their coordinates in the basis)."""
    y = np.asarray(curves, np.float64)
    if comp.mean is not None:
        y = (y - comp.mean) / comp.scale
    return y @ comp.basis.T


def svd_decode(comp: SVDCompressor, components) -> np.ndarray:
    """Curves ``[N, E]`` from components ``[N, k]``.

    Summed component by component rather than as one matrix product: BLAS sums a single row
    differently from a block, so with a matrix product a curve's last bits depended on the
    batch it was decoded in; this way every row is bit-identical whatever the batch (tabulated
    queries, :func:`jaxnas.surrogates.surrogate.tabulate`, rely on it).
    """
    z = np.asarray(components, np.float64)
    if z.shape[-1] != comp.basis.shape[0]:
        raise ValueError(f"components [N, {comp.basis.shape[0]}] expected, got {z.shape}")
    y = np.zeros(z.shape[:-1] + comp.basis.shape[1:])
    for j in range(comp.basis.shape[0]):
        y += z[..., j, None] * comp.basis[j]
    if comp.mean is not None:
        y = y * comp.scale + comp.mean
    return y


def reconstruction_errors(train_curves, heldout_curves, ks: Sequence[int]) -> np.ndarray:
    """Mean squared reconstruction error of held-out curves for each ``k`` in ``ks``.

    Args:
      train_curves: ``[N, E]`` curves the SVD is fitted on.
      heldout_curves: ``[M, E]`` curves reconstructed through the fitted basis.
      ks: component counts to try.

    Returns:
      ``float64 [len(ks)]`` mean over the ``M x E`` entries of the squared error.
    """
    y = _check_curves(train_curves)
    h = _check_curves(heldout_curves)
    _, _, vh = np.linalg.svd(y, full_matrices=False)
    out = []
    for k in ks:
        b = vh[: int(k)]
        out.append(float(np.mean((h - (h @ b.T) @ b) ** 2)))
    return np.asarray(out)


def choose_k(
    train_curves, heldout_curves, ks: Sequence[int] = tuple(range(1, 13)), tol: float = 0.05
) -> tuple[int, np.ndarray]:
    """The smallest ``k`` whose held-out error is within ``tol`` of the best reduction.

    Picks the smallest ``k`` with ``err[k] <= err_min + tol * (err[ks[0]] - err_min)`` (see the
    module docstring for why not the argmin).

    Returns:
      ``(k, errors)`` with ``errors`` as :func:`reconstruction_errors`.
    """
    ks = [int(k) for k in ks if int(k) <= min(np.shape(train_curves))]
    err = reconstruction_errors(train_curves, heldout_curves, ks)
    lo = err.min()
    ok = err <= lo + tol * (err[0] - lo)
    return ks[int(np.argmax(ok))], err
