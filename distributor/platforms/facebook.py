"""Facebook Pages through facebook-sdk: link or photo posts, reconcile, metrics.

facebook-sdk (2018) only raises ``GraphAPIError`` and hides the HTTP status and
headers, so a response hook on its ``requests.Session`` keeps the last
response's status and rate-limit headers for ``graph_errors``. It also puts the
access token in query strings: no URL it built ever goes into a message or an
exception chain here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Sequence

import facebook
import requests
from pydantic import SecretStr

from distributor.config import AccountSettings, EngagementSettings
from distributor.delivery.costs import DEFAULT_PRICES, note_call
from distributor.errors import AuthExpired, DuplicateContent, RateLimited, Rejected, Transient
from distributor.fetch import Fetcher
from distributor.platforms._http import DEFAULT_TIMEOUT_SECONDS, chunks, route_session, sandbox_view_base
from distributor.platforms.specs import SPECS
from distributor.platforms.base import Limits, Metrics, OutgoingPost, Published, count, dig, last_value
from distributor.platforms.images import is_card_reference, load_image
from distributor.platforms.matching import Candidate, best_match, parse_platform_time

GRAPH_VERSION = "v25.0"  # default; the account's graph_version setting wins
INVALID_PARAMETER = 100  # Graph's answer to a metric name it no longer knows
log = logging.getLogger(__name__)
GRAPH_HOSTS = frozenset({"graph.facebook.com"})
MAX_BATCH = 50
MAX_PHOTO_BYTES = 10 * 1024 * 1024
ENGAGEMENT_FIELDS = "reactions.summary(total_count).limit(0),comments.summary(true).limit(0),shares"

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TRANSIENT_CODES = frozenset({1, 2})  # "unknown error" / "service temporarily unavailable"
AUTH_CODES = frozenset({190, 102})
TEMPORARILY_BLOCKED = 368
DUPLICATE = 506
DEFAULT_RATE_WAIT = timedelta(minutes=5)
# 368 means the Page is blocked from posting for a while (hours, by Meta's help pages) and
# hammering it prolongs the block: RateLimited with a long wait stops the account's posts
# until then, where Transient would retry within minutes.
BLOCKED_WAIT = timedelta(hours=1)


class _LastResponse(threading.local):
    status: int | None = None
    headers: dict[str, str] = {}


def _regain_minutes(headers: dict[str, str]) -> int:
    """The longest ``estimated_time_to_regain_access`` (minutes) in Graph's usage headers."""
    longest = 0
    for name in ("x-business-use-case-usage", "x-app-usage", "x-page-usage", "x-ad-account-usage"):
        try:
            usage = json.loads(headers.get(name, "") or "null")
        except ValueError:
            continue
        entries: list[Any] = []
        if isinstance(usage, dict):
            entries = [usage] + [e for value in usage.values() if isinstance(value, list) for e in value]
        for entry in entries:
            if isinstance(entry, dict):
                try:
                    longest = max(longest, int(entry.get("estimated_time_to_regain_access") or 0))
                except (TypeError, ValueError):
                    pass
    return longest


def translate(code: int | None, message: str, endpoint: str, headers: dict[str, str], status: int | None,
              transient_flag: bool = False) -> Exception:
    """One Graph failure as what the dispatcher must do."""
    now = datetime.now(timezone.utc)
    if code is None:  # not a Graph answer at all (an HTML proxy page, an empty body)
        if status is None or status >= 500:
            return Transient(f"Facebook answered {endpoint} with HTTP {status or '?'} and no Graph error body")
        return Rejected(f"Facebook answered {endpoint} with HTTP {status} and no Graph error body")
    if code in RATE_LIMIT_CODES:
        minutes = _regain_minutes(headers)
        retry_at = now + (timedelta(minutes=minutes) if minutes else DEFAULT_RATE_WAIT)
        return RateLimited(f"Facebook rate limit (code {code}) on {endpoint}: {message}", retry_at, endpoint)
    if code == TEMPORARILY_BLOCKED:
        return RateLimited(f"Facebook temporarily blocked {endpoint} (code 368): {message}", now + BLOCKED_WAIT,
                           endpoint)
    if code in AUTH_CODES:
        return AuthExpired(f"Facebook refused the Page token (code {code}): reconnect the account")
    if code == DUPLICATE:
        return DuplicateContent(f"Facebook says this is a duplicate status message (code 506): {message}")
    if code in TRANSIENT_CODES or transient_flag:
        return Transient(f"Facebook error on {endpoint} (code {code}): {message}")
    return Rejected(f"Facebook refused {endpoint} (code {code}): {message}")


class FacebookAdapter:
    """One Facebook Page."""

    platform = "facebook"
    limits = Limits.from_spec(SPECS["facebook"])

    def __init__(self, graph: facebook.GraphAPI, page_id: str, fetcher: Fetcher, *, post_type: str = "link",
                 insights_metrics: Sequence[str] = (), view_base: str | None = None):
        self.view_base = view_base  # sandbox: links to its post pages, not to facebook.com
        self.graph = graph
        self.page_id = page_id
        self.fetcher = fetcher
        self.post_type = post_type
        self.insights_metrics = list(insights_metrics)
        self._last = _LastResponse()
        graph.session.hooks["response"].append(self._remember)
        self.account_name = page_id
        self.prices = dict(DEFAULT_PRICES["facebook"])
        self.refused_metrics: dict[str, str] = {}  # metric -> what Graph said (warned once, skipped after)

    @classmethod
    def from_account(cls, account: AccountSettings, secrets: dict[str, SecretStr], fetcher: Fetcher, *,
                     session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                     insights_metrics: Sequence[str] | None = None, **_ignored) -> "FacebookAdapter":
        session = route_session(session or requests.Session(), account.api_base_url, GRAPH_HOSTS, timeout)
        graph = facebook.GraphAPI(access_token=secrets["page_access_token"].get_secret_value(), timeout=timeout,
                                  session=session)
        # facebook-sdk only accepts retired versions in its constructor: set the configured one after
        graph.version = account.graph_version or GRAPH_VERSION
        if insights_metrics is None:
            insights_metrics = EngagementSettings().facebook_insights_metrics
        adapter = cls(graph, account.page_id or "", fetcher, post_type=account.post_type,
                      insights_metrics=insights_metrics, view_base=sandbox_view_base(account.api_base_url))
        adapter.account_name = account.name
        return adapter

    def _remember(self, response: requests.Response, *args, **kwargs) -> None:
        self._last.status = response.status_code
        self._last.headers = {k.lower(): v for k, v in response.headers.items()}
        try:  # Graph calls cost nothing but count against rate limits: the ledger counts them at 0
            path = re.sub(r"/\d[\d_]*(?=/|$)", "/{id}", requests.utils.urlparse(response.request.url or "").path)
            note_call("facebook", self.account_name, f"{response.request.method} {path}", response.status_code,
                      "graph_call", 1, self.prices)
        except Exception:  # noqa: BLE001 - metering never breaks a call
            log.warning("could not meter a Graph call", exc_info=True)

    @contextlib.contextmanager
    def graph_errors(self, endpoint: str) -> Iterator[None]:
        self._last.status, self._last.headers = None, {}
        try:
            yield
        except facebook.GraphAPIError as exc:
            error = exc.result.get("error", {}) if isinstance(exc.result, dict) else {}
            transient = bool(error.get("is_transient")) if isinstance(error, dict) else False
            message = exc.message if isinstance(exc.message, str) else "unreadable error"
            raise translate(exc.code, message, endpoint, self._last.headers, self._last.status, transient) from exc
        except KeyError:  # facebook-sdk reads headers["content-type"] blindly
            raise Transient(f"Facebook answered {endpoint} with HTTP {self._last.status or '?'} "
                            "and no content type") from None
        except requests.Timeout:
            # `from None`: requests' message holds the URL, and GET URLs carry the token
            raise Transient(f"Facebook did not answer {endpoint} in time") from None
        except requests.RequestException as exc:
            raise Transient(f"connection to Facebook broke during {endpoint} ({exc.__class__.__name__})") from None

    # publishing ------------------------------------------------------------------------
    @staticmethod
    def caption(post: OutgoingPost) -> str:
        """A photo has no link field: the link goes in the caption, where Facebook makes it clickable."""
        if post.link and post.link not in post.text:
            return f"{post.text}\n\n{post.link}".strip()
        return post.text

    def _as_photo(self, post: OutgoingPost) -> bool:
        """A photo post when the account says so, when there is no link, or for a quote card (the card is the point)."""
        return bool(post.image_url) and (self.post_type == "photo" or not post.link or is_card_reference(post.image_url))

    def publish(self, post: OutgoingPost) -> Published:
        note = None
        if post.extra_images and post.image_url:
            return self._publish_photos(post)
        if self._as_photo(post):
            image, note = load_image(self.fetcher, post.image_url or "", MAX_PHOTO_BYTES)
            if image is not None:
                extra = {"alt_text_custom": post.image_alt} if post.image_alt else {}
                with self.graph_errors("POST /{page_id}/photos"):
                    result = self.graph.put_photo(image=(image.filename, image.content, image.mime),
                                                  album_path=f"{self.page_id}/photos", caption=self.caption(post),
                                                  **extra)
                return self._published(str(result.get("post_id") or result["id"]), None)
        fields = {"message": post.text}
        if post.link:
            fields["link"] = post.link
        with self.graph_errors("POST /{page_id}/feed"):
            result = self.graph.put_object(self.page_id, "feed", **fields)
        return self._published(str(result["id"]), note)

    def _publish_photos(self, post: OutgoingPost) -> Published:
        """Several photos, the Graph API's way: each uploaded unpublished (``published=false``), then one feed
        post whose ``attached_media`` names them. A photo that cannot be loaded is left out, with a note."""
        media, notes = [], []
        for n, (url, alt) in enumerate(post.images[:SPECS["facebook"].max_images], start=1):
            image, note = load_image(self.fetcher, url or "", MAX_PHOTO_BYTES)
            if image is None:
                notes.append(f"image {n}: {note}")
                continue
            extra = {"alt_text_custom": alt} if alt else {}
            with self.graph_errors("POST /{page_id}/photos"):
                result = self.graph.put_photo(image=(image.filename, image.content, image.mime),
                                              album_path=f"{self.page_id}/photos", published="false", **extra)
            media.append({"media_fbid": str(result["id"])})
        note = "; ".join(notes) or None
        if not media:
            plain = self.publish(replace(post, image_url=None, extra_images=()))
            return replace(plain, note="; ".join(filter(None, (note, plain.note))) or None)
        with self.graph_errors("POST /{page_id}/feed"):
            result = self.graph.put_object(self.page_id, "feed", message=self.caption(post),
                                           attached_media=json.dumps(media))
        return self._published(str(result["id"]), note)

    def comment(self, post_id: str, text: str) -> Published:
        """The first comment under a published post (POST /{post_id}/comments message=...)."""
        with self.graph_errors("POST /{post_id}/comments"):
            result = self.graph.put_object(post_id, "comments", message=text)
        comment_id = str(result["id"])
        return Published(comment_id, self._published(post_id, None).url)

    def find_comment(self, post_id: str, text: str, not_before: datetime | None) -> Published | None:
        """Our comment under the post, when an earlier attempt's answer was lost (read through a batch: the token
        stays out of URLs)."""
        relative = f"{self.graph.version}/{post_id}/comments?fields=id,message,created_time&limit=100"
        [answer] = self._batch([relative], "GET /{post_id}/comments")
        body = self._body(answer)
        if not answer or answer.get("code") != 200 or not isinstance(body, dict):
            error = (body.get("error") if isinstance(body, dict) else None) or {}
            raise translate(error.get("code"), error.get("message", ""), "GET /{post_id}/comments", {},
                            (answer or {}).get("code"), bool(error.get("is_transient")))
        candidates = [Candidate(str(item["id"]), item.get("message", ""), (), parse_platform_time(item.get("created_time")))
                      for item in body.get("data", []) if isinstance(item, dict) and item.get("id")]
        found = best_match(OutgoingPost(text=text, not_before=not_before), text, candidates)
        return None if found is None else Published(found.external_id, None, "found under the post")

    def edit(self, external_id: str, text: str) -> None:
        """Facebook lets a Page edit a post's message (POST /{post_id} message=...); the link stays."""
        with self.graph_errors("POST /{post_id}"):
            self.graph.request(f"{self.graph.version}/{external_id}", post_args={"message": text}, method="POST")

    def delete(self, external_id: str) -> None:
        try:
            with self.graph_errors("DELETE /{post_id}"):
                self.graph.delete_object(external_id)
        except Rejected as exc:
            if "does not exist" not in str(exc) and "Unsupported" not in str(exc):
                raise  # gone already is deleted; anything else is the platform refusing

    def _published(self, post_id: str, note: str | None) -> Published:
        url = f"{self.view_base}{post_id}" if self.view_base else f"https://www.facebook.com/{post_id}"
        return Published(post_id, url, note)

    def verify(self) -> str:
        relative = f"{self.graph.version}/{self.page_id}?fields=id,name"
        [answer] = self._batch([relative], "GET /{page_id}")
        body = self._body(answer)
        error = body.get("error") if isinstance(body, dict) else None
        if error or not answer or answer.get("code") != 200:
            error = error if isinstance(error, dict) else {}
            raise translate(error.get("code"), error.get("message", ""), "GET /{page_id}", {},
                            (answer or {}).get("code"), bool(error.get("is_transient")))
        return f"Page {body.get('name') or '?'} ({body.get('id', self.page_id)})"

    # reconciliation --------------------------------------------------------------------
    def find_existing(self, post: OutgoingPost) -> Published | None:
        relative = f"{self.graph.version}/{self.page_id}/feed?fields=id,message,link,created_time&limit=100"
        [answer] = self._batch([relative], "GET /{page_id}/feed")
        body = self._body(answer)
        error = body.get("error") if isinstance(body, dict) else None
        if error or not answer or answer.get("code") != 200:
            error = error if isinstance(error, dict) else {}
            raise translate(error.get("code"), error.get("message", ""), "GET /{page_id}/feed", {},
                            (answer or {}).get("code"), bool(error.get("is_transient")))
        candidates = [Candidate(str(item["id"]), item.get("message", ""),
                                (item["link"],) if item.get("link") else (),
                                parse_platform_time(item.get("created_time")))
                      for item in body.get("data", [])]
        sent = self.caption(post) if self._as_photo(post) else post.text
        found = best_match(post, sent, candidates)
        return None if found is None else self._published(found.external_id, "found on the Page's feed")

    def _batch(self, relative_urls: list[str], endpoint: str) -> list[dict[str, Any] | None]:
        """GETs through the batch endpoint: one POST, and the token stays in its body, out of any URL."""
        batch = [{"method": "GET", "relative_url": url} for url in relative_urls]
        with self.graph_errors(endpoint):
            answers = self.graph.request(self.graph.version + "/", post_args={"batch": json.dumps(batch)})
        # one answer per sub-request, an object or null: anything else is no answer for that sub-request
        if not isinstance(answers, list):
            return [None] * len(relative_urls)
        return [a if isinstance(a, dict) else None for a in answers]

    @staticmethod
    def _body(answer: dict[str, Any] | None) -> Any:
        try:
            return json.loads((answer or {}).get("body") or "{}")
        except ValueError:
            return {}

    # metrics -------------------------------------------------------------------------
    def _live_metrics(self) -> list[str]:
        return [m for m in self.insights_metrics if m not in self.refused_metrics]

    def _fields(self) -> str:
        live = self._live_metrics()
        return f"{ENGAGEMENT_FIELDS},insights.metric({','.join(live)})" if live else ENGAGEMENT_FIELDS

    def fetch_metrics(self, external_ids: list[str]) -> dict[str, Metrics]:
        """One sub-request per post (engagement fields and insights together), up to 50 a batch.

        One invalid metric fails a whole insights request (Meta renamed several in
        2025-26): a post whose answer is "invalid metric" is asked again with each
        metric on its own, so a renamed one costs only itself; it is warned
        about once and left out of this process's later requests.
        """
        metrics: dict[str, Metrics] = {}
        fields = self._fields()
        for batch in chunks(list(dict.fromkeys(external_ids)), MAX_BATCH):
            urls = [f"{self.graph.version}/{post_id}?fields={fields}" for post_id in batch]
            again = []
            for post_id, answer in zip(batch, self._batch(urls, "POST /{version}/ (batch)")):
                if self._live_metrics() and self._invalid_parameter(answer):
                    again.append(post_id)
                    continue
                found = self._item(answer)
                if found is not None:
                    metrics[post_id] = found
            if again:
                metrics.update(self._metric_by_metric(again))
        return metrics

    @classmethod
    def _invalid_parameter(cls, answer: dict[str, Any] | None) -> bool:
        body = cls._body(answer)
        return bool(answer) and answer.get("code") != 200 and isinstance(body, dict) and \
            (body.get("error") or {}).get("code") == INVALID_PARAMETER

    def _metric_by_metric(self, post_ids: list[str]) -> dict[str, Metrics]:
        """The engagement fields alone, and each insights metric in its own sub-request."""
        wanted = self._live_metrics()
        per_post = 1 + len(wanted)
        metrics: dict[str, Metrics] = {}
        for batch in chunks(post_ids, max(1, MAX_BATCH // per_post)):
            urls = []
            for post_id in batch:
                urls.append(f"{self.graph.version}/{post_id}?fields={ENGAGEMENT_FIELDS}")
                urls += [f"{self.graph.version}/{post_id}/insights?metric={metric}" for metric in wanted]
            answers = self._batch(urls, "POST /{version}/ (batch)")
            for n, post_id in enumerate(batch):
                group = answers[n * per_post:(n + 1) * per_post]
                found = self._item(group[0] if group else None)
                if found is None:
                    continue
                insights = [item for metric, answer in zip(wanted, group[1:]) for item in self._insight(metric, answer)]
                metrics[post_id] = self.normalise({**found.raw, "insights": {"data": insights}}) if insights else found
        return metrics

    def _insight(self, metric: str, answer: dict[str, Any] | None) -> list[dict[str, Any]]:
        body = self._body(answer)
        if answer and answer.get("code") == 200 and isinstance(body, dict):
            return [item for item in body.get("data", []) if isinstance(item, dict)]
        error = (body.get("error") or {}) if isinstance(body, dict) else {}
        if error.get("code") == INVALID_PARAMETER and metric not in self.refused_metrics:
            self.refused_metrics[metric] = str(error.get("message") or "invalid metric")[:200]
            log.warning("Facebook %s: insights metric %r refused (%s); it is skipped from now on "
                        "(fix [engagement] facebook_insights_metrics)", self.account_name, metric,
                        self.refused_metrics[metric])
        return []

    def metric_warnings(self, sample_post_id: str | None = None) -> list[str]:
        """Refused insights metrics, for ``accounts check`` (asks each metric on one post when given)."""
        if sample_post_id is None and self._live_metrics():
            sample_post_id = self._latest_post_id()
        if sample_post_id:
            wanted = self._live_metrics()
            urls = [f"{self.graph.version}/{sample_post_id}/insights?metric={m}" for m in wanted]
            if urls:
                for metric, answer in zip(wanted, self._batch(urls, "POST /{version}/ (batch)")):
                    self._insight(metric, answer)
        return [f"insights metric {m!r} refused by Graph {self.graph.version}: {why}"
                for m, why in sorted(self.refused_metrics.items())]

    def _latest_post_id(self) -> str | None:
        try:
            [answer] = self._batch([f"{self.graph.version}/{self.page_id}/feed?fields=id&limit=1"], "GET /{page_id}/feed")
        except Exception:  # noqa: BLE001 - the probe is a courtesy of `accounts check`
            return None
        data = (self._body(answer) or {}).get("data") if answer and answer.get("code") == 200 else None
        return str(data[0]["id"]) if data and isinstance(data[0], dict) and data[0].get("id") else None

    def _item(self, answer: dict[str, Any] | None) -> Metrics | None:
        """One batch answer; None when Graph gave nothing usable for this post (try again later)."""
        if not answer:  # Graph answers null for a sub-request that timed out
            return None
        body = self._body(answer)
        if not isinstance(body, dict):
            return None
        if answer.get("code") == 200:
            return self.normalise(body)
        error = body.get("error") or {}
        code, subcode = error.get("code"), error.get("error_subcode")
        if code == 100 and subcode == 33:  # the object no longer exists
            return Metrics(deleted=True, raw=body)
        failure = translate(code, error.get("message", ""), "GET /{post_id} (in a batch)", {}, answer.get("code"),
                            bool(error.get("is_transient")))
        if isinstance(failure, (RateLimited, AuthExpired)):
            raise failure  # the whole account must wait, not just this post
        return None

    def normalise(self, body: dict[str, Any]) -> Metrics:
        found: dict[str, int] = {}
        insights = dig(body, "insights", "data")
        for metric in insights if isinstance(insights, list) else []:
            value = count(last_value(metric))
            family = insight_family(str(metric.get("name", ""))) if isinstance(metric, dict) else None
            if family and value is not None:
                found.setdefault(family, value)  # the first metric of a family that is a count wins
        return Metrics(
            likes=count(dig(body, "reactions", "summary", "total_count")) or 0,
            shares=count(dig(body, "shares", "count")) or 0,  # absent when nobody shared
            comments=count(dig(body, "comments", "summary", "total_count")) or 0,
            impressions=found.get("impressions"),
            views=found.get("views"),
            clicks=found.get("clicks"),
            raw=body,
        )


def insight_family(name: str) -> str | None:
    """Which of our metrics a Graph insights metric fills.

    Meta replaced impressions by views on 2025-11-15 (``post_impressions`` ->
    ``post_media_view``, ``post_impressions_unique`` -> ``post_total_media_view_unique``):
    those are views, and stay apart from impressions. A Page on an older
    ``graph_version`` that still answers ``post_impressions*`` keeps filling impressions.
    None: a metric none of our columns holds (it stays in the snapshot's raw answer), such as a
    duration (``post_video_view_time``: milliseconds watched, no count of views).
    """
    if "_time" in name:
        return None
    if "click" in name:
        return "clicks"
    if "impression" in name:
        return "impressions"
    if "view" in name:
        return "views"
    return None
