"""NB301-YAHPO surrogate benchmark (needs onnxruntime and the YAHPO files)."""

import jax
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from jaxnas.benchmarks import yahpo_darts  # noqa: E402
from jaxnas.spaces import darts  # noqa: E402


@pytest.fixture(scope="module")
def bench(data_dir):
    return yahpo_darts.nb301_yahpo(data_dir, download=False)


def test_query_curve_consistency(bench):
    assert bench.fidelities == tuple(range(1, 99))
    assert "surrogate" in bench.label and "not measured" in bench.label
    gs = [darts.sample(jax.random.key(s)) for s in range(6)]
    c = bench.curves(gs)
    assert c["valid_acc"].shape == (6, 98)
    assert np.isfinite(c["valid_acc"]).all()
    assert ((c["valid_acc"] > 0) & (c["valid_acc"] < 1)).all()
    # Mostly increasing accuracy; cumulative time never decreases (running max).
    assert (np.diff(c["valid_acc"], axis=1) > -0.01).mean() > 0.95
    assert (np.diff(c["train_time"], axis=1) >= 0).all()
    assert (np.diff(c["train_time"], axis=1) > 0).mean() > 0.8
    one = bench.query(gs[2], 50)
    assert one["valid_acc"] == pytest.approx(float(c["valid_acc"][2, 49]), rel=1e-5)
    assert one["cost"] == pytest.approx(float(c["train_time"][2, 49]), rel=1e-5)
    batch = bench.query(gs, 98)
    np.testing.assert_allclose(batch["valid_acc"], c["valid_acc"][:, -1], rtol=1e-5)


def test_mutate_and_errors(bench):
    g = bench.sample(jax.random.key(0))
    assert darts.is_valid(bench.mutate(jax.random.key(1), g))
    with pytest.raises(ValueError, match="epochs must lie in"):
        bench.query(g, 99)
