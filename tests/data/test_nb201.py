"""NAS-Bench-201 readers: NASLib tuple -> official arch string, aligned by official index."""

import itertools
import json
import time
import zipfile

import numpy as np
import pytest
from scipy import stats

from jaxnas import data
from jaxnas.data import nb201


def test_conversion_examples_and_roundtrip():
    # (1,2)=nor_conv_3x3 (2), (1,3)=none (1), (1,4)=skip (0), (2,3)=avg (4), (2,4)=1x1 (3),
    # (3,4)=none (1)
    s = data.naslib_to_arch_str((2, 1, 0, 4, 3, 1))
    assert s == ("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|")
    for t in itertools.islice(itertools.product(range(5), repeat=6), 0, 15625, 97):
        assert data.arch_str_to_naslib(data.naslib_to_arch_str(t)) == t
    with pytest.raises(ValueError, match="out of range"):
        data.naslib_to_arch_str((5, 0, 0, 0, 0, 0))
    with pytest.raises(ValueError, match="not an NB201 arch string"):
        data.arch_str_to_naslib("|conv~0|")


def test_nb201_table(data_dir, data_file, tmp_path):
    arch_json = json.loads(data_file("nb201/nasbench_vis_nas-201-arch.json").read_text())
    zp = data_file("nb201/naslib_nb201_zen.zip")
    t0 = time.perf_counter()
    t = data.load_nb201(data_dir, cache_dir=tmp_path, download=False)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    t2 = data.load_nb201(data_dir, cache_dir=tmp_path, download=False)
    assert time.perf_counter() - t0 < 1.0, first
    np.testing.assert_array_equal(t.val_accuracy, t2.val_accuracy)

    n = nb201.NUM_ARCHS
    assert t.arch_str.tolist() == arch_json["archs"]  # official index order
    assert t.val_accuracy.shape == (n, 3) and np.isfinite(t.val_accuracy).all()
    assert t.datasets.tolist() == ["cifar10", "cifar100", "ImageNet16-120"]
    assert len({tuple(r) for r in t.naslib_arch}) == n  # a bijection onto the official strings
    np.testing.assert_array_equal(t.test_accuracy_cifar10, arch_json["accuracies"])
    assert t.test_accuracy_cifar10.max() == pytest.approx(94.3733, abs=1e-3)

    # spot values straight from the zip, looked up by converting the tuple independently
    idx = {s: i for i, s in enumerate(arch_json["archs"])}
    names = {"cifar10": 0, "cifar100": 1, "ImageNet16-120": 2}
    with zipfile.ZipFile(zp) as z:
        for m in [x for x in z.namelist() if x.endswith("--0.json")]:
            ds = m.split("--")[2]
            for r in json.loads(z.read(m))[:20]:
                ops = [int(x) for x in r["arch"].strip("()").split(",")]
                o = [nb201.NASLIB_OPS[k] for k in ops]
                s = f"|{o[0]}~0|+|{o[1]}~0|{o[3]}~1|+|{o[2]}~0|{o[4]}~1|{o[5]}~2|"
                i = idx[s]
                assert t.val_accuracy[i, names[ds]] == r["val_accuracy"]
                assert t.zen_score[i, names[ds]] == r["zen"]["score"]
                assert t.naslib_arch[i].tolist() == ops


def test_mapping_is_the_one_the_data_supports(data_dir, tmp_path):
    """NASLib's CIFAR-10 validation accuracy must track the official test accuracy.

    The stated edge order gives Spearman ~0.98; swapping edges (1,4) and (2,3) -- the usual
    mistake -- or the op indices of skip_connect and none drops it well below.
    """
    t = data.load_nb201(data_dir, cache_dir=tmp_path, download=False)
    rho = stats.spearmanr(t.val_accuracy[:, 0], t.test_accuracy_cifar10).statistic
    assert rho > 0.95
    index = {s: i for i, s in enumerate(t.arch_str.tolist())}
    for perm, opmap in [((0, 1, 3, 2, 4, 5), None), ((0, 1, 2, 3, 4, 5), {0: 1, 1: 0})]:
        wrong = np.empty(len(index))
        for row, acc in zip(t.naslib_arch, t.val_accuracy[:, 0], strict=True):
            p = [int(row[k]) for k in perm]
            if opmap:
                p = [opmap.get(k, k) for k in p]
            wrong[index[data.naslib_to_arch_str(p)]] = acc
        assert stats.spearmanr(wrong, t.test_accuracy_cifar10).statistic < rho - 0.1


def test_incomplete_zip_is_an_error(data_file, tmp_path):
    src = data_file("nb201/naslib_nb201_zen.zip")
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(tmp_path / "part.zip", "w") as out:
        for m in z.namelist():
            if m.endswith("--0.json"):
                out.writestr(m, z.read(m))
    with pytest.raises(data.FormatError, match="incomplete"):
        data.read_nb201(tmp_path / "part.zip", data_file("nb201/nasbench_vis_nas-201-arch.json"))
