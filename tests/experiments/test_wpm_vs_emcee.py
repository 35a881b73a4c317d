"""The WPM-vs-emcee benchmark's cache of reference curves, with a stand-in reference (a script
that writes a result file as the emcee driver does; the real reference never runs here)."""

import json
import stat
import sys

import pytest

from experiments.benchmarks import wpm_vs_emcee
from tests.conftest import run_binary

_FAKE = """#!{python}
import json, sys
job = json.load(open(sys.argv[3]))  # argv: driver, checkout, job, out
y = job["curve"][-1]
json.dump({{"fit_seconds": 0.0, "ok": True, "samples": [y + 0.01 * (i - 20) for i in range(41)]}},
          open(sys.argv[4], "w"))
"""


def _fake_reference(tmp_path):
    ref = tmp_path / "checkout"
    (ref / "pylrpredictor").mkdir(parents=True)
    (ref / "pylrpredictor" / "curvemodels.py").write_text("")
    py = tmp_path / "fake_python"
    py.write_text(_FAKE.format(python=sys.executable))
    py.chmod(py.stat().st_mode | stat.S_IEXEC)
    return ref, py


def test_reference_curve_is_cached_and_reused(tmp_path):
    ref, py = _fake_reference(tmp_path)
    cache, y = tmp_path / "cache", [0.1, 0.2, 0.3]
    first = wpm_vs_emcee.reference_curve(py, ref, cache, 7, y, 50, 2500, 500)
    assert not first["reused"] and first["ok"] and first["wall_seconds"] > 0
    assert first["samples"][20] == pytest.approx(0.3)
    assert len(list(cache.iterdir())) == 1
    # A second call never starts the reference (/bin/false would fail): it reads the cache.
    again = wpm_vs_emcee.reference_curve("/bin/false", ref, cache, 7, y, 50, 2500, 500)
    assert again["reused"] and again["samples"] == first["samples"]
    assert again["wall_seconds"] == first["wall_seconds"]
    # Other settings or other observed scores are other cache entries.
    for args in ((7, y, 50, 1000, 500), (7, [0.1, 0.2, 0.4], 50, 2500, 500)):
        with pytest.raises(RuntimeError, match="reference failed"):
            wpm_vs_emcee.reference_curve("/bin/false", ref, cache, *args)


@pytest.mark.slow
def test_benchmark_resumes_from_the_cache(tmp_path, data_dir):
    ref, py = _fake_reference(tmp_path)
    args = ["--num_curves=2", "--num_guard=8", "--rounds=1", "--preset=smoke",
            f"--workdir={tmp_path / 'w'}", f"--reference_dir={ref}"]  # fmt: skip
    res = []
    for python in (py, "/bin/false"):
        out = tmp_path / "out.json"
        r = run_binary("experiments.benchmarks.wpm_vs_emcee", *args,
                       f"--reference_python={python}", f"--output={out}", timeout=300)  # fmt: skip
        assert r.returncode == 0, r.stderr[-3000:]
        res.append(json.loads(out.read_text()))
        assert "emcee_reference" in r.stderr.splitlines()[-1]
    first, second = (x["rows"]["emcee_reference"] for x in res)
    assert first["reused_timings"] == 0 and second["reused_timings"] == 2
    assert second["wall_seconds_per_curve"] == first["wall_seconds_per_curve"]
    assert {"jaxnas_raw", "jaxnas_guarded"} <= set(res[1]["rows"])
    for row in res[1]["rows"].values():
        assert {"rmse", "median_abs_error", "coverage_50", "coverage_90"} <= set(row)
