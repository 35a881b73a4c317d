"""NB301-YAHPO: the DARTS space queried through YAHPO Gym's NB301 ONNX surrogate.

**A surrogate model, not measured data.** YAHPO's ``model_v2.onnx`` was fitted to NAS-Bench-301
training runs; it maps a DARTS genotype and an epoch (1..98) to a predicted validation
accuracy, cross-entropy and runtime. It is deterministic: the query key is accepted for the
common interface and ignored. Any genotype of the space can be queried (about 10^18), so the
best achievable value is not known exactly; :func:`best_estimate` reports the best surrogate
value over the 11,221 NB301 training genotypes, labelled as an estimate.

Queries run on the host (onnxruntime) in batches; the genotype operations come from
:mod:`jaxnas.spaces.darts` (``sample``, ``mutate``, ``neighbours``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import jax
import numpy as np

from jaxnas.benchmarks import base
from jaxnas.data import naslib, tables, yahpo
from jaxnas.spaces import darts

LABEL = "surrogate: YAHPO Gym NB301 v2 ONNX model predictions, not measured training runs"


@dataclasses.dataclass(frozen=True, eq=False)
class YahpoDartsBenchmark:
    """The loaded surrogate plus metadata (a :class:`jaxnas.benchmarks.base.Benchmark`).

    Attributes:
      name: ``'nb301-yahpo'``.
      model: the loaded :class:`jaxnas.data.yahpo.YahpoNB301`.
      fidelities: epochs 1..98.
      source: data file and checksum; ``label`` says it is a surrogate.
    """

    name: str
    model: yahpo.YahpoNB301
    fidelities: tuple[int, ...]
    source: str
    label: str = LABEL
    space: str = "darts"
    cost_model: str = "train_time"
    metrics: tuple[str, ...] = ("valid_acc", "valid_ce", "train_time")

    def curves(self, genotypes: Sequence, epochs: Sequence[int] | None = None) -> dict:
        """Predicted curves ``[B, T]`` for B genotypes (any form accepted by darts.validate).

        ``train_time`` is the running maximum over epochs of the surrogate's predicted
        cumulative runtime: the raw prediction is not always monotone near the last epochs,
        and a cost must not decrease with training.
        """
        ep = np.asarray(self.fidelities if epochs is None else epochs)
        compact = _compact(genotypes)
        if ep.size and (ep.min() < self.fidelities[0] or ep.max() > self.fidelities[-1]):
            raise ValueError(
                f"epochs must lie in [{self.fidelities[0]}, {self.fidelities[-1]}]; got {ep}"
            )
        upto = np.arange(self.fidelities[0], int(ep.max()) + 1)
        c = yahpo.yahpo_curve(self.model, compact, upto)
        sel = ep - self.fidelities[0]
        return {
            "epochs": ep.astype(np.int32),
            "valid_acc": c.val_accuracy[:, sel],
            "valid_ce": c.val_cross_entropy[:, sel],
            "train_time": np.maximum.accumulate(c.runtime, axis=1)[:, sel],
        }

    def query(self, genotypes, fidelity: int | None = None, key: jax.Array | None = None) -> dict:
        """Metrics at epoch ``fidelity`` (default the last) for one genotype or a batch (``key``
        is ignored: the surrogate is deterministic). ``cost`` is the predicted training time to
        that epoch."""
        single = isinstance(genotypes, darts.Genotype) or isinstance(genotypes, str)
        fidelity = self.fidelities[-1] if fidelity is None else fidelity
        c = self.curves([genotypes] if single else genotypes, [int(fidelity)])
        out = {k: v[:, 0] for k, v in c.items() if k != "epochs"}
        out["cost"] = out["train_time"]
        return {k: float(v[0]) for k, v in out.items()} if single else out

    def sample(self, key: jax.Array) -> darts.Genotype:
        return darts.sample(key)

    def mutate(self, key: jax.Array, genotype) -> darts.Genotype:
        return darts.mutate(key, genotype)


def _compact(genotypes: Sequence) -> np.ndarray:
    return np.asarray([darts.to_naslib(g) for g in genotypes], np.int32)


@base.register("nb301-yahpo")
def nb301_yahpo(data_dir=None, download: bool = True) -> YahpoDartsBenchmark:
    """Loads the YAHPO NB301 surrogate as a benchmark (needs ``pip install jaxnas[onnx]``)."""
    model = yahpo.load_yahpo_nb301(data_dir, download=download)
    lo, hi = model.epoch_range
    _, sha = tables.source_path_and_sha("yahpo_nb301_model", data_dir, None, download)
    return YahpoDartsBenchmark(
        name="nb301-yahpo",
        model=model,
        fidelities=tuple(range(int(lo), int(hi) + 1)),
        source=f"yahpo_nb301_model (darts/yahpo_nb301_v2/model_v2.onnx, sha256 {sha[:12]}...)",
    )


def best_estimate(bench: YahpoDartsBenchmark, data_dir=None, batch: int = 2048) -> dict:
    """Best predicted final validation accuracy over the 11,221 NB301 training genotypes.

    An *estimate* of the best achievable value (for regret), not the optimum of the space.
    """
    archs = naslib.load_darts_archs(data_dir)
    genos = [darts.from_naslib(c) for c in archs.compact]
    best, arg = -np.inf, -1
    for s in range(0, len(genos), batch):
        v = bench.curves(genos[s : s + batch], [bench.fidelities[-1]])["valid_acc"][:, 0]
        if v.max() > best:
            best, arg = float(v.max()), s + int(v.argmax())
    return {
        "valid_acc": best,
        "genotype": darts.to_string(genos[arg]),
        "over": f"{len(genos)} NB301 training genotypes (estimate, {LABEL})",
    }
