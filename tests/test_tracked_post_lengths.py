"""An automatic post sent through our click redirect fits its platform with the tracked URL in it.

Bluesky and Threads count a URL as written, and a tracked URL
(``redirect_base``/<code>) can be longer than a short article link: a long
headline composed to fit with the article's link then went over the limit
with the tracked one, and the platform refused the post.
"""

from __future__ import annotations

import pytest
import regex
import requests
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Post
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, article_page, rss

REDIRECT_BASE = "https://social-desk.newsroom-example.example/links/track"
TITLE = "Harbour ferry trial approved after a long night of debate in the council chamber " * 6


@pytest.fixture
def site():
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        yield site


@pytest.mark.parametrize("platform, limit", [("bluesky", 300), ("threads", 500)])
def test_a_tracked_automatic_post_fits_with_its_tracked_url(engine, sandbox, site, monkeypatch, platform, limit):
    monkeypatch.setenv("DISTRIBUTOR_SOCIAL_APP_PASSWORD", "app-password")
    monkeypatch.setenv("DISTRIBUTOR_SOCIAL_ACCESS_TOKEN", "token")
    settings = Settings(
        fetch={"allow_private_networks": True, "timeout_seconds": 5},
        feeds=[{"url": site.url("/feed")}],
        links={"redirect_base": REDIRECT_BASE},
        accounts=[{"name": "social", "platform": platform, "handle": "news.bsky.social", "user_id": "7",
                   "api_base_url": sandbox}],
    )
    runtime = Runtime(settings, engine)
    run_cycle(runtime)  # first sight of the (empty) feed
    site.pages["/a"] = ("text/html; charset=utf-8", article_page(TITLE.strip(), site.url("/a")))
    site.pages["/feed"] = ("application/rss+xml", rss((TITLE.strip(), site.url("/a"))))
    run_cycle(runtime)

    with Session(engine) as session:
        post = session.exec(select(Post)).one()
        assert (post.state.value, post.error) == ("sent", None)
    [sent] = requests.get(f"{sandbox}/_sandbox/posts", timeout=5).json()
    assert REDIRECT_BASE in sent["text"]
    assert len(regex.findall(r"\X", sent["text"])) <= limit
    assert sent["text"].split("\n")[0].endswith("…")  # the headline gave way, not the link
