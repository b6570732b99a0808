"""Reports: the reports module's HTML (inline SVG charts) in the desk's page; the standalone
document (its own styles, for saving or printing) at /reports/frame."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from distributor import inputs
from distributor.errors import DistributorError
from distributor.models import User
from distributor.web.auth import check_csrf, db, page_user

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
GROUPINGS = ("platform", "account", "article", "template", "section", "hour")


def _report(request: Request, session: Session, since: str, by: str):
    from distributor import reports

    settings = request.app.state.settings
    timezone = settings.web.timezone
    return reports.build_report(session, since=reports.parse_since(since, timezone, "since"),
                                by=by if by in GROUPINGS else "platform", timezone=timezone,
                                schedule_minutes=settings.engagement.schedule_minutes)


@router.get("/reports")
def reports_page(request: Request, since: str = Query("7d", max_length=100), by: str = "platform", user: User = Depends(page_user),
                 session: Session = Depends(db)):
    """The report in the page itself (not a frame: on a phone a frame scrolls inside the page)."""
    from markupsafe import Markup

    from distributor.report_html import render_fragment

    inputs.clean_text(since, "since", max_length=100)  # InvalidInput: a 422 page saying why
    try:
        body, problem = Markup(render_fragment(_report(request, session, since, by))), None  # escaped by report_html
    except DistributorError as exc:
        body, problem = None, str(exc)
    return request.app.state.views.page(request, session, "reports.html", {
        "since": since, "by": by if by in GROUPINGS else "platform", "groupings": GROUPINGS,
        "report": body, "problem": problem,
    }, status_code=422 if problem else 200)


@router.get("/reports/frame")
def report_frame(request: Request, since: str = Query("7d", max_length=100), by: str = "platform", user: User = Depends(page_user),
                 session: Session = Depends(db)):
    """The report document itself, shown in an iframe so its styles stay its own."""
    from distributor import reports

    try:
        body = reports.render_html(_report(request, session, since, by))
    except DistributorError as exc:
        return HTMLResponse(f"<p style='font-family:sans-serif'>{escape(str(exc))}</p>", status_code=422)
    return HTMLResponse(body)
