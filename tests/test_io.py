"""jaxnas.io (atomic writes) and jaxnas.embeddings (the embeddings.npz format)."""

import json
import os
import stat

import numpy as np
import pytest

from jaxnas import embeddings, io


def _leftovers(d):
    return sorted(p.name for p in d.iterdir() if p.name.endswith(".tmp"))


def test_writers_roundtrip_and_create_parents(tmp_path):
    p = io.write_text(tmp_path / "a" / "b.txt", "x\ny\n")
    assert p.read_text() == "x\ny\n"
    assert io.write_bytes(tmp_path / "c.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    io.write_json(tmp_path / "d.json", {"a": [1, 2]})
    assert (tmp_path / "d.json").read_text() == json.dumps({"a": [1, 2]}, indent=1)
    io.write_json(tmp_path / "e.json", {"a": 1}, indent=None, newline=True, sort_keys=True)
    assert (tmp_path / "e.json").read_text() == '{"a": 1}\n'
    io.write_npz(tmp_path / "f.npz", x=np.arange(3), s=np.str_("hi"))
    got = io.read_npz(tmp_path / "f.npz")
    np.testing.assert_array_equal(got["x"], np.arange(3))
    assert str(got["s"]) == "hi"
    io.write_npz(tmp_path / "g", compressed=True, x=np.zeros(4))  # no ".npz" appended
    assert (tmp_path / "g").is_file() and not (tmp_path / "g.npz").exists()
    assert _leftovers(tmp_path) == [] and _leftovers(tmp_path / "a") == []


def test_jsonl_write_and_append(tmp_path):
    p = tmp_path / "rows.jsonl"
    io.append_jsonl(p, [{"i": 0}])  # creates
    io.append_jsonl(p, ({"i": i} for i in (1, 2)))
    assert io.read_jsonl(p) == [{"i": 0}, {"i": 1}, {"i": 2}]
    p.write_text(p.read_text().rstrip("\n"))  # a file without a final newline
    io.append_jsonl(p, [{"i": 3}])
    assert [r["i"] for r in io.read_jsonl(p)] == [0, 1, 2, 3]
    io.write_jsonl(p, [{"j": 1}])  # overwrite
    assert p.read_text() == '{"j": 1}\n'
    with pytest.raises(ValueError):
        io.append_jsonl(p, [{"x": float("nan")}], allow_nan=False)
    assert p.read_text() == '{"j": 1}\n'


def test_failure_mid_write_keeps_old_file(tmp_path):
    p = tmp_path / "out.npz"
    io.write_npz(p, x=np.arange(3))
    before = p.read_bytes()

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with io.atomic_open(p, "wb") as f:
            f.write(b"partial garbage")
            raise Boom
    assert p.read_bytes() == before
    assert _leftovers(tmp_path) == []

    # An array that fails while np.savez serialises it (after some bytes went out).
    class Unsavable:
        def __array__(self, *a, **k):
            raise Boom

    with pytest.raises(Boom):
        io.write_npz(p, a=np.ones(1000), b=Unsavable())
    assert p.read_bytes() == before
    np.testing.assert_array_equal(io.read_npz(p)["x"], np.arange(3))

    t = tmp_path / "r.json"
    io.write_json(t, {"ok": 1})
    with pytest.raises(TypeError):
        io.write_json(t, {"bad": object()})
    assert json.loads(t.read_text()) == {"ok": 1}
    assert _leftovers(tmp_path) == []


def test_failure_in_replace_keeps_old_file(tmp_path, monkeypatch):
    p = tmp_path / "x.txt"
    io.write_text(p, "old")

    def fail(*a, **k):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk gone"):
        io.write_text(p, "new")
    assert p.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_permissions_like_open(tmp_path):
    p = io.write_text(tmp_path / "new.txt", "a")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600
    os.chmod(p, 0o640)
    io.write_text(p, "b")
    assert stat.S_IMODE(p.stat().st_mode) == 0o640  # an existing file keeps its mode


def test_atomic_open_rejects_other_modes(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with io.atomic_open(tmp_path / "x", "a"):
            pass


# ----------------------------------------------------------------------------------------------
# embeddings.npz


def test_embeddings_roundtrip_keeps_format(tmp_path):
    ids = np.array(["aa", "bb", "cc"])
    emb = np.arange(6, dtype=np.float32).reshape(3, 2)
    cells = np.zeros((3, 8, 2), np.int32)
    p = embeddings.save(tmp_path / "embeddings.npz", ids, emb, darts_cells=cells,
                        pooling=np.str_("mean"))  # fmt: skip
    # The exact on-disk format: a plain np.savez archive with these arrays.
    with np.load(p, allow_pickle=False) as z:
        assert sorted(z.files) == ["darts_cells", "embeddings", "ids", "pooling"]
        assert z["embeddings"].dtype == np.float32 and z["ids"].dtype.kind == "U"
    e = embeddings.load(p)
    np.testing.assert_array_equal(e.ids, ids)
    np.testing.assert_array_equal(e.embeddings, emb)
    assert e.embeddings.dtype == np.float32
    assert set(e.extra) == {"darts_cells", "pooling"} and str(e.extra["pooling"]) == "mean"
    assert set(e.as_dict()) == {"ids", "embeddings", "darts_cells", "pooling"}
    # Integer ids too; a file written by plain np.savez (older runs) reads the same.
    np.savez(tmp_path / "old.npz", ids=np.arange(3), embeddings=emb)
    np.testing.assert_array_equal(embeddings.load(tmp_path / "old.npz").ids, np.arange(3))


@pytest.mark.parametrize(
    "ids, emb, match",
    [
        (np.arange(4), np.zeros((3, 2), np.float32), "4 ids for 3 embeddings"),
        (np.arange(3), np.zeros(3, np.float32), "2-D"),
        (np.arange(6).reshape(3, 2), np.zeros((3, 2), np.float32), "1-D"),
        (np.arange(3), np.array([[0.0, 1], [np.nan, 0], [0, 0]]), "1 of 3 embedding rows"),
        (np.arange(3), np.array([[0.0, 1], [np.inf, 0], [0, 0]]), "NaN or inf"),
        (np.array([0, 1, 1]), np.zeros((3, 2), np.float32), "1 duplicate ids"),
        (np.array([0.5, 1, 2]), np.zeros((3, 2), np.float32), "strings or integers"),
        (np.arange(3), np.zeros((3, 2), np.int32), "floating point"),
    ],
)
def test_embeddings_save_and_load_reject(tmp_path, ids, emb, match):
    p = tmp_path / "embeddings.npz"
    with pytest.raises(embeddings.EmbeddingsError, match=match):
        embeddings.save(p, ids, emb)
    assert not p.exists()  # nothing written
    np.savez(p, ids=ids, embeddings=emb)  # a bad file written by someone else
    with pytest.raises(embeddings.EmbeddingsError, match=match) as err:
        embeddings.load(p)
    assert str(p) in str(err.value)


def test_embeddings_load_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        embeddings.load(tmp_path / "nope.npz")
    p = tmp_path / "e.npz"
    np.savez(p, ids=np.arange(2), emb=np.zeros((2, 2)))
    with pytest.raises(embeddings.EmbeddingsError, match=r"missing array\(s\) \['embeddings'\]"):
        embeddings.load(p)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(embeddings.EmbeddingsError, match="not a readable"):
        embeddings.load(tmp_path / "junk.npz")
    with pytest.raises(embeddings.EmbeddingsError, match="object"):
        embeddings.save(p, np.arange(2), np.zeros((2, 2)), meta=np.array([{}], dtype=object))
