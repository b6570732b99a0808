"""What a post is built from: headline, canonical link, lead image and its caption, tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from distributor.errors import ExtractError
from distributor.extract import extract_page

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def page(name: str, url: str = "https://given.example/page"):
    return extract_page((FIXTURES / name).read_bytes(), url=url, source=name)


def test_seed_article():
    result = page("../seed/article.html", url="https://hypeline.example/?p=1")
    assert result.title == "U.S. Breaks Off Syria Ceasefire Talks With Russia"
    assert result.canonical_url == "https://hypeline.example/2016/10/04/us-breaks-off-syria-ceasefire-talks-with-russia/"
    assert result.image.url == "https://hypeline.example/wp-content/uploads/2016/10/aleppo-children.jpg"
    assert "In Aleppo, Syria, four-year-old Esraa and her brother Waleed" in result.image.alt
    assert result.section == "World"
    assert result.published_at == "2016-10-04T09:12:00+00:00"


def test_wordpress_headline_is_the_h1_not_the_social_title():
    result = page("wordpress-figure.html")
    assert result.title == "Council approves harbour wall after storm season"
    assert result.site_name == "The Tidewater Ledger"


def test_wordpress_canonical_prefers_rel_canonical_over_og_url():
    assert page("wordpress-figure.html").canonical_url == "https://tidewater.example/2024/03/12/council-approves-harbour-wall/"


def test_og_image_is_decoded_and_gets_the_caption_of_the_same_photo_in_the_body():
    image = page("wordpress-figure.html").image
    # &amp; in the markup is an & in the URL; the body shows the same file at another size.
    assert image.url == "https://tidewater.example/wp-content/uploads/2024/03/harbour-wall-1200x675.jpg?resize=1200%2C675&ssl=1"
    assert image.alt == "Waves break over the old harbour wall during the February storm."  # credit "(Photo: Ida Brenn)" left out


def test_tags_are_section_then_article_tags_without_repeats():
    result = page("wordpress-figure.html")
    assert result.section == "Local"
    assert result.tags == ["Local", "Harbour", "council", "Storms"]
    assert result.published_at == "2024-03-12T08:30:00+00:00"


def test_placeholder_og_image_falls_back_to_first_real_body_photo():
    result = page("placeholder-og.html")
    # not the opengraph_default.jpg, not the tracking pixel, not the author avatar;
    # the lazy image's data-src, resolved against <base href>
    assert result.image.url == "https://www.valleypost.example/news/photos/2024/05/mittens-reunion.jpg?w=800&h=450"
    assert result.image.alt == "Mittens, back home with the Usov family."


def test_relative_canonical_is_made_absolute_and_keywords_become_tags():
    result = page("placeholder-og.html")
    assert result.canonical_url == "https://www.valleypost.example/news/missing-cat-found/"
    assert result.tags == ["cats", "pets", "microchips"]


def test_og_image_that_is_the_site_logo_is_no_image():
    result = page("logo-og.html")
    assert result.image is None  # and not the photo of another story in the "most read" box
    assert result.canonical_url == "https://northgate.example/politics/budget-vote-delayed"
    assert result.title == "Budget vote delayed again"


def test_json_ld_graph_supplies_what_the_head_does_not():
    result = page("jsonld-graph.html")
    assert result.title == "Rail strike called off after late-night deal"
    assert result.image.url == "https://img.metro.example/2024/06/platform-empty.jpg"
    assert result.image.alt == "An empty platform at Central station on Sunday evening"
    assert result.section == "Transport"
    assert result.tags == ["rail", "strikes", "unions"]
    assert result.published_at == "2024-06-02T23:15:00+00:00"
    assert result.site_name == "Metro Daily"


def test_page_without_meta_tags_still_gives_a_headline_and_the_given_url():
    result = page("no-meta.html", url="https://library.example/news/reopens")
    assert result.title == "Library reopens after flood repairs"
    assert result.canonical_url == "https://library.example/news/reopens"
    assert result.image is None
    assert result.tags == []


def test_title_tag_loses_its_site_suffix_when_nothing_better_exists():
    html = b"<html><head><title>Tram line extended to airport | City Wire</title>" \
           b'<meta property="og:site_name" content="City Wire"></head><body><p>Text.</p></body></html>'
    assert extract_page(html).title == "Tram line extended to airport"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty page"),
        (b"   \n ", "empty page"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "not an HTML page"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not an HTML page"),
        (b"just some words, no markup at all", "not an HTML page"),
    ],
)
def test_unusable_input_is_a_one_line_extract_error(content, message):
    with pytest.raises(ExtractError, match=message) as info:
        extract_page(content, url="https://given.example/x")
    assert "\n" not in str(info.value)


def test_image_content_type_is_refused_before_parsing():
    with pytest.raises(ExtractError, match="image/jpeg"):
        extract_page(b"<html>looks like html</html>", content_type="image/jpeg")


def test_big_page_is_handled():
    paragraph = "<p>Paragraph of the long report, with words, commas, and more words to read.</p>\n"
    filler = "<div class='related-posts'><p><a href='/x'>Another story</a></p></div>\n"
    html = "<html><body><h1>Very long report</h1><div class='story'>" + (paragraph + filler) * 40_000 + "</div></body></html>"
    assert len(html) > 6_000_000
    result = extract_page(html.encode(), url="https://given.example/long")
    assert result.title == "Very long report"
    assert result.canonical_url == "https://given.example/long"


def test_og_image_caption_is_not_taken_from_a_video_poster_or_a_teaser():
    image = page("video-and-figure.html").image
    assert image.url == "https://ichef.coastline.example/images/1024x576/k09xq7.jpg"
    # The same photo shows as a video poster and as a "most popular" teaser; the
    # caption is the article's first photo caption, not the video's or the teaser's.
    assert image.alt == "Karin Vell said the decision followed interviews with eleven witnesses"


@pytest.mark.parametrize(
    "json_ld",
    [
        '{"@type": "NewsArticle", "headline": ["Odd shapes"], "image": {"url": ["https://x.example/a.jpg"]}, "keywords": {"a": 1}}',
        '{"@type": ["NewsArticle", "Thing"], "headline": 42, "image": [{"caption": {"text": "x"}}], "datePublished": "yesterday"}',
        '[[{"@graph": {"not": "a list"}}], null, 3, "text"]',
        '{"@type": "NewsArticle", "publisher": {"logo": [null, {"url": 7}]}, "articleSection": []}',
        "{not json at all",
    ],
)
def test_malformed_json_ld_never_breaks_extraction(json_ld):
    html = f'<html><head><script type="application/ld+json">{json_ld}</script></head><body><h1>Still a headline</h1></body></html>'
    result = extract_page(html.encode(), url="https://given.example/a")
    assert result.title == "Still a headline"
    assert result.canonical_url == "https://given.example/a"


@pytest.mark.parametrize(
    "head, h1s, headline",
    [
        # The only <h1> is the site's name: the declared title is the headline.
        ('<title>Ferry fares to rise in spring | Harbour Ledger</title><meta property="og:site_name" content="Harbour Ledger">',
         "<h1>Harbour Ledger</h1>", "Ferry fares to rise in spring"),
        # The <h1> is the <title>'s suffix part (a blog name), not its headline.
        ("<title>Ferry fares to rise in spring | Notes from the Quay</title>",
         "<h1>Notes from the Quay</h1>", "Ferry fares to rise in spring"),
        # A section label sharing no word with the title.
        ("<title>Toddlers who eat eggs early may avoid allergy</title>",
         "<h1>Family Health Centre</h1>", "Toddlers who eat eggs early may avoid allergy"),
        # A blog name <h1> and the post's own <h1>: the post's, even though the og:title ends in the blog name.
        ('<meta property="og:title" content="March open thread - The Quay Blog"><meta property="og:site_name" content="The Quay Blog">',
         '<h1 class="title">The Quay Blog</h1><h1 class="entry-title">March open thread</h1>', "March open thread"),
        # Not labels: a short headline that is the <title>'s first part, and one inside a longer <title>.
        ("<title>About bugs - Cannon Games Entertainment</title>", "<h1>About bugs</h1>", "About bugs"),
        ("<title>Opinion | Harbour plans are going nowhere - The Daily Ledger</title>",
         "<h1>Harbour plans are going nowhere</h1>", "Harbour plans are going nowhere"),
    ],
)
def test_h1_naming_the_site_or_section_is_not_the_headline(head, h1s, headline):
    html = f"<html><head>{head}</head><body>{h1s}<p>Text of the story.</p></body></html>".encode()
    assert extract_page(html).title == headline


@pytest.mark.parametrize(
    "caption, clean",
    [
        ("The mayor at the harbour on Monday.Credit...Jo Lee/The Ledger", "The mayor at the harbour on Monday."),
        ("Debt could pass the defence budget by 2030.CreditCreditJo Lee/EPA, via Wire", "Debt could pass the defence budget by 2030."),
        ("The incredible credit boom in the harbour towns", "The incredible credit boom in the harbour towns"),
        ("Children drew a picture by the harbour wall", "Children drew a picture by the harbour wall"),
        ("Dear Sam column sig. Photo illustration by Jo Lee, The Ledger", "Dear Sam column sig."),
        ("Can a pillow make you ill? (Photo: Getty Images)Getty", "Can a pillow make you ill? (Photo: Getty Images)"),
        ("Shares fell after the report. Photograph by Sam Ortiz/AFP/Getty Images", "Shares fell after the report."),
        ("Sam Ortiz | Getty ImagesThe governor at a ceremony in 2018.", "The governor at a ceremony in 2018."),
        ("The ferry leaves the quay at dawn, full of commuters", "The ferry leaves the quay at dawn, full of commuters"),
        ("Photograph: Sam Ortiz/Getty Images", None),
        ("Courtesy Orbitel", None),
        ("Credit", None),
        ("Image via Getty Images", None),
        ("Sam Ortiz/Wire", None),
        ("Illustration for article titled Ferry fares to rise in spring", None),
        ("Ferry fares to rise in spring", None),
    ],
)
def test_photo_credits_are_not_captions(caption, clean):
    from distributor.extract.images import clean_caption

    assert clean_caption(caption, "Ferry fares to rise in spring") == clean


@pytest.mark.parametrize(
    "url, furniture",
    [
        ("https://news.example/uploads/mail_banner_300x250_expo.png", True),
        ("https://news.example/img/loading.gif", True),
        ("https://news.example/img/site-logo.png", True),
        ("https://news.example/uploads/2019/store-customer-loading-truck.jpg", False),
        ("https://news.example/uploads/2015/bank-logo-getty-1024-683.jpg", False),
        ("https://news.example/uploads/2015/harbour-plans-explained-300x250.jpg", False),
        ("https://news.example/uploads/2015/getting-lean-with-digital-ad-ux-300x250.jpg", False),
        ("https://news.example/files/share_image/site18-facebook-socialshare-1200x628-v02.png", True),
        ("https://news.example/images/og/fb_landscape_share.png", True),
        ("https://news.example/common/images/fbico_ogp_600x600.png", True),
        ("https://news.example/img/template/page-image.af8027a4.png", True),
        ("https://news.example/uploads/2019/facebook-chief-at-hearing.jpg", False),
    ],
)
def test_banner_ads_are_furniture_but_photos_named_after_what_they_show_are_not(url, furniture):
    from distributor.extract.images import is_placeholder

    assert is_placeholder(url) is furniture


def test_story_headline_in_an_h2_beats_a_featured_teaser_h1():
    html = b"""<html><head><meta property="og:title" content="Early reviews of the game console are in &#8212; and not kind - Wirepage">
    <meta property="og:site_name" content="Wirepage"></head><body>
    <section><article class="featured"><header><h1 class="headline">Why not go fight for the reindeer?</h1></header></article>
    <article class="story"><header><h2 class="headline">Early reviews of the game console are in &#8212; and not kind</h2></header>
    <p>The reviews are mixed.</p></article></section></body></html>"""
    assert extract_page(html).title == "Early reviews of the game console are in — and not kind"


@pytest.mark.parametrize(
    "head, h1, headline",
    [
        ('<title>Harbour Notes: Open flow for small boats</title><meta property="og:title" content="Open flow for small boats">',
         "<h1>Harbour Notes</h1>", "Open flow for small boats"),
        ("<title>Superbugs: what they are and how you catch them</title>",
         "<h1>Information and Resources</h1>", "Superbugs: what they are and how you catch them"),
    ],
)
def test_blog_name_or_section_h1_beside_the_post_title(head, h1, headline):
    html = f"<html><head>{head}</head><body>{h1}<p>Text of the post.</p></body></html>".encode()
    assert extract_page(html).title == headline


def test_json_ld_whose_script_type_is_written_in_capitals_is_still_read():
    # HTML compares a script's type without regard to ASCII case; a CMS writing
    # "Application/LD+JSON" still describes its article (and "application/ld+json "
    # with a space is another type, read by nobody).
    page = b"""<!doctype html><html><head><title>x</title>
    <script TYPE="Application/LD+JSON">{"@type": "NewsArticle", "headline": "Harbour wall approved",
      "image": "https://ledger.example/photos/wall.jpg"}</script>
    <script type="application/ld+json ">{"@type": "NewsArticle", "image": "https://ledger.example/photos/other.jpg"}</script>
    </head><body><p>The council approved the new harbour wall on Tuesday after a long debate.</p></body></html>"""
    from distributor.extract import parse

    doc = parse(page, url="https://ledger.example/story")
    assert [item.get("headline") for item in doc.json_ld] == ["Harbour wall approved"]
