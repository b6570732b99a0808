"""Extraction quality and speed on the development corpus.

    python benchmarks/extraction.py [--corpus DIR] [--repeats N] [--no-speed]

Reads DIR/articles/*/article.html and truth.json (DIR defaults to $DISTRIBUTOR_CORPUS,
else ../shared/corpus next to the repository), scores `extract_page` per page with
the corpus README's rules, composes an X post for each page when distributor.compose
is available, then times extract_page against trafilatura.bare_extraction on the same
pages in this same process and prints the ratio.
"""

from __future__ import annotations

import argparse
import gc
import html
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from distributor.errors import DistributorError  # noqa: E402
from distributor.extract import extract_page  # noqa: E402

QUOTE_MARKS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2032": "'"})
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def norm(text: str | None) -> str:
    """Compare texts the way a reader would: quotes, dashes-spacing and whitespace ignored."""
    text = unicodedata.normalize("NFC", html.unescape(text or "")).translate(QUOTE_MARKS)
    return re.sub(r"\s+", " ", text).strip().strip("\"' ,").casefold()


def norm_url(url: str | None) -> str:
    return unquote(html.unescape(url or "")).strip()


def sentences(text: str) -> list[str]:
    return [s.strip(" \"',") for s in SENTENCE_END.split(norm(text)) if s.strip(" \"',")]


def quote_matches(ours: str, theirs: str) -> bool:
    """Equal, or one is a run of whole sentences of the other."""
    a, b = norm(ours).rstrip("."), norm(theirs).rstrip(".")
    if a == b:
        return True
    for short, long_ in ((a, b), (b, a)):
        if short and short in long_:
            parts = [s.rstrip(".!?") for s in sentences(short)]
            whole = [s.rstrip(".!?") for s in sentences(long_)]
            if parts and all(p in whole for p in parts):
                return True
    return False


def score_page(result, truth: dict) -> dict[str, bool | list[str]]:
    titles = [truth["title"], *truth.get("title_variants", [])]
    image = result.image
    scores: dict[str, bool | list[str]] = {
        "headline": norm(result.title) in {norm(t) for t in titles},
        "canonical": norm_url(result.canonical_url) == norm_url(truth["canonical_url"]),
        "image": norm_url(image.url if image else None) == norm_url(truth["image"]),
    }
    want_alt = truth.get("image_alt_contains")
    have_alt = image.alt if image else None
    scores["caption"] = (want_alt is None and not have_alt) if want_alt is None else norm(want_alt) in norm(have_alt)
    acceptable = truth.get("acceptable_pull_quotes") or []
    pull = result.pull_quote
    if not acceptable:
        scores["quote"] = pull is None
        scores["speaker"] = pull is None
    else:
        matched = [q for q in acceptable if pull is not None and quote_matches(pull.text, q["text"])]
        scores["quote"] = bool(matched)
        scores["speaker"] = bool(matched) and any(norm(pull.speaker) == norm(q["speaker"]) for q in matched)
    scores["misattributed"], scores["unchecked"] = misattributions(result, truth)
    shown = [result.title or "", have_alt or ""]
    shown += [q.text for q in result.quotes]
    if pull is not None:
        shown.append(pull.text)
    haystack = norm(" \n ".join(shown))
    scores["leaks"] = [m for m in truth.get("must_not_quote", []) if norm(m) and norm(m) in haystack]
    return scores


def _overlaps(ours: str, theirs: str) -> bool:
    """The same words: equal, one a run of the other's sentences, or one inside the other."""
    a, b = norm(ours).rstrip("."), norm(theirs).rstrip(".")
    return quote_matches(ours, theirs) or (min(len(a), len(b)) >= 20 and (a in b or b in a))


def same_person(a: str | None, b: str | None) -> bool:
    """Names equal once initials are dropped ("James P. Kennedy Jr." is "James Kennedy Jr.")."""
    def key(name):
        return [w for w in norm(name).replace(".", " ").split() if len(w) > 1 and w not in ("jr", "sr")]
    return key(a) == key(b)


def misattributions(result, truth: dict) -> tuple[list[str], list[str]]:
    """Quotes (the pull quote and every listed quote with a speaker) given to the wrong person.

    A quote whose words are a truth quote's but whose speaker differs is a
    misattribution; so is any speaker that is none of the page's quoted people
    while the quote's words belong to one of them. A speaker the truth does
    not know for words it does not list is "unchecked": printed for a reader.
    """
    known = [q for q in truth.get("acceptable_pull_quotes") or []]
    speakers = {norm(q["speaker"]) for q in known}
    wrong, unchecked = [], []
    listed = [q for q in result.quotes if q.speaker]
    if result.pull_quote is not None and result.pull_quote.speaker:
        listed.append(result.pull_quote)
    for q in listed:
        same_words = [k for k in known if _overlaps(q.text, k["text"])]
        if same_words:
            if not any(same_person(k["speaker"], q.speaker) for k in same_words):
                wrong.append(f"{q.speaker}: {q.text[:60]}")
        elif not any(same_person(q.speaker, k) for k in speakers):
            unchecked.append(f"{q.speaker}: {q.text[:60]}")
    return wrong, sorted(set(unchecked))


def page_language(raw: bytes, url: str) -> str:
    """The page's language as the extractor reads it (declared, else guessed from the text)."""
    from distributor.extract import language, metadata, parse
    from distributor.extract.body import article_body

    doc = parse(raw, url=url)
    head = metadata.read_head(doc)
    body = article_body(doc.tree)
    return language.page_language(language.declared_languages(doc, head), "\n".join(body.paragraphs[:20]))


def composer():
    """An X-post composer when distributor.compose is there (the lead writes it), else None."""
    try:
        from distributor.compose import Composer
        from distributor.config import AccountSettings
    except ImportError as exc:
        print(f"note: composition skipped ({exc})")
        return None
    account = AccountSettings(name="bench", platform="twitter")
    engine = Composer()
    return lambda article: engine.compose(article, account)


def corpus_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("DISTRIBUTOR_CORPUS"):
        return Path(os.environ["DISTRIBUTOR_CORPUS"])
    return REPO.parent / "shared" / "corpus"


def load_pages(corpus: Path) -> list[tuple[str, bytes, dict]]:
    pages = []
    for folder in sorted((corpus / "articles").glob("*/")):
        if (folder / "article.html").exists() and (folder / "truth.json").exists():
            truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
            pages.append((folder.name, (folder / "article.html").read_bytes(), truth))
    return pages


FIELDS = ("headline", "canonical", "image", "caption", "quote", "speaker")


def quality(pages, compose) -> None:
    by_lang: dict[str, dict[str, int]] = {}
    composed = 0
    print(f"{'page':42} lang " + " ".join(f"{f[:5]:>5}" for f in FIELDS) + "  misat leaks")
    for name, raw, truth in pages:
        lang = page_language(raw, truth["canonical_url"])
        try:
            result = extract_page(raw, url=truth["canonical_url"], source=name)
        except DistributorError as exc:
            print(f"{name[:42]:42} ERROR {exc}")
            continue
        scores = score_page(result, truth)
        for key in (lang, "all"):
            row = by_lang.setdefault(key, dict.fromkeys((*FIELDS, "pages", "misattributed", "leaks"), 0))
            row["pages"] += 1
            for f in FIELDS:
                row[f] += bool(scores[f])
            row["misattributed"] += len(scores["misattributed"])
            row["leaks"] += len(scores["leaks"])
        line = f"{name[:42]:42} {lang:4} " + " ".join(f"{'ok' if scores[f] else 'MISS':>5}" for f in FIELDS)
        print(f"{line}  {len(scores['misattributed']) or '':5} {len(scores['leaks']) or ''}")
        for item in scores["misattributed"]:
            print(f"    MISATTRIBUTED {item}")
        for item in scores["unchecked"]:
            print(f"    unchecked speaker {item}")
        if scores["leaks"]:
            print(f"    leaked: {scores['leaks']}")
        if compose is not None:
            try:
                compose(result)
                composed += 1
            except DistributorError as exc:
                print(f"    compose failed: {exc}")
    print()
    print("per language (acceptable quote counts a rightly missing one):")
    print(f"{'lang':5} {'pages':>5} " + " ".join(f"{f[:7]:>8}" for f in FIELDS) + "  misattr  leaks")
    for key in sorted(by_lang, key=lambda k: (k == "all", k)):
        row = by_lang[key]
        n = row["pages"]
        cells = " ".join(f"{100 * row[f] / n:7.1f}%" for f in FIELDS)
        print(f"{key:5} {n:5} {cells}  {row['misattributed']:7}  {row['leaks']:5}")
    overall = by_lang["all"]
    print()
    for field in FIELDS:  # one line a figure, in the form scripts and hooks read
        print(f"{field:<11} {overall[field]:>3}/{overall['pages']} = {100 * overall[field] / overall['pages']:5.1f}%")
    print(f"misattributions {overall['misattributed']}")
    print(f"leaks      {overall['leaks']}")
    if compose is not None:
        print(f"composed {composed}/{len(pages)}")


def _clear_trafilatura_memos() -> None:
    """Empty trafilatura's per-input memo caches (texts, dates, URLs), as extract_only empties ours.

    Its one-time tables (justext stoplists, charset_normalizer's code pages) stay
    loaded, as our compiled tables do: only what a new page could not reuse is cleared.
    """
    from courlan.filters import langcodes_score
    from htmldate.extractors import try_date_expr
    from htmldate.validators import reset_validator_caches
    from trafilatura.deduplication import _vector_to_add, is_similar_domain
    from trafilatura.utils import line_processing, return_printables_and_spaces, trim

    for cached in (langcodes_score, try_date_expr, _vector_to_add, is_similar_domain, line_processing,
                   return_printables_and_spaces, trim):
        cached.cache_clear()
    reset_validator_caches()


def speed(pages, repeats: int, compose) -> None:
    """extract_page + composing the X post vs trafilatura.bare_extraction, same pages, same process."""
    from trafilatura import bare_extraction

    from distributor import lengths

    results = []

    from distributor.extract import attribution, body, names

    def extract_only() -> None:
        for cached in (names._strip_titles, names._is_title_in, names._is_minor, names.is_org, names.fold, names.is_suffix,
                       attribution.last_sentence, body._names_mark_chrome):
            cached.cache_clear()  # memoised per process: each round starts cold, as a new page would
        results.clear()
        for _, raw, truth in pages:
            results.append(extract_page(raw, url=truth["canonical_url"]))

    def compose_only() -> None:
        lengths._x_weighted_length.cache_clear()  # each round counts from cold
        for result in results:
            compose(result)

    def ours() -> None:
        extract_only()
        if compose is not None:
            compose_only()

    def theirs() -> None:
        _clear_trafilatura_memos()  # the same cold start per round as ours above
        for _, raw, truth in pages:
            bare_extraction(raw, url=truth["canonical_url"])

    runs = [("distributor", ours), ("trafilatura", theirs), ("extract", extract_only)]
    if compose is not None:
        runs.append(("compose", compose_only))
    for _, run in runs:
        run()  # warm up imports and caches
    # Interleaved rounds, best round of each kept (as timeit does): other work on the
    # machine then slows both sides alike instead of skewing the ratio. CPU time of this
    # process (process_time), not wall time: on a shared machine the wall clock also
    # counts the time other processes hold the cores. Each round starts from a collected
    # heap, so one side's garbage is never collected in the other side's time.
    timings: dict[str, float] = {}
    walls: dict[str, float] = {}
    for _ in range(repeats):
        for label, run in runs:
            gc.collect()
            start, wall = time.process_time(), time.perf_counter()
            run()
            elapsed, wall = time.process_time() - start, time.perf_counter() - wall
            timings[label] = min(elapsed, timings.get(label, elapsed))
            walls[label] = min(wall, walls.get(label, wall))
    per_page = {k: 1000 * v / len(pages) for k, v in timings.items()}
    print()
    print(f"speed over {len(pages)} pages, CPU time, best of {repeats} interleaved rounds:")
    print(f"  distributor extract + compose          {per_page['distributor']:6.2f} ms/page")
    print(f"    of which extract_page (with quotes)  {per_page['extract']:6.2f} ms/page")
    if "compose" in per_page:
        print(f"    of which compose (X post)            {per_page['compose']:6.2f} ms/page")
    print(f"  trafilatura.bare_extraction            {per_page['trafilatura']:6.2f} ms/page")
    print(f"ratio: extract + compose is {timings['trafilatura'] / timings['distributor']:.1f}x faster than trafilatura")
    print(f"(CPU time; by wall clock, best rounds: {walls['trafilatura'] / walls['distributor']:.1f}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="corpus folder (default $DISTRIBUTOR_CORPUS or ../shared/corpus)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    corpus = corpus_dir(args.corpus)
    pages = load_pages(corpus)
    if not pages:
        print(f"no pages found under {corpus}/articles", file=sys.stderr)
        return 2
    compose = composer()
    quality(pages, compose)
    if not args.no_speed:
        speed(pages, args.repeats, compose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
