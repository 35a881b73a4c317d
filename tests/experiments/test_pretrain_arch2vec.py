"""Smoke runs of experiments/pretrain_arch2vec.py (subprocess: outputs, an interrupted run
resumed from its checkpoint, embeddings matching the restored parameters) and of
experiments/arch2vec_table.py on its results; a DARTS + jraph smoke run in process."""

import json

import jax
import numpy as np
import pytest

from jaxnas import embeddings as emb_io
from jaxnas.pretrain import arch2vec
from tests.conftest import run_binary


def _run(module, *args):
    return run_binary(module, *args, timeout=600)


@pytest.mark.slow
def test_pretrain_smoke_resume_and_table(tmp_path):
    w = tmp_path / "nb201"
    cfg = "--config=experiments/configs/arch2vec_nb201.py:smoke,reference"
    r = _run("experiments.pretrain_arch2vec", cfg, f"--workdir={w}", "--config.stop_at_step=3")
    assert r.returncode == 0, r.stderr[-3000:]
    first = json.loads((w / "results.json").read_text())
    assert first["step"] == 3 and not first["completed"] and first["num_steps"] == 6

    r = _run("experiments.pretrain_arch2vec", cfg, f"--workdir={w}")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resumed from step 3" in r.stderr
    res = json.loads((w / "results.json").read_text())
    assert res["completed"] and res["step"] == 6 and res["throughput"]["steps_this_invocation"] == 3
    assert [row["step"] for row in res["loss_curve"]] == [2, 3, 4, 6]  # both invocations
    h, g = res["held_out"], res["generation"]
    assert h["graphs"] == 30 and h["ops_total"] == 30 * 8 and h["edges_total"] == 30 * 28
    assert 0 <= h["exact_match"] <= h["accuracy"] <= 1
    assert g["num_samples"] == 200 and 0 <= g["num_unique"] <= g["num_valid"] <= 200
    gr, hr = res["generation_reference"], res["held_out_reference"]
    assert gr["num_samples"] == 200 and 0 <= gr["num_unique"] <= gr["num_valid"] <= 200
    assert gr["num_valid"] >= g["num_valid"]  # NB201: labels only, a weaker rule
    assert hr["accuracy"] == h["accuracy"]  # NB201 has no padding rows
    assert res["config"]["eval_after_epochs"] == 1 and res["config"]["split"] == "reference"
    assert res["data"]["train_cells"] == 270 and res["model"]["op_decoder"] == "sigmoid"
    assert res["model"]["kl_weight"] == 1 / (8 * 8)  # reference: 1 / (batch x nodes)

    # The embeddings are the node-means of mu under the checkpointed parameters.
    emb = emb_io.load(w / "embeddings.npz").as_dict()
    assert emb["embeddings"].shape == (300, 16) and len(np.unique(emb["ids"])) == 300
    model, params, state, saved = arch2vec.restore(w)
    assert saved["method"] == "arch2vec" and saved["model"]["hidden"] == 16
    cells = arch2vec.load_cells("nb201", jax.random.fold_in(jax.random.key(0), 0), 300)
    np.testing.assert_array_equal(cells.ids, emb["ids"])
    again = arch2vec.embed(model, params, state, cells.adjacency, cells.ops, batch_size=64)
    np.testing.assert_allclose(again, emb["embeddings"], rtol=1e-5, atol=1e-6)

    out = tmp_path / "table"
    r = _run("experiments.arch2vec_table", f"--results={w}/results.json", f"--output={out}")
    assert r.returncode == 0, r.stderr[-3000:]
    table = json.loads((tmp_path / "table.json").read_text())
    cell = table["cells"]["arch2vec"]["nb201"]
    assert cell["accuracy"] == 100 * h["accuracy"] and table["cells"]["gae"]["nb101"] is None
    assert table["seed"]["arch2vec"]["nb201"]["uniqueness"] == 98.72
    md = (tmp_path / "table.md").read_text()
    assert "| arch2vec |" in md and "98.72" in md and "reference code's definitions" in md
    assert cell["validity_reference"] == 100 * gr["validity"]


@pytest.mark.slow
def test_darts_jraph_smoke_in_process(tmp_path):
    from experiments.configs import arch2vec_darts

    cfg = arch2vec_darts.get_config("smoke,jraph")
    res = arch2vec.train_and_evaluate(cfg, tmp_path)
    assert res["completed"] and res["model"]["graph_form"] == "jraph"
    assert res["data"]["darts_sampled"] == 300 and res["data"]["max_nodes"] == 11
    emb = emb_io.load(tmp_path / "embeddings.npz").as_dict()
    assert emb["darts_cells"].shape == (res["data"]["num_cells"], 8, 2)
    assert np.isfinite(emb["embeddings"]).all()
