"""NAS-Bench-NLP recurrent cells: recipes parsed into immutable labelled DAGs.

A NAS-Bench-NLP *recipe* (spelled ``recepie`` in the benchmark's logs) maps node names to
``{"op": ..., "input": [...]}``. Node inputs are other recipe nodes or the cell inputs ``x``
(the layer input) and ``h_prev_k`` (the ``k``-th recurrent state); the nodes ``h_new_0``,
``h_new_1``, ... are the new recurrent states (``h_new_0`` is also the layer output). The
semantics follow ``CustomRNNCell`` of fmsnew/nas-bench-nlp-release (``custom_rnn.py``):
``linear`` is a sum of one matrix per input plus one bias, ``blend(z, a, b) = z * a + (1 - z) *
b``, ``elementwise_sum`` and ``elementwise_prod`` combine two or more inputs, and
``activation_*`` applies tanh, sigmoid or leaky ReLU to one input::

    cell = parse_recipe('{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, '
                        '"h_new_0": {"op": "activation_tanh", "input": ["f"]}}')
    cell.names       # ('x', 'h_prev_0', 'h_prev_1', 'h_prev_2', 'f', 'h_new_0')
    cell.ops         # ('input', 'input', 'input', 'input', 'linear', 'activation_tanh')

Node order: the cell inputs :data:`INPUT_NAMES` always come first, at fixed positions (unused ones
are isolated vertices), then the recipe's nodes in a topological order (Kahn's algorithm, ties
broken by the recipe's own order). The op vocabulary :data:`OPS` uses the ids of NASLib's
``convert_recipe_to_compact`` (``naslib/search_spaces/nasbenchnlp/conversions.py``), with ``in``
spelled ``input``; the fixed input block is NASLib's too.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np

from jaxnas.spaces.base import PAD, InvalidCellError

MAX_HIDDEN = 3
"""Most recurrent states a NAS-Bench-NLP cell carries (``h_prev_0..2`` / ``h_new_0..2``)."""

INPUT_NAMES: tuple[str, ...] = ("x", *(f"h_prev_{k}" for k in range(MAX_HIDDEN)))
"""Names of the cell inputs, in the order they occupy vertices ``0..3``."""

OPS: tuple[str, ...] = (
    "input",
    "activation_sigm",
    "activation_tanh",
    "activation_leaky_relu",
    "elementwise_sum",
    "elementwise_prod",
    "linear",
    "blend",
)
"""Op vocabulary; :attr:`NLPCell.op_ids` index it (ids equal NASLib's NB-NLP op indices)."""

WIKITEXT2_VOCAB_SIZE = 33278
"""Tokens in the WikiText-2 vocabulary (word-level, with ``<eos>``) of the NB-NLP language model."""

_ARITY = {  # op -> (min inputs, max inputs or None)
    "activation_sigm": (1, 1),
    "activation_tanh": (1, 1),
    "activation_leaky_relu": (1, 1),
    "elementwise_sum": (2, None),
    "elementwise_prod": (2, None),
    "linear": (1, None),
    "blend": (3, 3),
}
_OUTPUT_RE = re.compile(r"h_new_(\d+)")
_STATE_RE = re.compile(r"h_prev_(\d+)")


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclasses.dataclass(frozen=True, eq=False)
class NLPCell:
    """A NAS-Bench-NLP recurrent cell as an immutable labelled DAG.

    Attributes:
      names: node names, ``[n]``, inputs first then a topological order.
      ops: op label per node, ``[n]`` (``"input"`` for the cell inputs).
      op_ids: ``int32 [n]`` (read-only), ids into :data:`OPS`.
      adjacency: ``uint8 [n, n]`` (read-only), strictly upper triangular; ``adjacency[i, j] == 1``
        when node ``j`` reads node ``i``.
      node_inputs: per node, the indices of its inputs in the recipe's order (order matters for
        ``blend``; repeats are kept), ``()`` for cell inputs.
      input_nodes: indices of the cell inputs (``x``, ``h_prev_0``, ...), always ``(0, 1, 2, 3)``.
      output_nodes: indices of ``h_new_0``, ``h_new_1``, ... in state order.
    """

    names: tuple[str, ...]
    ops: tuple[str, ...]
    op_ids: np.ndarray
    adjacency: np.ndarray
    node_inputs: tuple[tuple[int, ...], ...]
    input_nodes: tuple[int, ...]
    output_nodes: tuple[int, ...]

    @property
    def num_nodes(self) -> int:
        return len(self.names)

    @property
    def num_hidden(self) -> int:
        """Number of recurrent states (``h_new_*`` outputs)."""
        return len(self.output_nodes)

    def _key(self):
        return self.names, self.ops, self.node_inputs, self.output_nodes

    def __eq__(self, other) -> bool:
        return isinstance(other, NLPCell) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def _load(recipe) -> Mapping:
    if isinstance(recipe, (bytes, bytearray)):
        recipe = recipe.decode()
    if isinstance(recipe, str):
        try:
            recipe = json.loads(recipe)
        except json.JSONDecodeError as e:
            raise InvalidCellError(f"nlp: recipe is not valid JSON: {e}") from None
    if not isinstance(recipe, Mapping):
        raise InvalidCellError(
            f"nlp: a recipe is a mapping node -> {{op, input}}, got {type(recipe).__name__}"
        )
    if not recipe:
        raise InvalidCellError("nlp: empty recipe")
    return recipe


def parse_recipe(recipe) -> NLPCell:
    """Parses a NAS-Bench-NLP recipe into an :class:`NLPCell`.

    Args:
      recipe: a dict ``{name: {"op": str, "input": [str, ...]}}`` or its JSON text (as stored
        under ``"recepie"`` in the benchmark's logs).

    Raises:
      InvalidCellError: naming the problem: malformed JSON or node spec, unknown op, wrong number
        of inputs for the op, a reference to an undefined node, a node redefining a cell input, a
        cycle, missing ``h_new_0`` / non-contiguous ``h_new_k``, more than :data:`MAX_HIDDEN`
        states, or reading ``h_prev_k`` for a state the cell does not produce.
    """
    recipe = _load(recipe)
    specs: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, spec in recipe.items():
        if not isinstance(name, str) or not name:
            raise InvalidCellError(f"nlp: node names must be non-empty strings, got {name!r}")
        if name in INPUT_NAMES or _STATE_RE.fullmatch(name):
            raise InvalidCellError(f"nlp: node {name!r} redefines a cell input")
        if not isinstance(spec, Mapping) or set(spec) != {"op", "input"}:
            raise InvalidCellError(
                f"nlp: node {name!r} must be {{'op': str, 'input': [names]}}, got {spec!r}"
            )
        op, inputs = spec["op"], spec["input"]
        if not isinstance(op, str) or op not in _ARITY:
            raise InvalidCellError(
                f"nlp: unknown op {op!r} at node {name!r}; ops are {tuple(_ARITY)}"
            )
        if isinstance(inputs, str) or not isinstance(inputs, Iterable):
            raise InvalidCellError(f"nlp: inputs of node {name!r} must be a list of names")
        inputs = tuple(inputs)
        if not all(isinstance(i, str) for i in inputs):
            raise InvalidCellError(f"nlp: inputs of node {name!r} must be names, got {inputs}")
        lo, hi = _ARITY[op]
        if len(inputs) < lo or (hi is not None and len(inputs) > hi):
            want = f"{lo}" if lo == hi else f"at least {lo}"
            raise InvalidCellError(
                f"nlp: node {name!r} ({op}) has {len(inputs)} inputs, expected {want}"
            )
        specs[name] = (op, inputs)

    # Outputs h_new_0..h_new_{H-1}.
    states = sorted(int(m.group(1)) for n in specs if (m := _OUTPUT_RE.fullmatch(n)))
    if not states:
        raise InvalidCellError("nlp: the recipe has no output node h_new_0")
    if states != list(range(len(states))):
        raise InvalidCellError(
            f"nlp: outputs must be h_new_0..h_new_(H-1) without gaps, got "
            f"{[f'h_new_{k}' for k in states]}"
        )
    if len(states) > MAX_HIDDEN:
        raise InvalidCellError(f"nlp: {len(states)} recurrent states, at most {MAX_HIDDEN}")

    # Undefined references and unavailable states.
    for name, (_, inputs) in specs.items():
        for i in inputs:
            if i in specs or i == "x":
                continue
            m = _STATE_RE.fullmatch(i)
            if m is None:
                raise InvalidCellError(f"nlp: node {name!r} reads undefined node {i!r}")
            if int(m.group(1)) >= len(states):
                raise InvalidCellError(
                    f"nlp: node {name!r} reads {i!r}, but the cell produces no "
                    f"h_new_{m.group(1)} (it has {len(states)} state(s))"
                )

    # Stable topological order (Kahn; ties in recipe order).
    order = list(INPUT_NAMES)
    placed = set(order)
    remaining = list(specs)
    while remaining:
        ready = next((n for n in remaining if all(i in placed for i in specs[n][1])), None)
        if ready is None:
            raise InvalidCellError(f"nlp: the recipe has a cycle through nodes {sorted(remaining)}")
        order.append(ready)
        placed.add(ready)
        remaining.remove(ready)

    index = {n: i for i, n in enumerate(order)}
    n = len(order)
    ops = tuple("input" if name in INPUT_NAMES else specs[name][0] for name in order)
    node_inputs = tuple(
        () if name in INPUT_NAMES else tuple(index[i] for i in specs[name][1]) for name in order
    )
    adjacency = np.zeros((n, n), np.uint8)
    for j, ins in enumerate(node_inputs):
        for i in ins:
            adjacency[i, j] = 1
    return NLPCell(
        names=tuple(order),
        ops=ops,
        op_ids=_readonly(np.array([OPS.index(o) for o in ops], np.int32)),
        adjacency=_readonly(adjacency),
        node_inputs=node_inputs,
        input_nodes=tuple(range(len(INPUT_NAMES))),
        output_nodes=tuple(index[f"h_new_{k}"] for k in states),
    )


def to_recipe(cell: NLPCell) -> dict[str, dict]:
    """The recipe dict of a cell (nodes in the cell's order); ``parse_recipe`` inverts it."""
    return {
        cell.names[j]: {"op": cell.ops[j], "input": [cell.names[i] for i in cell.node_inputs[j]]}
        for j in range(cell.num_nodes)
        if j not in cell.input_nodes
    }


class PaddedGraph(NamedTuple):
    """Fixed-size arrays of one cell (or a batch, with a leading ``[B]``) for static shapes.

    Attributes:
      adjacency: ``uint8 [M, M]``; zero rows/columns for padding.
      ops: ``int32 [M]`` ids into :data:`OPS`, :data:`~jaxnas.spaces.base.PAD` (-1) for padding.
      mask: ``bool [M]``, True for real nodes.
      is_output: ``bool [M]``, True for the ``h_new_*`` nodes.
    """

    adjacency: np.ndarray
    ops: np.ndarray
    mask: np.ndarray
    is_output: np.ndarray


def pad_graph(cell: NLPCell, max_nodes: int) -> PaddedGraph:
    """Pads one cell to ``max_nodes`` vertices (real nodes first, then padding).

    Raises:
      InvalidCellError: if the cell has more than ``max_nodes`` nodes.
    """
    n = cell.num_nodes
    if n > max_nodes:
        raise InvalidCellError(f"nlp: cell has {n} nodes, more than max_nodes={max_nodes}")
    adjacency = np.zeros((max_nodes, max_nodes), np.uint8)
    adjacency[:n, :n] = cell.adjacency
    ops = np.full((max_nodes,), PAD, np.int32)
    ops[:n] = cell.op_ids
    mask = np.arange(max_nodes) < n
    is_output = np.zeros((max_nodes,), bool)
    is_output[list(cell.output_nodes)] = True
    return PaddedGraph(*(_readonly(a) for a in (adjacency, ops, mask, is_output)))


def pad_graphs(cells: Iterable[NLPCell], max_nodes: int | None = None) -> PaddedGraph:
    """Pads and stacks cells: ``adjacency [B, M, M]``, ``ops [B, M]``, masks ``[B, M]``.

    ``max_nodes`` defaults to the largest cell in ``cells``.
    """
    cells = list(cells)
    if not cells:
        raise ValueError("nlp: pad_graphs needs at least one cell")
    m = max(c.num_nodes for c in cells) if max_nodes is None else max_nodes
    padded = [pad_graph(c, m) for c in cells]
    return PaddedGraph(*(_readonly(np.stack(f)) for f in zip(*padded, strict=True)))


def num_params(
    cell: NLPCell,
    *,
    vocab_size: int = WIKITEXT2_VOCAB_SIZE,
    input_size: int = 400,
    hidden_size: int = 600,
    num_layers: int = 3,
    tied: bool = True,
) -> int:
    """Trainable parameters of NAS-Bench-NLP's language model (``AWDRNNModel``) with this cell.

    Embedding ``vocab x input_size``; ``num_layers`` recurrent layers built from the cell (layer
    ``l`` reads ``input_size`` features if ``l == 0`` else ``hidden_size``, and has
    ``hidden_size`` units except the last, which has ``input_size`` when ``tied``); each
    ``linear`` node holds one ``in x units`` matrix per input (``in`` is the layer input size for
    ``x``, the units otherwise) and one bias; the decoder adds its bias (its weight is the
    embedding when ``tied``, else ``hidden_size x vocab`` more). Defaults: the configuration of
    the NB-NLP WikiText-2 logs (emsize 400, nhid 600, 3 layers, tied).
    """
    total = vocab_size * input_size + vocab_size
    if not tied:
        total += hidden_size * vocab_size
    for layer in range(num_layers):
        d_in = input_size if layer == 0 else hidden_size
        units = input_size if (tied and layer == num_layers - 1) else hidden_size
        for j, op in enumerate(cell.ops):
            if op == "linear":
                fan_in = sum(d_in if cell.names[i] == "x" else units for i in cell.node_inputs[j])
                total += fan_in * units + units
    return total
