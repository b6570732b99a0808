"""The lead image and its caption across CMS markups, written as small pages of our own.

Each page is the shape one CMS family gives its photos (WordPress, Arc/Brightspot
figcaption parts, newspaper caption paragraphs, Drupal fields, itemprop markup) or a
furniture og:image that must give way to the story's own photo.
"""

from __future__ import annotations

import pytest

from distributor.extract import extract_page

URL = "https://herald.example/news/2025/harbour-wall"
STORY = (
    "<p>The council voted 7-2 on Tuesday to build a sea wall along the harbour front, ending two years of argument "
    "between residents, fishermen and the works committee.</p>"
    "<p>Work is due to start in June and will take eighteen months, the council said in a statement.</p>"
)


def page(body: str, head: str = "") -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Harbour wall approved | Herald</title>"
        f"<meta property='og:title' content='Harbour wall approved'>{head}</head><body>"
        "<header class='site-header'><a class='logo' href='/'><img src='/static/herald-mark.png' alt='Herald'></a></header>"
        f"<article><h1>Harbour wall approved</h1>{body}{STORY}</article>"
        "<footer><p>All rights reserved.</p></footer></body></html>"
    )


def image(body: str, head: str = ""):
    return extract_page(page(body, head), url=URL).image


OG = "<meta property='og:image' content='https://herald.example/photos/harbour-wall-storm.jpg'>"
PHOTO = "https://herald.example/photos/harbour-wall-storm.jpg"


@pytest.mark.parametrize("markup, caption", [
    # WordPress classic editor: the caption paragraph the <img> points to with aria-describedby
    ("<div id='attachment_12' class='wp-caption aligncenter'><img aria-describedby='caption-attachment-12' "
     f"src='{PHOTO}' alt='' width='1200' height='800'><p id='caption-attachment-12' class='wp-caption-text'>"
     "Waves break over the harbour wall in January.</p></div>",
     "Waves break over the harbour wall in January."),
    # a newspaper CMS: a caption paragraph after the linked image, the credit in a span inside it
    (f"<a class='full picture' href='{PHOTO}'><img src='{PHOTO}' alt='The wall'></a>"
     "<p class='caption'>Fishermen mend nets beside the old wall <span class='credit'>Foto: Ida Brenn/dpa</span></p>",
     "Fishermen mend nets beside the old wall"),
    # Arc / Brightspot style figcaption split into caption and credit parts
    (f"<figure class='lead-art'><img src='{PHOTO}' alt=''><figcaption><div class='media__credit'>Ida Brenn</div>"
     "<div class='media__caption'>The harbour front at low tide on Monday.</div></figcaption></figure>",
     "The harbour front at low tide on Monday."),
    # a <picture> whose <img> has an empty src, and a description box beside it
    (f"<picture><source media='(min-width:900px)' srcset='{PHOTO}?w=1000'><source srcset='{PHOTO}?w=660'>"
     "<img src='' alt='' class='article__image'></picture>"
     "<div class='article__image-desc'>Residents watch the vote on a screen in the town hall</div>"
     "<div class='article__image-author'>Herald/ Jo Lee</div>",
     "Residents watch the vote on a screen in the town hall"),
    # Drupal: a caption field after the image field
    (f"<div class='field field--name-field-image'><img src='{PHOTO}' alt=''></div>"
     "<div class='field field--name-field-image-caption'>Councillors leave the chamber after the vote.</div>",
     "Councillors leave the chamber after the vote."),
    # French, Italian and German caption class names
    (f"<div class='photo'><img src='{PHOTO}' alt=''><span class='legende'>Le port de la ville sous la tempête</span></div>",
     "Le port de la ville sous la tempête"),
    (f"<div class='foto'><img src='{PHOTO}' alt=''><div class='didascalia'>Il porto della città durante la tempesta</div></div>",
     "Il porto della città durante la tempesta"),
    (f"<div class='bild'><img src='{PHOTO}' alt=''><p class='bildunterschrift'>Der Hafen der Stadt im Sturm (Foto: picture alliance/dpa)</p></div>",
     "Der Hafen der Stadt im Sturm"),
])
def test_caption_markup_of_each_cms_gives_the_caption_without_its_credit(markup, caption):
    found = image(markup, OG)
    assert found.url == PHOTO
    assert found.alt == caption


def test_a_figcaption_holding_only_the_credit_gives_way_to_the_alt_text():
    found = image(f"<figure><picture><img src='{PHOTO}' alt='A crumpled parking ticket on a windscreen'></picture>"
                  "<figcaption class='caption'><span class='caption__credit'>Photograph: Ida Brenn/Getty Images</span>"
                  "</figcaption></figure>", OG)
    assert found.alt == "A crumpled parking ticket on a windscreen"


@pytest.mark.parametrize("caption", ["(crédito: Jo Lee/CB/D.A.Press)", "Photo: Jo Lee/AFP", "Ida Brenn"])
def test_a_caption_that_is_only_a_credit_or_a_name_label_is_no_caption(caption):
    found = image(f"<figure><img src='{PHOTO}' alt=''><figcaption>{caption}</figcaption></figure>", OG)
    assert found.url == PHOTO and found.alt is None


def test_itemprop_caption_of_a_photo_drawn_by_css_is_the_declared_images_caption():
    found = image("<div class='stage' itemprop='image'><div class='pic' style='background:url(/p.jpg)'></div>"
                  "<div class='stage-caption' itemprop='caption'><p>Police check drivers at the border crossing.</p>"
                  "(Foto: Jo Lee/dpa)</div></div>", OG)
    assert found.alt == "Police check drivers at the border crossing."


def test_json_ld_image_referenced_by_id_gives_its_caption():
    ld = ('<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
          '{"@type":"NewsArticle","headline":"Harbour wall approved","image":{"@id":"' + URL + '#primaryimage"}},'
          '{"@type":"ImageObject","@id":"' + URL + '#primaryimage","url":"' + PHOTO + '",'
          '"caption":"Storm waves over the harbour wall last winter"}]}</script>')
    found = image("", OG + ld)
    assert found.url == PHOTO and found.alt == "Storm waves over the harbour wall last winter"


BODY_PHOTO = ("<figure><img src='https://herald.example/photos/quay-street-residents.jpg' width='1200' height='800' "
              "alt=''><figcaption>Residents of Quay Street at the meeting on Monday.</figcaption></figure>")


@pytest.mark.parametrize("og_image, extra", [
    ("https://herald.example/media/profile-anim.gif", ""),  # a profile GIF
    ("https://herald.example/uploads/authors/jane-roe.jpg", ""),  # the author's picture
    ("https://herald.example/images/category/local-news.jpg", ""),  # the section's picture
    ("https://herald.example/assets/share.jpg", "<meta property='og:image:width' content='200'>"
                                                "<meta property='og:image:height' content='200'>"),  # too small
    ("https://herald.example/static/herald-mark.png", ""),  # the logo shown in the site header
])
def test_furniture_as_og_image_gives_way_to_the_articles_own_first_photo(og_image, extra):
    found = image(BODY_PHOTO, f"<meta property='og:image' content='{og_image}'>{extra}")
    assert found.url == "https://herald.example/photos/quay-street-residents.jpg"
    assert found.alt == "Residents of Quay Street at the meeting on Monday."


def test_a_site_wide_share_picture_shown_only_in_the_author_box_is_not_the_lead_image():
    found = image(BODY_PHOTO + "<div class='author-box'><img src='/img/jane-roe-2021.jpg' width='300' height='300'></div>",
                  "<meta property='og:image' content='https://herald.example/img/jane-roe-2021.jpg'>")
    assert found.url == "https://herald.example/photos/quay-street-residents.jpg"


@pytest.mark.parametrize("img", [
    "<img src='/static/lazy.png' data-src='/photos/quay-street-residents.jpg' class='lazyload' alt=''>",
    "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==' "
    "data-lazy-src='/photos/quay-street-residents.jpg' alt=''>",
    "<img data-srcset='/photos/quay-street-residents-600.jpg 600w, /photos/quay-street-residents.jpg 1200w' alt=''>",
    "<picture><source type='image/webp' srcset='/photos/quay-street-residents.jpg 1200w'><img alt=''></picture>",
])
def test_a_page_without_og_image_uses_its_first_photo_through_lazy_loading(img):
    found = image(f"<figure>{img}<figcaption>Residents of Quay Street at the meeting on Monday.</figcaption></figure>")
    assert found.url.startswith("https://herald.example/photos/quay-street-residents")
    assert found.alt == "Residents of Quay Street at the meeting on Monday."


def test_never_an_icon_avatar_pixel_or_ad_as_lead_image():
    found = image(
        "<img src='/img/share-icon.svg' alt=''>"
        "<div class='byline'><img src='/img/jane-roe.jpg' class='avatar' width='60' height='60'></div>"
        "<img src='https://pixel.example/t.gif?id=1' width='1' height='1'>"
        "<div class='ad-slot'><img src='https://ads.example/creative/banner_300x250.jpg' width='300' height='250'></div>"
    )
    assert found is None


def test_an_article_photo_given_as_the_pages_icon_is_still_the_lead_image():
    # some CMSs set each article's photo as its shortcut icon; an icon never is a 1280-pixel JPEG
    found = image("", f"{OG}<link rel='shortcut icon' href='{PHOTO}'>")
    assert found.url == PHOTO


def test_headline_in_an_h2_entry_title_when_the_h1s_are_labels():
    html = (
        "<html><head><meta property='og:title' content='Polar front reaches the south - The Daily'>"
        "<title>Polar front reaches the south - The Daily</title></head><body>"
        "<header><h1 class='section-name'>News</h1></header>"
        "<article><header class='entry__header'><h2 class='entry__title'>Polar front reaches the south</h2></header>"
        f"{STORY}<aside class='entry__related'><h1 class='block__title'>Read also:</h1>"
        "<h2 class='entry__title'>Two months without rain</h2></aside></article></body></html>"
    )
    assert extract_page(html, url=URL).title == "Polar front reaches the south"


@pytest.mark.parametrize("caption, clean", [
    ("Ships leave the port on Aug. 31, 2019. (AP)", "Ships leave the port on Aug. 31, 2019."),
    ("A trader loads his truck outside the market. (AP Photo/Jo Lee, File)", "A trader loads his truck outside the market."),
    ("The house where the poet was born in Linz, Austria.Jo Lee / Reuters file", "The house where the poet was born in Linz, Austria."),
    ("Un marchand prie à Lyon, le 30 avril 2015. (Photo Jo Lee. AFP)", "Un marchand prie à Lyon, le 30 avril 2015."),
    ("The new mayor of the harbour town Submitted photo", "The new mayor of the harbour town"),
])
def test_agency_and_photographer_credits_at_the_end_are_cut(caption, clean):
    found = image(f"<figure><img src='{PHOTO}' alt=''><figcaption>{caption}</figcaption></figure>", OG)
    assert found.alt == clean


def test_a_rendered_formula_is_no_photo():
    found = image("<p><img src='https://herald.example/media/math/render/svg/28a0aaa74b2267' "
                  "class='mwe-math-fallback-image-inline' alt='{\\displaystyle A}'></p>")
    assert found is None


def test_jetpack_image_caption_attribute_is_read_without_its_markup():
    found = image(f"<p><a href='{PHOTO}'><img src='{PHOTO}' data-image-title='wall' "
                  "data-image-caption='&lt;p&gt;Storm waves over the harbour wall in January&lt;/p&gt;' alt=''></a></p>", OG)
    assert found.alt == "Storm waves over the harbour wall in January"


@pytest.mark.parametrize("markup, caption", [
    # Blogger: the caption in the next row of the image's table
    (f"<table class='tr-caption-container'><tbody><tr><td><a href='{PHOTO}'><img src='{PHOTO}'></a></td></tr>"
     "<tr><td class='tr-caption'>The harbour wall seen from the lighthouse</td></tr></tbody></table>",
     "The harbour wall seen from the lighthouse"),
    # a figcaption right after the <figure> instead of inside it
    (f"<figure class='step'><img src='{PHOTO}' alt='Wall'></figure><figcaption class='caption'>"
     "Sandbags along the harbour wall</figcaption>", "Sandbags along the harbour wall"),
    # a wrapper beside the photo holding the caption and the credit
    (f"<div class='image'><img src='{PHOTO}'></div><span class='caption-source'><span class='caption'>"
     "The wall is due to open next spring.</span>Jo Lee/Getty</span>", "The wall is due to open next spring."),
    # a <noscript> copy of the photo does not make its figure a gallery
    (f"<figure><img src='data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==' data-src='{PHOTO}'>"
     f"<noscript><img src='{PHOTO}'></noscript><figcaption>Divers inspect the old wall.</figcaption></figure>",
     "Divers inspect the old wall."),
])
def test_captions_a_few_steps_away_from_the_photo(markup, caption):
    found = image(markup, OG)
    assert found.url == PHOTO and found.alt == caption


def test_a_bracketed_credit_alone_is_no_caption():
    found = image(f"<figure><img src='{PHOTO}' alt=''><figcaption>(Jo Lee Images/Moodboard/Getty)</figcaption></figure>", OG)
    assert found.alt is None


def test_a_wordpress_thumbnail_size_is_no_lead_photo():
    found = image("<p><img src='/wp-content/uploads/2017/07/diagram-150x150.png'></p>"
                  "<p><img src='/wp-content/uploads/2017/07/harbour-1024x683.jpg'></p>")
    assert found.url == "https://herald.example/wp-content/uploads/2017/07/harbour-1024x683.jpg"


def test_a_saved_page_without_its_address_finds_the_caption_of_a_relative_photo():
    # `extract FILE` has no URL: the page's own canonical address resolves its relative
    # <img>, so the declared photo (another path, same file) is found with its alt text.
    head = (
        "<link rel='canonical' href='https://herald.example/news/2025/harbour-wall'>"
        "<meta property='og:image' content='https://herald.example/media/2025/harbour-wall-storm.jpg'>"
    )
    body = (
        "<div class='media'><img src='/cache/large/media/2025/harbour-wall-storm.jpg' "
        "alt='Waves break over the old harbour wall in January.'></div>"
    )
    found = extract_page(page(body, head)).image
    assert found.url == "https://herald.example/media/2025/harbour-wall-storm.jpg"
    assert found.alt == "Waves break over the old harbour wall in January."


def test_a_saved_page_without_any_address_keeps_relative_photos_out():
    found = extract_page(page("<figure><img src='/media/harbour-wall-storm.jpg' alt=''>"
                              "<figcaption>Waves break over the old harbour wall.</figcaption></figure>")).image
    assert found is None
