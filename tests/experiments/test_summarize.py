"""Smoke runs of the experiment binaries (as a user runs them, in a subprocess)."""

import json

import pytest


@pytest.mark.slow
def test_summarize_spaces(tmp_path, data_dir, run_binary):
    r = run_binary("experiments.summarize_spaces", f"--workdir={tmp_path}", timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads((tmp_path / "spaces_summary.json").read_text())["nb101"]
    assert summary["num_cells"] == 423_624
    assert summary["distinct_official_hashes"] == 423_624
    assert summary["check_20k"]["params_equal_trainable_parameters"] == 20_001


def test_summarize_spaces_rejects_bad_flag(tmp_path, run_binary):
    r = run_binary("experiments.summarize_spaces", "--no_such_flag=1", timeout=120)
    assert r.returncode != 0
    assert "no_such_flag" in r.stderr


def test_summarize_spaces_help(run_binary):
    r = run_binary("experiments.summarize_spaces", "--help", timeout=120)
    assert r.returncode in (0, 1), r.stderr  # absl exits with 1 after printing --help
    assert "--data_dir" in r.stdout and "--workdir" in r.stdout


def test_summarize_benchmarks(tmp_path, data_dir, run_binary):
    r = run_binary(
        "experiments.summarize_benchmarks",
        f"--workdir={tmp_path}",
        "--only=nb201-cifar10,nbnlp-wt2",
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads((tmp_path / "benchmarks_summary.json").read_text())
    assert s["nb201-cifar10"]["size"] == 15_625
    assert s["nbnlp-wt2"]["size"] == 345
    assert "nb201" in s["nb201-cifar10"]["source"]


def test_summarize_benchmarks_missing_data(tmp_path, run_binary):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_binary(
        "experiments.summarize_benchmarks",
        f"--data_dir={empty}",
        f"--workdir={tmp_path}",
        "--only=nbnlp-wt2",
        "--nodownload",
        timeout=300,
        env={"JAXNAS_CACHE_DIR": str(tmp_path / "cache")},
    )
    s = json.loads((tmp_path / "benchmarks_summary.json").read_text()) if r.returncode == 0 else {}
    assert r.returncode == 0, r.stderr[-3000:]
    assert "skipped" in s["nbnlp-wt2"]
