"""X through tweepy: post, upload the image, reconcile, read metrics.

tweepy stays inside this file. Its ``Client`` does the v2 calls (signed with
OAuth 1.0a user context). tweepy 4.17 has no v2 media upload (tweepy issue
2217), so the v2 media calls go through ``Client.request``: the same signed
session, the same error mapping, no second HTTP stack or OAuth library. Its
v1.1 ``API`` is used for media only when the account says ``x_media_api =
"v1.1"``. Every tweepy or requests failure leaves as our ``PlatformError``
tree (see ``x_errors``).

X bills every call (delivery/costs.py): a response hook on the session notes
each answered call on the current meter with the price line it falls under,
and the 15-minute and 24-hour limit headers it carried, so the dispatcher can
stop before a call would be refused.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Iterator
from urllib.parse import urlsplit

import requests
import tweepy
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from pydantic import SecretStr

from twitter_text.extract_urls import extract_urls_with_indices

from distributor.config import AccountSettings
from distributor.delivery.costs import DEFAULT_PRICES, LimitSeen, note_call, note_limit
from distributor.errors import AuthExpired, DuplicateContent, RateLimited, Rejected, Transient, Unsupported
from distributor.fetch import Fetcher
from distributor.platforms._http import (DEFAULT_TIMEOUT_SECONDS, chunks, quiet_credential_loggers, route_session,
                                        sandbox_view_base)
from distributor.platforms.specs import SPECS
from distributor.platforms.base import Limits, Metrics, OutgoingPost, Published, count, dig
from distributor.platforms.images import Image, load_image
from distributor.platforms.matching import Candidate, best_match, parse_platform_time

X_HOSTS = frozenset({"api.twitter.com", "upload.twitter.com", "api.x.com", "upload.x.com"})
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# One-shot v2 upload sends the image base64 in a JSON body; above this size the
# chunked initialize/append/finalize upload is used (X's docs advise chunking large media).
ONE_SHOT_MAX_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
RECONCILE_PAGE = 5  # the smallest max_results X accepts: reconciling reads as few posts as possible
RECONCILE_MAX_PAGES = 4
RECONCILE_MARGIN = timedelta(minutes=2)  # clock difference between us and X
log = logging.getLogger(__name__)
MAX_IDS_PER_LOOKUP = 100
DEFAULT_RATE_WAIT = timedelta(minutes=5)  # when a 429 carries no x-rate-limit-reset
# X gives no error code for this refusal (v1.1 had 187): the detail text is the only signal
DUPLICATE_DETAIL = "duplicate content"


def _reason(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(m) for m in exc.api_messages) or f"HTTP {exc.response.status_code}"


@contextlib.contextmanager
def x_errors(endpoint: str) -> Iterator[None]:
    """Translate what tweepy and requests raise into what the dispatcher must do."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        reset = exc.reset_time
        capped = _exhausted_24h_reset(exc.response.headers) if exc.response is not None else None
        if capped is not None:  # a 24-hour cap: the 15-minute reset would only be refused again
            raise RateLimited(f"X 24-hour cap reached on {endpoint}; posts wait until {capped:%Y-%m-%d %H:%M} UTC",
                              capped, endpoint) from exc
        retry_at = _epoch(reset) or datetime.now(timezone.utc) + DEFAULT_RATE_WAIT
        raise RateLimited(f"X rate limit on {endpoint}; retry after {retry_at:%H:%M:%S} UTC",
                          retry_at, endpoint) from exc
    except tweepy.Unauthorized as exc:
        raise AuthExpired(f"X refused the account's credentials on {endpoint} (401): reconnect the account") from exc
    except tweepy.Forbidden as exc:
        reason = _reason(exc)
        if DUPLICATE_DETAIL in reason.lower():
            # maybe posted: a retry after a lost response gets this too; the dispatcher reconciles
            raise DuplicateContent(f"X says this is duplicate content: {reason}") from exc
        raise Rejected(f"X refused {endpoint} (403): {reason}") from exc
    except tweepy.TwitterServerError as exc:
        raise Transient(f"X server error on {endpoint} (HTTP {exc.response.status_code})") from exc
    except tweepy.HTTPException as exc:
        raise Rejected(f"X refused {endpoint} (HTTP {exc.response.status_code}): {_reason(exc)}") from exc
    except requests.Timeout as exc:
        raise Transient(f"X did not answer {endpoint} in time") from exc
    except requests.RequestException as exc:
        raise Transient(f"connection to X broke during {endpoint} ({exc.__class__.__name__})") from exc
    except tweepy.TweepyException as exc:  # v1.1 API wraps connection failures in a bare TweepyException
        raise Transient(f"X request failed during {endpoint}") from exc


PUBLIC_METRICS = ("like_count", "retweet_count", "quote_count", "reply_count", "impression_count")


class TwitterAdapter:
    """One X account."""

    platform = "twitter"
    limits = Limits.from_spec(SPECS["twitter"])

    def __init__(self, client: tweepy.Client, api: tweepy.API, fetcher: Fetcher, *, view_base: str | None = None,
                 account: AccountSettings | None = None, prices: dict[str, float] | None = None,
                 app_key: str | None = None):
        self.client = client
        self.api = api
        self.fetcher = fetcher
        self.view_base = view_base  # sandbox: links to its post pages, not to x.com
        self._user_id: str | None = None
        self.account_name = account.name if account else "twitter"
        self.link_policy = account.link_policy if account else "in_post"
        self.media_api = account.x_media_api if account else "v2"
        self.prices = prices if prices is not None else dict(DEFAULT_PRICES["twitter"])
        self.app_key = app_key  # accounts of one X app share its 24-hour app cap
        if isinstance(getattr(client, "session", None), requests.Session):
            client.session.hooks.setdefault("response", []).append(self._on_response)

    def view_url(self, tweet_id: str) -> str:
        return f"{self.view_base}{tweet_id}" if self.view_base else self.view_url(tweet_id)

    @classmethod
    def from_account(cls, account: AccountSettings, secrets: dict[str, SecretStr], fetcher: Fetcher, *,
                     session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                     prices: dict[str, float] | None = None, **_ignored) -> "TwitterAdapter":
        quiet_credential_loggers()
        keys = {name: value.get_secret_value() for name, value in secrets.items()}
        client = tweepy.Client(consumer_key=keys["consumer_key"], consumer_secret=keys["consumer_secret"],
                               access_token=keys["access_token"], access_token_secret=keys["access_token_secret"])
        auth = tweepy.OAuth1UserHandler(keys["consumer_key"], keys["consumer_secret"],
                                        keys["access_token"], keys["access_token_secret"])
        api = tweepy.API(auth, timeout=timeout, retry_count=0)
        client.session = api.session = route_session(session or requests.Session(), account.api_base_url,
                                                     X_HOSTS, timeout)
        app_key = hashlib.sha256(keys["consumer_key"].encode()).hexdigest()[:12]
        return cls(client, api, fetcher, view_base=sandbox_view_base(account.api_base_url), account=account,
                   prices=prices, app_key=app_key)

    # metering ------------------------------------------------------------------------
    def _on_response(self, response: requests.Response, *args, **kwargs) -> requests.Response:
        """requests response hook: note the call's price and the limits its headers report."""
        try:
            request = response.request
            endpoint = endpoint_key(request.method or "GET", request.url or "")
            key, units, purpose = x_price_line(endpoint, response.status_code, request.body, response)
            note_call("twitter", self.account_name, endpoint, response.status_code, key, units, self.prices,
                      purpose=purpose)
            for seen in x_limits_seen(endpoint, response.headers):
                note_limit(seen)
        except Exception:  # noqa: BLE001 - metering must never break a call
            log.warning("could not meter an X call", exc_info=True)
        return response

    def _note_lost(self, exc: requests.RequestException) -> None:
        """A post whose answer was lost may have been made (and billed): count it at its price."""
        request = getattr(exc, "request", None)
        if request is None or never_connected(exc):
            return
        endpoint = endpoint_key(request.method or "GET", request.url or "")
        if endpoint == "POST /2/tweets":
            note_call("twitter", self.account_name, endpoint, None, _create_price_key(request.body), 1, self.prices)

    # publishing ----------------------------------------------------------------------
    def sent_text(self, post: OutgoingPost) -> str:
        return x_sent_text(post.text, post.link, getattr(self, "link_policy", "in_post"))

    def publish(self, post: OutgoingPost) -> Published:
        media_ids, note = self._attach_images(post) if post.image_url else ([], None)
        with x_errors("POST /2/tweets"):
            try:
                response = self.client.create_tweet(text=self.sent_text(post), media_ids=media_ids or None,
                                                    user_auth=True)
            except requests.RequestException as exc:
                self._note_lost(exc)
                raise
        tweet_id = str(response.data["id"])
        return Published(tweet_id, self.view_url(tweet_id), note)

    def edit(self, external_id: str, text: str) -> None:
        raise Unsupported("X cannot edit a published post (its edit button is not in the API): alert only")

    def delete(self, external_id: str) -> None:
        with x_errors("DELETE /2/tweets/{id}"):
            self.client.delete_tweet(external_id, user_auth=True)  # an unknown id answers deleted: false

    def _attach_images(self, post: OutgoingPost) -> tuple[list[str], str | None]:
        """Upload each image (X takes up to 4: one upload and one alt text call each), in order."""
        media_ids, notes = [], []
        for n, (url, alt) in enumerate(post.images[:SPECS["twitter"].max_images], start=1):
            ids, note = self._attach_image(url, alt)
            media_ids += ids
            if note:
                notes.append(note if len(post.images) == 1 else f"image {n}: {note}")
        return media_ids, "; ".join(notes) or None

    def _attach_image(self, url: str, alt: str | None) -> tuple[list[str], str | None]:
        image, note = load_image(self.fetcher, url or "", MAX_IMAGE_BYTES)
        if image is None:
            return [], note
        try:
            media_id, v2 = self._upload(image)
        except Rejected as exc:  # a refused image must not stop the post
            return [], f"posted without image: X refused the upload ({exc.reason})"
        if alt:
            try:
                self._describe(media_id, alt[:1000], v2)
            except Rejected as exc:
                return [media_id], f"image posted without alt text: {exc.reason}"
        return [media_id], None

    # the parts of a thread ---------------------------------------------------------------
    def reply(self, parent_id: str, text: str) -> Published:
        """One post of a thread, a reply to ``parent_id`` (billed like any post create)."""
        with x_errors("POST /2/tweets"):
            try:
                response = self.client.create_tweet(text=text, in_reply_to_tweet_id=parent_id, user_auth=True)
            except requests.RequestException as exc:
                self._note_lost(exc)
                raise
        tweet_id = str(response.data["id"])
        return Published(tweet_id, self.view_url(tweet_id))

    def find_reply(self, parent_id: str, text: str, not_before: datetime | None) -> Published | None:
        """A reply an earlier attempt may have made (its answer lost): the account's posts since then."""
        found = self.find_existing(OutgoingPost(text=text, not_before=not_before), replying_to=parent_id)
        return None if found is None else Published(found.external_id, found.url, "found among the account's posts")

    def _upload(self, image: Image) -> tuple[str, bool]:
        """v2 upload (one shot for small images, chunked above ONE_SHOT_MAX_BYTES); v1.1 only when the
        account says x_media_api = "v1.1". Returns (media id, used v2)."""
        if self.media_api == "v1.1":
            with x_errors("POST /1.1/media/upload.json"):
                media = self.api.media_upload(image.filename, file=io.BytesIO(image.content),
                                              media_category="tweet_image")
            return str(media.media_id_string), False
        if len(image.content) > ONE_SHOT_MAX_BYTES:
            return self._upload_chunked(image), True
        payload = {"media": base64.b64encode(image.content).decode("ascii"), "media_category": "tweet_image",
                   "media_type": image.mime}
        with x_errors("POST /2/media/upload"):
            response = self.client.request("POST", "/2/media/upload", json=payload, user_auth=True)
        return str(response.json()["data"]["id"]), True

    def _upload_chunked(self, image: Image) -> str:
        with x_errors("POST /2/media/upload/initialize"):
            started = self.client.request("POST", "/2/media/upload/initialize", user_auth=True, json={
                "media_type": image.mime, "total_bytes": len(image.content), "media_category": "tweet_image"})
        media_id = str(started.json()["data"]["id"])
        for index, offset in enumerate(range(0, len(image.content), CHUNK_BYTES)):
            chunk = image.content[offset:offset + CHUNK_BYTES]
            with x_errors("POST /2/media/upload/{id}/append"):
                # tweepy's request() has no files argument: the session it signs with does
                self._signed_multipart(f"/2/media/upload/{media_id}/append", {"segment_index": str(index)},
                                       {"media": (image.filename, chunk, "application/octet-stream")})
        with x_errors("POST /2/media/upload/{id}/finalize"):
            self.client.request("POST", f"/2/media/upload/{media_id}/finalize", user_auth=True)
        return media_id

    def _signed_multipart(self, path: str, data: dict, files: dict) -> requests.Response:
        """A multipart POST signed with the account's OAuth 1.0a keys, on the client's own session."""
        client = self.client
        auth = tweepy.OAuth1UserHandler(client.consumer_key, client.consumer_secret, client.access_token,
                                        client.access_token_secret).apply_auth()
        response = client.session.post("https://api.twitter.com" + path, data=data, files=files, auth=auth)
        if response.status_code >= 400:
            raise {400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden, 404: tweepy.NotFound,
                   429: tweepy.TooManyRequests}.get(response.status_code, tweepy.HTTPException
                   if response.status_code < 500 else tweepy.TwitterServerError)(response)
        return response

    def _describe(self, media_id: str, alt: str, v2: bool) -> None:
        if v2:
            with x_errors("POST /2/media/metadata"):
                self.client.request("POST", "/2/media/metadata", user_auth=True,
                                    json={"id": media_id, "metadata": {"alt_text": {"text": alt}}})
        else:
            with x_errors("POST /1.1/media/metadata/create.json"):
                self.api.create_media_metadata(media_id, alt)

    def verify(self) -> str:
        with x_errors("GET /2/users/me"):
            me = self.client.get_me(user_auth=True).data
        self._user_id = str(me.id)
        return f"@{me.username}"

    # reconciliation ------------------------------------------------------------------
    def _me(self) -> str:
        if self._user_id is None:
            with x_errors("GET /2/users/me"):
                self._user_id = str(self.client.get_me(user_auth=True).data.id)
        return self._user_id

    def find_existing(self, post: OutgoingPost, replying_to: str | None = None) -> Published | None:
        """Look among the posts made since the first attempt only: X bills each post read.

        ``start_time`` (the first attempt, less a margin for clock differences) and
        ``since_id`` (our last post before it) and ``until_id`` (our first post begun
        after the last attempt ended) bound the search; pages of
        RECONCILE_PAGE posts (X's smallest) are read until the post is found or
        the posts since the first attempt run out. ``replying_to``: only the
        account's replies to that post (a thread's reply: the same words may
        end another thread too).
        """
        user_id = self._me()
        bounds: dict = {}
        if post.not_before is not None:
            bounds["start_time"] = (post.not_before - RECONCILE_MARGIN).astimezone(timezone.utc).replace(microsecond=0)
        if post.since_id:
            bounds["since_id"] = post.since_id
        if post.until_id:
            bounds["until_id"] = post.until_id  # X's ids grow with time: the lost post lies between the two
        token = None
        for _ in range(RECONCILE_MAX_PAGES):
            with x_errors("GET /2/users/{id}/tweets"):
                response = self.client.get_users_tweets(user_id, max_results=RECONCILE_PAGE, user_auth=True,
                                                        tweet_fields=["created_at", "entities", "referenced_tweets"],
                                                        pagination_token=token, **bounds)
            candidates = [self._candidate(tweet.data) for tweet in response.data or []
                          if replying_to is None or _replies_to(tweet.data, replying_to)]
            found = best_match(post, self.sent_text(post), candidates)
            if found is not None:
                return Published(found.external_id, self.view_url(found.external_id),
                                 "found among the account's posts since the first attempt")
            token = (response.meta or {}).get("next_token")
            if not token:
                return None
        return None

    @staticmethod
    def _candidate(tweet: dict) -> Candidate:
        """X shows links as t.co: expand them from the entities to compare with what we sent."""
        text = tweet.get("text", "")
        urls = sorted((tweet.get("entities") or {}).get("urls", []), key=lambda u: u.get("start", 0), reverse=True)
        for url in urls:
            if "start" in url and "end" in url and url.get("expanded_url"):
                text = text[:url["start"]] + url["expanded_url"] + text[url["end"]:]
        return Candidate(str(tweet["id"]), text, tuple(u["expanded_url"] for u in urls if u.get("expanded_url")),
                         parse_platform_time(tweet.get("created_at")))

    # metrics ------------------------------------------------------------------------
    def fetch_metrics(self, external_ids: list[str]) -> dict[str, Metrics]:
        metrics: dict[str, Metrics] = {}
        for batch in chunks(list(dict.fromkeys(external_ids)), MAX_IDS_PER_LOOKUP):
            with x_errors("GET /2/tweets"):
                response = self.client.get_tweets(batch, tweet_fields=["public_metrics"], user_auth=True)
            for tweet in response.data or []:
                # a value that is no count we can hold is None (an odd answer, not a crashed run)
                said = {name: count(dig(tweet.data, "public_metrics", name)) for name in PUBLIC_METRICS}
                metrics[str(tweet.id)] = Metrics(
                    likes=said["like_count"] or 0,
                    shares=(said["retweet_count"] or 0) + (said["quote_count"] or 0),
                    comments=said["reply_count"] or 0,
                    impressions=said["impression_count"],
                    clicks=None,  # only non_public_metrics has link clicks, and only for 30 days
                    raw=tweet.data,
                )
            for error in response.errors or []:
                # deleted (or never existed): 200 with an errors entry of type resource-not-found
                if str(error.get("type", "")).endswith("/resource-not-found") and error.get("resource_id"):
                    metrics[str(error["resource_id"])] = Metrics(deleted=True, raw=error)
        return metrics


# --- X's rules, as plain functions -------------------------------------------------------

_ID_SEGMENT = re.compile(r"/\d{4,}(?=/|$)")  # ids, not the "/2" version


def _replies_to(tweet: dict, parent_id: str) -> bool:
    """Whether the tweet (v2 JSON with ``referenced_tweets``) is a reply to ``parent_id``."""
    return any(ref.get("type") == "replied_to" and str(ref.get("id")) == str(parent_id)
               for ref in tweet.get("referenced_tweets") or () if isinstance(ref, dict))


def endpoint_key(method: str, url: str) -> str:
    """"POST /2/media/upload/{id}/append": how X's price list and our stats name a call."""
    return f"{method.upper()} {_ID_SEGMENT.sub('/{id}', urlsplit(url).path)}"


def has_url(text: str) -> bool:
    return bool(extract_urls_with_indices(text, extract_urls_without_protocol=False))


def _create_price_key(body) -> str:
    try:
        text = json.loads(body or b"{}").get("text") or ""
    except (ValueError, AttributeError):
        text = ""
    return "content_create_with_url" if has_url(text) else "content_create"


MEDIA_ENDPOINTS = ("POST /2/media/", "POST /1.1/media/")


def never_connected(exc: requests.RequestException) -> bool:
    """True when the request never reached X (refused, unresolvable, connect timeout): nothing to bill."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def x_price_line(endpoint: str, status: int, request_body, response: requests.Response | None) -> tuple[str | None, int, str | None]:
    """(price line, units, purpose override) of one answered call; refused calls are not billed."""
    purpose = "upload" if endpoint.startswith(MEDIA_ENDPOINTS) else None
    if not 200 <= status < 300:
        return None, 1, purpose
    if endpoint == "POST /2/tweets":
        return _create_price_key(request_body), 1, purpose
    if endpoint in ("GET /2/tweets", "GET /2/users/{id}/tweets"):
        try:
            data = (response.json() or {}).get("data") or [] if response is not None else []
        except ValueError:
            data = []
        return "posts_read", len(data) if isinstance(data, list) else 1, purpose
    if endpoint in ("GET /2/users/me", "GET /2/users/{id}"):
        return "user_read", 1, purpose
    if endpoint == "DELETE /2/tweets/{id}":
        return "content_delete", 1, purpose
    if purpose == "upload":
        return "media_upload", 1, purpose
    return None, 1, purpose


def _header_int(headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def x_limits_seen(endpoint: str, headers) -> list[LimitSeen]:
    """The limits an answer reports: 15-minute per user, 24-hour per user and per app."""
    seen = []
    for scope, window, prefix in (("user", "15min", "x-rate-limit"), ("user", "24h", "x-user-limit-24hour"),
                                  ("app", "24h", "x-app-limit-24hour")):
        remaining, reset = _header_int(headers, f"{prefix}-remaining"), _header_int(headers, f"{prefix}-reset")
        if remaining is None or reset is None:
            continue
        reset_at = _epoch(reset)
        if reset_at is not None:
            seen.append(LimitSeen(scope, window, endpoint, _header_int(headers, f"{prefix}-limit"), remaining, reset_at))
    return seen


def _epoch(seconds: int | None) -> datetime | None:
    """A reset header's time, or None when it is absent or no date at all (a hostile 10**20)."""
    if not seconds:
        return None
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _exhausted_24h_reset(headers) -> datetime | None:
    resets = [s.reset_at for s in x_limits_seen("", headers) if s.window == "24h" and s.remaining <= 0]
    return max(resets) if resets else None


def x_sent_text(text: str, link: str | None, link_policy: str = "in_post") -> str:
    """X has no link field: the link goes in the text (the composer usually put it there).

    With ``link_policy = "none"`` the link stays out (and is taken out of the
    text): such a post is billed as a post without a URL.
    """
    if link_policy == "none":
        if link:
            text = " ".join(text.replace(link, " ").split())
        return text.strip()
    if link and link not in text:
        return f"{text} {link}".strip()
    return text
