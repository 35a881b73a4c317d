"""Built-in benchmarks vs the raw files read independently in the test."""

import json
import math
import zipfile

import jax
import numpy as np
import pytest

from jaxnas.benchmarks import builtin, tabular
from jaxnas.spaces import nb101, nb201


@pytest.fixture(scope="module")
def b20k(data_dir):
    return builtin.nb101_20k(data_dir)


def test_nb101_20k_counts_and_spot_values(b20k, data_file):
    raw = json.loads(data_file("nb101/nasbench_vis_data-20k.json").read_text())
    assert b20k.size == 20_001 and b20k.fidelities == (4, 12, 36, 108)
    for i in [0, 17, 4_000, 20_000]:
        r = b20k.index_of([raw["key"][i]])[0]
        for f, e in enumerate((4, 12, 36, 108)):
            assert b20k.metrics["valid_acc"][r, f, 0] == pytest.approx(
                raw[f"{e}_final_validation_accuracy"][i], rel=1e-6
            )
        assert b20k.metrics["train_time"][r, 3, 0] == pytest.approx(
            raw["final_training_time"][i], rel=1e-6
        )
        a, o = b20k.arch["adjacency"][r], b20k.arch["ops"][r]
        assert nb101.cell_hash(a, o) == raw["key"][i]
        assert nb101.num_params(a, o) == raw["trainable_parameters"][i]
    assert "nasbench_vis_data-20k.json" in b20k.source


def test_nb101_20k_neighbours_are_one_edit_away(b20k):
    rows = np.flatnonzero((b20k.neighbours >= 0).any(axis=1))[:25]
    assert len(rows) == 25
    for r in rows:
        na, no = nb101.neighbours(b20k.arch["adjacency"][r], b20k.arch["ops"][r])
        one_edit = {nb101.cell_hash(a, o) for a, o in zip(na, no, strict=True)}
        got = {b20k.keys[j] for j in b20k.neighbours[r] if j >= 0}
        assert got and got <= one_edit
        assert got == one_edit & set(b20k.keys.tolist())


def test_nb101_ec_multi_seed(data_dir):
    b = builtin.nb101_ec(data_dir)
    assert b.size == 91 and b.fidelities == (4, 12, 36, 108) and b.num_repeats == 3
    assert np.isfinite(b.metrics["valid_acc"]).all()
    # Seeds differ (real repeated training), and longer training helps on average.
    assert (b.metrics["valid_acc"].std(axis=2) > 0).mean() > 0.9
    m = b.metrics["valid_acc"].mean(axis=(0, 2))
    assert m[0] < m[-1]
    out = tabular.query(b, 5, 3, jax.random.key(0))
    assert float(out["valid_acc"]) in b.metrics["valid_acc"][5, 3].tolist()


def _naslib_nb201(path, dataset):
    # NASLib edge order (1,2),(1,3),(1,4),(2,3),(2,4),(3,4);
    # ops 0 skip, 1 none, 2 conv3, 3 conv1, 4 pool
    names = ["skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3"]
    out = {}
    with zipfile.ZipFile(path) as z:
        for f in z.namelist():
            if f"--{dataset}--" not in f:
                continue
            for rec in json.loads(z.read(f)):
                t = [int(x) for x in rec["arch"].strip("()").split(",")]
                e12, e13, e14, e23, e24, e34 = (names[i] for i in t)
                s = f"|{e12}~0|+|{e13}~0|{e23}~1|+|{e14}~0|{e24}~1|{e34}~2|"
                out[s] = rec["val_accuracy"]
    return out


@pytest.mark.parametrize("dataset", ["cifar10", "ImageNet16-120"])
def test_nb201_vs_raw(data_dir, data_file, dataset):
    b = builtin.nb201(dataset, data_dir)
    raw = _naslib_nb201(data_file("nb201/naslib_nb201_zen.zip"), dataset)
    assert b.size == 15_625 == len(raw)
    for s in [b.keys[0], b.keys[777], b.keys[15_624]]:
        assert b.metrics["valid_acc"][b.index_of([s])[0], 0, 0] == pytest.approx(
            raw[s] / 100, rel=1e-6
        )
    vis = json.loads(data_file("nb201/nasbench_vis_nas-201-arch.json").read_text())
    assert list(b.keys) == vis["archs"]
    if dataset == "cifar10":
        assert b.metrics["test_acc"][123, 0, 0] == pytest.approx(vis["accuracies"][123] / 100)
        assert tabular.best(b, "test_acc")[1] == pytest.approx(0.9437, abs=1e-4)
    else:
        assert np.isnan(b.metrics["test_acc"]).all()
    # Neighbour table: 24 distinct rows, each differing in exactly one edge.
    cells = b.arch["cells"]
    for r in [0, 5_000]:
        nb = b.neighbours[r]
        assert len(set(nb.tolist())) == 24
        assert (np.asarray(nb201.edit_distance(cells[nb], cells[r])) == 1).all()
    with pytest.raises(ValueError, match="unknown NB201 dataset"):
        builtin.nb201("cifar11", data_dir)


def test_nbnlp_wt2(data_dir, data_file):
    b = builtin.nbnlp_wt2(data_dir)
    assert b.size == 345 and b.fidelities == tuple(range(1, 51))
    status = b.arch["status"]
    assert (status != "ok").sum() >= 1  # diverged or short runs are flagged, not dropped
    with zipfile.ZipFile(data_file("nbnlp/train_logs_wikitext-2_logs.zip")) as z:
        name = [f for f in z.namelist() if f.endswith(b.keys[10].split("/")[-1])][0]
        log = json.loads(z.read(name))
    losses = log["val_losses"]
    r = 10
    for e in (0, len(losses) - 1):
        if math.isfinite(losses[e]):
            assert b.metrics["valid_loss"][r, e, 0] == pytest.approx(losses[e], rel=1e-6)
    ok = status == "ok"
    assert np.isfinite(b.metrics["valid_loss"][ok]).all()
