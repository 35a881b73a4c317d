"""Search spaces: architectures as immutable values plus pure functions."""

from jaxnas.spaces import base, nb101, nb201, nlp
from jaxnas.spaces.base import PAD, CellSpace, InvalidCellError

__all__ = ["PAD", "CellSpace", "InvalidCellError", "base", "nb101", "nb201", "nlp"]
