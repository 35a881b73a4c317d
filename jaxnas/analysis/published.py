"""The seed's published numbers, in one data file (``published.json`` beside this module).

Tables are kept as data, not code, so that every binary and analysis that prints a result
beside the seed's reads the same numbers: ``table("nb201_search")`` (arch2vec's NB201 search
table), ``table("nb101_search")`` (arch2vec's NB101 logs), ``table("x11_table3")``
(NAS-Bench-x11's Table 3). Each table's ``_about`` entry says what its numbers are; lists come
back as tuples and ``null`` as ``None``.
"""

from __future__ import annotations

import functools
import json
import pathlib

_PATH = pathlib.Path(__file__).with_name("published.json")


@functools.cache
def _load() -> dict:
    with open(_PATH, encoding="utf-8") as f:
        return json.load(f)


def _freeze(x):
    if isinstance(x, dict):
        return {k: _freeze(v) for k, v in x.items() if k != "_about"}
    if isinstance(x, list):
        return tuple(_freeze(v) for v in x)
    return x


def names() -> tuple[str, ...]:
    """The tables in the file."""
    return tuple(k for k in _load() if k != "_about")


def table(name: str) -> dict:
    """The published table ``name`` (a fresh nested dict; ``_about`` left out)."""
    d = _load()
    if name not in names():
        raise KeyError(f"no published table {name!r}; known: {', '.join(names())}")
    return _freeze(d[name])


def about(name: str) -> str:
    """What the numbers of table ``name`` are, and where they come from."""
    return str(_load()[name].get("_about", ""))


__all__ = ["about", "names", "table"]
