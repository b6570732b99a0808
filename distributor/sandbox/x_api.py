"""The fake X API: the v2 endpoints the adapter uses, plus v1.1 and v2 media upload.

Shapes follow the X API v2 reference: ``{"data": ...}`` envelopes, problem
JSON (``title``, ``detail``, ``type``, ``status``) for errors, ``errors``
arrays for partial results, and ``x-rate-limit-*`` headers on every answer.
Accounts are identified by the OAuth access token (or bearer token): any
non-empty token works, and the token itself is never stored or shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import threading
import time
from datetime import datetime
from typing import Any, Callable
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from twitter_text import parse_tweet
from twitter_text.extract_urls import extract_urls_with_indices

from distributor.sandbox.faults import Fault
from distributor.sandbox.state import Media, Post, SandboxState, iso, user_for_token, utcnow
from distributor.sandbox.wire import Answer, body_params, json_response

WINDOW_SECONDS = 15 * 60
# documented per-user limits per 15 minutes (they change; headers are what clients should read)
LIMITS = {
    "POST /2/tweets": 100,
    "GET /2/tweets": 5000,
    "GET /2/users/me": 75,
    "GET /2/users/{id}/tweets": 900,
    "DELETE /2/tweets/{id}": 50,
}
DEFAULT_LIMIT = 500
DAY_SECONDS = 24 * 60 * 60
# 24-hour post caps, sent in x-user-limit-24hour-* / x-app-limit-24hour-* (per app: 10,000 by the docs as
# third parties transcribe them; per user: X's help centre's 2,400 a day, unverified). POST /_sandbox/limits
# changes them, e.g. {"user_posts_24h": 3} to try a cap quickly.
USER_POSTS_24H = 2400
APP_POSTS_24H = 10000
# What X's pay-per-use price list (2026-02) bills, per request for writes and per post returned for reads.
PRICES_MICROS = {"content_create": 15_000, "content_create_with_url": 200_000, "content_delete": 10_000,
                 "posts_read": 5_000, "user_read": 10_000}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_MEDIA_PER_POST = 4  # X: up to 4 images a post
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": type_, "status": status, **extra}


def invalid(parameter: str, value: Any, message: str) -> Answer:
    return Answer(json_response({
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }, 400))


class XApi:
    platform = "twitter"

    def __init__(self, state: SandboxState):
        self.state = state
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._days: dict[tuple[str, str], tuple[float, int]] = {}  # ("user"|"app", who) -> (window start, posts)
        self.caps = {"user_posts_24h": USER_POSTS_24H, "app_posts_24h": APP_POSTS_24H}
        self.costs: dict[str, int] = {}  # route key -> micro-USD billed
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._days.clear()
            self.costs.clear()
            self.caps = {"user_posts_24h": USER_POSTS_24H, "app_posts_24h": APP_POSTS_24H}

    def bill(self, key: str, line: str, units: int = 1) -> None:
        with self._lock:
            self.costs[key] = self.costs.get(key, 0) + PRICES_MICROS[line] * units

    def cost_report(self) -> dict[str, Any]:
        with self._lock:
            total = sum(self.costs.values())
            return {"total_usd": round(total / 1e6, 6),
                    "by_endpoint": {key: round(v / 1e6, 6) for key, v in sorted(self.costs.items())}}

    # 24-hour caps ----------------------------------------------------------
    @staticmethod
    def _app(request: Request) -> str:
        match = re.search(r'oauth_consumer_key="([^"]*)"', request.headers.get("authorization", ""))
        return unquote(match.group(1)) if match else "bearer"

    def _day_use(self, scope: str, who: str, now: float, spend: int) -> tuple[int, float]:
        start, used = self._days.get((scope, who), (now, 0))
        if now - start >= DAY_SECONDS:
            start, used = now, 0
        used += spend
        self._days[(scope, who)] = (start, used)
        return used, start + DAY_SECONDS

    def post_caps(self, request: Request, user_id: str, headers: dict[str, str]) -> None:
        """Count one post against the 24-hour caps (and the 15-minute limit); a 429 like X's when one is spent.

        A refused post is not counted: only posts made use the caps.
        """
        if self._over_window(request, "POST /2/tweets"):
            raise Answer(json_response(problem(429, "Too Many Requests", "Too Many Requests"), 429, headers))
        now = time.time()
        app = self._app(request)
        with self._lock:
            user_used, user_reset = self._day_use("user", user_id, now, 0)
            app_used, app_reset = self._day_use("app", app, now, 0)
            user_cap, app_cap = self.caps["user_posts_24h"], self.caps["app_posts_24h"]
            over = user_used >= user_cap or app_used >= app_cap
            if not over:
                user_used, _ = self._day_use("user", user_id, now, 1)
                app_used, _ = self._day_use("app", app, now, 1)
        headers.update({
            "x-user-limit-24hour-limit": str(user_cap),
            "x-user-limit-24hour-remaining": str(max(0, user_cap - user_used)),
            "x-user-limit-24hour-reset": str(math.ceil(user_reset)),
            "x-app-limit-24hour-limit": str(app_cap),
            "x-app-limit-24hour-remaining": str(max(0, app_cap - app_used)),
            "x-app-limit-24hour-reset": str(math.ceil(app_reset)),
        })
        if over:
            raise Answer(json_response(problem(429, "Too Many Requests", "Too Many Requests"), 429, headers))

    def _over_window(self, request: Request, key: str) -> bool:
        caller = request.headers.get("authorization", "")[-24:]
        with self._lock:
            _, used = self._windows.get((caller, key), (0, 0))
        return used > LIMITS.get(key, DEFAULT_LIMIT)

    def set_caps(self, spec: dict[str, Any]) -> dict[str, int]:
        with self._lock:
            for name in ("user_posts_24h", "app_posts_24h"):
                if name in spec:
                    self.caps[name] = max(0, int(spec[name]))
            return dict(self.caps)

    def routes(self) -> list[tuple[str, str, str, Callable]]:
        """(method, path, stats key, handler); the key is how stats and faults name a route."""
        return [
            ("POST", "/2/tweets", "POST /2/tweets", self.create_tweet),
            ("GET", "/2/tweets", "GET /2/tweets", self.lookup_tweets),
            ("DELETE", "/2/tweets/{id}", "DELETE /2/tweets/{id}", self.delete_tweet),
            ("GET", "/2/users/me", "GET /2/users/me", self.me),
            ("GET", "/2/users/{id}/tweets", "GET /2/users/{id}/tweets", self.user_tweets),
            ("POST", "/2/media/upload", "POST /2/media/upload", self.v2_upload),
            ("POST", "/2/media/upload/initialize", "POST /2/media/upload/initialize", self.v2_initialize),
            ("POST", "/2/media/upload/{id}/append", "POST /2/media/upload/{id}/append", self.v2_append),
            ("POST", "/2/media/upload/{id}/finalize", "POST /2/media/upload/{id}/finalize", self.v2_finalize),
            ("POST", "/2/media/metadata", "POST /2/media/metadata", self.v2_metadata),
            ("POST", "/1.1/media/upload.json", "POST /1.1/media/upload.json", self.v1_upload),
            ("POST", "/1.1/media/metadata/create.json", "POST /1.1/media/metadata/create.json", self.v1_metadata),
        ]

    # auth and rate-limit headers -------------------------------------------
    def user(self, request: Request) -> tuple[str, str]:
        """(user id, username) of the caller, or a 401 like X's."""
        header = request.headers.get("authorization", "")
        token = ""
        if header.startswith("OAuth "):
            match = re.search(r'oauth_token="([^"]*)"', header)
            signed = "oauth_signature=" in header and "oauth_consumer_key=" in header
            token = unquote(match.group(1)) if match and signed else ""
        elif header.startswith("Bearer "):
            token = header[len("Bearer "):].strip()
            token = "" if token == "None" else token  # tweepy sends "Bearer None" when it has no token
        if not token.strip():
            raise Answer(json_response(problem(401, "Unauthorized", "Unauthorized"), 401))
        return user_for_token(token)

    def rate_headers(self, request: Request, key: str, spend: bool = True) -> dict[str, str]:
        caller = request.headers.get("authorization", "")[-24:]
        limit = LIMITS.get(key, DEFAULT_LIMIT)
        now = time.time()
        with self._lock:
            start, used = self._windows.get((caller, key), (now, 0))
            if now - start >= WINDOW_SECONDS:
                start, used = now, 0
            used += 1 if spend else 0
            self._windows[(caller, key)] = (start, used)
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(0, limit - used)),
            "x-rate-limit-reset": str(int(start + WINDOW_SECONDS)),
        }

    def fault_response(self, fault: Fault, request: Request, key: str) -> Response:
        if fault.kind == "429":
            reset = math.ceil(time.time() + fault.reset_in)
            headers = {"x-rate-limit-limit": str(LIMITS.get(key, DEFAULT_LIMIT)),
                       "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
            return json_response(problem(429, "Too Many Requests", "Too Many Requests"), 429, headers)
        if fault.kind == "500":
            return json_response(problem(500, "Internal Server Error", "Something went wrong. Please try again."), 500)
        if fault.kind == "html502":
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", 502)
        if fault.kind == "no_content_type":
            response = Response(b"Bad Gateway", 502)
            del response.headers["content-type"]
            return response
        if fault.kind == "expired_token":
            return json_response(problem(401, "Unauthorized", "Unauthorized"), 401)
        if fault.kind == "duplicate":
            return json_response(problem(403, "Forbidden", DUPLICATE), 403)
        status = fault.code or 400
        detail = fault.message or f"Sandbox fault {status}."
        return json_response(problem(status, "Sandbox fault", detail), status)

    # posts -----------------------------------------------------------------
    def _tweet_json(self, post: Post, fields: set[str]) -> dict[str, Any]:
        data: dict[str, Any] = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
        if "created_at" in fields:
            data["created_at"] = iso(post.created_at)
        if "author_id" in fields:
            data["author_id"] = post.author_id
        if "entities" in fields and post.entities:
            data["entities"] = post.entities
        if "referenced_tweets" in fields and post.extra.get("in_reply_to"):
            data["referenced_tweets"] = [{"type": "replied_to", "id": post.extra["in_reply_to"]}]
        if "in_reply_to_user_id" in fields and post.extra.get("in_reply_to"):
            data["in_reply_to_user_id"] = post.author_id  # a thread replies to its own author
        if "attachments" in fields and post.media:
            data["attachments"] = {"media_keys": ["3_" + m.id for m in post.media]}
        if "public_metrics" in fields:
            e = self.state.engagement(post.id)
            data["public_metrics"] = {
                "retweet_count": e["shares"] - e["shares"] // 3,
                "reply_count": e["comments"],
                "like_count": e["likes"],
                "quote_count": e["shares"] // 3,
                "bookmark_count": e["likes"] // 10,
                "impression_count": e["impressions"],
            }
        if "non_public_metrics" in fields:
            e = self.state.engagement(post.id)
            data["non_public_metrics"] = {"impression_count": e["impressions"], "url_link_clicks": e["clicks"],
                                          "user_profile_clicks": e["clicks"] // 5}
        return data

    @staticmethod
    def wrap_urls(text: str, tweet_id: str) -> tuple[str, dict[str, Any] | None, str | None]:
        """Replace each URL by a t.co link, as X does; returns (text, entities, first URL)."""
        found = extract_urls_with_indices(text, extract_urls_without_protocol=False)
        if not found:
            return text, None, None
        pieces, urls, cursor = [], [], 0
        for n, item in enumerate(found):
            start, end = item["indices"]
            short = "https://t.co/" + hashlib.sha1(f"{tweet_id}:{n}".encode()).hexdigest()[:10]
            pieces.append(text[cursor:start])
            new_start = sum(len(p) for p in pieces)
            pieces.append(short)
            urls.append({"start": new_start, "end": new_start + len(short), "url": short,
                         "expanded_url": item["url"], "display_url": re.sub(r"^https?://", "", item["url"])[:26]})
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces), {"urls": urls}, found[0]["url"]

    async def create_tweet(self, request: Request) -> Response:
        user_id, username = self.user(request)
        headers = self.rate_headers(request, "POST /2/tweets")
        body, _ = await body_params(request)
        text = body.get("text")
        media_ids = ((body.get("media") or {}).get("media_ids")) or []
        if not isinstance(text, str) or (not text.strip() and not media_ids):
            raise invalid("text", text, "Tweet text is empty.")
        parsed = parse_tweet(text)
        if parsed.weightedLength > 280:
            raise invalid("text", text, f"Tweet text is too long: {parsed.weightedLength} weighted characters, "
                                        "the limit is 280.")
        if not isinstance(media_ids, list) or len(media_ids) > MAX_MEDIA_PER_POST:
            raise invalid("media.media_ids", media_ids, f"At most {MAX_MEDIA_PER_POST} media ids a post.")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id") if isinstance(body.get("reply"), dict) \
            else None
        if reply_to is not None:
            parent = self.state.get_post(str(reply_to))
            if parent is None or parent.platform != "twitter":
                return json_response(problem(403, "Forbidden", "You attempted to reply to a Tweet that is deleted or "
                                                               "not visible to you."), 403, headers)
        attached = []
        for media_id in media_ids:
            media = self.state.media.get(str(media_id))
            if media is None or media.account != username or not media.finalized:
                raise invalid("media.media_ids", media_id, "Your media IDs are invalid.")
            attached.append(media)
        with self.state.lock:
            if any(_unwrapped(p) == text for p in self.state.recent_posts("twitter", username)):
                return json_response(problem(403, "Forbidden", DUPLICATE), 403, headers)
        self.post_caps(request, user_id, headers)
        tweet_id = self.state.tweet_id()
        shown, entities, link = self.wrap_urls(text, tweet_id)
        with self.state.lock:
            self.state.add_post(Post("twitter", username, tweet_id, shown, link, utcnow(), attached,
                                     author_id=user_id, entities=entities,
                                     extra={"in_reply_to": str(reply_to)} if reply_to is not None else {}))
        self.bill("POST /2/tweets", "content_create_with_url" if link else "content_create")
        return json_response({"data": {"id": tweet_id, "text": shown, "edit_history_tweet_ids": [tweet_id]}},
                             201, headers)

    async def lookup_tweets(self, request: Request) -> Response:
        self.user(request)
        headers = self.rate_headers(request, "GET /2/tweets")
        raw_ids = request.query_params.get("ids", "")
        ids = [i for i in raw_ids.split(",") if i]
        if not 1 <= len(ids) <= 100:
            raise invalid("ids", raw_ids, f"The number of values in the `ids` query parameter list [{len(ids)}] "
                                          "is not between 1 and 100")
        fields = set(request.query_params.get("tweet.fields", "").split(","))
        data, errors = [], []
        for tweet_id in ids:
            post = self.state.get_post(tweet_id)
            if post is None or post.platform != "twitter":
                errors.append({"value": tweet_id, "detail": f"Could not find tweet with ids: [{tweet_id}].",
                               "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
                               "resource_id": tweet_id, "type": "https://api.twitter.com/2/problems/resource-not-found"})
            else:
                data.append(self._tweet_json(post, fields))
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
            self.bill("GET /2/tweets", "posts_read", len(data))
        if errors:
            body["errors"] = errors
        return json_response(body, 200, headers)

    async def delete_tweet(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "DELETE /2/tweets/{id}")
        post = self.state.get_post(request.path_params["id"])
        if post is not None and post.account == username:
            self.state.delete_post(post.id)
            self.bill("DELETE /2/tweets/{id}", "content_delete")
            return json_response({"data": {"deleted": True}}, 200, headers)
        return json_response({"data": {"deleted": False}}, 200, headers)

    async def me(self, request: Request) -> Response:
        user_id, username = self.user(request)
        headers = self.rate_headers(request, "GET /2/users/me")
        self.bill("GET /2/users/me", "user_read")
        return json_response({"data": {"id": user_id, "name": "Sandbox " + username[-8:], "username": username}},
                             200, headers)

    async def user_tweets(self, request: Request) -> Response:
        self.user(request)
        headers = self.rate_headers(request, "GET /2/users/{id}/tweets")
        user_id = request.path_params["id"]
        max_results = int(request.query_params.get("max_results", "10"))
        if not 5 <= max_results <= 100:
            raise invalid("max_results", str(max_results), f"The `max_results` query parameter value "
                                                         f"[{max_results}] is not between 5 and 100")
        fields = set(request.query_params.get("tweet.fields", "").split(","))
        posts = [p for p in self.state.live_posts() if p.platform == "twitter" and p.author_id == user_id][::-1]
        start_time = request.query_params.get("start_time")
        if start_time:
            try:
                since = datetime.strptime(start_time.replace("Z", "+00:00")[:25], "%Y-%m-%dT%H:%M:%S%z")
            except ValueError:
                raise invalid("start_time", start_time, "Invalid start_time: use YYYY-MM-DDTHH:mm:ssZ.") from None
            posts = [p for p in posts if p.created_at >= since]
        since_id = request.query_params.get("since_id")
        if since_id:
            if not since_id.isdigit():
                raise invalid("since_id", since_id, "since_id must be a post id.")
            posts = [p for p in posts if int(p.id) > int(since_id)]
        until_id = request.query_params.get("until_id")
        if until_id:
            if not until_id.isdigit():
                raise invalid("until_id", until_id, "until_id must be a post id.")
            posts = [p for p in posts if int(p.id) < int(until_id)]
        offset = int(request.query_params.get("pagination_token", "0") or 0)
        page = posts[offset:offset + max_results]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if offset + max_results < len(posts):
            meta["next_token"] = str(offset + max_results)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._tweet_json(p, fields) for p in page]
            self.bill("GET /2/users/{id}/tweets", "posts_read", len(page))
        return json_response(body, 200, headers)

    # media -----------------------------------------------------------------
    def _store(self, username: str, content: bytes, mime: str) -> Media:
        if len(content) > MAX_IMAGE_BYTES and mime.startswith("image/"):
            raise invalid("media", len(content), f"Image is {len(content)} bytes, over the 5 MB limit.")
        media = Media(self.state.media_id(), "twitter", username, mime, len(content),
                      sha256=hashlib.sha256(content).hexdigest(), finalized=True, content=content)
        with self.state.lock:
            self.state.media[media.id] = media
        return media

    @staticmethod
    def _content(fields: dict[str, Any], files: dict[str, bytes]) -> bytes:
        if "media" in files:
            return files["media"]
        encoded = fields.get("media") or fields.get("media_data")
        if not encoded:
            raise invalid("media", None, "media is required.")
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("media", "...", "media is not valid base64.") from None

    def _own_media(self, username: str, media_id: str) -> Media:
        media = self.state.media.get(str(media_id))
        if media is None or media.account != username:
            raise invalid("media_id", media_id, "Invalid media id.")
        return media

    @staticmethod
    def _v2_media(media: Media) -> dict[str, Any]:
        data = {"id": media.id, "media_key": "3_" + media.id, "size": media.size, "expires_after_secs": 86400}
        if media.mime.startswith("image/"):
            data["image"] = {"image_type": media.mime, "w": 0, "h": 0}
        return {"data": data}

    async def v2_upload(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "POST /2/media/upload")
        fields, files = await body_params(request)
        mime = fields.get("media_type") or "image/jpeg"
        return json_response(self._v2_media(self._store(username, self._content(fields, files), mime)), 200, headers)

    async def v2_initialize(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "POST /2/media/upload/initialize")
        fields, _ = await body_params(request)
        media = Media(self.state.media_id(), "twitter", username, fields.get("media_type") or "image/jpeg",
                      total_bytes=int(fields.get("total_bytes") or 0))
        with self.state.lock:
            self.state.media[media.id] = media
        return json_response({"data": {"id": media.id, "media_key": "3_" + media.id, "expires_after_secs": 86400}},
                             200, headers)

    async def v2_append(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "POST /2/media/upload/{id}/append")
        media = self._own_media(username, request.path_params["id"])
        fields, files = await body_params(request)
        content = self._content(fields, files)
        with self.state.lock:
            media.chunks[int(fields.get("segment_index", 0))] = content
        return json_response({"data": {"expires_at": int(time.time()) + 86400}}, 200, headers)

    async def v2_finalize(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "POST /2/media/upload/{id}/finalize")
        media = self._finalize(self._own_media(username, request.path_params["id"]))
        return json_response(self._v2_media(media), 200, headers)

    def _finalize(self, media: Media) -> Media:
        with self.state.lock:
            content = b"".join(media.chunks[i] for i in sorted(media.chunks))
        if media.total_bytes and len(content) != media.total_bytes:
            raise invalid("media_id", media.id, "File size does not match the announced total_bytes.")
        if len(content) > MAX_IMAGE_BYTES and media.mime.startswith("image/"):
            raise invalid("media", len(content), "Image is over the 5 MB limit.")
        with self.state.lock:
            media.size, media.sha256, media.finalized, media.chunks, media.content = (
                len(content), hashlib.sha256(content).hexdigest(), True, {}, content)
        return media

    async def v2_metadata(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "POST /2/media/metadata")
        body, _ = await body_params(request)
        media = self._own_media(username, body.get("id", ""))
        alt = (((body.get("metadata") or {}).get("alt_text")) or {}).get("text")
        if not isinstance(alt, str) or len(alt) > 1000:
            raise invalid("metadata.alt_text.text", alt, "Alt text is required and at most 1000 characters.")
        with self.state.lock:
            media.alt_text = alt
        return json_response({"data": {"id": media.id, "associated_metadata": {"alt_text": {"text": alt}}}},
                             200, headers)

    # v1.1 ------------------------------------------------------------------
    @staticmethod
    def _v1_media(media: Media) -> dict[str, Any]:
        data: dict[str, Any] = {"media_id": int(media.id), "media_id_string": media.id, "size": media.size,
                                "expires_after_secs": 86400}
        if media.mime.startswith("image/"):
            data["image"] = {"image_type": media.mime, "w": 0, "h": 0}
        return data

    async def v1_upload(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "POST /1.1/media/upload.json")
        fields, files = await body_params(request)
        command = (fields.get("command") or request.query_params.get("command") or "").upper()
        if command == "INIT":
            media = Media(self.state.media_id(), "twitter", username, fields.get("media_type") or "image/jpeg",
                          total_bytes=int(fields.get("total_bytes") or 0))
            with self.state.lock:
                self.state.media[media.id] = media
            return json_response({"media_id": int(media.id), "media_id_string": media.id,
                                  "expires_after_secs": 86400}, 202, headers)
        if command == "APPEND":
            media = self._own_media(username, fields.get("media_id", ""))
            content = self._content(fields, files)
            with self.state.lock:
                media.chunks[int(fields.get("segment_index", 0))] = content
            return Response(status_code=204, headers=headers)
        if command == "FINALIZE":
            media = self._finalize(self._own_media(username, fields.get("media_id", "")))
            return json_response(self._v1_media(media), 201, headers)
        mime = _sniff(self._content(fields, files))
        media = self._store(username, self._content(fields, files), mime)
        return json_response(self._v1_media(media), 200, headers)

    async def v1_metadata(self, request: Request) -> Response:
        _, username = self.user(request)
        headers = self.rate_headers(request, "POST /1.1/media/metadata/create.json")
        body, _ = await body_params(request)
        media = self._own_media(username, str(body.get("media_id", "")))
        with self.state.lock:
            media.alt_text = ((body.get("alt_text") or {}).get("text"))
        return Response(status_code=200, headers=headers)


def _unwrapped(post: Post) -> str:
    """A stored post's text with its t.co links expanded again."""
    text = post.text
    for url in reversed((post.entities or {}).get("urls", [])):
        text = text[:url["start"]] + url["expanded_url"] + text[url["end"]:]
    return text


def _sniff(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"GIF8"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"
