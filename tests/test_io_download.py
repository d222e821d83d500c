"""Tests of the opt-in downloader, against an HTTP server on loopback only (never the internet)."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import buurtgeo as bg
from buurtgeo.errors import InputError
from buurtgeo.io.download import SOURCES, DownloadError, Source, cached, download

PAYLOAD = b"CD_SECTOR;TOTAL\n11001A00-;2477\n" * 5000  # ~160 kB, several blocks


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def do_GET(self):
        type(self).hits.append(self.path)
        body, status, declared = self.routes.get(self.path, (b"not here", 404, None))
        self.send_response(status)
        self.send_header("Content-Length", str(declared if declared is not None else len(body)))
        if status == 200:
            self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, handler
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_download_caches_and_records(server, tmp_path):
    base, handler = server
    handler.routes["/files/OPEN%20DATA_SECTOREN_2019.txt"] = (PAYLOAD, 200, None)
    source = Source("pop", f"{base}/files/OPEN%20DATA_SECTOREN_2019.txt", "pop.txt", page="x")
    path = download(source, cache_dir=tmp_path, timeout=5)
    assert path == tmp_path / "pop.txt"
    assert path.read_bytes() == PAYLOAD
    record = json.loads((tmp_path / "pop.txt.json").read_text())
    assert record["size"] == len(PAYLOAD)
    assert record["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()
    assert record["url"] == source.url and record["etag"] == '"v1"'
    # a second call is served from the cache: no new request
    assert download(source, cache_dir=tmp_path, timeout=5) == path
    assert len(handler.hits) == 1
    assert cached(source, cache_dir=tmp_path) == path
    # force=True fetches again
    download(source, cache_dir=tmp_path, force=True, timeout=5)
    assert len(handler.hits) == 2
    # no temporary files left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pop.txt", "pop.txt.json"]


def test_altered_cache_is_fetched_again(server, tmp_path):
    base, handler = server
    handler.routes["/a.csv"] = (PAYLOAD, 200, None)
    source = Source("a", f"{base}/a.csv", "a.csv")
    path = download(source, cache_dir=tmp_path, timeout=5)
    path.write_bytes(PAYLOAD[:-1] + b"X")  # same size, other content
    assert cached(source, cache_dir=tmp_path) is None
    download(source, cache_dir=tmp_path, timeout=5)
    assert path.read_bytes() == PAYLOAD and len(handler.hits) == 2


def test_url_download_name(server, tmp_path):
    base, handler = server
    handler.routes["/exports/milieux.csv"] = (b"a;b\n1;2\n", 200, None)
    url = f"{base}/exports/milieux.csv"
    path = download(url, cache_dir=tmp_path, timeout=5)
    assert path.name == hashlib.sha256(url.encode()).hexdigest()[:12] + "-milieux.csv"
    assert path.read_bytes() == b"a;b\n1;2\n"


def test_truncated_download_leaves_nothing(server, tmp_path):
    base, handler = server
    handler.routes["/cut.zip"] = (PAYLOAD[:1000], 200, len(PAYLOAD))  # promises more
    with pytest.raises(DownloadError, match="truncated"):
        download(Source("cut", f"{base}/cut.zip", "cut.zip"), cache_dir=tmp_path, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_http_error(server, tmp_path):
    base, _ = server
    with pytest.raises(DownloadError, match="HTTP 404") as err:
        download(
            Source("gone", f"{base}/gone.csv", "gone.csv", page="https://example.org/page"),
            cache_dir=tmp_path,
            timeout=5,
        )
    assert "https://example.org/page" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_checksum_and_size_limits(server, tmp_path):
    base, handler = server
    handler.routes["/f.csv"] = (PAYLOAD, 200, None)
    wrong = Source("f", f"{base}/f.csv", "f.csv", sha256="0" * 64)
    with pytest.raises(DownloadError, match="SHA-256"):
        download(wrong, cache_dir=tmp_path, timeout=5)
    right = Source("f", f"{base}/f.csv", "f.csv", sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert download(right, cache_dir=tmp_path, timeout=5).read_bytes() == PAYLOAD
    with pytest.raises(DownloadError, match="max_bytes"):
        download(
            Source("g", f"{base}/f.csv", "g.csv"), cache_dir=tmp_path, timeout=5, max_bytes=100
        )
    assert not (tmp_path / "g.csv").exists()


def test_unreachable_server(tmp_path):
    # a port nobody listens on, on loopback
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot reach"):
        download(Source("x", f"http://127.0.0.1:{port}/x", "x"), cache_dir=tmp_path, timeout=2)


def test_unknown_name_and_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="unknown download"):
        download("no_such_file", cache_dir=tmp_path)
    with pytest.raises(InputError, match="unknown download"):
        download("ftp://example.org/x", cache_dir=tmp_path)
    with pytest.raises(InputError, match="timeout"):
        download(Source("x", "http://127.0.0.1:9/x", "x"), cache_dir=tmp_path, timeout=0)


def test_registry_is_well_formed():
    assert bg.download is download
    for name, source in SOURCES.items():
        assert name == source.name
        assert source.url.startswith("https://")
        assert source.filename and "/" not in source.filename
        assert source.page.startswith("https://") and source.as_published
    assert {"statbel_sectors_2023", "statbel_population_2019", "brussels_childcare"} <= set(SOURCES)


def test_default_cache_dir(monkeypatch, tmp_path):
    from buurtgeo.io.download import default_cache_dir

    monkeypatch.setenv("BUURTGEO_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("BUURTGEO_CACHE_DIR")
    assert default_cache_dir().parts[-2:] == (".cache", "buurtgeo")


def test_download_error_is_a_public_buurtgeo_error():
    """DownloadError lives with the other errors and is exported as bg.DownloadError."""
    from buurtgeo import errors

    assert bg.DownloadError is DownloadError is errors.DownloadError
    assert "DownloadError" in bg.__all__
    assert issubclass(DownloadError, bg.BuurtgeoError) and issubclass(DownloadError, OSError)
