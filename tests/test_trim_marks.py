"""Where a trimmed headline or quote may end: never inside a URL.

A headline that names a page ("... at https://...") cut inside the URL posts
a link to a page that does not exist.
"""

from __future__ import annotations

import re

import pytest
from twitter_text import parse_tweet

from distributor.compose import Composer
from distributor.config import AccountSettings
from distributor.extract.model import Extracted, Quote
from distributor.text import cut_points

LINK = "https://news.example/2026/12/01/harbour-ferry-trial/"
PAGE = "https://council.example/minutes/2026/ferry/harbour-trial-report"


def compose(title: str, platform: str = "twitter", quote: str | None = None, **options) -> str:
    article = Extracted(source="test", title=title, canonical_url=LINK,
                        pull_quote=Quote(quote, "Amara Okafor", 1.0, 0.9) if quote else None)
    account = AccountSettings(name="a", platform=platform, handle="n.bsky.social", user_id="1",
                              api_base_url="https://mastodon.example", **options)
    return Composer().compose(article, account).text


def test_no_cut_point_falls_inside_a_url():
    text = f"Read the council's report at {PAGE} before the vote"
    start = text.index(PAGE)
    inside = [p for p in cut_points(text) if start < p < start + len(PAGE)]
    assert inside == []


def test_a_headline_is_never_cut_inside_the_url_it_names():
    # the platforms' limits fall inside the URL: Bluesky counts its characters, Mastodon and X a fixed 23
    title = "Residents say " * 15 + f"read the report at {PAGE} before the vote"
    for platform, options in (("bluesky", {}), ("mastodon", {"max_characters": 280}), ("twitter", {})):
        headline = compose(title, platform, **options).split("\n")[0]
        urls = re.findall(r"https?://[^\s…]*", headline)
        assert urls in ([], [PAGE]), headline  # the URL whole, or left out

