"""Pages built to be slow are read in bounded time, and one that overruns fails alone.

Each shape (tests/helpers/hostile_pages.py) must extract to the story it hides, under
the pipeline's hard deadline; times are measured in benchmarks/hostile_pages.py.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlmodel import Session, select

from distributor.errors import ExtractError
from distributor.extract import extract_page
from distributor.extract.deadline import within_deadline
from distributor.models import Article, ArticleState
from distributor.pipeline import run_cycle
from tests.helpers import hostile_pages as shapes
from tests.newsroom import rss
from tests.test_pipeline import make_runtime, posted, publish, site  # noqa: F401 - fixtures

PHOTO = "https://ledger.example/photos/harbour-wall-storm.jpg"
QUOTE = "We cannot keep rebuilding the promenade every winter"


def extract(page: bytes):
    """Extract under the pipeline's deadline: a page that overruns fails the test."""
    return within_deadline(extract_page, page, url="https://ledger.example/story")


@pytest.mark.parametrize("build", [
    shapes.nested_divs, shapes.unclosed_nested_divs, shapes.siblings, shapes.deep_tables,
    shapes.giant_attribute, shapes.many_json_ld_items, shapes.deep_json_ld, shapes.many_meta_tags,
    shapes.many_h1, shapes.many_figcaptions, shapes.images_deep_inside, shapes.many_links,
    shapes.invisible_characters, shapes.line_breaks_in_h1, shapes.abbreviations, shapes.apostrophe_runs,
    shapes.many_caption_parts,
], ids=lambda build: build.__name__)
def test_the_story_hidden_in_a_hostile_page_is_found(build):
    result = extract(build())
    assert result.title == "Harbour wall approved"
    assert result.image is not None and result.image.url == PHOTO
    assert result.pull_quote is not None and result.pull_quote.text.startswith(QUOTE)
    assert result.pull_quote.speaker == "Jonah Petrakis"


@pytest.mark.parametrize("build", [
    shapes.nested_spans_in_paragraph, shapes.many_paragraphs, shapes.giant_text_node,
    shapes.giant_paragraph, shapes.paragraphs_deep_inside,
], ids=lambda build: build.__name__)
def test_a_page_of_endless_text_still_gives_its_headline_and_photo(build):
    result = extract(build())
    assert result.title == "Harbour wall approved"
    assert result.image is not None and result.image.url == PHOTO


def test_thousands_of_gallery_images_are_not_mistaken_for_the_lead_photo_of_a_logo_page():
    # og:image is the site logo; the story's figures are unsized gallery thumbnails
    result = extract(shapes.many_images())
    assert result.title == "Harbour wall approved"
    assert result.image is None or "/i/" in result.image.url


def test_a_srcset_of_200000_candidates_is_read_without_a_scan_of_all_of_them():
    result = extract(shapes.giant_srcset())
    assert result.title == "Harbour wall approved"
    assert result.image is not None and result.image.url.startswith("https://ledger.example/i/")


def test_thousands_of_namesakes_each_keep_their_own_words():
    result = extract(shapes.many_namesakes())
    assert result.title == "Harbour wall approved"
    quote = result.pull_quote
    assert quote is not None
    if quote.text.startswith("The ferry 0 "):
        assert quote.speaker == "Adam Bando Jones"
    else:
        assert quote.text.startswith(QUOTE) and quote.speaker == "Jonah Petrakis"


@pytest.mark.parametrize("build", [shapes.many_short_quotes, shapes.unclosed_quote_marks], ids=lambda b: b.__name__)
def test_pages_of_quote_marks_finish_or_are_given_up_with_a_clear_error(build):
    try:
        result = extract(build())
    except ExtractError as exc:
        assert "gave up after" in str(exc)
    else:
        assert result.title == "Harbour wall approved"


def test_the_deadline_interrupts_any_python_loop_even_one_that_catches_everything():
    def stubborn():
        while True:
            try:
                sum(range(1000))
            except Exception:  # noqa: BLE001 - what careless code does
                pass

    start = time.monotonic()
    with pytest.raises(ExtractError, match="gave up after 0.3 s"):
        within_deadline(stubborn, seconds=0.3)
    assert time.monotonic() - start < 5
    assert within_deadline(sum, [1, 2], seconds=0.3) == 3  # and the next call is unaffected
    time.sleep(0.4)  # a timer left running would strike here


def test_a_page_that_overruns_the_deadline_fails_alone_with_a_clear_error(make_runtime, site, sandbox, engine, monkeypatch):  # noqa: F811
    import distributor.extract.deadline as deadline
    import distributor.pipeline as pipeline

    monkeypatch.setattr(deadline, "EXTRACT_DEADLINE_SECONDS", 1.0)
    runtime = make_runtime()
    run_cycle(runtime)
    publish(site, "/endless", "Endless page")
    publish(site, "/good", "Good story")
    site.pages["/feed"] = ("application/rss+xml", rss(("Endless page", site.url("/endless")), ("Good story", site.url("/good"))))
    real = pipeline.extract_page

    def endless(content, **kw):  # a page shape no one has thought of yet
        while b"Endless page" in content:
            pass
        return real(content, **kw)

    monkeypatch.setattr(pipeline, "extract_page", endless)
    report = run_cycle(runtime)
    assert report.extracted.failed == 1 and report.extracted.done == 1
    assert [p["text"].split("\n")[0] for p in posted(sandbox) if p["platform"] == "twitter"] == ["Good story"]
    with Session(engine) as session:
        stuck = session.exec(select(Article).where(Article.url == site.url("/endless"))).one()
        assert stuck.state == ArticleState.failed
        assert "gave up after 1 s" in stuck.error


def test_a_50_megabyte_local_file_is_refused_at_max_page_bytes(tmp_path):
    page = tmp_path / "huge.html"
    page.write_bytes(shapes.fifty_megabytes())
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "distributor", "extract", str(page)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {page}: the file is larger than [fetch] max_page_bytes (5,000,000 bytes)"
    ]
    assert time.monotonic() - start < 30
    small = tmp_path / "normal.html"
    small.write_bytes(shapes.normal_page())
    done = subprocess.run([sys.executable, "-m", "distributor", "extract", "--json", str(small)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and '"title": "Harbour wall approved"' in done.stdout


def test_a_shallow_page_with_many_tags_reaches_the_parser_unchanged():
    from distributor.extract.document import limit_depth

    text = shapes.many_paragraphs(10_000).decode()
    assert limit_depth(text) is text


def test_tags_beyond_the_depth_cap_are_dropped_but_their_text_stays():
    from distributor.extract.document import MAX_DEPTH, limit_depth

    text = "<html><body>" + "<div>" * (MAX_DEPTH + 5000) + "<p>deep words</p>" + "</div>" * (MAX_DEPTH + 5000) + "</body></html>"
    text += "<!-- " + "<i>" * 9000 + " -->"  # enough tags to be checked; a comment is not nesting
    limited = limit_depth(text)
    assert limited.count("<div>") == MAX_DEPTH
    assert limited.count("<div>") == limited.count("</div>")
    assert "deep words" in limited and limited.endswith(" -->")


def test_a_megabyte_paragraph_is_not_prose_but_the_story_beside_it_is():
    from distributor.extract import body_paragraphs, parse

    paragraphs = body_paragraphs(parse(shapes.giant_paragraph(1_000_000)).tree)
    assert paragraphs and all(len(p) < 1000 for p in paragraphs)
    assert any(p.startswith("“We cannot keep rebuilding") for p in paragraphs)
