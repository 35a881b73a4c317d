"""The search-table runner (jaxnas.search.experiment) on a benchmark of one's own: no space is
named anywhere, methods come from the registry, tables follow the config."""

import json

import ml_collections
import numpy as np
import pytest

from jaxnas.benchmarks import base as bench_base
from jaxnas.benchmarks import tabular
from jaxnas.search import experiment

N = 40


@bench_base.register("test-toy-table")
def _toy(data_dir=None, download=True):
    del data_dir, download
    rng = np.random.default_rng(0)
    return tabular.make(
        name="test-toy-table",
        space="toy",
        keys=[f"a{i}" for i in range(N)],
        metrics={"valid_acc": rng.uniform(size=N), "train_time": rng.uniform(1, 2, size=N)},
        fidelities=(1,),
        neighbours=np.stack([(np.arange(N) + s) % N for s in (1, 2, 3)], 1),
        cost_model="train_time",
        source="test",
    )


def _config(kind: str, embeddings=()) -> ml_collections.ConfigDict:
    def method(searcher, label, encoding="none", published=""):
        return {"searcher": searcher, "config": "", "label": label, "encoding": encoding,
                "published": published, "model_based": False}  # fmt: skip

    return ml_collections.ConfigDict(
        {
            "name": "toy", "space": "toy", "benchmarks": ("test-toy-table",),
            "methods": ("rs", "rea", "rl"), "embeddings": tuple(embeddings),
            "num_queries": 10, "seeds": 3, "bo_seeds": 1, "seed_chunk": 2, "max_rows": 0,
            "neighbours": "edit", "knn": 3, "knn_encoding": "", "budgets": (3.0, 30.0),
            "method": {
                "rs": method("rs", "RS", published="RS"),
                "rea": method("rea", "REA"),
                "rl": method("arch2vec_rl", "{emb}-RL", "emb:*"),
            },
            "searchers": {"rea": {"population_size": 4, "sample_size": 2},
                          "arch2vec_rl": {"hidden": 4, "episode_length": 2}},
            "plots": {"metrics": ("regret",), "x": "cost" if kind == "budgets" else "queries"},
            "table": {"kind": kind, "title": "toy, {num_queries} queries, {rows} rows",
                      "footer": ("footer",), "first_column": "bench", "strip_prefix": "test-",
                      "published_name": "paper",
                      "published": {"RS": {"toy-table": (1, 2, 3, 4)}} if kind == "final"
                      else {"RS": 50.0}},
        }
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["final", "budgets"])
def test_run_table_on_a_benchmark_of_ones_own(tmp_path, kind):
    ids = np.array([f"a{i}" for i in range(N)])
    np.savez(tmp_path / "e.npz", ids=ids[::-1], embeddings=np.eye(N, 5, dtype=np.float32)[::-1])
    c = _config(kind, [f"eye={tmp_path / 'e.npz'}"])
    if kind == "budgets":  # the searchers compile afresh per table: keep the second one short
        c.methods = ("rs",)
    text = experiment.run_table(c, tmp_path)
    rows = [json.loads(s) for s in (tmp_path / "toy.jsonl").read_text().splitlines()]
    algs = ["RS"] * 3 + (["REA"] * 3 + ["eye-RL"] * 3 if kind == "final" else [])
    assert [r["algorithm"] for r in rows] == algs
    assert {r["encoding"] for r in rows} == ({"none", "eye"} if kind == "final" else {"none"})
    for r in rows:
        assert len(r["queried"]) == 10 and all(0 <= i < N for i in r["queried"])
    assert text.startswith("toy, 10 queries, 40 rows") and "footer" in text
    if kind == "final":
        assert "| toy-table | RS | 3 |" in text and "| RS | 1.00+-2.00 | 3.00+-4.00 |" in text
        rs = [100 * r["final_valid"] for r in rows if r["algorithm"] == "RS"]
        assert f"| {np.mean(rs):.2f}+-{np.std(rs):.2f} |" in text
    else:
        assert "| 3e+00 s | 3e+01 s | runs spending the last budget | paper |" in text
        assert "| RS | 3 |" in text and "| 50.00 |" in text
    assert (tmp_path / "toy_regret.svg").stat().st_size > 0


def test_methods_skip_missing_embeddings_with_a_note():
    c = _config("final")
    todo, notes = experiment.methods(c, {})
    assert [m.label for m in todo] == ["RS", "REA"]
    assert notes == ["<name>-RL skipped: no embeddings given (config.embeddings)"]
    c.method.rl.encoding = "emb:arch2vec"
    c.method.rl.label = "arch2vec-RL"
    _, notes = experiment.methods(c, {})
    assert notes == ["arch2vec-RL skipped: no arch2vec embeddings (set config.embeddings)"]
    c.methods = ("nope",)
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        experiment.methods(c, {})
