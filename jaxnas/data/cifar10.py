"""CIFAR-10 from the official python tarball, without TensorFlow or PyTorch, and the DARTS
training augmentation in JAX.

The file is ``cifar-10-python.tar.gz`` (registry entry ``cifar10_python``, fetched and
sha256-checked by :func:`jaxnas.data.fetch`): ``cifar-10-batches-py/data_batch_1..5`` and
``test_batch``, each a pickled dict with ``b'data'`` (``uint8 [10000, 3072]``, each row the
1024 red, 1024 green then 1024 blue pixels of a 32x32 image, row-major) and ``b'labels'``
(10,000 ints in 0..9). The pickles are read with an unpickler that only admits the classes such
a file needs (numpy arrays), so a crafted file cannot run code.

Augmentation (DARTS ``cnn/utils.py`` ``_data_transforms_cifar10`` and ``Cutout``): random
32x32 crop of the image zero-padded by 4 pixels, horizontal flip with probability 1/2,
``/255``, normalisation with DARTS's ``CIFAR_MEAN`` / ``CIFAR_STD``, then cutout: a 16x16
square (clipped at the border) centred on a uniformly drawn pixel is zeroed.
"""

from __future__ import annotations

import io as _io
import os
import pickle
import tarfile
import zlib
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnas.data import store
from jaxnas.data.errors import FormatError
from jaxnas.data.registry import DataFile

NAME = "cifar10_python"
TRAIN_MEMBERS = tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6))
TEST_MEMBER = "cifar-10-batches-py/test_batch"
MEAN = (0.49139968, 0.48215827, 0.44653124)
"""DARTS's ``CIFAR_MEAN`` (per channel, of pixels / 255)."""
STD = (0.24703233, 0.24348505, 0.26158768)
"""DARTS's ``CIFAR_STD``."""
NUM_CLASSES = 10


class CIFAR10(NamedTuple):
    """CIFAR-10 as arrays.

    Attributes:
      train_images: ``uint8 [N, 32, 32, 3]`` (N = 50,000 for the real file).
      train_labels: ``int32 [N]``.
      test_images: ``uint8 [M, 32, 32, 3]`` (M = 10,000).
      test_labels: ``int32 [M]``.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def _reconstruct():
    core = getattr(np, "_core", None) or np.core
    return core.multiarray._reconstruct


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("_codecs", "encode"): lambda: __import__("codecs").encode,
}


class _Unpickler(pickle.Unpickler):
    """Admits only numpy arrays (and bytes re-encoding): the contents of a CIFAR batch."""

    def find_class(self, module, name):
        get = _ALLOWED.get((module, name))
        if get is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch")
        return get()


def _read_batch(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        d = _Unpickler(_io.BytesIO(raw), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        raise FormatError(f"{where}: not a CIFAR-10 python batch ({e!r})") from e
    if not isinstance(d, dict) or b"data" not in d or b"labels" not in d:
        keys = sorted(d) if isinstance(d, dict) else type(d).__name__
        raise FormatError(f"{where}: expected a dict with b'data' and b'labels', got {keys}")
    x = np.asarray(d[b"data"])
    y = np.asarray(d[b"labels"], dtype=np.int64)
    if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != 3072 or y.shape != (x.shape[0],):
        raise FormatError(
            f"{where}: data {x.dtype} {x.shape} / labels {y.shape}; expected uint8 [n, 3072] "
            "and n labels"
        )
    if y.size and (y.min() < 0 or y.max() >= NUM_CLASSES):
        raise FormatError(f"{where}: labels outside 0..{NUM_CLASSES - 1}")
    images = x.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), y.astype(np.int32)


def read_cifar10(path: str | os.PathLike) -> CIFAR10:
    """Reads the official ``cifar-10-python.tar.gz`` (or a file in its format) into arrays.

    No checksum is checked here (see :func:`load_cifar10`).

    Raises:
      FileNotFoundError: ``path`` does not exist.
      FormatError: the file is truncated or corrupt, or a batch is missing or malformed; the
        message names the file and the member.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such CIFAR-10 file")
    parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = set(tar.getnames())
            for m in (*TRAIN_MEMBERS, TEST_MEMBER):
                if m not in names:
                    raise FormatError(f"{path}: member {m} is missing; is this cifar-10-python?")
                f = tar.extractfile(m)
                if f is None:
                    raise FormatError(f"{path}: member {m} is not a regular file")
                parts[m] = _read_batch(f.read(), f"{path}:{m}")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise FormatError(f"{path}: truncated or corrupt tar.gz ({e!r})") from e
    xs, ys = zip(*(parts[m] for m in TRAIN_MEMBERS), strict=True)
    return CIFAR10(np.concatenate(xs), np.concatenate(ys), *parts[TEST_MEMBER])


def load_cifar10(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    cache_dir: str | os.PathLike | None = None,
    entry: str | DataFile = NAME,
) -> CIFAR10:
    """CIFAR-10 from the data directory (or downloaded), sha256-checked, then read.

    Args:
      data_dir: where ``cifar10/cifar-10-python.tar.gz`` is looked for (see
        :mod:`jaxnas.data.store` for the fallbacks).
      download: download it from the official site when absent.
      cache_dir: cache directory.
      entry: the registry entry (tests pass one for a generated file).

    Raises:
      DataNotFoundError: absent (and not downloadable / ``download=False``): says where it looked.
      ChecksumError: wrong size or sha256 (a truncated or different file).
      DownloadError: the download failed.
      FormatError: the (verified) file cannot be read.
    """
    path = store.fetch(entry, data_dir, cache_dir=cache_dir, download=download)
    return read_cifar10(path)


def write_cifar10(path: str | os.PathLike, data: CIFAR10) -> None:
    """Writes arrays as a file in the official format (5 training batches, a test batch).

    For tests and fixtures: ``read_cifar10(write_cifar10(p, d))`` gives ``d`` back. The number of
    training images must be a multiple of 5.
    """
    n = len(data.train_images)
    if n % 5:
        raise ValueError(f"{n} training images do not split into 5 batches")

    def batch(x, y, label):
        flat = np.asarray(x, np.uint8).transpose(0, 3, 1, 2).reshape(len(x), 3072)
        d = {b"batch_label": label, b"labels": [int(v) for v in y], b"data": flat}
        return pickle.dumps(d, protocol=2)

    k = n // 5
    members = [
        (m, batch(data.train_images[i * k : (i + 1) * k], data.train_labels[i * k : (i + 1) * k],
                  b"training batch %d of 5" % (i + 1)))
        for i, m in enumerate(TRAIN_MEMBERS)
    ]  # fmt: skip
    members.append((TEST_MEMBER, batch(data.test_images, data.test_labels, b"testing batch")))
    with tarfile.open(path, "w:gz") as tar:
        for name, raw in members:
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, _io.BytesIO(raw))


# ----------------------------------------------------------------------------------------------
# Augmentation (on device, inside the jitted step).


def normalize(images: jax.Array) -> jax.Array:
    """``uint8 [..., H, W, 3] -> float32``: ``(x / 255 - MEAN) / STD``."""
    x = images.astype(jnp.float32) / 255.0
    shape = (1,) * (x.ndim - 1) + (3,)
    return (x - jnp.reshape(jnp.asarray(MEAN), shape)) / jnp.reshape(jnp.asarray(STD), shape)


def _augment_one(key: jax.Array, image: jax.Array, pad: int, cutout: int) -> jax.Array:
    h, w, _ = image.shape
    k_crop_y, k_crop_x, k_flip, k_cut_y, k_cut_x = jax.random.split(key, 5)
    padded = jnp.pad(image, ((pad, pad), (pad, pad), (0, 0)))
    oy = jax.random.randint(k_crop_y, (), 0, 2 * pad + 1)
    ox = jax.random.randint(k_crop_x, (), 0, 2 * pad + 1)
    x = jax.lax.dynamic_slice(padded, (oy, ox, 0), (h, w, image.shape[2]))
    x = jnp.where(jax.random.bernoulli(k_flip), x[:, ::-1, :], x)
    x = normalize(x)
    if cutout > 0:
        cy = jax.random.randint(k_cut_y, (), 0, h)
        cx = jax.random.randint(k_cut_x, (), 0, w)
        ys, xs = jnp.arange(h)[:, None], jnp.arange(w)[None, :]
        half = cutout // 2
        hole = (ys >= cy - half) & (ys < cy + half) & (xs >= cx - half) & (xs < cx + half)
        x = jnp.where(hole[:, :, None], 0.0, x)
    return x


def augment(key: jax.Array, images: jax.Array, pad: int = 4, cutout: int = 16) -> jax.Array:
    """DARTS's training transform on a batch: ``uint8 [B, H, W, 3] -> float32 [B, H, W, 3]``.

    Random crop of the zero-padded image (``pad`` pixels each side), horizontal flip with
    probability 1/2, :func:`normalize`, and (``cutout > 0``) a ``cutout x cutout`` square,
    clipped at the border, set to 0. Each example draws its own key from ``key``.
    """
    keys = jax.random.split(key, images.shape[0])
    return jax.vmap(lambda k, x: _augment_one(k, x, pad, cutout))(keys, images)
