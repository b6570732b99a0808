"""Connecting to the checked address keeps TLS honest: SNI and the certificate are the host name's.

An HTTPS server on 127.0.0.1 holds a certificate for news.example from a
throwaway CA (trustme); the test's DNS sends news.example and other.example
there. Nothing resolves a real name or leaves loopback.
"""

from __future__ import annotations

import socket
import ssl
import threading

import pytest
import trustme

from distributor.config import FetchSettings
from distributor.errors import FetchError
from distributor.fetch import Fetcher
from tests.helpers.fetch_servers import (QuietHandler, ScriptedResolver, loopback_only, start_server, stop_server,
                                         timed_fetch)


class _TLSSite:
    def __init__(self, ca: trustme.CA):
        site = self
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        self.stop = threading.Event()

        class Handler(QuietHandler):
            def do_GET(self):  # noqa: N802
                site.hosts.append(self.headers.get("Host", ""))
                if self.path == "/trickle":  # headers one line every 0.3 s, for a minute
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    for n in range(200):
                        if site.stop.wait(0.3):
                            return
                        self.wfile.write(b"X-Line-%d: more\r\n" % n)
                        self.wfile.flush()
                    return
                self.reply(b"<html>over tls</html>")

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("news.example").configure_cert(context)
        context.sni_callback = lambda sock, name, ctx: site.server_names.append(name)
        self.server = start_server(Handler, tls=context)
        self.port = self.server.server_address[1]

    def close(self):
        self.stop.set()
        stop_server(self.server)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def site(ca, monkeypatch):
    resolver = ScriptedResolver({"news.example": [["127.0.0.1"]], "other.example": [["127.0.0.1"]]})
    loopback_only(monkeypatch, resolver)
    server = _TLSSite(ca)
    server.resolver = resolver
    yield server
    server.close()


def _fetcher(site, ca_path: str | None) -> Fetcher:
    return Fetcher(FetchSettings(timeout_seconds=5, total_seconds=10), resolver=site.resolver,
                   allowed_networks=["127.0.0.1/32"], ca_certs=ca_path)


def test_https_to_the_checked_address_sends_the_name_and_verifies_its_certificate(site, ca):
    with ca.cert_pem.tempfile() as ca_path:
        result = _fetcher(site, ca_path).get(f"https://news.example:{site.port}/story")
    assert result.content == b"<html>over tls</html>"
    assert site.server_names == ["news.example"]  # SNI is the name, though the connection went to 127.0.0.1
    assert site.hosts == [f"news.example:{site.port}"]


def test_a_certificate_for_another_name_is_refused(site, ca):
    with ca.cert_pem.tempfile() as ca_path, pytest.raises(FetchError, match="certificate was refused"):
        _fetcher(site, ca_path).get(f"https://other.example:{site.port}/story")
    assert site.hosts == []  # no request was sent over the unverified connection


def test_the_address_itself_does_not_pass_for_the_name(site, ca):
    with ca.cert_pem.tempfile() as ca_path, pytest.raises(FetchError, match="certificate was refused"):
        _fetcher(site, ca_path).get(f"https://127.0.0.1:{site.port}/story")
    assert site.hosts == []


def test_a_certificate_from_an_unknown_authority_is_refused(site):
    with pytest.raises(FetchError, match="certificate was refused"):
        _fetcher(site, None).get(f"https://news.example:{site.port}/story")
    assert site.hosts == []


def test_headers_trickled_over_tls_are_cut_off_at_the_deadline_new_and_reused(site, ca):
    with ca.cert_pem.tempfile() as ca_path:
        fetcher = Fetcher(FetchSettings(timeout_seconds=30, total_seconds=1.5), resolver=site.resolver,
                          allowed_networks=["127.0.0.1/32"], ca_certs=ca_path)
        first, error = timed_fetch(lambda: fetcher.get(f"https://news.example:{site.port}/trickle"))
        assert error is not None and "gave up" in str(error) and first < 1.5 + 0.75
        assert fetcher.get(f"https://news.example:{site.port}/story").content == b"<html>over tls</html>"
        reused, error = timed_fetch(lambda: fetcher.get(f"https://news.example:{site.port}/trickle"))
        assert error is not None and "gave up" in str(error) and reused < 1.5 + 0.75


def test_a_tls_handshake_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline(monkeypatch):
    loopback_only(monkeypatch)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def trickle():
        conn, _ = listener.accept()
        conn.sendall(b"\x16\x03\x03\x40\x00")  # a handshake record of 16 KB is coming...
        while not stop.wait(0.2):  # ...one byte every 0.2 s: each read is quick, the whole never ends
            try:
                conn.sendall(b"\x02")
            except OSError:
                break
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    fetcher = Fetcher(FetchSettings(timeout_seconds=30, total_seconds=1.5),
                      resolver=ScriptedResolver({"slow-tls.example": [["127.0.0.1"]]}),
                      allowed_networks=["127.0.0.1/32"])
    try:
        elapsed, error = timed_fetch(lambda: fetcher.get(f"https://slow-tls.example:{listener.getsockname()[1]}/"))
    finally:
        stop.set()
        listener.close()
    assert error is not None and "gave up" in str(error)
    assert elapsed < 1.5 + 0.75
