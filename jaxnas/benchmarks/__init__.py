"""Benchmarks: query(arch, fidelity, key) -> metrics + simulated cost."""

from jaxnas.benchmarks import tabular
from jaxnas.benchmarks.tabular import TabularBenchmark

__all__ = ["TabularBenchmark", "tabular"]
