"""The fake Threads API (graph.threads.net/v1.0): containers, publishing, the 24-hour cap, insights.

Shapes follow Meta's Threads API reference: ``POST /{user-id}/threads`` makes a
media container (TEXT, or IMAGE fetched by the platform from ``image_url``),
``GET /{container-id}?fields=status`` reports ``IN_PROGRESS`` until it is
ready (an image container is in progress on its first check), ``POST
/{user-id}/threads_publish`` with ``creation_id`` publishes it;
``threads_publishing_limit`` reports the 250 posts per rolling 24 hours, past
which publishing is refused. Errors are Graph errors. The token goes in
``Authorization: Bearer`` or ``access_token``. Images are fetched only from
loopback addresses: the sandbox never connects anywhere else (other URLs are
recorded as given).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import json
import math
import threading
import time
import urllib.request
from typing import Any, Callable
from urllib.parse import urlsplit

import regex

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from distributor.platforms.specs import SPECS
from distributor.platforms.specs.threads import POSTS_PER_24_HOURS
from distributor.sandbox.faults import Fault
from distributor.sandbox.graph_api import RATE_CODES, graph_error, no_object
from distributor.sandbox.state import Media, Post, SandboxState, user_for_token, utcnow
from distributor.sandbox.wire import Answer, body_params, json_response

SPEC = SPECS["threads"]
MAX_CHARACTERS = SPEC.text.max_length
_CLUSTER = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")


def threads_length(text: str) -> int:
    """As Threads counts: code points, an emoji as its UTF-8 bytes."""
    return sum(len(c.encode("utf-8")) if _EMOJI.search(c) else len(c) for c in _CLUSTER.findall(text))
MAX_IMAGE_BYTES = SPEC.max_image_bytes
DAY = 24 * 3600
V = "/v1.0"


def _answer(result: tuple[int, Any], headers: dict[str, str] | None = None) -> Answer:
    status, body = result
    return Answer(json_response(body, status, headers))


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _download(url: str) -> tuple[bytes | None, str | None]:
    """(content, None) or (None, why): what Meta's fetcher would make of the image URL."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # loopback only (checked by the caller)
            content = answer.read(MAX_IMAGE_BYTES + 1)
            mime = answer.headers.get_content_type()
    except OSError as exc:
        return None, f"Failed to download the image ({exc.__class__.__name__})"
    if len(content) > MAX_IMAGE_BYTES:
        return None, "The image is larger than 8 MB"
    if not mime.startswith("image/"):
        return None, f"The media at image_url is not an image ({mime})"
    return content, None


class ThreadsApi:
    platform = "threads"

    def __init__(self, state: SandboxState):
        self.state = state
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._containers: dict[str, dict[str, Any]] = {}
            self._published: dict[str, list[float]] = {}

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        """``{"user_id", "quota_usage"}``: as if that profile had published so many posts in the last hour."""
        user_id, used = str(settings.get("user_id") or ""), int(settings.get("quota_usage", 0))
        if not user_id or used < 0:
            raise ValueError("give user_id and a quota_usage of 0 or more")
        with self._lock:
            self._published[user_id] = [time.time() - 3600] * used
        return {"user_id": user_id, "quota_usage": used}

    def routes(self) -> list[tuple[str, str, str, Callable]]:
        return [
            ("GET", V + "/me", "GET /{version}/me", self.me),
            ("POST", V + "/{user_id}/threads", "POST /{version}/{user_id}/threads", self.create_container),
            ("POST", V + "/{user_id}/threads_publish", "POST /{version}/{user_id}/threads_publish", self.publish),
            ("GET", V + "/{user_id}/threads_publishing_limit", "GET /{version}/{user_id}/threads_publishing_limit",
             self.publishing_limit),
            ("GET", V + "/{user_id}/threads", "GET /{version}/{user_id}/threads", self.list_threads),
            ("GET", V + "/{id}/insights", "GET /{version}/{id}/insights", self.insights),
            ("GET", V + "/{id}", "GET /{version}/{id}", self.read),
            ("DELETE", V + "/{id}", "DELETE /{version}/{id}", self.delete),
        ]

    def seed_id(self, account: str) -> str:
        return str(18_000_000_000_000_000 + self.state.next_number())

    # auth, usage, faults ------------------------------------------------------------------
    def token(self, request: Request, params: dict[str, Any]) -> str:
        header = request.headers.get("authorization", "")
        token = header[len("Bearer "):].strip() if header.startswith("Bearer ") else str(params.get("access_token") or "")
        if not token.strip():
            raise _answer(graph_error("Invalid OAuth access token - Cannot parse access token", 190))
        return token

    def owner(self, request: Request, params: dict[str, Any]) -> str:
        """The caller's Threads user id; a path naming another user is refused as Meta does."""
        user_id, _ = user_for_token(self.token(request, params))
        named = request.path_params.get("user_id")
        if named not in (None, "me") and named != self._user_for(user_id, named):
            raise _answer(graph_error("(#10) Application does not have permission for this action", 10))
        return named if named not in (None, "me") else user_id

    @staticmethod
    def _user_for(token_user: str, named: str) -> str:
        return named  # any token may act for the user id the account names (like a token of that user)

    @staticmethod
    def usage_headers(minutes: int = 0) -> dict[str, str]:
        percent = 100 if minutes else 1
        return {"X-App-Usage": json.dumps({"call_count": percent, "total_cputime": 0, "total_time": 0,
                                           "estimated_time_to_regain_access": minutes})}

    def fault_response(self, fault: Fault, request: Request, key: str) -> Response:
        if fault.kind == "html502":
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", 502)
        if fault.kind == "no_content_type":
            response = Response(b"Bad Gateway", 502)
            del response.headers["content-type"]
            return response
        minutes = 0
        if fault.kind == "429":
            minutes = max(1, math.ceil(fault.reset_in / 60))
            result = graph_error(RATE_CODES[4], 4, transient=True)
        elif fault.kind == "expired_token":
            result = graph_error("Error validating access token: Session has expired.", 190, subcode=463)
        elif fault.kind == "duplicate":  # (the Graph API's code; Threads' own wording unverified)
            result = graph_error("(#506) Duplicate post", 506)
        elif fault.kind in ("graph_code", "status"):
            code = fault.code or 1
            minutes = max(1, math.ceil(fault.reset_in / 60)) if code in RATE_CODES else 0
            result = graph_error(fault.message or RATE_CODES.get(code) or f"(#{code}) Sandbox error", code,
                                 subcode=fault.subcode)
        else:
            result = graph_error("An unexpected error has occurred. Please retry your request later.", 2,
                                 status=500, transient=True)
        return json_response(result[1], result[0], self.usage_headers(minutes))

    async def _params(self, request: Request) -> dict[str, Any]:
        fields, _ = await body_params(request) if request.method == "POST" else ({}, {})
        return dict(request.query_params) | {k: v for k, v in fields.items() if isinstance(v, str)}

    # handlers -----------------------------------------------------------------------------
    async def me(self, request: Request) -> Response:
        params = await self._params(request)
        user_id, username = user_for_token(self.token(request, params))
        return json_response({"id": user_id, "username": username}, headers=self.usage_headers())

    async def create_container(self, request: Request) -> Response:
        params = await self._params(request)
        user_id = self.owner(request, params)
        media_type = params.get("media_type", "")
        text = params.get("text", "")
        if media_type not in ("TEXT", "IMAGE"):
            raise _answer(graph_error("(#100) The parameter media_type is required (TEXT, IMAGE, VIDEO, CAROUSEL)", 100))
        if threads_length(text) > MAX_CHARACTERS:
            raise _answer(graph_error(f"(#100) Param text must be at most {MAX_CHARACTERS} characters long", 100))
        container: dict[str, Any] = {"id": str(17_900_000_000_000_000 + self.state.next_number()), "user": user_id,
                                     "text": text, "link": params.get("link_attachment") or None,
                                     "status": "FINISHED", "checked": False, "media": None, "error_message": None}
        if media_type == "IMAGE":
            url = params.get("image_url", "")
            if not url:
                raise _answer(graph_error("(#100) The parameter image_url is required", 100))
            content, why = await asyncio.to_thread(_download, url) if _loopback(url) else (None, None)
            if why:
                container |= {"status": "ERROR", "error_message": why}
            else:
                data = content if content is not None else url.encode()
                container["media"] = Media(container["id"] + "_m", self.platform, user_id, "image/jpeg",
                                           len(content or b""), sha256=hashlib.sha256(data).hexdigest(),
                                           alt_text=params.get("alt_text") or None, finalized=True, content=content)
                container["status"] = "IN_PROGRESS"  # the first status check sees it processing
        with self._lock:
            self._containers[container["id"]] = container
        return json_response({"id": container["id"]}, headers=self.usage_headers())

    def _recent(self, user_id: str) -> list[float]:
        now = time.time()
        with self._lock:
            kept = [t for t in self._published.get(user_id, []) if now - t < DAY]
            self._published[user_id] = kept
            return list(kept)

    async def publish(self, request: Request) -> Response:
        params = await self._params(request)
        user_id = self.owner(request, params)
        with self._lock:
            container = self._containers.get(params.get("creation_id", ""))
        if container is None or container["user"] != user_id:
            raise _answer(graph_error("(#100) Param creation_id is not a valid media container", 100))
        if container["status"] == "PUBLISHED":
            raise _answer(graph_error("(#100) The media container was already published", 100))
        if container["status"] != "FINISHED":
            raise _answer(graph_error(f"(#24) The media is not ready for publishing ({container['status']})", 24,
                                      subcode=4279009))
        if len(self._recent(user_id)) >= POSTS_PER_24_HOURS:
            raise _answer(graph_error("(#4) Application request limit reached: 250 posts in 24 hours", 4),
                          self.usage_headers(60))
        media = [container["media"]] if container["media"] else []
        post = Post(self.platform, user_id, str(18_000_000_000_000_000 + self.state.next_number()), container["text"],
                    container["link"], utcnow(), media, author_id=user_id)
        with self._lock:
            container["status"] = "PUBLISHED"
            self._published.setdefault(user_id, []).append(time.time())
        if media:
            with self.state.lock:
                self.state.media[media[0].id] = media[0]
        self.state.add_post(post)
        return json_response({"id": post.id}, headers=self.usage_headers())

    async def publishing_limit(self, request: Request) -> Response:
        params = await self._params(request)
        user_id = self.owner(request, params)
        return json_response({"data": [{"quota_usage": len(self._recent(user_id)),
                                        "config": {"quota_total": POSTS_PER_24_HOURS, "quota_duration": DAY}}]},
                             headers=self.usage_headers())

    def thread_json(self, post: Post) -> dict[str, Any]:
        return {"id": post.id, "media_product_type": "THREADS",
                "media_type": "IMAGE" if post.media else "TEXT_POST", "text": post.text,
                "permalink": f"https://www.threads.net/@sandbox/post/{post.id}",
                "timestamp": post.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                **({"link_attachment_url": post.link} if post.link else {})}

    async def list_threads(self, request: Request) -> Response:
        params = await self._params(request)
        user_id = self.owner(request, params)
        limit = min(int(params.get("limit") or 25), 100)
        posts = [p for p in reversed(self.state.live_posts()) if p.platform == self.platform and p.account == user_id]
        return json_response({"data": [self.thread_json(p) for p in posts[:limit]], "paging": {}},
                             headers=self.usage_headers())

    async def read(self, request: Request) -> Response:
        params = await self._params(request)
        self.token(request, params)
        object_id = request.path_params["id"]
        with self._lock:
            container = self._containers.get(object_id)
            if container is not None:
                if container["status"] == "IN_PROGRESS" and container["checked"]:
                    container["status"] = "FINISHED"
                container["checked"] = True
                body = {"id": object_id, "status": container["status"]}
                if container["error_message"]:
                    body["error_message"] = container["error_message"]
                return json_response(body, headers=self.usage_headers())
        post = self.state.get_post(object_id)
        if post is None or post.platform != self.platform:
            raise _answer(no_object(object_id))
        return json_response(self.thread_json(post), headers=self.usage_headers())

    async def insights(self, request: Request) -> Response:
        params = await self._params(request)
        self.token(request, params)
        post = self.state.get_post(request.path_params["id"])
        if post is None or post.platform != self.platform:
            raise _answer(no_object(request.path_params["id"]))
        counts = self.state.engagement(post.id)
        values = {"views": counts["views"], "likes": counts["likes"], "replies": counts["comments"],
                  "reposts": counts["shares"], "quotes": 0}
        wanted = [m for m in str(params.get("metric", "")).split(",") if m]
        unknown = [m for m in wanted if m not in values]
        if unknown:
            raise _answer(graph_error(f"(#100) metric[0] must be one of the following values: {', '.join(values)}",
                                      100))
        return json_response({"data": [{"name": m, "period": "lifetime", "values": [{"value": values[m]}],
                                        "title": m.title(), "id": f"{post.id}/insights/{m}/lifetime"}
                                       for m in wanted]}, headers=self.usage_headers())

    async def delete(self, request: Request) -> Response:
        params = await self._params(request)
        self.token(request, params)
        post = self.state.get_post(request.path_params["id"])
        if post is None or post.platform != self.platform:
            raise _answer(no_object(request.path_params["id"]))
        self.state.delete_post(post.id)
        return json_response({"success": True}, headers=self.usage_headers())
