"""The DARTS / NAS-Bench-301 cell space: genotypes as immutable values and pure functions.

A genotype has a *normal* and a *reduction* cell. Each cell has 4 intermediate nodes; node
``i`` (0..3) sums two edges ``(op, input)``, where ``input`` is ``0`` (``c_{k-2}``, the output
of the cell two back), ``1`` (``c_{k-1}``) or ``2 + j`` (intermediate node ``j < i``). The cell
output concatenates nodes 2..5 (``range(2, 6)``). Edges ``2i`` and ``2i + 1`` belong to node
``i``; NAS-Bench-301 (and DARTS's derivation) give the two edges of a node distinct inputs.

Representations (all convertible, round trips tested on the real NASLib files):

* :class:`Genotype` -- a NamedTuple with DARTS's fields ``(normal, normal_concat, reduce,
  reduce_concat)``; cells are tuples of ``(op name, input)`` pairs, concats ``range(2, 6)``. DARTS's
  ``NetworkCIFAR`` accepts it as is.
* an ``int32 [2, 8, 2]`` array (``[cell (normal, reduce), edge, (op id, input)]``), op ids into
  :data:`OPS` (DARTS's ``PRIMITIVES`` order, ``'none'`` = 0), for vectorised use.
* the DARTS string ``Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)``
  (:func:`to_string` / :func:`from_string`, parsed without ``eval``).
* NASLib's compact form ``((input, op), ...)`` per cell with op indices into :data:`NASLIB_OPS`
  (:func:`to_naslib` / :func:`from_naslib` / :func:`to_naslib_string`), as stored in NASLib's
  ``archs_nasbench301.json`` (tuple style) and as the keys of ``zc_nasbench301.json`` (list
  style). The op mapping is NASLib's ``convert_compact_to_genotype``; it is confirmed on the data
  by :func:`num_params` and :func:`flops` matching all 725 genotypes of ``zc_nasbench301.json``
  exactly (that pins the convolutions and ``skip_connect``; max vs. avg pool have equal costs
  and rest on NASLib's source alone).

Also: validity checks (:func:`check`, :func:`validate`), NASLib's sampling, mutation and
neighbourhood (:func:`sample`, :func:`mutate`, :func:`neighbours`, explicit JAX keys), the
graph encodings of arch2vec (:func:`to_arch2vec`, 11 nodes) and CATE (:func:`to_cate`, 15 nodes)
with their inverses, and parameters / FLOPs of the NAS-Bench-301 evaluation network
(:func:`num_params`, :func:`flops`, vectorised over ``[..., 2, 8, 2]`` arrays).

The package, by concept (every public name is re-exported here, so ``darts.to_string`` etc.
work as before):

* :mod:`~jaxnas.spaces.darts.core` -- the vocabulary (:data:`OPS`, ...) and :class:`Genotype`;
* :mod:`~jaxnas.spaces.darts.genotype` -- validity, the array form, the validated text forms,
  sampling, mutation and neighbours;
* :mod:`~jaxnas.spaces.darts.formats` -- the grammar of the DARTS string and NASLib's compact
  form (parse / format, without validation);
* :mod:`~jaxnas.spaces.darts.graphs` -- the arch2vec and CATE graph encodings;
* :mod:`~jaxnas.spaces.darts.costs` -- parameters and FLOPs of the evaluation network.
"""

from jaxnas.spaces.darts import core, costs, formats, genotype, graphs
from jaxnas.spaces.darts.core import (
    CELLS,
    CONCAT,
    NASLIB_OPS,
    NONE,
    NUM_EDGES,
    NUM_NODES,
    OPS,
    SAMPLED_OP_IDS,
    Cell,
    Edge,
    Genotype,
    InvalidCellError,
)
from jaxnas.spaces.darts.costs import (
    DARTS_CIFAR10_NETWORK,
    FLOPS_CONVENTIONS,
    NB301_NETWORK,
    Network,
    flops,
    num_params,
)
from jaxnas.spaces.darts.genotype import (
    check,
    from_array,
    from_naslib,
    from_string,
    is_valid,
    make_genotype,
    mutate,
    neighbours,
    sample,
    to_array,
    to_naslib,
    to_naslib_string,
    to_string,
    validate,
)
from jaxnas.spaces.darts.graphs import (
    ARCH2VEC_NODES,
    ARCH2VEC_OPS,
    CATE_NODES,
    CATE_OPS,
    from_arch2vec,
    from_cate,
    to_arch2vec,
    to_cate,
)

__all__ = [
    "ARCH2VEC_NODES",
    "ARCH2VEC_OPS",
    "CATE_NODES",
    "CATE_OPS",
    "CELLS",
    "CONCAT",
    "DARTS_CIFAR10_NETWORK",
    "FLOPS_CONVENTIONS",
    "NASLIB_OPS",
    "NB301_NETWORK",
    "NONE",
    "NUM_EDGES",
    "NUM_NODES",
    "OPS",
    "SAMPLED_OP_IDS",
    "Cell",
    "Edge",
    "Genotype",
    "InvalidCellError",
    "Network",
    "check",
    "core",
    "costs",
    "flops",
    "formats",
    "from_arch2vec",
    "from_array",
    "from_cate",
    "from_naslib",
    "from_string",
    "genotype",
    "graphs",
    "is_valid",
    "make_genotype",
    "mutate",
    "neighbours",
    "num_params",
    "sample",
    "to_arch2vec",
    "to_array",
    "to_cate",
    "to_naslib",
    "to_naslib_string",
    "to_string",
    "validate",
]
