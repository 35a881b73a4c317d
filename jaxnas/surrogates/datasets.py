"""Curve datasets for x11 surrogates: encodings ``[N, D]`` + curves ``[N, E]`` from real files.

* :func:`nlp_wt2` -- the 341 complete NAS-Bench-NLP WikiText-2 runs: validation loss for 50
  epochs; features: :func:`nlp_encoding` of the recurrent cell (optionally plus the first
  validation losses, as the paper's NLP11 uses early accuracies as extra features).
* :func:`taskset` -- one TaskSet task: 1,000 Adam configurations minus diverged runs, log
  validation-loss curves (the initial point dropped: 50 points); features: the 8
  hyper-parameters on a log scale. (Hyper-parameter configurations, not architectures.)
* NB111-4's NB101 data (4 separate budgets as a 4-point "curve") and the NB101-EC multi-seed runs
  (:class:`MultiSeedRuns`) are built in :mod:`jaxnas.benchmarks.nb111` (they read the
  benchmarks, which import this package).

:func:`split` makes fixed train/validation/test splits from a seed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from jaxnas.data import nbnlp
from jaxnas.data import taskset as dts
from jaxnas.spaces import nlp

NLP_MAX_NODES = 24
"""Vertices of the padded NB-NLP graph encoding (the WikiText-2 cells have at most 19)."""


class CurveDataset(NamedTuple):
    """Attributes:
    name: dataset name.
    keys: ``[N]`` row identifiers (file names, indices).
    encodings: ``float64 [N, D]`` features.
    curves: ``float64 [N, E]`` finite curves.
    epochs: ``[E]`` the epochs (or fidelities) of the curve points.
    higher_is_better: True for accuracies, False for losses.
    full_time: ``[N]`` seconds to train to the last epoch (NaN where unknown).
    source: which data the curves are.
    """

    name: str
    keys: np.ndarray
    encodings: np.ndarray
    curves: np.ndarray
    epochs: np.ndarray
    higher_is_better: bool
    full_time: np.ndarray
    source: str


def split(n: int, seed: int, fractions=(0.8, 0.1, 0.1)) -> tuple[np.ndarray, ...]:
    """Train / validation / test row indices: a permutation drawn from ``seed``."""
    perm = np.random.default_rng(seed).permutation(n)
    a = int(round(fractions[0] * n))
    b = a + int(round(fractions[1] * n))
    return np.sort(perm[:a]), np.sort(perm[a:b]), np.sort(perm[b:])


def nlp_encoding(cells, max_nodes: int = NLP_MAX_NODES) -> np.ndarray:
    """Graph encoding of NB-NLP cells: ``float64 [B, M(M-1)/2 + M * len(OPS) + 1]``.

    Upper-triangular adjacency bits of the padded graph, one-hot ops per vertex (zeros for
    padding), and ``log10`` of the language model's parameter count.
    """
    cells = list(cells)
    g = nlp.pad_graphs(cells, max_nodes)
    iu = np.triu_indices(max_nodes, 1)
    adj = g.adjacency[:, iu[0], iu[1]].astype(np.float64)
    ops = np.zeros((len(cells), max_nodes, len(nlp.OPS)))
    b, m = np.nonzero(g.mask)
    ops[b, m, g.ops[b, m]] = 1.0
    params = np.log10([nlp.num_params(c) for c in cells])[:, None]
    return np.concatenate([adj, ops.reshape(len(cells), -1), params], axis=1)


def nlp_wt2(data_dir=None, first_epochs: int = 0, download: bool = True) -> CurveDataset:
    """The complete NB-NLP WikiText-2 validation-loss curves (341 of 345 runs)."""
    t = nbnlp.load_nbnlp(data_dir, download=download)
    ok = t.status == nbnlp.STATUS_OK
    curves = t.val_loss[ok]
    cells = [nlp.parse_recipe(r) for r in t.recipe[ok]]
    x = nlp_encoding(cells)
    if first_epochs:
        x = np.concatenate([x, curves[:, :first_epochs]], axis=1)
    return CurveDataset(
        name="nlp-wt2" + (f"+{first_epochs}ep" if first_epochs else ""),
        keys=t.filename[ok],
        encodings=x,
        curves=curves,
        epochs=np.arange(1, curves.shape[1] + 1),
        higher_is_better=False,
        full_time=np.nansum(t.wall_time[ok], axis=1),
        source="NAS-Bench-NLP WikiText-2 training logs (real runs), validation loss",
    )


def taskset_features(hp: np.ndarray) -> np.ndarray:
    """``log10`` of the TaskSet Adam hyper-parameters (``1 - beta`` for the betas)."""
    h = np.asarray(hp, np.float64).copy()
    h[:, 1:3] = 1.0 - h[:, 1:3]
    return np.log10(np.maximum(h, 1e-30))


def taskset(
    task: str,
    data_dir=None,
    download: bool = True,
    log_loss: bool = True,
    drop_initial: bool = True,
) -> CurveDataset:
    """One TaskSet task's non-diverged validation-loss curves (51 points, 50 by default).

    With ``log_loss`` (default) the curves are the natural log of the loss: some finite runs
    reach losses of 1e5-1e9, which would dominate any squared-error fit or R^2 on raw losses.
    With ``drop_initial`` (default) the first point -- the loss at initialisation, nearly the
    same for every configuration (variance ~1e-6) -- is dropped: its per-epoch R^2 would be
    meaningless and would dominate the average.
    """
    t = dts.load_taskset(task, data_dir, download=download)
    ok = ~t.diverged
    curves = np.log(t.valid_loss[ok]) if log_loss else t.valid_loss[ok]
    first = 1 if drop_initial else 0
    curves = curves[:, first:]
    what = ("log validation loss" if log_loss else "validation loss") + (
        ", initial point dropped" if drop_initial else ""
    )
    return CurveDataset(
        name=f"taskset-{task.replace('FixedTextRNNClassification_', '')}",
        keys=np.nonzero(ok)[0],
        encodings=taskset_features(t.hp[ok]),
        curves=curves,
        epochs=np.arange(first, first + curves.shape[1]),
        higher_is_better=False,
        full_time=np.full(int(ok.sum()), np.nan),
        source=f"TaskSet {task} (real runs of Adam configurations), {what}",
    )


class MultiSeedRuns(NamedTuple):
    """Attributes: ``keys [N]``, ``encodings [N, D]``, ``runs [N, S, E]`` (S seeds), ``source``."""

    keys: np.ndarray
    encodings: np.ndarray
    runs: np.ndarray
    source: str
