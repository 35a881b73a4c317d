"""CIFAR-10 reader (official python format, generated tiny files), registry errors and the
DARTS augmentation."""

import hashlib
import io
import pickle
import tarfile

import jax
import numpy as np
import pytest

from jaxnas import data
from jaxnas.data import cifar10, registry


def _tiny(seed=0, n_train=10, n_test=4) -> cifar10.CIFAR10:
    rng = np.random.default_rng(seed)
    return cifar10.CIFAR10(
        rng.integers(0, 256, (n_train, 32, 32, 3), dtype=np.uint8),
        rng.integers(0, 10, n_train).astype(np.int32),
        rng.integers(0, 256, (n_test, 32, 32, 3), dtype=np.uint8),
        rng.integers(0, 10, n_test).astype(np.int32),
    )


def _official_layout_file(path, images, labels):
    """Written by hand after the format's description (https://www.cs.toronto.edu/~kriz/
    cifar.html): rows of 1024 red, 1024 green, 1024 blue values, each plane row-major."""
    rows = np.stack(
        [np.concatenate([images[i, :, :, c].reshape(-1) for c in range(3)])
         for i in range(len(images))]
    ).astype(np.uint8)  # fmt: skip
    with tarfile.open(path, "w:gz") as tar:
        for m in (*cifar10.TRAIN_MEMBERS, cifar10.TEST_MEMBER):
            raw = pickle.dumps({b"data": rows, b"labels": list(map(int, labels))}, protocol=2)
            info = tarfile.TarInfo(m)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def _entry(path) -> registry.DataFile:
    body = path.read_bytes()
    return registry.DataFile(
        "test_cifar", "cifar10/cifar-10-python.tar.gz", None, None, None,
        hashlib.sha256(body).hexdigest(), len(body), "test", "generated",
    )  # fmt: skip


def test_reads_the_official_layout(tmp_path):
    d = _tiny()
    p = tmp_path / "c.tar.gz"
    _official_layout_file(p, d.train_images[:2], d.train_labels[:2])
    got = cifar10.read_cifar10(p)
    assert got.train_images.shape == (10, 32, 32, 3) and got.train_images.dtype == np.uint8
    np.testing.assert_array_equal(got.train_images[:2], d.train_images[:2])
    np.testing.assert_array_equal(got.train_images[8:], d.train_images[:2])
    np.testing.assert_array_equal(got.test_labels, d.train_labels[:2])


def test_write_read_round_trip(tmp_path):
    d = _tiny()
    p = tmp_path / "c.tar.gz"
    cifar10.write_cifar10(p, d)
    got = cifar10.read_cifar10(p)
    for a, b in zip(got, d, strict=True):
        np.testing.assert_array_equal(a, b)


def test_registry_entry_and_errors(tmp_path):
    e = data.entry("cifar10_python")
    assert e.url() == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert e.url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/~kriz/cifar-10-python.tar.gz"
    assert e.downloadable and e.size == 170_498_071
    with pytest.raises(data.DataNotFoundError, match="cifar10/cifar-10-python.tar.gz"):
        cifar10.load_cifar10(tmp_path / "empty", download=False, cache_dir=tmp_path / "cache")

    good = tmp_path / "good.tar.gz"
    cifar10.write_cifar10(good, _tiny())
    ddir = tmp_path / "data"
    (ddir / "cifar10").mkdir(parents=True)
    target = ddir / "cifar10" / "cifar-10-python.tar.gz"
    target.write_bytes(good.read_bytes())
    got = cifar10.load_cifar10(ddir, entry=_entry(good), cache_dir=tmp_path / "cache")
    assert got.train_images.shape == (10, 32, 32, 3)
    # The real entry's checksum rejects this (different) file.
    with pytest.raises(data.ChecksumError, match="size mismatch"):
        cifar10.load_cifar10(ddir, download=False, cache_dir=tmp_path / "cache")
    # Same size, one byte changed: sha256 mismatch.
    body = bytearray(good.read_bytes())
    body[100] ^= 0xFF
    target.write_bytes(bytes(body))
    with pytest.raises(data.ChecksumError, match="sha256 mismatch"):
        cifar10.load_cifar10(ddir, entry=_entry(good), cache_dir=tmp_path / "cache")


def test_truncated_corrupt_and_unsafe_files(tmp_path):
    good = tmp_path / "good.tar.gz"
    cifar10.write_cifar10(good, _tiny())
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(data.FormatError, match="truncated or corrupt"):
        cifar10.read_cifar10(cut)
    with pytest.raises(FileNotFoundError):
        cifar10.read_cifar10(tmp_path / "absent.tar.gz")

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        for m in (*cifar10.TRAIN_MEMBERS, cifar10.TEST_MEMBER):
            raw = pickle.dumps({b"data": Evil(), b"labels": [0]}, protocol=2)
            info = tarfile.TarInfo(m)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    with pytest.raises(data.FormatError, match="not allowed"):
        cifar10.read_cifar10(bad)


def test_augment_crop_flip_normalise():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    out = np.asarray(cifar10.augment(jax.random.key(0), images, pad=4, cutout=0))
    assert out.shape == (6, 32, 32, 3) and out.dtype == np.float32
    padded = np.pad(images, ((0, 0), (4, 4), (4, 4), (0, 0)))
    mean, std = np.asarray(cifar10.MEAN), np.asarray(cifar10.STD)
    for i in range(6):
        cands = []
        for oy in range(9):
            for ox in range(9):
                crop = padded[i, oy : oy + 32, ox : ox + 32]
                cands += [crop, crop[:, ::-1]]
        norm = [(c / 255.0 - mean) / std for c in cands]
        assert min(np.abs(n - out[i]).max() for n in norm) < 1e-5
    # No padding, no cutout: the image itself or its mirror.
    out0 = np.asarray(cifar10.augment(jax.random.key(1), images, pad=0, cutout=0))
    ref = np.asarray(cifar10.normalize(images))
    for i in range(6):
        assert np.allclose(out0[i], ref[i], atol=1e-6) or np.allclose(
            out0[i], ref[i, :, ::-1], atol=1e-6
        )


def test_cutout_is_a_clipped_16_pixel_square():
    images = np.full((64, 32, 32, 3), 255, np.uint8)  # normalised values are all nonzero
    out = np.asarray(cifar10.augment(jax.random.key(0), images, pad=0, cutout=16))
    sides = []
    for i in range(64):
        hole = out[i, :, :, 0] == 0
        assert np.all((out[i] == 0) == hole[:, :, None])
        ys, xs = np.nonzero(hole)
        h, w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        assert hole.sum() == h * w and 8 <= h <= 16 and 8 <= w <= 16  # a rectangle
        sides += [h, w]
    assert 16 in sides  # centred away from the border: the full square
