"""Shared plumbing of the analysis figures: a headless pyplot and an atomic PNG + SVG save.

matplotlib is the optional ``plot`` extra; it is imported when a figure is made.
"""

from __future__ import annotations

import importlib
import pathlib

from jaxnas import _optional, io


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (no display needed)."""
    matplotlib = _optional.require("matplotlib", "plotting", "plot")
    matplotlib.use("Agg")
    return importlib.import_module("matplotlib.pyplot")


def save(fig, out_prefix, title: str = "", tight_layout: bool = True) -> list[pathlib.Path]:
    """Writes ``fig`` to ``<out_prefix>.png`` and ``.svg`` (each atomically), then closes it.

    Args:
      fig: a matplotlib figure.
      out_prefix: path without suffix; its directory is created if needed.
      title: figure title (``suptitle``), if any.
      tight_layout: call ``fig.tight_layout()`` first.

    Returns:
      The two paths written.
    """
    if title:
        fig.suptitle(title)
    if tight_layout:
        fig.tight_layout()
    out_prefix = pathlib.Path(out_prefix)
    paths = [out_prefix.with_suffix(".png"), out_prefix.with_suffix(".svg")]
    try:
        for p in paths:
            with io.atomic_open(p, "wb") as f:
                fig.savefig(f, format=p.suffix[1:], dpi=120, bbox_inches="tight")
    finally:
        pyplot().close(fig)
    return paths


__all__ = ["pyplot", "save"]
