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


def test_sentences_of_thousands_of_names_around_an_embedded_post_finish():
    # Each name used to re-read the sentence before it: quadratic in a 19 kB sentence.
    surnames = [f"{a}{b}{c}".capitalize() for a in "bcdfg" for b in "aeiou" for c in "klmn"][:60]
    chunk = " ".join(f"Ann {s} met Bo {t} and" for s, t in zip(surnames, reversed(surnames)))
    sentence = " ".join([chunk] * (19_000 // (len(chunk) + 1)))
    post = ('<blockquote class="twitter-tweet"><p>Seven years of work thrown away tonight, friends.</p>'
            '&mdash; Ann Bak (@annbak) <a href="https://twitter.com/annbak/status/1">May 4, 2024</a></blockquote>')
    page = ("<html lang='en'><body><article><h1>T</h1><p>Ann Bak said so.</p>"
            + f"<p>{sentence}.</p>" * 20 + post + "</article></body></html>")
    start = time.perf_counter()
    result = extract_page(page.encode(), url="https://news.example/c")
    assert time.perf_counter() - start < 3  # (the bound is 2 s a page; quadratic took 10 s and more)
    assert result.pull_quote is not None and result.pull_quote.speaker == "Ann Bak"
