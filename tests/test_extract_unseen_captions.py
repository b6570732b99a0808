"""Lead images and captions on pages the rules were not written on (each page here is self-written)."""

from __future__ import annotations

import pytest

from distributor.extract import extract_page


def _page(caption: str) -> str:
    return (
        "<html><head><title>Harbour wall approved</title>"
        "<meta property='og:image' content='https://ledger.example/photos/harbour-wall-0412.jpg'></head>"
        "<body><article><h1>Harbour wall approved</h1>"
        "<figure><img src='https://ledger.example/photos/harbour-wall-0412.jpg' alt='Harbour wall'>"
        f"<figcaption>{caption}</figcaption></figure>"
        "<p>The council approved the harbour wall on Tuesday after a long debate about what it would cost.</p>"
        "</article></body></html>"
    )


@pytest.mark.parametrize(
    "credit",
    ["(Sam Reed/AP)", "(Jo Lee / Associated Press)", "(Ellen M. Banner / The Ledger)", "(Jo Lee/Reuters, file)"],
)
def test_a_photographer_and_source_in_brackets_are_no_part_of_the_caption(credit):
    html = _page(f"Workers finish the new harbour wall on Tuesday morning. {credit}")
    assert extract_page(html, url="https://ledger.example/a").image.alt == "Workers finish the new harbour wall on Tuesday morning."


def test_words_with_a_slash_in_brackets_inside_the_caption_stay():
    caption = "The two routes (north/south) that the new harbour wall will protect from the sea."
    assert extract_page(_page(caption), url="https://ledger.example/a").image.alt == caption


def _rated_page(badge_link: str, og_image: str = "https://ledger.example/rulings/half-true.png") -> str:
    return (
        "<html><head><title>Is the harbour wall worth its cost?</title>"
        f"<meta property='og:image' content='{og_image}'></head><body>"
        "<header><h1>Is the harbour wall worth its cost?</h1>"
        f"<div class='meter'><a href='{badge_link}'><img src='https://ledger.example/rulings/half-true.png' alt='Half True'></a></div>"
        "<figure><img src='https://ledger.example/photos/AP_0412.jpg'>"
        "<figcaption>The old harbour wall at high tide in Leeds on Monday. (AP)</figcaption></figure></header>"
        "<div class='article__text'><p>The council said the wall would pay for itself within ten years of being built.</p>"
        "<p><img src='https://ledger.example/charts/cost-chart-2026.png'></p>"
        "<p>We looked at what similar walls have cost other towns along the coast over the last decade.</p></div>"
        "</body></html>"
    )


def test_a_rating_badge_as_share_picture_gives_way_to_the_photo_beside_the_headline():
    image = extract_page(_rated_page("/rulings/half-true/"), url="https://ledger.example/2026/wall-cost/").image
    assert image.url == "https://ledger.example/photos/AP_0412.jpg"
    assert image.alt == "The old harbour wall at high tide in Leeds on Monday."


def test_a_share_picture_linking_to_the_story_itself_or_to_its_full_size_stays():
    for link in ("/2026/wall-cost/", "https://ledger.example/rulings/half-true-large.png"):
        image = extract_page(_rated_page(link), url="https://ledger.example/2026/wall-cost/").image
        assert image.url == "https://ledger.example/rulings/half-true.png", link


def _featured_page(width: int, height: int) -> str:
    return (
        "<html><head><title>About the bugs</title></head><body><article><header class='entry-header'>"
        f"<figure class='entry-thumbnail'><img width='{width}' height='{height}' src='https://ledger.example/uploads/featured-0813.jpg' alt=''></figure>"
        "<h1 class='entry-title'>About the bugs</h1></header>"
        "<div class='entry-content'><p>We found three bugs in the firmware this summer and fixed two of them.</p>"
        "<p>The third one needs a new board, which we will ship in the autumn to everyone who asks.</p></div>"
        "</article></body></html>"
    )


def test_a_featured_photo_in_the_article_header_is_the_lead_image_without_og_image():
    image = extract_page(_featured_page(855, 611), url="https://ledger.example/a").image
    assert image is not None and image.url == "https://ledger.example/uploads/featured-0813.jpg"


def test_a_banner_strip_in_the_article_header_is_no_lead_image():
    image = extract_page(_featured_page(850, 120), url="https://ledger.example/a").image
    assert image is None or image.url != "https://ledger.example/uploads/featured-0813.jpg"


def _meta_page(meta: str, alt: str = "") -> str:
    return (
        "<html><head><title>Lynn: we needed to win</title>"
        "<meta property='og:image' content='https://ledger.example/uploads/gettyimages-1186-e157.jpg'></head><body><article>"
        "<h1>Lynn: we needed to win</h1>"
        f"<p><img src='https://ledger.example/uploads/gettyimages-1186-e157.jpg' alt='{alt}' data-image-meta='{meta}'></p>"
        "<p>The coach said after the game that winning on Monday night was the most important step.</p>"
        "</article></body></html>"
    )


def test_wordpress_image_meta_gives_the_photos_own_caption_without_its_credit():
    meta = ('{"aperture":"4","credit":"Getty Images","caption":"Head coach Jo Lynn leaves the field after a loss '
            'at the coliseum on November 7 in Oakland. (Photo by Sam Reed\\/Getty Images)","title":"Rovers v Harriers"}')
    image = extract_page(_meta_page(meta), url="https://ledger.example/a").image
    assert image.alt == "Head coach Jo Lynn leaves the field after a loss at the coliseum on November 7 in Oakland."


def test_wordpress_image_meta_without_a_caption_or_broken_gives_none_and_alt_text_wins():
    assert extract_page(_meta_page('{"caption":"","credit":""}'), url="https://ledger.example/a").image.alt is None
    assert extract_page(_meta_page('{"caption":"Head coach'), url="https://ledger.example/a").image.alt is None
    alt = "Coach Jo Lynn walks off the field in Oakland"
    meta = '{"caption":"An older caption that the post does not show"}'
    assert extract_page(_meta_page(meta, alt), url="https://ledger.example/a").image.alt == alt


def _lightbox_page(link_attrs: str) -> str:
    return (
        "<html><head><title>Rovers win away</title>"
        "<meta property='og:image' content='https://cdn.ledger.example/original/9b6b601b4400.jpg'></head><body><article>"
        "<h1>Rovers win away</h1>"
        f"<div class='article__photo'><a href='/rovers-win-away/r~gallery/' {link_attrs}>"
        "<img src='//cdn.ledger.example/resize/9b6b601b4400_extract=67,0,1867,1050_resize=680,383_.jpg?hash=a5d8' "
        "alt='A happy Jo Holt after the win at Villa Park.'>"
        "<div class='article__photo__desc'>A happy Jo Holt after the win at Villa Park. | Foto: Reuters</div></a></div>"
        "<p>The Rovers won at Villa Park on Sunday and moved up to fourth place in the table.</p>"
        "</article></body></html>"
    )


def test_a_lead_photo_in_a_lightbox_link_under_a_crop_named_file_keeps_its_caption():
    for attrs in ("class='lightbox'", "data-img='//cdn.ledger.example/original/9b6b601b4400.jpg'"):
        image = extract_page(_lightbox_page(attrs), url="https://ledger.example/rovers-win-away/").image
        assert image.alt == "A happy Jo Holt after the win at Villa Park.", attrs


def test_the_same_photo_in_a_link_to_another_story_says_nothing():
    image = extract_page(_lightbox_page("class='teaser-link'"), url="https://ledger.example/rovers-win-away/").image
    assert image.alt is None


def _gallery_page(og_folder: str) -> str:
    return (
        "<html><head><title>Harbour wall approved</title>"
        f"<meta property='og:image' content='https://photos.ledger.example/01/07/41/{og_folder}/rawImage.jpg'></head>"
        "<body><article><h1>Harbour wall approved</h1>"
        "<div class='gallery'><figure class='gallery-item'>"
        "<img src='https://photos.ledger.example/01/07/41/2204/3/gallery_medium.jpg'>"
        "<figcaption><span class='count'>1<span>of</span>4</span>"
        "<span class='caption'>Workers finish the new harbour wall on Tuesday morning.</span></figcaption></figure>"
        "<figure class='gallery-item'><img src='https://photos.ledger.example/01/07/41/2210/5/gallery_medium.jpg'>"
        "<figcaption><span class='count'>2<span>of</span>4</span>"
        "<span class='caption'>The old wall at high tide on Monday.</span></figcaption></figure></div>"
        "<p>The council approved the harbour wall on Tuesday after a long debate about what it would cost.</p>"
        "</article></body></html>"
    )


@pytest.mark.parametrize(
    "og_folder, caption",
    [("2204/3", "Workers finish the new harbour wall on Tuesday morning."), ("2210/5", "The old wall at high tide on Monday.")],
)
def test_a_gallery_rendition_in_the_pictures_folder_is_the_share_picture(og_folder, caption):
    """(".../2210/5/rawImage.jpg" as og:image and ".../2210/5/gallery_medium.jpg" on the page were
    not seen as one picture: the first figure's caption stood in for its own; the gallery's "1 of 4"
    is no part of a caption)"""
    image = extract_page(_gallery_page(og_folder), url="https://ledger.example/a").image
    assert image.url == f"https://photos.ledger.example/01/07/41/{og_folder}/rawImage.jpg"
    assert image.alt == caption


def test_a_script_rendered_photo_keeps_the_caption_of_its_numbered_placeholder():
    """(the photo is drawn by a script into <div id="…-InlineImage-104855655">; the caption of
    the page's first <figure>, another photo, stood in for its own)"""
    html = (
        "<html><head><title>Harbour wall approved</title>"
        "<meta property='og:image' content='https://img.ledger.example/api/v1/image/104855655-harbour-wall.jpg?v=1'>"
        "</head><body><article><h1>Harbour wall approved</h1>"
        "<div class='ArticleBody'><div class='InlineImage-imageEmbed' id='ArticleBody-InlineImage-104855655'>"
        "<div class='InlineImage-placeholder'><div class='lazyload-placeholder'></div></div>"
        "<div><div class='InlineImage-imageEmbedCaption'>Workers finish the new harbour wall on Tuesday morning.</div>"
        "<div class='InlineImage-imageEmbedCredit'>Sam Reed | Ledger</div></div></div>"
        "<p>The council approved the harbour wall on Tuesday after a long debate about what it would cost.</p>"
        "<figure><img src='https://img.ledger.example/api/v1/image/104855700-old-wall.jpg'>"
        "<figcaption>The old wall at high tide on Monday, before the works began.</figcaption></figure>"
        "<p>Work on the wall starts in the spring and should take two years, the council said.</p>"
        "</div></article></body></html>"
    )
    image = extract_page(html, url="https://ledger.example/a").image
    assert image.url == "https://img.ledger.example/api/v1/image/104855655-harbour-wall.jpg?v=1"
    assert image.alt == "Workers finish the new harbour wall on Tuesday morning."
