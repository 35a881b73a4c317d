"""NB311-YAHPO (surrogate of a surrogate) and NB111-4 surrogate benchmarks on the real files."""

import dataclasses
import subprocess
import sys

import jax
import numpy as np
import pytest

import jaxnas.benchmarks as jb
from jaxnas.benchmarks import base, builtin, curves, nb111, nb311
from jaxnas.spaces import darts
from jaxnas.surrogates import mean_models
from jaxnas.surrogates import surrogate as sg

FAST = sg.SurrogateConfig(lgb=dataclasses.replace(mean_models.FAST_LGB, num_threads=1))


@pytest.fixture(scope="module")
def nb311_built(data_dir):
    pytest.importorskip("onnxruntime")
    if not (data_dir / "darts" / "yahpo_nb301_v2").is_dir():
        pytest.skip("YAHPO NB301 files not found")
    return nb311.build(FAST, data_dir, num_archs=300, download=False)


def test_loaded_by_name_from_the_benchmark_registry(nb311_built, data_dir):
    assert {"nlp11-wt2", "nb311-yahpo", "nb111-4"} <= set(jb.names())
    bench = jb.load("nb311-yahpo", data_dir, download=False, config=FAST, num_archs=300)
    g = darts.sample(jax.random.key(3))
    assert bench.name == "nb311-yahpo" and isinstance(bench, base.Benchmark)
    assert bench.query(g, 49) == pytest.approx(nb311_built[0].query(g, 49))


def test_yahpo_curves_are_yahpo_plus_declared_noise(data_dir):
    pytest.importorskip("onnxruntime")
    from jaxnas.data import naslib, yahpo

    d, runs = nb311.yahpo_curves(data_dir, num_archs=40, seed=1, noise_std=0.01, download=False)
    assert d.curves.shape == (40, 98) and runs.runs.shape == (40, 3, 98)
    np.testing.assert_array_equal(d.curves, runs.runs[:, 0])
    # Independent recomputation of the mean curves from the ONNX model.
    model = yahpo.load_yahpo_nb301(data_dir, download=False)
    rows = np.array([int(k) for k in d.keys])
    compact = np.asarray(naslib.load_darts_archs(data_dir, download=False).compact[rows], np.int32)
    mean = yahpo.yahpo_curve(model, compact, np.arange(1, 99)).val_accuracy
    noise = runs.runs - mean[:, None, :]
    assert abs(noise.std() - 0.01) < 0.0005 and abs(noise.mean()) < 0.0005
    assert "not measured" in d.source


def test_nb311_build_query_save_load(nb311_built, tmp_path):
    bench, report = nb311_built
    assert "surrogate of a surrogate" in bench.label
    assert bench.fidelities == tuple(range(1, 99)) and bench.space == "darts"
    assert isinstance(bench, base.Benchmark) and set(bench.metrics) == {"valid_acc", "train_time"}
    assert report["split_sizes"] == [240, 30, 30]
    assert np.isfinite(report["avg_kl"]) and report["avg_kl"] >= 0
    g = bench.sample(jax.random.key(0))
    q = bench.query(g, 49)
    assert q["cost"] == pytest.approx(bench.query(g, 98)["cost"] * 49 / 98)
    assert 0.3 < q["valid_acc"] < 1.0
    gs = [darts.sample(jax.random.key(i)) for i in range(3)]
    batch = bench.query(gs, 20, jax.random.key(1))
    assert batch["valid_acc"].shape == (3,)
    # The [2, 8, 2] array form of one genotype is one architecture.
    assert bench.query(darts.to_array(g), 49)["valid_acc"] == pytest.approx(q["valid_acc"])
    curves.save(bench, tmp_path / "b")
    b2 = curves.load(tmp_path / "b")
    np.testing.assert_array_equal(
        b2.curves(gs, jax.random.key(2))["valid_acc"],
        bench.curves(gs, jax.random.key(2))["valid_acc"],
    )


def test_nb311_build_uses_the_x11_table_noise_by_default(nb311_built):
    """The search benchmark's training curves carry the x11 table's epoch-dependent noise."""
    from experiments.configs import x11

    bench, _ = nb311_built
    assert nb311.NOISE_SCALE == x11.get_config().nb311_noise_scale == 0.5
    assert "epoch-dependent Gaussian noise std 0.5 x the per-epoch spread" in bench.source
    assert "i.i.d." not in bench.source


def test_with_pool_answers_as_the_one_off_path(nb311_built):
    """A tabulated pool changes no answer: members and new genotypes, mean and noisy, cost."""
    bench, _ = nb311_built
    pool = [darts.sample(k) for k in jax.random.split(jax.random.key(11), 6)]
    pooled = curves.with_pool(bench, pool, num_threads=2)
    assert bench.pool is None and pooled.pool.table.mean.shape == (6, 98)
    new = [darts.sample(jax.random.key(99))]
    for archs in (pool, pool[2:4] + new, pool[::-1]):
        for key in (None, jax.random.key(3)):
            a, b = pooled.curves(archs, key), bench.curves(archs, key)
            np.testing.assert_array_equal(a["valid_acc"], b["valid_acc"])
            np.testing.assert_array_equal(a["full_time"], b["full_time"])
    assert pooled.query(pool[1], 49) == bench.query(pool[1], 49)
    np.testing.assert_array_equal(pooled.pool.table.rows(curves.darts_encoding(new)), [-1])


def bench_x(ec):
    return curves.nb101_encoding(ec.arch["adjacency"], ec.arch["ops"])


@pytest.mark.slow
def test_nb111_build_and_query(data_dir):
    bench, report = nb111.build(FAST, data_dir, kl_samples=20, download=False)
    assert bench.fidelities == (4, 12, 36, 108)
    assert bench.surrogate.compressor.num_components == 3
    assert report["kl_cells"] == 91 and report["avg_kl"] >= 0
    assert report["test"]["avg_r2"] > 0.3
    ec = builtin.nb101_ec(data_dir, download=False)
    adj, ops = ec.arch["adjacency"], ec.arch["ops"]
    one = bench.query((adj[0], ops[0]), 12)
    assert one["cost"] == pytest.approx(bench.query((adj[0], ops[0]), 108)["cost"] * 12 / 108)
    many = bench.query((adj[:4], ops[:4]), 36, jax.random.key(0))
    assert many["valid_acc"].shape == (4,)
    with pytest.raises(ValueError, match="not one of"):
        bench.query((adj[0], ops[0]), 50)
    # Noisy answers are accuracies: bounded to [0, 1] (heavy-tailed residuals exceed 1 otherwise).
    assert bench.surrogate.config.value_range == (0.0, 1.0)
    draws = sg.sample_curves(bench.surrogate, bench_x(ec), jax.random.key(5), 200)
    assert draws.min() >= 0.0 and draws.max() <= 1.0


def test_surrogate_benchmarks_live_in_jaxnas_benchmarks():

    for name in ("nlp11", "nb311", "nb111"):
        assert hasattr(getattr(jb, name), "build"), name
    assert jb.SurrogateCurveBenchmark is jb.curves.SurrogateCurveBenchmark
    with pytest.raises(AttributeError):
        jb.no_such_benchmark  # noqa: B018
    # The surrogate models do not import the benchmarks (no benchmarks <-> surrogates cycle).
    code = (
        "import sys, jaxnas.surrogates; "
        "print(any(m.startswith('jaxnas.benchmarks') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_nb111_failed_runs_skip_the_4_epoch_budget_by_default():
    y = np.array(
        [
            [0.10, 0.60, 0.85, 0.92],  # slow start at 4 epochs: not failed
            [0.50, 0.10, 0.85, 0.92],  # chance at 12 epochs
            [0.50, 0.60, 0.85, 0.15],  # chance at 108 epochs (<= threshold)
            [0.50, 0.60, 0.85, 0.16],
        ]
    )
    np.testing.assert_array_equal(nb111.failed_runs(y), [False, True, True, False])
    np.testing.assert_array_equal(nb111.failed_runs(y, first_budget=0), [True, True, True, False])
    np.testing.assert_array_equal(nb111.failed_runs(y, 0.1), [False, True, False, False])


def test_yahpo_curves_epoch_dependent_noise_scale(data_dir):
    pytest.importorskip("onnxruntime")
    if not (data_dir / "darts" / "yahpo_nb301_v2").is_dir():
        pytest.skip("YAHPO NB301 files not found")
    d, runs, mean = nb311.yahpo_curves(
        data_dir, num_archs=200, seed=1, download=False, noise_scale=0.5, return_mean=True
    )
    assert mean.shape == (200, 98) and runs.runs.shape == (200, 3, 98)
    spread = mean.std(axis=0)
    assert spread[0] > 3 * spread[-1]  # YAHPO's curves differ most early
    noise = (runs.runs - mean[:, None, :]).reshape(-1, 98)
    ratio = noise.std(axis=0) / (0.5 * spread)
    assert abs(ratio.mean() - 1.0) < 0.03 and ratio.min() > 0.8 and ratio.max() < 1.2
    assert "epoch-dependent" in d.source
    d0, runs0 = nb311.yahpo_curves(data_dir, num_archs=200, seed=1, download=False)
    np.testing.assert_array_equal(d0.keys, d.keys)  # the old i.i.d. noise stays the default
    assert abs((runs0.runs - mean[:, None, :]).std() - nb311.NOISE_STD) < 0.0003
