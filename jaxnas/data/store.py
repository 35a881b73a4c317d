"""Finding, verifying and downloading data files.

Where data is looked for, in order:

1. the data directory: the ``data_dir`` argument, else ``$JAXNAS_DATA_DIR``, else
   ``<cache dir>/data``;
2. the download cache ``<cache dir>/data`` (where :func:`fetch` downloads to).

The cache dir is the ``cache_dir`` argument, else ``$JAXNAS_CACHE_DIR``, else
``$XDG_CACHE_HOME/jaxnas``, else ``~/.cache/jaxnas``.

Every file is checked against the registry's sha256 before use. Verification results are
remembered in ``<cache dir>/verified.json`` keyed by (absolute path, size, mtime), so a
second use of an unchanged file costs one ``stat``. Downloads are written to a temporary
file next to the destination, checked, then renamed into place: a partial or corrupt
download never stays in the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import pathlib
import urllib.error
import urllib.request

from jaxnas import io
from jaxnas._cache import ENV_CACHE_DIR as ENV_CACHE_DIR  # re-exported
from jaxnas._cache import cache_root
from jaxnas.data import registry
from jaxnas.data.errors import ChecksumError, DataNotFoundError, DownloadError

ENV_DATA_DIR = "JAXNAS_DATA_DIR"
ENV_BASE_URL = "JAXNAS_DOWNLOAD_BASE_URL"
_VERIFIED = "verified.json"
_CHUNK = 1 << 20

PathLike = str | os.PathLike


def download_dir(cache_dir: PathLike | None = None) -> pathlib.Path:
    """Where :func:`fetch` stores downloaded files: ``<cache dir>/data``."""
    return cache_root(cache_dir) / "data"


def resolve_data_dir(
    data_dir: PathLike | None = None, cache_dir: PathLike | None = None
) -> pathlib.Path:
    """The data directory: ``data_dir`` > ``$JAXNAS_DATA_DIR`` > ``<cache dir>/data``."""
    if data_dir is not None:
        return pathlib.Path(data_dir).expanduser()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return pathlib.Path(env).expanduser()
    return download_dir(cache_dir)


def sha256_file(path: PathLike) -> str:
    """sha256 hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _read_verified(cache_dir: PathLike | None) -> dict:
    p = cache_root(cache_dir) / _VERIFIED
    try:
        with open(p, encoding="utf-8") as f:
            d = json.load(f)
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError):
        return {}


def file_sha256(path: PathLike, cache_dir: PathLike | None = None) -> str:
    """sha256 of a file, remembered in the cache keyed by (path, size, mtime).

    A file that changed (new size or mtime) is hashed again. The cache is best effort: when
    it cannot be written (read-only home, say) the digest is simply recomputed next time.

    Args:
      path: the file.
      cache_dir: cache directory (see :func:`cache_root`).

    Returns:
      The sha256 hex digest.
    """
    p = pathlib.Path(path).resolve()
    st = p.stat()
    key = str(p)
    known = _read_verified(cache_dir)
    rec = known.get(key)
    if isinstance(rec, list) and len(rec) == 3 and rec[:2] == [st.st_size, st.st_mtime_ns]:
        return str(rec[2])
    digest = sha256_file(p)
    known = _read_verified(cache_dir)  # re-read: another process may have added entries
    known[key] = [st.st_size, st.st_mtime_ns, digest]
    with contextlib.suppress(OSError):
        io.write_json(cache_root(cache_dir) / _VERIFIED, known, indent=0)
    return digest


def verify(path: PathLike, entry: registry.DataFile, cache_dir: PathLike | None = None) -> None:
    """Checks a file's size and sha256 against its registry entry.

    Raises:
      ChecksumError: naming the file and the expected and found size / sha256.
    """
    p = pathlib.Path(path)
    size = p.stat().st_size
    if size != entry.size:
        raise ChecksumError(
            f"{p}: size mismatch for {entry.name} ({entry.relpath}): expected {entry.size} "
            f"bytes, found {size} bytes (sha256 expected {entry.sha256}). The file is "
            "truncated or a different version; replace it with the upstream file."
        )
    found = file_sha256(p, cache_dir)
    if found != entry.sha256:
        raise ChecksumError(
            f"{p}: sha256 mismatch for {entry.name} ({entry.relpath}): expected "
            f"{entry.sha256}, found {found} (size {size} bytes, as expected). The file is "
            "corrupt or a different version; replace it with the upstream file."
        )


def _where_msg(entry: registry.DataFile, places: list[pathlib.Path]) -> str:
    """``places``: the candidate file paths that were tried."""
    roots = [p.parents[len(pathlib.PurePosixPath(entry.relpath).parts) - 1] for p in places]
    looked = ", ".join(
        f"{p}" + ("" if r.is_dir() else f" (directory {r} does not exist)")
        for p, r in zip(places, roots, strict=True)
    )
    how = (
        f"Set ${ENV_DATA_DIR} (or pass data_dir=... / --data_dir) to a directory holding "
        f"'{entry.relpath}'"
    )
    if entry.downloadable:
        how += f", or call fetch(..., download=True) to download it from {entry.url()}"
    else:
        how += (
            ". It cannot be downloaded automatically because its upstream commit is not "
            f"recorded ({entry.note or 'no note'}). Upstream: {entry.repo or '?'} : "
            f"{entry.path or '?'}; place the file (sha256 {entry.sha256}, {entry.size} bytes) "
            f"at <data dir>/{entry.relpath}"
        )
    return f"data file {entry.name} ({entry.relpath}) not found; looked in: {looked}. {how}."


def _candidates(
    entry: registry.DataFile, data_dir: PathLike | None, cache_dir: PathLike | None
) -> list[pathlib.Path]:
    places = [resolve_data_dir(data_dir, cache_dir), download_dir(cache_dir)]
    out: list[pathlib.Path] = []
    for d in places:
        p = d / entry.relpath
        if p not in out:
            out.append(p)
    return out


def locate(
    name: str | registry.DataFile,
    data_dir: PathLike | None = None,
    *,
    cache_dir: PathLike | None = None,
) -> pathlib.Path:
    """Finds a registered file locally and verifies its sha256; never downloads.

    Args:
      name: registry name, relative path or :class:`~jaxnas.data.registry.DataFile`.
      data_dir: data directory (see module docstring for the fallbacks).
      cache_dir: cache directory.

    Returns:
      Path of the verified file.

    Raises:
      DataNotFoundError: saying where it looked and how to provide the file.
      ChecksumError: if a file is there but has the wrong size or sha256.
    """
    e = registry.entry(name)
    cands = _candidates(e, data_dir, cache_dir)
    for p in cands:
        if p.is_file():
            verify(p, e, cache_dir)
            return p
    raise DataNotFoundError(_where_msg(e, cands))


def download_file(
    entry: registry.DataFile,
    dest: PathLike,
    *,
    base_url: str | None = None,
    timeout: float = 60.0,
) -> pathlib.Path:
    """Downloads a registered file to ``dest``, checking size and sha256 on the way.

    The body is streamed to a temporary file in ``dest``'s directory; only a file with the
    expected size and sha256 is renamed to ``dest``. On any failure the temporary file is
    removed.

    Args:
      entry: the registry entry (must be :attr:`~DataFile.downloadable`).
      dest: destination path.
      base_url: raw-file host, default ``$JAXNAS_DOWNLOAD_BASE_URL`` or
        :data:`~jaxnas.data.registry.DEFAULT_BASE_URL`.
      timeout: socket timeout in seconds.

    Returns:
      ``dest`` as a Path.

    Raises:
      DataNotFoundError: if the entry's upstream location is not known precisely.
      DownloadError: on network / HTTP errors or a cut connection.
      ChecksumError: if the downloaded bytes have the wrong size or sha256.
    """
    dest = pathlib.Path(dest)
    if not entry.downloadable:
        raise DataNotFoundError(_where_msg(entry, [dest]))
    url = entry.url(base_url or os.environ.get(ENV_BASE_URL) or registry.DEFAULT_BASE_URL)
    h = hashlib.sha256()
    size = 0
    with io.atomic_open(dest, "wb") as out:  # removed unless the checks below pass
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                announced = resp.headers.get("Content-Length")
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    h.update(chunk)
                    size += len(chunk)
                    if size > entry.size:
                        break
            if announced is not None and size < int(announced):
                raise http.client.IncompleteRead(b"", int(announced) - size)
        except (urllib.error.URLError, OSError, ValueError) as err:
            if isinstance(err, urllib.error.HTTPError):
                err.close()  # release the socket the error response holds
            raise DownloadError(
                f"download of {entry.name} ({entry.relpath}) from {url} failed after "
                f"{size} of {entry.size} bytes: {err!r}"
            ) from err
        except http.client.HTTPException as err:  # IncompleteRead: connection cut
            raise DownloadError(
                f"download of {entry.name} ({entry.relpath}) from {url} was cut after "
                f"{size} of {entry.size} bytes: {err!r}"
            ) from err
        found = h.hexdigest()
        if size != entry.size or found != entry.sha256:
            raise ChecksumError(
                f"downloaded {entry.name} ({entry.relpath}) from {url} does not match the "
                f"registry: expected {entry.size} bytes, sha256 {entry.sha256}; found "
                f"{size}{'+' if size > entry.size else ''} bytes, sha256 {found}. The file was "
                "not kept."
            )
    return dest


def fetch(
    name: str | registry.DataFile,
    data_dir: PathLike | None = None,
    *,
    cache_dir: PathLike | None = None,
    download: bool = True,
    base_url: str | None = None,
    timeout: float = 60.0,
) -> pathlib.Path:
    """Returns the verified local path of a registered file, downloading it if absent.

    Args:
      name: registry name, relative path or :class:`~jaxnas.data.registry.DataFile`.
      data_dir: data directory; else ``$JAXNAS_DATA_DIR``; else ``<cache dir>/data``.
      cache_dir: cache directory (downloads go to ``<cache dir>/data``).
      download: download from upstream when the file is not found locally.
      base_url: raw-file host for downloads (tests point it at a local server).
      timeout: socket timeout in seconds.

    Returns:
      Path of the verified file.

    Raises:
      DataNotFoundError: the file is absent and cannot or may not be downloaded; the message
        says where it looked and how to provide it.
      ChecksumError: a local or downloaded file has the wrong size or sha256.
      DownloadError: the download failed.
    """
    e = registry.entry(name)
    try:
        return locate(e, data_dir, cache_dir=cache_dir)
    except DataNotFoundError:
        if not download or not e.downloadable:
            raise
    return download_file(e, download_dir(cache_dir) / e.relpath, base_url=base_url, timeout=timeout)
