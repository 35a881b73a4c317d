"""Imports of optional dependencies (the extras of ``pyproject.toml``) with a clear error.

A leaf module: the standard library only.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, needed_by: str, extra: str) -> ModuleType:
    """Imports ``module``, or raises an ImportError naming what needs it and the extra to install.

    Args:
      module: the module to import, e.g. ``"lightgbm"``.
      needed_by: what needs it, for the message, e.g. ``"the LightGBM mean model"``.
      extra: the ``jaxnas[...]`` extra that installs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{needed_by} needs {module}, an optional dependency: pip install jaxnas[{extra}]"
        ) from err


__all__ = ["require"]
