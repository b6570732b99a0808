"""The seed article posted with image = "quote_card" reaches the sandbox with the card and its alt text.

The real pipeline (feed -> page -> compose -> card -> dispatch) runs in this
process; tweepy and facebook-sdk talk HTTP to the sandbox on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io

import pytest
import requests
from PIL import Image

from distributor.config import load_settings
from distributor.extract import extract_page
from distributor.pipeline import Runtime, run_cycle
from tests.helpers.seed_feed import SECRETS, write_seed_config
from tests.newsroom import SEED, NewsSite

# What extraction reads from the seed page (its choice of pull quote is extraction's business, not ours).
_SEED = extract_page((SEED / "article.html").read_bytes(), url="https://hypeline.example/", source="seed")
SEED_QUOTE, SEED_SPEAKER = _SEED.pull_quote.text, _SEED.pull_quote.speaker
SEED_HEADLINE = "U.S. Breaks Off Syria Ceasefire Talks With Russia"
PHOTO_SHA = hashlib.sha256((SEED / "aleppo-children.jpg").read_bytes()).hexdigest()


def _world(tmp_path, database_url, sandbox, site, image: str, post_type: str = "link"):
    config = write_seed_config(tmp_path / "distributor.toml", database_url, site.feed_url, f"""
[[accounts]]
name = "x-main"
platform = "twitter"
api_base_url = "{sandbox}"
image = "{image}"
[[accounts]]
name = "fb-main"
platform = "facebook"
page_id = "1234567890"
post_type = "{post_type}"
api_base_url = "{sandbox}"
image = "{image}"
[cards]
cache_dir = "card-store"
""")
    return load_settings(config)


def _post_the_seed(tmp_path, engine, database_url, sandbox, monkeypatch, image: str) -> list[dict]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with NewsSite() as site:
        settings = _world(tmp_path, database_url, sandbox, site, image)
        runtime = Runtime(settings, engine)
        run_cycle(runtime)  # first sight of the feed: its (empty) backlog
        site.published = True
        report = run_cycle(runtime, collect=False)
        assert report.dispatched.sent == 2, report
    return requests.get(sandbox + "/_sandbox/posts", timeout=5).json()


def test_the_seed_article_posted_as_a_quote_card_carries_the_card_and_its_alt_text(
        tmp_path, engine, database_url, sandbox, monkeypatch):
    posts = _post_the_seed(tmp_path, engine, database_url, sandbox, monkeypatch, "quote_card")

    cards = {p.name.split(".")[0]: p for p in (tmp_path / "card-store").iterdir() if p.is_file()}
    assert len(cards) == 2  # one per account style: X 16:9 and Facebook 1.91:1
    assert sorted(p["platform"] for p in posts) == ["facebook", "twitter"]  # every platform that takes images
    for post in posts:
        assert len(post["media"]) == 1, post
        media = post["media"][0]
        assert media["sha256"] in cards, "the uploaded picture is the rendered card"
        assert media["sha256"] != PHOTO_SHA
        alt = media["alt_text"]
        assert SEED_QUOTE in alt and SEED_SPEAKER in alt and SEED_HEADLINE in alt
        picture = Image.open(io.BytesIO(cards[media["sha256"]].read_bytes()))
        expected = (1200, 675) if post["platform"] == "twitter" else (1200, 630)
        assert picture.size == expected
    facebook = next(p for p in posts if p["platform"] == "facebook")
    assert "hypeline.example" in facebook["text"]  # a photo post: the link went into the caption


def test_with_image_lead_the_seed_article_carries_its_photo(tmp_path, engine, database_url, sandbox, monkeypatch):
    posts = _post_the_seed(tmp_path, engine, database_url, sandbox, monkeypatch, "lead")
    tweet = next(p for p in posts if p["platform"] == "twitter")
    assert [m["sha256"] for m in tweet["media"]] == [PHOTO_SHA]
    assert not (tmp_path / "card-store").exists()  # no card was made


@pytest.mark.parametrize("image, expect_card", [("auto", False), ("quote_card", True)])
def test_auto_keeps_a_usable_photo(tmp_path, engine, database_url, sandbox, monkeypatch, image, expect_card):
    posts = _post_the_seed(tmp_path, engine, database_url, sandbox, monkeypatch, image)
    tweet = next(p for p in posts if p["platform"] == "twitter")
    assert (tweet["media"][0]["sha256"] != PHOTO_SHA) is expect_card


def test_queue_add_of_an_article_follows_the_accounts_image_setting(tmp_path, engine, database_url, sandbox):
    from distributor.manual import queue_manual_post

    with NewsSite() as site:
        settings = _world(tmp_path, database_url, sandbox, site, "quote_card")
        runtime = Runtime(settings, engine)
        post = queue_manual_post(runtime, settings.account("x-main"), article_url=site.article_url)
        chosen = queue_manual_post(runtime, settings.account("fb-main"), article_url=site.article_url,
                                   image_url=site.url("/wp-content/uploads/2016/10/aleppo-children.jpg"))
    assert post.image_url.startswith("card:") and SEED_QUOTE in post.image_alt
    assert chosen.image_url.endswith("aleppo-children.jpg")  # an image given by hand wins ...
    assert not (chosen.image_alt or "").startswith("Quote card")  # ... and is not described as a card


def test_a_quote_card_reads_an_entity_the_cms_escaped_twice_as_its_character():
    """WordPress's &amp;#8217;: the post's text reads ’ (compose), and so must the card and its alt text,
    which a screen reader says aloud ("We ampersand hash 8217 re")."""
    from distributor.cards import CardSource, alt_text
    from distributor.extract.model import Extracted, Quote

    extracted = Extracted(  # as the extractor reads a page that escaped them twice (&amp;#8217;, &amp;amp;)
        source="https://gazette.example/2026/fish", title="Fish &amp; chips shop stays",
        pull_quote=Quote("We&#8217;re not going anywhere, whatever the council decides tonight",
                         "Mary O&#8217;Brien", 1.0, 1.0))
    said = alt_text(CardSource.from_extracted(extracted))
    assert "&#8217;" not in said and "&amp;" not in said
    assert "We\u2019re not going anywhere" in said and "Mary O\u2019Brien" in said and "Fish & chips shop stays" in said
