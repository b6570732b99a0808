"""A breaking-news burst: a feed publishes many items between two polls.

The stories go out in the order they were published (as they would have,
had each been seen alone), whatever order the feed lists them in; none is
dropped, and a paced account's later posts say why they wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Article, Post, PostEvent
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, article_page, rss

SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
}
BURST = 30


def dated_feed(items: list[tuple[str, str, datetime]]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for title, link, when in items
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://x/</link>'
            f"<description>d</description>{body}</channel></rss>").encode()


@pytest.fixture
def site():
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        yield site


@pytest.fixture
def runtime(engine, sandbox, site, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        fetch={"allow_private_networks": True, "timeout_seconds": 5},
        feeds=[{"url": site.url("/feed")}],
        accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "min_gap_minutes": 10}],
    )
    return Runtime(settings, engine)


def publish_burst(site, order) -> list[str]:
    """BURST stories published a second apart, since the last poll; the feed lists them in ``order``;
    returns titles oldest first."""
    now = datetime.now(timezone.utc)
    stories = []
    for n in range(BURST):
        title = f"Flood update number {n:02d}"
        site.pages[f"/u{n}"] = ("text/html; charset=utf-8", article_page(title, site.url(f"/u{n}")))
        stories.append((title, site.url(f"/u{n}"), now + timedelta(seconds=n - BURST)))
    site.pages["/feed"] = ("application/rss+xml", dated_feed(order(stories)))
    return [title for title, _link, _when in stories]


def queue_in_order(engine) -> list[tuple[str, Post]]:
    with Session(engine) as session:
        rows = session.exec(select(Post, Article).join(Article, Article.id == Post.article_id)
                            .order_by(Post.scheduled_at, Post.id)).all()
        return [(article.title, post) for post, article in rows]


@pytest.mark.parametrize("order", [
    pytest.param(lambda items: items[::-1], id="newest-first"),
    pytest.param(lambda items: items[1::2] + items[0::2], id="shuffled"),
])
def test_a_burst_goes_out_in_the_order_it_was_published(runtime, site, sandbox, engine, order):
    run_cycle(runtime)  # first sight of the (empty) feed
    titles = publish_burst(site, order)
    run_cycle(runtime)

    queue = queue_in_order(engine)
    assert [title for title, _post in queue] == titles  # every story, each once, oldest first
    sent = [p["text"].split("\n")[0] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]
    assert sent == [titles[0]]  # the paced account's first post is the first story, the rest wait


def test_a_post_pushed_back_by_the_gap_says_so(runtime, site, sandbox, engine):
    run_cycle(runtime)
    publish_burst(site, lambda items: items[::-1])
    run_cycle(runtime)

    last = queue_in_order(engine)[-1][1]
    with Session(engine) as session:
        reasons = [e.reason for e in session.exec(select(PostEvent).where(PostEvent.post_id == last.id))]
    assert any("min_gap_minutes" in (reason or "") and "next free slot" in reason for reason in reasons), reasons


def test_a_burst_paced_past_max_delay_hours_waits_for_an_editor_instead_of_going_out_late(engine, sandbox, site,
                                                                                           monkeypatch):
    """30 stories at one an hour would reach 29 hours: those past max_delay_hours are not sent by themselves."""
    from distributor import posts
    from distributor.models import PostState

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        fetch={"allow_private_networks": True, "timeout_seconds": 5},
        feeds=[{"url": site.url("/feed")}],
        accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox, "min_gap_minutes": 60,
                   "max_delay_hours": 10.5}],
    )
    runtime = Runtime(settings, engine)
    run_cycle(runtime)
    titles = publish_burst(site, lambda items: items[::-1])
    run_cycle(runtime)

    queue = queue_in_order(engine)
    states = {title: PostState(post.state) for title, post in queue}
    assert [t for t in titles if states[t] is PostState.queued or states[t] is PostState.sent] == titles[:11]
    assert [t for t in titles if states[t] is PostState.awaiting_approval] == titles[11:]  # 11 h and later
    held = queue[-1][1]
    with Session(engine) as session:
        reasons = [e.reason or "" for e in session.exec(select(PostEvent).where(PostEvent.post_id == held.id))]
        assert any("after publication, past max_delay_hours = 10.5" in r for r in reasons), reasons
        posts.approve(session, held.id, "editor@example.com")  # an editor may still send it, at its slot
        session.commit()
        assert PostState(session.get(Post, held.id).state) is PostState.queued
