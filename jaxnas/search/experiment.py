"""Search tables: every (benchmark, method) of a config, all seeds of a method at once under
``jax.vmap``; JSONL rows, a Markdown table beside published numbers, and curves.

The library side of ``experiments/search_table.py`` (NB201, NB101-20k, any tabular benchmark
registered in :mod:`jaxnas.benchmarks`). The config (``experiments/configs/search_*.py``)
names everything; nothing here names a space::

    benchmarks   registered benchmark names, e.g. ('nb201-cifar10', 'nb201-cifar100')
    methods      keys of `method`, run in this order
    method.<key> searcher (registered name), config (section of `searchers`; default the
                 searcher's name), label, encoding ('none', a hand-made encoding of
                 jaxnas.encodings, 'file:<[N, D] .npy>', 'emb:<name>' -- an `embeddings`
                 entry -- or 'emb:*': once per entry, label formatted with {emb}),
                 model_based (runs `bo_seeds` seeds instead of `seeds`), published (row name)
    searchers.<section>  keyword arguments of the searcher (jaxnas.search.registry)
    embeddings   ('name=path/embeddings.npz', ...)
    num_queries, seeds, bo_seeds, seed_chunk, max_rows (> 0: first rows only),
    neighbours ('edit' | 'knn'), knn, knn_encoding, budgets (seconds; () for none)
    name         output file stem; plots: metrics, x ('queries' | 'cost')
    table        kind ('final' | 'budgets'), title / footer (format fields: num_queries, rows,
                 optimum), first_column, strip_prefix, published_name, published

Seeds are split over every device (:func:`run_seeds`); in a multi-process run every process
computes the table and process 0 writes it (:func:`jaxnas.io.set_writer`). Outputs under
``workdir``: ``<name>.jsonl`` (one row per run,
:func:`jaxnas.search.results.run_rows`), ``<name>.md`` (the table) and
``<name>_<metric>.{png,svg}``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
import time
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas import benchmarks, io
from jaxnas import mesh as jmesh
from jaxnas.benchmarks import tabular
from jaxnas.pretrain import arch2vec
from jaxnas.search import base, plotting, problem, registry, results


@dataclasses.dataclass(frozen=True)
class Method:
    """One row of a search table: a registered searcher, its arguments and its encoding."""

    key: str
    searcher: str
    args: Mapping
    label: str
    encoding: str
    seeds: int
    published: str = ""
    embedding: str | None = None  # the embeddings entry searched over, if any


def methods(c, emb: Mapping[str, str]) -> tuple[list[Method], list[str]]:
    """The configured methods (``emb:*`` expanded once per embeddings entry) and notes on the
    ones skipped for want of embeddings."""
    out, notes = [], []
    for key in c.methods:
        if key not in c.method:
            raise ValueError(f"unknown method {key!r}; configured: {sorted(c.method)}")
        spec = c.method[key]
        section = spec.get("config", None) or spec.searcher
        args = c.searchers.get(section, None) if "searchers" in c else None
        seeds = c.bo_seeds if spec.get("model_based", False) else c.seeds
        common = dict(key=key, searcher=spec.searcher, args=args or {}, seeds=int(seeds))
        enc = spec.encoding
        if enc == "emb:*":
            if not emb:
                notes.append(f"{spec.label.format(emb='<name>')} skipped: no embeddings "
                             "given (config.embeddings)")  # fmt: skip
            for name in emb:
                label = spec.label.format(emb=name)
                published = spec.get("published", "").format(emb=name)
                out.append(Method(label=label, encoding=f"emb:{name}", published=published,
                                  embedding=name, **common))  # fmt: skip
        elif enc.startswith("emb:"):
            name = enc[len("emb:") :]
            if name not in emb:
                notes.append(f"{spec.label} skipped: no {name} embeddings (set config.embeddings)")
                continue
            out.append(Method(label=spec.label, encoding=enc, published=spec.get("published", ""),
                              embedding=name, **common))  # fmt: skip
        else:
            out.append(Method(label=spec.label, encoding=enc,
                              published=spec.get("published", ""), **common))  # fmt: skip
    return out, notes


def encoding_table(bench: tabular.TabularBenchmark, encoding: str, emb: Mapping[str, str]):
    """``float32 [N, D]``: zeros for ``'none'`` (model-free methods), an ``embeddings.npz``
    aligned by id (``'emb:<name>'``), a ``.npy`` table in row order (``'file:<path>'``) or a
    hand-made encoding of the benchmark's rows."""
    if encoding == "none":
        return np.zeros((bench.size, 1), np.float32)
    if encoding.startswith("emb:"):
        return problem.embedding_table(bench, emb[encoding[len("emb:") :]])
    if encoding.startswith("file:"):
        x = np.load(encoding[len("file:") :]).astype(np.float32)
        if x.ndim != 2 or x.shape[0] != bench.size:
            raise ValueError(f"{encoding}: need a [{bench.size}, D] table, got {x.shape}")
        return x
    return np.asarray(bench.encode(encoding), np.float32)


def candidate_problem(bench: tabular.TabularBenchmark, c) -> problem.Problem:
    """The benchmark's first ``max_rows`` rows (all if ``max_rows <= 0``) as a problem with a
    placeholder encoding; neighbours: the benchmark's one-edit table (``'edit'``) or the
    ``knn`` nearest rows in the ``knn_encoding`` geometry (``'knn'``; random tie-break with
    ``key(0)``)."""
    n = bench.size if c.max_rows <= 0 else min(c.max_rows, bench.size)
    prob = problem.subset(problem.from_benchmark(bench, np.zeros((bench.size, 1))), n)
    if c.neighbours == "knn":
        x = bench.encode(c.knn_encoding)[:n]
        nn = problem.nearest_neighbours(x, c.knn, jax.random.key(0))
        prob = prob._replace(neighbours=jnp.asarray(nn))
    elif c.neighbours != "edit":
        raise ValueError(f"config.neighbours must be 'knn' or 'edit', got {c.neighbours!r}")
    return prob


def optimum(bench: tabular.TabularBenchmark, rows: int, metric: str = "valid_acc") -> float:
    """Best repeat-mean of ``metric`` at the highest fidelity over the first ``rows`` rows."""
    m = bench.metrics[metric][:rows, -1]
    ok = np.isfinite(m).any(axis=-1)
    v = np.full(len(m), np.nan)
    v[ok] = np.nanmean(m[ok], axis=-1)
    return float(v[np.nanargmax(v)])


def run_seeds(
    searcher, prob, seeds, num_queries: int, chunk: int, mesh: jax.sharding.Mesh | None = None
) -> base.Trajectory:
    """:func:`base.run_seeds` over ``seeds`` in chunks of ``chunk`` (host arrays ``[R, Q]``).

    Each chunk's seeds are split over ``mesh`` (default: every device of every process); the
    chunk is rounded up to a multiple of the device count. Every process gets every row.
    """
    mesh = jmesh.make_mesh() if mesh is None else mesh
    k = jmesh.num_shards(mesh)
    chunk = -(-max(int(chunk), 1) // k) * k
    parts = [
        jmesh.to_host(
            base.run_seeds(
                searcher, prob, base.seed_keys(seeds[i : i + chunk]), num_queries, mesh=mesh
            )
        )
        for i in range(0, len(seeds), chunk)
    ]
    return jax.tree.map(lambda *a: np.concatenate(a), *parts)


@dataclasses.dataclass
class Cell:
    """The result of one (benchmark, method): for the table."""

    bench: str
    method: Method
    traj: base.Trajectory
    seconds: float


def run_table(c, workdir, data_dir=None, download: bool = True) -> str:
    """Runs every (benchmark, method) of config ``c``; writes ``<name>.jsonl``, ``<name>.md``
    and the curves under ``workdir``; returns the table text."""
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    emb = problem.parse_embeddings(c.embeddings)
    todo, notes = methods(c, emb)
    for n in notes:
        logging.warning(n)
    all_rows, cells, searchers, info = [], [], {}, {}
    for name in c.benchmarks:
        bench = benchmarks.load(name, data_dir, download=download)
        base_prob = candidate_problem(bench, c)
        n = base_prob.size
        best = optimum(bench, n)
        info[name] = {"rows": n, "optimum": best, "size": bench.size}
        bench_name = bench.name + (f"[:{n}]" if n < bench.size else "")
        tables = {}
        for m in todo:
            if m.encoding not in tables:
                tables[m.encoding] = encoding_table(bench, m.encoding, emb)[:n]
            prob = base_prob._replace(x=jnp.asarray(tables[m.encoding]))
            # One Searcher per method: jit caches on it, so later benchmarks reuse the compile.
            if m.label not in searchers:
                searchers[m.label] = registry.make_searcher(m.searcher, m.args)
            seeds = list(range(m.seeds))
            t0 = time.time()
            traj = run_seeds(searchers[m.label], prob, seeds, c.num_queries, c.seed_chunk)
            seconds = time.time() - t0
            all_rows += results.run_rows(
                traj,
                algorithm=m.label,
                encoding=m.embedding or m.encoding,
                benchmark=bench_name,
                seeds=seeds,
                config=c.to_dict() | {"method": m.key},
                source=bench.source + (f"; embeddings {emb[m.embedding]}" if m.embedding else ""),
                optimum=best,
            )
            cells.append(Cell(name, m, traj, seconds))
            logging.info("%s %s: %d seeds in %.1f s", name, m.label, len(seeds), seconds)
    results.write_jsonl(workdir / f"{c.name}.jsonl", all_rows, append=False)
    text = FORMATS[c.table.kind](c, cells, info, emb, notes)
    io.write_text(workdir / f"{c.name}.md", text + "\n")
    if all_rows:
        plot(c, all_rows, workdir)
    return text


def plot(c, rows, workdir: pathlib.Path) -> None:
    """``<name>_<metric>.{png,svg}`` for each of ``c.plots.metrics``; on the cost axis the grid
    runs from the cheapest query to the last budget."""
    grid = None
    if c.plots.x == "cost" and len(c.budgets):
        lo = min(min(r["trajectory"]["cum_cost"][0] for r in rows), float(c.budgets[-1]))
        grid = np.geomspace(max(1.0, lo), float(c.budgets[-1]), 100)
    for metric in c.plots.metrics:
        plotting.plot(rows, workdir / f"{c.name}_{metric}", metric=metric, x=c.plots.x, grid=grid)


# ----------------------------------------------------------------------------------------------
# Tables.


def _ms(a) -> str:
    a = a[np.isfinite(a)]
    return f"{a.mean():.2f}+-{a.std():.2f}" if len(a) else "n/a"


def _fields(c, info) -> dict:
    first = info[c.benchmarks[0]] if c.benchmarks else {"rows": 0, "optimum": np.nan}
    return {
        "num_queries": c.num_queries,
        "rows": first["rows"],
        "optimum": 100 * first["optimum"],
    }


def _tail(c, info, emb, notes) -> list[str]:
    lines = [""] + [t.format(**_fields(c, info)) for t in c.table.footer]
    lines += [f"{name} embeddings: {path}" for name, path in emb.items()]
    return lines + [f"Note: {n}" for n in notes]


def format_final(c, cells, info, emb, notes) -> str:
    """Final incumbent's validation and test value (%) per (benchmark, method), beside the
    published ``(valid, std, test, std)`` of the method's published row."""
    t = c.table
    pub_name = t.published_name
    lines = [
        t.title.format(**_fields(c, info)),
        "",
        f"| {t.first_column} | method | runs | ours valid | ours test | {pub_name} row | "
        f"{pub_name} valid | {pub_name} test | time (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cell in cells:
        label = cell.bench.removeprefix(t.strip_prefix)
        v = 100 * np.asarray(cell.traj.best_y[:, -1])
        tt = 100 * np.asarray(cell.traj.best_test[:, -1])
        row = cell.method.published or "-"
        ref = t.published.get(row, {}).get(label) if row != "-" else None
        sv = f"{ref[0]:.2f}+-{ref[1]:.2f}" if ref else "-"
        st = f"{ref[2]:.2f}+-{ref[3]:.2f}" if ref else "-"
        lines.append(
            f"| {label} | {cell.method.label} | {len(v)} | {_ms(v)} | {_ms(tt)} | {row} | {sv} | "
            f"{st} | {cell.seconds:.1f} |"
        )
    return "\n".join(lines + _tail(c, info, emb, notes))


def format_budgets(c, cells, info, emb, notes) -> str:
    """Incumbent validation value (%) at each budget of ``c.budgets`` (seconds) per method,
    how many runs spent the last budget, and the published value of the method's row."""
    t = c.table
    budgets = np.asarray(c.budgets, float)
    several = len(c.benchmarks) > 1
    lines = [
        t.title.format(**_fields(c, info)),
        "",
        "| method | runs | "
        + " | ".join(f"{b:.0e} s" for b in budgets)
        + f" | runs spending the last budget | {t.published_name} | time (s) |",
        "|---|---|" + "---|" * len(budgets) + "---|---|---|",
    ]
    for cell in cells:
        at = base.at_budgets(cell.traj, budgets)
        vals = 100 * at["best_y"]
        spent = np.asarray(cell.traj.cum_cost)[:, -1]
        runs = len(spent)
        cols = " | ".join(_ms(vals[:, j]) for j in range(len(budgets)))
        pub = t.published.get(cell.method.published) if cell.method.published else None
        label = cell.method.label
        if several:
            label = f"{cell.bench.removeprefix(t.strip_prefix)}: {label}"
        lines.append(
            f"| {label} | {runs} | {cols} | {int((spent >= budgets[-1]).sum())}/{runs} | "
            f"{'-' if pub is None else f'{pub:.2f}'} | {cell.seconds:.1f} |"
        )
    return "\n".join(lines + _tail(c, info, emb, notes))


FORMATS = {"final": format_final, "budgets": format_budgets}


# ----------------------------------------------------------------------------------------------
# Pretraining the embeddings a table searches over.


def pretrained_embeddings(pretrain_config, workdir: pathlib.Path) -> pathlib.Path:
    """``embeddings.npz`` of a complete arch2vec pretraining under ``workdir`` (run if needed,
    reused when ``results.json`` says it completed)."""
    path, res = workdir / "embeddings.npz", workdir / "results.json"
    if path.is_file() and res.is_file() and json.loads(res.read_text()).get("completed"):
        logging.info("reusing arch2vec embeddings %s", path)
        return path
    t0 = time.time()
    out = arch2vec.train_and_evaluate(pretrain_config, workdir)
    print(
        f"arch2vec pretrained on {pretrain_config.space.upper()} in {time.time() - t0:.0f} s: "
        f"held-out accuracy {100 * out['held_out']['accuracy']:.2f}%, validity "
        f"{100 * out['generation']['validity']:.2f}%; embeddings {path}"
    )
    return path


__all__ = [
    "Cell",
    "FORMATS",
    "Method",
    "candidate_problem",
    "encoding_table",
    "format_budgets",
    "format_final",
    "methods",
    "optimum",
    "plot",
    "pretrained_embeddings",
    "run_seeds",
    "run_table",
]
