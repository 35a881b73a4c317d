"""Search spaces: architectures as immutable values plus pure functions."""

from jaxnas.spaces import base
from jaxnas.spaces.base import PAD, CellSpace, InvalidCellError

__all__ = ["PAD", "CellSpace", "InvalidCellError", "base"]
