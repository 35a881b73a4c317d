"""Data-parallel pretraining (issue 16): arch2vec and the supervised encoder on 8 forced host
CPU devices (batch split over ``jaxnas.mesh``'s data axis, parameters replicated) give the
single-device loss curve within float tolerance for the same seed and global batch. Each run is
a subprocess of the binary, since the device count is fixed at JAX start.

The embeddings are compared loosely: they use batch norm's running means, and the bias of each
Linear before a batch norm has a gradient that is zero up to rounding, which Adam normalises to
lr-sized steps of random sign; any change of summation order (here: the all-reduce) moves those
biases, hence the running means (~0.5% after a few dozen steps; the embeddings ~3% on average
after 30), without changing the training loss. The same holds for the reference's eval-mode
steps after its first epoch, which use the running means: the curves below stop before that
switch."""

import json

import numpy as np
import pytest

from jaxnas import embeddings as emb_io
from tests.conftest import run_binary


def _run(tmp_path, module: str, config: str, devices: int, *args: str) -> tuple[dict, dict]:
    w = tmp_path / f"{module.rsplit('.', 1)[-1]}_{devices}"
    r = run_binary(
        module, f"--config={config}", f"--workdir={w}", *args, timeout=900,
        env={"XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads((w / "results.json").read_text())
    assert res["devices"]["count"] == devices
    return res, emb_io.load(w / "embeddings.npz").as_dict()


def _assert_same_run(one, eight, keys):
    (r1, e1), (r8, e8) = one, eight
    assert r1["step"] == r8["step"] and len(r1["loss_curve"]) == len(r8["loss_curve"]) >= 3
    for a, b in zip(r1["loss_curve"], r8["loss_curve"], strict=True):
        assert a["step"] == b["step"]
        for k in keys:
            np.testing.assert_allclose(b[k], a[k], rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(e1["ids"], e8["ids"])
    a, b = e1["embeddings"], e8["embeddings"]
    assert np.abs(a - b).mean() < 0.05 * np.abs(a).mean()  # measured: 0.0097 vs 0.34
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.999  # measured: 0.99959


@pytest.mark.slow
def test_arch2vec_data_parallel_equals_single_device(tmp_path):
    # Reference loss with dropout on z (the dropout masks must not depend on the sharding); 30
    # steps, before the eval-mode switch at step 33 (one epoch).
    args = ("--config.num_steps=30", "--config.steps_per_call=4", "--config.log_every=6")
    cfg = "experiments/configs/arch2vec_nb201.py:smoke,reference"
    runs = [_run(tmp_path, "experiments.pretrain_arch2vec", cfg, n, *args) for n in (1, 8)]
    assert runs[0][0]["data"]["steps_per_epoch"] == 33
    _assert_same_run(*runs, ("loss", "ops", "adj", "kl", "grad_norm"))


@pytest.mark.slow
def test_supervised_data_parallel_equals_single_device(tmp_path):
    args = ("--config.num_steps=12", "--config.steps_per_call=4", "--config.log_every=4")
    cfg = "experiments/configs/supervised_nb201.py:smoke"
    runs = [_run(tmp_path, "experiments.pretrain_supervised", cfg, n, *args) for n in (1, 8)]
    _assert_same_run(*runs, ("loss", "rmse_std_units", "grad_norm"))
    np.testing.assert_allclose(
        runs[1][0]["held_out"]["rmse"], runs[0][0]["held_out"]["rmse"], rtol=1e-3
    )
