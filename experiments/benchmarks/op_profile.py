"""Where a compiled step's time goes: each XLA operation timed by the JAX profiler, attributed
to the JAX operation (and Flax module) it was compiled from, summed by group.

    compiled = jax.jit(step).lower(*args).compile()
    times = op_times(compiled.as_text(), lambda: jax.block_until_ready(compiled(*args)))
    print(format_table(group_times(times, transformer_group), per="step"))

The optimized HLO (``compiled.as_text()``) names every instruction (``ynn_fusion.1465``,
``dot.637``, ...) and records in its metadata the ``op_name`` of the traced JAX operation
(``jit(train_step)/transpose(jvp(CATE))/cross_encoder/block_19/attn/...qhd,...khd->...hqk/
dot_general``: backward pass, cross encoder, block 19, attention scores); a fusion carries the
``op_name`` of the operation at its root, so the whole fusion is counted there. The profiler's trace
(``jax.profiler.trace(..., create_perfetto_trace=True)``) has one event per executed
instruction on XLA:CPU's thunk runtime, with its duration. Times are summed over threads, so
with intra-op parallelism their total exceeds the wall time of a call; the shares are what
matters. Instructions without ``op_name`` metadata (copies the compiler inserts) are grouped by
their kind.
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


def instruction_sources(hlo_text: str) -> dict[str, str]:
    """``{instruction name: op_name}`` from optimized HLO text (``compiled.as_text()``)."""
    return {m.group(1): m.group(2) for m in _INSTRUCTION.finditer(hlo_text)}


def op_times(hlo_text: str, run: Callable[[], object], calls: int = 2) -> dict[str, float]:
    """Seconds per call spent in each source op (``op_name``; ``"<kind>"`` for instructions
    without one), from a profiler trace of ``calls`` calls of ``run`` (which must block until
    the computation has finished). Call ``run`` once before, so compilation is not traced."""
    sources = instruction_sources(hlo_text)
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
        if e.get("ph") != "X":
            continue
        if name in sources:
            totals[sources[name]] += e.get("dur", 0.0)
        elif re.fullmatch(r"[a-z][a-z_\-]*\.\d+|copy|while", name):
            totals[f"<{name.split('.')[0]}>"] += e.get("dur", 0.0)
    return {k: v * 1e-6 / calls for k, v in totals.items()}


def transformer_group(op_name: str) -> str:
    """A group for an op of a train step of :mod:`jaxnas.models.transformer` encoders: ``fwd`` or
    ``bwd``, then the block part (``attention q/k/v/out projections``, ``attention scores and
    softmax``, ``ffn``, ``layer norm``, ``dropout``, ``residual``), or ``other`` (embeddings,
    heads, loss, optimiser)."""
    if op_name.startswith("<"):
        return "other (compiler copies, loops)"
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
