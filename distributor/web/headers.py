"""Security headers on every answer of the desk, whoever made it.

A plain ASGI wrapper around the whole application, outside even Starlette's
own error and body-limit middleware, so that an error page, a 413 refused
before any route ran and a 500 carry the same clickjacking protection
(``X-Frame-Options`` and CSP ``frame-ancestors``) as the pages do. A header a
route set itself is kept.

The API docs (``/docs``, Swagger UI served from our own files) get a policy of
their own: Swagger UI starts from an inline script, so ``script-src`` allows
inline scripts there, and only there (the page shows no outside text).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; img-src 'self' https: http: data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
            "object-src 'none'")
CACHEABLE = ("/healthz", "/readyz")


def headers_for(path: str, scheme: str) -> dict[str, str]:
    """The headers an answer to ``path`` carries unless it set them itself."""
    docs = path == "/docs" or path.startswith("/docs/")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "SAMEORIGIN",
        "Content-Security-Policy": DOCS_CSP if docs else CSP,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if path not in CACHEABLE and not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    if scheme == "https":  # believed only from [web] trusted_proxies (ProxyHeadersMiddleware, inside)
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in headers_for(scope.get("path", ""), scope.get("scheme", "http")).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wrap_everything(app) -> None:
    """Put SecurityHeaders outside the whole middleware stack of the Starlette ``app``
    (``add_middleware`` can only put it inside Starlette's error and body-limit layers)."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())
