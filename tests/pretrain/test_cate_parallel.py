"""Data-parallel CATE pretraining (issue 16): the smoke run on 8 forced host CPU devices (batch
split over jaxnas.mesh's data axis, parameters replicated) gives the single-device loss and
validation curves for the same seed and global batch. Each run is a subprocess, since the device
count is fixed when JAX starts."""

import json

import numpy as np
import pytest

from tests.conftest import run_binary


def _run(workdir, devices: int):
    r = run_binary(
        "experiments.pretrain_cate",
        "--config=experiments/configs/cate_nb201.py:smoke",
        "--config.num_steps=4",
        f"--workdir={workdir}",
        env={"XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"},
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((workdir / "results.json").read_text())


@pytest.mark.slow
def test_eight_devices_give_the_single_device_curve(tmp_path):
    one = _run(tmp_path / "one", 1)
    eight = _run(tmp_path / "eight", 8)
    assert one["devices"] == 1 and eight["devices"] == 8
    assert len(one["loss_curve"]) == len(eight["loss_curve"]) >= 2
    for a, b in zip(one["loss_curve"], eight["loss_curve"], strict=True):
        assert a["step"] == b["step"]
        for k in ("loss", "acc", "grad_norm", "eval_kl", "eval_acc"):
            np.testing.assert_allclose(b[k], a[k], rtol=2e-5, atol=1e-6, err_msg=k)
    np.testing.assert_allclose(eight["held_out"]["kl"], one["held_out"]["kl"], rtol=2e-5)
    e1 = np.load(tmp_path / "one" / "embeddings.npz")["embeddings"]
    e8 = np.load(tmp_path / "eight" / "embeddings.npz")["embeddings"]
    np.testing.assert_allclose(e8, e1, atol=2e-5)
