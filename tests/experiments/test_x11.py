"""Smoke runs of the x11 experiment binaries (as a user runs them, in a subprocess)."""

import json

import pytest


@pytest.mark.slow
def test_x11_table_smoke(tmp_path, data_dir, run_binary):
    r = run_binary(
        "experiments.x11_table",
        "--config=experiments/configs/x11.py:smoke",
        f"--workdir={tmp_path}",
        "--nodownload",
        timeout=600,  # ~45 s of CPU; minutes of wall time on a loaded 2-core machine
    )
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [json.loads(x) for x in (tmp_path / "x11_results.jsonl").read_text().splitlines()]
    combos = {x["combination"] for x in rows}
    # The seed's Table 3: {SVD, VAE} x {LGB, XGB, MLP} x {GKDE, STD, window}.
    assert combos == {
        f"{c}-{m}-{n}"
        for c in ("SVD", "VAE")
        for m in ("LGB", "XGB", "MLP")
        for n in ("GKDE", "STD", "window")
    }
    assert {x["dataset"] for x in rows} == {
        "nlp-wt2+3ep",
        "taskset-imdb_patch32_VRNN64_relu_avg_bs128",
    }
    for x in rows:
        assert -1e3 < x["avg_r2"] <= 1 and -1 <= x["final_kt"] <= 1
        assert 0 <= x["spike_anomaly_rate"] <= 1
        assert x["avg_kl"] is None  # single-seed datasets
    md = (tmp_path / "x11_table.md").read_text()
    assert "different datasets" in md and "XGBoost" in md and "SVD-LGB-GKDE" in md
    assert len(list((tmp_path / "curves").glob("*.npz"))) == 36
    # The plot command reads the saved curves.
    r = run_binary(
        "experiments.x11_plot", f"--workdir={tmp_path}", "--only=SVD-LGB-GKDE,VAE-XGB-STD",
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    pngs = sorted(p.name for p in (tmp_path / "plots").glob("*.png"))
    assert len(pngs) == 4 and all(p.endswith("__s0.png") for p in pngs)
    assert all((tmp_path / "plots" / p).stat().st_size > 10_000 for p in pngs)


def test_x11_table_rejects_unknown_variant(tmp_path, run_binary):
    r = run_binary(
        "experiments.x11_table",
        "--config=experiments/configs/x11.py:nope",
        f"--workdir={tmp_path}",
        timeout=120,
    )
    assert r.returncode != 0
    assert "nope" in r.stderr


@pytest.mark.slow
def test_x11_query_benchmark_smoke(tmp_path, data_dir, run_binary):
    """jaxnas only (the x11 reference checkout is never needed by tests)."""
    r = run_binary(
        "experiments.benchmarks.x11_query",
        f"--workdir={tmp_path}",
        "--lgb_preset=fast",
        "--rounds=2",
        "--num_queries=20",
        "--batch=50",
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads((tmp_path / "x11_query.json").read_text())
    assert out["tabulated_equals_one_off"] is True
    assert set(out["ms_per_query"]) == {
        f"jaxnas {p}, {m}" for p in ("one-off", "tabulated") for m in ("one at a time", "batched")
    }
    for v in out["ms_per_query"].values():
        assert v["cpu"] > 0 and len(v["rounds_wall_cpu"]) == 2
    assert len(out["loadavg_start_end"]) == 2
