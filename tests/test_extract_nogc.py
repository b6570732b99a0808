"""Extraction runs with the cyclic collector off (distributor.extract.nogc), which is only
sound while a page leaves no reference cycles behind: everything must be freed as it
goes, whatever the page, and the collector must come back as the caller had it."""

from __future__ import annotations

import gc

import pytest

from distributor.errors import ExtractError
from distributor.extract import extract_page
from tests.helpers import hostile_pages as shapes

STORY = b"""<!doctype html><html lang="en"><head><title>Harbour wall approved</title>
<meta property="og:image" content="https://ledger.example/photos/wall.jpg"></head>
<body><article><h1>Harbour wall approved</h1>
<p>The council approved the new harbour wall on Tuesday after a long debate.</p>
<p>"We cannot keep rebuilding the promenade every winter," said Jonah Petrakis, the harbour master.</p>
<p>Work starts in the spring and should take two years, the council said.</p>
</article></body></html>"""


def cyclic_garbage_left_by(page: bytes) -> int:
    """How many objects only the cyclic collector could free after extracting the page."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        result = extract_page(page, url="https://ledger.example/story")
        assert result.title == "Harbour wall approved"
        del result
        return gc.collect()
    finally:
        if was:
            gc.enable()


@pytest.mark.parametrize("build", [
    lambda: STORY, shapes.nested_divs, shapes.many_h1, shapes.many_paragraphs, shapes.many_images,
], ids=["story", "nested_divs", "many_h1", "many_paragraphs", "many_images"])
def test_an_extracted_page_is_freed_without_the_cyclic_collector(build):
    assert cyclic_garbage_left_by(build()) == 0


def test_the_collector_is_back_on_after_extracting_and_after_a_refused_page():
    assert gc.isenabled()
    extract_page(STORY, url="https://ledger.example/story")
    assert gc.isenabled()
    with pytest.raises(ExtractError):
        extract_page(b"   ", url="https://ledger.example/story")
    assert gc.isenabled()


def test_a_caller_that_turned_the_collector_off_finds_it_still_off():
    gc.disable()
    try:
        extract_page(STORY, url="https://ledger.example/story")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_page_that_runs_out_of_time_leaves_the_collector_on():
    import time

    from distributor.extract.deadline import within_deadline

    def stalls_with_the_collector_off():
        gc.disable()  # as extraction does; the time is up before anything switches it back on
        while True:
            time.sleep(0.01)

    with pytest.raises(ExtractError):
        within_deadline(stalls_with_the_collector_off, seconds=0.2)
    assert gc.isenabled()
