"""Smoke run of experiments/lce_search.py on the real NB-NLP curves; outputs parsed."""

import json
import shutil

import numpy as np
import pytest

from jaxnas.search import results
from tests.conftest import run_binary


@pytest.fixture(scope="module")
def smoke(tmp_path_factory, data_dir):
    if not (data_dir / "nbnlp" / "train_logs_wikitext-2_logs.zip").is_file():
        pytest.skip("NB-NLP WikiText-2 logs not found")
    work = tmp_path_factory.mktemp("lce_search")
    out = run_binary(
        "experiments.lce_search", "--config=experiments/configs/lce_search.py:smoke",
        f"--data_dir={data_dir}", f"--workdir={work}", "--download=false",
        env={"JAXNAS_DATA_DIR": str(data_dir)}, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return work, out.stdout


@pytest.mark.slow
def test_outputs_written_and_consistent(smoke):
    work, stdout = smoke
    for f in ("lce_search.jsonl", "lce_search.json", "lce_search.md", "lce_search_regret.png",
              "lce_search_regret.svg", "candidates/nbnlp_wt2.npz"):  # fmt: skip
        assert (work / f).is_file(), f
    rows = results.read_jsonl(work / "lce_search.jsonl")
    algs = {r["algorithm"] for r in rows}
    assert algs == {"REA", "REA-WPM", "REA-SVR", "Hyperband", "BOHB"}
    assert len(rows) == 5 * 2
    for r in rows:
        assert r["benchmark"] == "nbnlp_wt2" and "real NB-NLP" in r["source"]
        t = r["trajectory"]
        cum = np.array(t["cum_cost"])
        assert np.all(np.diff(cum) >= 0) and cum[-1] >= r["budget"]
        # Regret at the budget recomputed from the trajectory (losses: sign -1).
        ok = np.flatnonzero(cum <= r["budget"])
        final = t["best_valid"][ok[-1]]
        assert r["final_valid"] == pytest.approx(final)
        assert r["final_regret"] == pytest.approx(final - r["optimum_valid"])
        assert r["final_regret"] >= 0
        assert r["num_full"] + r["num_partial"] == r["num_queries"]
        if r["algorithm"] == "REA":
            assert r["num_partial"] == 0
    summary = json.loads((work / "lce_search.json").read_text())
    rea = [r["final_regret"] for r in rows if r["algorithm"] == "REA-SVR"]
    s = next(s for s in summary if s["algorithm"] == "REA-SVR")
    assert s["regret_mean"] == pytest.approx(np.mean(rea)) and s["unit"] == "loss"
    md = (work / "lce_search.md").read_text()
    assert "| nbnlp_wt2 | REA-WPM | 2 |" in md and "p=" in md  # runs; Mann-Whitney vs REA
    assert "not the benchmarks here" in md and md.strip() in stdout


@pytest.mark.slow
def test_resume_keeps_finished_methods(smoke, data_dir, tmp_path):
    """A rerun in an interrupted run's workdir (here: only REA's rows written) keeps the
    finished method's rows as they are and runs the others; ``table_only`` runs nothing."""
    work = tmp_path / "resumed"
    shutil.copytree(smoke[0], work)
    full = results.read_jsonl(work / "lce_search.jsonl")
    rea = [r for r in full if r["algorithm"] == "REA"]
    for r in rea:
        r["wall_seconds"] = 123.0  # marks the kept rows
    results.write_jsonl(work / "lce_search.jsonl", rea, append=False)
    args = ("--config=experiments/configs/lce_search.py:smoke", f"--data_dir={data_dir}",
            f"--workdir={work}", "--download=false")  # fmt: skip
    out = run_binary("experiments.lce_search", *args, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "REA: 2 runs finished earlier, skipped" in out.stderr
    rows = results.read_jsonl(work / "lce_search.jsonl")
    assert [r for r in rows if r["algorithm"] == "REA"] == rea
    assert sorted((r["algorithm"], r["seed"]) for r in rows) == sorted(
        (r["algorithm"], r["seed"]) for r in full)  # fmt: skip
    results.write_jsonl(work / "lce_search.jsonl", rows[::-1], append=False)  # any order
    again = run_binary("experiments.lce_search", *args, "--config.table_only", timeout=120)
    assert again.returncode == 0 and "finished earlier" not in again.stderr
    assert again.stdout.strip() == (work / "lce_search.md").read_text().strip()
    algs = [ln.split(" | ")[1] for ln in again.stdout.splitlines() if ln.startswith("| nbnlp")]
    assert algs == ["REA", "REA-WPM", "REA-SVR", "Hyperband", "BOHB"]  # the config's order
    assert "| nbnlp_wt2 | REA | 2 |" in again.stdout


def test_help_explains_flags():
    out = run_binary("experiments.lce_search", "--helpfull", timeout=120)
    flags = ("--workdir", "--data_dir", "--[no]download", "--config")
    for flag in flags:
        assert flag in out.stdout
