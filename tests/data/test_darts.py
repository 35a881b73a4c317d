"""DARTS / NB301 files: NASLib genotypes and zero-cost data, and the YAHPO ONNX surrogate."""

import ast
import json
import sys

import numpy as np
import pytest
from scipy import stats

from jaxnas import data
from jaxnas.data import yahpo


def test_parse_compact():
    a = data.parse_darts_compact("(((0, 6), (1, 4), (0, 0), (1, 5), (1, 4), (3, 2), (0, 6), "
                                 "(3, 2)), ((0, 1), (1, 4), (0, 1), (1, 4), (2, 6), (3, 4), "
                                 "(1, 5), (2, 1)))")  # fmt: skip
    assert a.shape == (2, 8, 2) and a[0, 5].tolist() == [3, 2] and a[1, 7].tolist() == [2, 1]
    with pytest.raises(ValueError, match="input node out of range"):
        data.parse_darts_compact(str([[(2, 0)] * 8, [(0, 0)] * 8]))
    with pytest.raises(ValueError, match="found 4 integers"):
        data.parse_darts_compact("((0, 1), (1, 2))")


def test_darts_archs(data_dir, data_file, tmp_path):
    raw = json.loads(data_file("darts/naslib_archs_nasbench301.json").read_text())
    t = data.load_darts_archs(data_dir, cache_dir=tmp_path, download=False)
    assert t.compact.shape == (11221, 2, 8, 2) and len(raw) == 11221
    for i in (0, 5000, 11220):
        k = t.arch_id[i]
        assert t.arch[i] == raw[k]
        assert ast.literal_eval(raw[k]) == tuple(tuple(map(tuple, c)) for c in t.compact[i])
    # every genotype converts to a valid NB301 configuration (two distinct inputs per node)
    assert (t.compact[:, :, 0::2, 0] != t.compact[:, :, 1::2, 0]).all()


def test_nb301_zc_labelled_as_surrogate(data_dir, data_file, tmp_path):
    raw = json.loads(data_file("darts/naslib_zc_nasbench301.json").read_text())["cifar10"]
    t = data.load_nb301_zc(data_dir, cache_dir=tmp_path, download=False)
    assert "val_accuracy_nb301_surrogate" in t._fields and "val_accuracy" not in t._fields
    assert len(t.arch) == 725 and t.compact.shape == (725, 2, 8, 2)
    for i in (0, 362, 724):
        r = raw[t.arch[i]]
        assert t.val_accuracy_nb301_surrogate[i] == r["val_accuracy"]
        assert t.flops[i] == r["flops"]["score"] and t.params[i] == r["params"]["score"]
        j = t.proxy_names.tolist().index("synflow")
        assert t.proxy_scores[i, j] == r["synflow"]["score"]
        assert str(t.idx[i]) == r["idx"]
    assert 90 < t.val_accuracy_nb301_surrogate.mean() < 96


@pytest.mark.parametrize(
    ("name", "datasets", "n"),
    [("nb101_naslib_zc", ["cifar10"], 500),
     ("nb201_naslib_zc", ["cifar10", "cifar100", "ImageNet16-120"], 725)],
)  # fmt: skip
def test_naslib_zc_other_spaces(data_dir, data_file, tmp_path, name, datasets, n):
    raw = json.loads(data_file(data.entry(name).relpath).read_text())
    raw = raw.get("nasbench101", raw)
    for ds in datasets:
        t = data.load_naslib_zc(name, ds, data_dir, cache_dir=tmp_path, download=False)
        assert abs(len(t.arch) - n) <= 1  # NB201 ImageNet16-120 has 724
        r = raw[ds][t.arch[3]]
        flops = r["flops"]["score"] if isinstance(r["flops"], dict) else r["flops"]
        assert t.flops[3] == flops and t.val_accuracy[3] == r["val_accuracy"]
    with pytest.raises(KeyError, match="no dataset"):
        data.load_naslib_zc(name, "svhn", data_dir, cache_dir=tmp_path, download=False)


# ---------------------------------------------------------------------------------------
# YAHPO nb301 surrogate


@pytest.fixture(scope="module")
def surrogate(data_dir, tmp_path_factory):
    pytest.importorskip("onnxruntime")
    return data.load_yahpo_nb301(data_dir, cache_dir=tmp_path_factory.mktemp("c"), download=False)


def test_missing_onnxruntime_message(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"pip install jaxnas\[onnx\]"):
        data.load_yahpo_nb301(tmp_path, cache_dir=tmp_path, download=False)


def test_compact_to_config_follows_naslib(surrogate):
    c = np.array([[(0, 6), (1, 4), (0, 0), (1, 5), (1, 4), (3, 2), (0, 6), (3, 2)],
                  [(0, 1), (1, 4), (0, 1), (1, 4), (2, 6), (3, 4), (1, 5), (2, 1)]])  # fmt: skip
    cfg = data.darts_compact_to_config(c)
    p = yahpo.PREFIX
    assert cfg[p + "edge_normal_0"] == "dil_conv_5x5" and cfg[p + "edge_normal_1"] == "sep_conv_5x5"
    assert cfg[p + "edge_normal_2"] == "max_pool_3x3" and cfg[p + "edge_normal_3"] == "dil_conv_3x3"
    # node 4 takes inputs 1 and 3: edges 5 + 1 = 6 and 5 + 3 = 8
    assert cfg[p + "edge_normal_6"] == "sep_conv_5x5" and cfg[p + "edge_normal_8"] == "skip_connect"
    assert cfg[p + "inputs_node_normal_4"] == "1_3" and cfg[p + "inputs_node_normal_5"] == "0_3"
    assert (
        cfg[p + "edge_normal_9"] == "dil_conv_5x5" and cfg[p + "edge_normal_12"] == "skip_connect"
    )
    assert len(cfg) == 2 * (8 + 3)
    x = data.encode_configs(surrogate, cfg)
    assert x.shape == (1, 34) and x.dtype == np.int32
    assert (x[0, :28] > 0).sum() == 16 and (x[0, :28] == 0).sum() == 12  # 12 inactive edges
    with pytest.raises(ValueError, match="same|bad inputs"):
        data.darts_compact_to_config(np.array([[(0, 1), (0, 1)] + [(0, 0)] * 6] * 2))


def test_encoding_matches_encoding_json(surrogate, data_file):
    enc = json.loads(data_file("darts/yahpo_nb301_v2/encoding_v2.json").read_text())
    p = yahpo.PREFIX
    cfg = {"edge_normal_0": "avg_pool_3x3", "edge_normal_1": "skip_connect",
           "edge_normal_2": "sep_conv_3x3", "edge_normal_4": "max_pool_3x3",
           "inputs_node_normal_3": "0_2", "edge_normal_5": "dil_conv_3x3",
           "edge_normal_6": "dil_conv_5x5", "inputs_node_normal_4": "0_1",
           "edge_normal_10": "sep_conv_5x5", "edge_normal_13": "avg_pool_3x3",
           "inputs_node_normal_5": "1_4"}  # fmt: skip
    cfg.update({k.replace("normal", "reduce"): v for k, v in cfg.items()})
    cfg = {"NetworkSelectorDatasetInfo:darts:" + k: v for k, v in cfg.items()}  # NB301 naming
    x = data.encode_configs(surrogate, cfg)[0]
    for j, name in enumerate(yahpo.CAT_NAMES):
        short = name.removeprefix(p)
        want = enc[name][cfg.get("NetworkSelectorDatasetInfo:darts:" + short, "#na#")]
        assert x[j] == want, name
    bad = dict(cfg)
    bad["NetworkSelectorDatasetInfo:darts:edge_normal_3"] = "max_pool_3x3"  # inactive (0_2)
    with pytest.raises(ValueError, match="inactive"):
        data.encode_configs(surrogate, bad)
    bad = dict(cfg)
    del bad["NetworkSelectorDatasetInfo:darts:edge_normal_13"]
    with pytest.raises(ValueError, match="active parameter .*edge_normal_13 is missing"):
        data.encode_configs(surrogate, bad)
    bad = dict(cfg, **{"NetworkSelectorDatasetInfo:darts:edge_normal_0": "conv_7x7"})
    with pytest.raises(ValueError, match="not in"):
        data.encode_configs(surrogate, bad)


def test_yahpo_curves(surrogate, data_dir, tmp_path):
    zc = data.load_nb301_zc(data_dir, cache_dir=tmp_path, download=False)
    epochs = np.array([1, 2, 5, 10, 20, 40, 60, 80, 98])
    c = data.yahpo_curve(surrogate, zc.compact[:200], epochs)
    assert c.val_accuracy.shape == (200, 9) and c.epochs.tolist() == epochs.tolist()
    for f in ("val_accuracy", "val_cross_entropy", "runtime", "runtime_increase"):
        assert np.isfinite(getattr(c, f)).all(), f
    assert (c.val_accuracy > 0.3).all() and (c.val_accuracy < 1.0).all()
    assert 0.85 < np.median(c.val_accuracy[:, -1]) < 0.96
    assert (c.val_cross_entropy > 0).all() and (c.val_cross_entropy < 3).all()
    assert (c.runtime > 0).all() and (c.runtime_increase > 0).all()
    assert np.median(c.runtime[:, -1]) > 10 * np.median(c.runtime[:, 0])
    # curves mostly increase with epoch; cross-entropy mostly falls
    assert (np.diff(c.val_accuracy, axis=1) > 0).mean() > 0.95
    assert (np.diff(c.val_cross_entropy, axis=1) < 0).mean() > 0.8
    assert (c.val_accuracy[:, -1] > c.val_accuracy[:, 0]).all()
    # batch == one at a time
    for i in (0, 7, 199):
        one = data.yahpo_curve(surrogate, zc.compact[i], epochs)
        np.testing.assert_allclose(one.val_accuracy[0], c.val_accuracy[i], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(one.runtime[0], c.runtime[i], rtol=1e-5)
    with pytest.raises(ValueError, match=r"\[1, 98\]"):
        data.yahpo_curve(surrogate, zc.compact[:1], [0, 5])
    with pytest.raises(ValueError, match="integers"):
        data.yahpo_curve(surrogate, zc.compact[:1], [1.5])


def test_column_order_is_the_one_the_model_was_trained_with(surrogate, data_dir, tmp_path):
    """The yahpo_gym column order agrees best with NB301 v1.0's own predictions.

    Spearman over the 725 NASLib genotypes at epoch 98: ~0.59 with yahpo_gym's order,
    0.51 or less with the alphabetical order, reversed reduce edges or swapped cells.
    """
    zc = data.load_nb301_zc(data_dir, cache_dir=tmp_path, download=False)
    x = data.encode_configs(surrogate, zc.compact)

    def rho(cols):
        y = surrogate.session.run(
            None, {"x_cat": x[:, cols], "x_cont": np.full((len(x), 1), 98, np.float32)}
        )[0][:, 0]
        return stats.spearmanr(y, zc.val_accuracy_nb301_surrogate).statistic

    right = rho(np.arange(34))
    assert right > 0.55
    ar = np.arange
    wrong = {
        "sorted": [yahpo.CAT_NAMES.index(n) for n in sorted(yahpo.CAT_NAMES)],
        "reversed reduce": np.r_[ar(14), ar(27, 13, -1), ar(28, 34)],
        "swapped cells": np.r_[ar(14, 28), ar(14), ar(31, 34), ar(28, 31)],
    }
    for name, cols in wrong.items():
        assert rho(np.asarray(cols)) < right - 0.03, name
