"""Where a compiled step's time goes: each XLA operation timed by the JAX profiler, attributed
to the JAX operation (and Flax module) it was compiled from, summed by group.

    compiled = jax.jit(step).lower(*args).compile()
    times = op_times(compiled.as_text(), lambda: jax.block_until_ready(compiled(*args)))
    print(format_table(group_times(times, transformer_group), per="step"))

or, by the kind of kernel that runs each instruction (YNNPACK or Eigen matmuls, XLA's own
loops, copies)::

    times = instruction_times(lambda: jax.block_until_ready(compiled(*args)))
    print(format_table(kind_times(compiled.as_text(), times), per="step"))

The optimized HLO (``compiled.as_text()``) names every instruction (``ynn_fusion.1465``,
``dot.637``, ...) and records in its metadata the ``op_name`` of the traced JAX operation
(``jit(train_step)/transpose(jvp(CATE))/cross_encoder/block_19/attn/...qhd,...khd->...hqk/
dot_general``: backward pass, cross encoder, block 19, attention scores); a fusion carries the
``op_name`` of the operation at its root, so the whole fusion is counted there. The profiler's trace
(``jax.profiler.trace(..., create_perfetto_trace=True)``) has one event per executed
instruction on XLA:CPU's thunk runtime, with its duration. Times are summed over threads, so
with intra-op parallelism their total exceeds the wall time of a call; the shares are what
matters. Instructions without ``op_name`` metadata (copies the compiler inserts) are grouped by
their kind. Loop instructions (``while``) are containers whose events span their bodies; they
are left out of the sums.

The kind table is how issue 18 found that XLA:CPU gives a product contracting the rows of its
left operand (``x^T g``: every weight gradient of a ``[rows, features]`` layer, the key
gradient ``dS^T Q`` of attention) to Eigen rather than YNNPACK: on the 2-core CPU such a product
of arch2vec's ``224 x 128`` by ``128 x 128`` takes 64 us on one core against 43 us for the
same product in YNNPACK's form.
"""

from __future__ import annotations

import collections
import glob
import gzip
import json
import os
import re
import tempfile
from collections.abc import Callable

import jax

_INSTRUCTION = re.compile(r'^\s+(?:ROOT )?%?([\w.\-]+) = .*?op_name="([^"]+)"', re.M)
_OPCODE = re.compile(  # name = type opcode(operands), attributes; tuple types hold spaces
    r"^\s+(?:ROOT )?%?([\w.\-]+) = (?:\((?:[^()]|\([^()]*\))*\)|\S+) ([a-z][\w\-]*)\((.*)$", re.M
)
_CONTAINER_OPCODES = ("while", "call", "conditional")
_LIBRARIES = {"ynn": "YNNPACK", "xnn": "XNNPACK", "onednn": "oneDNN"}  # kCustom fusion prefixes
_INSTRUCTION_NAME = re.compile(r"[a-z][\w\-]*(?:\.\d+)?")


def instruction_sources(hlo_text: str) -> dict[str, str]:
    """``{instruction name: op_name}`` from optimized HLO text (``compiled.as_text()``)."""
    return {m.group(1): m.group(2) for m in _INSTRUCTION.finditer(hlo_text)}


def instruction_times(run: Callable[[], object], calls: int = 2) -> dict[str, float]:
    """Seconds per call spent in each executed instruction (by its HLO name: ``dot.637``,
    ``ynn_fusion.1465``, ...), from a profiler trace of ``calls`` calls of ``run`` (which must
    block until the computation has finished). Call ``run`` once before, so compilation is not
    traced. Runtime events that are not instructions (``ThunkExecutor::Execute``, Python frames)
    are left out."""
    with tempfile.TemporaryDirectory() as tmp:
        jax.profiler.start_trace(tmp, create_perfetto_trace=True)
        try:
            for _ in range(calls):
                run()
        finally:
            jax.profiler.stop_trace()
        paths = glob.glob(os.path.join(tmp, "plugins", "profile", "*", "perfetto_trace.json.gz"))
        if not paths:
            raise RuntimeError(f"the profiler wrote no perfetto trace under {tmp}")
        with gzip.open(paths[0]) as f:
            trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    totals: collections.Counter = collections.Counter()
    for e in events:
        name = e.get("name", "")
        if e.get("ph") == "X" and _INSTRUCTION_NAME.fullmatch(name):
            totals[name] += e.get("dur", 0.0)
    return {k: v * 1e-6 / calls for k, v in totals.items()}


def op_times(hlo_text: str, run: Callable[[], object], calls: int = 2) -> dict[str, float]:
    """Seconds per call spent in each source op: :func:`group_by_source` of
    :func:`instruction_times`."""
    return group_by_source(hlo_text, instruction_times(run, calls))


def group_by_source(hlo_text: str, times: dict[str, float]) -> dict[str, float]:
    """Instruction ``times`` summed by source op (``op_name``, :func:`instruction_sources`;
    ``"<name>"`` for instructions without one, e.g. ``<copy>``). Covers the same instructions as
    :func:`kind_times`."""
    sources = instruction_sources(hlo_text)
    counted = _counted_kinds(hlo_text)
    totals: collections.Counter = collections.Counter()
    for name, t in times.items():
        if name in counted:
            totals[sources.get(name, f"<{name.split('.')[0]}>")] += t
    return dict(totals)


def _counted_kinds(hlo_text: str) -> dict[str, str]:
    """:func:`instruction_kinds` without loops and calls: their events span the instructions of
    their bodies, which are counted themselves."""
    return {n: k for n, k in instruction_kinds(hlo_text).items() if k not in _CONTAINER_OPCODES}


def instruction_kinds(hlo_text: str) -> dict[str, str]:
    """``{instruction name: kernel kind}`` from optimized XLA:CPU HLO text, where the kind says
    which code runs the instruction:

    * ``matmul, YNNPACK``: a ``kCustom`` fusion (``ynn_fusion.N``) whose root is a
      ``dot_general``: XLA:CPU hands these to the YNNPACK library (``xnn_fusion`` and
      ``onednn_fusion``, under the XLA flags that enable them, are named after theirs);
    * ``matmul, Eigen``: a plain ``dot`` instruction -- the forms YNNPACK does not take, e.g. a
      product contracting the rows of its left operand (the weight gradient ``x^T g``);
    * ``reduction, YNNPACK``: the other ``kCustom`` fusions;
    * ``element-wise / reduction, XLA loop``: XLA's own generated loops (``kLoop``, ``kInput``);
    * ``copy / transpose``: ``copy`` instructions;
    * anything else by its opcode (``custom-call``, ...; loops and calls are containers, left
      out of the sums: their bodies' instructions are counted).
    """
    sources = instruction_sources(hlo_text)
    kinds = {}
    for m in _OPCODE.finditer(hlo_text):
        name, opcode, rest = m.groups()
        if opcode == "dot":
            kind = "matmul, Eigen"
        elif opcode == "fusion" and "kind=kCustom" in rest:
            library = _LIBRARIES.get(name.split("_fusion")[0], "custom fusion")
            what = "matmul" if sources.get(name, "").endswith("dot_general") else "reduction"
            kind = f"{what}, {library}"
        elif opcode == "fusion":
            kind = "element-wise / reduction, XLA loop"
        elif opcode == "copy":
            kind = "copy / transpose"
        else:
            kind = opcode
        kinds[name] = kind
    return kinds


def kind_times(hlo_text: str, times: dict[str, float]) -> dict[str, float]:
    """:func:`instruction_times` summed by :func:`instruction_kinds`, largest first."""
    kinds = _counted_kinds(hlo_text)
    out: collections.Counter = collections.Counter()
    for name, t in times.items():
        if name in kinds:
            out[kinds[name]] += t
    return dict(out.most_common())


def transformer_group(op_name: str) -> str:
    """A group for an op of a train step of :mod:`jaxnas.models.transformer` encoders: ``fwd`` or
    ``bwd``, then the block part (``attention q/k/v/out projections``, ``attention scores and
    softmax``, ``ffn``, ``layer norm``, ``dropout``, ``residual``), or ``other`` (embeddings,
    heads, loss, optimiser)."""
    if op_name.startswith("<"):
        return "other (compiler copies)"
    side = "bwd" if "transpose(" in op_name else "fwd"
    m = re.search(r"block_\d+/(.*)", op_name)
    if m is None:
        return "other (embeddings, head, loss, optimiser)"
    part = m.group(1)
    if part.startswith("attn/"):
        sub = part.split("/")[1]
        kind = (
            "attention q/k/v/out"
            if sub in ("query", "key", "value", "out")
            else ("attention scores, softmax, weighted sum")
        )
    elif part.startswith("Dropout") or "/Dropout" in part:
        kind = "dropout"
    elif part.startswith("ln_"):
        kind = "layer norm"
    elif part.startswith("ffn"):
        kind = "ffn"
    else:
        kind = "residual and other block ops"
    return f"{side} {kind}"


def group_times(times: dict[str, float], group: Callable[[str], str]) -> dict[str, float]:
    """Sums ``times`` by ``group(op_name)``, largest first."""
    out: collections.Counter = collections.Counter()
    for name, t in times.items():
        out[group(name)] += t
    return dict(out.most_common())


def format_table(grouped: dict[str, float], per: str = "call") -> str:
    """``grouped`` as lines ``ms per <per>, share, group``."""
    total = sum(grouped.values())
    lines = [f"{'ms/' + per:>10s} {'share':>6s}  group (op time summed over threads)"]
    for name, t in grouped.items():
        lines.append(f"{1e3 * t:10.1f} {100 * t / total:5.1f}%  {name}")
    lines.append(f"{1e3 * total:10.1f} 100.0%  total")
    return "\n".join(lines)
