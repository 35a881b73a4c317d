"""Benchmarks: query(arch, fidelity, key) -> metrics + simulated cost.

Every benchmark implements :class:`~jaxnas.benchmarks.base.Benchmark`; the built-in ones are
registered by name (``base.load('nb201-cifar10', data_dir)``, ``base.names()``).
"""

from jaxnas.benchmarks import base, builtin, tabular, yahpo_darts
from jaxnas.benchmarks.base import Benchmark, FiniteBenchmark, load, names, register
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
    "curve_benchmark",
    "nb111",
    "nb311",
    "nlp11",
    "tabular",
]


_SURROGATE_MODULES = {
    "nlp11": "jaxnas.surrogates.nlp11",
    "nb311": "jaxnas.surrogates.nb311",
    "nb111": "jaxnas.surrogates.nb111",
    "curve_benchmark": "jaxnas.surrogates.curve_benchmark",
}


def __getattr__(name):  # the x11 surrogate benchmarks, imported lazily on first use
    if name in _SURROGATE_MODULES:
        import importlib

        return importlib.import_module(_SURROGATE_MODULES[name])
    if name == "SurrogateCurveBenchmark":
        from jaxnas.surrogates.curve_benchmark import SurrogateCurveBenchmark

        return SurrogateCurveBenchmark
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
