"""Outside-search-space generalisation: the split, the metrics and a smoke run."""

import json

import numpy as np
import pytest
from scipy import stats

from tests.conftest import run_smoke


@pytest.mark.slow
def test_outside_space_smoke(tmp_path, data_dir):
    cfg = "experiments/configs/outside_space.py:smoke"
    r = run_smoke("experiments.outside_space", cfg, tmp_path)
    rec = json.loads((tmp_path / "outside_space.json").read_text())
    counts = rec["counts"]
    # Independent recount from the vertex histogram: the 20k file's cells by vertex count.
    by_v = {int(k): v for k, v in counts["by_vertices"].items()}
    assert sum(by_v.values()) == 20001
    assert counts["test"] > 0 and counts["train"] > 0
    assert counts["train"] + counts["removed_from_train_overlap"] <= sum(
        v for k, v in by_v.items() if k < 7
    )
    assert counts["test"] <= by_v[6]
    assert sum(counts["test_by_edges"].values()) == counts["test"]
    assert min(int(e) for e in counts["test_by_edges"]) >= 7
    res = rec["results"]["adjacency_one_hot"]
    assert len(res["per_seed"]) == 2 and res["dim"] == 36
    m = res["per_seed"][0]
    assert m["rmse_pct"] > 0 and -1 <= m["pearson"] <= 1 and -1 <= m["kendall"] <= 1
    assert f"| adjacency_one_hot | 36 | {res['mean']['rmse_pct']:.3f}" in r.stdout
    assert "CATE row skipped" in r.stdout
    # Metrics recomputed from the saved predictions with NumPy / SciPy.
    z = np.load(tmp_path / "outside_space.npz")
    assert len(np.intersect1d(z["train_rows"], z["test_rows"])) == 0
    assert len(z["test_rows"]) == counts["test"] and len(z["train_rows"]) == counts["train"]
    y, pred = z["y_test"], z["pred_adjacency_one_hot"]
    assert pred.shape == (2, counts["test"])
    for p, ms in zip(pred, res["per_seed"], strict=True):
        assert abs(100 * np.sqrt(np.mean((p - y) ** 2)) - ms["rmse_pct"]) < 1e-4
        assert abs(np.corrcoef(p, y)[0, 1] - ms["pearson"]) < 1e-4
        assert abs(stats.kendalltau(p, y)[0] - ms["kendall"]) < 1e-6
