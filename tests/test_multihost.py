"""Scale-out (issue 16): the mesh helpers, sharded ``run_seeds`` on 8 forced host devices
against one device, and the two-process smoke test (``experiments/multihost_smoke.sh``)
failing when one process computes something else.

Forced host devices must be set before jax initialises, so the device tests run
``experiments.multihost_check`` in subprocesses with ``XLA_FLAGS``.
"""

import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from experiments import scaleout
from jaxnas import io, mesh
from jaxnas.search import base, registry
from tests.conftest import REPO, run_binary

FORCE = "--xla_force_host_platform_device_count"


def test_pad_leading_and_one_device_mesh_change_nothing():
    x = np.arange(10).reshape(5, 2)
    padded, n = mesh.pad_leading({"a": x}, 4)
    assert n == 5 and padded["a"].shape == (8, 2)
    np.testing.assert_array_equal(padded["a"][5:], np.repeat(x[-1:], 3, axis=0))
    m = mesh.make_mesh(jax.devices()[:1])
    assert mesh.num_shards(m) == 1
    y = jax.numpy.ones(3)
    assert mesh.shard_candidates(y) is y  # outside sharding_candidates: the identity
    prob, keys = scaleout.toy_problem(), base.seed_keys(range(3))
    s = registry.make_searcher("rea", {})
    a = base.run_seeds(s, prob, keys, 6)
    b = base.run_seeds(s, prob, keys, 6, mesh=m)
    np.testing.assert_array_equal(a.index, b.index)
    with pytest.raises(ValueError, match="shard must be one of"):
        base.run_seeds(s, prob, keys, 6, shard="rows")


def test_io_set_writer_turns_writes_off(tmp_path):
    try:
        io.set_writer(False)
        assert io.write_text(tmp_path / "a.txt", "x") == tmp_path / "a.txt"
        io.write_npz(tmp_path / "sub" / "b.npz", x=np.zeros(2))
        assert not (tmp_path / "a.txt").exists() and not (tmp_path / "sub").exists()
    finally:
        io.set_writer(True)
    io.write_text(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").read_text() == "x"


def test_compare_finds_differences():
    a = {"devices": np.asarray("1x1"), "rea_seeds_y": np.ones(3), "pretrain_loss": np.ones(2)}
    b = dict(a, devices=np.asarray("2x4"), pretrain_loss=np.ones(2) * (1 + 1e-7))
    assert scaleout.compare(a, b) == []
    assert scaleout.compare(a, dict(b, rea_seeds_y=np.asarray([1.0, 1.0, 1.0 + 1e-7])))
    assert scaleout.compare(a, dict(b, pretrain_loss=np.ones(2) * 1.01))
    assert scaleout.compare(a, {k: v for k, v in b.items() if k != "pretrain_loss"})


@pytest.mark.slow
def test_run_seeds_and_pretraining_on_8_devices_equal_one_device(tmp_path):
    out = {}
    for d in (1, 8):
        env = {"XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} {FORCE}={d}"}
        r = run_binary("experiments.multihost_check", f"--out={tmp_path / f'{d}.npz'}",
                       "--pretrain_steps=3", data_dir=False, env=env)  # fmt: skip
        assert r.returncode == 0, r.stderr[-3000:]
        out[d] = io.read_npz(tmp_path / f"{d}.npz")
    assert str(out[8]["devices"]) == "1x8" and str(out[1]["devices"]) == "1x1"
    assert len(out[1]) == 3 * 4 + 2  # 3 searches x 4 fields, the losses, the device string
    assert scaleout.compare(out[1], out[8]) == []


@pytest.mark.slow
def test_multihost_smoke_fails_when_a_process_computes_something_else():
    cmd = [str(REPO / "experiments" / "multihost_smoke.sh"), "--only=rea", "--num_queries=8",
           "--pretrain_steps=0", "--perturb_process=1"]  # fmt: skip
    env = {**os.environ, "PYTHON": sys.executable, "DEVICES": "2"}
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 1, r.stdout + r.stderr[-3000:]
    assert "rea_seeds_y: differ" in r.stdout and "two processes x 2 devices" in r.stdout
