"""Where a trimmed headline or quote may end: never inside a URL, never with a quotation left open.

A headline that names a page ("... at https://...") cut inside the URL posts
a link to a page that does not exist; one cut inside a quotation leaves its
opening mark hanging, and the reader cannot tell where the quoted words end.
"""

from __future__ import annotations

import re

import pytest
from twitter_text import parse_tweet

from distributor.compose import Composer
from distributor.config import AccountSettings
from distributor.extract.model import Extracted, Quote
from distributor.text import cut_at, cut_points, trim

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


@pytest.mark.parametrize("opening, closing", [("“", "”"), ("„", "“"), ("«\u00a0", "\u00a0»"), ("»", "«"), ('"', '"'), ("「", "」")])
def test_a_headline_cut_inside_a_quotation_closes_it(opening, closing):
    words = "we will not raise taxes on working families this year or next whatever the markets say " * 4
    title = f"Minister tells parliament {opening}{words.strip()}{closing} as the budget debate opens"
    headline = compose(title).split("\n")[0]
    assert parse_tweet(compose(title)).weightedLength <= 280
    assert headline.endswith("…" + closing.strip()), headline
    assert title.startswith(headline.removesuffix(closing.strip()).removesuffix("…"))


def test_a_cut_outside_the_quotation_adds_nothing():
    title = "Minister says “no new taxes” as the budget debate opens " + "in a packed chamber " * 20
    headline = compose(title).split("\n")[0]
    assert headline.endswith("…") and headline.count("“") == headline.count("”") == 1


def test_apostrophes_are_not_quotation_marks():
    text = "The mayor’s plan: ‘We’re building the ferry we’ve promised’ and the port’s reply"
    assert cut_at(text, text.index(" and")) == "The mayor’s plan: ‘We’re building the ferry we’ve promised’…"
    assert cut_at(text, text.index(" the ferry")) == "The mayor’s plan: ‘We’re building…’"


def test_an_inner_quotation_in_a_trimmed_pull_quote_is_closed_before_the_outer_mark():
    quote = "My grandmother told me ‘the ferry will come back one day, you wait and see, " + "you wait " * 30 + "’"
    text = compose("Ferry trial approved", quote=quote)
    assert parse_tweet(text).weightedLength <= 280
    assert "…’” — Amara Okafor" in text


def test_shorten_stays_within_its_length_with_the_closing_mark():
    text = "Minister: “we will not raise taxes on working families this year”"
    short = trim(text, 40)
    assert short.endswith("…”") and len(short) <= 41  # at most 40 characters plus the ellipsis


def test_a_soft_hyphen_is_not_a_place_to_cut():
    """German and Dutch CMSs put soft hyphens (&shy;) into long words for the page's layout."""
    title = "Karlsruhe: " + "Bundes\xadverfassungs\xadgericht " * 3 + "kippt das Gesetz"
    assert all(title[p - 1] != "\xad" for p in cut_points(title) if p)
    assert trim(title, 45).split()[-1] in ("Bundes\xadverfassungs\xadgericht…", "kippt…", "das…", "Gesetz…")
