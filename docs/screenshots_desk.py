"""Screenshots of the calendar and of the desk on a phone, for the docs:
docs/calendar.png (week, laptop width) and docs/phone.png (the day's calendar at 390 px).

    .venv/bin/python docs/screenshots_desk.py

The same throwaway newsroom as docs/screenshots.py (its seed and pictures), with quiet
hours and a minimum gap on the accounts so the calendar shows them. Everything is
served from 127.0.0.1 and driven with Debian's Chromium through Playwright.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
import screenshots as shared  # noqa: E402 - docs/ is not a package

from distributor import posts  # noqa: E402
from distributor.config import AccountSettings, Settings  # noqa: E402
from distributor.db import make_engine, upgrade  # noqa: E402
from distributor.models import utcnow  # noqa: E402

ZONE = "Europe/London"


def main() -> int:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="distributor-shots-"))
    for index, (slug, *_rest) in enumerate(shared.STORIES):
        (work / f"{slug}.png").write_bytes(shared.picture(shared.STORIES[index][3], index))
    site_server, site = shared._serve_directory(work)
    settings = Settings(
        accounts=[
            AccountSettings(name="x-main", platform="twitter", min_gap_minutes=30, quiet_hours=(23, 6)),
            AccountSettings(name="fb-main", platform="facebook", page_id="1001", quiet_hours=(0, 7)),
            AccountSettings(name="x-breaking", platform="twitter", require_approval=True),
        ],
        web={"timezone": ZONE},
    )
    engine = make_engine(f"sqlite:///{work / 'desk.db'}")
    upgrade(engine)
    shared.seed(engine, settings, site)
    with Session(engine) as session:  # the rest of the week: a few planned posts, one too close to another
        local_now = datetime.now(ZoneInfo(ZONE))
        for days, hour, minute, account, text in ((1, 8, 0, "x-main", "Morning briefing: what to watch today"),
                                                  (1, 8, 10, "x-main", "Traffic: the bridge detour in one map"),
                                                  (2, 12, 30, "fb-main", "Weekend guide: markets, music and the tide table"),
                                                  (3, 18, 0, "x-main", "Match preview: the derby in five numbers")):
            day = (local_now + timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)
            if day > local_now:
                posts.create_post(session, settings.account(account), text=text, at=day, actor="ana@coastaltimes.example")
        session.commit()
    today = datetime.now(ZoneInfo(ZONE)).date().isoformat()
    try:
        with shared.served_desk(settings, engine) as desk, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shared.CHROMIUM, args=shared.CHROMIUM_ARGS)
            for viewport, path, name in (
                (shared.VIEWPORT, f"/calendar?date={today}&view=week", "calendar.png"),
                ({"width": 390, "height": 844}, f"/calendar?date={today}&view=day", "phone.png"),
            ):
                page = browser.new_page(viewport=viewport, device_scale_factor=1)
                shared.log_in(page, desk)
                page.goto(desk + path)
                if name == "phone.png":  # from the first post of the day, as an editor would scroll
                    page.evaluate("document.querySelector('.cal-hour:not(.quiet)').scrollIntoView()")
                    page.screenshot(path=str(shared.DOCS / name))
                else:
                    page.screenshot(path=str(shared.DOCS / name), full_page=True)
                page.close()
            browser.close()
    finally:
        site_server.shutdown()
    print(f"wrote {shared.DOCS / 'calendar.png'} and {shared.DOCS / 'phone.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
