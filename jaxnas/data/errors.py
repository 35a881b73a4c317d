"""Exceptions raised by the data layer."""

from __future__ import annotations


class DataError(Exception):
    """Base class of every data-layer error."""


class DataNotFoundError(DataError, FileNotFoundError):
    """A data file is missing and could not (or may not) be downloaded."""


class ChecksumError(DataError, ValueError):
    """A file's sha256 or size differs from the registry's."""


class DownloadError(DataError, OSError):
    """A download failed (network error, HTTP error or a cut connection)."""


class FormatError(DataError, ValueError):
    """A file is truncated, corrupt or not in the expected format."""
