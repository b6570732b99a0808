"""Safe HTTP fetching for feeds, article pages and images.

Every fetch is bounded (per-read timeout, a deadline for the whole fetch, body size, redirect count) and refuses hosts
that resolve to private, loopback or link-local addresses unless
``fetch.allow_private_networks`` is set, so a feed cannot make us read internal
services. The address check runs before any connection is opened, on every
redirect hop. (Known limit: the check resolves the name and requests resolves
it again; a DNS-rebinding attacker with a TTL of zero could race it.)
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from distributor.config import FetchSettings
from distributor.errors import FetchError, FetchRefused, PageTooLarge

Resolver = Callable[[str, int], list[str]]
_CHUNK = 64 * 1024


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror}") from exc
    return sorted({info[4][0] for info in infos})


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 carried inside IPv6 (mapped, 6to4, NAT64, compatible) is judged as that IPv4 address
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and int(ip) >> 32 == 0 and int(ip) > 1:
            embedded = ipaddress.IPv4Address(int(ip))  # ::a.b.c.d
        if embedded is not None:
            return embedded.is_global and not embedded.is_multicast
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool, resolver: Resolver = system_resolver) -> None:
    """Refuse a URL we must not fetch; raises before anything connects."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError as exc:
        raise FetchRefused(f"refusing to fetch {url!r}: not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"refusing to fetch {url!r}: only http and https URLs are fetched")
    if not parts.hostname:
        raise FetchRefused(f"refusing to fetch {url!r}: no host")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in resolver(parts.hostname, port):
        if not is_public_address(address):
            raise FetchRefused(
                f"refusing to fetch {url}: {parts.hostname} is a private or loopback address ({address}); "
                "set fetch.allow_private_networks to allow it"
            )


def _arriving(response: requests.Response):
    """The body as it arrives (``iter_content`` waits to fill each chunk, which hides a trickle)."""
    while chunk := response.raw.read1(_CHUNK, decode_content=True):
        yield chunk


@dataclass
class FetchResult:
    url: str  # after redirects
    status: int
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=CaseInsensitiveDict)  # servers spell names freely

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("Last-Modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


class Fetcher:
    """GETs URLs within the configured limits. Pass a session to reuse connections."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        session: requests.Session | None = None,
        resolver: Resolver = system_resolver,
    ):
        self.settings = settings or FetchSettings()
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", self.settings.user_agent)
        self.session.headers["User-Agent"] = self.settings.user_agent
        self.resolver = resolver

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        limit = max_bytes or self.settings.max_page_bytes
        # requests' timeout bounds each read, not the whole answer: a server
        # trickling a byte at a time is cut off by this deadline instead.
        deadline = time.monotonic() + self.settings.total_seconds
        for _hop in range(self.settings.max_redirects + 1):
            if time.monotonic() > deadline:
                raise FetchError(f"gave up on {url} after {self.settings.total_seconds:g}s")
            check_url(url, allow_private=self.settings.allow_private_networks, resolver=self.resolver)
            response = self._send(url, headers)
            try:
                answer = CaseInsensitiveDict(response.headers)
                if response.is_redirect and answer.get("Location"):
                    self._drain(response)
                    url = urljoin(url, answer["Location"])
                    continue
                if response.status_code == 304:
                    self._drain(response)
                    return FetchResult(url, 304, b"", answer)
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} fetching {url}")
                body = self._read_capped(response, url, limit, deadline, self.settings.total_seconds)
                return FetchResult(url, response.status_code, body, answer)
            finally:
                response.close()
        raise FetchError(f"too many redirects (more than {self.settings.max_redirects}) fetching {url}")

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        try:
            return self.session.get(
                url, headers=headers, timeout=self.settings.timeout_seconds, allow_redirects=False, stream=True
            )
        except requests.Timeout as exc:
            raise FetchError(f"timed out after {self.settings.timeout_seconds:g}s fetching {url}") from exc
        except requests.RequestException as exc:
            raise FetchError(f"could not fetch {url}: {exc.__class__.__name__}") from exc

    @staticmethod
    def _drain(response: requests.Response) -> None:
        """Read a bodiless answer to its end so its connection goes back to the pool."""
        try:
            for _ in response.iter_content(_CHUNK):
                pass
        except requests.RequestException:
            pass

    @staticmethod
    def _read_capped(response: requests.Response, url: str, limit: int, deadline: float, total: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PageTooLarge(f"{url} is {int(declared):,} bytes, over the limit of {limit:,}")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in _arriving(response):
                size += len(chunk)
                if size > limit:
                    raise PageTooLarge(f"{url} is over the limit of {limit:,} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"gave up on {url} after {total:g}s (the server sends too slowly)")
                chunks.append(chunk)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise FetchError(f"connection broke while reading {url}: {exc.__class__.__name__}") from exc
        return b"".join(chunks)
