"""The seed article on all five platforms: the real CLI, the real SDKs, the sandbox on 127.0.0.1.

`distributor run --once` posts the seed article once per account; each post is
checked against its platform's own counting (independently of our composer),
with the link card or facet, the image and its alt text where the platform has
them. Then the engagement report has a row for every platform.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import regex
from twitter_text import parse_tweet

from distributor.sandbox.server import running_sandbox
from tests.helpers.sandbox_process import sandbox_posts
from tests.helpers.seed_feed import SECRETS as SEED_SECRETS
from tests.helpers.seed_feed import run_cli, write_seed_config
from tests.newsroom import CANONICAL_URL, NewsSite

HEADLINE = "U.S. Breaks Off Syria Ceasefire Talks With Russia"
SECRETS = SEED_SECRETS | {
    "DISTRIBUTOR_BSKY_MAIN_APP_PASSWORD": "app-password",
    "DISTRIBUTOR_MASTO_MAIN_ACCESS_TOKEN": "masto-token",
    "DISTRIBUTOR_THREADS_MAIN_ACCESS_TOKEN": "threads-token",
}


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
post_type = "photo"
api_base_url = "{sandbox}"
[[accounts]]
name = "bsky-main"
platform = "bluesky"
handle = "newsroom.bsky.social"
api_base_url = "{sandbox}"
[[accounts]]
name = "masto-main"
platform = "mastodon"
api_base_url = "{sandbox}"
[[accounts]]
name = "threads-main"
platform = "threads"
user_id = "17841400000000001"
api_base_url = "{sandbox}"
""")
        yield site, sandbox, config


def cli(config, *args: str) -> subprocess.CompletedProcess:
    return run_cli(config, *args, secrets=SECRETS, timeout=180)


def test_the_seed_article_becomes_one_post_per_platform_within_its_limits(world):
    site, sandbox, config = world
    cli(config, "run", "--once")
    site.published = True
    cli(config, "run", "--once")

    posts = {p["platform"]: p for p in sandbox_posts(sandbox)}
    assert sorted(p["platform"] for p in sandbox_posts(sandbox)) == sorted(
        ["twitter", "facebook", "bluesky", "mastodon", "threads"])
    for name in ("twitter", "bluesky", "mastodon", "threads"):  # Facebook's headline is on its link card
        assert HEADLINE in posts[name]["text"]

    # X: 280 weighted, the link in the text, the photo with its alt text
    x = posts["twitter"]
    assert parse_tweet(x["text"]).weightedLength <= 280
    assert len(x["media"]) == 1 and x["media"][0]["alt_text"]

    # Facebook (a photo post): the photo with alt text, the link in the caption
    fb = posts["facebook"]
    assert len(fb["media"]) == 1 and fb["media"][0]["alt_text"] and CANONICAL_URL in fb["text"]

    # Bluesky: 300 graphemes and 3,000 bytes, a link facet at the link's UTF-8 bytes, a card with thumbnail
    bsky = posts["bluesky"]
    assert len(regex.findall(r"\X", bsky["text"])) <= 300 and len(bsky["text"].encode()) <= 3000
    encoded = bsky["text"].encode("utf-8")
    [link_facet] = [f for f in bsky["record"]["facets"]
                    if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"]
    start, end = link_facet["index"]["byteStart"], link_facet["index"]["byteEnd"]
    assert encoded[start:end].decode() == CANONICAL_URL == link_facet["features"][0]["uri"]
    assert "“" in bsky["text"][:bsky["text"].index(CANONICAL_URL)]  # bytes count past multi-byte quotes
    card = bsky["record"]["embed"]
    assert card["$type"] == "app.bsky.embed.external"
    assert card["external"]["uri"] == CANONICAL_URL and card["external"]["title"] == HEADLINE
    assert card["external"]["thumb"]["ref"]["$link"] == bsky["media"][0]["id"]

    # Mastodon: 500 with every URL counting 23, the photo with its description
    masto = posts["mastodon"]
    assert len(regex.sub(r"https?://\S+", "x" * 23, masto["text"])) <= 500
    assert masto["link"] == CANONICAL_URL
    assert len(masto["media"]) == 1 and masto["media"][0]["alt_text"]

    # Threads: 500 characters, the image Meta fetched from its URL, with its alt text
    threads = posts["threads"]
    assert len(threads["text"]) <= 500 and CANONICAL_URL in threads["text"]
    assert len(threads["media"]) == 1 and threads["media"][0]["alt_text"]

    cli(config, "run", "--once")
    assert len(sandbox_posts(sandbox)) == 5  # nothing posted twice

    cli(config, "collect", "--all")
    report = json.loads(cli(config, "report", "--by", "platform", "--format", "json").stdout)
    assert sorted(row["key"] for row in report["rows"]) == sorted(posts)
    assert all(row["posts"] == 1 for row in report["rows"])
