"""NLP11-WT2: a surrogate benchmark of full NAS-Bench-NLP WikiText-2 learning curves.

Built from the 341 complete NB-NLP WikiText-2 runs (:func:`jaxnas.surrogates.datasets.nlp_wt2`):
a fixed train / validation / test split drawn from ``seed``; an x11 surrogate (default
SVD-LGB-GKDE) of the 50-epoch validation-loss curve from the cell's graph encoding
(optionally plus its first validation losses -- then only cells whose early losses are known,
i.e. cells of the data, can be queried); and a LightGBM model of the full training time
(``log`` seconds). **Surrogate predictions, not measured runs.** The interface is
:class:`~jaxnas.benchmarks.curves.SurrogateCurveBenchmark`::

    bench, report = nlp11.build(data_dir="../shared/data", first_epochs=0)
    bench.query(recipe, 10, key)   # {'valid_loss': ..., 'cost': full_time * 10 / 50, ...}
    nlp11.save(bench, "workdir/nlp11"); bench = nlp11.load("workdir/nlp11")
"""

from __future__ import annotations

from collections.abc import Sequence

import jax

from jaxnas.benchmarks import curves
from jaxnas.benchmarks.curves import SurrogateCurveBenchmark, load, save
from jaxnas.data import nbnlp
from jaxnas.spaces import nlp
from jaxnas.surrogates import datasets
from jaxnas.surrogates import surrogate as sg

LABEL = "surrogate: x11 model fitted to NAS-Bench-NLP WikiText-2 runs, not measured training runs"


def build(
    config: sg.SurrogateConfig | None = None,
    data_dir=None,
    *,
    seed: int = 0,
    first_epochs: int = 0,
    key: jax.Array | None = None,
    download: bool = True,
) -> tuple[SurrogateCurveBenchmark, dict]:
    """Fits NLP11-WT2 on the training split and evaluates it on the test split.

    ``config`` defaults to SVD-LGB-GKDE with the reference LightGBM hyper-parameters; ``seed``
    fixes the split (and the key when none is given).

    Returns:
      ``(benchmark, report)``; ``report`` holds the test metrics (R^2 / Kendall tau, avg and
      final; spike-anomaly rate), split sizes and the time model's test R^2 on log time.
    """
    config = sg.SurrogateConfig() if config is None else config
    d = datasets.nlp_wt2(data_dir, first_epochs=first_epochs, download=download)
    t = nbnlp.load_nbnlp(data_dir, download=download)
    pos = {k: i for i, k in enumerate(t.filename.tolist())}
    cells = [nlp.parse_recipe(str(t.recipe[pos[k]])) for k in d.keys.tolist()]
    known = {curves.canonical_recipe(c): d.curves[i, :first_epochs] for i, c in enumerate(cells)}
    graph = d.encodings[:, : d.encodings.shape[1] - first_epochs]
    return curves.fit_and_report(
        "nlp11-wt2",
        "nlp",
        d,
        graph,
        config,
        seed,
        jax.random.key(seed) if key is None else key,
        metric="valid_loss",
        first_epochs=first_epochs,
        known=known,
        label=LABEL,
    )


def known_recipes(bench: SurrogateCurveBenchmark) -> Sequence[str]:
    """Canonical recipes (JSON) of the data's cells, sorted."""
    return sorted(bench.known)


benchmark = curves.register("nlp11-wt2", build)


__all__ = [
    "LABEL",
    "benchmark",
    "SurrogateCurveBenchmark",
    "build",
    "known_recipes",
    "load",
    "save",
]
