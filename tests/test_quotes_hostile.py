"""The quote steps stay bounded on hostile shapes of text (and still say something sane)."""

import time

from distributor.extract import extract_page
from distributor.extract.quotes import find_quotes, pick_pull_quote


def _page(paragraph: str) -> bytes:
    return f"<html><head><title>T</title></head><body><article><h1>T</h1><p>{paragraph}</p></article></body></html>".encode()


def test_a_paragraph_of_100000_short_quotes_finishes_and_names_nobody():
    paragraph = " ".join(f"“Yes {i},” he said." for i in range(100_000))
    start = time.perf_counter()
    quotes = find_quotes([paragraph])
    result = extract_page(_page(paragraph), url="https://news.example/a")
    assert time.perf_counter() - start < 10  # a generous bound: the benchmark measures speed
    assert quotes and all(q.speaker is None for q in quotes)  # "he" was never introduced
    assert result.pull_quote is None


def test_unclosed_quote_marks_over_600_kb_finish_without_a_pull_quote():
    paragraph = "“Open and the words go on " * 24_000
    assert len(paragraph) > 600_000
    start = time.perf_counter()
    quotes = find_quotes([paragraph])
    result = extract_page(_page(paragraph), url="https://news.example/b")
    assert time.perf_counter() - start < 10
    assert pick_pull_quote(quotes) is None
    assert result.pull_quote is None


def test_a_real_quote_before_a_hostile_tail_is_still_found():
    paragraphs = ["“We will rebuild the bridge,” said Mayor Ana Ruiz.", "“" * 300_000]
    pull = pick_pull_quote(find_quotes(paragraphs))
    assert pull is not None and (pull.text, pull.speaker) == ("We will rebuild the bridge", "Ana Ruiz")
