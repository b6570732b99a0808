"""X through tweepy: post, upload the image, reconcile, read metrics.

tweepy stays inside this file. Its ``Client`` does the v2 calls (signed with
OAuth 1.0a user context); its v1.1 ``API`` is only the fallback for media
upload. Every tweepy or requests failure leaves as our ``PlatformError`` tree
(see ``x_errors``).
"""

from __future__ import annotations

import base64
import contextlib
import io
from datetime import datetime, timedelta, timezone
from typing import Iterator

import requests
import tweepy
from pydantic import SecretStr

from distributor.config import AccountSettings
from distributor.errors import AuthExpired, DuplicateContent, RateLimited, Rejected, Transient, Unsupported
from distributor.fetch import Fetcher
from distributor.platforms._http import (DEFAULT_TIMEOUT_SECONDS, chunks, quiet_credential_loggers, route_session,
                                        sandbox_view_base)
from distributor.platforms.base import Limits, Metrics, OutgoingPost, Published
from distributor.platforms.images import Image, load_image
from distributor.platforms.matching import Candidate, best_match, parse_platform_time

X_HOSTS = frozenset({"api.twitter.com", "upload.twitter.com", "api.x.com", "upload.x.com"})
MAX_IMAGE_BYTES = 5 * 1024 * 1024
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
        retry_at = (datetime.fromtimestamp(reset, timezone.utc) if reset
                    else datetime.now(timezone.utc) + DEFAULT_RATE_WAIT)
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


class TwitterAdapter:
    """One X account."""

    platform = "twitter"
    limits = Limits(max_text_length=280, url_length=23, max_image_bytes=MAX_IMAGE_BYTES,
                    metrics_batch_size=MAX_IDS_PER_LOOKUP)

    def __init__(self, client: tweepy.Client, api: tweepy.API, fetcher: Fetcher, *, view_base: str | None = None):
        self.client = client
        self.api = api
        self.fetcher = fetcher
        self.view_base = view_base  # sandbox: links to its post pages, not to x.com
        self._user_id: str | None = None

    def view_url(self, tweet_id: str) -> str:
        return f"{self.view_base}{tweet_id}" if self.view_base else self.view_url(tweet_id)

    @classmethod
    def from_account(cls, account: AccountSettings, secrets: dict[str, SecretStr], fetcher: Fetcher, *,
                     session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                     **_ignored) -> "TwitterAdapter":
        quiet_credential_loggers()
        keys = {name: value.get_secret_value() for name, value in secrets.items()}
        client = tweepy.Client(consumer_key=keys["consumer_key"], consumer_secret=keys["consumer_secret"],
                               access_token=keys["access_token"], access_token_secret=keys["access_token_secret"])
        auth = tweepy.OAuth1UserHandler(keys["consumer_key"], keys["consumer_secret"],
                                        keys["access_token"], keys["access_token_secret"])
        api = tweepy.API(auth, timeout=timeout, retry_count=0)
        client.session = api.session = route_session(session or requests.Session(), account.api_base_url,
                                                     X_HOSTS, timeout)
        return cls(client, api, fetcher, view_base=sandbox_view_base(account.api_base_url))

    # publishing ----------------------------------------------------------------------
    @staticmethod
    def sent_text(post: OutgoingPost) -> str:
        """X has no link field: the link goes in the text (the composer usually put it there)."""
        if post.link and post.link not in post.text:
            return f"{post.text} {post.link}".strip()
        return post.text

    def publish(self, post: OutgoingPost) -> Published:
        media_ids, note = self._attach_image(post) if post.image_url else ([], None)
        with x_errors("POST /2/tweets"):
            response = self.client.create_tweet(text=self.sent_text(post), media_ids=media_ids or None,
                                                user_auth=True)
        tweet_id = str(response.data["id"])
        return Published(tweet_id, self.view_url(tweet_id), note)

    def edit(self, external_id: str, text: str) -> None:
        raise Unsupported("X cannot edit a published post (its edit button is not in the API): alert only")

    def delete(self, external_id: str) -> None:
        with x_errors("DELETE /2/tweets/{id}"):
            self.client.delete_tweet(external_id, user_auth=True)  # an unknown id answers deleted: false

    def _attach_image(self, post: OutgoingPost) -> tuple[list[str], str | None]:
        image, note = load_image(self.fetcher, post.image_url or "", MAX_IMAGE_BYTES)
        if image is None:
            return [], note
        try:
            media_id, v2 = self._upload(image)
        except Rejected as exc:  # a refused image must not stop the post
            return [], f"posted without image: X refused the upload ({exc.reason})"
        if post.image_alt:
            try:
                self._describe(media_id, post.image_alt[:1000], v2)
            except Rejected as exc:
                return [media_id], f"image posted without alt text: {exc.reason}"
        return [media_id], None

    def _upload(self, image: Image) -> tuple[str, bool]:
        """v2 upload first; v1.1 when v2 is not available to this app. Returns (id, used v2)."""
        payload = {"media": base64.b64encode(image.content).decode("ascii"), "media_category": "tweet_image",
                   "media_type": image.mime}
        with x_errors("POST /2/media/upload"):
            try:
                response = self.client.request("POST", "/2/media/upload", json=payload, user_auth=True)
            except (tweepy.NotFound, tweepy.Forbidden):
                response = None  # v2 upload is not open to this app (or gone): fall back to v1.1
        if response is not None:
            return str(response.json()["data"]["id"]), True
        with x_errors("POST /1.1/media/upload.json"):
            media = self.api.media_upload(image.filename, file=io.BytesIO(image.content),
                                          media_category="tweet_image")
        return str(media.media_id_string), False

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

    def find_existing(self, post: OutgoingPost) -> Published | None:
        user_id = self._me()
        with x_errors("GET /2/users/{id}/tweets"):
            response = self.client.get_users_tweets(user_id, max_results=100, user_auth=True,
                                                    tweet_fields=["created_at", "entities"])
        candidates = [self._candidate(tweet.data) for tweet in response.data or []]
        found = best_match(post, self.sent_text(post), candidates)
        if found is None:
            return None
        return Published(found.external_id, self.view_url(found.external_id),
                         "found among the account's recent posts")

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
                counts = tweet.data.get("public_metrics", {})
                metrics[str(tweet.id)] = Metrics(
                    likes=counts.get("like_count", 0),
                    shares=counts.get("retweet_count", 0) + counts.get("quote_count", 0),
                    comments=counts.get("reply_count", 0),
                    impressions=counts.get("impression_count"),
                    clicks=None,  # only non_public_metrics has link clicks, and only for 30 days
                    raw=tweet.data,
                )
            for error in response.errors or []:
                # deleted (or never existed): 200 with an errors entry of type resource-not-found
                if str(error.get("type", "")).endswith("/resource-not-found") and error.get("resource_id"):
                    metrics[str(error["resource_id"])] = Metrics(deleted=True, raw=error)
        return metrics
