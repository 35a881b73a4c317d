"""CATE's computation-aware pair sampling: partners of similar parameter count or FLOPs.

For every architecture ``x_i`` with computational attribute ``P_i`` (parameters or FLOPs, from
the space's cost functions) CATE draws ``K`` distinct partners uniformly without replacement
from a window; architectures whose window holds fewer than ``K`` others get all of them
(possibly none); :func:`sample_partners` marks the missing slots with -1. Two windows
(:data:`WINDOWS`):

* ``'one_sided'`` (CATE's ``preprocessing/data_generate.py: sample_from_data``, the default):
  sort by ``P`` (stable, so ties keep index order); the partners of the ``s``-th architecture
  are the earlier ones ``t < s`` with ``P_t + delta >= P_s`` -- smaller (or tied, earlier) ``P``
  within ``delta``. The pair is ``(x_i, partner)``: X has the larger attribute. The smallest
  architectures get no partner as X (they appear as partners of larger ones);
* ``'symmetric'``: ``r(x_i) = {j != i : |P_i - P_j| < delta}`` (the paper's text; the earlier
  jaxnas sampler).

Everything is vectorised NumPy over a sort of the attribute (``O(N log N + N K^2)``): pairs for
all 423,624 NAS-Bench-101 cells take about a second. Randomness comes from an explicit JAX key
(:func:`jaxnas.spaces.base.host_rng`), so the pairs are a pure function of ``(key, P, delta,
K)``.

The seed's ablation grid (CATE, Table 6 / the talk) is :data:`ABLATION_DELTAS` x
:data:`ABLATION_KS` (NB101, parameters); defaults NB101 ``K=2, delta=2e6`` parameters, NB301
``K=1, delta=5e6`` FLOPs.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from jaxnas.spaces import base

ABLATION_DELTAS: tuple[float, ...] = (1e6, 2e6, 4e6, 8e6)
"""The seed's window widths (NB101, parameters)."""
ABLATION_KS: tuple[int, ...] = (1, 2, 4, 8)
"""The seed's numbers of partners per architecture."""
WINDOWS = ("one_sided", "symmetric")


class Pairs(NamedTuple):
    """Sampled pairs.

    Attributes:
      partners: ``int64 [N, K]``, partner indices per architecture, -1 where the window held
        fewer than ``K`` others.
      window_size: ``int64 [N]``, number of other architectures in each window.
    """

    partners: np.ndarray
    window_size: np.ndarray

    def as_pairs(self) -> np.ndarray:
        """All valid ``(x, y)`` index pairs, ``int64 [P, 2]``, grouped by ``x`` (row order)."""
        n, k = self.partners.shape
        x = np.broadcast_to(np.arange(n)[:, None], (n, k))
        ok = self.partners >= 0
        return np.stack([x[ok], self.partners[ok]], axis=-1)


def windows(
    attribute, delta: float, window: str = "symmetric"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted order and the window of every architecture in it.

    Args:
      attribute: ``[N]`` computational attribute.
      delta: window half-width (symmetric: strict ``|P_i - P_j| < delta``; one-sided:
        ``P_t + delta >= P_s`` as CATE's comparison).
      window: :data:`WINDOWS`.

    Returns:
      ``(order int64 [N], lo int64 [N], hi int64 [N])``: ``order`` sorts the attribute
      (stable), and the window of ``order[s]`` is the sorted positions ``lo[s] <= t < hi[s]``
      (itself included; one-sided: ``hi[s] = s + 1``).
    """
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; use one of {WINDOWS}")
    p = np.asarray(attribute)
    if p.ndim != 1:
        raise ValueError(f"attribute must be [N], got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError("attribute has non-finite values")
    if not delta > 0:
        raise ValueError(f"delta must be positive, got {delta}")
    order = np.argsort(p, kind="stable")
    s = p[order]
    if window == "one_sided":
        # First t with s[t] + delta >= s[s_]; ``s + delta`` is non-decreasing, so searching it
        # applies CATE's comparison exactly (no re-derivation of the bound).
        lo = np.searchsorted(s + delta, s, side="left").astype(np.int64)
        return order, lo, np.arange(1, len(s) + 1, dtype=np.int64)
    lo = np.searchsorted(s, s - delta, side="right").astype(np.int64)
    hi = np.searchsorted(s, s + delta, side="left").astype(np.int64)
    # ``s - delta`` and ``s + delta`` round differently from ``|s_i - s_j|``: move the bounds
    # until they agree with the definition (float subtraction is monotone, so the window is a
    # contiguous run of the sorted values; ties move together).
    n = len(s)
    at = lambda t: s[np.clip(t, 0, n - 1)]  # noqa: E731
    inside = lambda t: np.abs(s - at(t)) < delta  # noqa: E731
    for _ in range(n):
        grow_lo = (lo > 0) & inside(lo - 1)
        shrink_lo = ~grow_lo & ~inside(lo)
        grow_hi = (hi < n) & inside(hi)
        shrink_hi = ~grow_hi & ~inside(hi - 1)
        if not (grow_lo.any() or shrink_lo.any() or grow_hi.any() or shrink_hi.any()):
            break
        lo = np.where(grow_lo, np.searchsorted(s, at(lo - 1), side="left"), lo)
        lo = np.where(shrink_lo, np.searchsorted(s, at(lo), side="right"), lo)
        hi = np.where(grow_hi, np.searchsorted(s, at(hi), side="right"), hi)
        hi = np.where(shrink_hi, np.searchsorted(s, at(hi - 1), side="left"), hi)
    return order, lo, hi


def _distinct_offsets(rng: np.random.Generator, m: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct uniform draws from ``range(m[i])`` per row (-1 beyond ``m[i]``).

    Sequential sampling without replacement: draw ``r`` uniform in ``range(m - t)`` and map it
    to the ``r``-th value not chosen yet (skipping the chosen ones in increasing order).
    """
    n = len(m)
    out = np.full((n, k), -1, np.int64)
    for t in range(k):
        active = m > t
        r = np.floor(rng.random(n) * np.maximum(m - t, 1)).astype(np.int64)
        r = np.minimum(r, np.maximum(m - t - 1, 0))
        chosen = np.sort(out[:, :t], axis=1)  # all >= 0 on active rows
        for c in range(t):
            r = r + (r >= chosen[:, c])
        out[:, t] = np.where(active, r, -1)
    return out


def sample_partners(
    key: jax.Array, attribute, delta: float, k: int, window: str = "one_sided"
) -> Pairs:
    """Up to ``k`` distinct partners per architecture in its window (module docstring).

    Args:
      key: JAX PRNG key; the result is a pure function of it and the other arguments.
      attribute: ``[N]`` parameters or FLOPs of the ``N`` architectures.
      delta: window width, same unit as ``attribute``.
      k: partners per architecture.
      window: :data:`WINDOWS`.

    Returns:
      :class:`Pairs` (indices into ``attribute``).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    order, lo, hi = windows(attribute, delta, window)
    n = len(order)
    m = hi - lo - 1  # others in the window
    off = _distinct_offsets(base.host_rng(key), m, k)  # [N, K] in sorted-window coordinates
    self_pos = np.arange(n)[:, None] - lo[:, None]
    pos = lo[:, None] + off + (off >= self_pos)  # skip the architecture itself
    partners_sorted = np.where(off >= 0, order[np.clip(pos, 0, n - 1)], -1)
    partners = np.empty_like(partners_sorted)
    partners[order] = partners_sorted
    window_size = np.empty(n, np.int64)
    window_size[order] = m
    return Pairs(partners, window_size)


def sample_pairs(
    key: jax.Array, attribute, delta: float, k: int, window: str = "one_sided"
) -> np.ndarray:
    """``(x, y)`` index pairs, ``int64 [P, 2]``: :func:`sample_partners` flattened."""
    return sample_partners(key, attribute, delta, k, window).as_pairs()


def ablation_grid() -> list[tuple[float, int]]:
    """The seed's ``(delta, K)`` grid, delta-major."""
    return [(d, k) for d in ABLATION_DELTAS for k in ABLATION_KS]
