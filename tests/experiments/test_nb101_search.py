"""Smoke run of the search-table binary on NB101-20k (config search_nb101.py) with an
embeddings file keyed by hash."""

import json

import numpy as np
import pytest

from jaxnas.data import nb101 as d101
from tests.conftest import run_binary, run_smoke


def _run(args, timeout=900):
    return run_binary("experiments.search_table", *args, timeout=timeout)


@pytest.mark.slow
def test_nb101_search_smoke(tmp_path, data_dir):
    table = d101.load_nb101_vis(data_dir, download=False)
    hashes = np.asarray(table.module_hash)
    rng = np.random.default_rng(0)
    ids = np.concatenate([hashes, np.array([f"{i:032x}" for i in range(7)])])
    perm = rng.permutation(len(ids))
    emb = rng.normal(size=(len(ids), 5)).astype(np.float32)
    np.savez(tmp_path / "emb.npz", ids=ids[perm], embeddings=emb[perm])
    bad = _run(["--config=experiments/configs/search_nb101.py:smoke", "--config.embeddings=('x',)"])
    assert bad.returncode != 0 and "is not of the form 'name=path'" in bad.stderr
    cfg = "experiments/configs/search_nb101.py:smoke"
    emb_flag = f"--config.embeddings=('sup={tmp_path / 'emb.npz'}',)"
    r = run_smoke("experiments.search_table", cfg, tmp_path, emb_flag)
    assert "| REA | 2 |" in r.stdout and "| sup-BO | 2 |" in r.stdout
    rows = [json.loads(s) for s in (tmp_path / "nb101_search.jsonl").read_text().splitlines()]
    assert {r["algorithm"] for r in rows} == {"RS", "REA", "sup-RL", "sup-BO"}
    for row in rows:
        assert row["benchmark"] == "nb101-20k[:2000]"
        q = row["queried"]
        assert len(q) == 24 and all(0 <= i < 2000 for i in q)
        cum = row["trajectory"]["cum_cost"]
        # Budget accounting: each query costs the cell's 108-epoch training time in the file.
        np.testing.assert_allclose(cum, np.cumsum(table.training_time[q]), rtol=1e-5)
        assert row["final_valid"] <= row["optimum_valid"] + 1e-7
    bo = [r for r in rows if r["algorithm"] == "sup-BO"]
    assert all(len(set(r["queried"])) == 24 for r in bo)
    for m in ("valid", "regret"):
        assert (tmp_path / f"nb101_search_{m}.png").stat().st_size > 0
        assert (tmp_path / f"nb101_search_{m}.svg").stat().st_size > 0
