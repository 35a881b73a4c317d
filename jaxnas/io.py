"""Atomic file writes: a reader sees the old file or the new one, never a partial one.

Every writer here writes to a temporary file in the destination's directory (so the final step
is a same-filesystem rename), flushes and ``fsync``s it, gives it the permissions an ordinary
``open(path, "w")`` would (``0o666`` less the umask; an existing file's mode is kept), then
``os.replace``s it over ``path`` and (best effort) ``fsync``s the directory. If anything fails
before the rename -- an exception while serialising, a full disk, an interrupt -- the temporary
file is removed and ``path`` is left as it was.

Parent directories are created as needed. Every writer returns ``path`` as a
:class:`pathlib.Path`.

    >>> from jaxnas import io
    >>> io.write_json(workdir / "results.json", {"acc": 0.94})
    >>> io.append_jsonl(workdir / "rows.jsonl", [{"seed": 0}, {"seed": 1}])
    >>> io.write_npz(workdir / "table.npz", x=np.zeros(3))

Multi-process runs: only one process writes. :func:`set_writer` ``(False)`` (called by
``experiments.common`` on every process but process 0 of a ``jax.distributed`` run) turns every
writer here into a no-op that still serialises its input (to memory) and returns ``path``.

Only the standard library and NumPy are imported: this module is a leaf of the package.
"""

from __future__ import annotations

import contextlib
import io as _io
import json
import os
import pathlib
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import numpy as np

PathLike = str | os.PathLike


def _umask() -> int:
    """The process umask, read once at import: from ``/proc/self/status`` where there is one
    (no side effect), else by setting and restoring it (``os.umask`` can only be read so)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_DEFAULT_MODE = 0o666 & ~_umask()


def _fsync_dir(directory: pathlib.Path) -> None:
    """Makes a rename in ``directory`` durable (best effort: not every OS / filesystem allows
    opening a directory)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_WRITER = [True]


def make_dir(path: PathLike) -> pathlib.Path:
    """``path`` as a ``pathlib.Path``, created with its parents if missing (a run's workdir)."""
    out = pathlib.Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def set_writer(enabled: bool) -> None:
    """Whether this process writes files (default True). In a multi-process run every process
    but the primary one sets False: the writers then write to memory and drop it."""
    _WRITER[0] = bool(enabled)


def is_writer() -> bool:
    """Whether this process writes files (see :func:`set_writer`)."""
    return _WRITER[0]


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", **open_kwargs) -> Iterator[IO]:
    """Opens a temporary file that replaces ``path`` when the ``with`` block exits cleanly.

    Args:
      path: the destination.
      mode: ``"w"`` (text) or ``"wb"`` (bytes).
      **open_kwargs: passed to :func:`open` (e.g. ``encoding``, ``newline``).

    Yields:
      The open temporary file. If the block raises, the file is deleted and ``path`` is left
      untouched. On a process that does not write (:func:`set_writer`), an in-memory buffer
      that is dropped.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    if not _WRITER[0]:
        yield _io.BytesIO() if mode == "wb" else _io.StringIO()  # written, then dropped
        return
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        perm = path.stat().st_mode & 0o7777
    except OSError:
        perm = _DEFAULT_MODE
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, perm)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def write_bytes(path: PathLike, data: bytes) -> pathlib.Path:
    """Writes ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as f:
        f.write(data)
    return pathlib.Path(path)


def write_text(path: PathLike, text: str, encoding: str = "utf-8") -> pathlib.Path:
    """Writes ``text`` to ``path`` atomically (no newline translation)."""
    with atomic_open(path, "w", encoding=encoding, newline="") as f:
        f.write(text)
    return pathlib.Path(path)


def write_json(
    path: PathLike, obj: Any, *, indent: int | None = 1, newline: bool = False, **dumps_kwargs
) -> pathlib.Path:
    """Writes ``obj`` as JSON to ``path`` atomically.

    Args:
      indent, **dumps_kwargs: passed to :func:`json.dumps` (e.g. ``sort_keys``, ``allow_nan``,
        ``default``). The default ``indent=1`` is what ``json.dump(obj, f, indent=1)`` writes.
      newline: end the file with ``"\\n"``.

    The object is serialised before the temporary file is created, so an unserialisable
    object raises without touching the disk.
    """
    text = json.dumps(obj, indent=indent, **dumps_kwargs)
    return write_text(path, text + "\n" if newline else text)


def _jsonl(rows: Iterable[Mapping], dumps_kwargs: dict) -> str:
    return "".join(json.dumps(row, **dumps_kwargs) + "\n" for row in rows)


def write_jsonl(path: PathLike, rows: Iterable[Mapping], **dumps_kwargs) -> pathlib.Path:
    """Writes ``rows`` to ``path`` atomically, one JSON object per line.

    ``**dumps_kwargs`` go to :func:`json.dumps` (e.g. ``allow_nan=False``).
    """
    return write_text(path, _jsonl(rows, dumps_kwargs))


def append_jsonl(path: PathLike, rows: Iterable[Mapping], **dumps_kwargs) -> pathlib.Path:
    """Appends ``rows`` to the JSONL file ``path`` (created if missing), atomically.

    The file is rewritten whole (old lines + new ones) through a temporary file, so an
    interrupted append loses nothing already there; the cost is linear in the file's size,
    which suits results files (thousands of rows), not per-step logs.
    """
    path = pathlib.Path(path)
    new = _jsonl(rows, dumps_kwargs)  # serialise first: a bad row leaves the file untouched
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    if old and not old.endswith("\n"):
        old += "\n"
    return write_text(path, old + new)


def read_jsonl(path: PathLike) -> list[dict]:
    """The rows of a JSONL file (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_npz(path: PathLike, *, compressed: bool = False, **arrays) -> pathlib.Path:
    """``np.savez`` (or ``np.savez_compressed``) of ``arrays`` to ``path``, atomically.

    ``path`` is used as given (NumPy's habit of appending ``.npz`` does not apply).
    """
    save = np.savez_compressed if compressed else np.savez
    with atomic_open(path, "wb") as f:
        save(f, **arrays)
    return pathlib.Path(path)


def read_npz(path: PathLike) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` file, loaded (no pickles)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


__all__ = [
    "append_jsonl",
    "atomic_open",
    "is_writer",
    "make_dir",
    "read_jsonl",
    "read_npz",
    "set_writer",
    "write_bytes",
    "write_json",
    "write_jsonl",
    "write_npz",
    "write_text",
]
