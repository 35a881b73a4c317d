"""Searchers by name: ``make_searcher(name, config)`` builds any registered algorithm from its
section of a config (big_vision's model-by-name, for search algorithms).

Every algorithm module registers its factory with :func:`register`; a factory takes keyword
arguments only and returns a :class:`~jaxnas.search.base.Searcher`. A config section is a
mapping (``dict`` or ``ml_collections.ConfigDict``) of those keyword arguments; what it leaves
out takes the factory's default, an unknown key is an error naming the accepted ones::

    from jaxnas.search import registry
    searcher = registry.make_searcher("rea", {"population_size": 20, "sample_size": 10})
    searcher = registry.make_searcher("dngo_bo", config.searchers.bo)   # a ConfigDict section
    registry.names()            # ('arch2vec_rl', 'bananas', 'dngo_bo', ...)
    registry.defaults("rea")    # {'population_size': 20, 'sample_size': 10, ...}

Adding a searcher touches one module plus its test::

    @registry.register("my_search")
    def my_search(batch_size: int = 1, ...) -> base.Searcher:
        ...

Importing :mod:`jaxnas.search` registers the built-in algorithms (its ``__init__`` imports
every algorithm module), so ``make_searcher`` sees them all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from jaxnas.search import base

Factory = Callable[..., base.Searcher]
_REGISTRY: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Decorator registering ``factory(**kwargs) -> Searcher`` under ``name`` (unique)."""

    def deco(factory: Factory) -> Factory:
        if name in _REGISTRY and _REGISTRY[name] is not factory:
            raise ValueError(f"searcher {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return deco


def names() -> tuple[str, ...]:
    """The registered searcher names, sorted."""
    return tuple(sorted(_REGISTRY))


def factory(name: str) -> Factory:
    """The factory registered as ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown searcher {name!r}; registered: {', '.join(names())}") from None


def defaults(name: str) -> dict[str, Any]:
    """The keyword arguments of ``name``'s factory that have defaults, with those defaults."""
    sig = inspect.signature(factory(name))
    return {
        k: p.default
        for k, p in sig.parameters.items()
        if p.default is not inspect.Parameter.empty and p.kind != p.VAR_KEYWORD
    }


def _plain(v):
    """Config values as the factories take them: lists become tuples (hashable), nested
    ConfigDicts plain dicts."""
    if hasattr(v, "to_dict"):
        v = v.to_dict()
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return tuple(_plain(x) for x in v)
    return v


def make_searcher(name: str, config: Mapping | None = None) -> base.Searcher:
    """The searcher ``name`` built from ``config`` (its factory's keyword arguments).

    Args:
      name: a registered name (:func:`names`).
      config: mapping of keyword arguments (dict or ConfigDict); None: all defaults.

    Raises:
      KeyError: for an unknown name. TypeError: for a keyword the factory does not take.
    """
    fn = factory(name)
    kwargs = _plain(config) if config is not None else {}
    params = inspect.signature(fn).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            raise TypeError(
                f"searcher {name!r}: unknown config key(s) {unknown}; accepted: {sorted(params)}"
            )
    return fn(**kwargs)


__all__ = ["defaults", "factory", "make_searcher", "names", "register"]
