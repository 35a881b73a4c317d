"""A small on-disk cache for derived arrays (enumerations, hash tables), written atomically.

It lives under the same per-user cache directory as downloaded data
(:func:`jaxnas.data.store.cache_root`: ``$JAXNAS_CACHE_DIR``, else ``~/.cache/jaxnas``).
"""

from __future__ import annotations

import os
import pathlib
import tempfile

import numpy as np

from jaxnas.data.store import cache_root


def derived_path(name: str) -> pathlib.Path:
    return cache_root() / "derived" / name


def save_npz_atomic(path: pathlib.Path, **arrays) -> None:
    """Writes ``arrays`` to ``path`` via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_npz(path: pathlib.Path) -> dict[str, np.ndarray] | None:
    """Loads a cache file, or returns None if it is missing or unreadable (then it is rebuilt)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError):
        return None
