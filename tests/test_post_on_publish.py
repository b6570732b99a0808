"""Post-on-publish end to end: a feed, the seed page, the real CLI, the sandbox platforms.

`distributor run --once` runs as a separate process with the real tweepy and
facebook-sdk code talking HTTP to the sandbox on 127.0.0.1.
"""

from __future__ import annotations

import subprocess

import pytest
from twitter_text import parse_tweet

from distributor.sandbox.server import running_sandbox
from tests.helpers.sandbox_process import sandbox_posts
from tests.helpers.seed_feed import run_cli, write_seed_config
from tests.newsroom import CANONICAL_URL, SEED, NewsSite

SEED_BODY_TEXT = (SEED / "article.html").read_text().split("<div class=\"comments\">")[0]


@pytest.fixture
def world(tmp_path, database_url):
    with NewsSite() as site, running_sandbox() as sandbox:
        config = write_seed_config(tmp_path / "distributor.toml", database_url, site.feed_url, f"""
[[accounts]]
name = "x-main"
platform = "twitter"
api_base_url = "{sandbox}"
[[accounts]]
name = "fb-main"
platform = "facebook"
page_id = "1234567890"
api_base_url = "{sandbox}"
""")
        yield site, sandbox, config


def run_once(config) -> subprocess.CompletedProcess:
    return run_cli(config, "run", "--once")


def test_an_article_is_posted_once_to_each_account_when_it_appears_in_the_feed(world):
    site, sandbox, config = world

    run_once(config)
    assert sandbox_posts(sandbox) == []  # the feed had nothing new

    site.published = True
    run_once(config)
    posts = sandbox_posts(sandbox)
    assert sorted(p["platform"] for p in posts) == ["facebook", "twitter"]

    tweet = next(p for p in posts if p["platform"] == "twitter")
    assert parse_tweet(tweet["text"]).weightedLength <= 280
    assert "U.S. Breaks Off Syria Ceasefire Talks With Russia" in tweet["text"]
    assert CANONICAL_URL in tweet["text"]
    assert len(tweet["media"]) == 1  # the Aleppo photo was uploaded

    facebook = next(p for p in posts if p["platform"] == "facebook")
    assert facebook["link"] == CANONICAL_URL
    quote, speaker = facebook["text"].split("“", 1)[1].split("” — ", 1)
    assert quote in SEED_BODY_TEXT  # a real quote from the article body ...
    assert speaker in ("John Kirby", "Josh Earnest")  # ... with its named speaker
    assert "both sides" not in facebook["text"] + tweet["text"]  # never the reader comment

    run_once(config)
    assert len(sandbox_posts(sandbox)) == 2  # nothing new: nothing posted again


def test_a_feed_seen_for_the_first_time_does_not_post_its_backlog(world):
    site, sandbox, config = world
    site.published = True  # the article is already in the feed when we first look
    run_once(config)
    run_once(config)
    assert sandbox_posts(sandbox) == []
