"""requests plumbing the SDKs need: a host-rewriting, timeout-setting transport.

tweepy and facebook-sdk hard-code their hosts (api.twitter.com,
upload.twitter.com, graph.facebook.com). Mounting ``RewritingAdapter`` on the
SDK's session sends those requests to ``base_url`` (the sandbox) instead,
after the SDK has built and signed them, so OAuth signing still runs for real.
It also gives every request a timeout: tweepy's Client sets none.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from distributor.platforms.base import DEFAULT_TIMEOUT_SECONDS  # noqa: E402  (re-exported)
# oauthlib and requests_oauthlib log the OAuth parameters and signed headers (consumer key,
# access token) at DEBUG: keep them above DEBUG whatever level the application logs at.
CREDENTIAL_LOGGERS = ("oauthlib", "requests_oauthlib")


def quiet_credential_loggers() -> None:
    for name in CREDENTIAL_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level <= logging.DEBUG:  # NOTSET or DEBUG
            logger.setLevel(logging.INFO)


class RewritingAdapter(HTTPAdapter):
    def __init__(self, base_url: str | None, hosts: frozenset[str], timeout: float = DEFAULT_TIMEOUT_SECONDS):
        super().__init__()
        self.base = urlsplit(base_url.rstrip("/")) if base_url else None
        self.hosts = hosts
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.base is not None:
            parts = urlsplit(request.url or "")
            if parts.hostname in self.hosts:
                request.url = urlunsplit(
                    (self.base.scheme, self.base.netloc, self.base.path + parts.path, parts.query, parts.fragment))
        return super().send(request, **kwargs)


def route_session(session: requests.Session, base_url: str | None, hosts: frozenset[str],
                  timeout: float = DEFAULT_TIMEOUT_SECONDS) -> requests.Session:
    """Mount the rewriting adapter on both schemes of ``session``; returns it."""
    adapter = RewritingAdapter(base_url, hosts, timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# No platform's rate-limit window is longer than a day (Bluesky's and Threads' daily caps): a reset
# further away is a broken header, and believing it would hold the account's posts for years.
MAX_RATE_WAIT = timedelta(hours=24)


def retry_time(reset: object, default: timedelta, *, now: datetime | None = None) -> datetime:
    """When to try again after a 429 whose reset header said ``reset`` (Unix seconds, as sent).

    Unreadable, missing or past: ``default`` from now; beyond a day (or not even a
    date): a day from now. The SDKs turn such headers into errors of their own
    (``ValueError: year 3170843 is out of range``) or a wait until the year 2100.
    """
    now = now or datetime.now(timezone.utc)
    try:
        seconds = float(str(reset).strip()) - now.timestamp()
    except (TypeError, ValueError):
        return now + default
    if math.isnan(seconds) or seconds <= 0:
        return now + default
    return now + min(timedelta(seconds=min(seconds, MAX_RATE_WAIT.total_seconds())), MAX_RATE_WAIT)


def retry_after(value: object, default: timedelta, *, now: datetime | None = None) -> datetime:
    """The same for a ``Retry-After`` header in seconds (an HTTP date is read as unreadable: ``default``)."""
    now = now or datetime.now(timezone.utc)
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return now + default
    return retry_time(now.timestamp() + seconds, default, now=now) if seconds > 0 else now + default


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def sandbox_view_base(api_base_url: str | None) -> str | None:
    """With a sandbox ``api_base_url``, posts are viewed on its pages (their ids mean nothing on the platform)."""
    return f"{api_base_url.rstrip('/')}/_sandbox/view/" if api_base_url else None


def loopback_view_base(api_base_url: str | None) -> str | None:
    """For a platform whose ``api_base_url`` is also a real server's (a PDS, an instance): the sandbox's
    view pages only when that address is the local sandbox (loopback)."""
    import ipaddress

    host = urlsplit(api_base_url or "").hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    return sandbox_view_base(api_base_url) if local else None
