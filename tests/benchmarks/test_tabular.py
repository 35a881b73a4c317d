"""Generic tabular benchmark: queries against direct NumPy indexing, jit/vmap equivalence."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnas.benchmarks import tabular


def _bench(repeats=3):
    rng = np.random.default_rng(0)
    n, f = 50, 4
    valid = rng.random((n, f, repeats)).astype(np.float32)
    time_ = rng.random((n, f, repeats)).astype(np.float32) * 100
    nb = rng.integers(-1, n, size=(n, 5)).astype(np.int32)
    nb[3] = -1  # an isolated row
    return tabular.make(
        "toy",
        "toy",
        [f"a{i}" for i in range(n)],
        {"valid_acc": valid, "train_time": time_},
        (4, 12, 36, 108),
        neighbours=nb,
        cost_model="train_time",
        source="synthetic",
    )


def test_query_picks_one_repeat_and_cost():
    b = _bench()
    out = tabular.query(b, 7, 2, jax.random.key(0))
    row = b.metrics["valid_acc"][7, 2]
    assert float(out["valid_acc"]) in row.tolist()
    r = row.tolist().index(float(out["valid_acc"]))
    assert float(out["cost"]) == pytest.approx(b.metrics["train_time"][7, 2, r])


def test_batched_query_equals_loop_and_jit():
    b = _bench()
    idx = jnp.arange(20)
    keys = jax.random.split(jax.random.key(1), 20)
    batched = jax.jit(jax.vmap(lambda i, k: tabular.query(b, i, 3, k)))(idx, keys)
    for i in range(20):
        one = tabular.query(b, i, 3, keys[i])
        assert float(batched["valid_acc"][i]) == float(one["valid_acc"])


def test_query_mean_and_best():
    b = _bench()
    m = tabular.query_mean(b, jnp.arange(b.size), -1)
    np.testing.assert_allclose(m["valid_acc"], b.metrics["valid_acc"][:, -1].mean(-1), rtol=1e-6)
    i, v = tabular.best(b, "valid_acc")
    assert i == int(np.argmax(b.metrics["valid_acc"][:, -1].mean(-1)))


def test_mutate_stays_in_neighbour_table():
    b = _bench()
    keys = jax.random.split(jax.random.key(2), 200)
    for k in keys[:50]:
        i = int(jax.random.randint(k, (), 0, b.size))
        j = int(tabular.mutate(b, jax.random.fold_in(k, 1), i))
        row = b.neighbours[i]
        if (row >= 0).any():
            assert j in row[row >= 0].tolist()
        else:
            assert j == i
    assert int(tabular.mutate(b, keys[0], 3)) == 3
    batch = jax.jit(jax.vmap(lambda k, i: tabular.mutate(b, k, i)))(keys, jnp.arange(200) % 50)
    assert batch.shape == (200,)


def test_index_of_and_errors():
    b = _bench()
    assert b.index_of(["a3", "a0"]).tolist() == [3, 0]
    with pytest.raises(KeyError, match="not a queryable"):
        b.index_of(["zzz"])
    with pytest.raises(ValueError, match="fidelity 5 not available"):
        b.fidelity_index(5)
    with pytest.raises(ValueError, match="duplicate keys"):
        tabular.make("x", "x", ["a", "a"], {"v": np.zeros(2)}, (1,))
    with pytest.raises(ValueError, match="expected"):
        tabular.make("x", "x", ["a", "b"], {"v": np.zeros((3, 1))}, (1,))
    with pytest.raises(ValueError, match="needs a 'train_time'"):
        tabular.make("x", "x", ["a"], {"v": np.zeros(1)}, (1,), cost_model="train_time")


def test_method_query_by_key_and_fidelity():
    b = _bench(repeats=1)
    out = b.query("a7", 36)
    assert out["valid_acc"] == pytest.approx(float(b.metrics["valid_acc"][7, 2, 0]))
    many = b.query(["a1", 2], 4)
    np.testing.assert_allclose(many["valid_acc"], b.metrics["valid_acc"][[1, 2], 0, 0])
    with pytest.raises(ValueError, match="fidelity 7 not available"):
        b.query("a1", 7)
