"""The Benchmark protocol and the benchmark registry."""

import jax
import numpy as np
import pytest

from jaxnas import benchmarks
from jaxnas.benchmarks import base, tabular


def _bench(**kw):
    return tabular.make(
        name="toy",
        space="toy",
        keys=["a", "b", "c"],
        metrics={"valid_acc": np.array([0.1, 0.5, 0.9])},
        fidelities=(10,),
        neighbours=np.array([[1, 2], [0, 2], [0, 1]]),
        source="test",
        **kw,
    )


def test_tabular_implements_the_protocols_and_carries_choices_and_ids():
    b = _bench(choices=np.array([[0, 1], [1, 0], [1, 1]]), index=np.array([7, 3, 5]))
    assert isinstance(b, base.Benchmark) and isinstance(b, base.FiniteBenchmark)
    assert b.num_options == 2 and b.choices.shape == (3, 2)
    np.testing.assert_array_equal(b.ids("index"), [7, 3, 5])
    np.testing.assert_array_equal(b.ids("key"), ["a", "b", "c"])
    np.testing.assert_array_equal(_bench().ids("index"), [0, 1, 2])  # no index: row numbers
    assert _bench().choices is None and _bench().num_options == 0
    assert 0 <= int(b.sample(jax.random.key(0))) < 3
    assert int(b.mutate(jax.random.key(0), 0)) in (1, 2)
    assert b.query("c")["valid_acc"] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="kind must be"):
        b.ids("hash")
    with pytest.raises(ValueError, match="choices must lie in"):
        _bench(choices=np.array([[0, 1], [1, 0], [1, 2]]), num_options=2)
    with pytest.raises(ValueError, match="index must be"):
        _bench(index=np.array([1, 2]))
    with pytest.raises(ValueError, match="no cells to encode"):
        _bench().encode("adjacency_one_hot")


def test_a_class_of_ones_own_is_a_benchmark_structurally():
    class Const:
        name, space, fidelities, metrics, cost_model, source = "c", "x", (1,), ("v",), "queries", ""

        def query(self, arch, fidelity=None, key=None):
            return {"v": 1.0, "cost": 1.0}

        def sample(self, key):
            return 0

    assert isinstance(Const(), base.Benchmark)
    assert not isinstance(Const(), base.FiniteBenchmark)
    assert base.describe(Const())["metrics"] == ["v"]


def test_registry_loads_by_name_and_rejects_unknown_or_taken_names(data_dir):
    names = benchmarks.names()
    for n in ("nb101-20k", "nb201-cifar10", "nb201-ImageNet16-120", "nbnlp-wt2", "nb301-yahpo"):
        assert n in names
    b = benchmarks.load("nb201-cifar100", data_dir, download=False)
    assert b.name == "nb201-cifar100" and b.num_options == 5 and b.choices.shape == (15625, 6)
    np.testing.assert_array_equal(b.ids("index"), np.arange(15625))  # official order
    assert b.encode("adjacency_one_hot").shape[0] == 15625
    with pytest.raises(KeyError, match="unknown benchmark 'nb999'"):
        benchmarks.load("nb999")
    with pytest.raises(ValueError, match="already registered"):
        base.register("nb101-20k")(lambda data_dir=None, download=True: None)
