"""experiments/report.py on a small results directory: the HTML parses, every expected table and
image is there, images are inlined byte for byte, nothing points outside the page."""

import base64
import json
from html.parser import HTMLParser

import pytest


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.images, self.links = [], [], []
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = {"class": a.get("class", ""), "rows": []}
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "img":
            self.images.append(a)
        for k in ("src", "href"):
            if k in a:
                self.links.append(a[k])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            self.tables.append(self._table)
            self._table = None


@pytest.fixture(scope="module")
def page(tmp_path_factory, run_binary):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    root = tmp_path_factory.mktemp("results")
    pre = root / "arch2vec_nb201"
    (pre / "checkpoints" / "5").mkdir(parents=True)
    (pre / "checkpoints" / "5" / "junk.json").write_text('{"secret": 1}')
    (pre / "results.json").write_text(json.dumps({
        "method": "arch2vec", "space": "nb201", "step": 5, "num_steps": 5, "completed": True,
        "held_out": {"accuracy": 0.99, "exact_match": 0.9},
        "generation": {"validity": 0.8, "uniqueness": 0.7}, "loss_curve": [1, 2],
    }))  # fmt: skip
    (pre / "metrics.jsonl").write_text(
        "".join(
            json.dumps({"step": s, "loss": 1.0 / s, "grad_norm": 2.0}) + "\n" for s in (1, 2, 3)
        )
    )
    search = root / "search"
    search.mkdir()
    (search / "table.md").write_text(
        "# Search\n\nSome *text* <b>escaped</b>.\n\n| method | valid |\n|---|---|\n| RS | 91.0 |\n"
        "| RE | 91.3 |\n\nMore text.\n"
    )
    rows = [
        {"algorithm": a, "encoding": "none", "benchmark": "nb201-cifar10", "seed": s,
         "final_valid": v, "final_test": v + 0.02, "trajectory": {"best_valid": [v]}}
        for a, vals in (("RS", (0.90, 0.92)), ("RE", (0.91, 0.93))) for s, v in enumerate(vals)
    ]  # fmt: skip
    (search / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (search / "other.jsonl").write_text('{"a": 1, "b": "x"}\n{"a": 2, "c": 0.5}\n')
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    fig.savefig(search / "curve.png")
    fig.savefig(search / "curve.svg")
    fig.savefig(search / "only.svg")
    plt.close(fig)

    out = root / "report.html"
    r = run_binary("experiments.report", f"--results={root}", f"--output={out}", timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    p = _Page()
    p.feed(out.read_text())
    return root, p, out.read_text()


def test_tables(page):
    _, p, text = page
    by_class = {}
    for t in p.tables:
        by_class.setdefault(t["class"], []).append(t["rows"])
    summary = by_class["summary"][0]
    assert summary[0][:3] == ["run", "method", "space"]
    assert summary[1][0] == "arch2vec_nb201" and "0.99" in summary[1]
    assert ["held_out.accuracy", "0.99"] in by_class["results"][0]
    assert ["generation.uniqueness", "0.7"] in by_class["results"][0]
    assert by_class["md"] == [[["method", "valid"], ["RS", "91.0"], ["RE", "91.3"]]]
    other, search = by_class["jsonl"]  # files in name order: other.jsonl, runs.jsonl
    assert search[0] == ["benchmark", "algorithm", "encoding", "runs", "final valid", "final test"]
    assert ["nb201-cifar10", "RS", "none", "2", "0.9100 ± 0.0100", "0.9300 ± 0.0100"] in search
    assert other[0] == ["a", "b", "c"] and other[2] == ["2", "", "0.5"]
    assert "&lt;b&gt;escaped&lt;/b&gt;" in text and "secret" not in text
    assert len(p.tables) == 5


def test_images_inlined(page):
    root, p, _ = page
    srcs = [i["src"] for i in p.images]
    assert len(srcs) == 3  # curve.png, only.svg (no PNG twin), the loss curve
    png = base64.b64encode((root / "search" / "curve.png").read_bytes()).decode()
    svg = base64.b64encode((root / "search" / "only.svg").read_bytes()).decode()
    assert f"data:image/png;base64,{png}" in srcs
    assert f"data:image/svg+xml;base64,{svg}" in srcs
    assert sum(s.startswith("data:image/png;base64,") for s in srcs) == 2
    assert all(s.startswith("data:") for s in p.links)  # self-contained


def test_missing_directory_is_an_error(tmp_path, run_binary):
    r = run_binary("experiments.report", f"--results={tmp_path / 'nope'}", timeout=120)
    assert r.returncode != 0 and "not found" in r.stderr
