"""Smoke run of CATE's encoding-comparison binary on a slice of NB101-20k."""

import json

import numpy as np
import pytest

from jaxnas.search import registry
from tests.conftest import run_smoke


@pytest.mark.slow
def test_encoding_comparison_smoke(tmp_path, data_dir):
    cfg = "experiments/configs/encoding_comparison.py:smoke"
    r = run_smoke("experiments.encoding_comparison", cfg, tmp_path)
    assert "| encoding | RS | LS | DNGO-BO |" in r.stdout
    assert "| adjacency one-hot |" in r.stdout
    assert "Note: learned encodings skipped" in r.stdout
    rows = [
        json.loads(s) for s in (tmp_path / "encoding_comparison.jsonl").read_text().splitlines()
    ]
    assert len(rows) == 3 * 2
    assert {r["algorithm"] for r in rows} == {"RS", "LS", "DNGO-BO"}
    # The table reports 100 - the final incumbent's validation accuracy, recomputed here.
    line = next(s for s in r.stdout.splitlines() if s.startswith("| adjacency one-hot |"))
    cells = [c.strip() for c in line.strip("|").split("|")[1:]]
    for alg, cell in zip(["RS", "LS", "DNGO-BO"], cells, strict=True):
        err = [100 * (1 - x["final_valid"]) for x in rows if x["algorithm"] == alg]
        assert cell == f"{np.mean(err):.2f}+-{np.std(err):.2f}"
    for row in rows:
        q = row["queried"]
        assert len(q) == 20 and all(0 <= i < 2000 for i in q)
    assert (tmp_path / "encoding_comparison_regret.png").stat().st_size > 0


def test_every_subroutine_builds_from_the_config():
    from experiments.configs import encoding_comparison as cfg

    c = cfg.get_config("smoke")
    for name in c.labels:
        s = registry.make_searcher(name, c.searchers.get(name, None))
        assert s.batch_size >= 1
    ls = c.searchers.dngo_ls
    assert registry.make_searcher("dngo_ls", ls).batch_size == ls.batch_size + ls.ls_k
    with pytest.raises(KeyError, match="unknown searcher"):
        registry.make_searcher("no_such_searcher", {})
