"""Processed tables cached as ``.npz`` files.

A table is a NamedTuple whose fields are all NumPy arrays (strings as fixed-width unicode
arrays, so no pickling is involved). :func:`cached_table` stores it under
``<cache dir>/tables/<reader>-<key>.npz`` where the key hashes the reader name, the
reader's version and the sha256 of every source file: a new source file or a new reader
version gives a new cache file, never a stale table. Files are written to a temporary name
and renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import zipfile
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from jaxnas import io
from jaxnas._cache import cache_root
from jaxnas.data import registry, store
from jaxnas.data.errors import DataNotFoundError

T = TypeVar("T")


def table_key(reader: str, version: int, source_sha256: Sequence[str], *extra: Any) -> str:
    """Hex key of a processed table: reader name, version, source digests and options."""
    text = "\n".join([reader, str(version), *source_sha256, *map(repr, extra)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def save_table(path: str | os.PathLike, table: Any) -> None:
    """Writes a NamedTuple of arrays to ``path`` (``.npz``) atomically."""
    arrays = {k: np.asarray(v) for k, v in table._asdict().items()}
    for k, v in arrays.items():
        if v.dtype == object:
            raise TypeError(f"table field {k!r} has dtype object; use a fixed-width dtype")
    io.write_npz(path, **arrays)


def load_table(path: str | os.PathLike, cls: type[T]) -> T:
    """Reads a table written by :func:`save_table` into ``cls``.

    Raises:
      ValueError / OSError / KeyError: if the file is unreadable or lacks a field.
    """
    with np.load(path, allow_pickle=False) as z:
        missing = set(cls._fields) - set(z.files)  # type: ignore[attr-defined]
        if missing:
            raise KeyError(f"{path}: cached table lacks fields {sorted(missing)}")
        return cls(**{k: z[k] for k in cls._fields})  # type: ignore[attr-defined]


def cached_table(
    cls: type[T],
    reader: str,
    version: int,
    source_sha256: Sequence[str],
    build: Callable[[], T],
    *,
    cache_dir: str | os.PathLike | None = None,
    extra: Sequence[Any] = (),
) -> T:
    """Returns the cached table for these sources, building and caching it if needed.

    Args:
      cls: the NamedTuple class of the table.
      reader: reader name (part of the file name and the key).
      version: reader version; bump it whenever the table's content changes.
      source_sha256: sha256 of every source file.
      build: function building the table from the sources.
      cache_dir: cache directory (see :func:`jaxnas._cache.cache_root`).
      extra: further options that change the table (part of the key).

    Returns:
      The table. A cache file that cannot be read is rebuilt; a cache that cannot be
      written is skipped.
    """
    key = table_key(reader, version, source_sha256, *extra)
    path = cache_root(cache_dir) / "tables" / f"{reader}-{key}.npz"
    if path.is_file():
        try:
            return load_table(path, cls)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # unreadable cache: rebuild below
    table = build()
    with contextlib.suppress(OSError):
        save_table(path, table)
    return table


def load_sources(
    cls: type[T],
    reader: str,
    version: int,
    sources: Sequence[str | os.PathLike | registry.DataFile],
    read: Callable[..., T],
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
    extra: Sequence[Any] = (),
) -> T:
    """``read(*paths)`` of verified source files, through the table cache.

    The loaders of :mod:`jaxnas.data` are this call: each source is resolved and verified with
    :func:`source_path_and_sha`, and the table is keyed by the reader, its version, the sources'
    sha256 and ``extra`` (see :func:`cached_table`).

    Args:
      cls: the NamedTuple class of the table.
      reader, version, extra: as for :func:`cached_table`.
      sources: registry names / entries or local paths, in the order ``read`` takes them.
      read: builds the table from the sources' paths.
      data_dir, cache_dir, download: as for :func:`source_path_and_sha`.
    """
    found = [source_path_and_sha(s, data_dir, cache_dir, download) for s in sources]
    paths = [p for p, _ in found]
    return cached_table(
        cls, reader, version, [sha for _, sha in found], lambda: read(*paths),
        cache_dir=cache_dir, extra=extra,
    )  # fmt: skip


def loader(
    cls: type[T],
    reader: str,
    version: int,
    sources: Sequence[str],
    read: Callable[..., T],
    doc: str,
) -> Callable[..., T]:
    """A ``load_*(data_dir=None, *, cache_dir=None, download=True)`` function for a table read
    from fixed registered sources: :func:`load_sources` with these arguments.

    Args:
      cls, reader, version, sources, read: as for :func:`load_sources`.
      doc: the loader's docstring.
    """

    def load(
        data_dir: str | os.PathLike | None = None,
        *,
        cache_dir: str | os.PathLike | None = None,
        download: bool = True,
    ) -> T:
        return load_sources(cls, reader, version, sources, read, data_dir, cache_dir, download)

    load.__doc__ = doc
    load.__annotations__["return"] = cls
    load.__name__ = load.__qualname__ = f"load_{reader}"
    load.__module__ = getattr(read, "__module__", __name__)
    return load


def source_path_and_sha(
    source: str | os.PathLike | registry.DataFile,
    data_dir: str | os.PathLike | None,
    cache_dir: str | os.PathLike | None,
    download: bool,
) -> tuple[pathlib.Path, str]:
    """Resolves a source to a verified path and its sha256.

    Args:
      source: a registry name / relative path / entry (fetched and verified against the
        registry), or a path to any local file (e.g. the official ``nasbench_full.tfrecord``),
        whose sha256 is computed (and remembered) for the table cache key.
      data_dir: data directory for registry sources.
      cache_dir: cache directory.
      download: whether registry sources may be downloaded.

    Returns:
      ``(path, sha256)``.

    Raises:
      DataNotFoundError: if a local path does not exist.
    """
    if isinstance(source, registry.DataFile) or (
        isinstance(source, str) and _is_registered(source)
    ):
        e = registry.entry(source)
        return store.fetch(e, data_dir, cache_dir=cache_dir, download=download), e.sha256
    p = pathlib.Path(source).expanduser()
    if not p.is_file():
        raise DataNotFoundError(
            f"{p}: no such file, and {str(source)!r} is not a registry name either "
            f"(known: {', '.join(sorted(registry.REGISTRY))})"
        )
    return p, store.file_sha256(p, cache_dir)


def _is_registered(name: str) -> bool:
    try:
        registry.entry(name)
    except KeyError:
        return False
    return True
