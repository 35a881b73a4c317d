"""Learning-curve utilities shared by the extrapolators: loss <-> bounded-score maps, padding.

The weighted probabilistic model (:mod:`jaxnas.predictors.wpm`) follows Domhan et al. (2015),
which models an *increasing* curve (validation accuracy) whose value at the target epoch lies in
``[0, 1]``. Loss curves (NB-NLP, TaskSet) are mapped to such a score by a fixed affine,
decreasing map::

    y = (hi - loss) / (hi - lo)

with ``lo < hi`` chosen once per benchmark from fully observed reference curves (e.g. the search
history or a training split; :func:`fit_loss_transform`): ``hi`` is a high quantile of the
reference losses (roughly an untrained network), ``lo`` lies below the best reference loss by a
margin. ``y = 0`` is then "as bad as an untrained network" and ``y = 1`` "better than anything
seen by the margin", so the original's bound (prediction in ``[0, 1]``) and monotonicity (the
score never decreases) carry over. The map is the same for every curve, so rankings, thresholds
and probabilities transfer exactly: ``P(loss < t) = P(y > to_score(t))``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class LossTransform(NamedTuple):
    """The affine map ``y = (hi - loss) / (hi - lo)`` (decreasing in the loss).

    Attributes:
      lo: loss mapped to score 1.
      hi: loss mapped to score 0.
    """

    lo: float
    hi: float

    def to_score(self, loss):
        """Loss (any shape) -> score (same shape)."""
        return (self.hi - loss) / (self.hi - self.lo)

    def to_loss(self, score):
        """Score (any shape) -> loss (same shape)."""
        return self.hi - score * (self.hi - self.lo)

    def std_to_loss(self, std):
        """A standard deviation in score units -> loss units."""
        return std * (self.hi - self.lo)


def fit_loss_transform(
    curves: np.ndarray, *, hi_quantile: float = 0.99, margin: float = 0.25
) -> LossTransform:
    """Chooses ``lo``/``hi`` from fully observed reference curves.

    Args:
      curves: ``[N, T]`` reference losses (NaN ignored).
      hi_quantile: ``hi`` is this quantile of all finite reference losses.
      margin: ``lo = min - margin * (hi - min)``, so every reference final loss maps below 1.

    Returns:
      The transform.
    """
    v = np.asarray(curves, np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise ValueError("no finite reference losses")
    hi = float(np.quantile(v, hi_quantile))
    mn = float(v.min())
    if hi <= mn:
        hi = mn + 1.0
    return LossTransform(lo=mn - margin * (hi - mn), hi=hi)


class PaddedCurves(NamedTuple):
    """Partial curves padded to a fixed length so that batched fits compile once.

    Attributes:
      x: ``[B, P]`` float32 epochs (1-based); padded entries hold 1.
      y: ``[B, P]`` float32 values; padded entries hold 0.
      mask: ``[B, P]`` bool, True for observed entries.
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray


def pad_curves(
    values: np.ndarray, lengths: np.ndarray | int, pad_to: int | None = None
) -> PaddedCurves:
    """Takes the first ``lengths[b]`` points of each curve and pads to ``pad_to``.

    Epochs are ``1..lengths[b]`` (the curve's index + 1).

    Args:
      values: ``[B, T]`` curves (score or loss units; entries past the length are ignored).
      lengths: ``[B]`` or scalar, number of observed points per curve (>= 1).
      pad_to: padded length ``P`` (default ``max(lengths)``).
    """
    values = np.asarray(values, np.float64)
    b, t = values.shape
    lengths = np.broadcast_to(np.asarray(lengths, np.int64), (b,))
    if np.any(lengths < 1) or np.any(lengths > t):
        raise ValueError(f"lengths must lie in [1, {t}]")
    p = int(lengths.max()) if pad_to is None else int(pad_to)
    if p < lengths.max():
        raise ValueError(f"pad_to={p} < longest curve {lengths.max()}")
    idx = np.arange(p)
    mask = idx[None, :] < lengths[:, None]
    src = np.zeros((b, p))
    k = min(p, t)
    src[:, :k] = values[:, :k]
    y = np.where(mask, src, 0.0)
    if not np.all(np.isfinite(y)):
        raise ValueError("non-finite values inside the observed part of a curve")
    x = np.where(mask, idx[None, :] + 1.0, 1.0)
    return PaddedCurves(x.astype(np.float32), y.astype(np.float32), mask)
