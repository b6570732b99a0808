"""The fake Mastodon API: statuses, v2 (asynchronous) media, the instance configuration.

Shapes follow docs.joinmastodon.org: entities as JSON, errors as
``{"error": "..."}`` with 401 / 404 / 422 / 429, ``X-RateLimit-*`` headers
(reset as an ISO 8601 time). ``Idempotency-Key`` on ``POST /api/v1/statuses``
returns the first status for a repeated key, as Mastodon does (for an hour).
Any non-empty bearer token is an account.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import datetime, timezone
from html import escape
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from distributor.platforms.specs import SPECS
from distributor.sandbox.faults import Fault
from distributor.sandbox.state import Media, Post, SandboxState, iso, user_for_token, utcnow
from distributor.sandbox.wire import Answer, body_params, json_response

SPEC = SPECS["mastodon"]
MAX_CHARACTERS = SPEC.text.max_length
URL_WEIGHT = SPEC.text.url_length or 23
MAX_MEDIA = SPEC.capabilities.images
MAX_IMAGE_BYTES = SPEC.max_image_bytes
MAX_IDS = SPEC.metrics_batch_size
WINDOW_SECONDS = 5 * 60
LIMIT = 300  # requests per 5 minutes per account
URL = re.compile(r"https?://[^\s]+")
IDEMPOTENCY_SECONDS = 3600
# not Mastodon's (it has no duplicate check): what the sandbox's "duplicate" fault answers
DUPLICATE = "Validation failed: Text has already been posted"


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(json_response({"error": message}, status, headers))


def mastodon_length(text: str, url_weight: int = URL_WEIGHT) -> int:
    """Code points, every URL counting the instance's characters_reserved_per_url."""
    return len(URL.sub("x" * url_weight, text))


def content_html(text: str) -> str:
    """The status as Mastodon renders it: paragraphs, line breaks, links wrapped in spans."""
    def link(match: re.Match) -> str:
        url = match.group(0)
        scheme, _, rest = url.partition("://")
        return (f'<a href="{escape(url)}" rel="nofollow noopener" target="_blank">'
                f'<span class="invisible">{escape(scheme)}://</span><span class="ellipsis">{escape(rest[:30])}</span>'
                f'<span class="invisible">{escape(rest[30:])}</span></a>')

    paragraphs = []
    for block in re.split(r"\n{2,}", text.strip()):
        parts, position = [], 0
        for match in URL.finditer(block):
            parts.append(escape(block[position:match.start()]))
            parts.append(link(match))
            position = match.end()
        parts.append(escape(block[position:]))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs)


class MastodonApi:
    platform = "mastodon"

    def __init__(self, state: SandboxState):
        self.state = state
        self._lock = threading.Lock()
        self.reset()

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        """This instance's own limits (as its admin would set them)."""
        for key in ("max_characters", "characters_reserved_per_url"):
            if key in settings:
                value = int(settings[key])
                if value <= 0:
                    raise ValueError(f"{key} must be positive")
                self.limits[key] = value
        return dict(self.limits)

    def reset(self) -> None:
        self.limits = {"max_characters": MAX_CHARACTERS, "characters_reserved_per_url": URL_WEIGHT}
        with self._lock:
            self._windows: dict[str, tuple[float, int]] = {}
            self._idempotent: dict[tuple[str, str], tuple[float, str]] = {}
            self._processed: set[str] = set()

    def routes(self) -> list[tuple[str, str, str, Callable]]:
        return [
            ("GET", "/api/v2/instance", "GET /api/v2/instance", self.instance),
            ("GET", "/api/v1/accounts/verify_credentials", "GET /api/v1/accounts/verify_credentials", self.me),
            ("GET", "/api/v1/accounts/{id}/statuses", "GET /api/v1/accounts/{id}/statuses", self.account_statuses),
            ("POST", "/api/v2/media", "POST /api/v2/media", self.upload),
            ("GET", "/api/v1/media/{id}", "GET /api/v1/media/{id}", self.media),
            ("POST", "/api/v1/statuses", "POST /api/v1/statuses", self.create),
            ("GET", "/api/v1/statuses", "GET /api/v1/statuses", self.many),
            ("GET", "/api/v1/statuses/{id}", "GET /api/v1/statuses/{id}", self.one),
            ("PUT", "/api/v1/statuses/{id}", "PUT /api/v1/statuses/{id}", self.edit),
            ("DELETE", "/api/v1/statuses/{id}", "DELETE /api/v1/statuses/{id}", self.delete),
        ]

    def seed_id(self, account: str) -> str:
        return str(113_000_000_000_000_000 + self.state.next_number())

    # auth, limits, faults -------------------------------------------------------------
    def user(self, request: Request) -> tuple[str, str]:
        header = request.headers.get("authorization", "")
        token = header[len("Bearer "):].strip() if header.startswith("Bearer ") else ""
        if not token:
            raise error(401, "The access token is invalid")
        return user_for_token(token)

    def rate_headers(self, request: Request) -> dict[str, str]:
        caller = request.headers.get("authorization", "")[-24:]
        now = time.time()
        with self._lock:
            start, used = self._windows.get(caller, (now, 0))
            if now - start >= WINDOW_SECONDS:
                start, used = now, 0
            self._windows[caller] = (start, used + 1)
        return {"X-RateLimit-Limit": str(LIMIT), "X-RateLimit-Remaining": str(max(0, LIMIT - used - 1)),
                "X-RateLimit-Reset": _iso_time(start + WINDOW_SECONDS)}

    def fault_response(self, fault: Fault, request: Request, key: str) -> Response:
        if fault.kind == "429":
            headers = {"X-RateLimit-Limit": str(LIMIT), "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": _iso_time(time.time() + fault.reset_in)}
            return json_response({"error": "Too many requests"}, 429, headers)
        if fault.kind == "500":
            return json_response({"error": "We're sorry, but something went wrong on our end."}, 500)
        if fault.kind == "html502":
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>", 502)
        if fault.kind == "no_content_type":
            response = Response(b"Bad Gateway", 502)
            del response.headers["content-type"]
            return response
        if fault.kind == "expired_token":
            return json_response({"error": "The access token is invalid"}, 401)
        if fault.kind == "duplicate":
            return json_response({"error": DUPLICATE}, 422)
        status = fault.code or 422
        return json_response({"error": fault.message or f"Sandbox fault {status}"}, status)

    # entities ------------------------------------------------------------------------
    @staticmethod
    def account_json(user_id: str, username: str) -> dict[str, Any]:
        return {"id": user_id, "username": username, "acct": username, "display_name": username,
                "url": f"https://mastodon.example/@{username}", "created_at": "2026-01-01T00:00:00.000Z",
                "locked": False, "bot": True, "note": "", "avatar": "", "header": "",
                "followers_count": 0, "following_count": 0, "statuses_count": 0}

    @staticmethod
    def media_json(media: Media, processed: bool) -> dict[str, Any]:
        url = f"/_sandbox/media/{media.id}" if processed else None
        return {"id": media.id, "type": "image", "url": url, "preview_url": url, "remote_url": None,
                "description": media.alt_text, "blurhash": None, "meta": {}}

    def status_json(self, post: Post) -> dict[str, Any]:
        counts = self.state.engagement(post.id)
        user_id = post.author_id or ""
        card = ({"url": post.link, "title": "", "description": "", "type": "link", "image": None}
                if post.link else None)
        return {
            "id": post.id, "uri": f"https://mastodon.example/users/{post.account}/statuses/{post.id}",
            "url": f"https://mastodon.example/@{post.account}/{post.id}",
            "created_at": iso(post.created_at), "edited_at": post.extra.get("edited_at"),
            "content": content_html(post.text), "visibility": "public", "sensitive": False, "spoiler_text": "",
            "language": "en", "in_reply_to_id": None, "reblog": None,
            "favourites_count": counts["likes"], "reblogs_count": counts["shares"],
            "replies_count": counts["comments"],
            "media_attachments": [self.media_json(m, True) for m in post.media],
            "mentions": [], "tags": [], "emojis": [], "card": card,
            "account": self.account_json(user_id, post.account),
        }

    def _own(self, request: Request, username: str) -> Post:
        post = self.state.get_post(request.path_params["id"])
        if post is None or post.platform != self.platform:
            raise error(404, "Record not found")
        if post.account != username:
            raise error(403, "This action is not allowed")
        return post

    # handlers ------------------------------------------------------------------------
    async def instance(self, request: Request) -> Response:
        return json_response({
            "domain": "mastodon.example", "title": "Sandbox Mastodon", "version": "4.3.0",
            "configuration": {
                "urls": {"streaming": None},
                "accounts": {"max_featured_tags": 10},
                "statuses": {"max_characters": self.limits["max_characters"], "max_media_attachments": MAX_MEDIA,
                             "characters_reserved_per_url": self.limits["characters_reserved_per_url"]},
                "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                                      "image_size_limit": MAX_IMAGE_BYTES, "description_limit": 1500},
            },
        })

    async def me(self, request: Request) -> Response:
        user_id, username = self.user(request)
        return json_response(self.account_json(user_id, username), headers=self.rate_headers(request))

    async def account_statuses(self, request: Request) -> Response:
        self.user(request)
        user_id = request.path_params["id"]
        limit = min(int(request.query_params.get("limit") or 20), 40)
        posts = [p for p in self.state.live_posts() if p.platform == self.platform and p.author_id == user_id]
        posts = list(reversed(posts))[:limit]
        return json_response([self.status_json(p) for p in posts], headers=self.rate_headers(request))

    async def upload(self, request: Request) -> Response:
        user_id, username = self.user(request)
        fields, files = await body_params(request)
        content = files.get("file")
        if not content:
            raise error(422, "Validation failed: File can't be blank")
        if len(content) > MAX_IMAGE_BYTES:
            raise error(422, "Validation failed: File file size must be less than 10 MB")
        media = Media(str(109_000_000_000_000_000 + self.state.next_number()), self.platform, username,
                      _sniff(content), len(content), sha256=hashlib.sha256(content).hexdigest(),
                      alt_text=fields.get("description") or None, finalized=True, content=content)
        with self.state.lock:
            self.state.media[media.id] = media
        # processed asynchronously: 202 with a null url; the next GET /api/v1/media/{id} has it
        return json_response(self.media_json(media, False), 202, self.rate_headers(request))

    async def media(self, request: Request) -> Response:
        self.user(request)
        media = self.state.media.get(request.path_params["id"])
        if media is None or media.platform != self.platform:
            raise error(404, "Record not found")
        with self._lock:
            processed = media.id in self._processed
            self._processed.add(media.id)
        return json_response(self.media_json(media, processed), 200 if processed else 206)

    async def create(self, request: Request) -> Response:
        user_id, username = self.user(request)
        headers = self.rate_headers(request)
        key = request.headers.get("idempotency-key")
        fields, _ = await body_params(request)
        if key:
            with self._lock:
                seen = self._idempotent.get((user_id, key))
            if seen and time.time() - seen[0] < IDEMPOTENCY_SECONDS:
                post = self.state.get_post(seen[1])
                if post is not None:
                    return json_response(self.status_json(post), 200, headers)
        text = str(fields.get("status") or "")
        media_ids = fields.get("media_ids") or fields.get("media_ids[]") or []
        if not request.headers.get("content-type", "").startswith("application/json"):
            form = await request.form()  # cached by Starlette: the repeated media_ids[] fields
            media_ids = form.getlist("media_ids[]") or form.getlist("media_ids")
        media_ids = [media_ids] if isinstance(media_ids, str) else list(media_ids)
        if not text.strip() and not media_ids:
            raise error(422, "Validation failed: Text can't be blank")
        limit = self.limits["max_characters"]
        if mastodon_length(text, self.limits["characters_reserved_per_url"]) > limit:
            raise error(422, f"Validation failed: Text character limit of {limit} exceeded")
        if len(media_ids) > MAX_MEDIA:
            raise error(422, "Validation failed: Media attachments is too long")
        media = []
        for media_id in media_ids:
            found = self.state.media.get(str(media_id))
            if found is None or found.account != username:
                raise error(422, "Validation failed: Media attachment not found")
            media.append(found)
        link = next((m.group(0) for m in URL.finditer(text)), None)
        post = Post(self.platform, username, str(113_000_000_000_000_000 + self.state.next_number()), text, link,
                    utcnow(), media, author_id=user_id)
        self.state.add_post(post)
        if key:
            with self._lock:
                self._idempotent[(user_id, key)] = (time.time(), post.id)
        return json_response(self.status_json(post), 200, headers)

    async def many(self, request: Request) -> Response:
        self.user(request)
        ids = request.query_params.getlist("id[]") or request.query_params.getlist("id")
        if len(ids) > MAX_IDS:
            raise error(422, f"Too many ids: at most {MAX_IDS}")
        found = [self.state.get_post(i) for i in ids]
        return json_response([self.status_json(p) for p in found if p is not None and p.platform == self.platform],
                             headers=self.rate_headers(request))

    async def one(self, request: Request) -> Response:
        self.user(request)
        post = self.state.get_post(request.path_params["id"])
        if post is None or post.platform != self.platform:
            raise error(404, "Record not found")
        return json_response(self.status_json(post), headers=self.rate_headers(request))

    async def edit(self, request: Request) -> Response:
        _, username = self.user(request)
        post = self._own(request, username)
        fields, _ = await body_params(request)
        text = str(fields.get("status") or "")
        limit = self.limits["max_characters"]
        if mastodon_length(text, self.limits["characters_reserved_per_url"]) > limit:
            raise error(422, f"Validation failed: Text character limit of {limit} exceeded")
        with self.state.lock:
            post.text = text
            post.extra["edited_at"] = iso(utcnow())
        return json_response(self.status_json(post), headers=self.rate_headers(request))

    async def delete(self, request: Request) -> Response:
        _, username = self.user(request)
        post = self._own(request, username)
        body = self.status_json(post) | {"text": post.text}
        self.state.delete_post(post.id)
        return json_response(body, headers=self.rate_headers(request))


def _iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _sniff(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "application/octet-stream"
