"""The whole-fetch deadline holds in every phase: headers, TLS handshake, keep-alive reuse, redirects.

Socket timeouts bound each read; these servers keep every read short and the
whole slow, which only a wall-clock deadline cuts off.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from distributor.config import FetchSettings
from distributor.errors import FetchError
from distributor.fetch import Fetcher
from tests.helpers.fetch_servers import (QuietHandler, ScriptedResolver, loopback_only, start_server, stop_server,
                                         timed_fetch)

MARGIN = 0.75  # seconds past the deadline we accept (thread wake-up on a loaded machine)


class _Slow:
    """/trickle sends its headers one line a second; /slow-hop redirects after 0.6 s; the rest is quick."""

    def __init__(self):
        slow = self
        self.connections = 0
        self.stop = threading.Event()

        class Handler(QuietHandler):
            def setup(self):
                super().setup()
                slow.connections += 1

            def do_GET(self):  # noqa: N802
                if self.path == "/trickle":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    for n in range(60):
                        if slow.stop.wait(1):
                            return
                        self.wfile.write(b"X-Line-%d: still coming\r\n" % n)
                        self.wfile.flush()
                elif self.path.startswith("/slow-hop"):
                    slow.stop.wait(0.6)
                    self.send_response(302)
                    self.send_header("Location", self.path + "x")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.reply(b"quick")

        self.server = start_server(Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.stop.set()
        stop_server(self.server)


@pytest.fixture
def slow(monkeypatch):
    loopback_only(monkeypatch)
    server = _Slow()
    yield server
    server.close()


def _fetcher(total: float, **settings) -> Fetcher:
    settings = {"timeout_seconds": 5, "total_seconds": total, **settings}
    return Fetcher(FetchSettings(**settings), resolver=ScriptedResolver({}), allowed_networks=["127.0.0.1/32"])


def test_headers_trickling_one_line_a_second_are_cut_off_at_the_deadline(slow):
    elapsed, error = timed_fetch(lambda: _fetcher(2).get(slow.base + "/trickle"))
    assert error is not None and "gave up" in str(error) and "2s" in str(error)
    assert elapsed < 2 + MARGIN  # not the 60 s the server would take, nor the 5 s read timeout


def test_a_reused_connection_is_cut_off_too(slow):
    fetcher = _fetcher(1.5)
    assert fetcher.get(slow.base + "/quick").content == b"quick"
    elapsed, error = timed_fetch(lambda: fetcher.get(slow.base + "/trickle"))
    assert slow.connections == 1  # the trickle came over the kept-alive connection
    assert error is not None and "gave up" in str(error)
    assert elapsed < 1.5 + MARGIN


def test_the_fetcher_works_again_after_a_cut(slow):
    fetcher = _fetcher(1)
    with pytest.raises(FetchError, match="gave up"):
        fetcher.get(slow.base + "/trickle")
    assert fetcher.get(slow.base + "/quick").content == b"quick"


def test_redirect_hops_share_one_deadline(slow):
    elapsed, error = timed_fetch(lambda: _fetcher(1.5, max_redirects=10).get(slow.base + "/slow-hop"))
    assert error is not None and "gave up" in str(error)
    assert elapsed < 1.5 + MARGIN  # each hop is quick enough alone; ten of them are not


@pytest.fixture
def silent_listener(monkeypatch):
    """Accepts TCP connections and never says a word (no status line, no TLS handshake)."""
    loopback_only(monkeypatch)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_server_that_accepts_and_never_answers_is_cut_off_at_the_deadline(silent_listener, scheme):
    fetcher = Fetcher(
        FetchSettings(timeout_seconds=30, total_seconds=1.5),
        resolver=ScriptedResolver({"quiet.example": [["127.0.0.1"]]}),
        allowed_networks=["127.0.0.1/32"],
    )
    elapsed, error = timed_fetch(lambda: fetcher.get(f"{scheme}://quiet.example:{silent_listener}/"))
    assert error is not None and "gave up" in str(error)
    assert elapsed < 1.5 + MARGIN  # https: stuck in the TLS handshake; http: waiting for the status line


def test_a_name_server_that_never_answers_is_cut_off_at_the_deadline(monkeypatch):
    loopback_only(monkeypatch)
    released = threading.Event()

    def stuck_resolver(host, port):
        released.wait(10)
        return ["127.0.0.1"]

    fetcher = Fetcher(FetchSettings(timeout_seconds=5, total_seconds=1), resolver=stuck_resolver,
                      allowed_networks=["127.0.0.1/32"])
    try:
        elapsed, error = timed_fetch(lambda: fetcher.get("http://slow-dns.example/"))
    finally:
        released.set()
    assert error is not None and "did not resolve in time" in str(error)
    assert elapsed < 1 + MARGIN
