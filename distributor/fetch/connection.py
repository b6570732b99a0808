"""Open a request to an address that was checked, never to a name the HTTP client resolves itself.

urllib3 pools are keyed by the checked IP address (and, for HTTPS, the host
name), so connections are reused across fetches (feed polling) while every
connection goes to the address the check approved. The name still travels
where it belongs: in the ``Host`` header, as TLS SNI and as the name the
certificate must match (urllib3's ``server_hostname``; the ``ssl`` module
verifies it). No environment proxies are used: a proxy would resolve the name
itself and undo the check.
"""

from __future__ import annotations

import requests.certs
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from distributor.fetch.deadline import watch_socket
from distributor.fetch.urls import Target


class _Watched:
    """A connection whose socket the running fetch's deadline can cut, from connect on."""

    def _new_conn(self):
        sock = super()._new_conn()  # TCP only: the TLS handshake and the request follow, under the deadline
        watch_socket(sock)
        return sock

    def request(self, *args, **kwargs):
        if self.sock is not None:  # a reused keep-alive connection
            watch_socket(self.sock)
        return super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class PinnedPools:
    """Connection pools per (checked address, port, host name)."""

    def __init__(self, *, max_per_host: int = 10, ca_certs: str | None = None):
        self._manager = urllib3.PoolManager(
            num_pools=100, maxsize=max_per_host, ca_certs=ca_certs or requests.certs.where(), cert_reqs="CERT_REQUIRED"
        )
        self._manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def open(
        self, target: Target, address: str, headers: dict[str, str], *, connect_seconds: float, read_seconds: float,
        method: str = "GET", body: bytes | None = None,
    ) -> urllib3.BaseHTTPResponse:
        """Send ``method`` (GET) ``target`` to ``address``; the answer's body is left to stream."""
        extra = {"server_hostname": target.host} if target.scheme == "https" else None
        pool = self._manager.connection_from_host(address, target.port, target.scheme, pool_kwargs=extra)
        return pool.urlopen(
            method,
            target.request_uri,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            retries=urllib3.Retry(total=0, read=False, redirect=False),
            timeout=urllib3.Timeout(connect=connect_seconds, read=read_seconds),
            assert_same_host=False,
            preload_content=False,
            decode_content=True,
        )

    def close(self) -> None:
        self._manager.clear()
