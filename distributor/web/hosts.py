"""Which ``Host`` the desk answers to: a refusal of every other, against DNS rebinding.

A desk bound to 127.0.0.1 is still reachable from a web page the editor opens: the
attacker's name (``evil.example``) is made to resolve to 127.0.0.1, and the page's
scripts then talk to the desk as if it were their own site (same origin, so no
CORS stands in the way), with the ``Host: evil.example`` the browser sends.
Answering only to our own names closes that door.

The names: loopback (``localhost``, ``127.0.0.1``, ``::1``), the host of
``[web] public_url`` and of ``[links] redirect_base``, ``[web] host`` when it is
one address (not 0.0.0.0 / ::), and whatever ``[web] allowed_hosts`` adds
(``*.example.com`` for a domain and its sub-domains, ``*`` for any).

Hand-written rather than Starlette's TrustedHostMiddleware: the health checks
(``/healthz``, ``/readyz``, which a container platform calls with whatever
address it likes) and the signed machine doors (``/hooks/``, ``/websub/``) must stay open, and the refusal should name the setting.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "*"})
OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # they reveal nothing a rebinding page could use
# Machine doors, each with its own secret (a webhook's signature, a WebSub callback's token) and no cookie:
# a CMS in the same Docker network calls http://distributor:8000/hooks/cms, a name no setting lists, and a
# rebinding page gains nothing there it could not do by a plain cross-site POST.
OPEN_PREFIXES = ("/hooks/", "/websub/")
MAX_WARNED = 100  # distinct refused names logged (a scan must not fill the log)


def host_name(header: str) -> str:
    """The name part of a Host header, lower-case, without its port or brackets ("" when unreadable)."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else ""
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def allowed_names(web, links=None) -> frozenset[str]:
    """Every name (or ``*.domain`` pattern) a request's Host may be, from the settings."""
    names = set(LOOPBACK_NAMES)
    for url in (web.public_url, getattr(links, "redirect_base", None)):
        if url:
            names.add((urlsplit(url).hostname or "").lower())
    if web.host.strip().lower() not in WILDCARD_BINDS:
        names.add(host_name(web.host))
    names.update(n.strip().lower().rstrip(".") for n in web.allowed_hosts)
    names.discard("")
    return frozenset(names)


def is_allowed(name: str, allowed: frozenset[str]) -> bool:
    if not name:
        return False
    if "*" in allowed or name in allowed:
        return True
    return any(p.startswith("*.") and (name == p[2:] or name.endswith(p[1:])) for p in allowed)


class AllowedHosts:
    """ASGI middleware: a request for any other Host gets 400 with one line saying which setting admits it."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]):
        self.app = app
        self.allowed = allowed
        self.warned: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") or ""
        if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), "")
        name = host_name(header)
        if is_allowed(name, self.allowed):
            await self.app(scope, receive, send)
            return
        shown = header.strip()[:80].encode("ascii", "backslashreplace").decode("ascii")
        if len(self.warned) < MAX_WARNED and shown not in self.warned:
            self.warned.add(shown)
            log.warning("refused a request for host %r: not one of the desk's names (add it to [web] allowed_hosts "
                        "if it is yours)", shown)
        body = (f"this desk does not answer to the host {shown!r}; if that name is yours, add it to "
                "[web] allowed_hosts\n").encode("utf-8")
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
