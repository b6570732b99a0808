"""Composition: what an editor would see in the post, for every platform."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from twitter_text import parse_tweet

from distributor.compose import Composer, builtin_templates_dir, hashtag, trim_words
from distributor.config import AccountSettings
from distributor.errors import ComposeError
from distributor.extract import extract_page
from distributor.extract.model import Extracted, Image, Quote
from distributor.platforms.specs import SPECS

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "golden"
UPDATE = os.environ.get("DISTRIBUTOR_UPDATE_GOLDEN") == "1"
PLATFORMS = [name for name, spec in SPECS.items() if spec.sandbox]  # every platform that publishes somewhere
LINK = "https://news.example/2026/11/25/a-rather-long-slug-for-a-story-about-the-harbour-ferry-trial/"


def account(platform: str, template: str | None = None) -> AccountSettings:
    return AccountSettings(name=f"{platform}-main", platform=platform, page_id="1", template=template,
                           handle="newsroom.bsky.social", user_id="1", api_base_url="https://mastodon.example")


def article(title="Ferry trial approved", quote=None, speaker="Amara Okafor", **kw) -> Extracted:
    return Extracted(
        source="test", title=title, canonical_url=LINK,
        pull_quote=Quote(quote, speaker, 1.0) if quote else None, **kw,
    )


def golden_articles() -> list[Path]:
    pages = [FIXTURES / "seed" / "article.html"]
    pages += sorted((FIXTURES / "extract").glob("*.html")) if (FIXTURES / "extract").is_dir() else []
    return pages


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("page", golden_articles(), ids=lambda p: p.stem)
def test_composed_post_matches_its_reviewed_golden_file(page, platform):
    """Golden files are reviewed by a person; DISTRIBUTOR_UPDATE_GOLDEN=1 rewrites them."""
    extracted = extract_page(page.read_bytes(), url="https://news.example/story", source=page.name)
    post = Composer().compose(extracted, account(platform))
    rendered = f"{post.text}\n---\nlink: {post.link}\nimage: {post.image_url}\n"
    golden = GOLDEN / f"{page.parent.name}-{page.stem}.{platform}.txt"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with DISTRIBUTOR_UPDATE_GOLDEN=1 and review it"
    assert rendered == golden.read_text(encoding="utf-8")
    if platform == "twitter":
        assert parse_tweet(post.text).weightedLength <= 280
    assert_within_limit_as_the_platform_counts(platform, post.text)


def assert_within_limit_as_the_platform_counts(platform: str, text: str) -> None:
    """Counted independently of distributor.compose: each platform's own rule."""
    import regex

    if platform == "twitter":
        assert parse_tweet(text).weightedLength <= 280
    elif platform == "bluesky":  # graphemes, and 3,000 bytes
        assert len(regex.findall(r"\X", text)) <= 300 and len(text.encode()) <= 3000
    elif platform == "mastodon":  # code points, every URL 23
        assert len(regex.sub(r"https?://\S+", "x" * 23, text)) <= 500
    elif platform == "threads":  # code points, but an emoji counts its UTF-8 bytes
        emoji = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")
        assert sum(len(g.encode()) if emoji.search(g) else len(g) for g in regex.findall(r"\X", text)) <= 500
    else:
        assert len(text) <= 63_206


def test_every_platform_has_a_builtin_template():
    from distributor.config import PLATFORMS as CONFIGURED

    for platform in CONFIGURED:
        assert (builtin_templates_dir() / f"{platform}.j2").is_file(), platform


def test_seed_posts_carry_the_pull_quote_with_its_speaker():
    extracted = extract_page((FIXTURES / "seed" / "article.html").read_bytes())
    x = Composer().compose(extracted, account("twitter"))
    fb = Composer().compose(extracted, account("facebook"))
    body = (FIXTURES / "seed" / "article.html").read_text().split('<div class="comments">')[0]
    for post in (x, fb):
        quote, speaker = post.text.split("“", 1)[1].split("” — ", 1)
        speaker = speaker.split("\n", 1)[0]
        assert quote.rstrip("…") in body and speaker in ("John Kirby", "Josh Earnest")
    assert "…”" not in x.text  # a quote that fits whole is preferred to a trimmed one
    assert fb.link == "https://hypeline.example/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/"


def test_text_is_not_html_escaped():
    post = Composer().compose(article(title="Fish & Chips <b>shop</b> “reopens”"), account("twitter"))
    assert "Fish & Chips <b>shop</b> “reopens”" in post.text


PAGE_ESCAPED_TWICE = b"""<!doctype html><html><head><meta charset="utf-8">
<meta property="og:title" content="Fish &amp;amp; chips shop &amp;#8216;closes&amp;#8217;">
<link rel="canonical" href="https://gazette.example/2026/fish-chips"></head><body><article>
<h1>Fish &amp;amp; chips shop &amp;#8216;closes&amp;#8217;</h1>
<p>The shop on the harbour closed its doors on Monday after forty years of trading on the front.</p>
</article></body></html>"""


@pytest.mark.parametrize("platform", ["twitter", "facebook"])
def test_a_headline_and_quote_escaped_twice_by_the_cms_read_as_text(platform):
    """WordPress escapes titles twice (&amp;amp;, &amp;#8217;): the post reads '&', not '&amp;'."""
    extracted = extract_page(PAGE_ESCAPED_TWICE, url="https://gazette.example/2026/fish-chips", source="page")
    text = Composer().compose(extracted, account(platform)).text
    assert "&amp;" not in text and "&#82" not in text
    assert "Fish & chips shop \u2018closes\u2019" in text
    quoted = article(quote="We&#8217;re not going anywhere, whatever the council decides tonight",
                     speaker="Mary O&#8217;Brien")  # as the extractor reads &amp;#8217;
    assert "\u201cWe\u2019re not going anywhere, whatever the council decides tonight\u201d \u2014 Mary O\u2019Brien" in (
        Composer().compose(quoted, account(platform)).text)
    post = Composer().compose(article("R&D; AT&T and M&S: what &nbsp means"), account("twitter")).text
    assert post.startswith("R&D; AT&T and M&S: what &nbsp means")  # no complete known entity: as written
    post = Composer().compose(article("The &notice; board and &copyedit; desk get &#0; votes"), account("twitter"))
    assert post.text.startswith("The &notice; board and &copyedit; desk get &#0; votes")  # not '¬ice;', '©edit;'


def test_a_long_quote_is_trimmed_at_a_word_boundary_and_the_link_kept_whole():
    quote = "We have waited years for a ferry that runs when people actually need it " * 5
    post = Composer().compose(article(quote=quote.strip()), account("twitter"))
    assert parse_tweet(post.text).weightedLength <= 280
    assert post.text.endswith(LINK)
    trimmed = post.text.split("“", 1)[1].split("”", 1)[0]
    assert trimmed.endswith("…") and quote.startswith(trimmed[:-1])
    assert trimmed[:-1].split()[-1] in quote.split()  # cut between words
    assert "Ferry trial approved" in post.text  # the headline is untouched while the quote can give


def test_the_headline_is_trimmed_when_it_alone_is_too_long():
    title = "Council " + "debates the ferry " * 30
    post = Composer().compose(article(title=title.strip()), account("twitter"))
    assert parse_tweet(post.text).weightedLength <= 280
    assert post.text.endswith(LINK)
    assert post.text.split("\n")[0].endswith("…")


def test_a_quote_that_would_be_cut_to_a_stub_is_dropped():
    title = "Harbour " + "ferry " * 38
    quote = "We have waited years for a ferry that runs when people actually need it to run"
    post = Composer().compose(article(title=title.strip(), quote=quote), account("twitter"))
    assert parse_tweet(post.text).weightedLength <= 280
    assert "“" not in post.text and "Amara Okafor" not in post.text


def test_wide_characters_count_double_as_on_x():
    title = "東京で新しいフェリーの試験運航が始まる" * 8  # 152 CJK characters = 304 weighted
    post = Composer().compose(article(title=title), account("twitter"))
    assert parse_tweet(post.text).weightedLength <= 280
    assert len(post.text) < 280 - 23


def test_facebook_post_keeps_the_link_for_the_card_and_the_whole_quote():
    quote = "We have waited years for a ferry that runs when people actually need it " * 5
    post = Composer().compose(article(quote=quote.strip()), account("facebook"))
    assert post.link == LINK
    assert quote.strip() in post.text and "Amara Okafor" in post.text


def test_a_runner_up_quote_that_fits_whole_beats_trimming_the_best_one():
    long_best = "We have waited years for a ferry that runs when people actually need it " * 4
    extracted = article(quote=long_best.strip())
    extracted.quotes = [extracted.pull_quote, Quote("This is a small boat with a big job.", "Amara Okafor", 0.8)]
    post = Composer().compose(extracted, account("twitter"))
    assert "“This is a small boat with a big job.” — Amara Okafor" in post.text


def test_a_quote_without_a_named_speaker_is_never_used():
    post = Composer().compose(article(quote="It is a disgrace and everybody knows it", speaker=None), account("twitter"))
    assert "disgrace" not in post.text


def test_a_users_template_wins_over_the_builtin_one(tmp_path):
    (tmp_path / "twitter.j2").write_text("{{ title | upper }} {{ hashtags | join(' ') }} {{ link }}")
    post = Composer(tmp_path).compose(article(tags=["harbour ferry", "city-council"]), account("twitter"))
    assert post.text == f"FERRY TRIAL APPROVED #HarbourFerry #CityCouncil {LINK}"


def test_a_missing_or_broken_template_is_a_clear_error(tmp_path):
    with pytest.raises(ComposeError, match="nope.j2"):
        Composer().compose(article(), account("twitter", template="nope.j2"))
    (tmp_path / "broken.j2").write_text("{{ title ")
    with pytest.raises(ComposeError, match="broken.j2"):
        Composer(tmp_path).compose(article(), account("twitter", template="broken.j2"))
    (tmp_path / "typo.j2").write_text("{{ titel }}")
    with pytest.raises(ComposeError, match="titel"):
        Composer(tmp_path).compose(article(), account("twitter", template="typo.j2"))


def test_helpers():
    assert trim_words("one two three four", 9) == "one two…"
    assert hashtag("climate change") == "#ClimateChange"
    assert hashtag("2026") == ""


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii headline https://news.example/a/b?c=d and more",
        "Café owners fight rent rise — “We will not close,” said Renée Dufour… https://x.example/é",
        "Two links: news.example/a and http://t.co/x, a bare domain: bbc.co.uk",
        "東京で新しいフェリー 🚢 emoji 👨‍👩‍👧 and keycap 1\ufe0f\u20e3",
        "© 2026 Newsroom ® ‼ ⁉ end",
        "Hangul jamo \u1100\u1161 compose on NFC, e\u0301 too",
        "line\r\nendings\rcount\nonce",
        "ends with a url https://hypeline.example/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/",
        "",
    ],
)
def test_x_length_equals_twitter_texts_own_count(text):
    from distributor.compose import text_length

    assert text_length("twitter", text) == parse_tweet(text).weightedLength


def test_the_only_emoji_starters_below_u2100_are_known():
    from twitter_text.regexp.emoji import emoji

    from distributor.compose import _LOW_EMOJI_STARTS, _LOW_RANGE_END

    starters = {chr(c) for c in range(_LOW_RANGE_END) if emoji.match(chr(c) + "x")}
    assert starters == set(_LOW_EMOJI_STARTS)


def test_importing_the_composer_leaves_twitter_text_for_the_first_measurement():
    """twitter-text compiles its regexes on import (about a second): `queue add` must not pay it."""
    import subprocess
    import sys

    probe = ("import sys, distributor.compose as c; before = 'twitter_text' in sys.modules; "
             "n = c.text_length('twitter', 'caf\u00e9 https://example.com/a \U0001F600'); "
             "print(before, 'twitter_text' in sys.modules, n)")
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert answer.stdout.split() == ["False", "True", "31"]  # 5 + 23 (a URL) + 1 + 2 (an emoji)


# --- text in every script: cut where a line may break, never inside a character -------


def headline_of(post) -> str:
    return post.text.split("\n")[0]


def test_a_cjk_headline_is_trimmed_between_ideographs_not_at_the_first_ascii_space():
    title = "速報 " + "東京湾で新しいフェリーの試験運航が始まり市民や観光客から大きな期待が寄せられている" * 4  # 163 characters
    post = Composer().compose(article(title=title), account("twitter"))
    headline = headline_of(post)
    assert post.text.endswith(LINK)
    # every ideograph that fits is kept (each weighs 2): not "速報…" cut back to the ASCII space
    assert 277 <= parse_tweet(post.text).weightedLength <= 280
    assert headline.endswith("…") and title.startswith(headline[:-1]) and len(headline) > 80


@pytest.mark.parametrize("unit", ["🇯🇵", "👨\u200d👩\u200d👧\u200d👦", "👍🏽"])
def test_emoji_sequences_and_flags_are_never_split_at_the_trim_point(unit):
    title = unit * 200  # no space anywhere
    post = Composer().compose(article(title=title), account("twitter"))
    headline = headline_of(post)
    assert parse_tweet(post.text).weightedLength <= 280
    kept = headline.removesuffix("…")
    assert kept and kept == unit * (len(kept) // len(unit))  # whole flags, families, skin tones only


def test_a_long_word_without_a_break_is_cut_between_characters():
    title = "Donaudampfschifffahrtsgesellschaftskapitän" * 8
    post = Composer().compose(article(title=title), account("twitter"))
    assert 277 <= parse_tweet(post.text).weightedLength <= 280  # cut at the last character that fits
    assert headline_of(post).endswith("…") and title.startswith(headline_of(post)[:-1])


def test_trim_words_counts_what_a_reader_sees():
    assert trim_words("東京湾で新しいフェリー", 5) == "東京湾で新…"
    assert trim_words("e\u0301te\u0301 a\u0300 Paris", 4) == "e\u0301te\u0301…"  # an accent is part of its letter
    assert trim_words("🇯🇵🇯🇵🇯🇵", 2) == "🇯🇵🇯🇵…"


@pytest.mark.parametrize("tag,expected", [
    ("climate change", "#ClimateChange"),
    ("हिन्दी", "#हिन्दी"),  # vowel signs and the virama are part of the word
    ("தமிழ் நாடு", "#தமிழ்நாடு"),
    ("বাংলা সাহিত্য", "#বাংলাসাহিত্য"),
    ("cafe\u0301 society", "#Caf\u00e9Society"),  # NFD accents come back as one letter
    ("straße", "#Straße"),
    ("ßtraße", "#ßtraße"),  # no one-letter capital: left as it is, not "SStraße"
    ("ﬁnance news", "#ﬁnanceNews"),  # not "#FInanceNews"
    ("women's rights", "#WomensRights"),
    ("women’s rights", "#WomensRights"),
    ("می\u200cخواهم", "#می\u200cخواهم"),  # Persian keeps its zero-width non-joiner
    ("日本 経済", "#日本経済"),
    ("C++", ""),  # "#C" would be another language
    ("C#", ""),
    ("2026", ""),
    ("---", ""),
])
def test_hashtags_keep_every_letter_and_mark_of_every_script(tag, expected):
    assert hashtag(tag) == expected


def test_a_users_template_can_shorten_and_hashtag_in_any_script(tmp_path):
    (tmp_path / "short.j2").write_text("{{ title|shorten(5) }} {{ section|hashtag }}\n{{ link }}", encoding="utf-8")
    post = Composer(tmp_path).compose(article(title="東京湾で新しいフェリー", section="हिन्दी समाचार"),
                                      account("facebook", template="short.j2"))
    assert post.text == f"東京湾で新… #हिन्दीसमाचार\n{LINK}"
    bare = Composer(tmp_path).compose(article(title="Ferry"), account("facebook", template="short.j2"))
    assert bare.text == f"Ferry\n{LINK}"  # no section: no hashtag, no error


def test_bluesky_post_of_heavy_graphemes_stays_within_3000_bytes():
    """300 graphemes can be far over Bluesky's 3,000 bytes (a family emoji is 25 bytes): trim for both."""
    import regex

    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"  # one grapheme, 25 bytes
    stacked = "a" + "\u0301" * 30  # one grapheme, 61 bytes
    post = Composer().compose(article(title=" ".join([family, stacked] * 40)), account("bluesky"))

    assert len(regex.findall(r"\X", post.text)) <= 300
    assert len(post.text.encode("utf-8")) <= 3000
    assert post.text.endswith(LINK)


def test_threads_counts_emoji_as_their_utf8_bytes():
    """Threads: 500 characters, where an emoji counts as its UTF-8 bytes (Meta's Threads Posts doc)."""
    party = "\U0001F389"  # 4 bytes: counts 4
    post = Composer().compose(article(title=" ".join([party] * 200)), account("threads"))

    assert_within_limit_as_the_platform_counts("threads", post.text)
    assert post.text.endswith(LINK)
