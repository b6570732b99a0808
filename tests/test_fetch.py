"""The fetch guard and limits: refusals happen before any connection is opened."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from distributor.config import FetchSettings
from distributor.errors import FetchError, FetchRefused, PageTooLarge
from distributor.fetch import Fetcher
from tests.helpers.fetch_servers import Decoy, ScriptedResolver, loopback_only


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything tries to open a socket."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/feed",
        "http://localhost/feed",
        "http://10.1.2.3/feed",
        "http://192.168.0.1/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of 169.254.169.254
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/",
        "http://[::ffff:0:a9fe:a9fe]/latest/meta-data/",  # SIIT's IPv4-translated 169.254.169.254
        "http://[64:ff9b:1::a00:1]/",  # local-use NAT64 prefix (RFC 8215): the operator's NAT64 reaches 10.0.0.1
        "http://[fec0::1]/",  # site-local (deprecated, still routed inside some networks)
    ],
)
def test_private_and_loopback_addresses_are_refused_before_connecting(url, no_connections):
    with pytest.raises(FetchRefused, match="private or loopback"):
        Fetcher(FetchSettings()).get(url)
    assert no_connections == []


def test_names_that_resolve_to_private_addresses_are_refused(no_connections):
    fetcher = Fetcher(FetchSettings(), resolver=lambda host, port: ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(FetchRefused, match="10.0.0.7"):
        fetcher.get("https://intranet.news.example/feed")
    assert no_connections == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://news.example/feed", "gopher://x/"])
def test_only_http_is_fetched(url, no_connections):
    with pytest.raises(FetchRefused, match="only http"):
        Fetcher(FetchSettings(allow_private_networks=True)).get(url)


class _Site:
    """A local server: /big streams too much, /loop redirects forever, /trickle sends a byte at a time."""

    def __init__(self):
        self.hits = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.hits.append(self.path)
                if self.path == "/big":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()  # no Content-Length: the limit must hold while streaming
                    for _ in range(200):
                        self.wfile.write(b"x" * 10_000)
                elif self.path.startswith("/loop"):
                    self.send_response(302)
                    self.send_header("Location", f"/loop{len(site.hits)}")
                    self.end_headers()
                elif self.path == "/lower":
                    body = b"<rss/>"
                    self.send_response(200)
                    self.send_header("etag", '"v1"')
                    self.send_header("content-type", "application/rss+xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path == "/hop":
                    self.send_response(302)
                    self.send_header("Location", "/echo")
                    self.send_header("Set-Cookie", "session=from-the-first-host")
                    self.end_headers()
                elif self.path == "/echo":
                    body = "\n".join(f"{k}: {v}" for k, v in self.headers.items()).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path == "/gz":
                    body = gzip.compress(b"<rss>" + b"item " * 5000 + b"</rss>")
                    self.send_response(200)
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path == "/bomb":
                    body = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire, 50 MB unpacked
                    self.send_response(200)
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path == "/conditional":
                    if self.headers.get("If-None-Match") == '"v2"':
                        self.send_response(304)
                        self.send_header("ETag", '"v2"')
                        self.end_headers()
                        return
                    body = b"<rss>v2</rss>"
                    self.send_response(200)
                    self.send_header("ETag", '"v2"')
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path == "/trickle":
                    self.send_response(200)
                    self.end_headers()
                    for _ in range(40):  # one byte every 0.1 s: each read is quick, the whole is not
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.1)
                elif self.path == "/missing":
                    self.send_error(404)
                else:
                    body = b"<html>ok</html>"
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = _Site()
    yield s
    s.close()


def test_a_page_over_the_size_limit_is_refused_while_streaming(site):
    fetcher = Fetcher(FetchSettings(allow_private_networks=True, max_page_bytes=100_000))
    with pytest.raises(PageTooLarge, match="100,000"):
        fetcher.get(site.base + "/big")


def test_redirects_are_bounded(site):
    fetcher = Fetcher(FetchSettings(allow_private_networks=True, max_redirects=3))
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher.get(site.base + "/loop")
    assert len(site.hits) == 4


def test_http_errors_are_one_clear_line(site):
    fetcher = Fetcher(FetchSettings(allow_private_networks=True))
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.get(site.base + "/missing")


def test_a_local_page_is_fetched_when_private_networks_are_allowed(site):
    result = Fetcher(FetchSettings(allow_private_networks=True)).get(site.base + "/page")
    assert result.status == 200 and result.content == b"<html>ok</html>"


def test_a_local_page_is_refused_by_default_and_the_server_sees_nothing(site):
    with pytest.raises(FetchRefused):
        Fetcher(FetchSettings()).get(site.base + "/page")
    assert site.hits == []


def test_header_names_are_read_whatever_their_case(site):
    result = Fetcher(FetchSettings(allow_private_networks=True)).get(site.base + "/lower")
    assert result.etag == '"v1"' and result.content_type == "application/rss+xml"


def test_a_server_trickling_bytes_is_cut_off_by_the_whole_fetch_deadline(site):
    fetcher = Fetcher(FetchSettings(allow_private_networks=True, timeout_seconds=1, total_seconds=1))
    started = time.monotonic()
    with pytest.raises(FetchError, match="too slowly"):
        fetcher.get(site.base + "/trickle")
    assert time.monotonic() - started < 3  # not the 4 s the server would take


def test_a_compressed_answer_arrives_decompressed(site):
    result = Fetcher(FetchSettings(allow_private_networks=True)).get(site.base + "/gz")
    assert result.content == b"<rss>" + b"item " * 5000 + b"</rss>"


def test_a_redirect_keeps_our_request_headers_and_carries_none_of_the_answer(site):
    result = Fetcher(FetchSettings(allow_private_networks=True)).get(site.base + "/hop", etag='"v9"', accept="application/rss+xml")
    sent = result.content.decode()
    assert 'If-None-Match: "v9"' in sent and "Accept: application/rss+xml" in sent
    assert "Set-Cookie" not in sent and "Location" not in sent  # (a cookie goes back only to its own host)


@pytest.mark.parametrize("url", ["http://[::1/feed", "http://news.example:99999/feed"])
def test_a_malformed_url_is_a_clear_refusal(url, no_connections):
    with pytest.raises(FetchRefused, match="not a valid URL"):
        Fetcher(FetchSettings()).get(url)


def test_a_decompression_bomb_is_stopped_at_the_limit(site):
    fetcher = Fetcher(FetchSettings(allow_private_networks=True, max_page_bytes=1_000_000))
    with pytest.raises(PageTooLarge, match="1,000,000"):
        fetcher.get(site.base + "/bomb")


def test_a_conditional_get_is_answered_not_modified(site):
    fetcher = Fetcher(FetchSettings(allow_private_networks=True))
    first = fetcher.get(site.base + "/conditional")
    again = fetcher.get(site.base + "/conditional", etag=first.etag)
    assert (first.status, first.content, again.not_modified, again.content) == (200, b"<rss>v2</rss>", True, b"")


def test_polling_reuses_one_connection_per_host(monkeypatch):
    loopback_only(monkeypatch, ScriptedResolver({"feeds.example": [["127.0.0.1"]]}))
    decoy = Decoy()
    try:
        fetcher = Fetcher(FetchSettings(), resolver=ScriptedResolver({"feeds.example": [["127.0.0.1"]]}),
                          allowed_networks=["127.0.0.1/32"])
        for n in range(5):
            assert fetcher.get(f"http://feeds.example:{decoy.port}/feed{n}").content == b"decoy"
        assert decoy.connections == 1
    finally:
        decoy.close()


def test_a_stored_etag_with_a_line_break_is_one_clear_error(site):
    with pytest.raises(FetchError, match="header is not valid"):
        Fetcher(FetchSettings(allow_private_networks=True)).get(site.base + "/page", etag='"v1"\r\nX-Injected: 1')
    assert site.hits == []


@pytest.mark.parametrize("answer", ["64:ff9b:1::a00:1", "::ffff:0:a00:7", "fec0::7"])
def test_names_whose_ipv6_answer_reaches_a_private_network_are_refused(answer, no_connections):
    """IPv6-only networks reach IPv4 through a NAT64: an AAAA answer in such a prefix is an internal address."""
    fetcher = Fetcher(FetchSettings(), resolver=lambda host, port: ["2606:4700:4700::1111", answer])
    with pytest.raises(FetchRefused, match="private or loopback"):
        fetcher.get("https://intranet.news.example/feed")
    assert no_connections == []
