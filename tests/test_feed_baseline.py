"""A feed's baseline: the first poll that lists items, not the first poll.

A CMS glitch that answers an empty feed (or an error) the first time must not
make the next poll's whole back catalogue look new.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Article, ArticleState
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, article_page, rss

SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
}


@pytest.fixture
def site():
    with Site() as site:
        yield site


@pytest.fixture
def runtime(engine, sandbox, site, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        fetch={"allow_private_networks": True, "timeout_seconds": 5},
        feeds=[{"url": site.url("/feed")}],
        accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox}],
    )
    return Runtime(settings, engine)


def back_catalogue(site, count: int) -> list[tuple[str, str]]:
    items = []
    for n in range(count):
        title = f"Yesterday's story number {n}"
        site.pages[f"/s{n}"] = ("text/html; charset=utf-8", article_page(title, site.url(f"/s{n}")))
        items.append((title, site.url(f"/s{n}")))
    return items


def posted(sandbox) -> list[str]:
    return [p["text"].split("\n")[0] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]


@pytest.mark.parametrize("glitch", [
    pytest.param(lambda site: site.pages.__setitem__("/feed", ("application/rss+xml", rss())), id="empty-feed"),
    pytest.param(lambda site: site.pages.pop("/feed", None), id="feed-missing"),
])
def test_a_glitch_on_the_first_poll_does_not_post_the_back_catalogue(runtime, site, sandbox, engine, glitch):
    glitch(site)
    run_cycle(runtime)  # the CMS answers nothing (or an error) the first time
    run_cycle(runtime)  # and again
    catalogue = back_catalogue(site, 5)
    site.pages["/feed"] = ("application/rss+xml", rss(*catalogue, when=datetime.now(timezone.utc) - timedelta(hours=3)))
    run_cycle(runtime)

    assert posted(sandbox) == []
    with Session(engine) as session:
        states = [(a.state, a.error) for a in session.exec(select(Article))]
    assert states == [(ArticleState.skipped, "backlog when the feed was first seen")] * 5

    site.pages["/new"] = ("text/html; charset=utf-8", article_page("The first really new story", site.url("/new")))
    site.pages["/feed"] = ("application/rss+xml", rss(("The first really new story", site.url("/new")), *catalogue))
    run_cycle(runtime)
    assert posted(sandbox) == ["The first really new story"]


def test_a_story_published_after_the_empty_answer_is_new(runtime, site, sandbox, engine):
    site.pages["/feed"] = ("application/rss+xml", rss())
    run_cycle(runtime)  # an empty answer
    catalogue = back_catalogue(site, 3)
    site.pages["/fresh"] = ("text/html; charset=utf-8", article_page("Published after the empty poll", site.url("/fresh")))
    old = rss(*catalogue, when=datetime.now(timezone.utc) - timedelta(hours=3))
    fresh = rss(("Published after the empty poll", site.url("/fresh")))
    site.pages["/feed"] = ("application/rss+xml", old.replace(b"<item>", fresh.split(b"</description>", 1)[1]
                                                               .split(b"</channel>")[0] + b"<item>", 1))
    run_cycle(runtime)
    assert posted(sandbox) == ["Published after the empty poll"]  # the back catalogue stays unposted
