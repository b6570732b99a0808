"""Direct quotes in an article body, their speakers, and the pull quote.

The pull quote goes out under the newsroom's name, so the rules lean towards
saying nothing: only quotes with a named person count, and a fragment of the
journalist's own sentence, a song title in quote marks or an anonymous
source never wins. Everything is compiled regexes and linear passes because
this runs on every article.

Steps: find the quote-mark spans of each paragraph (quote marks are told
apart from apostrophes by what stands either side of them); drop titles and
scare quotes; join quotes that run over several paragraphs; read the
attribution around each (attribution.py); resolve surnames, pronouns and
continuing paragraphs against the people the article has introduced
(names.py); score.
"""

from __future__ import annotations

from typing import Callable, Sequence

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from distributor.extract.attribution import (
    Discourse,
    Mention,
    after_attribution,
    before_attribution,
    last_sentence,
    prose_only,
    prose_subjects,
    split_sentences,
)
from distributor.extract.language import current, rules_for, using
from distributor.extract.model import Quote
from distributor.extract.names import NAME_RUN, PRONOUNS, Registry, fold, given_name_pronoun, is_org, leading_name, strip_titles

DOUBLE = '"“”„‟«»〝〞＂'
SINGLE = "'‘’‚‛‹›"
# The marks _spans reads: all but an apostrophe between two letters or digits (don’t, Nadal’s),
# which _role would call an apostrophe at once ([^\W_] is exactly str.isalnum). Most marks
# in English copy are those, and each one skipped here is one Python step less per mark.
_INWORD_APOSTROPHES = "’'‛"
# (One character class first, so re scans for it at C speed; the lookaround then drops
# the apostrophes that have a letter or digit on both sides.)
_SPAN_MARKS_RE = re.compile(
    rf"[{re.escape(DOUBLE + SINGLE)}](?!(?<=[^\W_][{_INWORD_APOSTROPHES}])[^\W_])"
)
_OPENERS = "“„‟«‘‚‛‹〝"
_SPACE_BEFORE = "([{—–-/" + _OPENERS
_SPACE_AFTER = ".,;:!?)]}—–-…" + "”»›’\"'"
_BULLETS = "•-–—*· \u00a0"

OPEN, CLOSE, EITHER, APOSTROPHE = "open", "close", "either", "apostrophe"

# \b(?:I|me|my|we|We|our|Our|us)\b, only ever searched for ("I’m", "we’re" ... are found as
# "I", "we", whose \b the apostrophe makes). Written to open with one character class, so re
# scans for it at C speed: the lookbehind after it is the \b before that first letter.
_FIRST_PERSON = re.compile(r"[ImwWoOu](?<!\w.)(?:(?<=I)|(?<=m)[ey]|(?<=[wW])e|(?<=[oO])ur|(?<=u)s)\b")
_VERB_HINT = re.compile(
    r"\b(?:is|are|was|were|be|been|am|has|have|had|do|does|did|will|would|can|could|should|must|"
    r"may|might|shall|’s|'s|n’t|n't|think|want|know|need|get|got|go|going|make|feel|see)\b|\w+(?:ed|ing)\b",
    re.IGNORECASE,
)


# Patterns of the hot paths, compiled once (re's own cache still costs a lookup per call).
_CONTRACTION_RE = re.compile(r"(?:s|t|ll|re|ve|d|m)\b")
_SPACES_RE = re.compile(r"\s+")
_ENDS_SENTENCE_RE = re.compile(r"[.!?…]$")
_LOWER_NEXT_RE = re.compile(r"\s+[a-z]")
_FULL_STOP_END_RE = re.compile(r"(?<!\.)\.$")
_DASH_START_RE = re.compile(r"\s*[—–]")
_HANDS_OVER_RE = re.compile(r"[,!?][’'\"”]*\s*$")
_PUNCTUATED_END_RE = re.compile(r"[,.!?…—–-][’'\"”]*\s*$")
_NOT_WORD_RE = re.compile(r"[^\w\s]")
_WEAK_OPENER_RE = re.compile(r"(?:But|And|So|Or|Because)\b")
_DIGIT_RE = re.compile(r"\d")
_PRONOUN_OPENER_RE = re.compile(r"(?:He|She|They|His|Her|Their)\b")
# The same third persons in the other languages ("Elle a dit …", "Er hat …", "Su hijo …").
_PRONOUN_OPENERS = {
    "en": _PRONOUN_OPENER_RE,
    "fr": re.compile(  # (not the impersonal "Il faut", "Il y a", "Il est temps")
        r"(?:Il(?! (?:faut|y|est|s’agit|s'agit|fallait|était|semble|reste|suffit|faudra|sera|serait)\b)"
        r"|Elle|Ils|Elles|Son|Sa|Ses|Leur|Leurs)\b"
    ),
    "de": re.compile(r"(?:Er|Sie|Sein|Seine|Seinen|Seinem|Seiner|Ihr|Ihre|Ihren|Ihrem|Ihrer)\b"),
    "es": re.compile(r"(?:Él|Ella|Ellos|Ellas|Su|Sus)\b"),
    "pt": re.compile(r"(?:Ele|Ela|Eles|Elas|Seu|Sua|Seus|Suas)\b"),
    "it": re.compile(r"(?:Lui|Lei|Loro|Egli|Ella|Suo|Sua|Suoi|Sue)\b"),
    "nl": re.compile(r"(?:Hij|Zij|Ze|Zijn|Haar|Hun)\b"),
}


@dataclass
class _Span:
    start: int  # index of the opening mark
    end: int  # index of the closing mark, or len(paragraph) when unclosed
    closed: bool
    kind: str  # "double" | "single"


@dataclass
class _Raw:
    """One quote while it is being assembled; becomes a Quote at the end."""

    parts: list[str]
    para: int
    before: str
    after: str
    closed: bool
    kind: str
    fragment: bool = False  # part of the writer's own sentence
    incomplete: bool = False  # “We’re excited,” X said, “as it’s ...”: half a sentence
    unpunctuated: bool = False  # “… and continue to see ” Mayer said: a clipped line
    runs_on: bool = False  # “The thing with Elise bothered” Ford’s family, Starner said: the prose ends the sentence
    second_hand: bool = False  # “…,” Lopez said Ortiz told her: whose words they are is not sure
    mention: Mention | None = None
    tight: bool = False  # the attribution hugs the quote
    speaker: str | None = None
    speaker_is_full: bool = False
    unnamed: bool = False
    how: str = ""  # how the speaker was found: a key of CONFIDENCE
    end_para: int = -1  # the paragraph the quotation ends in, when it runs over several
    prefix: str = ""  # the paragraph's last PREFIX_CHARS before the opening mark (earlier quotes included)
    ceiling: float = 1.0  # a speaker carried over from an earlier quote is no surer than it was there


def _role(text: str, i: int) -> str:
    """Whether the mark at text[i] opens, closes, could do either, or is an apostrophe."""
    c = text[i]
    p = text[i - 1] if i > 0 else " "
    n = text[i + 1] if i + 1 < len(text) else " "
    single = c in SINGLE
    if single and c in "’'‛":
        if p.isalnum() and n.isalnum():
            return APOSTROPHE  # don’t, Nadal’s
        if n.isdigit() and not p.isalnum():
            return APOSTROPHE  # the ’90s
    if single and p == " " and _CONTRACTION_RE.match(text[i + 1 : i + 4]):
        return APOSTROPHE  # "Boeing 's", "isn ‘t": an apostrophe cut loose by markup
    if c in "\"”" and p.isdigit() and (n.isspace() or n.isalpha() or n in ".,"):
        return APOSTROPHE  # 16" MacBook: an inch mark
    before_space = p.isspace() or p in _SPACE_BEFORE
    after_space = n.isspace() or n in _SPACE_AFTER
    if before_space and not after_space:
        return OPEN
    if after_space and not before_space:
        return CLOSE
    if not before_space and not after_space:
        return APOSTROPHE if single else EITHER
    if c in _OPENERS:
        return OPEN if not after_space or n.isspace() else EITHER
    return EITHER


def _spans(text: str) -> list[_Span]:
    """Top-level quoted spans of one paragraph; nested quotes stay inside them."""
    stack: list[tuple[str, int]] = []  # (kind, index of opening mark)
    spans: list[_Span] = []
    for m in _SPAN_MARKS_RE.finditer(text):
        i = m.start()
        role = _role(text, i)
        if role == APOSTROPHE:
            continue
        kind = "single" if text[i] in SINGLE else "double"
        if not stack:
            if role == CLOSE or (kind == "single" and role != OPEN):
                continue  # a stray closing mark or a plural possessive (players’)
            stack.append((kind, i))
            continue
        top_kind = stack[-1][0]
        if kind == top_kind:
            if role == OPEN and text[i] in _OPENERS and kind == "double" and len(stack) > 1:
                stack.append((kind, i))
                continue
            if role == OPEN and kind == "single":
                stack.append((kind, i))
                continue
            opened = stack.pop()
            if not stack:
                spans.append(_Span(opened[1], i, True, kind))
        elif role == OPEN or (role == EITHER and text[i] in _OPENERS):
            stack.append((kind, i))
        elif any(k == kind for k, _ in stack):
            while stack and stack[-1][0] != kind:
                stack.pop()
            opened = stack.pop()
            if not stack:
                spans.append(_Span(opened[1], i, True, kind))
        # else: a closing single mark inside a double quote is an apostrophe.
    if stack:
        spans.append(_Span(stack[0][1], len(text), False, stack[0][0]))
    return spans


def _clean_text(text: str) -> str:
    """Quote text without the "…," comma and without stray spaces."""
    text = " ".join(text.split())  # (str.split splits on exactly what re's \s matches)
    return text.rstrip(",").rstrip()


def _is_scare(text: str) -> bool:
    """Short and verbless (“reform”, “Three Amigos”): a label, not speech."""
    words = text.split()
    has_end = bool(_ENDS_SENTENCE_RE.search(text.rstrip(",”’\"' ")))
    if len(words) <= 3 and not has_end:
        return True
    if len(words) <= 2 or (len(words) <= 3 and text[:1].islower()):
        return True  # trademark on “Arduino.”, said they were “shocking and false.”
    capitalised = sum(1 for w in words if w[:1].isupper())
    if len(words) <= 8 and capitalised >= max(2, 0.6 * len(words)) and not has_end:
        return True  # “We’re Not Gonna Take It”, “Dancing with the Stars”
    if len(words) <= 5 and not has_end and not _VERB_HINT.search(text) and not current().verb_hint_re.search(text):
        return True
    return False


_ANY_VERB_START = re.compile(r"\s+(?:\w+ly\s+)?(?:said|says|added|told|asked|wrote|noted|explained|recalled)\b")
_TITLE_CUE = re.compile(
    r"(?:[’']s|\b(?:called|titled|entitled|named|dubbed|song|single|album|film|movie|show|series|"
    r"book|novel|play|musical|episode|campaign|slogan|hashtag|brand|app|tagline))\s*$",
    re.IGNORECASE,
)


_TITLE_NOUN = re.compile(
    r"\b(?:titled|entitled|song|single|album|film|movie|show|series|book|novel|memoir|play|musical|"
    r"episode|essay|poem|report|paper|documentary|podcast|newsletter|exhibition|slogan|hashtag)\s*$",
    re.IGNORECASE,
)


def _ends_with_cue(pattern: re.Pattern, tail: str) -> bool:
    """pattern.search(tail) for _TITLE_CUE / _TITLE_NOUN on a tail without trailing space.

    Both match one word (or "’s") ending the text, so only the last characters are
    searched: no cue word is longer than _CUE_WINDOW - 1, and the one character
    before it decides its word boundary. A long sentence before a quote is then not
    searched from every one of its positions.
    """
    return bool(pattern.search(tail[-_CUE_WINDOW:]))


# One more than the longest word either pattern can end with: read from their sources, so
# a word added to a list widens it (they must stay lists of literal words for this).
_CUE_WINDOW = 1 + max(len(word) for p in (_TITLE_CUE, _TITLE_NOUN) for word in re.findall(r"[^\W\d_]+", p.pattern))


def _is_title(text: str, before: str, after: str = "") -> bool:
    """A name of a song, film, show or slogan inside a sentence, not something said.

    Cues: title case, a possessive or a word like "film" just before it, or a
    noun straight after it ("the “Meth. We’re on it.” campaign").
    """
    words = text.split()
    tail = last_sentence(before).rstrip()
    embedded = bool(tail) and not tail.endswith((":", ","))
    if embedded and len(words) <= 25 and _ends_with_cue(_TITLE_NOUN, tail):
        return True  # In her book “A Paradise Built in Hell: The Extraordinary Communities ...”
    if len(words) > 8:
        return False
    noun_follows = _LOWER_NEXT_RE.match(after) and not _ANY_VERB_START.match(after)
    if embedded and (_ends_with_cue(_TITLE_CUE, tail) or noun_follows):
        return True
    if _ENDS_SENTENCE_RE.search(text):
        return False
    capitalised = sum(1 for w in words if w[:1].isupper())
    return capitalised >= max(2, 0.6 * len(words)) and embedded


def _is_fragment(text: str, before: str) -> bool:
    """A quote that is part of the journalist's own sentence ("said it was “merciless”")."""
    if text[:1].islower():
        return True
    tail = last_sentence(before).rstrip()
    if tail and not tail.endswith((":", ",", "—", "–")) and not tail.endswith(tuple(DOUBLE + SINGLE)):
        return True
    return False


def _paragraph_raws(text: str, index: int, budget: int = 10**9) -> list[_Raw]:
    raws: list[_Raw] = []
    spans = _spans(text)[:budget]
    prose_start = 0
    for k, span in enumerate(spans):
        inner = text[span.start + 1 : span.end]
        nxt = spans[k + 1].start if k + 1 < len(spans) else len(text)
        after = text[span.end + 1 : nxt] if span.closed else ""
        before = text[prose_start : span.start]
        parts = [_clean_text(inner)]
        may_incise = _may_incise(inner)
        # A title is no speech whatever its attribution says: when no incise can change the
        # words, it is told first, and the attribution of a title is never read.
        title = None if may_incise else _is_title(parts[0], before, after)
        if title:
            continue  # leave it in the prose: it is part of a sentence
        # “We will win.” He said ... starts a new sentence: not an attribution.
        ends_sentence = bool(_FULL_STOP_END_RE.search(inner.rstrip(" ’'\"”")))  # "…" is an elision
        dash = _DASH_START_RE.match(after)  # “…” — Marcus Reed (@mreed), a sign-off
        mention = after_attribution(after) if after and (dash or not ends_sentence) else None
        # “It’s over,” union chief Karl Berg said: the comma inside the marks hands over.
        handed_over = bool(_HANDS_OVER_RE.search(inner))
        tight = bool(mention and (mention.tight or handed_over))
        incise = _incise(inner) if may_incise and (mention is None or not tight) else None
        if incise is not None:
            # « Absurde. Ce processus est la norme, explique Antony Fastier, toxicologue. Les études … »
            parts, mention, tight = incise[0], incise[1], True
        # Titles, slogans, nicknames and scare quotes: words in quote marks nobody said.
        if (title is None and _is_title(parts[0], before, after)) or (not tight and _is_scare(parts[0])):
            continue  # leave it in the prose: it is part of a sentence
        runs_on = bool(tight and mention and mention.kind == "name") and _runs_on(inner, after, mention.text)
        # “The repairs that worried” residents most are done, Ana Lopez said: the prose carries
        # the quoted words on, and the attribution further off is the whole sentence's.
        runs_on = runs_on or bool(
            mention and not tight and not _PUNCTUATED_END_RE.search(inner)
            and _LOWER_NEXT_RE.match(after) and not _ANY_VERB_START.match(after)
        )
        if runs_on and len(parts) == 1:
            sentences = split_sentences(parts[0])
            if len(sentences) > 1:  # “A whole sentence. Bigger than the little” deal announced in May
                parts, runs_on = [" ".join(sentences[:-1])], False
        raws.append(
            _Raw(
                parts=parts,
                para=index,
                before=before,
                after=after,
                closed=span.closed,
                kind=span.kind,
                mention=mention,
                tight=tight,
                unpunctuated=tight and not _PUNCTUATED_END_RE.search(inner),
                runs_on=runs_on,
                second_hand=bool(mention and _SECOND_HAND_RE.match(after)),
                prefix=text[max(0, span.start - PREFIX_CHARS) : span.start],
            )
        )
        prose_start = span.end + 1
    for a, b in zip(raws, raws[1:]):
        if b.parts[0][:1].islower() and not _ENDS_SENTENCE_RE.search(a.parts[0]):
            a.incomplete = True
    return raws


# “…,” Lopez said Ortiz told her / she said the engineer had told her / Lopez recalled Ortiz
# telling her / Lopez said, quoting Ortiz: the attribution's clause reports a second speaker
# or a text, which may be whose words these are. (Bounded gaps: one short clause is read,
# whatever follows.)
_SECOND_HAND_RE = re.compile(
    r"[^,.;:!?“”\"]{0,60}?\b(?:said|says|told|tells|recalled|recalls)\b"
    # (not "he said he told them": the speaker reporting his own words)
    r"(?!(?:\s+(?:he|she|I|they|we))+\s+(?:had\s+|has\s+)?(?:told|tells|said|says|wrote|asked)\b)"
    r"[^,.;:!?“”\"]{1,60}?\b(?:told|tells|said|says|wrote|writes|texted|asked|telling|saying)\b"
    # ("dijo López, citando a Ortiz", "a déclaré Dubois, citant l’ingénieur")
    r"|[^.;:!?“”\"«»]{0,60}?,?\s+(?:quoting|citing|reading|paraphrasing|relaying|repeating|citando|leyendo|citant|lisant)\b"
    # “…,” Jones was told by Smith: the words are Smith's, the name is Jones's
    r"|[^,.;:!?“”\"]{0,60}?\b(?:was|were|been|being)\s+(?:told|informed|warned|assured|reminded)\s+by\b"
)


def _runs_on(inner: str, after: str, speaker: str) -> bool:
    """“The thing with Elise bothered” Ford’s family, Starner said: no punctuation closes the
    quoted words, and what follows up to the first comma is the rest of their sentence, not
    the speaker (as it is in “…” Mayer, the coach, said)."""
    if _PUNCTUATED_END_RE.search(inner) or not after[:1].isspace():
        return False
    clause, comma, _ = after[:200].partition(",")
    if not comma or not clause.strip():
        return False
    surname = speaker.split()[-1] if speaker.split() else speaker
    return surname not in clause


def _may_incise(inner: str) -> bool:
    """Whether _incise could find an attribution inside these quoted words at all."""
    return len(inner) >= 20 and current().code != "en"


def _incise(inner: str) -> tuple[list[str], Mention] | None:
    """An attribution set inside the quotation (French, Spanish, Italian, Portuguese habit).

    "…, explique Antony Fastier, toxicologue. Les études …": the words on
    either side are the speaker's, the incise names the speaker. Only a
    speech verb followed by a name, between commas, counts.
    """
    if not _may_incise(inner):
        return None
    m = current().incise_re.search(inner)
    if m is None:
        return None
    name = leading_name(m.group("who"))
    if not name or len(name.split()) < 2:
        return None
    head, tail = _clean_text(inner[: m.start()]), _clean_text(inner[m.end() :])
    if len(head.split()) < 2:
        return None
    parts = [head + ("" if head.endswith((".", "!", "?", "…")) else "."), tail] if tail else [head]
    return [p for p in parts if p], Mention("name", name, tight=True)


# No article quotes anyone 400 times, and no paragraph of prose runs to 20,000
# characters: past these bounds a page is hostile or broken, and reading on
# would only cost time (a paragraph of 100,000 quotes, an unclosed mark over
# 600 kB). The quotes found up to there still count.
MAX_QUOTES = 400
MAX_PARAGRAPH_CHARS = 20_000
MAX_TEXT_CHARS = 400_000

# How much of a paragraph before a quote is read for who "she" is: a bound, so a
# paragraph of 100,000 quotes costs 100,000 short reads rather than a quadratic one.
PREFIX_CHARS = 600


def _strip_bullet(text: str) -> str:
    return text.lstrip(_BULLETS)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _NOT_WORD_RE.sub("", text)
    return _SPACES_RE.sub(" ", text).strip()


def _length_factor(n: int) -> float:
    """Editors lift short lines: one punchy sentence beats a paragraph."""
    if n < 12:
        return 0.45
    if n < 20:
        return 0.75
    if n < 25:
        return 0.9
    if n <= 80:
        return 1.0
    if n <= 120:
        return 0.9
    if n <= 160:
        return 0.8
    if n <= 200:
        return 0.7
    if n <= 280:
        return 0.45
    return 0.25


def _text_factor(text: str) -> float:
    """What the words alone say about a pull quote: length, person, completeness."""
    # (Asked again of the same words: _score and pick_pull_quote both read a quote's first
    # line, and a quote's windows repeat its sentences. The language's part is the key.)
    return _text_factor_under(text, current().weak_opener_re, current().code)


# A quote mark other than an apostrophe (’ and ' are read as apostrophes here).
_MARKS_BUT_APOSTROPHES_RE = re.compile("[" + re.escape("".join(c for c in DOUBLE + SINGLE if c not in "’'")) + "]")


@functools.lru_cache(maxsize=4096)
def _text_factor_under(text: str, weak_opener_re: re.Pattern, code: str = "en") -> float:
    f = _length_factor(len(text))
    if _FIRST_PERSON.search(text):
        f *= 1.1
    if text[:1].islower() or text.startswith(("…", "...")):
        f *= 0.6
    if "!" in text:
        f *= 1.03
    if code == "en" and _WEAK_OPENER_RE.match(text):
        f *= 0.9  # (English words only: "So che …" is Italian for "I know that …")
    elif weak_opener_re.match(text):
        f *= 0.8  # the same in the page's language
    # ("...", "…", "[" or "(": each looked for by str's own search, not one regex pass)
    inner = text.strip("….")
    if "..." in inner or "…" in inner or "[" in text or "(" in text:
        f *= 0.8  # elided or annotated by the writer: editors avoid these
    if _MARKS_BUT_APOSTROPHES_RE.search(text):
        f *= 0.85  # a quote inside the quote reads badly on its own
    if _DIGIT_RE.search(text):
        f *= 0.9  # dates and figures need the article around them
    if _PRONOUN_OPENERS.get(code, _PRONOUN_OPENER_RE).match(text):
        f *= 0.9  # who "he" is gets lost out of context
    return f


def find_quotes(
    paragraphs: list[str],
    hints: list[str] = (),
    context: Sequence[str] = (),
    language: str | None = None,
    embedded: Sequence[tuple[str, str]] = (),
) -> list[Quote]:
    """Every direct quote in the body, with its speaker and a score, best first.

    ``context`` is prose that introduces people but is never quoted from, such
    as the page's description or standfirst: "staff writer David Emery posted"
    there lets a body that only says "Emery" name him in full. ``language`` is
    the page's language code ("fr", "de" ...; English when None or unknown).
    ``embedded`` holds (text, author) of posts embedded in the article.
    """
    with using(rules_for(language)):
        return _find_quotes(paragraphs, hints, context, embedded)


_DIALOGUE_OPEN = re.compile(r"(?:^|(?<=[.!?…] ))[–—―]\s+(?=\S)")
_DIALOGUE_CLOSE = re.compile(r"\s[–—―]\s+(?=[^\W\d_])")


def _dialogue_to_marks(text: str) -> str:
    """ "– To jest moment. – mówił premier X." -> "“To jest moment.”, mówił premier X."

    Polish, Spanish, Portuguese and Italian copy often quotes with a dash that
    opens the speech (at the start of a paragraph or of a sentence) and a dash
    that hands over to the attribution. A closing dash must be followed by a
    lower-case word (the verb); otherwise the speech runs to the paragraph end.
    """
    out: list[str] = []
    pos = 0
    while True:
        m = _DIALOGUE_OPEN.search(text, pos)
        if m is None:
            break
        out.append(text[pos : m.start()])
        close = _DIALOGUE_CLOSE.search(text, m.end())
        if close is not None and text[close.end()].islower():
            out.append("“" + text[m.end() : close.start()].rstrip() + "”, ")
            pos = close.end()
        else:
            nxt = _DIALOGUE_OPEN.search(text, m.end())
            end = nxt.start() if nxt else len(text)
            out.append("“" + text[m.end() : end].rstrip() + "” ")
            pos = end
    out.append(text[pos:])
    return "".join(out).rstrip()


# Any quote mark, or the `` that wire copy doubles into one: a paragraph without any has no span.
_ANY_MARK_RE = re.compile("[" + re.escape(DOUBLE + SINGLE + "`") + "]")
# A double mark, a guillemet, an opening single mark or a dash: a paragraph that may quote.
_QUOTE_SIGN_RE = re.compile(r'["“”„‟«»〝〞＂‘‚‛‹›`–—―]')


def _bounded(paragraphs: list[str]) -> list[str]:
    """The paragraphs cut to MAX_PARAGRAPH_CHARS each and MAX_TEXT_CHARS in all."""
    out, total = [], 0
    for p in paragraphs:
        if total >= MAX_TEXT_CHARS:
            break
        p = p[:MAX_PARAGRAPH_CHARS]
        out.append(p)
        total += len(p)
    return out


def _find_quotes(
    paragraphs: list[str], hints: Sequence[str], context: Sequence[str], embedded: Sequence[tuple[str, str]] = ()
) -> list[Quote]:
    paragraphs = _bounded(paragraphs)
    if not embedded and not any(_QUOTE_SIGN_RE.search(p) for p in paragraphs):
        return []  # no quotation mark and no dialogue dash: nobody is quoted
    if current().dialogue_dashes:
        paragraphs = [_dialogue_to_marks(p) if "–" in p or "—" in p or "―" in p else p for p in paragraphs]
    raws: list[_Raw] = []
    pending: _Raw | None = None  # a quote left open at the end of a paragraph
    for index, raw_text in enumerate(paragraphs):
        if len(raws) >= MAX_QUOTES:
            break
        if not _ANY_MARK_RE.search(raw_text):
            pending = None  # no quote mark (nor `` to become one): nothing quoted, nothing carried on
            continue
        text = _strip_bullet(raw_text[:MAX_PARAGRAPH_CHARS].strip())
        if "‘‘" in text or "’’" in text or "``" in text:
            # Wire copy doubles single marks: ‘‘It was a trick,’’ she said.
            text = text.replace("‘‘", "“").replace("``", "“").replace("’’", "”")
        found = _paragraph_raws(text, index, MAX_QUOTES - len(raws))
        if pending is not None and found and text[:1] in DOUBLE + SINGLE and found[0].kind == pending.kind:
            # A quote running over paragraphs: each new one reopens the mark.
            head = found.pop(0)
            pending.parts.extend(head.parts)
            pending.end_para = head.para
            pending.closed = head.closed
            pending.after = head.after
            if pending.mention is None and head.mention is not None:
                pending.mention, pending.tight = head.mention, head.tight
        pending = None
        raws.extend(found)
        if found and not found[-1].closed:
            pending = found[-1]

    if not raws and not embedded:
        return []  # quote marks, but nothing anyone said: no speaker to look for
    # Learning the article's people reads every paragraph (the costly part), so
    # it waits until there is a quote to give a speaker.
    registry = Registry()
    for text in context:
        if text:
            registry.learn_text(text, 0)
    for i, p in enumerate(paragraphs):
        registry.learn_text(p, i)
    _attribute(raws, paragraphs, registry)
    raws.extend(_embedded_raws(embedded, registry, paragraphs))
    for r in raws:
        if r.speaker and not r.speaker_is_full:
            r.speaker = None  # "Tottenham said": a lone capitalised word may be anything
    _drop_handles(raws, paragraphs)
    hint_keys = [_normalise(h) for h in hints if h and h.strip()]
    total = max(len(paragraphs), 1)
    protagonist = _protagonist(raws, paragraphs)
    quotes = []
    for r in raws:
        text = "\n".join(p for p in r.parts if p)
        if not text:
            continue
        score = _score(r, text, protagonist, registry.is_titled, total, hint_keys)
        quotes.append(Quote(text=text, speaker=r.speaker, score=round(score, 4), confidence=_confidence(r)))
    quotes.sort(key=lambda q: -q.score)
    return quotes


# How sure a reader is of the speaker, by how the attribution was found. The
# figures order the cases (and set what review_if_unsure holds back), they
# are not probabilities: see quote_policy.CONFIDENCE_THRESHOLD.
CONFIDENCE = {
    "named": 0.92,  # “…,” said Jane Doe / Jane Doe said: “…”
    "surname": 0.85,  # “…,” Doe said, Jane Doe introduced earlier
    "named before": 0.85,  # Jane Doe, in the sentence that leads into the quote
    "surname before": 0.8,
    "embed": 0.9,  # an embedded post, under its author's name
    "same paragraph": 0.75,  # “First part,” she said. “Second part.”
    "pronoun": 0.65,  # “…,” she said: the last woman the article named
    "role": 0.6,  # “…”, a déclaré le ministre: the one minister the article named
    "continued": 0.55,  # a paragraph that carries on the previous speaker's quote
    "dropped subject": 0.5,  # “…”, dijo.: the subject is who the story was on
}


def _confidence(r: _Raw) -> float:
    if not r.speaker or not r.speaker_is_full:
        return 0.0
    value = min(CONFIDENCE.get(r.how, 0.5), r.ceiling)
    if current().code != "en":
        value *= 0.97  # the rules of other languages have been read on fewer pages
    if r.fragment or r.incomplete or not r.closed:
        value *= 0.85
    if r.runs_on or r.second_hand:
        value = min(value, FRAGMENT_CONFIDENCE)  # half a sentence: never posted unattended
    return round(value, 2)


def _count_word(text: str, word: str) -> int:
    """How often `word` stands in `text` as a whole word (str.find: the fastest literal search)."""
    n, size = 0, len(word)
    i = text.find(word) if word else -1
    while i >= 0:
        before = text[i - 1] if i else " "
        after = text[i + size] if i + size < len(text) else " "
        if not (before.isalpha() or before in "’'-") and not (after.isalnum() or after in "_’'-"):
            n += 1
        i = text.find(word, i + size)
    return n


def _protagonist(raws: list[_Raw], paragraphs: list[str]) -> str | None:
    """The quoted person the article mentions most: usually who the story is about."""
    speakers = {r.speaker for r in raws if r.speaker and r.speaker_is_full}
    if len(speakers) < 2:
        return None
    # Each surname counted by a fast literal search (the text is searched once per
    # distinct speaker, and an article has a few): cheaper than splitting every word.
    joined = "\n".join(paragraphs)
    counts = Counter()
    for name in speakers:
        surname = [w for w in name.split() if w[:1].isupper()][-1]
        counts[name] = _count_word(joined, surname)
    (top, n), *rest = counts.most_common()
    if rest and rest[0][1] == n:
        return None
    return top


def _attribute(raws: list[_Raw], paragraphs: list[str], registry: Registry) -> None:
    """Give each quote a speaker: its own attribution, its paragraph's, or the previous one's."""
    people = Discourse(registry)
    read_upto = 0
    previous: _Raw | None = None
    spoke_by_surname: dict[str, tuple[str, int]] = {}  # the last full-named speaker of each surname, and where
    by_para: dict[int, list[_Raw]] = {}
    for r in raws:
        by_para.setdefault(r.para, []).append(r)

    # Each quote's attribution first: following who the prose talks about (the
    # costly part) is only needed when some quote names its speaker by "she",
    # a role or a dropped subject.
    mentions = []
    for r in raws:
        mention = r.mention if r.tight else None
        mentions.append(mention or before_attribution(r.before) or r.mention)
    # Only "she said" and a dropped subject read the discourse, so the prose is
    # followed up to the last such quote and no further.
    follow_upto = max((r.para for r, m in zip(raws, mentions) if m is not None and m.kind == "pronoun"), default=-1)
    for r, mention in zip(raws, mentions):
        while read_upto < r.para and r.para <= follow_upto:
            people.read(paragraphs[read_upto], read_upto)
            for q in by_para.get(read_upto, []):
                if q.speaker and q.speaker_is_full:
                    people.mention(q.speaker)
            read_upto += 1
        r.fragment = _is_fragment(r.parts[0], r.before) if not r.tight else False
        if not r.tight and r.after.lstrip()[:1].islower() and not _ENDS_SENTENCE_RE.search(r.parts[0]):
            r.fragment = True  # “…” in that law, Azzouz said: the sentence goes on
        if mention is None:
            # “First part,” she said. “Second part.”  /  a paragraph that continues a speaker.
            same_para = previous is not None and previous.para == r.para
            continues = previous is not None and previous.para == r.para - 1 and not last_sentence(r.before).strip()
            if (same_para or continues) and previous.speaker and _someone_else_acts(r.before, previous.speaker, registry, r.para):
                # "Jones shook her head. “That is not true.”": not the previous speaker's words,
                # and whether Jones's the page does not say.
                r.unnamed = True
            elif (same_para or continues) and previous.speaker:
                r.speaker, r.speaker_is_full, r.unnamed = previous.speaker, previous.speaker_is_full, previous.unnamed
                r.how = "same paragraph" if same_para else "continued"
                r.ceiling = min(previous.ceiling, CONFIDENCE.get(previous.how, 0.5))
            elif (same_para or continues) and previous.unnamed:
                r.unnamed = True
            previous = r
            continue
        if mention.kind == "role":
            # "a déclaré le ministre de la Santé": the one ministre the article has named.
            full = registry.by_role(mention.text, r.para)
            if full:
                r.speaker, r.speaker_is_full, r.how = full, True, "role"
            else:
                r.unnamed = True
        elif mention.kind == "name":
            full = registry.resolve(mention.text, r.para)
            if full and _honorific_disagrees(mention.text, full, r, registry):
                full = None  # "Ms. Jones said" is not Peter Jones, her husband
            if full and full != mention.text and " " not in mention.text.strip():
                full, unsure = _one_of_namesakes(mention.text, full, r.para, registry, spoke_by_surname)
                if unsure:
                    r.ceiling = min(r.ceiling, NAMESAKE_CONFIDENCE)
            if full and registry.plausible(full):
                r.speaker = full
                r.speaker_is_full = registry.is_person(full)
                r.how = "named" if full == mention.text else "surname"
            else:
                r.unnamed = True
        elif mention.kind == "pronoun" and mention.text == "∅":
            r.speaker = _dropped_subject(r, paragraphs, registry, people)
            r.speaker_is_full, r.how = r.speaker is not None, "dropped subject"
            r.unnamed = r.speaker is None
        elif (
            mention.kind == "pronoun"
            and previous is not None
            and (previous.unnamed or (previous.speaker is not None and not previous.speaker_is_full))
            and max(previous.para, previous.end_para) >= r.para - 1
            and not _people_in(r.before, registry, r.para)
        ):
            # “…,” her mother, Fiona, said. … She added: “…”: "she" is the speaker we
            # could not name, not the last woman the article named.
            r.unnamed = True
        elif mention.kind == "pronoun":
            # "Omar asked ... . She added, “…”": this paragraph's own prose comes first.
            sub = Discourse(registry)
            sub.pronoun = people.pronoun
            sub.read(r.prefix or r.before, r.para)
            if mention.text in ("it", "they", "we", "i"):  # an organisation, or the writer
                r.unnamed = True
            elif not sub.recent and (
                _unnamed_actor(r.prefix or r.before, registry, r.para) or _introduces_someone_unnamed(r.prefix or r.before)
            ):
                # "PlutoPete told me that ... . “…,” he lamented": "he" is this paragraph's
                # subject, whom the page never names as a person (a handle), not the last
                # person named earlier.
                r.unnamed = True
            else:
                r.speaker = sub.resolve(mention.text) if sub.recent else None
                r.speaker = r.speaker or people.resolve(mention.text)
                if r.speaker and _count_word(" ".join(r.parts), r.speaker.split()[-1]):
                    # “… for Mary Steenburgen to just put her name on it,” she said: whoever
                    # "she" is, she is not speaking of herself by name.
                    r.speaker, r.unnamed = None, True
                r.speaker_is_full = r.speaker is not None
                r.how = "dropped subject" if mention.text == "∅" else "pronoun"
                for name in sub.recent:
                    people.mention(name)
        else:
            r.unnamed = True
        if r.second_hand and r.speaker:
            # “…,” Jones said Smith told him / Jones said, quoting Smith: the words may be Smith's,
            # so they are nobody's rather than put in Jones's mouth.
            r.speaker, r.speaker_is_full, r.unnamed = None, False, True
        if r.speaker and r.speaker_is_full:
            people.spoke(r.speaker, mention.text if mention.kind == "pronoun" else None)
            spoke_by_surname[fold(r.speaker.split()[-1])] = (r.speaker, r.para)
        if not mention.tight and r.how in ("named", "surname"):
            r.how += " before"  # the attribution leads into the quote from its sentence
        previous = r


NAMESAKE_CONFIDENCE = 0.6  # below quote_policy's threshold: an editor checks which of them spoke


def _one_of_namesakes(
    surname: str, full: str, para: int, registry: Registry, spoke: dict[str, tuple[str, int]]
) -> tuple[str, bool]:
    """ "Jones said" when the page has named two Joneses (Mary and her husband Peter): the Jones
    who last spoke under a full name; else the last one named, as the registry has it, but
    unsure (a grandson after his grandfather is usually meant, a husband after his wife not)."""
    people = registry.namesakes(surname, para)
    if len(people) < 2:
        return full, False
    last = spoke.get(fold(surname))
    if last and last[0] in people and len(registry.namesakes(surname, last[1])) == len(people):
        return last[0], False
    return full, True  # (also when another of them was named after the last one spoke)


# The pronoun each language's honorifics stand for ("Frau Müller" is a woman, "M. Dupont" a man).
_HONORIFIC_SAYS = {
    "en": {"Mr": "he", "Mrs": "she", "Ms": "she", "Miss": "she"},
    "de": {"Herr": "he", "Herrn": "he", "Frau": "she"},
    "fr": {"M": "he", "Monsieur": "he", "Mme": "she", "Madame": "she", "Mlle": "she", "Mademoiselle": "she"},
    "es": {"señor": "he", "Sr": "he", "señora": "she", "Sra": "she", "señorita": "she", "Srta": "she"},
    "pt": {"senhor": "he", "Sr": "he", "senhora": "she", "Sra": "she"},
    "it": {"signor": "he", "signore": "he", "Sig": "he", "signora": "she", "Sig.ra": "she"},
    "nl": {"meneer": "he", "heer": "he", "dhr": "he", "mevrouw": "she", "mevr": "she", "mw": "she"},
}
_HONORIFIC_RES = {
    # (English honorifics are capitalised: "fans will miss Jones" is no "Miss Jones")
    code: re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, sorted(table, key=len, reverse=True))) + r")\.?\s+",
                     0 if code == "en" else re.IGNORECASE)
    for code, table in _HONORIFIC_SAYS.items()
}


def _honorific_disagrees(name: str, full: str, r: _Raw, registry: Registry) -> bool:
    """Whether the attribution calls a bare surname "Ms."/"Mrs." ("Frau", "Mme", "señora" …)
    and the person it resolves to is a man, or "Mr." ("Herr", "M.", "señor" …) and a woman
    (a couple or a family shares the surname)."""
    table = _HONORIFIC_SAYS.get(current().code)
    if " " in name or table is None:
        return False
    near = r.after[:80] + " " + r.before[-120:]
    if name not in near:
        return False
    honorific = _HONORIFIC_RES[current().code]
    m = re.search(honorific.pattern + re.escape(name) + r"\b", near, honorific.flags)
    if not m:
        return False
    says = next((v for k, v in table.items() if k.lower() == m.group(1).lower()), None)
    known = registry.pronoun_of(full) or given_name_pronoun(full)
    return known is not None and says is not None and known != says


# "Dr. Feel, an Evolution user, wrote": the name is a forum handle (read only for one-word speakers).
_HANDLE_APPOSITIVE = r", (?:an?|the|one) (?:[\w’'-]+ ){0,3}?(?:user|redditor|poster|commenter|moderator|username)s?\b"


def _drop_handles(raws: list[_Raw], paragraphs: list[str]) -> None:
    """No speaker for words credited to a forum handle: a handle is no person's name."""
    names = {r.speaker for r in raws if r.speaker and " " not in r.speaker}
    if not names:
        return
    joined = "\n".join(paragraphs)
    handles = {n for n in names if re.search(re.escape(n) + _HANDLE_APPOSITIVE, joined)}
    for r in raws:
        if r.speaker in handles:
            r.speaker, r.speaker_is_full, r.unnamed = None, False, True


# "WIRED spoke to one mother, who …": someone the paragraph brings in without a name.
_UNNAMED_PERSON_RE = re.compile(
    r"\b(?:[Oo]ne|[Aa]n?|[Aa]nother)\s+(?:[\w-]+\s+){0,2}?(?:mother|father|woman|man|resident|parent|user|commenter|"
    r"neighbou?r|spokes(?:man|woman|person)|witness|student|teacher|worker|employee|source|deportee|voter|survivor|"
    r"victim|nurse|officer|patient|customer|shopper|passenger|driver|protester|demonstrator|local|insider)\b"
)


def _introduces_someone_unnamed(before: str) -> bool:
    """Whether the sentence leading to a quote brings in someone unnamed ("one mother"): then
    "she said" is that person, not the last woman the article named."""
    sentences = split_sentences(prose_only(before)) if before.strip() else []
    return bool(sentences) and bool(_UNNAMED_PERSON_RE.search(sentences[-1]))


def _someone_else_acts(before: str, speaker: str, registry: Registry, para: int) -> bool:
    """Whether the sentence leading to an unattributed quote is about another person.

    The first person acting in it counts ("Sasse told Hawk Sawyer" is about Sasse).
    """
    sentences = split_sentences(prose_only(before)) if before.strip() else []
    if not sentences:
        return False
    for name in prose_subjects(sentences[-1]):
        full = registry.resolve(name, para)
        if full and registry.is_person(full):
            return full != speaker
    return False


def _unnamed_actor(before: str, registry: Registry, para: int) -> bool:
    """Whether the sentence leading to a quote has someone act who is no person we can name.

    Only a lone word the page also capitalises mid-sentence counts (a forum handle
    such as "PlutoPete"; not "Talking about ...", a sentence's first word): a pronoun
    cannot then go past it to whoever the article named before.
    """
    sentences = split_sentences(prose_only(before))
    if not sentences:
        return False
    for name in prose_subjects(sentences[-1]):
        if " " in name or re.split(r"[’']", name.lower())[0] in PRONOUNS or is_org(name):  # ("It’s")
            return False
        full = registry.resolve(name, para)  # (None for a common word opening the sentence)
        return full is not None and not registry.is_person(full)
    return False


def _acting_people(paragraphs: list[str], registry: Registry) -> set[str]:
    """Full names of the people the prose has doing something ("Omar wrote", "Rep. Ilhan Omar
    has"): one pass over the sentences, quotations blanked."""
    found = set()
    for i, text in enumerate(paragraphs):
        for sentence in split_sentences(prose_only(text)):
            for name in prose_subjects(sentence):
                full = registry.resolve(name, i)
                if full and registry.is_person(full):
                    found.add(full)
    return found


def _embedded_raws(embedded: Sequence[tuple[str, str]], registry: Registry, paragraphs: list[str]) -> list[_Raw]:
    """Embedded posts whose author the article itself names as a person.

    "Tottenham Hotspur (@SpursOfficial)" or a first name alone is no one
    we can name; "Rep. Ilhan Omar" is, when the story talks about Omar; an
    account the prose only names as a source ("tests by Digital Foundry",
    "analysts at Harbour Metrics") is not, whatever its name looks like.
    """
    out = []
    total = len(paragraphs)
    acting: set[str] | None = None  # the surnames of the people who act in the prose
    for text, author in embedded:
        name = strip_titles(author)
        words = name.split()
        if not 2 <= len(words) <= 4 or any(c.isdigit() for c in name) or is_org(name):
            continue
        if any(w.isupper() and len(w) > 1 for w in words):
            continue  # "PFF CLE Browns": an acronym makes it an account, not a person
        if not registry.knows_surname(name):
            continue  # the article never mentions this author
        full = registry.resolve(name)
        if not full or not registry.is_person(full):
            continue
        if full.split()[0] not in words or full.split()[-1] != words[-1]:
            continue  # the prose must name this very person, first name and surname
        acting = {n.split()[-1] for n in _acting_people(paragraphs, registry)} if acting is None else acting
        if words[-1] not in acting:
            continue  # named only as a source or an object: maybe no person at all ("Josh" may act as "Joshua")
        clean = _clean_text(text)
        if len(clean.split()) < 3:
            continue
        out.append(_Raw(parts=[clean], para=total // 2, before="", after="", closed=True, kind="double",
                        speaker=full, speaker_is_full=True, how="embed"))
    return out


def _people_in(text: str, registry: Registry, para: int) -> set[str]:
    """Every person the prose names (quotations blanked), as full names."""
    found = set()
    for m in NAME_RUN.finditer(prose_only(text)):
        full = registry.resolve(strip_titles(m.group(0)) or m.group(0), para)
        if full and registry.is_person(full):
            found.add(full)
    return found


def _dropped_subject(r: _Raw, paragraphs: list[str], registry: Registry, people: Discourse) -> str | None:
    """Who “…”, dijo. means: the one person in sight, else nobody.

    Spanish, Portuguese, Italian and Polish drop the subject the reader
    already has in mind. We take it only when there is a single candidate:
    the one person the paragraph's prose names before the quote; else the
    last speaker when no one else has come up since; else the one person
    the previous paragraph names, when it names only one.
    """
    here = _people_in(r.prefix, registry, r.para)
    if here:
        return next(iter(here)) if len(here) == 1 else None
    if last_sentence(r.before).strip():
        return None  # the quote sits inside a sentence about something else
    last = people.resolve("∅")
    if last:
        return last
    if r.para > 0:
        previous = paragraphs[r.para - 1]
        before = _people_in(previous, registry, r.para - 1)
        if len(before) == 1:
            (name,) = before
            if _opens_a_sentence(previous, name):
                return name
    return None


def _opens_a_sentence(text: str, full: str) -> bool:
    """Whether a sentence of the prose is about this person: it starts with the name
    (after at most a short phrase and a comma: "Na saída, Pacheco conversou ...")."""
    surname = full.split()[-1]
    for sentence in split_sentences(prose_only(text)):
        head = sentence
        lead, comma, rest = sentence.partition(", ")
        if comma and len(lead.split()) <= 4:
            head = rest
        lang = current()
        for word in head.split()[:6]:
            if word.strip(",;:") == surname:
                return True
            lower = word.lower()
            if not word[:1].isupper() and lower not in lang.determiners and lower not in lang.titles:
                break
    return False


def _score(
    r: _Raw, text: str, protagonist: str | None, titled: Callable[[str | None], bool], total: int,
    hint_keys: list[str],
) -> float:
    first = text.partition("\n")[0]
    score = _text_factor(first)
    if r.speaker is None:
        score *= 0.1
    if r.fragment and not first[:1].islower():
        score *= 0.5  # (a lower-case start is already marked down by _text_factor)
    if r.unpunctuated:
        score *= 0.85
    if r.how == "embed":
        score *= 0.5  # a post already public under the author's name: the article's own quotes come first
    if r.incomplete or r.runs_on:
        score *= 0.6  # half a sentence: the rest follows the attribution
    if _from_another_occasion(r):
        score *= 0.75  # “…,” she once said / said in 2019: background, not the story's news
    score *= 1.0 - 0.4 * (r.para / max(total, 8))
    if r.speaker and r.speaker == protagonist:
        score *= 1.1
    if r.speaker and titled(r.speaker):
        score *= 1.1
    if hint_keys and r.speaker and _matches_hint(text, hint_keys):
        score *= 1.3
    return score


# An attribution that dates the words before the story's event.
_ANOTHER_OCCASION_RE = re.compile(
    r"\b(?:once|recently|previously|formerly|years ago|at the time|back in (?:19|20)\d\d|in (?:19|20)\d\d|"
    r"last (?:year|decade)|(?:19|20)\d\d interview)\b",
    re.IGNORECASE,
)
_OCCASION_WINDOW = 80  # characters of the attribution read after the quote, or before it


def _from_another_occasion(r: _Raw) -> bool:
    """ "…,” Prelogar said recently on a quiz show": a quote the article recalls from elsewhere.

    Only the attribution's own clause counts (up to its first comma): in "said Jo Roe,
    a friend who recently moved", the word describes the speaker, not the quote.
    """
    if current().code != "en":
        return False
    if r.mention is not None and r.after:
        clause = _CLAUSE_CUT_RE.split(r.after[:_OCCASION_WINDOW].lstrip(" ,—–"), maxsplit=1)[0]
        if _ANOTHER_OCCASION_RE.search(clause):
            return True
    lead = last_sentence(r.before[-_OCCASION_WINDOW:]) if r.before else ""
    if not lead.rstrip().endswith((":", ",")):
        return False
    clause = lead.rstrip().rstrip(":,").rsplit(",", 1)[-1]
    return bool(_ANOTHER_OCCASION_RE.search(clause))


_CLAUSE_CUT_RE = re.compile(r"[,;:.!?—–(]")


def _matches_hint(text: str, hint_keys: list[str]) -> bool:
    key = _normalise(text)
    for h in hint_keys:
        if len(h) >= 12 and (h in key or (len(key) >= 12 and key in h)):
            return True
    return False


MIN_PULL_SCORE = 0.12
# A pull quote that starts inside the writer's sentence is no line to post unattended:
# below quote_policy.CONFIDENCE_THRESHOLD, so review_if_unsure holds it for an editor.
FRAGMENT_CONFIDENCE = 0.6
_LEAD_IN_RE = re.compile(r"[\s.…\[(]*")


def _continues_a_sentence(piece: str) -> bool:
    """'says the idea “is actually not so crazy.”': the speaker's words, but the writer's
    sentence began them; posted alone they read as a broken line."""
    rest = piece[_LEAD_IN_RE.match(piece).end() :]
    # (a name written with a lower-case first letter, "eBay", "iPhone", opens a sentence as it is)
    return rest[:1].islower() and not _CAMEL_START_RE.match(rest)


_CAMEL_START_RE = re.compile(r"[^\W\d_][^\W\d_]{0,3}?[A-Z]")


def _windows(text: str) -> list[tuple[str, float]]:
    """Pieces an editor could lift: each paragraph of the quote, or 1-3 of its sentences."""
    out: list[tuple[str, float]] = []
    for n, segment in enumerate(text.split("\n")):
        segment = segment.strip()
        if not segment:
            continue
        if len(segment) <= 200:
            out.append((segment, 1.0 if n == 0 else 0.8))
        sentences = split_sentences(segment)
        if len(sentences) > 1:
            for i in range(len(sentences)):
                for j in range(i + 1, min(i + 3, len(sentences)) + 1):
                    piece = " ".join(sentences[i:j])
                    if len(piece) <= 200 and piece != segment:
                        out.append((piece, 0.9 if n == 0 and i == 0 else 0.8))
        elif len(segment) > 200:
            out.append((segment, 1.0))
    return out


# The highest _text_factor there is (a length factor of 1.0, first person, an "!"), in
# the order _text_factor multiplies it; a window weighs at most 1.0. Products of positive
# floats only grow with their factors, so quality * this bounds every window's score.
_TEXT_FACTOR_MAX = 1.0 * 1.1 * 1.03


def pick_pull_quote(quotes: list[Quote]) -> Quote | None:
    """The quote an editor would put in a post, or None when nothing is good enough.

    Only quotes with a full name qualify. A long quotation is cut to whole
    sentences (truth-wise it stays the speaker's own words), so the post gets
    a short, complete line rather than a paragraph.
    """
    best: tuple[float, Quote] | None = None
    for q in quotes:
        if not q.speaker or q.score < MIN_PULL_SCORE:
            continue
        quality = q.score / max(_text_factor(q.text.split("\n")[0]), 1e-6)
        if best is not None and quality * _TEXT_FACTOR_MAX <= best[0]:
            continue  # no piece of it can score higher: its windows need not be cut
        for piece, weight in _windows(q.text):
            s = quality * _text_factor(piece) * weight
            if best is None or s > best[0]:
                confidence = min(q.confidence, FRAGMENT_CONFIDENCE) if _continues_a_sentence(piece) else q.confidence
                best = (s, Quote(text=piece, speaker=q.speaker, score=round(s, 4), confidence=confidence))
    if best is None or best[0] < MIN_PULL_SCORE:
        return None
    return best[1]


def with_fragments_unsure(quotes: list[Quote]) -> list[Quote]:
    """The quotes, each one that starts inside the writer's sentence at FRAGMENT_CONFIDENCE at most.

    A runner-up stands in for the pull quote when that does not fit, and an evergreen
    re-share posts one whole: such a line must not go out unattended either. (Run after
    pick_pull_quote, which may still lift a whole sentence out of one, at its own confidence.)
    """
    for q in quotes:
        if _continues_a_sentence(q.text):
            q.confidence = min(q.confidence, FRAGMENT_CONFIDENCE)
    return quotes
