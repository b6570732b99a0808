"""benchmarks/extraction.py's speed run on one small page of our own (the corpus is not needed to see it run)."""

from __future__ import annotations

from benchmarks.extraction import composer, speed

PAGE = """<!doctype html><html><head><title>Council votes to reopen the river bridge</title>
<link rel="canonical" href="https://news.example/bridge"></head><body><article>
<h1>Council votes to reopen the river bridge</h1>
<p>The council voted on Tuesday to reopen the old river bridge to cyclists and walkers next spring.</p>
<p>"We have waited long enough for a way across that does not need a car," said Ada Brook, the council leader.</p>
</article></body></html>"""


def test_the_speed_run_with_composition_prints_its_ratio(capsys):
    speed([("bridge", PAGE, {"canonical_url": "https://news.example/bridge"})], 1, composer())

    printed = capsys.readouterr().out
    assert "of which compose (X post)" in printed and "faster than trafilatura" in printed
