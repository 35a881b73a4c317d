"""One self-contained HTML page from a results directory (openable offline).

:func:`build` globs a results directory recursively (``checkpoints/`` folders are skipped) and
renders, one section per folder:

* ``results.json`` of pretraining runs (arch2vec / GAE / VGAE, CATE, supervised): a table of
  their headline numbers (method, space, steps, held-out metrics, generation metrics) and one
  summary table of all runs at the top;
* every ``*.md`` (search tables, x11 / LCE tables, the embedding study, ...): headings and text as
  HTML, pipe tables as HTML tables;
* ``metrics.jsonl`` loss curves: a small plot of every numeric loss column against the step
  (needs matplotlib);
* other ``*.jsonl``: search rows (``algorithm``/``benchmark``/``final_valid``) as a mean ± std
  table per (benchmark, algorithm, encoding); any other rows as a table of their scalar fields
  (first ``max_rows``);
* every ``*.png`` (and ``*.svg`` without a PNG twin) inlined as base64 ``data:`` URIs.

The page has no external references (inline CSS, inline images). :func:`write` writes it
atomically. The binary is ``python -m experiments.report``.
"""

from __future__ import annotations

import base64
import collections
import datetime
import html
import json
import pathlib
import re
from io import BytesIO

import numpy as np
from absl import logging

from jaxnas import io as jio

CSS = """
body{font-family:sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.85em}
th,td{border:1px solid #bbb;padding:3px 7px;text-align:left}
th{background:#eee} h2{border-bottom:2px solid #444;margin-top:2em}
img{max-width:100%;border:1px solid #ddd;margin:0.5em 0} .path{color:#777;font-size:0.8em}
"""


def _esc(x) -> str:
    return html.escape(str(x))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def html_table(header: list, rows: list[list], cls: str = "") -> str:
    """An HTML table (cells escaped)."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(_fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    c = f' class="{cls}"' if cls else ""
    return f"<table{c}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _split_row(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def markdown_to_html(text: str) -> str:
    """Headings, paragraphs, fenced code and pipe tables of a markdown file as HTML."""
    out, para = [], []
    lines = text.splitlines()

    def flush():
        if para:
            out.append("<p>" + _esc(" ".join(para)) + "</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            out.append("<pre>" + _esc("\n".join(lines[i + 1 : j])) + "</pre>")
            i = j + 1
            continue
        if line.lstrip().startswith("|") and i + 1 < len(lines) and _SEP.match(lines[i + 1]):
            flush()
            header = _split_row(line)
            rows, j = [], i + 2
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                rows.append(_split_row(lines[j]))
                j += 1
            out.append(html_table(header, rows, "md"))
            i = j
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", line)
        if m:
            flush()
            level = min(len(m.group(1)) + 2, 6)  # page uses h1/h2
            out.append(f"<h{level}>{_esc(m.group(2))}</h{level}>")
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


def image_html(path: pathlib.Path, root: pathlib.Path, max_bytes: float) -> str:
    size = path.stat().st_size
    rel = path.relative_to(root)
    if size > max_bytes:
        return f'<p class="path">{_esc(rel)}: {size / 1e6:.1f} MB, not inlined</p>'
    mime = "image/png" if path.suffix == ".png" else "image/svg+xml"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:{mime};base64,{data}" alt="{_esc(rel)}">'
        f'<figcaption class="path">{_esc(rel)}</figcaption></figure>'
    )


def _read_jsonl(path: pathlib.Path) -> list[dict]:
    rows = []
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                logging.warning("%s: skipping a malformed line", path)
    return rows


def _scalars(d: dict, prefix: str = "", depth: int = 1) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, (int, float, str, bool)) or v is None:
            out[prefix + k] = v
        elif isinstance(v, dict) and depth > 0:
            out.update(_scalars(v, f"{prefix}{k}.", depth - 1))
    return out


PRETRAIN_KEYS = ("method", "space", "benchmark", "completed", "step", "num_steps")
PRETRAIN_GROUPS = ("held_out", "generation")


def pretrain_summary(res: dict) -> dict:
    """Headline scalars of a pretraining ``results.json``."""
    out = {k: res[k] for k in PRETRAIN_KEYS if k in res}
    for g in PRETRAIN_GROUPS:
        if isinstance(res.get(g), dict):
            out.update(_scalars(res[g], f"{g}.", 0))
    return out


def loss_curve_html(path: pathlib.Path) -> str:
    rows = [r for r in _read_jsonl(path) if "step" in r]
    keys = [
        k for k in rows[0] if "loss" in k and isinstance(rows[0][k], (int, float))
    ] if rows else []  # fmt: skip
    if not keys:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    steps = [r["step"] for r in rows]
    for k in keys:
        ax.plot(steps, [r.get(k, np.nan) for r in rows], label=k)
    ax.set_xlabel("step")
    ax.set_yscale("symlog")
    ax.legend(fontsize=7)
    ax.set_title(str(path.parent.name), fontsize=9)
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="loss curve {_esc(path)}"></figure>'
    )


def jsonl_html(path: pathlib.Path, max_rows: int) -> str:
    rows = _read_jsonl(path)
    if not rows:
        return ""
    if all({"algorithm", "benchmark", "final_valid"} <= set(r) for r in rows):
        groups = collections.defaultdict(list)
        for r in rows:
            groups[(r["benchmark"], r["algorithm"], r.get("encoding", ""))].append(r)
        table = []
        for (b, a, e), rs in sorted(groups.items()):
            v = np.array([np.nan if r["final_valid"] is None else r["final_valid"] for r in rs])
            t = np.array([np.nan if r.get("final_test") is None else r["final_test"] for r in rs])
            table.append([b, a, e, len(rs), _ms(v), _ms(t)])
        header = ["benchmark", "algorithm", "encoding", "runs", "final valid", "final test"]
        return html_table(header, table, "jsonl")
    flat = [_scalars(r, "", 0) for r in rows[:max_rows]]
    cols = list(dict.fromkeys(k for f in flat for k in f))
    note = f'<p class="path">{len(rows)} rows; first {len(flat)} shown</p>'
    return note + html_table(cols, [[f.get(c, "") for c in cols] for f in flat], "jsonl")


def _ms(a: np.ndarray) -> str:
    a = a[np.isfinite(a)]
    return f"{a.mean():.4f} ± {a.std():.4f}" if len(a) else "n/a"


def discover(root: pathlib.Path) -> dict[pathlib.Path, list[pathlib.Path]]:
    """Renderable files per folder (relative to ``root``), skipping ``checkpoints`` trees."""
    groups = collections.defaultdict(list)
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if "checkpoints" in rel.parts or not p.is_file() or p.name == "report.html":
            continue
        if p.suffix in (".json", ".md", ".jsonl", ".png", ".svg"):
            groups[rel.parent].append(p)
    return dict(sorted(groups.items(), key=lambda kv: str(kv[0])))


def build(root: pathlib.Path, title: str, max_rows: int = 50, max_image_mb: float = 5.0) -> str:
    """The HTML page of a results directory."""
    root = pathlib.Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"results directory {root} not found")
    groups = discover(root)
    sections, summary = [], []
    for folder, files in groups.items():
        parts = []
        names = {p.name for p in files}
        for p in files:
            if p.name == "results.json":
                try:
                    res = json.loads(p.read_text())
                except json.JSONDecodeError:
                    continue
                s = pretrain_summary(res) if isinstance(res, dict) else {}
                if s:
                    summary.append((str(folder), s))
                    parts.append(html_table(["field", "value"], list(s.items()), "results"))
            elif p.suffix == ".md":
                parts.append(markdown_to_html(p.read_text()))
            elif p.name == "metrics.jsonl":
                parts.append(loss_curve_html(p))
            elif p.suffix == ".jsonl":
                parts.append(jsonl_html(p, max_rows))
            elif p.suffix == ".png" or (p.suffix == ".svg" and f"{p.stem}.png" not in names):
                parts.append(image_html(p, root, max_image_mb * 1e6))
        parts = [x for x in parts if x]
        if parts:
            sections.append(f"<h2>{_esc(folder if str(folder) != '.' else root.name)}</h2>\n"
                            + "\n".join(parts))  # fmt: skip
    top = ""
    if summary:
        cols = list(dict.fromkeys(k for _, s in summary for k in s))
        top = "<h2>Pretraining runs</h2>" + html_table(
            ["run", *cols], [[run, *[s.get(c, "") for c in cols]] for run, s in summary], "summary"
        )
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{_esc(title)}</title>"
        f"<style>{CSS}</style></head><body>\n<h1>{_esc(title)}</h1>\n"
        f'<p class="path">Generated {stamp} from {_esc(root.resolve())}.</p>\n'
        f"{top}\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def write(
    root, out=None, title: str = "jaxnas results", max_rows: int = 50, max_image_mb: float = 5.0
) -> pathlib.Path:
    """Builds the page of ``root`` and writes it atomically to ``out`` (default
    ``<root>/report.html``); returns the path written."""
    root = pathlib.Path(root)
    out = pathlib.Path(out) if out else root / "report.html"
    page = build(root, title, max_rows, max_image_mb)
    jio.write_text(out, page)
    logging.info("wrote %s (%.1f MB)", out, len(page) / 1e6)
    return out
