"""Local servers and guards for the fetcher's attack tests, all on loopback.

- ``Trap``: a listener on 127.0.0.2 that only records whether anything connected.
- ``Decoy``: an HTTP server on 127.0.0.1 (same port as the trap) that answers
  ``decoy`` and redirects ``/to?<url>`` to any raw Location.
- ``QuietHandler``, ``start_server``, ``stop_server``: the base of these and the fetch tests' own small servers.
- ``timed_fetch``: a fetch's wall time and the error it gave up with.
- ``ScriptedResolver``: DNS answers written by the test, in order per name.
- ``loopback_only``: patches ``socket`` so that nothing in the test can resolve a
  real name or connect outside loopback; names resolve through the scripted
  resolver, so code that resolves a second time gets the second answer.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from distributor.errors import FetchError


class Trap:
    """A listener that never answers: a connection to it is the attack succeeding."""

    def __init__(self, port: int):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.2", port))
        self.sock.listen(16)
        self.port = port
        self.seen = 0

    def connections(self) -> int:
        """Connections that reached the trap so far (accepted and closed at once)."""
        while select.select([self.sock], [], [], 0.01)[0]:
            conn, _ = self.sock.accept()
            conn.close()
            self.seen += 1
        return self.seen

    def close(self) -> None:
        self.sock.close()


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 (connections kept alive, as the fetcher's pool expects) and no log lines."""

    protocol_version = "HTTP/1.1"

    def reply(self, body: bytes) -> None:
        """200 with ``body`` and its length."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_server(handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    """``handler`` on a free 127.0.0.1 port (over TLS with ``tls``), served by a daemon thread until
    ``stop_server(server)``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def stop_server(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


class Decoy:
    """127.0.0.1: ``/to?<percent-encoded url>`` redirects there verbatim; anything else answers ``decoy``."""

    def __init__(self):
        decoy = self
        self.connections = 0
        self.hosts: list[str] = []

        class Handler(QuietHandler):
            def setup(self):
                super().setup()
                decoy.connections += 1

            def do_GET(self):  # noqa: N802
                decoy.hosts.append(self.headers.get("Host", ""))
                if self.path.startswith("/to?"):
                    location = unquote(self.path[4:], encoding="utf-8").encode("utf-8")
                    self.wfile.write(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")
                    return
                self.reply(b"decoy")

        self.server = start_server(Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.connections = 0
        self.hosts = []

    def close(self) -> None:
        stop_server(self.server)


def timed_fetch(fetch) -> tuple[float, FetchError | None]:
    """How long ``fetch()`` took, and the FetchError it gave up with (None if it succeeded)."""
    started = time.monotonic()
    try:
        fetch()
    except FetchError as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


class ScriptedResolver:
    """``{name: [first answer, second answer, ...]}``; the last answer repeats. Unknown names fail."""

    def __init__(self, answers: dict[str, list[list[str]]]):
        self.answers = {name: list(steps) for name, steps in answers.items()}
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[str]:
        from distributor.errors import FetchError

        with self._lock:
            self.asked.append(host)
            steps = self.answers.get(host)
            if not steps:
                raise FetchError(f"cannot resolve {host}: not in the test's DNS")
            return steps.pop(0) if len(steps) > 1 else steps[0]


def _is_loopback(host) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def loopback_only(monkeypatch, resolver: ScriptedResolver | None = None) -> None:
    """No real DNS and no connection outside loopback for the rest of the test."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if _is_loopback(host):
            return real_getaddrinfo(host, port, *args, **kwargs)
        if resolver is not None:
            try:
                answers = resolver(host, port)
            except Exception as exc:
                raise socket.gaierror(socket.EAI_NONAME, str(exc)) from None
            loopback = [a for a in answers if _is_loopback(a)]
            if loopback:
                return [info for a in loopback for info in real_getaddrinfo(a, port, *args, **kwargs)]
        raise socket.gaierror(socket.EAI_NONAME, f"the test allows no DNS lookup of {host!r}")

    def connect(sock, address):
        if not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"the test allows no connection to {address[0]}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
