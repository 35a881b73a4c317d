"""The benchmark interface every benchmark of :mod:`jaxnas.benchmarks` implements, and a
registry of benchmarks by name.

A benchmark answers ``query(arch, fidelity, key) -> {metric: value, ..., 'cost': seconds}``
for architectures it can ``sample``; it names its search ``space``, its ``fidelities`` (e.g.
epochs), the ``metrics`` a query returns, how the ``cost`` of a query is modelled and the
``source`` of its numbers. That is all a search over the benchmark needs. Three kinds exist:

* :class:`~jaxnas.benchmarks.tabular.TabularBenchmark` -- measured metrics of a finite set of
  architectures (NB101-20k, NB101-EC, NB201, NB-NLP); architectures are row indices.
  It is also a :class:`FiniteBenchmark`: it lists its rows (``size``, ``ids``), their
  one-edit ``neighbours`` and, for product spaces, their categorical ``choices`` -- what the
  searches of :mod:`jaxnas.search` run over (:func:`jaxnas.search.problem.from_benchmark`).
* :class:`~jaxnas.benchmarks.yahpo_darts.YahpoDartsBenchmark` -- the YAHPO NB301 surrogate
  over DARTS genotypes.
* the x11 surrogate curve benchmarks (NB111, NB311, NLP11) -- noisy learning curves.

Protocols are structural (:class:`typing.Protocol`): a class of one's own is a benchmark when
it has these attributes and methods; ``isinstance(b, Benchmark)`` checks their presence.

Registering a benchmark of one's own (one module plus its test)::

    from jaxnas.benchmarks import base

    @base.register("my-bench")
    def my_bench(data_dir=None, download=True) -> base.Benchmark:
        return tabular.make(name="my-bench", ...)

    bench = base.load("my-bench", data_dir)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol, runtime_checkable

import jax
import numpy as np


@runtime_checkable
class Benchmark(Protocol):
    """What every benchmark offers (see module docstring).

    Attributes:
      name: e.g. ``'nb201-cifar10'``, ``'nb301-yahpo'``.
      space: the search space of its architectures (``'nb101'``, ``'nb201'``, ``'darts'``,
        ``'nlp'``).
      fidelities: the fidelity values a query accepts (e.g. epochs), increasing; the last is
        the full budget.
      metrics: names of the metrics a query returns (besides ``cost``); a tabular benchmark's
        ``metrics`` maps each name to its table.
      cost_model: ``'train_time'`` (``cost`` in simulated seconds) or ``'queries'`` (1 each).
      source: the data (files, checksums, or the surrogate) behind the numbers.
    """

    name: str
    space: str
    fidelities: tuple[int, ...]
    metrics: Collection[str]
    cost_model: str
    source: str

    def query(self, arch, fidelity: int | None = None, key: jax.Array | None = None) -> dict:
        """Metrics and ``cost`` of ``arch`` (one architecture -> floats, a batch -> arrays) at
        ``fidelity`` (default the last); ``key`` draws the noise / repeat where there is one."""
        ...

    def sample(self, key: jax.Array) -> Any:
        """A random architecture, in the form :meth:`query` accepts."""
        ...


@runtime_checkable
class FiniteBenchmark(Benchmark, Protocol):
    """A benchmark over a finite, listed set of ``size`` architectures (rows).

    Attributes:
      keys: ``[N]`` the benchmark's own identifier of each row (hash, arch string).
      neighbours: ``int32 [N, K]`` rows one edit away, ``-1`` padded (``K`` may be 0).
      choices: ``int32 [N, E]`` categorical decisions of each row in a product space (NB201:
        6 edges x 5 ops), or None.
      num_options: options per decision (``V``; 0 without ``choices``).
    """

    keys: np.ndarray
    neighbours: np.ndarray
    choices: np.ndarray | None
    num_options: int

    @property
    def size(self) -> int: ...

    def ids(self, kind: str = "key") -> np.ndarray:
        """``[N]`` identifier of each row: ``'key'`` (:attr:`keys`) or ``'index'`` (the space's
        integer index of the row, e.g. the NB201 API index)."""
        ...

    def encode(self, encoding: str) -> np.ndarray:
        """``[N, D]`` hand-made encoding (:func:`jaxnas.encodings.encode`) of every row."""
        ...


# ----------------------------------------------------------------------------------------------
# Registry by name.

Loader = Callable[..., Benchmark]
_REGISTRY: dict[str, Loader] = {}


def register(name: str, **fixed) -> Callable[[Loader], Loader]:
    """Decorator registering ``loader(data_dir=None, download=True, **fixed)`` as ``name``.

    One loader may be registered under several names with different fixed arguments (e.g.
    ``nb201`` once per dataset). Registering a taken name is an error.
    """

    def deco(loader: Loader) -> Loader:
        if name in _REGISTRY:
            raise ValueError(f"benchmark {name!r} is already registered")
        _REGISTRY[name] = functools.partial(loader, **fixed) if fixed else loader
        return loader

    return deco


def names() -> tuple[str, ...]:
    """The registered benchmark names, sorted."""
    return tuple(sorted(_REGISTRY))


def load(name: str, data_dir=None, download: bool = True, **kwargs) -> Benchmark:
    """The registered benchmark ``name`` built from the files under ``data_dir``."""
    try:
        loader = _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown benchmark {name!r}; registered: {', '.join(names())}") from None
    return loader(data_dir=data_dir, download=download, **kwargs)


def describe(bench: Benchmark) -> Mapping[str, Any]:
    """The protocol's metadata of ``bench`` as a JSON-able dict (for results rows)."""
    return {
        "name": bench.name,
        "space": bench.space,
        "fidelities": [int(f) for f in bench.fidelities],
        "metrics": sorted(bench.metrics),
        "cost_model": bench.cost_model,
        "source": bench.source,
    }


__all__ = ["Benchmark", "FiniteBenchmark", "describe", "load", "names", "register"]
