"""NLP11-WT2 surrogate benchmark and the curve datasets, on the real NB-NLP / TaskSet files."""

import dataclasses

import jax
import numpy as np
import pytest

from jaxnas.benchmarks import nlp11
from jaxnas.spaces import nlp
from jaxnas.surrogates import datasets, mean_models
from jaxnas.surrogates import surrogate as sg

FAST = sg.SurrogateConfig(lgb=dataclasses.replace(mean_models.FAST_LGB, num_threads=1))


@pytest.fixture(scope="module")
def built(data_dir):
    data_file = data_dir / "nbnlp" / "train_logs_wikitext-2_logs.zip"
    if not data_file.is_file():
        pytest.skip(f"{data_file} not found")
    return nlp11.build(FAST, data_dir, seed=0, download=False)


def test_nlp_dataset_and_encoding(data_dir):
    d = datasets.nlp_wt2(data_dir, first_epochs=3, download=False)
    assert d.curves.shape == (341, 50)
    assert np.isfinite(d.curves).all()
    np.testing.assert_array_equal(d.encodings[:, -3:], d.curves[:, :3])
    m = datasets.NLP_MAX_NODES
    assert d.encodings.shape[1] == m * (m - 1) // 2 + m * len(nlp.OPS) + 1 + 3
    # Encoding of a hand-made cell: its edges and ops are where they should be.
    cell = nlp.parse_recipe(
        '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, '
        '"h_new_0": {"op": "activation_tanh", "input": ["f"]}}'
    )
    x = datasets.nlp_encoding([cell])[0]
    iu = np.triu_indices(m, 1)
    adj = np.zeros((m, m))
    adj[iu] = x[: len(iu[0])]
    assert adj[0, 4] == 1 and adj[1, 4] == 1 and adj[4, 5] == 1 and adj.sum() == 3
    ops = x[len(iu[0]) : -1].reshape(m, len(nlp.OPS))
    assert ops[4, nlp.OPS.index("linear")] == 1 and ops[6:].sum() == 0
    assert x[-1] == pytest.approx(np.log10(nlp.num_params(cell)))


def test_splits_are_fixed_by_seed_and_disjoint():
    a = datasets.split(341, 0)
    b = datasets.split(341, 0)
    c = datasets.split(341, 1)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[2], c[2])
    allrows = np.concatenate(a)
    assert len(allrows) == 341 and len(np.unique(allrows)) == 341


def test_taskset_dataset(data_dir):
    if not (data_dir / "taskset").is_dir():
        pytest.skip("taskset data not found")
    d = datasets.taskset("imdb_patch32_VRNN64_relu_avg_bs128", data_dir, download=False)
    assert d.curves.shape[1] == 50 and d.encodings.shape == (len(d.curves), 8)
    raw = datasets.taskset(
        "imdb_patch32_VRNN64_relu_avg_bs128", data_dir, False, log_loss=False, drop_initial=False
    )
    np.testing.assert_allclose(d.curves, np.log(raw.curves[:, 1:]))
    np.testing.assert_array_equal(d.epochs, np.arange(1, 51))
    assert np.isfinite(d.curves).all() and np.isfinite(d.encodings).all()


def test_nlp11_build_and_query(built):
    bench, report = built
    assert report["split_sizes"] == [273, 34, 34]
    assert bench.fidelities == tuple(range(1, 51))
    assert "surrogate" in bench.label
    assert -1.0 < report["test"]["avg_r2"] <= 1.0
    assert report["time_model_test_r2_log"] > 0.5
    assert not set(bench.splits["train"]) & set(bench.splits["test"])
    r = bench.sample(jax.random.key(0))
    q10 = bench.query(r, 10)
    q50 = bench.query(r, 50)
    assert set(q50) == {"valid_loss", "cost", "train_time"}
    # cost = full time x epoch / E_max
    assert q10["cost"] == pytest.approx(q50["cost"] * 10 / 50)
    # One key = one curve draw: consistent across epochs, differs between keys.
    c = bench.curves([r], jax.random.key(1))["valid_loss"][0]
    assert bench.query(r, 20, jax.random.key(1))["valid_loss"] == pytest.approx(c[19])
    assert bench.query(r, 20, jax.random.key(2))["valid_loss"] != pytest.approx(c[19])
    batch = bench.query([r, r], 30)
    assert batch["valid_loss"].shape == (2,)
    with pytest.raises(ValueError, match="epoch"):
        bench.query(r, 51)


def test_nlp11_save_load_identical(built, tmp_path):
    bench, _ = built
    nlp11.save(bench, tmp_path / "nlp11")
    b2 = nlp11.load(tmp_path / "nlp11")
    recipes = nlp11.known_recipes(bench)[:5]
    for key in (None, jax.random.key(3)):
        a = bench.curves(recipes, key)
        b = b2.curves(recipes, key)
        np.testing.assert_array_equal(a["valid_loss"], b["valid_loss"])
        np.testing.assert_array_equal(a["full_time"], b["full_time"])
    assert {k: list(v) for k, v in b2.splits.items()} == {
        k: list(v) for k, v in bench.splits.items()
    }


def test_nlp11_with_first_epochs_needs_known_cells(data_dir):
    if not (data_dir / "nbnlp" / "train_logs_wikitext-2_logs.zip").is_file():
        pytest.skip("nbnlp data not found")
    bench, report = nlp11.build(FAST, data_dir, seed=0, first_epochs=3, download=False)
    # With the first three losses the mean curve is far better than from the graph alone.
    assert report["test"]["avg_r2"] > 0.8
    r = nlp11.known_recipes(bench)[0]
    assert np.isfinite(bench.query(r, 50)["valid_loss"])
    new = '{"h_new_0": {"op": "activation_tanh", "input": ["x"]}}'
    with pytest.raises(KeyError, match="first_epochs"):
        bench.query(new, 10)
