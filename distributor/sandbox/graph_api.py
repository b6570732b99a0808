"""The fake Graph API: Page posts, photos, engagement fields, insights and batches.

Errors use Graph's body ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}``; every answer carries ``X-App-Usage`` and
``X-Business-Use-Case-Usage``. The same small functions answer direct calls
and the sub-requests of a batch, so a batch behaves like the calls it bundles.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from distributor.sandbox.faults import Fault, FaultBook
from distributor.sandbox.state import Media, Post, SandboxState, graph_time, utcnow
from distributor.sandbox.wire import body_params, json_response

VERSION = re.compile(r"^v\d+\.\d+$")
MAX_BATCH = 50
APP_CALLS_PER_HOUR = 4800
RATE_CODES = {4: "Application request limit reached", 17: "User request limit reached",
              32: "Page request limit reached", 613: "Calls to this api have exceeded the rate limit."}
INSIGHTS = {  # metric name -> which engagement number it reports
    # Meta replaced post_impressions by post_media_view (2025-11-15) and post_impressions_unique by
    # post_total_media_view_unique (2026-06-15): asking for a retired name fails the request, as on Graph
    "post_media_view": "views",
    "post_total_media_view_unique": "views",
    "post_clicks": "clicks",
}
FIELD = re.compile(r"([a-z_]+)((?:\.[a-z_]+\([^)]*\))*)")

Result = tuple[int, dict[str, Any] | list[Any]]


def graph_error(message: str, code: int, *, subcode: int | None = None, type_: str = "OAuthException",
                status: int = 400, transient: bool = False) -> Result:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code,
                             "fbtrace_id": "A" + hashlib.sha1(f"{message}{time.time()}".encode()).hexdigest()[:22]}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return status, {"error": error}


def no_object(object_id: str) -> Result:
    return graph_error(
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api", 100, subcode=33, type_="GraphMethodException")


class GraphApi:
    platform = "facebook"

    def __init__(self, state: SandboxState, faults: FaultBook):
        self.state = state
        self.faults = faults
        self._calls: list[float] = []
        self._lock = threading.Lock()
        self._unpublished: set[str] = set()  # photos uploaded with published=false, not attached yet

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._unpublished.clear()

    # routing -----------------------------------------------------------------
    @staticmethod
    def split(path: str) -> tuple[str | None, list[str]]:
        segments = [s for s in path.strip("/").split("/") if s]
        if segments and VERSION.match(segments[0]):
            return segments[0], segments[1:]
        return None, segments

    @classmethod
    def key_for(cls, method: str, path: str) -> str:
        """The route key stats and faults use, e.g. ``POST /{version}/{page_id}/feed``."""
        _, rest = cls.split(path)
        shape = {0: "", 1: "{id}"}.get(len(rest))
        if len(rest) == 2:
            edge = rest[1]
            shape = {"feed": "{page_id}/feed", "photos": "{page_id}/photos", "insights": "{id}/insights"}.get(
                edge, "{id}/" + edge)
        return f"{method} /{{version}}/{shape or '/'.join(rest)}"

    async def endpoint(self, request: Request) -> Response:
        fields, files = await body_params(request) if request.method == "POST" else ({}, {})
        params = dict(request.query_params) | {k: v for k, v in fields.items() if isinstance(v, str)}
        status, body = self.call(request.method, request.url.path, params, files)
        return json_response(body, status, self.usage_headers(status, body, request.url.path))

    def call(self, method: str, path: str, params: dict[str, str], files: dict[str, bytes]) -> Result:
        token = params.pop("access_token", "")
        if not token.strip():
            return graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        _, rest = self.split(path)
        if method == "POST" and not rest:
            return self.batch(params, token)
        if method == "POST" and len(rest) == 2 and rest[1] == "feed":
            return self.create_post(rest[0], params)
        if method == "POST" and len(rest) == 2 and rest[1] == "photos":
            return self.create_photo(rest[0], params, files)
        if len(rest) == 2 and rest[1] == "comments" and method in ("GET", "POST"):
            return self.create_comment(rest[0], params) if method == "POST" else self.list_comments(rest[0], params)
        if method == "GET" and len(rest) == 2 and rest[1] == "feed":
            return self.list_feed(rest[0], params)
        if method == "GET" and len(rest) == 2 and rest[1] == "insights":
            return self.insights(rest[0], params)
        if method == "GET" and len(rest) == 1:
            return self.read_post(rest[0], params)
        if method == "POST" and len(rest) == 1:
            return self.edit_post(rest[0], params)
        if method == "DELETE" and len(rest) == 1:
            return (200, {"success": True}) if self._delete(rest[0]) else no_object(rest[0])
        return graph_error(f"Unsupported {method.lower()} request.", 100, type_="GraphMethodException")

    # usage headers and faults -------------------------------------------------------
    def usage_headers(self, status: int, body: Any, path: str, regain_minutes: int = 0) -> dict[str, str]:
        now = time.time()
        with self._lock:
            self._calls = [t for t in self._calls if now - t < 3600] + [now]
            percent = min(100, math.ceil(len(self._calls) * 100 / APP_CALLS_PER_HOUR))
        if regain_minutes:
            percent = 100
        _, rest = self.split(path)
        owner = (rest[0].split("_")[0] if rest else "") or "0"
        return {
            "X-App-Usage": json.dumps({"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}),
            "X-Business-Use-Case-Usage": json.dumps({owner: [{
                "type": "pages", "call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2,
                "estimated_time_to_regain_access": regain_minutes}]}),
        }

    def fault_result(self, fault: Fault) -> tuple[Result, int]:
        """A fault as (status, body) plus minutes until access returns (rate limits)."""
        minutes = max(1, math.ceil(fault.reset_in / 60))
        if fault.kind == "429":
            return graph_error(RATE_CODES[4], 4, transient=True), minutes
        if fault.kind == "expired_token":
            return graph_error("Error validating access token: Session has expired. The current time is "
                               f"{graph_time(utcnow())}.", 190, subcode=463), 0
        if fault.kind == "duplicate":
            return graph_error("(#506) Duplicate status message", 506), 0
        if fault.kind in ("graph_code", "status"):
            code = fault.code or 1
            message = fault.message or RATE_CODES.get(code) or {
                368: "It looks like you were misusing this feature by going too fast. You've been temporarily "
                     "blocked from using it.",
                190: "Invalid OAuth access token.",
            }.get(code, f"(#{code}) Sandbox error")
            return graph_error(message, code, subcode=fault.subcode), minutes if code in RATE_CODES else 0
        return graph_error("An unexpected error has occurred. Please retry your request later.", 2,
                           status=500, transient=True), 0

    def fault_response(self, fault: Fault, request: Request, key: str) -> Response:
        if fault.kind == "html502":
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1><p>The server returned an invalid or "
                                "incomplete response.</p></body></html>", 502)
        if fault.kind == "no_content_type":
            response = Response(b"Bad Gateway", 502)
            del response.headers["content-type"]
            return response
        (status, body), minutes = self.fault_result(fault)
        return json_response(body, status, self.usage_headers(status, body, request.url.path, minutes))

    # posts --------------------------------------------------------------------
    def _new_post(self, page_id: str, message: str, link: str | None, media: list[Media]) -> Post:
        post_id = f"{page_id}_{self.state.graph_id()}"
        return self.state.add_post(Post("facebook", page_id, post_id, message, link, utcnow(), media))

    def create_post(self, page_id: str, params: dict[str, str]) -> Result:
        message, link = params.get("message", ""), params.get("link") or None
        attached, failure = self._attached_media(page_id, params)
        if failure is not None:
            return failure
        if not message and not link and not attached:
            return graph_error("(#100) Missing message or attachment", 100)
        with self.state.lock:
            if message and any(p.text == message and p.link == link
                               for p in self.state.recent_posts("facebook", page_id)):
                return graph_error("(#506) Duplicate status message", 506)
            post = self._new_post(page_id, message, link, attached)
            for media in attached:
                self._unpublished.discard(media.id)
        return 200, {"id": post.id}

    def _attached_media(self, page_id: str, params: dict[str, str]) -> tuple[list[Media], Result | None]:
        """``attached_media``: unpublished photos of this Page, as a JSON array or ``attached_media[N]`` fields
        of ``{"media_fbid": id}`` (the Graph API's multi-photo post)."""
        entries: list[Any] = []
        raw = params.get("attached_media")
        try:
            if raw:
                entries = json.loads(raw)
            indexed = sorted((int(k[15:-1]), v) for k, v in params.items()
                             if k.startswith("attached_media[") and k.endswith("]") and k[15:-1].isdigit())
            entries = list(entries) + [json.loads(v) for _, v in indexed]
        except (ValueError, TypeError):
            return [], graph_error("(#100) param attached_media must be an array of {media_fbid}", 100)
        media = []
        for entry in entries if isinstance(entries, list) else [None]:
            fbid = str(entry.get("media_fbid", "")) if isinstance(entry, dict) else ""
            found = self.state.media.get(fbid)
            if found is None or found.account != page_id or fbid not in self._unpublished:
                return [], graph_error(f"(#100) Invalid media_fbid {fbid!r}: an unpublished photo of this Page", 100)
            media.append(found)
        return media, None

    def create_comment(self, post_id: str, params: dict[str, str]) -> Result:
        """A comment under a Page post, by the Page (POST /{post_id}/comments message=...)."""
        post = self.state.get_post(post_id)
        if post is None or post.platform != "facebook":
            return no_object(post_id)
        message = params.get("message", "")
        if not message.strip():
            return graph_error("(#100) Missing message or attachment", 100)
        comment = {"id": f"{post_id.split('_')[-1]}_{self.state.graph_id()}", "message": message,
                   "created_time": graph_time(utcnow()), "from": {"id": post.account}}
        with self.state.lock:
            post.extra.setdefault("comments", []).append(comment)
        return 200, {"id": comment["id"]}

    def list_comments(self, post_id: str, params: dict[str, str]) -> Result:
        post = self.state.get_post(post_id)
        if post is None or post.platform != "facebook":
            return no_object(post_id)
        with self.state.lock:
            comments = [dict(c) for c in post.extra.get("comments", [])]
        return 200, {"data": comments, "summary": {"total_count": len(comments)}}

    def create_photo(self, page_id: str, params: dict[str, str], files: dict[str, bytes]) -> Result:
        content = files.get("source")
        if content is None and not params.get("url"):
            return graph_error("(#324) Requires upload file", 324)
        if content is not None and len(content) > 10 * 1024 * 1024:
            return graph_error("(#1) Photo is over 10 MB", 1)
        photo_id = self.state.graph_id()
        data = content or params["url"].encode()
        media = Media(photo_id, "facebook", page_id, "image/jpeg", len(content or b""),
                      sha256=hashlib.sha256(data).hexdigest(), alt_text=params.get("alt_text_custom"),
                      finalized=True, content=content or None)
        with self.state.lock:
            self.state.media[photo_id] = media
            if str(params.get("published", "true")).lower() in ("false", "0"):
                self._unpublished.add(photo_id)  # waits for a feed post's attached_media
                return 200, {"id": photo_id}
            post = self._new_post(page_id, params.get("caption") or params.get("message", ""), None, [media])
        return 200, {"id": photo_id, "post_id": post.id}

    def edit_post(self, post_id: str, params: dict[str, str]) -> Result:
        """A Page may edit its post's message (not its link or photo), as the Graph API allows."""
        post = self.state.get_post(post_id)
        if post is None or post.platform != "facebook":
            return no_object(post_id)
        if "message" not in params:
            return graph_error("(#100) Only the message of a post can be edited", 100)
        post.text = params["message"]
        post.edits += 1
        return 200, {"success": True}

    def _delete(self, post_id: str) -> bool:
        post = self.state.get_post(post_id)
        return post is not None and post.platform == "facebook" and self.state.delete_post(post_id)

    def _post_fields(self, post: Post, fields: str) -> dict[str, Any]:
        engagement = self.state.engagement(post.id)
        data: dict[str, Any] = {}
        for name, modifiers in FIELD.findall(fields or "id,message,created_time"):
            if name == "id":
                data["id"] = post.id
            elif name == "message" and post.text:
                data["message"] = post.text
            elif name == "link" and post.link:
                data["link"] = post.link
            elif name == "created_time":
                data["created_time"] = graph_time(post.created_at)
            elif name == "permalink_url":
                data["permalink_url"] = f"https://www.facebook.com/{post.id.replace('_', '/posts/')}"
            elif name == "reactions":
                data["reactions"] = {"data": [], "summary": {"total_count": engagement["likes"],
                                                            "viewer_reaction": "NONE"}}
            elif name == "comments":
                data["comments"] = {"data": [], "summary": {"order": "ranked", "total_count": engagement["comments"],
                                                           "can_comment": True}}
            elif name == "shares" and engagement["shares"]:  # Graph leaves shares out when there are none
                data["shares"] = {"count": engagement["shares"]}
            elif name == "insights":
                wanted = re.search(r"\.metric\(([^)]*)\)", modifiers)
                status, body = self.insights(post.id, {"metric": wanted.group(1) if wanted else "post_media_view"})
                if status != 200:
                    raise _Failed((status, body))
                data["insights"] = body
        data.setdefault("id", post.id)
        return data

    def read_post(self, post_id: str, params: dict[str, str]) -> Result:
        if post_id.isdigit():  # a Page: post ids are "<page>_<n>"; any numeric Page exists here
            return 200, {"id": post_id, "name": f"Sandbox Page {post_id}"}
        post = self.state.get_post(post_id)
        if post is None or post.platform != "facebook":
            return no_object(post_id)
        try:
            return 200, self._post_fields(post, params.get("fields", ""))
        except _Failed as failed:
            return failed.result

    def insights(self, post_id: str, params: dict[str, str]) -> Result:
        post = self.state.get_post(post_id)
        if post is None or post.platform != "facebook":
            return no_object(post_id)
        names = [m for m in params.get("metric", "").split(",") if m]
        unknown = [m for m in names if m not in INSIGHTS]
        if not names or unknown:  # one invalid metric fails the whole request, as on Graph
            return graph_error("(#100) The value must be a valid insights metric", 100)
        engagement = self.state.engagement(post_id)
        return 200, {"data": [{
            "name": name, "period": "lifetime", "values": [{"value": engagement[INSIGHTS[name]]}],
            "title": name.replace("_", " ").title(), "description": "Sandbox metric",
            "id": f"{post_id}/insights/{name}/lifetime"} for name in names]}

    def list_feed(self, page_id: str, params: dict[str, str]) -> Result:
        limit = min(100, max(1, int(params.get("limit", "25") or 25)))
        offset = int(params.get("after", "0") or 0)
        posts = self.state.recent_posts("facebook", page_id)
        page = posts[offset:offset + limit]
        body: dict[str, Any] = {"data": [self._post_fields(p, params.get("fields", "")) for p in page]}
        if offset + limit < len(posts):
            body["paging"] = {"cursors": {"before": str(offset), "after": str(offset + limit)}}
        return 200, body

    # batch ---------------------------------------------------------------------
    def batch(self, params: dict[str, str], token: str) -> Result:
        try:
            requests = json.loads(params.get("batch", ""))
        except ValueError:
            return graph_error("(#100) The parameter batch must be a JSON array", 100)
        if not isinstance(requests, list) or not requests:
            return graph_error("(#100) The parameter batch must be a non-empty JSON array", 100)
        if len(requests) > MAX_BATCH:
            return graph_error(f"Too many requests in batch message. Maximum batch size is {MAX_BATCH}", 1)
        return 200, [self._batch_item(item, token) for item in requests]

    def _batch_item(self, item: Any, token: str) -> dict[str, Any] | None:
        method = str(item.get("method", "GET")).upper() if isinstance(item, dict) else "GET"
        relative = str(item.get("relative_url", "")) if isinstance(item, dict) else ""
        path, _, query = relative.partition("?")
        path = "/" + path.lstrip("/")
        params = dict(parse_qsl(query)) | dict(parse_qsl(str(item.get("body", ""))) if isinstance(item, dict) else [])
        params.setdefault("access_token", token)
        key = self.key_for(method, path)
        self.state.count("batch " + key)
        fault = self.faults.take(key, f"{method} {path}")
        if fault is not None and fault.kind not in ("drop_after", "timeout"):
            (status, body), _ = self.fault_result(fault)
        else:
            status, body = self.call(method, path, params, {})
        return {"code": status, "headers": [{"name": "Content-Type", "value": "text/javascript; charset=UTF-8"}],
                "body": json.dumps(body)}


class _Failed(Exception):
    def __init__(self, result: Result):
        super().__init__(result[0])
        self.result = result
