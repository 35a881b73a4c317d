"""Smoke runs of experiments/train_darts.py (``:smoke``: a 2-cell network, 4 steps of 8 images)
on a generated tiny CIFAR-10 file in the official format; an interrupted run resumes."""

import json

import numpy as np
import pytest

from jaxnas.data import cifar10
from jaxnas.models import darts_network as dn
from tests.conftest import run_binary


def _tiny_file(path):
    rng = np.random.default_rng(0)
    d = cifar10.CIFAR10(
        rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8),
        rng.integers(0, 10, 20).astype(np.int32),
        rng.integers(0, 256, (12, 32, 32, 3), dtype=np.uint8),
        rng.integers(0, 10, 12).astype(np.int32),
    )
    cifar10.write_cifar10(path, d)


def _run(tmp_path, workdir, *extra, env=None):
    f = tmp_path / "tiny-cifar-10-python.tar.gz"
    if not f.exists():
        _tiny_file(f)
    return run_binary(
        "experiments.train_darts",
        "--config=experiments/configs/train_darts.py:smoke",
        "--config.data=file",
        f"--config.data_file={f}",
        f"--workdir={workdir}",
        *extra,
        timeout=600,
        env=env,
    )


@pytest.mark.slow
def test_train_darts_smoke_and_resume(tmp_path):
    w = tmp_path / "run"
    r = _run(tmp_path, w, "--config.stop_at_step=2")
    assert r.returncode == 0, r.stderr[-3000:]
    first = json.loads((w / "results.json").read_text())
    assert first["step"] == 2 and not first["completed"] and first["steps_per_epoch"] == 2

    r = _run(tmp_path, w)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resumed from step 2" in r.stderr
    res = json.loads((w / "results.json").read_text())
    assert res["completed"] and res["step"] == 4 and res["num_steps"] == 4
    assert res["num_params"] == dn.count_params("DARTS_V2", channels=8, layers=2)
    assert 0.0 <= res["test_accuracy"] <= 1.0 and np.isfinite(res["test_loss"])
    steps = [row["step"] for row in res["loss_curve"]]
    assert steps == [1, 2, 3, 4]
    assert all(np.isfinite(row["loss"]) for row in res["loss_curve"])
    evals = [row for row in res["loss_curve"] if "eval_test_accuracy" in row]
    assert [row["step"] for row in evals] == [2, 4]  # after every epoch
    assert sorted(p.name for p in (w / "checkpoints").iterdir()) == ["2", "4"]


@pytest.mark.slow
def test_data_parallel_run_matches_one_device(tmp_path):
    """The batch split over 2 (virtual CPU) devices: the same losses and test metrics."""
    curves = {}
    for n in (1, 2):
        w = tmp_path / f"dev{n}"
        env = {"XLA_FLAGS": f"--xla_force_host_platform_device_count={n}"}
        r = _run(tmp_path, w, env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        res = json.loads((w / "results.json").read_text())
        assert res["devices"] == n
        curves[n] = [row["loss"] for row in res["loss_curve"]] + [res["test_loss"]]
    np.testing.assert_allclose(curves[2], curves[1], rtol=1e-5)
