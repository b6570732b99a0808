"""Connecting to the checked address keeps TLS honest: SNI and the certificate are the host name's.

An HTTPS server on 127.0.0.1 holds a certificate for news.example from a
throwaway CA (trustme); the test's DNS sends news.example and other.example
there. Nothing resolves a real name or leaves loopback.
"""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from distributor.config import FetchSettings
from distributor.errors import FetchError
from distributor.fetch import Fetcher
from tests.helpers.fetch_servers import ScriptedResolver, loopback_only


class _TLSSite:
    def __init__(self, ca: trustme.CA):
        site = self
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.hosts.append(self.headers.get("Host", ""))
                body = b"<html>over tls</html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("news.example").configure_cert(context)
        context.sni_callback = lambda sock, name, ctx: site.server_names.append(name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


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
