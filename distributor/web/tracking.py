"""The tracked links' redirect: ``GET <redirect_base path>/<code>`` -> the post's own link, a person's click counted.

Public (the readers who click are not editors). It leads only where the code's
row says (links.py), so nobody can use it to send people elsewhere.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import links
from distributor.web.auth import client_address
from distributor.web.throttle import client_key

DEFAULT_PATH = "/l"


def redirect_path(redirect_base: str | None) -> str:
    """The path the web process answers tracked links on: ``[links] redirect_base``'s, else /l."""
    return (urlsplit(redirect_base).path.rstrip("/") or DEFAULT_PATH) if redirect_base else DEFAULT_PATH


def router_for(redirect_base: str | None) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    paths = {DEFAULT_PATH, redirect_path(redirect_base)}
    limiter = links.ClickLimiter()

    def follow(code: str, request: Request):
        # A link checker's HEAD, a browser's prefetch or a browser that already clicked
        # (its cookie) is answered without counting: only a person's first click counts.
        counting = (request.method != "HEAD" and not links.is_prefetch(request.headers)
                    and links.seen_cookie(code) not in request.cookies
                    and limiter.allow(code, client_key(client_address(request)), time.monotonic()))  # an IPv6 /64 is one sender
        with Session(request.app.state.engine) as session:
            if not counting:
                target = links.lookup(session, code)
            else:
                target = links.follow(session, code, request.headers.get("user-agent"))
                session.commit()
        if target is None:
            raise HTTPException(404, "no such link")
        answer = RedirectResponse(target, status_code=302)
        if counting:
            answer.set_cookie(links.seen_cookie(code), "1", max_age=links.SEEN_FOR_SECONDS, path=request.url.path,
                              httponly=True, samesite="lax")
        return answer

    for path in sorted(paths):
        router.add_api_route(path + "/{code}", follow, methods=["GET", "HEAD"])
    return router
