"""A feed item's summary stands in for a page without a description (the Facebook post's text).

CMSs end their excerpts with furniture of their own: WordPress's "The post …
appeared first on …" and "[…]", "Continue reading…" (The Guardian), "Read
more". Posted as the story's description, that reads as a template artefact.
"""

from __future__ import annotations

import pytest

from distributor.sources.rss import parse_feed


def summary_of(description: str) -> str | None:
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://n.example/</link>'
            f"<item><title>Ferry</title><link>https://n.example/ferry</link><description>{description}</description>"
            "</item></channel></rss>").encode()
    return parse_feed(feed, "https://n.example/feed")[0].summary


@pytest.mark.parametrize("description, expected", [
    ("&lt;p&gt;The council approved the ferry trial on Tuesday night after a long debate [&amp;#8230;]&lt;/p&gt;"
     "&lt;p&gt;The post &lt;a href=\"https://n.example/ferry\"&gt;Ferry trial approved&lt;/a&gt; appeared first on "
     "&lt;a href=\"https://n.example\"&gt;Harbour News&lt;/a&gt;.&lt;/p&gt;",
     "The council approved the ferry trial on Tuesday night after a long debate…"),
    ("The council approved the ferry trial. &lt;a href=\"https://n.example/ferry\"&gt;Continue reading...&lt;/a&gt;",
     "The council approved the ferry trial."),
    ("The council approved the ferry trial. Read more »", "The council approved the ferry trial."),
    ("The council approved the ferry trial (more…)", "The council approved the ferry trial"),
    ("The council approved the ferry trial [...]", "The council approved the ferry trial…"),
])
def test_cms_furniture_is_cut_from_a_feed_summary(description, expected):
    assert summary_of(description) == expected


def test_a_summary_that_only_mentions_such_words_is_kept():
    text = "The post office will open on Sundays, the council said. Read more of our coverage in print."
    assert summary_of(text) == text
    assert summary_of("Continue reading") == "Continue reading"  # nothing else to keep: left as it is


def test_a_sentence_about_a_post_office_is_not_wordpress_furniture():
    text = "The post office worker who appeared first on the scene was praised by the council."
    assert summary_of(text) == text
