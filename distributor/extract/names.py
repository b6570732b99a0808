"""Person names in news prose, found by rule rather than by a model.

Newsrooms write speakers in a small number of shapes: a run of capitalised
words, often led by a title ("White House Press Secretary Josh Earnest") and
later shortened to the surname ("Earnest said"). No English NER model can be
downloaded at run time, and the extractor runs on every article, so this
module uses compiled regexes and word lists: fast, predictable, and easy to
extend when a new title turns up.
"""

from __future__ import annotations

import functools

import re
import unicodedata

from distributor.extract.language import current

# Upper- and lower-case letters of the Latin alphabets (Özlem, Éric, Łukasz, Ñúñez).
UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper() and c.isalpha())
LOWER = "".join(c for c in map(chr, range(0x61, 0x250)) if c.islower() and c.isalpha())
# One word of a name: "Kirby", "Eva-Marie", "O'Brien", "De’Broski", "S.", "Jr."
_WORD = rf"(?:[{UPPER}][{LOWER}]{{0,2}}\.|[{UPPER}][\w’'\-]*\w|[{UPPER}])"
# Lower-case particles that live inside names ("Alex de Minaur", "al-Assad").
_PARTICLE = r"(?:de|van|von|der|den|da|di|du|la|le|al|el|bin|ibn|dos|das|del)"
# (Two particles only as "von der", "van den", "van de": "Ursula von der Leyen".)
NAME_RUN = re.compile(rf"{_WORD}(?:[ \u00a0](?:(?:von|van)[ \u00a0]de[rn]?[ \u00a0]|{_PARTICLE}[ \u00a0])?{_WORD})*")

# Titles and roles that precede a name and are not part of it.
TITLES = frozenset(
    """
    mr mr. mrs mrs. ms ms. miss dr dr. prof prof. sir dame lord lady rev rev. fr fr.
    sen sen. rep rep. gov gov. lt lt. col col. gen gen. sgt sgt. capt capt. cmdr adm
    st st. hon hon. pres pres. supt supt. insp det det. cpl pvt maj maj.
    president vice secretary minister prime deputy assistant associate undersecretary
    spokesman spokeswoman spokesperson press chairman chairwoman chair chief executive
    director administrator commissioner commander general attorney senator representative
    congressman congresswoman governor mayor coach judge justice officer leader speaker
    ambassador ceo cfo coo cto founder cofounder co-founder editor editor-in-chief
    manager captain inspector sheriff superintendent professor doctor analyst economist
    author writer actor actress singer star head team member councillor councilman
    councilwoman alderman premier chancellor king queen prince princess pope bishop
    archbishop cardinal imam rabbi pastor father sister brother ayatollah sheikh emir
    opposition majority minority whip treasurer auditor comptroller solicitor advocate
    counsel prosecutor detective constable sergeant lieutenant colonel major admiral
    marshal trooper defenseman defender forward striker midfielder goalkeeper winger
    pitcher quarterback guard center centre driver rider veteran rookie host anchor
    reporter correspondent columnist commentator producer designer architect researcher
    scientist scholar fellow lecturer teacher principal dean provost rector registrar
    secretary-general under-secretary state federal national international general's
    interim acting former then senior junior lead principal managing
    novelist poet artist musician rapper comedian filmmaker photographer lawyer activist candidate
    nominee lawmaker legislator entrepreneur billionaire investor strategist consultant historian
    physicist biologist chemist engineer nurse surgeon physician psychologist psychiatrist
    epidemiologist immunologist neurologist official resident student farmer owner chef pilot
    soldier firefighter paramedic witness eyewitness victim survivor mother son daughter wife
    husband grandmother grandfather neighbor neighbour fan supporter voter protester demonstrator
    worker employee volunteer organizer organiser campaigner spokesman-elect president-elect
    explorer navigator adventurer mountaineer sailor astronaut
    """.split()
)
# What a company is called in front of its name ("developer Valve", "tech giant Apple"):
# stripped like a title, but never a sign that a person follows.
COMPANY_DESCRIPTORS = frozenset(
    """
    developer developers publisher retailer maker carmaker automaker chipmaker giant firm startup start-up
    broadcaster streamer distributor manufacturer supplier operator insurer lender airline brand
    """.split()
)
TITLES = TITLES | COMPANY_DESCRIPTORS

# Words that make a capitalised run an organisation or a place, not a person.
ORG_WORDS = frozenset(
    """
    department ministry office agency authority police service services court
    committee council commission party government administration house senate
    congress parliament assembly association union university college school
    institute foundation company corporation corp inc ltd llc group bank fund
    reuters ap afp bloomberg cnn bbc nbc cbs abc fox msnbc npr pbs times post
    news journal tribune herald guardian telegraph gazette magazine press daily
    network media studios studio records club fc united city county state states
    army navy force forces command pentagon kremlin nasa esa fbi cia nsa un nato eu
    who statement report study survey twitter facebook instagram youtube tiktok
    google apple amazon microsoft disney netflix team league federation board rights watch
    amnesty international institutional equities capital partners holdings securities research
    labs systems technologies airlines airways motors records label america directorate division
    bureau program programme initiative project mission
    centre center hospital clinic museum church mosque embassy consulate republic
    kingdom province region district organisation organization taliban hamas
    hezbollah isis islamic
    projects networks industries enterprises solutions ventures productions entertainment pictures
    coalition alliance partnership society trust
    laboratory laboratories lab labs observatory library academy institution consortium
    conference festival summit orchestra regiment battalion squadron brigade
    gazeta gazzetta zeitung journal jornal diario diário giornale corriere stampa courrier presse prensa
    rzeczpospolita tageblatt rundschau allgemeine nacional nación nazione folha estado spiegel
    partido partei parti partito ministerio ministério ministère ministerium ministero
    universidad universidade université universität università stiftung fundación fundação fondation
    gobierno gouvernement regierung governo polizei policía polícia polizia banco banque banca
    tribunal gericht cour corte senado sénat bundestag sejm congreso câmara camera
    """.split()
) | frozenset(
    # Places: "He wrote" after a sentence about New Zealand does not make it a speaker.
    """
    zealand york jersey mexico hampshire orleans delhi guinea caledonia
    korea africa arabia emirates europe asia australia
    island islands peninsula strait gulf ocean airport road
    """.split()
)

# Banks, research firms, broadcasters and charities whose names read like a person's
# ("Morgan Stanley said in a note"): no rule can tell, so they are listed.
_INSTITUTIONS = frozenset(
    """
    goldman sachs|morgan stanley|wells fargo|charles schwab|dow jones|credit suisse|standard chartered|
    saudi aramco|al jazeera|royal dutch shell|edward jones|raymond james|piper sandler|bnp paribas|
    societe generale|société générale|bank of america|merrill lynch|lehman brothers|charles river|
    boston dynamics|doctors without borders|médecins sans frontières|medecins sans frontieres|
    warner bros|warner bros.|hewlett packard|rolls-royce|rolls royce|mercedes-benz|harley-davidson|
    marks and spencer|procter and gamble|johnson and johnson|ernst and young|deloitte touche|
    price waterhouse|pantheon macroeconomics|oxford economics|capital economics|fitch ratings|
    moody's|moody’s|moody's analytics|moody’s analytics|s&p global|jones lang lasalle|cushman wakefield|
    knight frank|savills|cantor fitzgerald|keefe bruyette|sanford bernstein|alliance bernstein|
    bernstein research|wood mackenzie|rystad energy|kpler|vortexa|evercore isi|jefferies|nomura|
    macquarie|rabobank|commerzbank|natixis|barclays|lloyds|santander|unicredit|intesa sanpaolo|
    real madrid|aston villa|red bull|rio tinto|taylor wimpey|coca cola|coca-cola|jaguar land rover|
    paris match|scotland yard|virgin media|marks spencer|sky news|sky sports|bloomberg news
    """.replace("\n", "").split("|")
) - {""}
_INSTITUTIONS = frozenset(n.strip() for n in _INSTITUTIONS)
# Words that make a capitalised run a firm ("Oxford Economics", "Fitch Ratings", "Moody's Analytics").
_FIRM_WORDS = frozenset(
    "economics macroeconomics ratings analytics advisors advisers associates consulting consultancy insights "
    "strategies investments markets management dynamics brothers bros bros. sons platforms sports".split()
    # places a firm or an office is named after ("Downing Street said", "Virgin Atlantic")
    + "street capitol kong atlantic pacific".split()
    # teams ("Boston Celtics said"): a team speaks through its people
    + """celtics patriots warriors lakers yankees knicks bulls packers cowboys chiefs raiders ravens steelers
    broncos dolphins seahawks 49ers titans texans colts jaguars chargers bengals vikings falcons panthers
    buccaneers commanders dodgers mets cubs astros braves phillies mariners padres orioles brewers marlins
    rockies nuggets mavericks grizzlies pelicans blazers clippers pistons pacers cavaliers raptors bucks
    timberwolves 76ers sixers canadiens bruins penguins flyers blackhawks oilers canucks sabres islanders
    hurricanes predators avalanche kraken""".split()
)

PRONOUNS = frozenset("he she they i we it".split())
PERSON_PRONOUNS = frozenset("he she".split())

_HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. miss sir dame dr dr. former then".split())

_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv phd md".split())


def _clean(word: str) -> str:
    return word.lower().rstrip(",")


@functools.lru_cache(maxsize=8192)
def is_suffix(word: str) -> bool:
    return word.lower().rstrip(",") in _SUFFIXES  # (_clean, inlined)


def strip_titles(run: str) -> str:
    """Drop the titles and roles in front of a name (under the current language's titles)."""
    return _strip_titles(run, current().code)


@functools.lru_cache(maxsize=8192)
def _strip_titles(run: str, code: str) -> str:
    """Drop the titles and roles in front of a name.

    "U.S. State Department spokesman John Kirby" reaches this as the capitalised
    tail "John Kirby", but "White House Press Secretary Josh Earnest" arrives
    whole, so everything up to the last title word goes.
    """
    words = run.split()  # (split() cuts at no-break spaces too)
    lang = current()
    noise, determiners = lang.noise, lang.determiners
    noun_phrase = False
    lead = 0
    for first in words:
        first = first.lower()
        # (_is_leading_noise only when the word could be an adverb in -ly)
        if not (
            first in _LEADING_NOISE
            or (first.endswith("ly") and _is_leading_noise(first))
            or first in noise
            or first in determiners
        ):
            break
        # "But Parise said"; "Die Länder Baden-Württemberg": an article makes a noun phrase.
        noun_phrase = noun_phrase or first in determiners
        lead += 1
    if lead:
        words = words[lead:]
    cut = 0
    # The last word is never a title: "Martin Luther King" keeps "King".
    for i, w in enumerate(words[:-1]):
        if _is_title_in(w, code) or w.endswith(("’s", "'s")):
            cut = i + 1
    if cut:
        words = words[cut:]
    if lang.code != "en" and not _CAP_PARTICLES.isdisjoint(words):
        # "Texte von Claas Relotius": a particle followed by a full name is a preposition
        # ("von der Leyen", "de Gaulle" keep theirs: one name follows).
        for i, w in enumerate(words):
            if w in _CAP_PARTICLES and sum(1 for x in words[i + 1 :] if x[:1].isupper()) >= 2:
                words = words[i + 1 :]
                noun_phrase = False  # the article was the words' before the preposition
                break
    if words and not words[0][:1].isupper():
        return ""  # "Sprecher der Behörde" minus its title: a particle cannot open a name
    if noun_phrase and not cut:
        return ""  # "Ein Macron-Berater", "Diese Abteilung": no title, so no name after the article
    # "Deputy Director of Public Prosecution Eva-Marie Persson" reaches here as
    # "Public Prosecution Eva-Marie Persson": people rarely carry four names.
    if len(words) >= 4 and sum(1 for w in words if not _is_minor(w)) >= 4:
        keep = 0
        seen = 0
        for i in range(len(words) - 1, -1, -1):
            if not _is_minor(words[i]):
                seen += 1
                if seen == 2:
                    keep = i
                    break
        words = words[keep:]
    if words and words[-1].endswith(".") and len(words[-1]) > 2 and not is_suffix(words[-1]):
        words[-1] = words[-1].rstrip(".")
    if words and words[-1].endswith(("’s", "'s")):
        words[-1] = words[-1][:-2]  # "Michelle Hege’s response"
    return " ".join(words)


_LEADING_NOISE = frozenset(
    "but and so or then also when while after before in on at as if the a an this that of for with from to by "
    "many some most several all both other others few because although though since until unless "
    "whether where why how what once like during despite without over under between into through "
    "amid among upon beyond following including according here there today yesterday tonight "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december "
    "hosting following speaking addressing responding writing noting reacting commenting explaining "
    "describing echoing citing asked pressed interviewed testifying appearing announcing "
    "separately elsewhere instead overall last earlier later meanwhile "
    "these those his her their its our my meanwhile however still yet now later earlier "
    # A verb or adverb that opens the sentence is no one's first name ("Enter Stuart Kaplan, ...",
    # "Was Bartleby ...", "Accordingly Turkey ...").
    "was were is are had has have did does enter accordingly finally suddenly thus hence indeed perhaps "
    "maybe probably possibly surely clearly obviously certainly apparently presumably evidently "
    "fortunately unfortunately luckily sadly hopefully even only frankly notably honestly "
    "oddly unlike besides again afterwards together alone next alas sure yes".split()  # (not "no", "soon": Korean names)
)


def _is_leading_noise(word: str) -> bool:
    """A lower-cased word that is no one's first name: listed, or a long English adverb in -ly
    ("Surprisingly", "Ironically", "Recently", "Briefly": no list holds them all; the given
    names ending so are short, "Emily", "Holly", or end -rly, -oly: "Kimberly", "Beverly", "Anatoly")."""
    if word in _LEADING_NOISE:
        return True
    if not word.endswith("ly") or not word.isalpha():
        return False
    return len(word) >= 9 or (len(word) >= 7 and word[-3] not in "lro")

_CAP_PARTICLES = frozenset("van von der den de da di du la le al el bin".split())


@functools.lru_cache(maxsize=8192)
def _is_minor(word: str) -> bool:
    """Initials, suffixes and particles, which do not count as one of a person's names."""
    return is_suffix(word) or len(word.rstrip(".")) == 1 or word.lower() in _CAP_PARTICLES


def _is_title(word: str) -> bool:
    return _is_title_in(word, current().code)


# The German titles that end compound ones ("Bundesgesundheitsminister"); not "leiter",
# "rat", which end surnames too ("Fleiter").
_DE_TITLE_ENDS = (
    "sprecher", "sprecherin", "präsident", "präsidentin", "minister", "ministerin", "kanzler", "kanzlerin",
    "chef", "chefin", "direktor", "direktorin", "vorsitzende", "vorsitzender", "bürgermeister", "bürgermeisterin",
    "trainer", "trainerin", "sekretär", "sekretärin", "senator", "senatorin",
)


@functools.lru_cache(maxsize=8192)
def _is_title_in(word: str, code: str) -> bool:
    titles = current().titles
    lw = _clean(word).removesuffix("’s").removesuffix("'s")
    if lw in TITLES or lw in titles:
        return True
    if code == "de" and lw.endswith(_DE_TITLE_ENDS) and any(len(lw) - len(t) >= 4 for t in _DE_TITLE_ENDS if lw.endswith(t)):
        return True  # "Regierungssprecher", "Kommissionspräsidentin": a compound ending in a title
    if "-" not in lw:
        return False
    # "Singer-guitarists", "co-founder", "Flixbus-Chef": a role joined by a hyphen, maybe plural.
    parts = [x.removesuffix("s") for x in lw.split("-")] + lw.split("-")
    return any(x in TITLES or x in titles for x in parts)


@functools.lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """Lower case without accents: "Murátov" and "Muratov" are one surname."""
    if word.isascii():
        return word.lower()  # (ASCII has no decompositions and no combining marks)
    decomposed = unicodedata.normalize("NFKD", word.lower())
    if decomposed.isascii():
        return decomposed
    combining = unicodedata.combining
    return "".join(c for c in decomposed if not combining(c))


def surname_key(name: str) -> str | None:
    """The word a later mention would use alone ("Kennedy" for "James P. Kennedy Jr.")."""
    words = [w for w in name.split() if not is_suffix(w)]
    return fold(words[-1]) if words else None


@functools.lru_cache(maxsize=8192)
def is_org(name: str) -> bool:
    lowered = name.lower()
    if lowered in _INSTITUTIONS:
        return True
    # (the name lower-cased whole: lower() makes and takes no spaces, hyphens or commas)
    low = lowered.replace("-", " ")
    if "," in low:
        if any(w.rstrip(",") in ORG_WORDS or w.rstrip(",") in _FIRM_WORDS for w in low.split()):
            return True
    elif not (ORG_WORDS.isdisjoint(low.split()) and _FIRM_WORDS.isdisjoint(low.split())):
        return True
    words = name.replace("-", " ").split()
    # Acronyms such as "NASA" or "WHO" are organisations, not people.
    return all(w.isupper() and len(w) > 1 for w in words if not w.endswith("."))


def _run_key(words: list[str]) -> str:
    """The surname key a capitalised run would be learnt under once its titles are stripped."""
    last = words[-1]
    if is_suffix(last):
        kept = [w for w in words if not is_suffix(w)]
        if not kept:
            return ""
        last = kept[-1]
    elif last.endswith(".") and len(last) > 2:
        last = last.rstrip(".")
    if last.endswith(("’s", "'s")):
        last = last[:-2]
    return fold(last)


def trailing_name(phrase: str) -> str | None:
    """The capitalised run that ends `phrase`, titles stripped, or None.

    Used on the words right before a speech verb: "NASA Administrator Jim
    Bridenstine" -> "Jim Bridenstine"; "a Pentagon spokesman" -> None because
    the phrase ends in an ordinary noun.
    """
    phrase = phrase.strip().rstrip(",;:!?")
    last = phrase.split()[-1] if phrase.split() else ""
    if last.endswith(".") and len(last) > 3 and not is_suffix(last):
        phrase = phrase[:-1]  # the sentence's full stop, not "Jr." or "S."
    best = None
    for m in NAME_RUN.finditer(phrase):
        if m.end() == len(phrase):
            best = m.group(0)
            best = _with_determiner(phrase, m.start(), best)
            glued = (  # (looked for in the dozen characters before the run only: linear)
                _GLUED_INITIALS_RE.search(phrase, max(0, m.start() - 12), m.start())
                if m.start() >= 2 and phrase[m.start() - 1] == "."
                else None
            )
            if glued:
                # "U.S. Steel", "A.J. Hinch": the run started inside initials written without spaces
                first, _, rest = best.partition(" ")
                if glued.group(1) + first in _PLACE_INITIALS:
                    if not rest or " " not in rest.strip() and strip_titles(rest) == rest:
                        return None  # "said U.S. Steel": a company, not "S. Steel"
                    best = rest  # "U.S. Rep. Ilhan Omar": her title follows
                else:
                    best = glued.group(1) + best
    if best is None:
        return None
    name = strip_titles(best)
    if name and _initials_and_a_title(name):
        return None  # "said U.S. Secretary of State Ann Lee" cut at "of": "S. Secretary" is nobody
    if name and current().code in _GENITIVE_ROLE_LANGS and _genitive_and_role(name):
        return None  # "sagte Flicks Sprecher": Flick's spokesman, whom the page does not name
    return name or None


_GLUED_INITIALS_RE = re.compile(rf"(?:^|(?<=\s))((?:[{UPPER}]\.)+)\Z")
# Initials that name a place or a union, never a person's given names.
_PLACE_INITIALS = frozenset("U.S. U.K. U.N. E.U. N.Y. L.A. D.C. N.J. U.A.E. S.F. B.C.".split())
_INITIAL_RE = re.compile(rf"[{UPPER}]\.?")


def _initials_and_a_title(name: str) -> bool:
    """ "S. Secretary", "U. S. Ambassador": initials before a title word, what is left of
    "U.S. Secretary of State …" when the name is cut at its details ("B. B. King" is lost too)."""
    words = name.split()
    return len(words) >= 2 and _is_title(words[-1]) and all(_INITIAL_RE.fullmatch(w) for w in words[:-1])


_NAMESAKES_READ = 32  # people with one surname a page introduces, at most, before it is a list
# People kept per surname: each new one is compared with those already kept, so a page
# naming thousands of Joneses would make learning quadratic; no article introduces this many.
_NAMESAKES_KEPT = 256
_GENITIVE_ROLE_LANGS = ("de", "nl")
# "Ursula von der Leyen": her surname follows "der", and is still no common noun.
_VON_DER_RE = re.compile(rf"^[{UPPER}][\w-]+ (?:von|van) de[rn]? [{UPPER}][\w-]+$")


def _genitive_and_role(name: str) -> bool:
    """ "Flicks Sprecher", "Merkels Sprecherin", "Ruttes woordvoerder": a genitive and a role
    noun of the page's language (not English titles: "John Major", "Julie Bishop")."""
    words = name.split()
    if len(words) < 2 or not words[-2].endswith(("s", "’", "'")):
        return False
    if given_name_pronoun(words[-2]):
        return False  # "Thomas Mann", "Klaus Vater": a given name ending in s, not a genitive
    role = words[-1].lower()
    return role in current().titles or role in _OWNER_ROLES or role.endswith(_DE_TITLE_ENDS)


# Who someone's is, written after a genitive ("Flicks Anwalt", "Ruttes advocaat").
_OWNER_ROLES = frozenset(
    "anwalt anwältin berater beraterin sohn tochter bruder schwester vater mutter frau mann ehefrau ehemann "
    "advocaat woordvoerder woordvoerster adviseur zoon dochter broer zus vader moeder vrouw".split()
)


def _with_determiner(text: str, start: int, run: str) -> str:
    """The run with the article in front of it, if any ("die Länder X"), so strip_titles sees it."""
    before = text[max(0, start - 12) : start]
    if not before.endswith(" "):
        return run
    words = before.split()
    if words and words[-1].lower() in current().determiners:
        return f"{words[-1]} {run}"
    return run


def leading_name(phrase: str) -> str | None:
    """The name a phrase after a speech verb gives ("said NASA's Steve Clarke, deputy ...").

    The name ends where the phrase turns to its details (a comma, "of the CDF",
    "in a statement"); what is left must end in the name itself, so "said a
    senior Chinese official" names nobody.
    """
    head = current().details_re.split(phrase.strip(), maxsplit=1)[0]
    return trailing_name(head)


# (Possessive ++ and *+: a word's letters never match the space after it, so giving some
# back could never help a match; without them every word not followed by a name is re-tried
# letter by letter.)
_AFTER_WORD = re.compile(rf"(?<![\w’'])([^\W\d_]++)[ \u00a0]([{UPPER}][\w-]+)")
_ELIDED_ARTICLE = re.compile(rf"(?<![\w])(?:[lL]|[dD]ell|[aA]ll|[nN]ell|[sS]ull)[’']([{UPPER}][\w-]+)")
# The same found at the apostrophe, tried there only (the article behind it, one look-behind per length).
_ELIDED_AT_APOSTROPHE = re.compile(
    rf"[’'](?=[{UPPER}][\w-])(?:(?<=(?<![\w])([lL])[’'])|(?<=(?<![\w])([aA]ll)[’'])"
    rf"|(?<=(?<![\w])([dD]ell|[nN]ell|[sS]ull)[’']))([{UPPER}][\w-]+)"
)
# "die stellvertretende Leiterin": an article, an adjective, then a noun.
_ARTICLE_ADJECTIVE_NOUN = re.compile(rf"(?<![\w’'])([^\W\d_]++) ([{LOWER}][\w-]*+) ([{UPPER}][\w-]+)")
_UPPER_SET = frozenset(UPPER)
_SEPARATORS = " \u00a0"


def _after_word_matched(text: str, sep: int, start: int, memo: dict[int, bool]) -> bool:
    """Whether _AFTER_WORD.finditer(text) yields the match whose first word is text[start:sep].

    The caller found a word that _AFTER_WORD matches there (letters, after no word character
    or apostrophe, then the space at `sep` and a capitalised word); finditer skips it only
    when the match before took this word as its capitalised second word ("dit Le Monde":
    "dit Le" is matched, so "Le Monde" is not), and that match is itself taken unless the one
    before it took its first word, and so on back. The chain is walked back iteratively and
    each answer is kept in `memo` (by the space's position), so a page is read once: linear.
    Hand-written because _AFTER_WORD itself is tried at every letter of the page, where the
    caller's regex is tried at the spaces only.
    """
    waiting: list[int] = []
    while True:
        known = memo.get(sep)
        if known is not None:
            taken = known
            break
        # The run of word characters and hyphens holding the word: the second word of a
        # match before when it is capitalised, after a space, two characters or more.
        first = start
        while first > 0 and (text[first - 1].isalnum() or text[first - 1] in "_-"):
            first -= 1
        if first == 0 or text[first - 1] not in _SEPARATORS or text[first] not in _UPPER_SET or sep - first < 2:
            taken = memo[sep] = True  # nothing before can take this word
            break
        waiting.append(sep)
        # The match before would have its space right in front of that run: the letters before it.
        sep = first - 1
        start = sep
        while start > 0 and text[start - 1].isalnum() and not text[start - 1].isdecimal():
            start -= 1
        if start == sep or (start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_’'")):
            taken = memo[sep] = False  # no match there: no letters, or not a word of its own
            break
    while waiting:
        taken = not taken  # taken unless the match before it is
        memo[waiting.pop()] = taken
    return taken


_LOWER_SET = frozenset(LOWER)


def _article_adjective_noun_matched(text: str, sep: int, start: int, memo: dict[int, bool]) -> bool:
    """Whether _ARTICLE_ADJECTIVE_NOUN.finditer(text) yields the match whose first word is text[start:sep].

    As _after_word_matched: finditer skips it only when the match before took this word as
    its noun ("der neue Chef alte Freunde": "Chef alte Freunde" is not read), unless that
    match was itself skipped for the same reason, and so on back; walked back once per space
    (memo), so linear. A match's adjective can never hold the next match's first word (that
    match's adjective would be the capitalised noun).
    """
    waiting: list[int] = []
    while True:
        known = memo.get(sep)
        if known is not None:
            taken = known
            break
        # The run of word characters and hyphens holding the word: the noun of a match before
        # when it is capitalised, after a space, two characters or more ...
        first = start
        while first > 0 and (text[first - 1].isalnum() or text[first - 1] in "_-"):
            first -= 1
        if first == 0 or text[first - 1] != " " or text[first] not in _UPPER_SET or sep - first < 2:
            taken = memo[sep] = True
            break
        # ... after an adjective: a run of them starting with a lower-case letter, after a space.
        adjective = first - 1
        while adjective > 0 and (text[adjective - 1].isalnum() or text[adjective - 1] in "_-"):
            adjective -= 1
        if adjective == first - 1 or text[adjective] not in _LOWER_SET or adjective == 0 or text[adjective - 1] != " ":
            taken = memo[sep] = True
            break
        waiting.append(sep)
        # The match before has its first word right before that space: the letters there.
        sep = adjective - 1
        start = sep
        while start > 0 and text[start - 1].isalnum() and not text[start - 1].isdecimal():
            start -= 1
        if start == sep or (start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_’'")):
            taken = memo[sep] = False  # no match there
            break
    while waiting:
        taken = not taken
        memo[waiting.pop()] = taken
    return taken


_LOWER_WORD = re.compile(rf"\b[{LOWER}][{LOWER}’'-]+\b")
_LOWER_RUN = re.compile(rf"[{LOWER}’'-]*")
_LOWER_LETTERS = frozenset(LOWER)
_LOWER_CLASS = frozenset(LOWER + "’'-")
_LOWER_LOOKUPS = 24  # words looked up one by one (str.find) before one findall pass reads them all
_LOWER_RUN_LIMIT = 200  # letters and hyphens around a looked-up word: longer runs go to the findall pass


def _lower_word_in(text: str, word: str, limit: int = 400) -> bool | None:
    """Whether `word` is in _LOWER_WORD.findall(text), read by a literal search for it.

    None when the answer would cost more than the findall pass (more than `limit`
    places, or a run of letters and hyphens longer than _LOWER_RUN_LIMIT). Hand-written
    because a findall over the whole prose costs more than the few words an
    attribution asks about; each place is read the way findall reads it: the run of
    letters, apostrophes and hyphens around it (nothing outside a run can join a
    token) tokenised by _LOWER_WORD itself. Linear: each run is read once.
    """
    if len(word) < 2 or word[0] not in _LOWER_LETTERS or not _LOWER_CLASS.issuperset(word):
        return False  # no token of _LOWER_WORD looks like this
    size = len(word)
    i = text.find(word)
    while i >= 0:
        limit -= 1
        if limit < 0:
            return None
        start = i
        while start > 0 and text[start - 1] in _LOWER_CLASS:
            start -= 1
            if i - start > _LOWER_RUN_LIMIT:
                return None
        end = _LOWER_RUN.match(text, i + size).end()
        if end - start > _LOWER_RUN_LIMIT:
            return None
        # (findall from the run's start sees the character before it, as \b needs; the one
        # character after the run is kept for the closing \b)
        if word in _LOWER_WORD.findall(text, start, end + 1):
            return True
        i = text.find(word, end)
    return False
# "the Wild’s 4-1 win", "for the Wild.", "The Wild are": a capitalised word the prose writes
# after "the" and before a possessive, a stop or a plural verb names a team, a body or a
# place, never a person ("the Biden administration", a name used as a modifier, does not count).
_THE_THING = re.compile(rf"\b[Tt]he ([{UPPER}][\w-]+)(?=[’']s\b|[.,;:!?)]|\s+(?:are|were|have|had)\b|$)")


def _one_transposition(a: str, b: str) -> bool:
    """Two words that differ by swapping two neighbouring letters ("Odiar" / "Odair")."""
    if len(a) != len(b) or len(a) < 4:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


# Small words inside a role's description: "ministre de la Santé", "minister of state".
# Role words that say whether "he" or "she" stands for the person they introduce.
_GENDERED_ROLES = {
    **dict.fromkeys(
        "actress mother daughter wife sister grandmother spokeswoman chairwoman congresswoman councilwoman "
        "queen princess dame lady aunt niece widow".split(), "she"),
    **dict.fromkeys(
        "father son husband brother grandfather spokesman chairman congressman councilman king prince "
        "sir lord uncle nephew widower".split(), "he"),
}
_ROLE_CONNECTORS = frozenset("de la du des l' l’ d' d’ of the del da do dos das di della für der des van".split())


_THING_LOOKUPS = 16  # words looked up one by one (str.find) before one findall pass reads them all
_THING_NEXT = frozenset(".,;:!?)")
_PLURAL_VERBS = ("are", "were", "have", "had")


_WORD_OR_HYPHEN_RE = re.compile(r"[\w-]+")  # (\w is str.isalnum() or "_", as _is_word_char)


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _written_as_thing(text: str, word: str, limit: int = 1000) -> bool | None:
    """Whether `word` is in _THE_THING.findall(text), read by a literal search for "he <word>".

    None once `limit` places have been looked at: a page that writes the phrase that
    often is read more cheaply by the one findall pass.

    Hand-written because a findall over the whole prose for every page costs more
    than the few literal searches the names an attribution asks about need; the
    checks are _THE_THING's, in the same order (a linear scan per word).
    """
    if not word or word[0] not in UPPER or not _WORD_OR_HYPHEN_RE.fullmatch(word):
        return False  # (the pattern reads a capitalised run of word characters and hyphens)
    n, size = len(text), len(word)
    i = text.find("he " + word)
    while i >= 0:
        limit -= 1
        if limit < 0:
            return None
        k = i + 3  # where the word starts
        j = k + size
        if (
            i >= 1
            and text[i - 1] in "Tt"
            and (i == 1 or not _is_word_char(text[i - 2]))
            and (j == n or not (_is_word_char(text[j]) or text[j] == "-"))
        ):
            if j == n or (j == n - 1 and text[j] == "\n") or text[j] in _THING_NEXT:
                return True
            if text[j] in "’'" and text[j + 1 : j + 2] == "s" and (j + 2 == n or not _is_word_char(text[j + 2])):
                return True
            m = j
            while m < n and text[m].isspace():
                m += 1
            if m > j:
                for verb in _PLURAL_VERBS:
                    end = m + len(verb)
                    if text.startswith(verb, m) and (end == n or not _is_word_char(text[end])):
                        return True
        i = text.find("he " + word, i + 1)
    return False


_SENTENCE_OPENERS = ".!?:“\"‘'(—–-"  # the last mark before a word that opens a sentence


# Lower-case role nouns that introduce someone known by one name ("o técnico Tite",
# "striker Neymar", "the singer Adele"): only nouns for people, never for companies or bands.
_ONE_NAME_ROLES = frozenset(
    """
    coach técnico treinador entrenador seleccionador allenatore tecnico ct entraîneur sélectionneur
    trainer bondscoach striker forward midfielder defender goalkeeper winger quarterback pitcher
    atacante meia goleiro zagueiro lateral volante craque delantero portero centrocampista defensa
    attaccante portiere centrocampista difensore attaquant gardien milieu défenseur
    singer rapper actor actress comedian cantor cantora ator atriz cantante actriz chanteur chanteuse
    acteur actrice cantante attore attrice
    """.split()
)
_ONE_NAME_LOOKS = 20  # occurrences of a name read before deciding, and names looked up per page


def _after_role_noun(text: str, name: str) -> bool:
    """Whether `text` writes `name` right after a lower-case role noun for people ("técnico Tite")."""
    size, looked = len(name), 0
    i = text.find(name)
    while i >= 0 and looked < _ONE_NAME_LOOKS:
        looked += 1
        after = text[i + size : i + size + 1]
        if not (after.isalnum() or after in "’'-"):
            before = text[max(0, i - 30) : i]
            words = before.split()
            if words and before.endswith(" ") and words[-1].islower() and words[-1] in _ONE_NAME_ROLES:
                return True
        i = text.find(name, i + size)
    return False


class Registry:
    """The people an article has introduced, so "Kirby" can become "John Kirby".

    Names are remembered with the paragraph they appear in: "Roosevelt" means
    the Roosevelt introduced most recently, not the first one in the article.
    """

    def __init__(self) -> None:
        self._by_surname: dict[str, list[tuple[int, str]]] = {}
        # The page's lower-case words ("Social Security" is a phrase when both are also
        # written in lower case): read only when a name is checked, from the texts learnt
        # so far, so pages whose attributions never ask pay nothing.
        self._lower_set: set[str] = set()
        self._lower_unread: list[str] = []
        self._lower_answers: dict[str, bool] = {}  # _written_lower's answers while few words are asked
        self._lower_full = False  # whether _lower_words (every lower-case word) answers instead
        self._texts: list[str] = []  # every text learnt, for the rarer questions asked lazily
        self._things: set[str] | None = None
        self._thing_words: dict[str, bool] = {}  # is_thing's answers while few names are asked
        self._joined: str | None = None
        self._alone: dict[str, int] = {}  # capitalised words seen on their own, counted
        self._after_article: set[str] = set()  # capitalised words written right after an article
        self._learnt: set[str] = set()  # multi-word runs already learnt
        self._capitalised_midsentence: set[str] = set()
        # People the article introduces with an office ("Prime Minister Habib Essid"):
        # newsmakers, whom editors quote first.
        self._titled: set[str] = set()
        # Names written after a title or honorific at least once, full or not.
        self._addressed: set[str] = set()
        # title word -> (paragraph, full name) in order: "le ministre" is the last ministre named.
        self._roles: dict[str, list[tuple[int, str]]] = {}
        # Multi-word runs not read as names yet, by the surname key they would be learnt
        # under: most runs in an article are never asked about, and reading one (titles,
        # roles) is the costly part, so it waits until an attribution needs that surname.
        self._pending: dict[str, list[tuple[str, str, list[str], str, int]]] = {}
        self._one_name_roles: dict[str, bool] = {}  # is_addressed's answers for "o técnico Tite"

    def learn_text(self, text: str, para: int = 0) -> None:
        """Remember full names and words written capitalised mid-sentence."""
        self._lower_unread.append(text)
        self._texts.append(text)
        self._things, self._joined = None, None
        if self._thing_words:
            self._thing_words = {}
        if self._lower_answers:
            self._lower_answers = {}
        lang = current()
        code = lang.code
        determiners = lang.determiners
        if determiners:
            # The matches of _AFTER_WORD.finditer(text) whose first word is a determiner: found at
            # their space by the language's after_determiner_re, minus those finditer would skip.
            memo: dict[int, bool] = {}
            scan = lang.after_determiner_re if "\u00a0" in text else lang.after_determiner_space_re
            for m in scan.finditer(text):
                groups = m.groups()
                word = next(filter(None, groups))  # (the one look-behind that held)
                if word.lower() in determiners:
                    sep = m.start()
                    start = sep - len(word)
                    before = text[max(0, start - 40) : start]
                    if word.islower() and before.endswith(" ") and before.strip() and before.split()[-1][:1].isupper():
                        continue  # "Pieter de Vries": a particle inside a name, not an article
                    if before.rstrip().endswith(","):
                        continue  # ", die Relotius …": a relative pronoun, not an article
                    # (a word after a space that is not capitalised, or after punctuation, cannot
                    # be the second word of a match before: no chain to read)
                    c = text[start - 1] if start else " "
                    if (
                        c != "-" and (c not in _SEPARATORS or not start or word[0] not in _UPPER_SET or len(word) < 2)
                    ) or _after_word_matched(text, sep, start, memo):
                        self._after_article.add(groups[-1])
            if code == "de":  # nouns are capitalised: "die stellvertretende Leiterin"
                # (the matches of _ARTICLE_ADJECTIVE_NOUN.finditer(text) whose first word is a
                # determiner, found at its space as above)
                memo = {}
                for m in lang.article_adjective_noun_re.finditer(text):
                    groups = m.groups()
                    word = next(filter(None, groups[:-2]))
                    if (
                        word.lower() in determiners
                        and groups[-2].endswith(("e", "en", "er", "es", "em"))
                        and not text[max(0, m.start() - len(word) - 2) : m.start() - len(word)].startswith(",")
                        and _article_adjective_noun_matched(text, m.start(), m.start() - len(word), memo)
                    ):
                        self._after_article.add(groups[-1])
            if "'" in text or "’" in text:  # (the elision needs its apostrophe)
                # (_ELIDED_ARTICLE.finditer(text), found at the apostrophes: a match whose article
                # starts inside the word the match before took is one finditer skips)
                taken_to = 0
                for m in _ELIDED_AT_APOSTROPHE.finditer(text):
                    one, three, _, word = m.groups()
                    if m.start() - (1 if one else 3 if three else 4) >= taken_to:
                        self._after_article.add(word)  # l'Intérieur, dell'Economia
                        taken_to = m.end()
        midsentence = self._capitalised_midsentence
        alone = self._alone
        learnt = self._learnt
        pending = self._pending
        for m in NAME_RUN.finditer(text):
            run = m[0]
            if " " not in run and "\u00a0" not in run:
                # One word: counted, and nothing to learn as a name (most runs are these).
                alone[run] = alone.get(run, 0) + 1
                low = run.lower()
                if low not in midsentence:  # (where it stands is read only while it could matter)
                    start = m.start()
                    before = (text[start - 4 : start] if start > 4 else text[:start]).rstrip()
                    if before and before[-1] not in _SENTENCE_OPENERS:
                        midsentence.add(low)
                continue
            start = m.start()
            before = (text[start - 4 : start] if start > 4 else text[:start]).rstrip()
            words = run.split()
            # (lower() never makes or takes a space, so the run's words lower-cased are these)
            if not before or before[-1] in _SENTENCE_OPENERS:
                midsentence.update(run.lower().split()[1:])
            else:
                midsentence.update(run.lower().split())
            # (no determiners, as in English: the run is seen as it is)
            seen = run
            if determiners and start and text[start - 1] == " ":  # (_with_determiner, inlined)
                article = text[start - 12 if start > 12 else 0 : start].split()
                if article and article[-1].lower() in determiners:
                    seen = f"{article[-1]} {run}"
            if seen in learnt:
                continue  # the same run again: its name, role and title are known already
            learnt.add(seen)
            # Read as a name only when a quote's attribution asks for this surname.
            last = words[-1]
            # (_run_key's answer when the last word has no suffix, full stop or possessive to drop)
            key = _run_key(words) if is_suffix(last) or last.endswith((".", "’s", "'s")) else fold(last)
            pending.setdefault(key, []).append((seen, run, words, text[max(0, start - 60) : start], para))

    @property
    def _lower_words(self) -> set[str]:
        """The lower-case words of every text learnt so far."""
        if self._lower_unread:
            self._lower_set.update(_LOWER_WORD.findall("\n".join(self._lower_unread)))
            self._lower_unread.clear()
        return self._lower_set

    def _written_lower(self, word: str) -> bool:
        """Whether the texts learnt write `word` as a lower-case word (word in _lower_words).

        The first few words asked are looked up one by one; after that, or when a lookup
        would cost more, the one findall pass reads them all.
        """
        if not self._lower_full:
            known = self._lower_answers.get(word)
            if known is not None:
                return known
            if len(self._lower_answers) < _LOWER_LOOKUPS:
                if self._joined is None:
                    self._joined = "\n".join(self._texts)
                known = _lower_word_in(self._joined, word)
                if known is not None:
                    self._lower_answers[word] = known
                    return known
            self._lower_full = True
        return word in self._lower_words

    def _read_run(self, seen: str, run: str, words: list[str], before: str, para: int) -> None:
        """Learn one capitalised run: its name, its role ("le ministre"), whether it has a title."""
        code = current().code
        name = _strip_titles(seen, code)
        self.learn(name, para)
        name_words = len(name.split())
        if name_words >= 2 and not is_org(name):
            self._learn_roles(before, words[: len(words) - name_words], name, para)
        if name == run:
            return  # nothing was stripped: no title in front
        titles = words[: max(len(words) - name_words, 0)]
        titles = [w for w in titles if _clean(w) not in COMPANY_DESCRIPTORS]
        if any(w[:1].isupper() and _is_title_in(w, code) for w in titles):
            self._addressed.add(name)  # "President Trump", "Ms Persson": a person
            if any(w[:1].isupper() and _is_title_in(w, code) and _clean(w) not in _HONORIFICS for w in titles):
                self._titled.add(name)

    def _read_pending(self, key: str) -> None:
        """Learn the runs that may name someone with this surname key, in page order."""
        runs = self._pending.pop(key, None)
        if runs:
            for run in runs:
                self._read_run(*run)

    def _read_all(self) -> None:
        for key in list(self._pending):
            self._read_pending(key)

    def _entries(self, key: str) -> list[tuple[int, str]]:
        """(paragraph, full name) of the people with this surname key, in page order."""
        if key in self._pending:
            self._read_pending(key)
        return self._by_surname.get(key, [])

    def _name_key(self, name: str) -> None:
        """Learn what the page says about the person `name` (surname key) before a lookup."""
        key = surname_key(name)
        if key and key in self._pending:
            self._read_pending(key)

    def is_titled(self, name: str | None) -> bool:
        """Whether the page gives this person an office ("Prime Minister Habib Essid")."""
        if not name:
            return False
        self._name_key(name)
        return name in self._titled

    def is_addressed(self, name: str) -> bool:
        """Whether the page writes this name after a title or honorific at least once."""
        self._name_key(name)
        if name in self._addressed:
            return True
        if " " in name or not name[:1].isupper():
            return False
        known = self._one_name_roles.get(name)
        if known is None:
            if len(self._one_name_roles) >= _ONE_NAME_LOOKS:
                return False  # (each lookup reads the page: a page of thousands of names asks a few)
            if self._joined is None:
                self._joined = "\n".join(self._texts)
            known = self._one_name_roles[name] = _after_role_noun(self._joined, name)
        return known

    def _learn_roles(self, before: str, run_titles: list[str], name: str, para: int) -> None:
        """ "le ministre de la Santé, Roman Prymula": remember Prymula as "ministre"."""
        titles = current().titles
        found = []
        for w in run_titles:
            found.append(_clean(w))
        # Walk back over the words right before the name: titles and their complements
        # ("de la Santé") belong to it; any other word ("a reçu") ends its description.
        for w in reversed(before.replace(",", " ").split()[-6:]):
            lw = _clean(w)
            if lw in titles or lw in TITLES or any(p in titles for p in lw.split("-")[1:]):
                found.append(lw)
            elif not (w[:1].isupper() or lw in _ROLE_CONNECTORS):
                break
        for lw in found:
            for part in [lw, *lw.split("-")[1:]]:
                if part in titles or part in TITLES:
                    self._roles.setdefault(part, []).append((para, name))

    def pronoun_of(self, name: str) -> str | None:
        """"he" or "she" when the page introduces this person with a gendered role
        ("Steenburgen's son, filmmaker Charlie McDowell", "actress Mary Steenburgen");
        None when it does not, or says both."""
        self._name_key(name)
        found = {
            _GENDERED_ROLES[role]
            for role, entries in self._roles.items()
            if role in _GENDERED_ROLES and any(n == name for _, n in entries)
        }
        return found.pop() if len(found) == 1 else None

    def namesakes(self, surname: str, para: int) -> list[str]:
        """The different people (by first name) the page has named with this surname by
        paragraph `para`: one each, the latest spelling ("Mary Jones", "Peter Jones")."""
        found: dict[str, str] = {}
        for p, name in self._entries(fold(surname))[:_NAMESAKES_READ]:  # (a page of thousands: bounded)
            name = self._trim_places(name)  # ("Worried Jo Holt called": Jo Holt)
            if p <= para and self.is_person(name):
                found[fold(name.split()[0])] = name
        return list(found.values())

    def by_role(self, role: str, para: int) -> str | None:
        """The person most recently introduced with this title, at or before paragraph `para`."""
        self._read_all()  # any run may carry this title
        entries = [n for p, n in self._roles.get(role, []) if p <= para]
        # Two ministers named: "le ministre" could be either, so neither.
        return entries[-1] if entries and len(set(entries)) == 1 else None

    def learn(self, name: str, para: int = 0) -> None:
        words = [w for w in name.split() if not is_suffix(w)]
        if len(words) >= 2 and _is_verb_opener(words[0]):
            words, name = words[1:], name.split(None, 1)[1]  # "Added Smith: “…”": the verb is not his
        if len(words) < 2 or is_org(name):
            return
        key = fold(words[-1])  # surname_key(name), from the words already split
        if key:
            entries = self._by_surname.setdefault(key, [])
            # "Van Dijk" after "Pieter Van Dijk" is a short mention, not a new person.
            if len(entries) < _NAMESAKES_KEPT and not any(known.endswith(name) for _, known in entries):
                entries.append((para, name))

    def _trim_places(self, name: str) -> str:
        """ "Ukraine Kurt Volker" -> "Kurt Volker": a first word the article mostly uses alone.

        In other languages also a first word the page writes after an article
        ("le ministre de l'Intérieur Jan Hamáček" reaches here as "Intérieur Jan Hamáček").
        """
        words = name.split()
        if len(words) >= 2 and _is_participle_opener(words[0]):
            words = words[1:]  # "Worried Jo Holt called her mother": the sentence's first word, not hers
        elif len(words) >= 2 and _is_verb_opener(words[0]):
            words = words[1:]  # "Added Jo Holt: “…”", "Writes Jo Holt in her memoir"
        foreign = current().code != "en"
        while len(words) >= 3 and (
            self._alone.get(words[0], 0) >= 3
            or (foreign and (words[0] in self._after_article or self._written_lower(words[0].lower())))
        ):
            words = words[1:]
        return " ".join(words)

    def _clean_foreign(self, name: str) -> str:
        """A learnt run minus the words in front of the name that are not names."""
        words = name.split()
        noise = current().noise
        while len(words) >= 2 and (
            words[0] in self._after_article
            or self._written_lower(words[0].lower())
            or words[0].lower() in noise
            or _is_leading_noise(words[0].lower())
            or (len(words) >= 3 and bool(self._entries(fold(words[0]))))
        ):
            words = words[1:]
        return " ".join(words)

    def knows_surname(self, name: str) -> bool:
        """Whether the article's prose names someone with this surname."""
        key = surname_key(name)
        return bool(key and (self._entries(key) or self._alone.get(name.split()[-1], 0)))

    def _same_ends(self, name: str, key: str) -> str | None:
        """ "Mario Raúl Negri" -> "Mario Negri": same first and last name, as the article writes it."""
        words = name.split()
        for _, known in self._entries(key):
            other = known.split()
            if known != name and len(other) >= 2 and other[0] == words[0] and other[-1] == words[-1]:
                return known
        return None

    def _known_tail(self, name: str, key: str) -> str | None:
        """ "Lewicy Borys Budka" -> "Borys Budka" when the page names him so elsewhere."""
        for _, known in self._entries(key):
            if len(known) < len(name) and name.endswith(" " + known):
                return known
        return None

    def _same_but_typo(self, name: str, key: str) -> str | None:
        """ "Odiar Carneiro" after "Odair Carneiro": one swap of two letters in a given name."""
        words = name.split()
        for _, known in self._entries(key):
            if known == name:
                break  # only a spelling the article used first counts as the right one
            other = known.split()
            if len(other) != len(words):
                continue
            diffs = [(a, b) for a, b in zip(words, other) if a != b]
            if len(diffs) == 1 and _one_transposition(*diffs[0]):
                return known
        return None

    def plausible(self, name: str) -> bool:
        """Whether a name could be a person's in this page's language.

        Languages that capitalise nouns or put an article before places and
        bodies give away common nouns: a word the page writes after an article
        ("die Schließung", "los Estados Unidos") is no one's name, and neither
        is a run that starts with a word the page also writes in lower case
        ("Para Moreau"). English keeps its own tests (is_common_phrase).
        """
        if current().code == "en":
            return True
        words = [w for w in name.split() if not _is_minor(w)]
        if not words or not name[:1].isupper():
            return False
        if _VON_DER_RE.search(name):
            if not self._two_particles_name(name):
                return False
        elif any(w in self._after_article for w in words):
            return False
        for w in words[:-1]:
            if w.endswith("s") and self._entries(fold(w[:-1])):
                return False  # "Rudolf Augsteins Motto": a genitive, so a thing of his
        if current().code == "de" and len(words) >= 3 and words[-2].endswith("s"):
            return False  # the same genitive when the owner is not introduced elsewhere
        return not self._written_lower(words[0].lower())

    def _two_particles_name(self, name: str) -> bool:
        """ "Ursula von der Leyen" (her surname is written after "der"), not "Müller von der SPD",
        "Bakker van de gemeente": a surname the page gives someone else, or an acronym, is a
        person of a party or a body."""
        words = name.split()
        if sum(c.isupper() for c in words[-1]) >= 2:
            return False  # "von der SPD", "van de PvdA"
        return not self._entries(fold(words[0]))[:1]  # "Müller" after "Hans Müller"

    def is_thing(self, name: str) -> bool:
        """Whether the prose writes this name's last word as a thing: "the Wild’s", "the Wild are"."""
        if current().code != "en":
            return False
        words = [w for w in name.split() if not is_suffix(w)]
        if not words:
            return False
        word = words[-1]
        if self._things is not None:
            return word in self._things
        known = self._thing_words.get(word)
        if known is None:
            if self._joined is None:
                self._joined = "\n".join(self._texts)
            if len(self._thing_words) < _THING_LOOKUPS:
                known = _written_as_thing(self._joined, word)
            if known is None:
                # Many names asked about, or a phrase written very often: one pass reads every word.
                self._things = set(_THE_THING.findall(self._joined))
                return word in self._things
            self._thing_words[word] = known
        return known

    def is_person(self, name: str) -> bool:
        """A full name, or a surname the article gives a title ("President Trump"); never a team."""
        if not self.plausible(name) or self.is_thing(name):
            return False
        words = [w for w in name.split() if w[:1].isupper() and not is_suffix(w)]
        return len(words) >= 2 or self.is_addressed(name)

    def is_common_phrase(self, name: str) -> bool:
        """ "Social Security": every word also appears in lower case, so not a person."""
        words = [w.lower() for w in name.split() if not _is_minor(w)]
        return bool(words) and all(self._written_lower(w) for w in words)

    def resolve(self, name: str, para: int | None = None) -> str | None:
        """The full name for `name`, or None when it is not a person we can name."""
        name = name.strip()
        low = name.lower()
        if not name or low in PRONOUNS or low in current().pronouns or is_org(name):
            return None
        words = [w for w in name.split() if not is_suffix(w)]
        key = fold(words[-1]) if words else ""
        entries = self._entries(key)
        # "Social Security" is a phrase, but "Early" after "Chris Early" is his surname.
        if not (len(words) == 1 and entries) and self.is_common_phrase(name):
            return None
        before = [n for p, n in entries if para is None or p <= para]
        known = (before[-1] if before else entries[0][1]) if entries else None
        if known and len(words) == 1 and current().code != "en":
            # "Relotius" -> the latest clean full name with that surname, not "Wenn Relotius"
            # (a conjunction that opened a sentence) or "Texte von Claas Relotius".
            for candidate in reversed(before or [n for _, n in entries]):
                clean = self._clean_foreign(candidate)
                if len(clean.split()) >= 2 and self.plausible(clean):
                    return clean
        if known and (len(words) == 1 or (known.endswith(name) and len(known) > len(name))):
            return self._trim_places(known)  # "Kirby" -> "John Kirby"; "Van Der Beek" -> "James Van Der Beek"
        if len(words) >= 2:
            return (
                self._known_tail(name, key)
                or self._same_but_typo(name, key)
                or (self._same_ends(name, key) if len(words) >= 3 else None)
                or self._trim_places(name)
            )
        # A lone capitalised word that never appears capitalised mid-sentence
        # ("Teachers chanted") is a common noun at the start of a sentence.
        if key in self._capitalised_midsentence:
            return name
        return None


# Common given names, so "he said" does not land on Beth or "she said" on Tom
# when the article itself never says which. Only a tie-breaker: what the
# article says ("Persson ... She") always wins.
_FEMALE = frozenset(
    """
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret
    sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca
    sharon laura cynthia kathleen amy shirley angela helen anna brenda pamela nicole emma samantha
    katherine christine debra rachel catherine carolyn janet ruth maria heather diane virginia julie
    joyce victoria olivia kelly christina lauren joan evelyn judith megan cheryl andrea hannah martha
    jacqueline frances gloria ann teresa kathryn sara janice jean alice madison doris abigail julia
    judy grace denise amber marilyn beverly danielle theresa sophia marie diana brittany natalie isabella
    charlotte rose alexis kayla beth eva ilhan kristi sonya fiona nadia ines claire aisha lena priya
    greta elena sofia chloe zoe lucy ella mia ava harper camila aria eleanor hillary nancy kamala
    angela theresa jacinda ursula christine marine giorgia
    """.split()
)
_MALE = frozenset(
    """
    james robert john michael david william richard joseph thomas charles christopher daniel matthew
    anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward
    jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin
    samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry
    douglas zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald harold sean
    austin carl arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan albert willie
    alan juan wayne elijah randy roy vincent ralph eugene russell bobby mason philip louis tom tim jim
    bill bob mike dan ben sam josh zach kurt rafael carlos luis emmanuel boris vladimir xi narendra
    justin joe barack hugo pedro marco antonio giuseppe hans klaus olaf jens lars sven ahmed mohammed
    muhammad ali omar hassan
    """.split()
)


_ED_NAMES = frozenset("ahmed mohammed muhammed mehmed mohamed mahmed".split())


def _is_verb_opener(word: str) -> bool:
    """ "Added", "Writes": an English speech verb that opened the sentence before a name
    (not "Said", a given name: "Said Jalili")."""
    low = word.lower()
    return current().code == "en" and low not in ("said", "says") and current().verb_re.fullmatch(low) is not None


def _is_participle_opener(word: str) -> bool:
    """ "Worried", "Haunted", "Stunned": a participle that opened the sentence before a name."""
    low = word.lower()
    return len(low) >= 6 and low.endswith("ed") and low not in _ED_NAMES and low not in _MALE and low not in _FEMALE


def given_name_pronoun(name: str) -> str | None:
    """ "he" or "she" from a common first name, or None when the list does not know it."""
    first = name.split()[0].lower().rstrip(".")
    if first in _FEMALE and first not in _MALE:
        return "she"
    if first in _MALE and first not in _FEMALE:
        return "he"
    return None
