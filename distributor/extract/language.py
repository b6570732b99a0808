"""Which language a page is written in, and the attribution words of that language.

Quotes are attributed by words ("said", "a déclaré", "sagte", "dijo"), so the
quote engine needs the page's language first: the `lang` attribute of <html>,
else the page's declared locale, else the text itself. The text test counts
a few dozen function words per language: we only need to tell apart the
languages we have rules for, which needs no model (a model would cost more
time per page than the whole quote engine).

`rules_for(code)` returns a `Lang`: compiled regexes and word sets that
attribution.py and names.py read through `current()`. A ContextVar holds it
so one call of the quote engine runs under one language without threading a
parameter through every helper, and two pages on two threads never mix.
"""

from __future__ import annotations

import contextvars
import re
from collections import Counter
from dataclasses import dataclass, field

from distributor.extract import lang_tables as T

SUPPORTED = tuple(T.TABLES)


@dataclass(frozen=True)
class Lang:
    code: str
    verbs: str  # regex alternation of finite speech-verb forms
    participles: str
    verb_re: re.Pattern
    inverted_re: re.Pattern  # “…,” said Kirby / », a déclaré M. Caldwell / “, dijo Negri
    bare_verb_re: re.Pattern  # “…”, dijo. : a verb with no subject after it
    incise_re: re.Pattern  # « …, explique Antony Fastier, toxicologue. … »: inside the quotation
    participle_re: re.Pattern
    any_verb_re: re.Pattern
    according_re: re.Pattern  # "according to X", "selon X", "laut X"
    trailing_according_re: re.Pattern  # "…“, so X" / "…”, aldus X"
    clitic_re: re.Pattern  # "dit-il", "a-t-elle ajouté"
    pronouns: dict[str, str]  # word -> he | she | it | they | i
    determiners: frozenset[str]
    noise: frozenset[str]
    titles: frozenset[str]
    details_re: re.Pattern  # where a name after a verb turns to its details
    pro_drop: bool  # "…”, dijo.": the subject is the person being talked about
    dialogue_dashes: bool
    verb_hint_re: re.Pattern  # a common verb form: a quote with one is speech, not a label
    weak_opener_re: re.Pattern  # "Es sei denn, …", "Mais …": a line that leans on what came before
    object_words: frozenset[str] = field(default_factory=frozenset)
    # A determiner, a space, a capitalised word ("la Maison", "die Linke"): found at the space.
    after_determiner_re: re.Pattern = re.compile(r"(?!x)x")
    after_determiner_space_re: re.Pattern = re.compile(r"(?!x)x")  # the same for a text with no no-break space
    # German: a determiner, an adjective, a noun ("die stellvertretende Leiterin"), found at the first space.
    article_adjective_noun_re: re.Pattern = re.compile(r"(?!x)x")


def _alternation(words: str) -> str:
    items = sorted({w.strip() for w in words.split("|") if w.strip()}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items)


def _behind_a_determiner(determiners: frozenset[str], space: str) -> str | None:
    """Look-behinds for "one of these determiners, then `space`": one per length (each is one width)."""
    by_size: dict[int, list[str]] = {}
    for word in sorted(determiners):
        if _LETTERS_RE.fullmatch(word):
            by_size.setdefault(len(word), []).append(re.escape(word))
    if not by_size:
        return None
    return "|".join(rf"(?<=(?<![\w’'])(?i:({'|'.join(words)})){space})" for _, words in sorted(by_size.items()))


def _article_adjective_noun(determiners: frozenset[str]) -> re.Pattern:
    """A space after a determiner, a lower-case word, a space, a capitalised word: "die stellvertretende Leiterin".

    As _after_determiner, for names.Registry's German reading of nouns: the adjective and the
    noun are the last two groups, the determiner the one look-behind group that held.
    """
    behind = _behind_a_determiner(determiners, " ")
    if behind is None:
        return re.compile(r"(?!x)x")
    # (what follows the space is checked first: it is cheaper than the look-behinds, and rarer)
    return re.compile(rf" (?=[{_LOWER}][\w-]*+ [{_UPPER}][\w-])(?:{behind})([{_LOWER}][\w-]*+) ([{_UPPER}][\w-]+)")


def _after_determiner(determiners: frozenset[str], space: str = r"[ \u00a0]") -> re.Pattern:
    """A space after one of these determiners, then a capitalised word (its group), found at the space.

    names.Registry reads "la Maison", "die Linke" this way: a regex that starts at the
    space and looks back at the word is tried at the spaces only, where one that starts at
    the word is tried at every letter. The determiner is written in any case (IGNORECASE,
    a superset of str.lower(): the caller checks the word's lower() itself); only whole
    words of letters count (the look-behinds hold one width each, so one per length).
    With `space` " " (for a text without no-break spaces) sre looks for a literal, faster still.
    """
    behind = _behind_a_determiner(determiners, space)
    if behind is None:
        return re.compile(r"(?!x)x")
    return re.compile(rf"{space}(?=[{_UPPER}])(?:{behind})([{_UPPER}][\w-]+)")


_LETTERS_RE = re.compile(r"[^\W\d_]+")


def _build(code: str) -> Lang:
    en = T.TABLES["en"]
    table = T.TABLES[code]
    parts = [en] if code == "en" else [table, en]
    verbs = _alternation("|".join(p["verbs"] for p in parts))
    participles = _alternation("|".join(p.get("participles", "") for p in parts) or "saying")
    according = _alternation("|".join(p["according"] for p in parts))
    trailing = _alternation(table.get("trailing_according", "") or "according to")
    clitic = table.get("clitic", r"(?!x)x")
    pronouns: dict[str, str] = {}
    for p in reversed(parts):
        pronouns.update(p["pronouns"])
    details = "|".join(_alternation(p.get("details", "")) for p in parts if p.get("details"))
    raw_details = "".join("|" + p["details_raw"] for p in parts if p.get("details_raw"))
    flags = re.IGNORECASE if code != "en" else 0
    determiners = frozenset(w for p in parts for w in p.get("determiners", "").split())
    return Lang(
        code=code,
        verbs=verbs,
        participles=participles,
        verb_re=re.compile(rf"(?<![\w-])(?:{verbs})(?![\w-])", flags),
        inverted_re=re.compile(
            rf"\s*(?:(?!(?:family|ally|rally|assembly|supply|reply|daily|july|italy|belly|bully)\b)[a-z]+ly\s+)?"
            # (", por su parte,": a short aside between the verb and the name)
            rf"(?P<verb>{verbs})(?:,\s*(?-i:[^\W\d_A-Z])[^,]{{0,20}},)?\s+(?P<who>[^;:!?“”\"«»„]+)",
            flags,
        ),
        incise_re=re.compile(
            rf",\s+(?:{_alternation(table['verbs'])})\s+(?P<who>(?-i:[{_UPPER}])[^,.;:!?«»“”„\"]{{1,60}}?)"
            rf"(?:,[^.;:!?«»“”„\"]{{0,80}})?(?:[.;]\s+|,\s+|\s*$)",
            flags,
        ),
        bare_verb_re=re.compile(rf"\s*(?:{verbs})\s*(?:[.;:]|$)", flags),
        participle_re=re.compile(rf"(?<![\w-])(?:{participles})(?![\w-])", flags),
        any_verb_re=re.compile(rf"(?<![\w-])(?:{verbs}|{participles})(?![\w-])", flags),
        according_re=re.compile(rf"(?<![\w-])(?:{according})\s+(?P<who>[^,.;:!?“”\"«»„]{{1,80}})", re.IGNORECASE),
        trailing_according_re=re.compile(rf"^\s*[,.]?\s*(?:{trailing})\s+(?P<who>[^,.;:!?“”\"«»„]{{1,80}})", re.IGNORECASE),
        clitic_re=re.compile(clitic, re.IGNORECASE),
        pronouns=pronouns,
        determiners=determiners,
        noise=frozenset(w for p in parts for w in p.get("noise", "").split()),
        titles=frozenset(w for p in parts for w in p.get("titles", "").split()),
        details_re=re.compile(rf",|;|\(|\s(?:{details})\s{raw_details}"),
        pro_drop=bool(table.get("pro_drop")),
        dialogue_dashes=bool(table.get("dialogue_dashes")),
        verb_hint_re=re.compile(
            rf"(?<![\w-])(?:{_alternation(table.get('verb_hints', '')) or '(?!x)x'})(?![\w-])", re.IGNORECASE
        ),
        weak_opener_re=re.compile(rf"(?:{_alternation(table.get('weak_openers', '')) or '(?!x)x'})\b"),
        object_words=frozenset(w for p in parts for w in p.get("object_words", "").split()),
        after_determiner_re=_after_determiner(determiners),
        after_determiner_space_re=_after_determiner(determiners, " "),
        article_adjective_noun_re=_article_adjective_noun(determiners) if code == "de" else re.compile(r"(?!x)x"),
    )


_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper() and c.isalpha())
_LOWER = "".join(c for c in map(chr, range(0x61, 0x250)) if c.islower() and c.isalpha())  # (names.LOWER)
_CACHE: dict[str, Lang] = {}


def rules_for(code: str | None) -> Lang:
    code = (code or "en").lower()
    if code not in T.TABLES:
        code = "en"
    if code not in _CACHE:
        _CACHE[code] = _build(code)
    return _CACHE[code]


# English is the default, built at import: `current()` is then the ContextVar's own C-level
# get (the quote helpers ask for the language some two hundred times a page).
_CURRENT: contextvars.ContextVar[Lang] = contextvars.ContextVar("quote_language", default=rules_for("en"))

current = _CURRENT.get
"""The rules the quote helpers run under: the innermost `using`'s, else English."""


class using:
    """`with using(lang): ...` runs the quote helpers under that language's rules."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.token: contextvars.Token | None = None

    def __enter__(self) -> Lang:
        self.token = _CURRENT.set(self.lang)
        return self.lang

    def __exit__(self, *exc: object) -> None:
        if self.token is not None:
            _CURRENT.reset(self.token)


def normalise_code(value: str | None) -> str | None:
    """ "fr-CA", "de_DE", "pt-BR" -> "fr", "de", "pt"; None when it names no language we know."""
    if not value:
        return None
    code = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    return code if code in T.TABLES else None


_WORD_RE = re.compile(r"[^\W\d_]+")


def guess_from_text(text: str, limit: int = 4000) -> str | None:
    """The supported language whose function words are most frequent in the text (first `limit` chars)."""
    counts = dict.fromkeys(T.TABLES, 0)
    # (each distinct word looked up once, with how often it occurs: Counter counts in C)
    for word, n in Counter(_WORD_RE.findall(text[:limit].lower())).items():
        for code in T.STOPWORD_INDEX.get(word, ()):
            counts[code] += n
    best = max(counts, key=counts.get)
    total = sum(counts.values())
    return best if counts[best] >= 5 and counts[best] >= 0.3 * total else None


def page_language(declared: list[str | None], text: str) -> str:
    """The first declared language we have rules for, else the text's, else English.

    A declared language we do not know ("ja", "ru") is still trusted over
    the text: English rules then find nothing on the page, which is right.
    """
    for value in declared:
        if value and value.strip():
            code = normalise_code(value)
            if code:
                return code
            return "xx"
    return guess_from_text(text) or "en"


def declared_languages(doc, head) -> list[str | None]:
    """What the page says its language is: <html lang>, then the locale metadata."""
    root = doc.tree.css_first("html")
    values: list[str | None] = []
    if root is not None:
        attrs = root.attributes
        values += [attrs.get("lang"), attrs.get("xml:lang")]
    values += [head.first("content-language", "og:locale", "dc.language", "language", "inlanguage")]
    ld = getattr(head, "article_ld", None) or {}
    in_language = ld.get("inLanguage") if isinstance(ld, dict) else None
    values.append(in_language if isinstance(in_language, str) else None)
    return values
