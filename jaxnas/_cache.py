"""The per-user cache directory and a small cache of derived arrays (enumerations, hash tables).

A leaf module (standard library, NumPy and :mod:`jaxnas.io` only), so that both
:mod:`jaxnas.spaces` and :mod:`jaxnas.data` can use the cache without importing each other.

The cache directory is the ``cache_dir`` argument, else ``$JAXNAS_CACHE_DIR``, else
``$XDG_CACHE_HOME/jaxnas``, else ``~/.cache/jaxnas``. Downloaded data lives under
``<cache dir>/data`` (:mod:`jaxnas.data.store`), processed tables under ``<cache dir>/tables``
(:mod:`jaxnas.data.tables`), derived arrays under ``<cache dir>/derived`` (here).
"""

from __future__ import annotations

import os
import pathlib

import numpy as np

ENV_CACHE_DIR = "JAXNAS_CACHE_DIR"

PathLike = str | os.PathLike


def cache_root(cache_dir: PathLike | None = None) -> pathlib.Path:
    """The per-user cache directory (not created).

    Args:
      cache_dir: explicit directory; else ``$JAXNAS_CACHE_DIR``, ``$XDG_CACHE_HOME/jaxnas``
        or ``~/.cache/jaxnas``.
    """
    if cache_dir is not None:
        return pathlib.Path(cache_dir).expanduser()
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return pathlib.Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = pathlib.Path(xdg) if xdg else pathlib.Path.home() / ".cache"
    return base / "jaxnas"


def derived_path(name: str) -> pathlib.Path:
    """``<cache dir>/derived/<name>``; write it with :func:`jaxnas.io.write_npz`."""
    return cache_root() / "derived" / name


def load_npz(path: pathlib.Path) -> dict[str, np.ndarray] | None:
    """Loads a cache file, or returns None if it is missing or unreadable (then it is rebuilt)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError):
        return None


__all__ = ["ENV_CACHE_DIR", "cache_root", "derived_path", "load_npz"]
