"""Bluesky through the atproto SDK: posts with link facets and a link card, reconcile, metrics.

atproto stays inside this file. The session (from the app password) is made
on first use; the SDK refreshes it before its access token expires, and a
token the PDS refuses anyway (``ExpiredToken``) is refreshed once, then the
call repeated; when the refresh is refused too, a new session is made from the
app password, and only when that is refused the account is AuthExpired.

Exactly once: each post's record key (a TID) is derived from the post's first
attempt and its marker, so a retry after a lost response asks the PDS to
create a record it already has, which it refuses: DuplicateContent, and the
dispatcher reconciles from the author feed.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, TypeVar

import httpx
from atproto import Client, models
from atproto_client.exceptions import (AtProtocolError, BadRequestError, LoginRequiredError, NetworkError,
                                       RateLimitExceededError, RequestErrorBase, RequestException, UnauthorizedError)
from atproto_client.request import Request
from atproto_client.utils.facet_detection import detect_facets
from pydantic import SecretStr

from distributor.config import AccountSettings
from distributor.errors import AuthExpired, DuplicateContent, RateLimited, Rejected, Transient, Unsupported
from distributor.fetch import Fetcher
from distributor.platforms._http import DEFAULT_TIMEOUT_SECONDS, chunks, loopback_view_base, retry_time
from distributor.platforms.base import Limits, Metrics, OutgoingPost, Published
from distributor.platforms.images import load_image
from distributor.platforms.matching import Candidate, best_match, parse_platform_time
from distributor.platforms.specs import SPECS
from distributor.text import trim

SPEC = SPECS["bluesky"]
DEFAULT_PDS = "https://bsky.social"
POST = "app.bsky.feed.post"
DEFAULT_RATE_WAIT = timedelta(minutes=5)
AUTHOR_FEED_LIMIT = 50
SESSION_REFUSED = frozenset({"ExpiredToken", "InvalidToken"})
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
T = TypeVar("T")


def record_key(moment: datetime, basis: str) -> str:
    """A TID (13 base32-sortable characters: microseconds << 10 | clock id) that one post always gets."""
    micros = int(moment.timestamp() * 1_000_000)
    clock = int.from_bytes(hashlib.sha256(basis.encode("utf-8")).digest()[:2], "big") & 1023
    number = (micros << 10) | clock
    return "".join(_TID_ALPHABET[(number >> (5 * i)) & 31] for i in range(12, -1, -1))


def _xrpc_error(exc: RequestErrorBase) -> tuple[str, str, int | None]:
    response = exc.response
    content = getattr(response, "content", None)
    name = getattr(content, "error", None) or ""
    message = getattr(content, "message", None) or ""
    return str(name), str(message), getattr(response, "status_code", None)


class BlueskyAdapter:
    """One Bluesky account (app password)."""

    platform = "bluesky"
    limits = Limits.from_spec(SPEC)

    def __init__(self, client: Client, handle: str, password: SecretStr, fetcher: Fetcher, *,
                 view_base: str | None = None):
        self.client = client
        self.handle = handle
        self._password = password
        self.fetcher = fetcher
        self.view_base = view_base
        self._did: str | None = None
        self._lock = threading.RLock()
        self._first_seen: dict[str, datetime] = {}

    @classmethod
    def from_account(cls, account: AccountSettings, secrets: dict[str, SecretStr], fetcher: Fetcher, *,
                     timeout: float = DEFAULT_TIMEOUT_SECONDS, **_ignored) -> "BlueskyAdapter":
        base = account.api_base_url or DEFAULT_PDS
        client = Client(base_url=base, request=Request(timeout=timeout))
        return cls(client, account.handle or "", secrets["app_password"], fetcher,
                   view_base=loopback_view_base(account.api_base_url))

    # errors and the session --------------------------------------------------------------
    @contextlib.contextmanager
    def errors(self, endpoint: str) -> Iterator[None]:
        """Translate what atproto and httpx raise into what the dispatcher must do."""
        try:
            yield
        except RateLimitExceededError as exc:
            # not exc.reset_at: it raises ValueError on a reset beyond the year 9999, and trusts the year 2100
            headers = {str(k).lower(): v for k, v in (getattr(exc.response, "headers", None) or {}).items()}
            retry_at = retry_time(headers.get("ratelimit-reset"), DEFAULT_RATE_WAIT)
            raise RateLimited(f"Bluesky rate limit on {endpoint}; retry after {retry_at:%H:%M:%S} UTC",
                              retry_at, endpoint) from exc
        except (UnauthorizedError, LoginRequiredError) as exc:
            raise AuthExpired(f"Bluesky refused the app password of {self.handle} on {endpoint}: "
                              "make a new app password") from exc
        except NetworkError as exc:
            raise Transient(f"connection to Bluesky broke during {endpoint} ({exc.__class__.__name__})") from exc
        except BadRequestError as exc:
            name, message, _ = _xrpc_error(exc)
            if name in SESSION_REFUSED:
                raise AuthExpired(f"Bluesky refused the session of {self.handle} ({name}): "
                                  "make a new app password") from exc
            if "already exists" in message.lower():
                raise DuplicateContent(f"Bluesky already has this record: {message}") from exc
            raise Rejected(f"Bluesky refused {endpoint}: {name}: {message}".rstrip(": ")) from exc
        except RequestException as exc:
            name, message, status = _xrpc_error(exc)
            if status is None or status >= 500:
                raise Transient(f"Bluesky server error on {endpoint} (HTTP {status or '?'})") from exc
            raise Rejected(f"Bluesky refused {endpoint} (HTTP {status}): {name} {message}".strip()) from exc
        except httpx.HTTPError as exc:  # a connection dropped mid-answer: atproto lets httpx's own error through
            raise Transient(f"connection to Bluesky broke during {endpoint} ({exc.__class__.__name__})") from exc
        except AtProtocolError as exc:
            raise Rejected(f"Bluesky refused {endpoint}: {exc.__class__.__name__}") from exc

    def _login(self) -> None:
        with self.errors("POST /xrpc/com.atproto.server.createSession"):
            self.client.login(self.handle, self._password.get_secret_value())
        self._did = self.client.me.did if self.client.me else None

    def _renew(self) -> None:
        """After a refused token: refresh the session; when that is refused, log in again."""
        try:
            with self.errors("POST /xrpc/com.atproto.server.refreshSession"):
                # the SDK's own refresh (it also runs it before expiry); public API has no name for it
                self.client._refresh_and_set_session()
        except AuthExpired:
            self._login()

    def _call(self, endpoint: str, call: Callable[[], T]) -> T:
        """``call`` with a session; a refused session is renewed once and the call repeated."""
        with self._lock:
            if self._did is None:
                self._login()
        try:
            with self.errors(endpoint):
                return call()
        except AuthExpired as exc:
            cause = exc.__cause__
            if not (isinstance(cause, BadRequestError) and _xrpc_error(cause)[0] in SESSION_REFUSED):
                raise
        with self._lock:
            self._renew()
        with self.errors(endpoint):
            return call()

    # publishing --------------------------------------------------------------------------
    @staticmethod
    def sent_text(post: OutgoingPost) -> str:
        if post.link and post.link not in post.text:
            return f"{post.text}\n\n{post.link}".strip()
        return post.text

    def _rkey(self, post: OutgoingPost, sent: str) -> str:
        basis = post.marker or f"{sent}\n{post.link or ''}"
        moment = post.not_before
        if moment is None:
            with self._lock:
                moment = self._first_seen.setdefault(basis, datetime.now(timezone.utc))
        return record_key(moment, basis)

    def _card(self, post: OutgoingPost, sent: str, thumb: Any) -> models.AppBskyEmbedExternal.Main:
        """The link card: the headline, what the post says besides it, and the image as thumbnail."""
        lines = [line.strip() for line in sent.replace(post.link or "", "").splitlines() if line.strip()]
        title = post.title or (lines[0] if lines else post.link or "")
        rest = [line for line in lines if line != title]
        external = models.AppBskyEmbedExternal.External(uri=post.link, title=trim(title, 300),
                                                        description=trim(" ".join(rest), 300), thumb=thumb)
        return models.AppBskyEmbedExternal.Main(external=external)

    def publish(self, post: OutgoingPost) -> Published:
        sent = self.sent_text(post)
        blob, note = self._upload(post) if post.image_url else (None, None)
        embed: Any
        if post.extra_images and blob is not None:
            # several images: one images embed (Bluesky has no card beside it; the link stays a facet in the text)
            embed, note = self._images_embed(post, blob, note)
        elif post.link:
            embed = self._card(post, sent, blob)
        elif blob is not None:
            embed = models.AppBskyEmbedImages.Main(images=[models.AppBskyEmbedImages.Image(
                image=blob, alt=(post.image_alt or "")[:2000])])
        else:
            embed = None
        record = models.AppBskyFeedPost.Record(text=sent, created_at=self.client.get_current_time_iso(),
                                               facets=detect_facets(sent) or None, embed=embed, langs=["en"])
        rkey = self._rkey(post, sent)
        created = self._call("POST /xrpc/com.atproto.repo.createRecord",
                             lambda: self.client.app.bsky.feed.post.create(self._did, record, rkey=rkey))
        return Published(created.uri, self.view_url(created.uri), note)

    def _images_embed(self, post: OutgoingPost, first: Any, note: str | None) -> tuple[Any, str | None]:
        """The first image's blob and the extras' (up to the spec's count), each with its alt text."""
        images = [models.AppBskyEmbedImages.Image(image=first, alt=(post.image_alt or "")[:2000])]
        notes = [note] if note else []
        for n, (url, alt) in enumerate(post.extra_images[:SPEC.max_images - 1], start=2):
            blob, extra_note = self._upload(replace(post, image_url=url))
            if blob is None:
                notes.append(f"image {n}: {extra_note}")
                continue
            images.append(models.AppBskyEmbedImages.Image(image=blob, alt=(alt or "")[:2000]))
        return models.AppBskyEmbedImages.Main(images=images), "; ".join(notes) or None

    def _upload(self, post: OutgoingPost) -> tuple[Any, str | None]:
        image, note = load_image(self.fetcher, post.image_url or "", SPEC.max_image_bytes)
        if image is None:
            return None, note
        try:
            uploaded = self._call("POST /xrpc/com.atproto.repo.uploadBlob",
                                  lambda: self.client.com.atproto.repo.upload_blob(image.content))
        except Rejected as exc:
            return None, f"posted without image: Bluesky refused the upload ({exc.reason})"
        return uploaded.blob, None

    def view_url(self, uri: str) -> str:
        if self.view_base:
            return self.view_base + uri
        _, _, rest = uri.partition("at://")
        did, _, rkey = rest.partition(f"/{POST}/")
        return f"https://bsky.app/profile/{did}/post/{rkey}"

    def edit(self, external_id: str, text: str) -> None:
        raise Unsupported("Bluesky cannot edit a published post: alert only")

    def delete(self, external_id: str) -> None:
        self._call("POST /xrpc/com.atproto.repo.deleteRecord", lambda: self.client.delete_post(external_id))

    def verify(self) -> str:
        session = self._call("GET /xrpc/com.atproto.server.getSession",
                             lambda: self.client.com.atproto.server.get_session())
        return f"@{session.handle}"

    # reconciliation ----------------------------------------------------------------------
    def find_existing(self, post: OutgoingPost) -> Published | None:
        feed = self._call("GET /xrpc/app.bsky.feed.getAuthorFeed",
                          lambda: self.client.get_author_feed(actor=self._did, limit=AUTHOR_FEED_LIMIT))
        candidates = []
        for item in feed.feed or []:
            view = item.post
            record = view.record
            links = [f.uri for facet in (getattr(record, "facets", None) or []) for f in facet.features
                     if getattr(f, "uri", None)]
            embed = getattr(record, "embed", None)
            external = getattr(embed, "external", None)
            if external is not None and getattr(external, "uri", None):
                links.append(external.uri)
            candidates.append(Candidate(view.uri, getattr(record, "text", ""), tuple(links),
                                        parse_platform_time(getattr(record, "created_at", None))))
        found = best_match(post, self.sent_text(post), candidates)
        if found is None:
            return None
        return Published(found.external_id, self.view_url(found.external_id), "found on the account's author feed")

    # metrics -----------------------------------------------------------------------------
    def fetch_metrics(self, external_ids: list[str]) -> dict[str, Metrics]:
        metrics: dict[str, Metrics] = {}
        for batch in chunks(list(dict.fromkeys(external_ids)), SPEC.metrics_batch_size):
            answer = self._call("GET /xrpc/app.bsky.feed.getPosts", lambda: self.client.get_posts(batch))
            found = {view.uri: view for view in answer.posts or []}
            for uri in batch:
                view = found.get(uri)
                if view is None:  # deleted: getPosts leaves it out
                    metrics[uri] = Metrics(deleted=True, raw={"uri": uri})
                    continue
                counts = {"likeCount": view.like_count or 0, "repostCount": view.repost_count or 0,
                          "replyCount": view.reply_count or 0, "quoteCount": view.quote_count or 0}
                metrics[uri] = Metrics(likes=counts["likeCount"], shares=counts["repostCount"] + counts["quoteCount"],
                                       comments=counts["replyCount"], impressions=None, clicks=None,
                                       raw={"uri": uri, **counts})
        return metrics
