"""Quiet logging and progress bars for the binaries (re-exported by :mod:`experiments.common`).

:func:`quiet_logging` keeps this project's INFO logging and every library's warnings, and drops
other libraries' INFO chatter (orbax's checkpoint lines, jax's backend probing, etils);
:func:`progress` is a tqdm bar that stays off when stderr is not a terminal.
"""

from __future__ import annotations

import functools
import logging as pylogging
import os
import sys
from collections.abc import Iterable

from absl import logging as absl_logging
from tqdm import tqdm

import experiments
import jaxnas

# INFO/DEBUG records are kept only when emitted from code under these directories (or from the
# ``__main__`` script).
_OWN_ROOTS = tuple(
    os.path.dirname(os.path.realpath(m.__file__)) + os.sep for m in (experiments, jaxnas)
)


@functools.lru_cache(maxsize=1024)
def _is_own(pathname: str) -> bool:
    """Whether a record's file is in jaxnas, experiments or the ``__main__`` script."""
    path = os.path.realpath(pathname)
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return path.startswith(_OWN_ROOTS) or (
        main_file is not None and path == os.path.realpath(main_file)
    )


class _OwnInfoOnly(pylogging.Filter):
    """Drops INFO/DEBUG records that come from outside jaxnas, experiments and ``__main__``."""

    def filter(self, record: pylogging.LogRecord) -> bool:
        if record.levelno >= pylogging.WARNING:
            return True
        return _is_own(str(record.pathname))


_FILTER = _OwnInfoOnly()


def quiet_logging(third_party: bool = False) -> None:
    """Turns off other libraries' INFO chatter (orbax's checkpoint lines, jax's backend probing,
    etils); warnings and errors of every library, and all of this project's logging, stay.

    Works on absl's handler (orbax logs through absl, jax through Python logging; absl's handler
    receives both) by the file a record comes from, so it is safe to call more than once.

    Args:
      third_party: keep the other libraries' INFO logging (undoes an earlier call).
    """
    handler = absl_logging.get_absl_handler()
    handler.removeFilter(_FILTER)
    for h in pylogging.getLogger().handlers:
        h.removeFilter(_FILTER)
    if third_party:
        return
    handler.addFilter(_FILTER)
    for h in pylogging.getLogger().handlers:
        if h is not handler:
            h.addFilter(_FILTER)


def progress(iterable: Iterable | None = None, **kwargs):
    """A tqdm progress bar on stderr, off when stderr is not a terminal (logs, tests).

    Keyword arguments go to ``tqdm.tqdm`` (``desc``, ``total``, ``unit``, ...).
    """
    kwargs.setdefault("disable", not sys.stderr.isatty())
    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)


__all__ = ["progress", "quiet_logging"]
