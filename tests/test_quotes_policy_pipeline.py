"""Automatic posts under each account's quote policy, over a real database, a local site and the sandbox."""

from __future__ import annotations

import pytest
import requests
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Post, PostEvent, PostState
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, rss

SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
}
SURE = "<p>“We will open the new library in March,” said Mayor Helen Brooks.</p>"
# The speaker only as "she": the extractor is unsure.
UNSURE = ("<p>Mayor Helen Brooks toured the building site with the architects on Monday.</p>"
          "<p>“We will open the new library in March,” she said.</p>")
QUOTE = "We will open the new library in March"


def page(title: str, url: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="{url}"></head><body><article><h1>{title}</h1>'
            f"<p>The council has approved the plans for a library in the old market hall.</p>{body}"
            f"</article></body></html>").encode()


@pytest.fixture
def story(engine, sandbox, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

    def run(body: str, **account_options):
        with Site() as site:
            site.pages["/feed"] = ("application/rss+xml", rss())
            settings = Settings(
                fetch={"allow_private_networks": True, "timeout_seconds": 5},
                feeds=[{"url": site.url("/feed")}],
                accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox, **account_options}],
            )
            runtime = Runtime(settings, engine)
            run_cycle(runtime)  # the first poll records the (empty) feed
            site.pages["/lib"] = ("text/html; charset=utf-8", page("Library opens", site.url("/lib"), body))
            site.pages["/feed"] = ("application/rss+xml", rss(("Library opens", site.url("/lib"))))
            run_cycle(runtime)
        sent = [p["text"] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]
        with Session(engine) as session:
            post = session.exec(select(Post)).one()
            history = [e.reason or "" for e in session.exec(select(PostEvent).where(PostEvent.post_id == post.id))]
            return post.state, post.quote_confidence, history, sent

    return run


def test_a_sure_quote_goes_out_with_its_confidence_on_the_post(story):
    state, confidence, _, sent = story(SURE)
    assert state == PostState.sent
    assert len(sent) == 1 and QUOTE in sent[0]
    assert confidence >= 0.7


def test_an_unsure_quote_waits_for_an_editor_saying_why(story):
    state, confidence, history, sent = story(UNSURE)
    assert state == PostState.awaiting_approval and sent == []
    assert any("held for an editor" in line and "confidence" in line for line in history)
    assert confidence < 0.7


def test_drop_quote_posts_at_once_without_the_quote(story):
    state, confidence, history, sent = story(UNSURE, unsure_quote="drop_quote")
    assert state == PostState.sent
    assert len(sent) == 1 and QUOTE not in sent[0]
    assert confidence is None
    assert any("without its quote" in line for line in history)


def test_auto_posts_an_unsure_quote(story):
    state, _, _, sent = story(UNSURE, quote_policy="auto")
    assert state == PostState.sent and QUOTE in sent[0]


def test_never_composes_without_quotes(story):
    state, _, _, sent = story(SURE, quote_policy="never")
    assert state == PostState.sent and QUOTE not in sent[0]
