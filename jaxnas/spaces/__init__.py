"""Search spaces: architectures as immutable values plus pure functions."""

from jaxnas.spaces import base, darts, nb101, nb201, nlp
from jaxnas.spaces.base import PAD, CellSpace, InvalidCellError

__all__ = ["PAD", "CellSpace", "InvalidCellError", "base", "darts", "nb101", "nb201", "nlp"]
