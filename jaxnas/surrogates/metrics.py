"""Evaluation of x11 surrogates (NAS-Bench-x11 Table 3).

* Per-epoch coefficient of determination and Kendall tau-b between true and predicted values of
  the test architectures, averaged over epochs ("Avg.") and at the final epoch ("Final") -- as
  the reference's ``evaluate_learning_curve_metrics`` (sklearn ``r2_score`` with raw outputs,
  scipy ``kendalltau`` per epoch).
* KL divergence between the true and the predicted per-architecture distribution of a curve,
  each approximated per epoch by a Gaussian (true: mean/std over repeated training seeds;
  predicted: mean/std over noisy surrogate samples). Needs multi-seed truth.
* Spike-anomaly rate: share of surrogate curves whose spike (``max - final`` for curves where
  higher is better, ``final - min`` for losses) exceeds the 95th percentile of the real curves'
  spikes. A realistic noise model scores about 5%.
"""

from __future__ import annotations

import numpy as np


def per_epoch_r2(y_true, y_pred) -> np.ndarray:
    """R^2 per column: ``1 - SS_res / SS_tot`` for ``[N, E]`` inputs -> ``[E]``."""
    t = np.asarray(y_true, np.float64)
    p = np.asarray(y_pred, np.float64)
    ss_res = ((t - p) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    return 1.0 - ss_res / ss_tot


def kendall_tau_b(x, y) -> float:
    """Kendall's tau-b of two vectors ``[N]`` (ties handled as scipy's default), O(N^2)."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(len(x), 1)
    dx, dy = dx[iu], dy[iu]
    s = float((dx * dy).sum())
    denom = np.sqrt(float((dx != 0).sum()) * float((dy != 0).sum()))
    return s / denom if denom > 0 else float("nan")


def per_epoch_kendall(y_true, y_pred) -> np.ndarray:
    """Kendall tau-b per column of ``[N, E]`` inputs -> ``[E]``."""
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    return np.array([kendall_tau_b(t[:, e], p[:, e]) for e in range(t.shape[1])])


def curve_metrics(y_true, y_pred) -> dict[str, float]:
    """Avg./final R^2 and Kendall tau of predicted curves ``[N, E]`` against true ones."""
    r2 = per_epoch_r2(y_true, y_pred)
    kt = per_epoch_kendall(y_true, y_pred)
    return {
        "avg_r2": float(np.mean(r2)),
        "final_r2": float(r2[-1]),
        "avg_kt": float(np.mean(kt)),
        "final_kt": float(kt[-1]),
    }


def gaussian_kl(mu_p, sd_p, mu_q, sd_q) -> np.ndarray:
    """``KL(N(mu_p, sd_p^2) || N(mu_q, sd_q^2))``, elementwise."""
    mu_p, sd_p, mu_q, sd_q = (np.asarray(a, np.float64) for a in (mu_p, sd_p, mu_q, sd_q))
    return np.log(sd_q / sd_p) + (sd_p**2 + (mu_p - mu_q) ** 2) / (2 * sd_q**2) - 0.5


def kl_multi_seed(true_runs, pred_samples, min_std: float = 1e-6) -> np.ndarray:
    """Per-epoch KL between true and predicted curve distributions, averaged over archs.

    Args:
      true_runs: ``[N, S, E]`` curves of ``S >= 2`` training seeds per architecture.
      pred_samples: ``[N, M, E]`` noisy surrogate curves per architecture.
      min_std: floor on both standard deviations (a constant true value would give inf).

    Returns:
      ``[E]`` mean over architectures of ``KL(true || predicted)``.
    """
    t = np.asarray(true_runs, np.float64)
    p = np.asarray(pred_samples, np.float64)
    if t.shape[1] < 2:
        raise ValueError("KL needs at least two training seeds per architecture")
    mu_t, sd_t = t.mean(axis=1), np.maximum(t.std(axis=1, ddof=1), min_std)
    mu_p, sd_p = p.mean(axis=1), np.maximum(p.std(axis=1, ddof=1), min_std)
    return gaussian_kl(mu_t, sd_t, mu_p, sd_p).mean(axis=0)


def spikes(curves, higher_is_better: bool) -> np.ndarray:
    """Spike size per curve ``[N]``: ``max - final`` (higher is better) or ``final - min``."""
    c = np.asarray(curves, np.float64)
    return c.max(axis=1) - c[:, -1] if higher_is_better else c[:, -1] - c.min(axis=1)


def spike_anomaly_rate(real_curves, surrogate_curves, higher_is_better: bool) -> float:
    """Share of surrogate curves whose spike exceeds the real curves' 95th percentile."""
    thr = np.percentile(spikes(real_curves, higher_is_better), 95)
    return float(np.mean(spikes(surrogate_curves, higher_is_better) > thr))
