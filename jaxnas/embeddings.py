"""The ``embeddings.npz`` format: the one writer and the one reader.

Pretraining (arch2vec, the supervised baseline, CATE) exports one vector per architecture; search,
the encoding comparison and the embedding study read them back. The file is a plain ``np.savez``
archive (no pickles) holding

* ``ids [C]``: the architecture of each row -- strings (official NAS-Bench-101 hashes,
  NB201 arch strings) or integers (a space's enumeration index, e.g. the NB201 API index);
  unique;
* ``embeddings [C, D]``: floating point (float32 as written by every pretraining), finite;
* optional extras, stored as given: arrays with ``C`` rows (``darts_cells [C, 8, 2]`` from
  arch2vec on DARTS) or scalars / strings (CATE's ``pooling``).

:func:`save` checks all of this before anything is written and writes atomically
(:mod:`jaxnas.io`), so a reader never sees a half-written or inconsistent file; :func:`load`
checks it again and names the file and the problem in its error.

    >>> embeddings.save(workdir / "embeddings.npz", ids, emb, pooling=np.str_("mean"))
    >>> e = embeddings.load(workdir / "embeddings.npz")
    >>> e.ids.shape, e.embeddings.shape, e.extra["pooling"]
"""

from __future__ import annotations

import os
import pathlib
import zipfile
from typing import NamedTuple

import numpy as np

from jaxnas import io

FILENAME = "embeddings.npz"
REQUIRED = ("ids", "embeddings")


class EmbeddingsError(ValueError):
    """An embeddings file (or the arrays to write into one) breaks the format."""


class Embeddings(NamedTuple):
    """The contents of an embeddings file.

    Attributes:
      ids: ``[C]`` strings or integers, unique.
      embeddings: ``[C, D]`` floating point, finite.
      extra: every other array of the file by name (e.g. ``darts_cells [C, 8, 2]``,
        ``pooling`` as a 0-d string array).
    """

    ids: np.ndarray
    embeddings: np.ndarray
    extra: dict[str, np.ndarray]

    def as_dict(self) -> dict[str, np.ndarray]:
        """All arrays by their names in the file (``ids``, ``embeddings``, extras)."""
        return {"ids": self.ids, "embeddings": self.embeddings, **self.extra}


def validate(ids, embeddings, what: str = "embeddings", **extra) -> None:
    """Raises :class:`EmbeddingsError` unless the arrays make a valid embeddings file.

    Checks: ``ids`` 1-D strings or integers without duplicates; ``embeddings`` 2-D floating
    point with ``len(ids)`` rows and no NaN / inf; ``extra`` free of object arrays (which
    ``np.load(allow_pickle=False)`` could not read back).
    """
    ids, emb = np.asarray(ids), np.asarray(embeddings)
    if ids.ndim != 1:
        raise EmbeddingsError(f"{what}: ids must be 1-D [C], got shape {ids.shape}")
    if ids.dtype.kind not in "iuUS":
        raise EmbeddingsError(f"{what}: ids must be strings or integers, got dtype {ids.dtype}")
    if emb.ndim != 2:
        raise EmbeddingsError(f"{what}: embeddings must be 2-D [C, D], got shape {emb.shape}")
    if len(ids) != len(emb):
        raise EmbeddingsError(
            f"{what}: {len(ids)} ids for {len(emb)} embeddings (shapes {ids.shape}, {emb.shape})"
        )
    if emb.dtype.kind != "f":
        raise EmbeddingsError(f"{what}: embeddings must be floating point, got {emb.dtype}")
    bad = ~np.isfinite(emb).all(axis=1)
    if bad.any():
        raise EmbeddingsError(
            f"{what}: {int(bad.sum())} of {len(emb)} embedding rows contain NaN or inf "
            f"(first ids: {ids[bad][:3].tolist()})"
        )
    n_unique = len(np.unique(ids))
    if n_unique != len(ids):
        raise EmbeddingsError(f"{what}: {len(ids) - n_unique} duplicate ids")
    for name, value in extra.items():
        if np.asarray(value).dtype == object:
            raise EmbeddingsError(f"{what}: extra array {name!r} has dtype object")


def save(path: str | os.PathLike, ids, embeddings, **extra) -> pathlib.Path:
    """Writes an embeddings file atomically, after :func:`validate`.

    Args:
      path: the ``.npz`` to write (parents are created).
      ids: ``[C]`` strings or integers.
      embeddings: ``[C, D]`` floating point; stored with its dtype (no cast).
      **extra: further arrays or scalars, stored as given (e.g. ``darts_cells``,
        ``pooling=np.str_("mean")``).

    Returns:
      ``path`` as a :class:`pathlib.Path`.

    Raises:
      EmbeddingsError: if the arrays break the format (nothing is written then).
    """
    ids, embeddings = np.asarray(ids), np.asarray(embeddings)
    validate(ids, embeddings, what=os.fspath(path), **extra)
    return io.write_npz(path, ids=ids, embeddings=embeddings, **extra)


def load(path: str | os.PathLike) -> Embeddings:
    """Reads and validates an embeddings file.

    Raises:
      FileNotFoundError: if ``path`` does not exist.
      EmbeddingsError: if it is not a readable ``.npz`` archive, lacks ``ids`` or
        ``embeddings``, or breaks the format (see :func:`validate`); the message names the file.
    """
    what = os.fspath(path)
    if not os.path.exists(what):
        raise FileNotFoundError(f"embeddings file {what} not found")
    try:
        arrays = io.read_npz(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise EmbeddingsError(f"{what}: not a readable .npz embeddings file ({err})") from err
    missing = [k for k in REQUIRED if k not in arrays]
    if missing:
        raise EmbeddingsError(
            f"{what}: missing array(s) {missing}; an embeddings file holds 'ids' [C] and "
            f"'embeddings' [C, D], found {sorted(arrays)}"
        )
    ids, emb = arrays.pop("ids"), arrays.pop("embeddings")
    validate(ids, emb, what=what, **arrays)
    return Embeddings(ids, emb, arrays)


__all__ = ["FILENAME", "REQUIRED", "Embeddings", "EmbeddingsError", "load", "save", "validate"]
