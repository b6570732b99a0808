"""HTML rendering: one Jinja2 environment (autoescape on) and the helpers pages share.

Autoescaping is what keeps an article title like ``<script>`` inert in the UI;
post text is stored verbatim (compose renders with autoescape off) and only
escaped here, at display time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from distributor import inputs
from distributor.compose import TEXT_LIMITS, text_length
from distributor.web.auth import csrf_token
from distributor.platforms.specs import SPECS
from distributor.web.drafting import PLATFORM_LABELS
from distributor.web.queries import age, paused_accounts

TEMPLATES_DIR = Path(__file__).with_name("templates")


class Views:
    """Renders the desk's pages in the editors' time zone."""

    def __init__(self, timezone: str):
        self.zone = ZoneInfo(timezone)
        self.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
        env = self.templates.env
        env.autoescape = True  # also for templates not named .html
        env.filters["local"] = self.local
        env.filters["local_input"] = self.local_input
        env.filters["domain"] = domain
        env.filters["picture"] = picture_src  # a post's image as the browser can load it (quote cards too)
        env.filters["platform_name"] = lambda p: PLATFORM_LABELS.get(p, p)
        env.filters["age"] = age  # how long a post has waited for approval
        env.globals["text_length"] = text_length
        env.globals["TEXT_LIMITS"] = TEXT_LIMITS
        env.globals["PLATFORM_SPECS"] = SPECS  # the live counter's counting rule per platform
        env.globals["timezone_name"] = timezone

    def page(self, request: Request, session: Session, name: str, context: dict[str, Any] | None = None,
             status_code: int = 200) -> HTMLResponse:
        context = dict(context or {})
        context.setdefault("user", getattr(request.state, "user", None))
        context["csrf_token"] = csrf_token(request)
        context["paused"] = paused_accounts(session) if context["user"] else []
        context["flashes"] = request.session.pop("flash", []) if "flash" in request.session else []
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)

    def local(self, value: datetime | None, fmt: str | None = None) -> str:
        """A stored UTC time as the editors read it: 'Today 14:30', 'Tue 24 Nov 2026, 09:05'."""
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        local = value.astimezone(self.zone)
        if fmt:
            return local.strftime(fmt)
        days = (local.date() - datetime.now(self.zone).date()).days
        day = {-1: "Yesterday", 0: "Today", 1: "Tomorrow"}.get(days)
        return f"{day} {local:%H:%M}" if day else local.strftime("%a %d %b %Y, %H:%M")

    def local_input(self, value: datetime | None) -> str:
        """The value of an <input type=datetime-local> in the editors' zone."""
        return self.local(value, "%Y-%m-%dT%H:%M") if value else ""

    def parse_local(self, text: str, *, allow_past: bool = False) -> datetime:
        """'2026-11-25T14:30' typed by an editor -> aware UTC; a past time is refused (InvalidInput)."""
        return inputs.parse_time(text, self.zone, allow_past=allow_past, what="the time")


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    request.session.setdefault("flash", []).append({"kind": kind, "message": message})


def form_text(value) -> str:
    """Text from a <textarea>: browsers send line breaks as CRLF; posts use LF."""
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n")


def domain(url: str | None) -> str:
    if not url:
        return ""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def picture_src(image_url: str | None) -> str:
    """``card:/…/<hash>.png`` (a stored quote card) as the desk's /cards/ URL; other images as they are."""
    from distributor.cards.store import is_card_reference

    if is_card_reference(image_url):
        return "/cards/" + image_url.rsplit("/", 1)[-1]
    return image_url or ""
