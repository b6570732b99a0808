"""A runner-up quote stands in for the pull quote only when it is as trusted as the policy asks.

When the pull quote does not fit whole, the composer prefers another named
quote that does. Under ``review_if_unsure`` that stand-in must be sure too:
the pull quote's confidence let the post go without an editor, and an
unsure runner-up (a speaker found through "she said") went out with it.
"""

from __future__ import annotations

import requests
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Post
from distributor.pipeline import Runtime, run_cycle
from tests.newsroom import Site, rss

SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "at", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ats",
}
TITLE = ("Library opens in the old market hall after the council approves the plans, the budget and the opening "
         "hours for the first year")
SURE = "We will open the new library in March and keep it open every evening, because a town that reads is a town that thinks"
UNSURE = "The roof is the best part of the whole building"
BODY = (f"<p>The council has approved the plans for a library in the old market hall.</p>"
        f"<p>“{SURE},” said Mayor Helen Brooks.</p>"
        "<p>Council member Ruth Adler toured the building site with the architects on Monday.</p>"
        f"<p>“{UNSURE},” she said.</p>")


def page(url: str) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>'
            f'<link rel="canonical" href="{url}"></head><body><article><h1>{TITLE}</h1>{BODY}'
            "</article></body></html>").encode()


def post_of_the_story(engine, sandbox, **account_options) -> tuple[Post, list[str]]:
    with Site() as site:
        site.pages["/feed"] = ("application/rss+xml", rss())
        settings = Settings(
            fetch={"allow_private_networks": True, "timeout_seconds": 5},
            feeds=[{"url": site.url("/feed")}],
            accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox, **account_options}],
        )
        runtime = Runtime(settings, engine)
        run_cycle(runtime)  # the first poll records the (empty) feed
        site.pages["/lib"] = ("text/html; charset=utf-8", page(site.url("/lib")))
        site.pages["/feed"] = ("application/rss+xml", rss((TITLE, site.url("/lib"))))
        run_cycle(runtime)
    with Session(engine) as session:
        post = session.exec(select(Post)).one()
    return post, [p["text"] for p in requests.get(sandbox + "/_sandbox/posts", timeout=5).json()]


def test_an_unsure_runner_up_never_stands_in_for_a_sure_pull_quote(engine, sandbox, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    post, sent = post_of_the_story(engine, sandbox)  # quote_policy = review_if_unsure (the default)
    assert post.state.value == "sent"
    assert len(sent) == 1
    assert UNSURE not in sent[0] and "Ruth Adler" not in sent[0]


def test_auto_still_lets_a_runner_up_stand_in(engine, sandbox, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    _post, sent = post_of_the_story(engine, sandbox, quote_policy="auto")
    assert f"“{UNSURE}” — Ruth Adler" in sent[0]
