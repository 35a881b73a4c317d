"""Smoke runs of the search binaries (in a subprocess, as a user runs them)."""

import json

import pytest

from tests.conftest import run_binary, run_smoke


def _run(args, timeout=900):
    return run_binary(*args, timeout=timeout)


@pytest.mark.slow
def test_nb201_search_smoke_and_plot(tmp_path, data_dir):
    cfg = "experiments/configs/search_nb201.py:smoke"
    r = run_smoke("experiments.nb201_search", cfg, tmp_path)
    assert "| cifar10 | RE | 2 |" in r.stdout and "91.08+-0.43" in r.stdout
    rows = [json.loads(s) for s in (tmp_path / "nb201_search.jsonl").read_text().splitlines()]
    assert len(rows) == 4 * 2
    assert {r["algorithm"] for r in rows} == {"RS", "RE", "REINFORCE", "BO (DNGO)"}
    assert all(len(r["trajectory"]["best_valid"]) == 12 for r in rows)
    assert all(r["final_valid"] <= r["optimum_valid"] + 1e-6 for r in rows)
    for ext in ("png", "svg"):
        assert (tmp_path / f"nb201_search_regret.{ext}").stat().st_size > 0
    r = _run(
        [
            "experiments.plot_search",
            f"--results={tmp_path / 'nb201_search.jsonl'}",
            f"--out={tmp_path / 'curves'}",
            "--metric=test",
        ]
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "curves.svg").exists() and (tmp_path / "curves.png").exists()


@pytest.mark.slow
def test_search_vmap_benchmark_smoke(data_dir):
    r = _run(
        [
            "experiments.benchmarks.search_vmap",
            f"--data_dir={data_dir}",
            "--rea_seeds=4",
            "--num_queries=25",
            "--bo_seeds=2",
            "--bo_queries=18",
            "--bo_epochs=2",
        ]
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "REA: 4 seeds x 25 queries" in r.stdout
    assert "first 25 queries identical: True" in r.stdout
    assert "DNGO-BO" in r.stdout and "first 16 queries identical: True" in r.stdout
