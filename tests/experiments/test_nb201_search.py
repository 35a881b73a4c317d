"""NB201 search with learned embeddings: id alignment, encoding-space neighbours, and a smoke
run of the README's main job (pretrain arch2vec, then arch2vec-RL / arch2vec-BO)."""

import json

import jax
import numpy as np
import pytest

from jaxnas.benchmarks import tabular
from jaxnas.search import problem
from jaxnas.spaces import nb201
from tests.conftest import run_smoke


def _nb201_bench(rows):
    cells = nb201.all_cells()[rows]
    keys = np.asarray(nb201.all_arch_strs())[rows]
    return tabular.make(
        name="tiny-nb201",
        space="nb201",
        keys=keys,
        metrics={"valid_acc": np.linspace(0.1, 0.9, len(rows))},
        fidelities=(200,),
        cost_model="queries",
        source="test",
        cells=cells,
        choices=cells,
        num_options=5,
        index=rows,
    )


def test_align_embeddings_reorders_by_id_and_ignores_extras():
    rng = np.random.default_rng(0)
    ids = rng.permutation(50)
    emb = rng.normal(size=(50, 3)).astype(np.float32)
    want = np.array([7, 3, 41, 0])
    out = problem.align_embeddings(ids, emb, want)
    ref = np.stack([emb[list(ids).index(w)] for w in want])
    np.testing.assert_array_equal(out, ref)
    # String ids (e.g. NB101 hashes) work the same way.
    out_s = problem.align_embeddings(ids.astype(str), emb, want.astype(str))
    np.testing.assert_array_equal(out_s, ref)


@pytest.mark.parametrize(
    "ids, emb, want, match",
    [
        (np.arange(5), np.zeros((5, 2)), np.array([1, 9]), "1 of 2 benchmark rows have no emb"),
        (np.array([0, 1, 1]), np.zeros((3, 2)), np.array([0]), "1 duplicate ids"),
        (np.arange(4), np.zeros((5, 2)), np.array([0]), "need ids"),
        (np.arange(2), np.array([[0.0], [np.nan]]), np.array([0]), "NaN"),
    ],
)
def test_align_embeddings_errors(ids, emb, want, match):
    with pytest.raises(ValueError, match=match):
        problem.align_embeddings(ids, emb, want)


def test_embedding_table_nb201_by_official_index(tmp_path):
    rows = np.array([5, 100, 15624, 42])
    bench = _nb201_bench(rows)
    rng = np.random.default_rng(1)
    ids = rng.permutation(15625)
    emb = rng.normal(size=(15625, 4)).astype(np.float32)
    path = tmp_path / "embeddings.npz"
    np.savez(path, ids=ids, embeddings=emb)
    x = problem.embedding_table(bench, path)
    inv = np.argsort(ids)  # position of official index i in the file
    np.testing.assert_array_equal(x, emb[inv[rows]])
    np.savez(path, ids=ids[ids != 100], embeddings=emb[ids != 100])
    with pytest.raises(
        ValueError, match=r"1 of 4 benchmark rows have no embedding \(first: \[100\]"
    ):
        problem.embedding_table(bench, path)
    np.savez(path, ids=ids, other=emb)
    with pytest.raises(ValueError, match=r"missing array\(s\) \['embeddings'\]"):
        problem.embedding_table(bench, path)


def test_nearest_neighbours_matches_brute_force():
    x = np.random.default_rng(2).normal(size=(300, 6)).astype(np.float32)
    nn = problem.nearest_neighbours(x, 5, jax.random.key(0), chunk=64)
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    np.testing.assert_array_equal(nn, np.argsort(d, axis=1)[:, :5])
    # Duplicated rows: ties are broken at random, never the row itself.
    xd = np.repeat(np.eye(3, dtype=np.float32), 4, axis=0)
    nd = problem.nearest_neighbours(xd, 3, jax.random.key(1))
    assert (nd != np.arange(12)[:, None]).all()
    assert (xd[nd] == xd[:, None]).all()


def _knn_by_row_order(x, k):
    """The former ``multifidelity.knn_neighbours``: float64, ties by row order."""
    x = np.asarray(x, np.float64)
    sq = np.sum(x * x, axis=1)
    d = sq[:, None] + sq[None, :] - 2.0 * x @ x.T
    d[np.arange(len(x)), np.arange(len(x))] = np.inf
    return np.argsort(d, axis=1, kind="stable")[:, :k].astype(np.int32)


@pytest.mark.parametrize("chunk", [None, 7])
def test_nearest_neighbours_without_key_breaks_ties_by_row_order(chunk):
    rng = np.random.default_rng(3)
    binary = rng.integers(0, 2, size=(120, 8)).astype(np.float32)  # many exact ties
    real = rng.normal(size=(50, 3)).astype(np.float32)
    for x in (binary, real):
        got = problem.nearest_neighbours(x, 6, chunk=chunk)
        np.testing.assert_array_equal(got, _knn_by_row_order(x, 6))
    with pytest.raises(ValueError, match="k must lie in"):
        problem.nearest_neighbours(real, 50)


@pytest.mark.slow
def test_main_job_smoke_pretrains_and_runs_arch2vec_methods(tmp_path, data_dir):
    r = run_smoke(
        "experiments.nb201_search",
        "experiments/configs/search_nb201.py:smoke",
        tmp_path,
        "--config.methods=('rs','arch2vec_rl','arch2vec_bo')",
        "--pretrain",
        "--pretrain_config=experiments/configs/arch2vec_nb201.py:smoke",
        "--pretrain_config.num_cells=0",
        "--pretrain_config.eval_batch_size=2048",
    )
    assert "arch2vec pretrained on NB201" in r.stdout
    assert "| cifar10 | arch2vec-BO | 2 |" in r.stdout and "91.41+-0.22" in r.stdout
    assert "| cifar10 | arch2vec-RL | 2 |" in r.stdout and "91.32+-0.42" in r.stdout
    with np.load(tmp_path / "arch2vec_nb201" / "embeddings.npz") as z:
        assert z["embeddings"].shape == (15625, 16)
    rows = [json.loads(s) for s in (tmp_path / "nb201_search.jsonl").read_text().splitlines()]
    assert {r["algorithm"] for r in rows} == {"RS", "arch2vec-RL", "arch2vec-BO"}
    assert {r["encoding"] for r in rows} == {"none", "arch2vec"}
    for row in rows:
        q = row["queried"]
        assert len(q) == 12 and len(set(q)) == 12  # never re-queries; all inside the space
        assert all(0 <= i < 15625 for i in q)
    assert (tmp_path / "nb201_search_regret.svg").stat().st_size > 0
