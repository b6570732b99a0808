"""The fake Bluesky PDS + AppView: the XRPC methods the atproto SDK calls for us.

Shapes follow the lexicons: sessions (``accessJwt``/``refreshJwt`` as real,
decodable JWTs with ``exp``), ``uploadBlob`` blobs, ``createRecord`` of
``app.bsky.feed.post`` (300 graphemes, 3,000 bytes, facets with UTF-8 byte
offsets, an ``app.bsky.embed.external`` card or ``app.bsky.embed.images``),
``getPosts`` (at most 25 URIs), ``getAuthorFeed``; errors as
``{"error", "message"}`` (``ExpiredToken``, ``InvalidToken``,
``AuthenticationRequired``, ``InvalidRequest``, ``RateLimitExceeded`` with
``ratelimit-*`` headers). A ``createRecord`` with an ``rkey`` the repo already
has is refused (``InvalidRequest``: the record exists), which is what makes a
retry with the same rkey safe.

Faults: ``expired_token`` revokes the account's app password (every session and
new logins are refused: the adapter must report AuthExpired); ``session_expired``
expires the current access token only (the adapter must refresh and go on).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from typing import Any, Callable

import regex
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from distributor.platforms.specs import SPECS
from distributor.sandbox.faults import Fault
from distributor.sandbox.state import Media, Post, SandboxState, iso, utcnow
from distributor.sandbox.wire import Answer, json_response

SPEC = SPECS["bluesky"]
MAX_GRAPHEMES = SPEC.text.max_length
MAX_BYTES = SPEC.text.max_bytes or 3000
MAX_URIS = SPEC.metrics_batch_size
MAX_BLOB_BYTES = SPEC.max_image_bytes
ACCESS_SECONDS = 2 * 3600  # the PDS's access JWTs live about two hours
REFRESH_SECONDS = 60 * 24 * 3600
POST = "app.bsky.feed.post"
RECORD_EXISTS = "Record already exists"  # (the reference PDS's wording: unverified)


def error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(json_response({"error": name, "message": message}, status, headers))


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def did_for(handle: str) -> str:
    return "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]


class BlueskyApi:
    platform = "bluesky"

    def __init__(self, state: SandboxState):
        self.state = state
        self._lock = threading.Lock()
        self.access_seconds = ACCESS_SECONDS
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._tokens: dict[str, tuple[str, str, float]] = {}  # jwt -> (did, kind, expires)
            self._revoked: set[str] = set()  # dids whose app password was revoked
            self._handles: dict[str, str] = {}
            self.access_seconds = ACCESS_SECONDS

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        if "access_seconds" in settings:
            seconds = float(settings["access_seconds"])
            if seconds <= 0:
                raise ValueError("access_seconds must be positive")
            self.access_seconds = seconds
        return {"access_seconds": self.access_seconds}

    def routes(self) -> list[tuple[str, str, str, Callable]]:
        x = "/xrpc/"
        return [(method, x + nsid, f"{method} {x}{nsid}", handler) for method, nsid, handler in (
            ("POST", "com.atproto.server.createSession", self.create_session),
            ("POST", "com.atproto.server.refreshSession", self.refresh_session),
            ("GET", "com.atproto.server.getSession", self.get_session),
            ("GET", "app.bsky.actor.getProfile", self.get_profile),
            ("POST", "com.atproto.repo.uploadBlob", self.upload_blob),
            ("POST", "com.atproto.repo.createRecord", self.create_record),
            ("POST", "com.atproto.repo.deleteRecord", self.delete_record),
            ("GET", "app.bsky.feed.getPosts", self.get_posts),
            ("GET", "app.bsky.feed.getAuthorFeed", self.get_author_feed),
        )]

    def seed_id(self, account: str) -> str:
        did = did_for(account)
        return f"at://{did}/{POST}/{_tid(time.time_ns() // 1000 + self.state.next_number(), 0)}"

    # sessions ------------------------------------------------------------------------
    def _jwt(self, did: str, kind: str, seconds: float) -> str:
        now = int(time.time())
        scope = "com.atproto.appPass" if kind == "access" else "com.atproto.refresh"
        payload = {"scope": scope, "sub": did, "iat": now, "exp": now + int(seconds), "aud": "did:web:sandbox"}
        if kind == "refresh":
            payload["jti"] = secrets.token_hex(8)
        token = f"{_b64({'typ': 'at+jwt' if kind == 'access' else 'refresh+jwt', 'alg': 'HS256'})}.{_b64(payload)}." \
                f"{base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b'=').decode()}"
        with self._lock:
            self._tokens[token] = (did, kind, now + seconds)
        return token

    def _session_json(self, did: str) -> dict[str, Any]:
        return {"did": did, "handle": self._handles.get(did, did), "active": True,
                "accessJwt": self._jwt(did, "access", self.access_seconds),
                "refreshJwt": self._jwt(did, "refresh", REFRESH_SECONDS)}  # no didDoc: the client stays on this PDS

    def caller(self, request: Request, kind: str = "access") -> str:
        """The did of the bearer of a valid token of ``kind``; the PDS's own refusals otherwise."""
        header = request.headers.get("authorization", "")
        token = header[len("Bearer "):].strip() if header.startswith("Bearer ") else ""
        if not token:
            raise error(401, "AuthenticationRequired", "Authentication Required")
        with self._lock:
            found = self._tokens.get(token)
        if found is None or found[1] != kind or found[0] in self._revoked:
            raise error(400, "InvalidToken", "Token could not be verified")
        if found[2] <= time.time():
            raise error(400, "ExpiredToken", "Token has expired")
        return found[0]

    def expire_sessions(self) -> None:
        """Every access token now expired (their JWTs still say otherwise): the client must refresh."""
        with self._lock:
            self._tokens = {t: (d, k, 0 if k == "access" else e) for t, (d, k, e) in self._tokens.items()}

    def fault_response(self, fault: Fault, request: Request, key: str) -> Response:
        if fault.kind == "429":
            reset = int(time.time() + fault.reset_in + 0.999)
            headers = {"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset),
                       "ratelimit-policy": "5000;w=3600"}
            return json_response({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, headers)
        if fault.kind == "500":
            return json_response({"error": "InternalServerError", "message": "Internal Server Error"}, 500)
        if fault.kind == "html502":
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", 502)
        if fault.kind == "no_content_type":
            response = Response(b"Bad Gateway", 502)
            del response.headers["content-type"]
            return response
        if fault.kind == "expired_token":  # the app password was revoked
            header = request.headers.get("authorization", "")
            with self._lock:
                found = self._tokens.get(header[len("Bearer "):].strip())
                if found:
                    self._revoked.add(found[0])
            return json_response({"error": "InvalidToken", "message": "Token has been revoked"}, 400)
        if fault.kind == "session_expired":
            self.expire_sessions()
            return json_response({"error": "ExpiredToken", "message": "Token has expired"}, 400)
        if fault.kind == "duplicate":
            return json_response({"error": "InvalidRequest", "message": RECORD_EXISTS}, 400)
        status = fault.code or 400
        return json_response({"error": "InvalidRequest", "message": fault.message or f"Sandbox fault {status}"}, status)

    # handlers ------------------------------------------------------------------------
    async def create_session(self, request: Request) -> Response:
        body = await _json(request)
        identifier, password = str(body.get("identifier") or ""), str(body.get("password") or "")
        if not identifier or not password:
            raise error(400, "InvalidRequest", "identifier and password are required")
        did = identifier if identifier.startswith("did:") else did_for(identifier)
        if did in self._revoked:
            raise error(401, "AuthenticationRequired", "Invalid identifier or password")
        with self._lock:
            self._handles.setdefault(did, identifier)
        return json_response(self._session_json(did))

    async def refresh_session(self, request: Request) -> Response:
        did = self.caller(request, "refresh")
        return json_response(self._session_json(did))

    async def get_session(self, request: Request) -> Response:
        did = self.caller(request)
        return json_response({"did": did, "handle": self._handles.get(did, did), "active": True})

    def _profile(self, did: str) -> dict[str, Any]:
        handle = self._handles.get(did, did)
        return {"did": did, "handle": handle, "displayName": handle.split(".")[0]}

    async def get_profile(self, request: Request) -> Response:
        self.caller(request)
        actor = request.query_params.get("actor", "")
        did = actor if actor.startswith("did:") else did_for(actor)
        return json_response(self._profile(did) | {"followersCount": 0, "followsCount": 0, "postsCount": 0})

    async def upload_blob(self, request: Request) -> Response:
        did = self.caller(request)
        content = await request.body()
        if len(content) > MAX_BLOB_BYTES:
            raise error(400, "BlobTooLarge", f"This file is too large. It is {len(content)} bytes, the limit is "
                                             f"{MAX_BLOB_BYTES}")
        cid = "bafkrei" + hashlib.sha256(content).hexdigest()[:52]
        mime = request.headers.get("content-type", "application/octet-stream")
        media = Media(cid, self.platform, did, mime, len(content), sha256=hashlib.sha256(content).hexdigest(),
                      finalized=True, content=content)
        with self.state.lock:
            self.state.media[cid] = media
        return json_response({"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime,
                                       "size": len(content)}})

    async def create_record(self, request: Request) -> Response:
        did = self.caller(request)
        body = await _json(request)
        repo, collection, record = body.get("repo"), body.get("collection"), body.get("record")
        if repo not in (did, self._handles.get(did)):
            raise error(400, "InvalidRequest", "Input/repo must be the authenticated account")
        if collection != POST or not isinstance(record, dict):
            raise error(400, "InvalidRequest", f"Invalid collection: {collection}")
        text = str(record.get("text") or "")
        if len(regex.findall(r"\X", text)) > MAX_GRAPHEMES or len(text.encode("utf-8")) > MAX_BYTES:
            raise error(400, "InvalidRequest",
                        f"Invalid app.bsky.feed.post record: Record/text must not be longer than {MAX_GRAPHEMES} graphemes")
        rkey = str(body.get("rkey") or _tid(time.time_ns() // 1000, self.state.next_number() % 1024))
        uri = f"at://{did}/{POST}/{rkey}"
        media, link = self._embedded(record, did, text)
        with self.state.lock:
            existing = self.state.posts.get(uri)
            if existing is not None:
                raise error(400, "InvalidRequest", RECORD_EXISTS)
            cid = "bafyrei" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:52]
            post = Post(self.platform, self._handles.get(did, did), uri, text, link, utcnow(), media, author_id=did,
                        extra={"record": record, "cid": cid})
            self.state.add_post(post)
        return json_response({"uri": uri, "cid": cid, "validationStatus": "valid"})

    def _embedded(self, record: dict[str, Any], did: str, text: str) -> tuple[list[Media], str | None]:
        """The blobs a record uses (each must be uploaded by this account), and its link (card or facet)."""
        embed = record.get("embed") or {}
        blobs: list[tuple[dict, str | None]] = []
        link = None
        if embed.get("$type") == "app.bsky.embed.images":
            blobs = [(i.get("image") or {}, i.get("alt")) for i in embed.get("images") or []]
            if len(blobs) > SPEC.capabilities.images:
                raise error(400, "InvalidRequest", "Record/embed/images must not have more than 4 elements")
        elif embed.get("$type") == "app.bsky.embed.external":
            external = embed.get("external") or {}
            link = external.get("uri")
            if not external.get("title") and external.get("title") != "":
                raise error(400, "InvalidRequest", "Record/embed/external must have the property \"title\"")
            if external.get("thumb"):
                blobs = [(external["thumb"], external.get("title"))]
        media = []
        for blob, alt in blobs:
            cid = ((blob or {}).get("ref") or {}).get("$link")
            found = self.state.media.get(cid or "")
            if found is None or found.account != did:
                raise error(400, "InvalidRequest", f"Could not find blob: {cid}")
            media.append(Media(found.id, found.platform, did, found.mime, found.size, sha256=found.sha256,
                               alt_text=alt, finalized=True, content=found.content))
        encoded = text.encode("utf-8")
        for facet in record.get("facets") or []:
            index = facet.get("index") or {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(encoded)):
                raise error(400, "InvalidRequest", "Record/facets/index is out of the text's bytes")
            for feature in facet.get("features") or []:
                if feature.get("$type") == "app.bsky.richtext.facet#link":
                    if encoded[start:end].decode("utf-8", "replace") not in (feature.get("uri"),):
                        pass  # a shortened link text is allowed: the facet carries the whole URI
                    link = link or feature.get("uri")
        return media, link

    async def delete_record(self, request: Request) -> Response:
        did = self.caller(request)
        body = await _json(request)
        uri = f"at://{body.get('repo')}/{body.get('collection')}/{body.get('rkey')}"
        post = self.state.get_post(uri)
        if post is not None and post.author_id == did:
            self.state.delete_post(uri)
        return json_response({})

    def post_view(self, post: Post) -> dict[str, Any]:
        counts = self.state.engagement(post.id)
        record = post.extra.get("record") or {"$type": POST, "text": post.text, "createdAt": iso(post.created_at)}
        did = post.author_id or did_for(post.account)
        view = {"uri": post.id, "cid": post.extra.get("cid") or "bafyreiseed",
                "author": self._profile(did), "record": record,
                "likeCount": counts["likes"], "repostCount": counts["shares"], "replyCount": counts["comments"],
                "quoteCount": 0, "indexedAt": iso(post.created_at)}
        embed = record.get("embed") or {}
        if embed.get("$type") == "app.bsky.embed.external":
            external = embed.get("external") or {}
            view["embed"] = {"$type": "app.bsky.embed.external#view", "external": {
                "uri": external.get("uri", ""), "title": external.get("title", ""),
                "description": external.get("description", ""),
                **({"thumb": f"/_sandbox/media/{post.media[0].id}"} if post.media else {})}}
        return view

    async def get_posts(self, request: Request) -> Response:
        self.caller(request)
        uris = request.query_params.getlist("uris")
        if len(uris) > MAX_URIS:
            raise error(400, "InvalidRequest", f"Error: uris must not have more than {MAX_URIS} elements")
        found = [self.state.get_post(u) for u in uris]
        return json_response({"posts": [self.post_view(p) for p in found if p is not None and p.platform == self.platform]})

    async def get_author_feed(self, request: Request) -> Response:
        self.caller(request)
        actor = request.query_params.get("actor", "")
        did = actor if actor.startswith("did:") else did_for(actor)
        limit = min(int(request.query_params.get("limit") or 50), 100)
        posts = [p for p in self.state.live_posts() if p.platform == self.platform and p.author_id == did]
        return json_response({"feed": [{"post": self.post_view(p)} for p in list(reversed(posts))[:limit]]})


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def _tid(micros: int, clock: int) -> str:
    number = (micros << 10) | (clock & 1023)
    return "".join(_TID_ALPHABET[(number >> (5 * i)) & 31] for i in range(12, -1, -1))


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise error(400, "InvalidRequest", "Request body is not JSON") from None
    if not isinstance(body, dict):
        raise error(400, "InvalidRequest", "Request body must be an object")
    return body
