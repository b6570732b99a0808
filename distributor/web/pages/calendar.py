"""The calendar: a day or a week of posts per account or for all, in the editors' time zone.

Rescheduling from it goes through the post page's own reschedule route (and so
``posts.reschedule``), which sends the editor back here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlmodel import Session

from distributor import inputs
from distributor.models import User
from distributor.web.auth import check_csrf, db, page_user
from distributor.web.calendar import VIEWS, build

FIRST_YEAR, LAST_YEAR = 1970, 9000
router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _day(text: str | None, zone) -> date:
    if not text:
        return datetime.now(zone).date()
    try:
        day = date.fromisoformat(inputs.clean_text(text, "date", max_length=10))
    except ValueError:
        raise HTTPException(422, f"date {text[:20]!r} is not a day written YYYY-MM-DD") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # a week's edges must stay inside what datetime can hold
        raise HTTPException(422, f"date {day.isoformat()}: pick a day between {FIRST_YEAR} and {LAST_YEAR}")
    return day


@router.get("/calendar")
def calendar_page(
    request: Request,
    date_: str | None = Query(None, alias="date", max_length=40, description="YYYY-MM-DD; default today"),
    account: str | None = Query(None, max_length=inputs.MAX_NAME),
    view: str = Query("week", max_length=10),
    user: User = Depends(page_user),
    session: Session = Depends(db),
):
    settings = request.app.state.settings
    views = request.app.state.views
    zone = views.zone
    day = _day(date_, zone)
    if view not in VIEWS:
        raise HTTPException(422, f"view {view[:20]!r}: one of {', '.join(VIEWS)}")
    names = [a.name for a in settings.accounts]
    if account and account not in names:
        raise HTTPException(422, f"no account named {inputs.clean_text(account, 'account')[:60]!r}; "
                                 f"configured: {', '.join(names) or 'none'}")
    calendar = build(session, view=view, day=day, zone=zone, accounts=list(settings.accounts), account=account or None)
    step = timedelta(days=7 if view == "week" else 1)
    return views.page(request, session, "calendar.html", {
        "calendar": calendar, "view": view, "day": day, "account": account or "", "accounts": names,
        "previous": day - step, "next": day + step, "today": datetime.now(zone).date(),
        "back": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        "gaps": {a.name: a.min_gap_minutes for a in settings.accounts if a.min_gap_minutes},
        "quiet": {a.name: a.quiet_hours for a in settings.accounts if a.quiet_hours},
    })
