"""Composed posts on the development corpus: every platform, the shipped templates, counted problems.

    python benchmarks/post_quality.py [--corpus DIR] [--show N]

Reads DIR/articles/*/article.html and truth.json (DIR: --corpus, else
$DISTRIBUTOR_CORPUS, else ../shared/corpus beside the repository), extracts each
page, and composes its post for X, Facebook, Bluesky, Mastodon and Threads from
the built-in templates, as the page is and under strain (a headline four times
as long, the longest quote, a Mastodon instance of 150 characters, a utm tag,
click tracking through a long redirect), the quotes chosen by the pipeline's own
`quote_policy = "review_if_unsure"` step. Each post is measured by the platform's own rule,
counted here independently of the composer (twitter-text's parse_tweet for X,
grapheme clusters for Bluesky with its 3,000-byte cap, emoji as UTF-8 bytes for
Threads, URLs as 23 on Mastodon), and checked for what a reader would notice:
over the limit, the link missing, a cut inside a word, URL or quotation,
template artefacts (double spaces, empty quotes, a dangling dash, "None", HTML
entities, stray blank lines), a quote without a speaker or with a speaker the
extraction did not give those words to, and an unsure quote (confidence < 0.7)
posted without an editor. Target: 0 problems. The corpus is never copied into
the repository.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

import regex
from twitter_text import parse_tweet

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from distributor.compose import Composer  # noqa: E402
from distributor.config import AccountSettings  # noqa: E402
from distributor.extract import extract_page  # noqa: E402
from distributor.pipeline import compose_as_tracked, with_quote_policy  # noqa: E402
from distributor.quote_policy import CONFIDENCE_THRESHOLD  # noqa: E402

ACCOUNTS = {
    "twitter": {}, "facebook": {"page_id": "1"}, "bluesky": {"handle": "bench.bsky.social"},
    "mastodon": {"api_base_url": "https://mastodon.example"}, "threads": {"user_id": "1"},
}
LIMITS = {"twitter": 280, "facebook": 63206, "bluesky": 300, "mastodon": 500, "threads": 500}
REDIRECT_BASE = "https://social.newsroom-example.com/links/track"  # a TLD X knows: it links it
TRACKED = REDIRECT_BASE + "/xxxxxxxx"  # what links.track puts in the text (a code of 8 characters)
POLICY_ACCOUNT = AccountSettings(name="bench", platform="twitter", quote_policy="review_if_unsure")
GRAPHEME = regex.compile(r"\X")
EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
WORD_CHAR = regex.compile(r"[\p{L}\p{N}\p{M}]")
ARTEFACTS = [
    (re.compile(r"  "), "double space"), (re.compile(r"“\s*”"), "empty quotes"),
    (re.compile(r"—\s*(\n|$)"), "dangling dash"), (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I), "HTML entity"), (re.compile(r"\n{3,}"), "stray blank lines"),
    (re.compile(r"^\s|\s$|[ \t]\n"), "stray whitespace"), (re.compile(r"[\x00-\x08\x0b-\x1f\ufffd]"), "control character"),
]
QUOTE_LINE = re.compile(r"“(.*)” — (.+)$")


def measured(platform: str, text: str) -> int:
    if platform == "twitter":
        return parse_tweet(text).weightedLength
    if platform == "threads":
        return sum(len(c.encode()) if EMOJI.search(c) else len(c) for c in GRAPHEME.findall(text))
    if platform == "mastodon":
        return len(re.sub(r"https?://\S+", "x" * 23, text))
    if platform == "bluesky":
        return len(GRAPHEME.findall(text))
    return len(text)


def cut_problem(original: str, shown: str) -> str | None:
    """What is wrong with ``shown``, ``original`` cut with an ellipsis (its closing quote marks after it)."""
    kept = shown.rstrip("”“»«’'\"」").removesuffix("…")
    if not original.startswith(kept):
        return None  # not this text's cut
    rest = original[len(kept):]
    if kept and rest and WORD_CHAR.match(kept[-1]) and WORD_CHAR.match(rest[0]):
        return "cut inside a word"
    if any(kept.endswith(u[:i]) for u in re.findall(r"https?://\S+", original) for i in range(1, len(u))):
        return "cut inside a URL"
    if shown.count("“") > shown.count("”") or shown.count("«") > shown.count("»"):
        return "quotation left open"
    return None


def problems(platform: str, text: str, link: str | None, limit: int, extracted, tracked: bool) -> list[str]:
    found = []
    sent = text.replace(link, TRACKED) if tracked and link else text
    if measured(platform, sent) > limit:
        found.append("over the limit")
    if platform == "bluesky" and len(sent.encode()) > 3000:
        found.append("over 3,000 bytes")
    if platform != "facebook" and link and link not in text:
        found.append("link missing")
    found += [what for pattern, what in ARTEFACTS if pattern.search(text)]
    for line in text.split("\n"):
        match = QUOTE_LINE.match(line)
        quotes = [q for q in [extracted.pull_quote, *extracted.quotes] if q]
        if match:
            words, speaker = match.groups()
            given = [q for q in quotes if q.text == words or q.text.startswith(words.rstrip("’'」").removesuffix("…"))]
            if not speaker.strip():
                found.append("quote without a speaker")
            elif not any(q.speaker == speaker for q in given):
                found.append("quote given to another speaker")
            elif all(q.confidence < CONFIDENCE_THRESHOLD for q in given if q.speaker == speaker):
                found.append("unsure quote posted unheld")
            if words.endswith("…") and given and (why := cut_problem(given[0].text, words)):
                found.append(f"quote {why}")
        elif line.endswith(("…", "…”", "…»", "…«", "…“", "…’", "…\"")) and extracted.title:
            if why := cut_problem(extracted.title, line):
                found.append(f"headline {why}")
    return found


@dataclasses.dataclass
class _Links:
    redirect_base: str | None


class _Runtime:
    """What the pipeline's composition step reads of a runtime: the composer and [links]."""

    def __init__(self, composer: Composer, redirect_base: str | None):
        self.composer = composer
        self.settings = dataclasses.make_dataclass("S", [("links", _Links)])(_Links(redirect_base))


def as_policy_would(extracted):
    """The pipeline's own quote policy step (review_if_unsure); None for a post held for an editor (not counted)."""
    chosen, decision = with_quote_policy(extracted, POLICY_ACCOUNT)
    return None if decision.hold else chosen


def strains(extracted):
    yield "as published", extracted, {}
    long_title = " ".join([extracted.title or ""] * 4)
    yield "headline x4", dataclasses.replace(extracted, title=long_title), {}
    longest = max((q for q in extracted.quotes if q.speaker and q.confidence >= CONFIDENCE_THRESHOLD),
                  key=lambda q: len(q.text), default=None)
    if longest:
        yield "longest quote", dataclasses.replace(extracted, title=long_title, pull_quote=longest, quotes=[]), {}
    yield "utm", extracted, {"utm": "utm_source={platform}&utm_medium=social&utm_campaign={section}"}
    yield "tracked", dataclasses.replace(extracted, title=long_title), {"tracked": True}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path,
                        default=Path(os.environ.get("DISTRIBUTOR_CORPUS", REPO.parent / "shared" / "corpus")))
    parser.add_argument("--show", type=int, default=10, help="print this many problem posts")
    args = parser.parse_args()
    pages = sorted((args.corpus / "articles").glob("*/article.html"))
    if not pages:
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 1
    composer, counts, shown, posts, held = Composer(), Counter(), [], 0, 0
    for page in pages:
        truth = json.loads((page.parent / "truth.json").read_text())
        url = truth.get("canonical_url") or f"https://news.example/{page.parent.name}"
        extracted = extract_page(page.read_bytes(), url=url, source=url)
        extracted = dataclasses.replace(extracted, canonical_url=extracted.canonical_url or url)
        for strain, variant, options in strains(extracted):
            chosen = as_policy_would(variant)
            if chosen is None:
                held += 1
                continue
            for platform, settings in ACCOUNTS.items():
                for instance_limit in ((None, 150) if platform == "mastodon" else (None,)):
                    tracked = options.get("tracked", False)
                    account = AccountSettings(name="bench", platform=platform, max_characters=instance_limit,
                                              utm=options.get("utm"), **settings)
                    post = compose_as_tracked(_Runtime(composer, REDIRECT_BASE if tracked else None), chosen, account)
                    posts += 1
                    limit = instance_limit or LIMITS[platform]
                    found = problems(platform, post.text, post.link, limit, chosen, tracked)
                    counts.update(found)
                    if found and len(shown) < args.show:
                        shown.append(f"{page.parent.name} [{strain}, {platform}{instance_limit or ''}]: "
                                     f"{', '.join(found)}\n    {post.text!r}")
    print(f"{len(pages)} pages, {posts} posts composed ({held} page variants held for an editor: unsure pull quote)")
    print(f"problems: {sum(counts.values())}" + "".join(f"\n  {what}: {n}" for what, n in counts.most_common()))
    for line in shown:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
