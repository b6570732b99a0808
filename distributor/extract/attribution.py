"""Who said a quote, read from the prose around it.

A quote's speaker sits in a handful of places in news copy: right after it
(“…,” Kirby said / said Kirby / — Kirby), right before it (Kirby said: “…”),
or nowhere because the paragraph continues the previous speaker. This module
reads those places and reports what it saw (a name, a pronoun, an unnamed
source); `Discourse` follows who the article is talking about so that
pronouns can be resolved; quotes.py puts the two together.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from distributor.extract.language import current
from distributor.extract.names import (
    _is_title_in,
    NAME_RUN,
    TITLES,
    Registry,
    given_name_pronoun,
    is_org,
    leading_name,
    strip_titles,
    trailing_name,
)


def _pronoun(word: str) -> str | None:
    """ "he" / "she" / "they" ... for a pronoun of the page's language, else None."""
    return current().pronouns.get(word.strip().lower())

# “…,” the 56-year-old said / said the actor: a description of someone named earlier.
_DESCRIPTOR_RE = re.compile(
    r"^(?:the|The)\s+(?:\d+-year-old|actor|actress|singer|star|rapper|musician|player|"
    r"coach|manager|boss|veteran|striker|winger|forward|pitcher|quarterback|senator|"
    r"congressman|congresswoman|lawmaker|governor|mayor|president|minister|director|"
    r"author|novelist|filmmaker|comedian|chef|founder|entrepreneur|billionaire|"
    r"[\w-]+ (?:actor|actress|singer|star|coach|manager|boss|player))\b(?![’'])"
)
# “…” — Carla Mendes, finance minister.  (a dash, a name, then a comma or the end)
_DASH_RE = re.compile(r"^\s*[—–]\s*(?P<who>[^,.;:!?“”\"]{1,60}?)\s*(?:,|\.|$)")
# "tearfully", "later" ... but not "family" or "Italy".
_LY = r"(?!(?:family|ally|rally|assembly|supply|reply|daily|july|italy|belly|bully)\b)[a-z]+ly"
_ADVERB = rf"(?:{_LY}\s+)?"
# "Prelogar had said", "Kirby also told": words between the name and the verb.
_AUX_TAIL = re.compile(
    r"(?:\s+(?:had|has|have|was|is|would|will|also|then|later|previously|again|once|first|"
    rf"further|recently|earlier|once|just|instead|still|even|only|never|often|soon|too|{_LY}))+$"
)

# Sentence ends, but not after "Dr." "U.S." "S." and friends.
_ABBREVIATIONS = "Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|No|vs|Rev|Fr|Inc|Ltd|Co"
_ABBREV_END = re.compile(rf"(?:\b[A-Z]\.|\b(?:{_ABBREVIATIONS})\.)$")
# A stop, closing quotes or brackets, footnote marks ("... marriage.[30][31] Yagan claims"),
# then space; never the full stop of an abbreviation. That test is the pattern's own
# lookbehinds (one per length of abbreviation, as re needs), so no Python step runs per
# stop: the same stops as testing each [.!?…] match with _ABBREV_END on the characters
# up to it (a match holds one stop only, so refusing one never hides another).
_SENTENCE_STOP = re.compile(
    r"[.!?…]"  # (first, so re scans for it at C speed; the lookbehinds only refuse a ".")
    + "".join(
        rf"(?<!\b(?:{'|'.join(w for w in _ABBREVIATIONS.split('|') if len(w) == size)})\.)"
        for size in sorted({len(w) for w in _ABBREVIATIONS.split("|")})
    )
    + r"(?<!\b[A-Z]\.)['’\"”)]*(?:\[\d+\])*\s+"
)


@dataclass(frozen=True)
class Mention:
    """What the prose says about a speaker, before resolution."""

    kind: str  # "name" | "pronoun" | "unnamed"
    text: str = ""
    tight: bool = False  # the attribution hugs the quote (“…,” X said)


# Patterns of the hot paths, compiled once (re's own cache still costs a lookup per call).
_CLOSERS = "'’\"”)"  # closing marks that may follow a sentence's stop
# _ABBREV_END matches "X." or a listed abbreviation and its stop at the very end: the longest
# such match and the character before it that decides its \b.
_ABBREV_CUE = 2 + max(len(w) for w in _ABBREVIATIONS.split("|"))
_CONTRACTED_PRONOUN_RE = re.compile(r"\b(he|she|He|She|they|They)[’'](?:d|ll)$")
_CONTRACTED_ENDS = ("’d", "'d", "’ll", "'ll")  # what _CONTRACTED_PRONOUN_RE's match ends with
_AUXILIARY_END_RE = re.compile(r"\s+(?:would|will|could|can|did|does|do|might)$")
_AUXILIARY_ENDS = ("would", "will", "could", "can", "did", "does", "do", "might")
_NEXT_WORD_RE = re.compile(r",?\s+([a-z][\w’'-]*|\d+,)|,\s+[A-Z][\w-]*[’']s\s")
_BARE_END_RE = re.compile(r"[.!?…]\s*$")
_OPEN_MARK_RE = re.compile(r"[“\"]")
_COLON_LEAD_RE = re.compile(r"(?:^|[.;]\s)(?P<who>[A-Z][^:.;]{0,40}):$")
_LIST_SPLIT_RE = re.compile(r"[,;:]")
_CONJUNCTION_END_RE = re.compile(r"\b(?:and|but|then)\s*$")
_PRONOUN_OPENER_RE = re.compile(r"(He|She|His|Her)\b")


@functools.lru_cache(maxsize=1024)
def last_sentence(text: str) -> str:
    """The unfinished sentence at the end of `text` (the one a quote continues).

    Remembered: the title, fragment and attribution tests all ask it of the same prose.
    """
    stripped = text.rstrip()
    # (A stop, then nothing but closing marks: re's [.!?…]['’"”)]*$ read by str methods;
    # _ABBREV_END is searched on the last characters only, which alone can hold its match.)
    closed = stripped.rstrip(_CLOSERS)
    if closed and closed[-1] in ".!?…" and not _ABBREV_END.search(stripped[-_ABBREV_CUE:]):
        return ""  # the prose before the quote is a finished sentence
    start = 0
    for m in _SENTENCE_STOP.finditer(text):
        if m.end() >= len(text):
            break
        start = m.end()
    return text[start:]


def first_sentence(text: str) -> str:
    m = _SENTENCE_STOP.search(text)
    return text[: m.start() + 1] if m else text


def split_sentences(text: str) -> list[str]:
    """Whole sentences, keeping their punctuation; abbreviations do not split."""
    out, start = [], 0
    for m in _SENTENCE_STOP.finditer(text):
        nxt = text[m.end() : m.end() + 1]  # (not text[m.end():][:1], a copy of the rest per full stop)
        if not nxt.isupper() and nxt not in "“\"‘'(":
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _starts_like_a_name(phrase: str) -> bool:
    """A subject after an inverted verb opens with a name, an article or a title."""
    words = phrase.split()
    if not words:
        return False
    first = words[0]
    if first[:1].isupper() or first.lower() in current().determiners or first.lower() in current().titles:
        return True
    # "mówił w Sejmie poseł Adam Nowak": a place first, then the title right before the name.
    name = leading_name(phrase)
    before = phrase[: phrase.find(name)].split() if name else []
    return bool(before) and before[-1].lower() in current().titles


def role_of(phrase: str) -> str | None:
    """ "le ministre de la Santé" -> "ministre": a role standing for a person named earlier.

    Only an article followed by a title word counts, and only when no name
    follows ("o delegado Odair Carneiro" names him and is read as a name).
    """
    words = phrase.strip().split()
    if len(words) < 2:
        return None
    first = words[0].lower()
    if first != "the" and first not in current().determiners:
        return None
    if leading_name(phrase):
        return None
    word = words[1].lower().strip(",.;:!?")
    for part in [word, *word.split("-")[1:]]:
        if part in current().titles:
            # "un portavoz del Alcalde Juan Pérez": the one named owns the role's holder,
            # who is not the portavoz named earlier, nor the named one.
            owner = trailing_name(phrase)
            at = phrase.rfind(owner) if owner else -1
            return None if at > 0 and _names_someone_elses(phrase[:at], _OWNER_PREPOSITION_RE) else part
    return None


def subject_of(phrase: str) -> Mention | None:
    """Classify the words in front of a speech verb: a name, a pronoun, or nobody named."""
    phrase = phrase.strip().strip(",").strip()
    if not phrase:
        return None
    # "he’d respond", "she would add" (each pattern ends the phrase: tried only on a phrase
    # that ends in its last word)
    if phrase.endswith(_CONTRACTED_ENDS):
        phrase = _CONTRACTED_PRONOUN_RE.sub(r"\1", phrase)
    if phrase.endswith(_AUXILIARY_ENDS):
        phrase = _AUXILIARY_END_RE.sub("", phrase)
    pronoun = _pronoun(phrase.lower())
    if pronoun:
        return Mention("pronoun", pronoun)
    if _DESCRIPTOR_RE.match(phrase) and len(phrase.split()) <= 4:
        return Mention("pronoun", phrase)
    role = role_of(phrase) if len(phrase.split()) <= 6 else None
    if role:
        return Mention("role", role)
    # "Mayer, Disney’s chairman of ..., said": the name is before the appositive.
    # "In a tweet about Trump, Emery said": the name nearest the verb.
    chunks = [c.strip() for c in phrase.split(",") if c.strip()]
    if not chunks:
        return None
    if len(chunks) > 1 and _JOINT_LIST_RE.match(", ".join(chunks[1:])):
        return Mention("unnamed", phrase)  # "Smith, Jones and Lee said": a list of people
    order = [chunks[-1]]
    if len(chunks) > 1 and len(chunks[0].split()) <= 6:
        # "Greta Holm, the head of the Red Cross," is an appositive: the name comes
        # first. "Of Friar Lawrence, Prelogar" is not: the name is nearest the verb.
        if _is_name_only(chunks[0]) and not _is_name_only(chunks[-1]):
            order.insert(0, chunks[0])
        else:
            order.append(chunks[0])
    for chunk in order:
        pronoun = _pronoun(chunk)
        if pronoun:
            return Mention("pronoun", pronoun)
        if _DESCRIPTOR_RE.match(chunk) and len(chunk.split()) <= 4:
            return Mention("pronoun", chunk)
        name = trailing_name(chunk)
        if name and len(chunk.split()) <= 8 and not is_org(name):
            at = chunk.rfind(name)
            if at > 0 and _names_someone_elses(chunk[:at], _NAME_AS_OBJECT_RE, _OWNER_PREPOSITION_RE):
                # "a spokesperson for Smith", "Smith and Jane Doe": not Smith's own words, or not one person's
                return Mention("unnamed", phrase)
            return Mention("name", name)
    return Mention("unnamed", phrase)


# "in a letter to Ann Smith:", "Tom Jones and Ann Smith:" (not "from", "by": "Jones heard from Smith:"),
# "Smith on Jones:", "Müller über Schmidt:", "Smith vs. Jones:" (what one says of the other).
_ADDRESSEE_RE = re.compile(
    r"(?:^|\s)(?:for|of|to|and|&|with|about|para|pour|für|per|aan|an|à|ad|al|ao|naar|und|en|et|e|y"
    r"|on|vs\.?|versus|v\.|against|über|gegen|sur|contre|sobre|contra|su|contro|over|tegen)\s+$"
)
_NAME_AS_OBJECT_RE = re.compile(r"(?:^|\s)(?:for|of|to|and|&|with|from|para|pour|für|per)\s+$")  # (not "de", "von": particles)


def _is_name_only(chunk: str) -> bool:
    """ "Greta Holm" or "Senior author Dr. Silvia S. Martins", not "In a post on Instagram"."""
    name = trailing_name(chunk)
    if not name:
        return False
    rest = chunk[: len(chunk) - len(name)].split()
    return all(w[:1].isupper() or w.lower() in TITLES for w in rest)


def sentence_subject(sentence: str) -> Mention | None:
    """The name or pronoun a sentence opens with ("Wild defenseman Ryan Suter, who ...")."""
    words = sentence.strip().lstrip("•-–—* ").split()
    if not words:
        return None
    first = words[0].strip(",").lower()
    if _pronoun(first):
        return Mention("pronoun", _pronoun(first))
    if _DESCRIPTOR_RE.match(" ".join(words[:3])):
        return Mention("pronoun", " ".join(words[:2]))
    taken = []
    for w in words:
        core = w.rstrip(",:;")
        if core[:1].isupper() or core.lower() in TITLES or core.lower() in ("de", "van", "von", "der", "al"):
            taken.append(core)
            if core != w:  # a comma or colon ends the subject
                break
        else:
            break
    if taken and taken[-1].endswith(("’s", "'s")):
        return None  # "Reid's campaign hit back": the campaign speaks, not Reid
    if taken and len(taken) < len(words) and taken[-1] == words[len(taken) - 1] and _modifies_a_noun(words[len(taken)]):
        return None  # "The Obama administration’s comments ...": the name only qualifies a noun
    name = trailing_name(" ".join(taken)) if taken else None
    return Mention("name", name) if name else None


# Nouns a name qualifies ("the Obama administration", "Reid campaign officials"): then the
# name is no subject, whoever said what the sentence goes on to quote.
# (Not all of ORG_WORDS: "who" there is the WHO, here the start of "Jo Lee, who said".)
_QUALIFIED_NOUNS = frozenset(
    "administration campaign aide aides official officials spokesman spokeswoman spokesperson family "
    "lawyer lawyers attorney attorneys camp staff allies supporters adviser advisers advisor advisors "
    "era doctrine presidency cabinet loyalists government office team department ministry agency "
    "committee council party foundation company group institute".split()
)


def _modifies_a_noun(word: str) -> bool:
    """Whether the lower-case word after a name shows the name is an adjective, not a subject."""
    core = word.strip(",.;:!?")
    return core.endswith(("’s", "'s")) or core.lower() in _QUALIFIED_NOUNS


_NOT_A_VERB = frozenset(
    "of and or to with by from for in on at as whose which that said’s after before since because but so "
    "if when while where though although until than like via per into onto over under".split()
)
_BEFORE_OBJECT = re.compile(
    r"(?:\b(?:of|to|with|by|from|for|about|and|against|at|on|in|up|like|than|called|named|as|a|an|the|The)|[’']s)\s*$"
)


# ", for her part, continued" / ", in his testimony, said": an aside of a few words opened by a
# preposition, then the lower-case verb (bounded: at most 40 characters, no comma inside).
_ASIDE_THEN_VERB = re.compile(r",\s+(?:in|for|at|on|by|with|after|as|from|like)\s[^,.;:“”\"]{1,40},\s+([a-z][\w’'-]*)")


_SUBORDINATE = re.compile(
    r"\b(?:after|when|while|because|although|though|if|since|until|as|who|which|that|where|before|whom)\b"
)


_AFTER_WINDOW = 120  # characters after a name that can hold ", in his testimony, did"
_OBJECT_WINDOW = 40  # ... before it that can hold "called " or "’s "
_CLAUSE_WINDOW = 300  # ... before it that can hold the clause's "after" or "when"


def _window_before(text: str, end: int, size: int) -> str:
    """The whole words of the last `size` characters before text[end]."""
    start = max(0, end - size)
    window = text[start:end]
    if start > 0:  # drop the word the window cut in two ("pho|to " is no "to ")
        space = window.find(" ")
        window = window[space + 1 :] if space >= 0 else ""
    return window


def _ends_before_object(text: str, end: int) -> bool:
    """_BEFORE_OBJECT.search(_window_before(text, end, _OBJECT_WINDOW)), read on the window's last characters.

    The pattern matches one listed word (or "’s") and the spaces after it at the end, so
    only the window's last _OBJECT_CUE characters once its spaces are cut can hold the
    match, and the one before the word decides its \\b: no word is longer than
    _OBJECT_CUE - 1. (str.rstrip cuts exactly what re's \\s matches.)
    """
    return bool(_BEFORE_OBJECT.search(_window_before(text, end, _OBJECT_WINDOW).rstrip()[-_OBJECT_CUE:]))


# One more than the longest word _BEFORE_OBJECT can end with, read from its source: it must
# stay a list of literal words (and "’s") for _ends_before_object.
_OBJECT_CUE = 1 + max(len(word) for word in re.findall(r"[^\W\d_]+", _BEFORE_OBJECT.pattern))


def prose_subjects(sentence: str) -> list[str]:
    """Names that act in a sentence ("..., Simmons teed up McDonald’s cameo" -> Simmons).

    A name counts when a lower-case word (its verb) follows it and no
    preposition or possessive puts it in object position; names in a
    subordinate clause ("after Jo Walton explained") come after the others.
    """
    return list(_prose_subjects(sentence))


def _prose_subjects(sentence: str) -> Iterator[str]:
    """prose_subjects, one name at a time: a reader that wants the first person stops there."""
    later = []
    for m in NAME_RUN.finditer(sentence):
        # Each test reads a short window around the name, never the whole sentence
        # again: a sentence of a thousand names stays linear. (The patterns read the
        # window in place, sentence[end : end + _AFTER_WINDOW]: none looks behind its start.)
        end = m.end()
        if sentence.startswith(("’s", "'s"), end):
            continue
        # "Parise, 35, had", "Suter, who", "Zoghlin, Carlineo’s attorney, told"
        nxt = _NEXT_WORD_RE.match(sentence, end, end + _AFTER_WINDOW)
        if nxt and sentence.startswith(",", end):
            # "Young, in his testimony, didn’t": a short aside between the name and its verb.
            nxt = _ASIDE_THEN_VERB.match(sentence, end, end + _AFTER_WINDOW) or nxt
        if not nxt:
            continue
        verb = nxt[1]  # (None for "Zoghlin, Carlineo’s attorney, told": no word to test)
        if verb and (verb in _NOT_A_VERB or _modifies_a_noun(verb)):
            continue  # (not "the Obama administration’s", "Reid campaign aides": a name as an adjective)
        if _ends_before_object(sentence, m.start()):
            continue
        name = strip_titles(m.group(0))
        if not name:
            continue
        clause = _window_before(sentence, m.start(), _CLAUSE_WINDOW).rsplit(",", 1)[-1]
        if _SUBORDINATE.search(clause):
            later.append(name)  # "after the critic Amy Tran suggested it": not the main clause
        else:
            yield name
    yield from later


_ROLE_WORDS = frozenset({"study", "lead", "the", "senior", "former", "co-author", "coauthor", "principal"})


def _TITLE_WORD(word: str) -> bool:
    return word.lower() in TITLES


# (after at most a few lower-case role words: "study lead author Lucas Paganini, a ...")
_NAME_THEN_COMMA = re.compile(rf"\s*((?:[a-z][\w-]*\s+){{0,4}}{NAME_RUN.pattern}),\s")


def after_attribution(after: str) -> Mention | None:
    """Attribution that follows the closing mark: “…,” Kirby said / said Kirby / — Kirby."""
    m = _DASH_RE.match(after)
    if m:
        name = leading_name(m.group("who"))
        return Mention("name", name, tight=True) if name else None
    head = first_sentence(after.lstrip(" ,.!?…"))
    # Inverted order: “…,” said Kirby / says president David Weisbrot.
    lang = current()
    m = lang.clitic_re.match(after)
    if m:  # », a-t-il dit / », dit-elle
        return Mention("pronoun", _pronoun(m.group("p")) or "they", tight=True)
    m = lang.trailing_according_re.match(after)
    if m:  # “…“, so Stenger / ”, aldus De Vries
        name = _own_name(m.group("who"))
        return Mention("name", name, tight=True) if name else Mention("unnamed", m.group("who"), tight=True)
    if lang.pro_drop and lang.bare_verb_re.match(head):
        return Mention("pronoun", "∅", tight=True)  # “…”, dijo.  The subject is who the story is on.
    m = lang.inverted_re.match(head)
    if m:
        first, _, second = m.group("who").partition(",")
        who = first.strip()
        if _pronoun(who):
            return Mention("pronoun", _pronoun(who), tight=True)
        role = role_of(who)
        if role:
            return Mention("role", role, tight=True)
        if lang.code != "en" and not _starts_like_a_name(who):
            # "…”, dijo refiriéndose a las entregas de Estados Unidos": the verb's
            # subject was dropped; what follows is its object, never the speaker.
            # Only when nothing after the verb could hide the real subject: no capital
            # letter, and the sentence ends here rather than at another quotation.
            bare = not any(c.isupper() for c in who) and _BARE_END_RE.search(after)
            return Mention("pronoun", "∅", tight=True) if lang.pro_drop and bare else None
        if _DESCRIPTOR_RE.match(who):
            return Mention("pronoun", who, tight=True)
        # "said Tom Hardy, 34" / "said Guterres’s spokesman, Stéphane Dujarric"
        if _names_an_owner(who, leading_name(who)):
            return Mention("unnamed", who, tight=True)  # "dijo el abogado de Juan Pérez": his lawyer speaks
        name = leading_name(who) or leading_name(second.split(",")[0])
        at = who.find(name) if name else -1
        if at >= 0 and (
            _JOINT_SPEAKER_RE.match(who, at + len(name)) or _JOINT_BEFORE_RE.search(who[:at]) or _JOINT_LIST_RE.match(second)
        ):
            return Mention("unnamed", who, tight=True)  # "said Smith and Jones": two people's words
        if name:
            return Mention("name", name, tight=True)
        return Mention("unnamed", who, tight=True)
    # Normal order: “…,” Kirby said / Morrison, Vindman's superior, said.
    m = lang.verb_re.search(head)
    if m and len(head[: m.start()].split()) > 14 and not _OPEN_MARK_RE.search(head[: m.start()]):
        # “…,” Dylan Hart, a fellow at the institute in Munich, Germany, and co-author of
        # the study, said: a long appositive after the name.
        lead = _NAME_THEN_COMMA.match(head)
        roles = lead.group(1).split()[:-1] if lead else []
        roles = [w for w in roles if w[:1].islower()]
        if lead and not all(w in _ROLE_WORDS or _TITLE_WORD(w) for w in roles):
            lead = None
        name = strip_titles(" ".join(w for w in lead.group(1).split() if not w[:1].islower())) if lead else None
        if name and len(name.split()) >= 2 and not is_org(name):
            return Mention("name", name, tight=True)
    if m and len(head[: m.start()].split()) <= 14 and not _OPEN_MARK_RE.search(head[: m.start()]):
        subj = _AUX_TAIL.sub("", head[: m.start()].strip())
        mention = subject_of(subj)
        if mention is not None:
            tight = after[:1] in ",.!?…" or after.lstrip()[:1].isupper() or mention.kind == "pronoun"
            return Mention(mention.kind, mention.text, tight=tight and len(subj.split()) <= 12)
    m = lang.according_re.search(head)
    if m:
        name = _own_name(m.group("who"))
        return Mention("name", name, tight=True) if name else Mention("unnamed", m.group("who"))
    return None


# "said Smith and Jones", "dijo Ruiz y Gómez": a second name after the speaker's.
_JOINT_SPEAKER_RE = re.compile(r"\s+(?:and|&|y|et|und|e|en)\s+(?:(?-i:[A-ZÀ-ÖØ-Þ])|(?:his|her|their|su|sa|son|sein|seine|ihr|ihre|seu|sua|zijn|haar)\s)")
_JOINT_BEFORE_RE = re.compile(r"(?:^|\s)(?:and|&|y|et|und|e|en)\s+$")
# "said Smith, Jones and Lee", "said Smith, Jones, Lee and Brown": the rest of a list of names.
_LIST_NAME = r"[A-ZÀ-ÖØ-Þ][\w’'.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w’'.-]*){0,2}"
_JOINT_LIST_RE = re.compile(rf"\s*(?:{_LIST_NAME},\s+){{0,4}}{_LIST_NAME},?\s+(?:and|&|y|et|und|e|en)\s+[A-ZÀ-ÖØ-Þ]")


# "el abogado de Juan Pérez", "un proche de Jean Dupont", "ein Sprecher von Hans Müller",
# "de advocaat van Jan de Vries": someone of the named person's speaks, not that person.
# (A word before the preposition: "de Miranda" alone is a name's particle, "abogado de" is not.)
_OWNER_PREPOSITION_RE = re.compile(
    r"\S\s+(?:de|di|del|della|dello|dei|degli|du|des|do|da|dos|das|von|vom|van|of|for|para|pour|per|für|a)\s+$"
    r"|\S\s+d[’']$"
)


def _names_an_owner(who: str, name: str | None) -> bool:
    """Whether `name` stands in `who` after a preposition that makes it someone's ("X of Name")."""
    if not name:
        return False
    at = who.find(name)
    return at > 0 and _names_someone_elses(who[:at], _OWNER_PREPOSITION_RE)


_ROLE_WORDS_BEFORE_NAME = 3  # "the lawyer of former striker Neymar"


def _names_someone_elses(before_name: str, *patterns: re.Pattern[str]) -> bool:
    """Whether the words before a name end in one of `patterns` ("a friend of ", "for "),
    also across lower-case role words written in front of the name ("the lawyer of striker ")."""
    if any(p.search(before_name) for p in patterns):
        return True
    text = before_name
    titled = False
    for _ in range(_ROLE_WORDS_BEFORE_NAME):
        words = text.rstrip().rsplit(None, 1)
        if len(words) < 2:
            return False
        if not (words[1].isalpha() and words[1].islower()):
            if titled and words[1][:1].isupper() and not _is_title_in(words[1], current().code):
                pass  # "a spokesman for Britain's / Texas / U.S. / Republican Gov. Ann Smith"
            elif not ((words[1][:1].isupper() or "-" in words[1]) and _is_title_in(words[1], current().code)):
                return False
            titled = True  # "a spokesman for Mayor Ann Smith", "ein Sprecher von Bürgermeister Hans Müller", "then-Gov."
        text = text[: len(text.rstrip()) - len(words[1])]
        if (_OWNER_PREPOSITION_RE.search(text) or _SOMEONE_TO_RE.search(text)) and not (titled and _an_office_before(text)):
            return True  # (not "and": "scientist and study co-author Ann Lee" is one person)
    return False


# "an adviser to Mayor Ann Smith", "a lawyer representing Mayor Ann Smith", "a source close to …"
_SOMEONE_TO_RE = re.compile(r"\S\s+(?:to|representing)\s+$")


def _an_office_before(text: str) -> bool:
    """Whether the word before the closing preposition of `text` is capitalised, so that it
    and the title after it make one office ("Secretary of State Mike Pompeo", "Chief of Staff
    John Kelly"), not someone of a titled person ("a spokesman for Mayor Ann Smith"). German
    capitalises every noun ("ein Sprecher von Bürgermeister Hans Müller"): there it never is."""
    words = text.split()
    return len(words) >= 2 and words[-2][:1].isupper() and current().code != "de"


def _own_name(who: str) -> str | None:
    """leading_name(who), unless the name only says whose the speaker is."""
    name = leading_name(who)
    return None if _names_an_owner(who, name) else name


# The subject of "was told", "were warned by" is who heard the words that follow, not who spoke them.
_PASSIVE_HEARER_RE = re.compile(
    r"\b(?:was|were|is|are|been|being|be|get|gets|got|getting)\s+(?:\w+\s+)?"  # (was later told, was not told)
    r"(?:told|informed|warned|assured|reminded|asked|advised|instructed|ordered)\b"
)


# The subject of "received a letter from", "was given a message by" holds someone else's words.
_RECEIVED_FROM_RE = re.compile(
    r"\b(?:receive[ds]?|receiving|got|gets|getting|given|handed|shown|sent|forwarded|passed|"
    r"read|reads|reading|obtained|shared|posted)\b(?:\s+[\w’'-]+){0,4}?\s+(?:from|by)\b"
)


def _heard_until(sentence: str) -> int:
    """Where the sentence's last "was told" / "were informed" / "received a letter from"
    ends (-1: none; English only): a speech verb after it ("…, was told of the plan and
    said:") still names the speaker."""
    if current().code != "en":
        return -1
    end = -1
    for m in _PASSIVE_HEARER_RE.finditer(sentence):
        end = m.end()
    for m in _RECEIVED_FROM_RE.finditer(sentence):
        end = max(end, m.end())
    return end


_LABEL_CONJUNCTION_RE = re.compile(r"\s(?:and|&|y|et|und|e|en)\s")
_RELATIVE_END_RE = re.compile(r"\b(?:that|which)\s*$")


def before_attribution(before: str) -> Mention | None:
    """Attribution that leads into the quote: Kirby said: “…” / She added, “…”."""
    sentence = last_sentence(before)
    stripped = sentence.rstrip()
    if not stripped:
        return None
    word = stripped.split(None, 1)[0]
    if word[:1].isupper() and current().code == "en" and current().any_verb_re.fullmatch(word.lower()):
        # "Added Ann Smith: “…”" / "Asked about Ann Smith: “…”": a verb opening the sentence
        # (English verbs are matched in lower case), not the first word of a name.
        sentence = sentence.replace(word, word.lower(), 1)
        stripped = sentence.rstrip()
    # "Prelogar: “…”" — an interview-style label.
    m = _COLON_LEAD_RE.search(stripped)
    if m and not current().any_verb_re.search(m.group("who")):
        name = trailing_name(m.group("who"))
        at = m.group("who").rfind(name) if name else -1
        if at > 0 and _names_someone_elses(m.group("who")[:at], _ADDRESSEE_RE, _OWNER_PREPOSITION_RE):
            return None  # "Tom Jones, in a letter to Ann Smith:": whoever writes, not the one written to
        if name:
            return Mention("name", name, tight=True)
        if _LABEL_CONJUNCTION_RE.search(m.group("who")):
            return None  # "Smith and her husband:", "Smith and colleagues:": more than one person's words
    verbs = list(current().any_verb_re.finditer(sentence))
    if not verbs:
        m = current().according_re.search(sentence)
        if m:
            name = leading_name(m.group("who"))
            if name is None:
                # "According to his aunt, Jane Starner, “…”": the name in apposition.
                rest = sentence[m.end() :].lstrip(" ,")
                name = leading_name(rest) if rest and rest[:1].isupper() else None
                name = name if name and len(name.split()) >= 2 else None
            return Mention("name", name) if name else Mention("unnamed", m.group("who"))
        if stripped.endswith(":") and current().code == "en" and _heard_until(sentence) < 0:
            # (In other languages a colon after a sentence with no speech verb is too
            # often a thing introducing words: "…, wo sein Motto hängt: »…«".)
            return sentence_subject(sentence)
        return None
    verb = verbs[-1]
    if len(sentence[verb.end() :].split()) > 16:
        return None
    heard = _heard_until(sentence)
    if verb.start() < heard:
        return None  # "Jones was told by Smith: “…”": Jones heard the words; whose they are is not sure
    if heard >= 0 and (
        current().participle_re.fullmatch(verb.group(0)) or _RELATIVE_END_RE.search(sentence[: verb.start()])
    ):
        return None  # "Jones received a letter from Smith saying:" / "…, that read:": the letter speaks
    tight = stripped.endswith((":", ","))
    if not sentence[: verb.start()].strip(" ,.;:—–"):
        # Inverted: “…,” comments Johnston in a statement, “…”
        rest = _LIST_SPLIT_RE.split(sentence[verb.end() :])[0]
        name = leading_name(rest)
        if name and not all(_is_title_in(w, current().code) or w.lower() in current().determiners or w in ("the", "a")
                            for w in rest[: rest.find(name)].split()):
            return None  # "Asked about Ann Smith: “…”": she is what the question was about
        return Mention("name", name, tight) if name else None
    if current().participle_re.fullmatch(verb.group(0)):
        subject = sentence_subject(sentence)
        if subject is None:
            # "After the hearing, Ann Lee issued a statement, saying, “…”": who acts in it.
            acting = prose_subjects(sentence[: verb.start()])
            subject = Mention("name", acting[0]) if acting else None
        return Mention(subject.kind, subject.text, tight) if subject else None
    mention = subject_of(_AUX_TAIL.sub("", sentence[: verb.start()].rstrip()))
    if current().code in ("de", "nl") and (mention is None or mention.kind == "unnamed"):
        # Verb second: "Dann schickt Gezer ihm eine Nachricht: »…«" / "Daarna zei Jansen: „…”".
        rest = sentence[verb.end() :].strip()
        words = rest.split()
        if words and words[0][:1].isupper():
            run = []
            for w in words[:4]:
                if not w[:1].isupper():
                    break
                run.append(w)
                if w[-1:] in ",:;.":
                    break
            name = leading_name(" ".join(run).rstrip(",:;."))
            if name and not is_org(name):
                return Mention("name", name, tight)
    if mention is None or mention.kind == "unnamed":
        # "Volker said he never used ... and added, “…”": the sentence's subject.
        subject = sentence_subject(sentence)
        if subject is not None and (mention is None or _CONJUNCTION_END_RE.search(sentence[: verb.start()])):
            return Mention(subject.kind, subject.text, tight)
        return mention
    return Mention(mention.kind, mention.text, tight)


def person_in(sentence: str, registry: Registry, para: int) -> str | None:
    """The first person a sentence is about, as a full name (or a titled surname), if any."""
    for name in _prose_subjects(sentence):
        full = registry.resolve(name, para)
        if full and registry.is_person(full):
            return full
    return None


class Discourse:
    """Who the article has been talking about, in order, and whether as "he" or "she".

    Pronouns go to the most recent person whose known pronoun fits, so
    "she said" after a paragraph about Justice Alito still finds Prelogar.
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.recent: list[str] = []
        self.last_speaker: str | None = None
        self.others_since: bool = False  # someone else was mentioned after the last speaker
        self.pronoun: dict[str, str] = {}
        self.lede: str | None = None  # the first person the story is about

    def mention(self, name: str | None) -> None:
        if name and name != self.last_speaker:
            self.others_since = True
        if name:
            self.recent.append(name)
            self.lede = self.lede or name

    def read(self, text: str, para: int) -> None:
        """Follow the people acting in some prose, learning he/she from the next sentence."""
        subject = None
        for sentence in split_sentences(prose_only(text)):
            opener = _PRONOUN_OPENER_RE.match(sentence)
            if subject and opener:
                self.pronoun.setdefault(subject, "he" if opener.group(1) in ("He", "His") else "she")
            subject = person_in(sentence, self.registry, para)
            self.mention(subject)

    def resolve(self, pronoun: str) -> str | None:
        if pronoun == "∅":
            # A dropped subject ("…”, dijo."): the last speaker, and only while nobody
            # else has come up since; otherwise the reader could not tell either.
            return self.last_speaker if not self.others_since else None
        if pronoun not in ("he", "she"):
            return self.lede or (self.recent[-1] if self.recent else None)
        for name in reversed(self.recent[-12:]):
            known = self.pronoun.get(name) or given_name_pronoun(name) or self.registry.pronoun_of(name)
            if known in (None, pronoun):
                return name
        return None

    def spoke(self, name: str, pronoun: str | None) -> None:
        if pronoun in ("he", "she"):
            self.pronoun.setdefault(name, pronoun)
        self.mention(name)
        self.last_speaker, self.others_since = name, False



_QUOTED_RE = re.compile(r"[“\"«„][^”\"»“]*[”\"»“]")


def prose_only(text: str) -> str:
    """The paragraph with its quotations blanked out: only the writer's own words."""
    return _QUOTED_RE.sub(" ", text)
