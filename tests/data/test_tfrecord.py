"""TFRecord framing / CRC checks and the NAS-Bench-101 row decoder, on synthetic files.

The synthetic files are written here with an independent bit-by-bit CRC-32C and a
hand-rolled protobuf encoder, so the reader is checked against code it does not share.
"""

import base64
import json
import math
import struct

import numpy as np
import pytest

from jaxnas import data
from jaxnas.data import nb101, tfrecord


def ref_crc32c(buf: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in buf:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def ref_masked(buf: bytes) -> int:
    c = ref_crc32c(buf)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def ref_write(path, records):
    with open(path, "wb") as f:
        for r in records:
            head = struct.pack("<Q", len(r))
            f.write(head + struct.pack("<I", ref_masked(head)) + r)
            f.write(struct.pack("<I", ref_masked(r)))


def test_crc32c_known_vectors():
    # RFC 3720 (iSCSI) test vectors
    assert data.crc32c(b"123456789") == 0xE3069283
    assert data.crc32c(bytes(32)) == 0x8A9136AA
    assert data.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert data.crc32c(bytes(range(32))) == 0x46DD794E
    assert data.crc32c(b"") == 0


def test_crc32c_batch_matches_reference():
    rng = np.random.default_rng(0)
    buf = rng.integers(0, 256, 3000, dtype=np.uint8)
    offs = rng.integers(0, 1500, 40)
    lens = rng.integers(0, 1400, 40)
    lens[:5] = [0, 1, 2, 3, 4]
    got = tfrecord.crc32c_batch(buf, offs, lens)
    want = [ref_crc32c(buf[o : o + n].tobytes()) for o, n in zip(offs, lens, strict=True)]
    assert got.tolist() == want


@pytest.fixture
def records():
    rng = np.random.default_rng(1)
    return [rng.bytes(int(n)) for n in [0, 1, 5, 100, 7, 1000, 3, 64, 65, 2]]


def test_roundtrip_and_writer_identical(tmp_path, records):
    ref_write(tmp_path / "a.tfrecord", records)
    assert data.write_tfrecord(tmp_path / "b.tfrecord", records) == len(records)
    assert (tmp_path / "a.tfrecord").read_bytes() == (tmp_path / "b.tfrecord").read_bytes()
    for bs in (1, 3, 4096):
        assert list(data.iter_tfrecord(tmp_path / "a.tfrecord", batch_size=bs)) == records
    (tmp_path / "empty.tfrecord").write_bytes(b"")
    assert list(data.iter_tfrecord(tmp_path / "empty.tfrecord")) == []


def _offsets(records):
    out, pos = [], 0
    for r in records:
        out.append(pos)
        pos += 16 + len(r)
    return out, pos


@pytest.mark.parametrize("where", ["header", "length_crc", "data", "footer"])
def test_truncation_is_reported(tmp_path, records, where):
    ref_write(tmp_path / "a.tfrecord", records)
    raw = (tmp_path / "a.tfrecord").read_bytes()
    offs, total = _offsets(records)
    start = offs[5]  # the 1000-byte record
    cut = {"header": start + 5, "length_crc": start + 10, "data": start + 500, "footer": total - 2}
    (tmp_path / "t.tfrecord").write_bytes(raw[: cut[where]])
    rec = 5 if where != "footer" else 9
    with pytest.raises(data.FormatError, match=rf"truncated.*record {rec} at byte {offs[rec]}"):
        list(data.iter_tfrecord(tmp_path / "t.tfrecord"))


def test_corruption_is_reported(tmp_path, records):
    ref_write(tmp_path / "a.tfrecord", records)
    raw = bytearray((tmp_path / "a.tfrecord").read_bytes())
    offs, _ = _offsets(records)
    bad = bytearray(raw)
    bad[offs[7] + 12 + 10] ^= 0x40  # a data byte of record 7
    (tmp_path / "d.tfrecord").write_bytes(bytes(bad))
    got = []
    with pytest.raises(data.FormatError, match=rf"data CRC mismatch in record 7 at byte {offs[7]}"):
        for r in data.iter_tfrecord(tmp_path / "d.tfrecord", batch_size=4):
            got.append(r)
    assert got == records[:4]  # batches before the bad one were yielded
    assert len(list(data.iter_tfrecord(tmp_path / "d.tfrecord", verify_crc=False))) == 10
    bad = bytearray(raw)
    bad[offs[2]] ^= 0x01  # the length field of record 2: 5 -> 4
    (tmp_path / "l.tfrecord").write_bytes(bytes(bad))
    with pytest.raises(data.FormatError, match="record 2"):
        list(data.iter_tfrecord(tmp_path / "l.tfrecord"))
    bad = bytearray(raw)
    bad[offs[3] + 4] = 0x7F  # a huge length for record 3: past the end of the file
    (tmp_path / "h.tfrecord").write_bytes(bytes(bad))
    with pytest.raises(data.FormatError, match="corrupt TFRecord length of record 3"):
        list(data.iter_tfrecord(tmp_path / "h.tfrecord"))


# ---------------------------------------------------------------------------------------
# NAS-Bench-101 rows in the official format (hand-encoded protobuf)


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _f_double(field: int, x: float) -> bytes:
    return _varint(field << 3 | 1) + struct.pack("<d", x)


def _f_bytes(field: int, b: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(b)) + b


def _f_varint(field: int, v: int) -> bytes:
    return _varint(field << 3) + _varint(v)


def _official_metrics(epochs: int, acc: float, params: int) -> bytes:
    evals = b""
    for k, ep in enumerate((0.0, epochs / 2, float(epochs))):
        e = _f_double(1, ep) + _f_double(2, 10.0 * ep) + _f_double(3, acc + k)
        e += _f_double(4, acc + k + 0.1) + _f_double(5, acc + k + 0.2)
        e += _f_bytes(6, f"/ckpt/model.ckpt-{k}".encode())
        e += _f_varint(7, 5)  # a field unknown to both schemas
        evals += _f_bytes(1, e)
    return evals + _f_varint(2, params) + _f_double(3, 123.5) + _f_bytes(99, b"future")


def _row(h, epochs, adj, ops, metrics) -> bytes:
    adj_s = "".join(str(int(x)) for x in np.asarray(adj).ravel())
    return json.dumps(
        [h, epochs, adj_s, ",".join(ops), base64.b64encode(metrics).decode()]
    ).encode()


def test_official_format_rows(tmp_path):
    a5 = np.triu(np.ones((5, 5), int), 1)
    ops5 = ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"]
    a2 = np.array([[0, 1], [0, 0]])
    rows = [
        _row("a" * 32, 108, a5, ops5, _official_metrics(108, 0.5, 1000)),
        _row("a" * 32, 108, a5, ops5, _official_metrics(108, 0.6, 1000)),
        _row("b" * 32, 4, a2, ["input", "output"], _official_metrics(4, 0.1, 7)),
        _row("a" * 32, 108, a5, ops5, _official_metrics(108, 0.7, 1000)),
    ]
    ref_write(tmp_path / "nasbench_only108.tfrecord", rows)
    recs = list(data.iter_nb101_tfrecord(tmp_path / "nasbench_only108.tfrecord"))
    r = recs[0]
    assert r.module_hash == "a" * 32 and r.epochs == 108 and r.ops == tuple(ops5)
    np.testing.assert_array_equal(r.adjacency, a5)
    e = r.metrics.evaluation_data
    assert len(e) == 3 and e[1].current_epoch == 54.0 and e[2].validation_accuracy == 2.6
    assert e[0].checkpoint_path == "/ckpt/model.ckpt-0" and math.isnan(e[0].energy)
    assert r.metrics.trainable_parameters == 1000 and r.metrics.total_time == 123.5
    assert math.isnan(r.metrics.total_energy)

    t = data.read_nb101_tfrecord(tmp_path / "nasbench_only108.tfrecord")
    assert t.repeat.tolist() == [0, 1, 0, 2]
    assert t.adjacency.shape == (4, 7, 7) and t.adjacency[2, 0, 1] == 1
    assert t.adjacency[2].sum() == 1 and t.num_vertices.tolist() == [5, 5, 2, 5]
    assert t.ops[0].tolist() == [0, 2, 3, 1, 4, -1, -1]
    assert t.ops[2].tolist() == [0, 4, -1, -1, -1, -1, -1]
    np.testing.assert_allclose(t.test_accuracy[:, 2], [2.7, 2.8, 2.3, 2.9])
    np.testing.assert_allclose(t.current_epoch[2], [0, 2, 4])
    assert np.isnan(t.energy).all() and t.trainable_parameters.tolist() == [1000, 1000, 7, 1000]

    bad = _row("c" * 32, 4, a2, ["input", "conv5x5"], _official_metrics(4, 0.1, 7))
    ref_write(tmp_path / "badop.tfrecord", [bad])
    with pytest.raises(data.FormatError, match="unknown op 'conv5x5'"):
        data.read_nb101_tfrecord(tmp_path / "badop.tfrecord")
    ref_write(tmp_path / "badrow.tfrecord", [b'["x", 4, "0101"]'])
    with pytest.raises(data.FormatError, match="record 0: malformed"):
        data.read_nb101_tfrecord(tmp_path / "badrow.tfrecord")
    trunc = _row("d" * 32, 4, a2, ["input", "output"], _official_metrics(4, 0.1, 7)[:-30])
    ref_write(tmp_path / "badproto.tfrecord", [trunc])
    with pytest.raises(data.FormatError, match="truncated protobuf"):
        data.read_nb101_tfrecord(tmp_path / "badproto.tfrecord")


def test_load_from_local_path_is_cached(tmp_path):
    rows = [_row("e" * 32, 12, np.array([[0, 1], [0, 0]]), ["input", "output"],
                 _official_metrics(12, 0.3, 9))]  # fmt: skip
    ref_write(tmp_path / "x.tfrecord", rows)
    t1 = nb101.load_nb101_tfrecord(tmp_path / "x.tfrecord", cache_dir=tmp_path / "c")
    assert len(list((tmp_path / "c" / "tables").iterdir())) == 1
    t2 = nb101.load_nb101_tfrecord(str(tmp_path / "x.tfrecord"), cache_dir=tmp_path / "c")
    np.testing.assert_array_equal(t1.validation_accuracy, t2.validation_accuracy)
    with pytest.raises(data.DataNotFoundError, match="not a registry name"):
        nb101.load_nb101_tfrecord(tmp_path / "nope.tfrecord", cache_dir=tmp_path / "c")
