"""Threads through its Graph API with requests: container -> wait -> publish, reconcile, insights.

Why requests and not a client library: Meta publishes no Python client for
the Threads API, and the unofficial ones on PyPI are either unmaintained
since 2024 (pythreads 0.2.1) or a few months old at 0.x (meta-threads-sdk);
what we need is six plain Graph calls, and requests is already ours (its
transport gets the same timeout and host rewriting as the other adapters).

The token goes in the ``Authorization`` header, never in a URL (urllib3 logs
URLs at DEBUG). Threads has no duplicate check and no idempotency key: a post
this adapter already tried (its first attempt is over half a minute old, or it
was tried in this process) is looked for on the profile before publishing
again, and found means DuplicateContent (the dispatcher reconciles).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from pydantic import SecretStr

from distributor.cards.store import is_card_reference
from distributor.config import AccountSettings
from distributor.errors import AuthExpired, DuplicateContent, RateLimited, Rejected, Transient, Unsupported
from distributor.fetch import Fetcher
from distributor.lengths import text_length  # not compose: that loads Jinja2
from distributor.platforms._http import (DEFAULT_TIMEOUT_SECONDS, MAX_RATE_WAIT, retry_after, route_session,
                                         sandbox_view_base)
from distributor.platforms.base import Limits, Metrics, OutgoingPost, Published, count, dig, last_value
from distributor.platforms.images import load_image
from distributor.platforms.matching import Candidate, best_match, parse_platform_time
from distributor.platforms.specs import SPECS
from distributor.platforms.specs.threads import POSTS_PER_24_HOURS

SPEC = SPECS["threads"]
THREADS_HOSTS = frozenset({"graph.threads.net"})
API = "https://graph.threads.net/v1.0"
INSIGHT_METRICS = ",".join(SPEC.metrics.values())  # views,likes,replies,reposts,quotes
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
AUTH_CODES = frozenset({190, 102})
TRANSIENT_CODES = frozenset({1, 2})
DUPLICATE = 506
DEFAULT_RATE_WAIT = timedelta(minutes=5)
CAP_WAIT = timedelta(hours=1)  # the cap is a rolling 24 hours: look again in an hour
CONTAINER_WAIT_SECONDS = 30.0  # Meta: wait for an image container before publishing
CONTAINER_POLL_SECONDS = 0.5
RETRY_AFTER = timedelta(seconds=30)


class ThreadsAdapter:
    """One Threads profile."""

    platform = "threads"
    limits = Limits.from_spec(SPEC)

    def __init__(self, session: requests.Session, user_id: str, token: SecretStr, fetcher: Fetcher, *,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS, view_base: str | None = None):
        self.session = session
        self.user_id = user_id
        self._token = token
        self.fetcher = fetcher
        self.timeout = timeout
        self.view_base = view_base
        self._tried: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_account(cls, account: AccountSettings, secrets: dict[str, SecretStr], fetcher: Fetcher, *,
                     session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                     **_ignored) -> "ThreadsAdapter":
        session = route_session(session or requests.Session(), account.api_base_url, THREADS_HOSTS, timeout)
        return cls(session, account.user_id or "", secrets["access_token"], fetcher, timeout=timeout,
                   view_base=sandbox_view_base(account.api_base_url))

    # one Graph call ----------------------------------------------------------------------
    def call(self, method: str, path: str, endpoint: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        try:
            if method == "GET":
                response = self.session.get(f"{API}/{path}", params=params, headers=headers, timeout=self.timeout)
            else:  # form body: the text and the token stay out of the URL
                response = self.session.request(method, f"{API}/{path}", data=params, headers=headers,
                                                timeout=self.timeout)
        except requests.Timeout:
            raise Transient(f"Threads did not answer {endpoint} in time") from None
        except requests.RequestException as exc:
            raise Transient(f"connection to Threads broke during {endpoint} ({exc.__class__.__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if response.ok and error is None:
            return body
        raise self.translate(error if isinstance(error, dict) else {}, response, endpoint)

    @staticmethod
    def _regain(response: requests.Response) -> int:
        try:
            usage = json.loads(response.headers.get("x-app-usage") or "null")
            return int((usage or {}).get("estimated_time_to_regain_access") or 0)
        except (ValueError, TypeError, AttributeError):
            return 0

    def translate(self, error: dict[str, Any], response: requests.Response, endpoint: str) -> Exception:
        code, message = error.get("code"), str(error.get("message") or "")
        now = datetime.now(timezone.utc)
        if code is None:
            if response.status_code == 429:  # a proxy's or load balancer's, with no Graph error body
                retry_at = retry_after(response.headers.get("Retry-After"), DEFAULT_RATE_WAIT)
                return RateLimited(f"Threads answered {endpoint} with HTTP 429; retry after {retry_at:%H:%M:%S} UTC",
                                   retry_at, endpoint)
            if response.status_code >= 500:
                return Transient(f"Threads answered {endpoint} with HTTP {response.status_code}")
            return Rejected(f"Threads answered {endpoint} with HTTP {response.status_code} and no error body")
        if code in RATE_LIMIT_CODES:
            minutes = min(self._regain(response), int(MAX_RATE_WAIT.total_seconds() // 60))  # a header, not a fact
            retry_at = now + (timedelta(minutes=minutes) if minutes > 0 else DEFAULT_RATE_WAIT)
            return RateLimited(f"Threads rate limit (code {code}) on {endpoint}: {message}", retry_at, endpoint)
        if code in AUTH_CODES:
            return AuthExpired(f"Threads refused the access token (code {code}): renew the long-lived token")
        if code == DUPLICATE:
            return DuplicateContent(f"Threads says this is a duplicate (code {code}): {message}")
        if code in TRANSIENT_CODES or error.get("is_transient") or response.status_code >= 500:
            return Transient(f"Threads error on {endpoint} (code {code}): {message}")
        return Rejected(f"Threads refused {endpoint} (code {code}): {message}")

    # publishing --------------------------------------------------------------------------
    @staticmethod
    def sent_text(post: OutgoingPost) -> str:
        if post.link and post.link not in post.text:
            return f"{post.text}\n\n{post.link}".strip()
        return post.text

    def _already_tried(self, post: OutgoingPost) -> bool:
        basis = post.marker or f"{post.text}\n{post.link or ''}"
        with self._lock:
            seen = basis in self._tried
            self._tried.add(basis)
        old = post.not_before is not None and datetime.now(timezone.utc) - post.not_before > RETRY_AFTER
        return seen or old

    def check_cap(self) -> None:
        """The 250 posts per rolling 24 hours: past it, wait (RateLimited) instead of being refused."""
        answer = self.call("GET", f"{self.user_id}/threads_publishing_limit",
                           "GET /{user_id}/threads_publishing_limit", fields="quota_usage,config")
        [usage] = (answer or {}).get("data") or [{}]
        total = int((usage.get("config") or {}).get("quota_total") or POSTS_PER_24_HOURS)
        if int(usage.get("quota_usage") or 0) >= total:
            retry_at = datetime.now(timezone.utc) + CAP_WAIT
            raise RateLimited(f"Threads allows {total} posts in 24 hours and this profile has made them",
                              retry_at, "POST /{user_id}/threads_publish")

    def publish(self, post: OutgoingPost) -> Published:
        sent = self.sent_text(post)
        length = text_length(self.platform, sent)
        if length > SPEC.text.max_length:
            raise Rejected(f"the post is too long: {length} characters as Threads counts them (an emoji counts "
                           f"its UTF-8 bytes), the limit is {SPEC.text.max_length}")
        if self._already_tried(post) and self.find_existing(post) is not None:
            raise DuplicateContent("Threads already has this post (an earlier attempt published it)")
        self.check_cap()
        container, note = self._container(post, sent)
        published = self.call("POST", f"{self.user_id}/threads_publish", "POST /{user_id}/threads_publish",
                              creation_id=container)
        return self._published(str(published["id"]), note)

    def _container(self, post: OutgoingPost, sent: str) -> tuple[str, str | None]:
        """An image container when the image is usable (Meta fetches it from its URL), else a text one."""
        note = None
        if post.image_url:
            usable, note = self._image_note(post.image_url)
            if usable:
                container = self.call("POST", f"{self.user_id}/threads", "POST /{user_id}/threads",
                                      media_type="IMAGE", image_url=post.image_url, text=sent,
                                      **({"alt_text": post.image_alt[:1000]} if post.image_alt else {}))["id"]
                status, why = self._wait(container)
                if status == "FINISHED":
                    return container, None
                note = f"posted without image: Threads could not use it ({why or status})"
        params: dict[str, Any] = {"media_type": "TEXT", "text": sent}
        if post.link:
            params["link_attachment"] = post.link  # the link's preview card
        container = self.call("POST", f"{self.user_id}/threads", "POST /{user_id}/threads", **params)["id"]
        status, why = self._wait(container)
        if status != "FINISHED":
            raise Rejected(f"Threads did not accept the post ({status}: {why or 'no reason given'})")
        return container, note

    def _image_note(self, url: str) -> tuple[bool, str | None]:
        if is_card_reference(url):
            return False, "posted without image: Threads fetches images from a public URL, and a quote card has none"
        image, note = load_image(self.fetcher, url, SPEC.max_image_bytes)
        return image is not None, note

    def _wait(self, container: str) -> tuple[str, str | None]:
        """Poll the container until it is ready (or failed, or the wait is over)."""
        deadline = time.monotonic() + CONTAINER_WAIT_SECONDS
        while True:
            answer = self.call("GET", container, "GET /{container_id}", fields="status,error_message")
            status = str(answer.get("status") or "")
            if status != "IN_PROGRESS" or time.monotonic() > deadline:
                return status, answer.get("error_message")
            time.sleep(CONTAINER_POLL_SECONDS)

    def _published(self, media_id: str, note: str | None) -> Published:
        url = f"{self.view_base}{media_id}" if self.view_base else None
        return Published(media_id, url or f"https://www.threads.net/t/{media_id}", note)

    def edit(self, external_id: str, text: str) -> None:
        raise Unsupported("Threads cannot edit a published post: alert only")

    def delete(self, external_id: str) -> None:
        self.call("DELETE", external_id, "DELETE /{media_id}")

    def verify(self) -> str:
        me = self.call("GET", "me", "GET /me", fields="id,username")
        return f"@{me.get('username')} ({me.get('id')})"

    # reconciliation ----------------------------------------------------------------------
    def find_existing(self, post: OutgoingPost) -> Published | None:
        answer = self.call("GET", f"{self.user_id}/threads", "GET /{user_id}/threads",
                           fields="id,text,timestamp,permalink,link_attachment_url", limit=50)
        candidates = [Candidate(str(item["id"]), item.get("text") or "",
                                (item["link_attachment_url"],) if item.get("link_attachment_url") else (),
                                parse_platform_time(item.get("timestamp")))
                      for item in (answer or {}).get("data") or []]
        found = best_match(post, self.sent_text(post), candidates)
        return None if found is None else self._published(found.external_id, "found on the profile's threads")

    # metrics -----------------------------------------------------------------------------
    def fetch_metrics(self, external_ids: list[str]) -> dict[str, Metrics]:
        """Insights are read one post per call (the Threads API has no batch)."""
        metrics: dict[str, Metrics] = {}
        for media_id in dict.fromkeys(external_ids):
            try:
                answer = self.call("GET", f"{media_id}/insights", "GET /{media_id}/insights", metric=INSIGHT_METRICS)
            except Rejected as exc:
                if "does not exist" in exc.reason:
                    metrics[media_id] = Metrics(deleted=True, raw={"id": media_id})
                continue
            data = dig(answer, "data")
            values = {str(item.get("name")): (last_value(item) or 0)
                      for item in (data if isinstance(data, list) else []) if isinstance(item, dict)}
            said = {name: count(value) for name, value in values.items()}  # None: no count we can hold
            metrics[media_id] = Metrics(likes=said.get("likes") or 0,
                                        shares=(said.get("reposts") or 0) + (said.get("quotes") or 0),
                                        comments=said.get("replies") or 0, views=said.get("views"),
                                        clicks=None, raw={"id": media_id, **values})
        return metrics
