"""Registry, local lookup, sha256 verification, download and the .npz table cache."""

import hashlib
import http.server
import os
import pathlib
import threading
import time
from typing import NamedTuple

import numpy as np
import pytest

from jaxnas import data
from jaxnas.data import registry, store, tables

# ---------------------------------------------------------------------------------------
# Registry


def _sums(data_dir: pathlib.Path) -> dict[str, str]:
    out = {}
    for line in (data_dir / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            out[rel.strip()] = digest
    return out


def test_registry_matches_sha256sums_and_sizes(data_dir):
    sums = _sums(data_dir)
    # Entries with a direct source_url (CIFAR-10) are downloaded on demand, not shipped.
    by_path = {e.relpath: e for e in data.REGISTRY.values() if not e.source_url}
    assert set(by_path) == set(sums), "every SHA256SUMS line needs exactly one registry entry"
    for rel, digest in sums.items():
        e = by_path[rel]
        assert e.sha256 == digest, rel
        assert e.size == (data_dir / rel).stat().st_size, rel
        assert e.licence and e.description


def test_registry_urls_and_unknown_commits():
    e = data.entry("nbnlp_wikitext2_logs")
    assert e.url() == (
        "https://raw.githubusercontent.com/fmsnew/nas-bench-nlp-release/"
        "a6d90a3b19e3966b1d009c0970b3761aa46707d1/train_logs_wikitext-2/logs.zip"
    )
    assert data.entry("nb101/energy_4V9E.tfrecord").name == "nb101_ecnas_4v9e"
    ec = data.entry("nb101_ecnas_4v9e")
    assert not ec.downloadable and "d73fb1b8" in ec.note
    with pytest.raises(ValueError, match="not precisely known"):
        ec.url()
    with pytest.raises(KeyError, match="known names"):
        data.entry("nope")
    for e in data.REGISTRY.values():
        assert len(e.sha256) == 64 and (e.commit is None or len(e.commit) == 40)


# ---------------------------------------------------------------------------------------
# Local lookup and verification


def test_locate_verifies_and_caches_digest(data_dir, tmp_path):
    p = data.locate("nb101_ecnas_license", data_dir, cache_dir=tmp_path)
    assert p == data_dir / "nb101/LICENSE.ec-nas-bench"
    # the digest is remembered: a second call does not re-read the file
    assert "LICENSE.ec-nas-bench" in (tmp_path / "verified.json").read_text()
    t0 = time.perf_counter()
    for _ in range(20):
        data.locate("nb101_ecnas_license", data_dir, cache_dir=tmp_path)
    assert time.perf_counter() - t0 < 1.0


def test_env_var_data_dir(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JAXNAS_DATA_DIR", str(data_dir))
    assert store.resolve_data_dir() == data_dir
    assert data.locate("taskset_license", cache_dir=tmp_path).is_file()
    assert store.resolve_data_dir(tmp_path) == tmp_path  # explicit argument wins
    monkeypatch.delenv("JAXNAS_DATA_DIR")
    monkeypatch.setenv("JAXNAS_CACHE_DIR", str(tmp_path / "c"))
    assert store.resolve_data_dir() == tmp_path / "c" / "data"


def test_missing_file_message_says_where_and_how(tmp_path):
    empty = tmp_path / "nodata"
    with pytest.raises(data.DataNotFoundError) as err:
        data.fetch("nb201_vis_arch", empty, cache_dir=tmp_path / "cache", download=False)
    msg = str(err.value)
    assert str(empty) in msg and "JAXNAS_DATA_DIR" in msg and "download=True" in msg
    assert "nb201/nasbench_vis_nas-201-arch.json" in msg
    # entries without a known commit: no download, and the message says where to put it
    with pytest.raises(data.DataNotFoundError) as err:
        data.fetch("nb101_ecnas_5v9e", empty, cache_dir=tmp_path / "cache")
    msg = str(err.value)
    assert "cannot be downloaded" in msg and "bf49cab6" in msg and "nb101/energy_5V9E" in msg


def _copy(src: pathlib.Path, dst: pathlib.Path, mutate=None) -> None:
    b = bytearray(src.read_bytes())
    if mutate:
        b = mutate(b)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(bytes(b))


def test_corrupt_or_truncated_local_file(data_dir, tmp_path):
    rel = "darts/yahpo_nb301_v2/best_params_v2.json"
    local = tmp_path / "d"

    def flip(b):
        b[10] ^= 1
        return b

    _copy(data_dir / rel, local / rel, flip)
    with pytest.raises(data.ChecksumError) as err:
        data.locate("yahpo_nb301_best_params", local, cache_dir=tmp_path)
    e = data.entry("yahpo_nb301_best_params")
    assert e.sha256 in str(err.value) and "found" in str(err.value) and rel in str(err.value)
    _copy(data_dir / rel, local / rel, lambda b: b[:100])
    with pytest.raises(data.ChecksumError, match="expected 298 bytes, found 100"):
        data.locate("yahpo_nb301_best_params", local, cache_dir=tmp_path)
    # a repaired file (new mtime / size) is verified afresh
    _copy(data_dir / rel, local / rel)
    os.utime(local / rel, ns=(1, 1))
    assert data.locate("yahpo_nb301_best_params", local, cache_dir=tmp_path) == local / rel


# ---------------------------------------------------------------------------------------
# Downloads against a local HTTP server


class _Server(NamedTuple):
    url: str
    routes: dict
    hits: list


@pytest.fixture
def http_server():
    routes: dict[str, tuple[bytes, int | None]] = {}
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            if self.path not in routes:
                self.send_error(404)
                return
            body, announce = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(announce or len(body)))
            self.end_headers()
            self.wfile.write(body)  # fewer bytes than announced = a cut connection

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    th.start()
    try:
        yield _Server(f"http://127.0.0.1:{srv.server_address[1]}", routes, hits)
    finally:
        srv.shutdown()
        srv.server_close()
        th.join()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for k in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(k, raising=False)


def _entry(path: str, body: bytes) -> registry.DataFile:
    return registry.DataFile(
        name=f"test_{path}",
        relpath=f"test/{path}",
        repo="owner/repo",
        commit="0123456789abcdef0123456789abcdef01234567",
        path=f"files/{path}",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        licence="test",
        description="synthetic",
    )


def _leftovers(d: pathlib.Path) -> list[str]:
    return sorted(p.name for p in d.rglob("*") if p.is_file()) if d.exists() else []


def test_download_good_copy(http_server, tmp_path):
    body = bytes(range(256)) * 40
    e = _entry("good.bin", body)
    http_server.routes["/owner/repo/" + e.commit + "/files/good.bin"] = (body, None)
    cache = tmp_path / "cache"
    p = data.fetch(e, tmp_path / "none", cache_dir=cache, base_url=http_server.url)
    assert p == cache / "data" / "test/good.bin" and p.read_bytes() == body
    assert _leftovers(cache / "data") == ["good.bin"]
    # second call finds it in the cache: no new request
    n = len(http_server.hits)
    assert data.fetch(e, tmp_path / "none", cache_dir=cache, base_url=http_server.url) == p
    assert len(http_server.hits) == n


@pytest.mark.parametrize("kind", ["corrupt", "truncated", "cut", "missing"])
def test_bad_downloads_leave_nothing(http_server, tmp_path, kind):
    good = b"jaxnas test payload " * 100
    e = _entry(f"{kind}.bin", good)
    route = "/owner/repo/" + e.commit + f"/files/{kind}.bin"
    if kind == "corrupt":
        http_server.routes[route] = (good[:50] + b"X" + good[51:], None)
    elif kind == "truncated":
        http_server.routes[route] = (good[:1000], None)
    elif kind == "cut":  # announces the full size, sends part, closes
        http_server.routes[route] = (good[:700], len(good))
    cache = tmp_path / "cache"
    expected = {
        "corrupt": data.ChecksumError,
        "truncated": data.ChecksumError,
        "cut": data.DownloadError,
        "missing": data.DownloadError,
    }[kind]
    with pytest.raises(expected) as err:
        data.fetch(e, tmp_path / "none", cache_dir=cache, base_url=http_server.url)
    msg = str(err.value)
    assert e.relpath in msg and str(e.size) in msg
    if kind in ("corrupt", "truncated"):
        assert e.sha256 in msg and "not kept" in msg
    assert _leftovers(cache / "data") == []


def test_download_real_entry_via_env_base_url(http_server, data_dir, tmp_path, monkeypatch):
    e = data.entry("yahpo_nb301_best_params")  # 298 bytes
    body = (data_dir / e.relpath).read_bytes()
    http_server.routes[f"/{e.repo}/{e.commit}/{e.path}"] = (body, None)
    monkeypatch.setenv("JAXNAS_DOWNLOAD_BASE_URL", http_server.url)
    p = data.fetch(e.name, tmp_path / "none", cache_dir=tmp_path / "c")
    assert p.read_bytes() == body
    assert http_server.hits == ["/slds-lmu/yahpo_data/" + e.commit + "/nb301/best_params_v2.json"]


# ---------------------------------------------------------------------------------------
# Table cache


class _T(NamedTuple):
    a: np.ndarray
    names: np.ndarray


def test_cached_table_roundtrip_atomic_and_rebuild(tmp_path):
    calls = []

    def build():
        calls.append(1)
        return _T(np.arange(6.0).reshape(2, 3), np.array(["x", "yz"]))

    t1 = tables.cached_table(_T, "t", 1, ["abc"], build, cache_dir=tmp_path)
    t2 = tables.cached_table(_T, "t", 1, ["abc"], build, cache_dir=tmp_path)
    assert len(calls) == 1
    np.testing.assert_array_equal(t1.a, t2.a)
    assert t2.names.tolist() == ["x", "yz"]
    files = sorted((tmp_path / "tables").iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"  # no temporary files left
    # a new source digest or reader version is a new key
    tables.cached_table(_T, "t", 2, ["abc"], build, cache_dir=tmp_path)
    tables.cached_table(_T, "t", 1, ["abd"], build, cache_dir=tmp_path)
    assert len(calls) == 3
    # a corrupt cache file is rebuilt
    files[0].write_bytes(b"garbage")
    t3 = tables.cached_table(_T, "t", 1, ["abc"], build, cache_dir=tmp_path)
    assert len(calls) == 4 and t3.a.shape == (2, 3)
    with pytest.raises(TypeError, match="object"):
        tables.save_table(tmp_path / "o.npz", _T(np.array([None]), np.array(["a"])))
