"""Smoke run of experiments/benchmarks/dvae_step.py (tiny width, no reference checkout)."""

import json

import pytest

from tests.conftest import run_binary


@pytest.mark.slow
def test_dvae_step_benchmark_smoke(tmp_path):
    out = tmp_path / "dvae.json"
    r = run_binary(
        "experiments.benchmarks.dvae_step",
        "--hidden=32", "--steps=2", "--rounds=1", "--block=2", "--batch_size=4", "--spaces=nb201",
        f"--output={out}",
        timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())["nb201"]
    names = {"jaxnas", "jaxnas_step_by_step", "jaxnas_pairwise"}
    assert set(res["ms_per_step"]) == names and set(res["cpu_ms_per_step"]) == names
    # The per-vertex heads take fewer FLOPs than the pair-by-pair ones.
    gflop = res["gflop_per_step"]
    assert 0 < gflop["jaxnas_step_by_step"] < gflop["jaxnas_pairwise"]
    assert "D-VAE step, nb201" in r.stderr
