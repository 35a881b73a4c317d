"""Smoke runs of experiments/pretrain_cate.py in a subprocess: outputs, an interrupted run
resumed from its checkpoint, the best validation-KL parameters kept and embedded, 'last'
embeddings (CATE's) distinct for distinct cells, matching the restored parameters."""

import json

import numpy as np
import pytest

from jaxnas import embeddings as emb_io
from tests.cate_checks import assert_distinct_as_classes, cate_classes
from tests.conftest import run_binary


def _run(workdir, *extra):
    return run_binary(
        "experiments.pretrain_cate",
        "--config=experiments/configs/cate_nb201.py:smoke",
        f"--workdir={workdir}",
        *extra,
        timeout=600,
    )


@pytest.mark.slow
def test_pretrain_cate_smoke_and_resume(tmp_path):
    import jax

    from jaxnas import train
    from jaxnas.models import cate as cm
    from jaxnas.pretrain import cate

    w = tmp_path / "run"
    r = _run(w, "--config.stop_at_step=3")
    assert r.returncode == 0, r.stderr[-3000:]
    first = json.loads((w / "results.json").read_text())
    assert first["step"] == 3 and not first["completed"] and first["num_steps"] == 6

    r = _run(w)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resumed from step 3" in r.stderr
    res = json.loads((w / "results.json").read_text())
    assert res["completed"] and res["step"] == 6
    steps = [row["step"] for row in res["loss_curve"]]
    assert steps == sorted(set(steps)) and steps[-1] == 6 and 3 in steps
    ho = res["held_out"]
    assert ho["masked_positions"] > 0 and ho["kl"] > 0
    kl = dict(res["validation_kl_curve"])
    assert {2, 4, 6} <= set(kl) <= {2, 3, 4, 6}  # eval_every=2 in :smoke, 3: the first stop
    best = json.loads((w / "best.json").read_text())
    assert kl[best["step"]] == min(kl.values()) and best["kl"] == min(kl.values())
    assert res["embedded_params"] == f"best validation KL, step {best['step']}"
    np.testing.assert_allclose(ho["kl"], best["kl"], rtol=1e-6)
    for k in ("acc", "acc_freq_baseline", "acc_position_freq_baseline"):
        assert 0.0 <= ho[k] <= 1.0
    assert res["data"]["num_cells"] == 300 and res["data"]["subsampled"]
    assert res["data"]["train_cells"] + res["data"]["held_out_cells"] == 300
    assert res["config"]["preset"] == "cpu_tiny" and res["wall_time_s"]["train_this_invocation"] > 0

    saved = train.checkpoint.read_config(w)
    assert saved["model"]["d_model"] == 32 and saved["max_nodes"] == 8
    assert not saved["model"]["ancestors"] and saved["pretrain"]["pooling"] == "last"
    assert saved["model"]["token_ids"] == "reference" and saved["pretrain"]["keep_best"]

    emb = emb_io.load(w / "embeddings.npz").as_dict()
    assert emb["embeddings"].shape == (300, 32) and str(emb["pooling"]) == "last"
    assert len(set(emb["ids"].tolist())) == 300
    model, params, _ = cate.restore(w)  # the best parameters
    cells = cate.load_cells("nb201", key=jax.random.fold_in(jax.random.key(0), 0), num_cells=300)
    np.testing.assert_array_equal(cells.ids, emb["ids"])
    again = cate.embed_cells(model, params, cells.adjacency, cells.ops, "last")
    np.testing.assert_allclose(again, emb["embeddings"], atol=1e-5)
    # The smoke-trained 'last' embedding tells every one of the 300 NB201 cells apart.
    t = cm.cell_tokens(model.config, cells.adjacency, cells.ops)
    classes = cate_classes(
        np.asarray(t.attention_mask), np.asarray(t.tokens), np.asarray(t.token_mask), 3
    )["last"]
    assert assert_distinct_as_classes(emb["embeddings"], classes) == 300


def test_pretrain_cate_rejects_unknown_variant(tmp_path):
    r = run_binary(
        "experiments.pretrain_cate",
        "--config=experiments/configs/cate_nb201.py:bogus",
        f"--workdir={tmp_path}",
        timeout=300,
    )
    assert r.returncode != 0 and "bogus" in r.stderr
