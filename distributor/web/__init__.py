"""The editors' desk: server-rendered pages and the JSON API, in one FastAPI app.

    create_app(settings, engine) -> FastAPI

The lead's `distributor run` serves it with uvicorn beside the scheduler.
Pages log in with a server-side session named by a signed cookie (CSRF token
on every form); the API under /api/ takes bearer tokens only. Everything but
/login, /healthz, the static files and the API's own documentation requires one
or the other. X-Forwarded-For / -Proto count only from ``[web] trusted_proxies``.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from distributor.config import Settings, secret_from_env
from distributor.errors import InvalidInput
from distributor.health import JobClock, metrics_text, readiness
from distributor.web import api, api_accounts, api_sources, hooks, tracking, websub
from distributor.web.auth import LoginRequired, api_user
from distributor.web.headers import wrap_everything
from distributor.web.pages import account, accounts, admin, articles, calendar, compose, login, posts, queue, reports, users
from distributor.web.pages import sources as sources_page
from distributor.web.render import Views
from distributor.web.sessions import CookieSessions
from distributor.web.throttle import LoginThrottle

log = logging.getLogger(__name__)
SECRET_ENV = "DISTRIBUTOR_SECRET_KEY"
STATIC_DIR = Path(__file__).with_name("static")
DOCS_STATIC = "/static/docs"  # Swagger UI's own files (fastapi-offline's package data)
# Paths anyone may open; tests/test_web_security.py holds every other route to login.
# /hooks/<name> and /websub/<token> are public too: they answer only what their own signatures prove.
PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/l/{code}"})

# FastAPI reads a route's whole body before it checks the login: without a ceiling anyone who
# reaches the desk makes it hold any body they send. Far above any real request (the longest
# post a platform takes is Facebook's 63,206 characters; a form sends a few, percent-encoded).
MAX_BODY_BYTES = 4 * 1024 * 1024


def secret_key() -> str:
    """The session-signing key from DISTRIBUTOR_SECRET_KEY, else a random one for this process."""
    key = secret_from_env(SECRET_ENV)
    if key.strip():
        return key
    log.warning("%s is not set: using a random key, so logins end when the process restarts "
                "and several processes cannot share sessions", SECRET_ENV)
    return secrets.token_urlsafe(32)


def _where(error: dict) -> str:
    where = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
    return f"{'.'.join(where)}: " if where else ""


def create_app(settings: Settings, engine: Engine, *, runtime=None, limiter: LoginThrottle | None = None,
               clock: JobClock | None = None) -> FastAPI:
    """The desk for ``settings`` over ``engine``; ``runtime`` (fetcher, composer) is built when not given."""
    from distributor.pipeline import Runtime

    # fastapi-offline: the same FastAPI app, with /docs loading Swagger UI from files in that
    # package (mounted at DOCS_STATIC) instead of a CDN, so the docs work on a closed network.
    # Chosen over swagger-ui-bundle, whose latest release (1.1.0) ships Swagger UI 4.15, which
    # cannot read FastAPI's OpenAPI 3.1; fastapi-offline ships Swagger UI 5 and is maintained.
    from fastapi_offline import FastAPIOffline

    app = FastAPIOffline(title="distributor", summary="The editors' desk: queue, compose, approve; JSON API under /api/.",
                         version="0.1.0", redoc_url=None, static_url=DOCS_STATIC, max_body_size=MAX_BODY_BYTES)
    app.state.settings = settings
    app.state.engine = engine
    app.state.runtime = runtime or Runtime(settings, engine)
    app.state.views = Views(settings.web.timezone)
    app.state.limiter = limiter or LoginThrottle()
    app.state.trusted_proxies = list(settings.web.trusted_proxies)
    app.state.warned_forwarded = False
    from distributor.source_status import RefusalCounter

    app.state.webhook_refusals = RefusalCounter()  # refusals write nothing: counted here for /api/sources

    for router in (login.router, queue.router, compose.router, posts.router, articles.router, reports.router,
                   users.router, account.router, admin.router, accounts.router, api.router, api_accounts.router,
                   hooks.router, websub.router, api_sources.router, sources_page.router,
                   calendar.router):
        app.include_router(router)
    app.include_router(tracking.router_for(settings.links.redirect_base))  # tracked links: public, counted
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.state.clock = clock  # the scheduler's job heartbeats when the service runs us

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        """Alive: the process answers (use /readyz to know it does its job)."""
        return {"ok": True}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        ready, details = readiness(engine, app.state.clock)
        return JSONResponse(details, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False, dependencies=[Depends(api_user)])
    def metrics() -> Response:
        body, content_type = metrics_text(engine, app.state.clock)
        return Response(body, media_type=content_type)

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if request.url.path.startswith("/api/") or request.url.path == "/api":
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        html = app.state.views.templates.get_template("error.html").render(status=exc.status_code, detail=exc.detail)
        return HTMLResponse(html, status_code=exc.status_code, headers=exc.headers)

    def _refused(request: Request, status: int, detail):
        if request.url.path.startswith("/api/") or request.url.path == "/api":
            return JSONResponse({"detail": detail}, status_code=status)
        if isinstance(detail, list):
            detail = "; ".join(f"{_where(e)}{e.get('msg', '')}" for e in detail)
        html = app.state.views.templates.get_template("error.html").render(status=status, detail=detail)
        return HTMLResponse(html, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError):
        # FastAPI's list of {loc, msg, type} for the API (scripts read it); the same, in words, on a page.
        # ``input`` is dropped: it may hold the very bytes (a lone surrogate) that could not be read.
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return _refused(request, 422, errors)

    @app.exception_handler(InvalidInput)
    async def _invalid_input(request: Request, exc: InvalidInput):
        return _refused(request, 422, str(exc))

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _unstorable(request: Request, exc: Exception):
        # The last line of defence: a value that got past the edge checks and that the
        # database refused (PostgreSQL: NUL in text, an integer past BIGINT). The request
        # changed nothing (its transaction rolled back); say so instead of a 500.
        log.warning("refused %s %s: the database could not store a value (%s)", request.method, request.url.path,
                    exc.__class__.__name__)
        return _refused(request, 422, "a value in this request is out of range or cannot be stored "
                                      "(a number too large, or a NUL character in text)")

    # Sessions must be in the scope before anything reads request.session.
    app.add_middleware(CookieSessions, secret_key=secret_key())
    if app.state.trusted_proxies:
        # Outermost, so the client address and scheme (Secure cookies) are the real ones for everything
        # inside. Done here rather than by uvicorn's own option so that the app is the same whoever
        # serves it; service.py turns uvicorn's off (by default it believes anyone on 127.0.0.1).
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=app.state.trusted_proxies)
    from distributor.web.hosts import AllowedHosts, allowed_names

    # Outermost of ours: a request for a name that is not the desk's (DNS rebinding) reaches nothing.
    app.add_middleware(AllowedHosts, allowed=allowed_names(settings.web, settings.links))
    wrap_everything(app)  # security headers on every answer, error pages, 413 and 500 included
    return app


__all__ = ["create_app", "PUBLIC_PATHS"]
