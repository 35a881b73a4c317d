"""Real learning curves: NAS-Bench-NLP WikiText-2 logs and TaskSet."""

import json
import math
import time
import zipfile

import numpy as np
import pytest

from jaxnas import data
from jaxnas.data import nbnlp, taskset


def test_nbnlp_logs(data_dir, data_file, tmp_path):
    zp = data_file("nbnlp/train_logs_wikitext-2_logs.zip")
    t = data.load_nbnlp(data_dir, cache_dir=tmp_path, download=False)
    t0 = time.perf_counter()
    t2 = data.load_nbnlp(data_dir, cache_dir=tmp_path, download=False)
    assert time.perf_counter() - t0 < 1.0
    np.testing.assert_array_equal(t.val_loss, t2.val_loss)

    assert len(t.filename) == 345 and t.val_loss.shape == (345, nbnlp.MAX_EPOCHS)
    status = t.status.tolist()
    assert status.count("ok") == 341 and status.count("diverged") == 4
    bad = t.status != "ok"
    assert (t.upstream_status[bad] == "loss is nan!").all()
    assert (t.length[~bad] == 50).all() and (t.length[bad] < 50).all()
    assert np.isfinite(t.val_loss[~bad]).all()
    for i in np.flatnonzero(bad):
        L = t.length[i]
        assert not np.isfinite(t.val_loss[i, L - 1])  # the diverged epoch is kept
        assert np.isnan(t.val_loss[i, L:]).all()  # padding
        assert t.num_finite[i] < L and np.isfinite(t.val_loss[i, : t.num_finite[i]]).all()

    with zipfile.ZipFile(zp) as z:
        for i in (0, 100, int(np.flatnonzero(bad)[0])):
            r = json.loads(z.read(t.filename[i]))
            assert t.recipe[i] == r["recepie"] and t.recipe_id[i] == r["recepie_id"]
            assert t.num_params[i] == r["num_params"]
            L = len(r["val_losses"])
            np.testing.assert_array_equal(t.val_loss[i, :L], r["val_losses"])
            np.testing.assert_array_equal(t.train_loss[i, :L], r["train_losses"])
            np.testing.assert_array_equal(t.wall_time[i, :L], r["wall_times"])
    json.loads(t.recipe[0])  # the recipe is the JSON string as stored


def test_nbnlp_short_and_inconsistent(tmp_path):
    base = {"recepie": "{}", "recepie_id": 1, "num_params": 10, "status": "OK", "epochs": 50,
            "experiment_id": 3}  # fmt: skip
    ok = dict(base, train_losses=[1.0] * 50, val_losses=[1.0] * 50, test_losses=[1.0] * 50,
              wall_times=[2.0] * 50)  # fmt: skip
    short = dict(ok, train_losses=[1.0] * 7, val_losses=[1.0] * 7, test_losses=[1.0] * 7,
                 wall_times=[2.0] * 7)  # fmt: skip
    inf = dict(short, val_losses=[1.0] * 6 + [math.inf])
    with zipfile.ZipFile(tmp_path / "logs.zip", "w") as z:
        for name, r in [("a.json", ok), ("b.json", short), ("c.json", inf)]:
            z.writestr(name, json.dumps(r))
    t = data.read_nbnlp_logs(tmp_path / "logs.zip")
    assert t.status.tolist() == ["ok", "short", "diverged"]
    assert t.length.tolist() == [50, 7, 7] and t.num_finite.tolist() == [50, 7, 6]
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as z:
        z.writestr("x.json", json.dumps(dict(ok, wall_times=[1.0])))
    with pytest.raises(data.FormatError, match="differ in length"):
        data.read_nbnlp_logs(tmp_path / "bad.zip")


EXPECTED_DIVERGED = {
    "imdb_patch128_LSTM128_avg_bs64": 84,
    "imdb_patch128_LSTM128_embed128_bs64": 78,
    "imdb_patch32_GRU64_avg_bs128": 0,
    "imdb_patch32_IRNN64_relu_last_bs128": 245,
    "imdb_patch32_LSTM128_bs128": 3,
    "imdb_patch32_VRNN64_relu_avg_bs128": 171,
}


@pytest.mark.parametrize("task", sorted(EXPECTED_DIVERGED))
def test_taskset(data_dir, data_file, tmp_path, task):
    full = "FixedTextRNNClassification_" + task
    raw = json.loads(data_file(f"taskset/{full}.json").read_text())
    t = data.load_taskset(task, data_dir, cache_dir=tmp_path, download=False)
    assert t.hp.shape == (1000, 8) and t.valid_loss.shape == (1000, 51)
    assert t.hp_names.tolist() == list(taskset.HP_NAMES)
    assert int(t.diverged.sum()) == EXPECTED_DIVERGED[task]
    for i in (0, 500, 999, *np.flatnonzero(t.diverged)[:2].tolist()):
        r = raw[i]
        assert t.hp[i].tolist() == [r["hp"][k] for k in taskset.HP_NAMES]
        np.testing.assert_array_equal(t.valid_loss[i], r["valid"]["loss"])
        np.testing.assert_array_equal(t.test_loss[i], r["test"]["loss"])
        finite = np.isfinite(r["train"]["loss"]) & np.isfinite(r["valid"]["loss"])
        finite &= np.isfinite(r["test"]["loss"])
        assert t.num_finite[i] == (51 if finite.all() else int(np.argmin(finite)))
    k = t.num_finite
    assert np.isfinite(t.valid_loss[~t.diverged]).all()
    assert all(np.isnan(t.valid_loss[i, k[i] :]).all() for i in np.flatnonzero(t.diverged))


def test_taskset_unknown_task(tmp_path):
    with pytest.raises(KeyError, match="unknown TaskSet task"):
        data.load_taskset("nope", tmp_path, cache_dir=tmp_path, download=False)
