"""The one fetch path: read the URL once, resolve once, check, connect to what was checked.

Every hop (the first request and each redirect) goes through the same steps:
``read_target`` (refusing URLs parsers read differently), ``checked_addresses``
(resolve once, every answer checked), then a connection to one of those
addresses only. One ``Deadline`` covers the whole fetch, redirects included;
the body is capped while it streams, decompressed output included.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Iterable, Mapping
import urllib3
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError, SSLError

from distributor.config import FetchSettings
from distributor.errors import FetchError, HttpStatusError, PageTooLarge
from distributor.fetch.addresses import (
    AddressPolicy,
    Network,
    Resolver,
    checked_addresses,
    resolve_within,
    system_resolver,
)
from distributor.fetch.connection import PinnedPools
from distributor.fetch.deadline import Deadline
from distributor.fetch.urls import Target, read_target, redirect_url

_CHUNK = 64 * 1024
_DRAIN_LIMIT = 64 * 1024  # a redirect's or 304's body read to reuse the connection; more, and we hang up
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


SECRET_PIECE = 12  # this many characters of a secret in a row, anywhere in a quoted answer, are taken out


def without_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every piece of each secret (as sent or URL-encoded) that it quotes replaced by
    "[redacted]": the whole secret, and any SECRET_PIECE characters of it in a row, so that a
    server quoting the start of our request back, cut in the middle of a secret, shows none of
    it that matters. Linear: one set look-up per character of ``text``.

    Written here because what to take out is "any long enough piece of these strings", which no
    log-scrubbing library we know does."""
    from urllib.parse import quote, quote_plus

    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""), quote_plus(secret))}
    for form in (f for f in forms if len(f) < SECRET_PIECE):  # too short to cut into pieces: whole only
        text = text.replace(form, "[redacted]")
    pieces = {form[i:i + SECRET_PIECE] for form in forms if len(form) >= SECRET_PIECE
              for i in range(len(form) - SECRET_PIECE + 1)}
    if not pieces:
        return text
    kept, copied, end = [], 0, -1  # text[:copied] is handled; the span being redacted ends at ``end``
    for i in range(len(text) - SECRET_PIECE + 1):
        if text[i:i + SECRET_PIECE] in pieces:
            if i > end:  # a new span: keep what came before it
                kept += [text[copied:i], "[redacted]"]
            end = copied = i + SECRET_PIECE
    kept.append(text[copied:])
    return "".join(kept)


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


class _Unreachable(Exception):
    """This address did not take the connection; the next checked one may."""


class Fetcher:
    """GETs URLs within the configured limits, reusing connections across calls (thread-safe).

    ``resolver`` answers ``(host, port) -> [address, ...]`` (tests inject one);
    ``allowed_networks`` lets these private networks through while the rest stay
    refused; ``ca_certs`` replaces the certificate authorities (certifi's by default).
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: Resolver = system_resolver,
        allowed_networks: Iterable[str | Network] = (),
        ca_certs: str | None = None,
    ):
        self.settings = settings or FetchSettings()
        self.resolver = resolver
        self.policy = AddressPolicy.build(self.settings.allow_private_networks, allowed_networks)
        self._pools = PinnedPools(ca_certs=ca_certs)
        self._headers = {
            "User-Agent": self.settings.user_agent,
            "Accept-Encoding": urllib3.util.make_headers(accept_encoding=True)["accept-encoding"],
            "Accept": "*/*",
        }

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        headers = dict(self._headers)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        limit = max_bytes or self.settings.max_page_bytes
        with Deadline(self.settings.total_seconds) as deadline:
            for _hop in range(self.settings.max_redirects + 1):
                target = read_target(url)
                addresses = checked_addresses(target, self._resolver_within(deadline), self.policy)
                response = self._open(target, addresses, headers, deadline)
                reusable = False  # a connection goes back to the pool only once its answer is read to the end
                try:
                    answer = CaseInsensitiveDict(response.headers)
                    if response.status in _REDIRECTS and answer.get("Location"):
                        reusable = self._drain(response, deadline, url)
                        url = redirect_url(url, _header_text(answer["Location"]))
                        continue
                    if response.status == 304:
                        reusable = self._drain(response, deadline, url)
                        return FetchResult(url, 304, b"", answer)
                    if response.status >= 400:
                        raise HttpStatusError(f"HTTP {response.status} fetching {url}", response.status)
                    body = self._read_capped(response, url, limit, deadline)
                    reusable = True
                    return FetchResult(url, response.status, body, answer)
                finally:
                    deadline.forget_sockets()
                    if not reusable:
                        response.close()
                    response.release_conn()
        raise FetchError(f"too many redirects (more than {self.settings.max_redirects}) fetching {url}")

    def close(self) -> None:
        """Close pooled connections (they also close when the fetcher is garbage-collected)."""
        self._pools.close()

    def _resolver_within(self, deadline: Deadline) -> Resolver:
        def resolve(host: str, port: int) -> list[str]:
            try:
                return resolve_within(self.resolver, host, port, deadline.remaining())
            except TimeoutError:
                raise FetchError(
                    f"gave up on {host} after {deadline.seconds:g}s (its name did not resolve in time)"
                ) from None

        return resolve

    def post_form(self, url: str, fields: dict[str, str], *, max_bytes: int = 64 * 1024,
                  secrets: Iterable[str] = ()) -> FetchResult:
        """POST a form to ``url`` under the same checks as ``get`` (WebSub hub requests); no redirects.

        An HTTP error answer raises HttpStatusError, quoting the start of the answer's body with
        each of ``secrets`` taken out (a server often quotes the request back in its error, and
        the error goes to the log and the desk); the answer's body is capped at ``max_bytes``.
        """
        from urllib.parse import urlencode

        body = urlencode(fields).encode("ascii")
        headers = dict(self._headers) | {"Content-Type": "application/x-www-form-urlencoded",
                                         "Content-Length": str(len(body))}
        with Deadline(self.settings.total_seconds) as deadline:
            target = read_target(url)
            addresses = checked_addresses(target, self._resolver_within(deadline), self.policy)
            response = self._open(target, addresses, headers, deadline, method="POST", body=body)
            try:
                answer = CaseInsensitiveDict(response.headers)
                content = self._read_capped(response, url, max_bytes, deadline)
                if response.status >= 300:
                    quoted = without_secrets(content.decode("utf-8", "replace"), secrets)
                    raise HttpStatusError(f"HTTP {response.status} from {url}: {quoted[:200]}", response.status)
                return FetchResult(url, response.status, content, answer)
            finally:
                deadline.forget_sockets()
                response.close()
                response.release_conn()

    def _open(self, target: Target, addresses: list[str], headers: dict[str, str], deadline: Deadline,
              **request):
        """The answer's headers from the first checked address that takes the connection."""
        failure: Exception | None = None
        for address in addresses:
            if deadline.expired:
                raise self._gave_up(target.url, deadline)
            try:
                return self._send(target, address, headers, deadline, **request)
            except _Unreachable as exc:
                failure = exc.__cause__
        raise FetchError(f"could not fetch {target.url}: {_describe(failure)}") from failure

    def _send(self, target: Target, address: str, headers: dict[str, str], deadline: Deadline, **request):
        timeout = self.settings.timeout_seconds
        try:
            return self._pools.open(
                target, address, headers, connect_seconds=max(min(timeout, deadline.remaining()), 0.001),
                read_seconds=timeout, **request,
            )
        except MaxRetryError as exc:  # urllib3 wraps connection failures in it even with no retries
            reason = exc.reason or exc
            if deadline.expired:
                raise self._gave_up(target.url, deadline) from reason
            if isinstance(reason, (NewConnectionError, ConnectTimeoutError)):
                raise _Unreachable() from reason
            raise self._broken(target.url, reason) from reason
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.expired:
                raise self._gave_up(target.url, deadline) from exc
            raise self._broken(target.url, exc) from exc
        except ValueError as exc:  # http.client refuses a header value with a line break (a stored ETag, say)
            raise FetchError(f"could not fetch {target.url}: a request header is not valid ({exc})") from exc

    def _broken(self, url: str, exc: BaseException) -> FetchError:
        if isinstance(exc, (ReadTimeoutError, TimeoutError)):
            return FetchError(f"timed out after {self.settings.timeout_seconds:g}s fetching {url}")
        return FetchError(f"could not fetch {url}: {_describe(exc)}")

    @staticmethod
    def _gave_up(url: str, deadline: Deadline) -> FetchError:
        return FetchError(f"gave up on {url} after {deadline.seconds:g}s (the server sends too slowly)")

    def _drain(self, response, deadline: Deadline, url: str) -> bool:
        """Read a bodiless answer to its end so its connection can be reused; False if not worth it."""
        size = 0
        try:
            while chunk := response.read1(_CHUNK, decode_content=False):
                size += len(chunk)
                if size > _DRAIN_LIMIT:
                    return False  # hang up rather than read a large body we do not want
        except (urllib3.exceptions.HTTPError, OSError):
            return False
        if deadline.expired:
            raise self._gave_up(url, deadline)
        return True

    def _read_capped(self, response, url: str, limit: int, deadline: Deadline) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PageTooLarge(f"{url} is {int(declared):,} bytes, over the limit of {limit:,}")
        chunks: list[bytes] = []
        size = 0
        try:
            # read1 hands over what has arrived (a trickle shows) and decompresses at most
            # _CHUNK bytes per call, so a decompression bomb meets the cap one chunk at a time.
            while chunk := response.read1(_CHUNK, decode_content=True):
                size += len(chunk)
                if size > limit:
                    raise PageTooLarge(f"{url} is over the limit of {limit:,} bytes")
                if deadline.expired:
                    raise self._gave_up(url, deadline)
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.expired:
                raise self._gave_up(url, deadline) from exc
            raise FetchError(f"connection broke while reading {url}: {exc.__class__.__name__}") from exc
        if deadline.expired:  # the watchdog's hang-up reads as the end of the body: not a whole page
            raise self._gave_up(url, deadline)
        return b"".join(chunks)


def _header_text(value: str) -> str:
    """A header as its sender meant it: http.client decodes bytes as Latin-1, servers send UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _describe(exc: BaseException | None) -> str:
    """One line about a connection failure; the certificate's complaint is worth keeping."""
    if exc is None:
        return "no address answered"
    if isinstance(exc, NewConnectionError):
        return "the connection was refused or the host is unreachable"
    if isinstance(exc, ConnectTimeoutError):
        return "no connection in time"
    link: BaseException | None = exc
    for _ in range(6):  # urllib3 wraps ssl's error in its own SSLError, as an argument or a cause
        if isinstance(link, ssl.SSLCertVerificationError):
            return f"its TLS certificate was refused ({link.verify_message})"
        wrapped = link.args[0] if link.args and isinstance(link.args[0], BaseException) else None
        link = link.__cause__ or wrapped or link.__context__
        if link is None:
            break
    if isinstance(exc, SSLError):
        return "the TLS handshake failed"
    return exc.__class__.__name__
