"""NB111-4: an x11 surrogate benchmark of NB101's four fidelities as a short "curve".

Built from NB101-20k (:func:`jaxnas.surrogates.datasets.nb111_4`): validation accuracy at
4/12/36/108 epochs of 20,001 cells. **These four budgets are separate training runs with their
own learning-rate schedules, not points of one learning curve** (the paper's NB111 used the
108-epoch run's per-epoch curve, which is not available offline). The 91 three-seed NB101-EC
cells are held out of training so the KL of the noise model can be measured on them. With a
4-point curve ``k`` is capped at 3 (at ``k = 4`` the reconstruction is exact and there are no
residuals to model). Cost: the 108-epoch training time of the data, modelled by LightGBM,
times ``epoch / 108``. **Surrogate predictions, not measured runs.**
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from jaxnas.benchmarks import curves
from jaxnas.benchmarks.curves import SurrogateCurveBenchmark
from jaxnas.surrogates import datasets, metrics
from jaxnas.surrogates import surrogate as sg

LABEL = "surrogate: x11 model fitted to NB101-20k's 4 budgets (separate runs), not measured runs"


def build(
    config: sg.SurrogateConfig | None = None,
    data_dir=None,
    *,
    seed: int = 0,
    key: jax.Array | None = None,
    kl_samples: int = 100,
    download: bool = True,
    value_range: tuple[float, float] | None = (0.0, 1.0),
) -> tuple[SurrogateCurveBenchmark, dict]:
    """Fits NB111-4 and evaluates it (test split; KL on the held-out NB101-EC cells).

    ``value_range`` (default ``(0, 1)``) overrides ``config.value_range``: every answer, mean or
    noisy, is clipped to it; ``None`` keeps ``config``'s.

    Returns:
      ``(benchmark, report)`` as :func:`jaxnas.benchmarks.nlp11.build`, plus ``avg_kl`` /
      ``final_kl`` over the EC cells (3 seeds each).
    """
    config = sg.SurrogateConfig() if config is None else config
    if value_range is not None:  # accuracies are fractions: noisy draws must stay in [0, 1]
        config = dataclasses.replace(config, value_range=tuple(value_range))
    if config.num_components > 3:
        config = dataclasses.replace(config, num_components=3)
    d = datasets.nb111_4(data_dir, download=download)
    ec = datasets.nb101_ec_runs(data_dir, download=download)
    keep = ~np.isin(d.keys, ec.keys)
    d = d._replace(**{f: getattr(d, f)[keep] for f in ("keys", "encodings", "curves", "full_time")})
    key = jax.random.key(seed) if key is None else key
    bench, report = curves.fit_and_report(
        "nb111-4",
        "nb101",
        d,
        d.encodings,
        config,
        seed,
        key,
        metric="valid_acc",
        first_epochs=0,
        known={},
        label=LABEL,
    )
    smp = sg.sample_curves(bench.surrogate, ec.encodings, jax.random.fold_in(key, 7), kl_samples)
    kl = metrics.kl_multi_seed(ec.runs, smp)
    report.update(avg_kl=float(kl.mean()), final_kl=float(kl[-1]), kl_cells=len(ec.keys))
    return bench, report


__all__ = ["LABEL", "build"]
