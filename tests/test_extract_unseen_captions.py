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
