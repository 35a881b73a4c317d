"""Smoke run of experiments/embedding_study.py: every study, a hand-made encoding and the same
encoding as a learned ``embeddings.npz`` with shuffled ids (so the two must agree exactly), and
the projection helpers against NumPy."""

import json

import jax
import numpy as np
import pytest

from jaxnas import encodings
from jaxnas.analysis import projection
from jaxnas.spaces import nb201
from tests.conftest import run_binary


@pytest.fixture(scope="module")
def study(tmp_path_factory, data_dir):
    tmp = tmp_path_factory.mktemp("study")
    x = encodings.encode("nb201", "adjacency_one_hot", nb201.all_cells())
    perm = np.random.default_rng(0).permutation(len(x))
    np.savez(tmp / "embeddings.npz", ids=perm, embeddings=x[perm])
    w = tmp / "out"
    r = run_binary(
        "experiments.embedding_study",
        "--config=experiments/configs/embedding_study.py:smoke", f"--workdir={w}",
        f"--data_dir={data_dir}",
        f"--config.encodings=('adjacency_one_hot','learned={tmp / 'embeddings.npz'}',"
        "'supervised')",
        timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return w, r


@pytest.mark.slow
def test_outputs(study):
    w, r = study
    res = json.loads((w / "study.json").read_text())
    assert res["benchmark"] == "nb201-cifar10" and "naslib_nb201_zen" in res["source"]
    assert set(res["encodings"]) == {"adjacency_one_hot", "learned", "supervised"}
    # The per-seed supervised baseline: in the predictive study only, trained on its rows.
    sup = res["predictive"]["supervised"]
    assert len(sup["rmse"]) == 2 and np.isfinite(sup["rmse"]).all()
    assert sup["trained_on"].startswith("each seed's")
    assert "supervised" not in res["edit_distance"]["encodings"]
    assert res["predictive"]["learned"]["score_filter"] == "both"
    assert res["encodings"]["learned"]["dim"] == 30
    p = res["predictive"]
    assert len(p["learned"]["rmse"]) == 2 and p["learned"]["num_train"] == 20
    # The learned file holds the same vectors under shuffled ids: identical results.
    for k in ("rmse", "pearson", "num_eval"):
        np.testing.assert_allclose(p["learned"][k], p["adjacency_one_hot"][k], rtol=1e-6)
    ed = res["edit_distance"]
    # 30 steps, pairs at most 3 apart: 30 + 29 + 28 pairs.
    assert len(ed["walk"]) == 31 and len(ed["encodings"]["learned"]["l2"]) == 87
    assert (np.asarray(ed["pair_j"]) - ed["pair_i"]).max() == 3
    # One-hot adjacency: L2 distance = sqrt(2 * edit distance) exactly.
    np.testing.assert_allclose(
        ed["encodings"]["learned"]["l2"], np.sqrt(2 * np.asarray(ed["edit_distance"])), rtol=1e-6
    )
    la = res["landscape"]
    assert len(la["encodings"]["learned"]["rwa_embedding"]) == 5
    assert -1 <= la["fdc_discrete"] <= 1
    assert la["encodings"]["learned"]["fdc_embedding"] == pytest.approx(
        la["encodings"]["adjacency_one_hot"]["fdc_embedding"]
    )
    assert res["projection"]["methods"] == ["pca", "tsne"]
    for stem in ("distance_vs_edit", "figure6", "projection"):
        for ext in ("png", "svg"):
            assert (w / f"{stem}.{ext}").stat().st_size > 1000
    md = (w / "study.md").read_text()
    assert "0.038±0.025" in md and "0.018±0.001 / 0.67±0.02" in md
    assert "| learned | 30 |" in md and md.strip() in r.stdout
    assert "study landscape done" in r.stderr


def test_bad_encoding_is_named(tmp_path, data_dir):
    r = run_binary(
        "experiments.embedding_study",
        "--config=experiments/configs/embedding_study.py:smoke", f"--workdir={tmp_path}",
        f"--data_dir={data_dir}", "--config.encodings=('no_such_encoding',)",
        timeout=300,
    )  # fmt: skip
    assert r.returncode != 0 and "unknown encoding 'no_such_encoding'" in r.stderr


def test_projection_pca_matches_numpy():
    x = np.random.default_rng(1).normal(size=(50, 5)) * np.array([5, 3, 1, 0.5, 0.1])
    xy = projection.project(x, "pca", jax.random.key(0))
    xc = x - x.mean(0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    ref = xc @ vt[:2].T
    np.testing.assert_allclose(np.abs(xy), np.abs(ref), rtol=1e-6, atol=1e-9)
    assert projection.subsample(jax.random.key(0), 10, 20).tolist() == list(range(10))
    s = projection.subsample(jax.random.key(0), 100, 20)
    assert len(np.unique(s)) == 20 and (np.diff(s) > 0).all()
    with pytest.raises(ValueError, match="unknown projection method"):
        projection.project(x, "mds", jax.random.key(0))
