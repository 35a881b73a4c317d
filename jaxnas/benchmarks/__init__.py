"""Benchmarks: query(arch, fidelity, key) -> metrics + simulated cost.

Every benchmark implements :class:`~jaxnas.benchmarks.base.Benchmark`; the built-in ones are
registered by name (``base.load('nb201-cifar10', data_dir)``, ``base.names()``). The x11
surrogate curve benchmarks: :mod:`~jaxnas.benchmarks.curves` (the benchmark class, save / load)
and their builders :mod:`~jaxnas.benchmarks.nlp11`, :mod:`~jaxnas.benchmarks.nb311`,
:mod:`~jaxnas.benchmarks.nb111`.
"""

from jaxnas.benchmarks import base, builtin, curves, nb111, nb311, nlp11, tabular, yahpo_darts
from jaxnas.benchmarks.base import Benchmark, FiniteBenchmark, load, names, register
from jaxnas.benchmarks.curves import SurrogateCurveBenchmark
from jaxnas.benchmarks.tabular import TabularBenchmark

__all__ = [
    "Benchmark",
    "FiniteBenchmark",
    "SurrogateCurveBenchmark",
    "TabularBenchmark",
    "base",
    "builtin",
    "load",
    "names",
    "register",
    "yahpo_darts",
    "curves",
    "nb111",
    "nb311",
    "nlp11",
    "tabular",
]
