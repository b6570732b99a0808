"""Word lookups that stand in for a pass over the whole prose must answer as that pass would."""

from __future__ import annotations

import time

from distributor.extract.names import _LOWER_WORD, Registry, _lower_word_in

PROSE = (
    "The well-known social-security office said on Monday that o'clock rock'n'roll fans’ "
    "Social Security cheques were late. A 2019 report-by the state_agency found nothing. "
    "Élan vital, café au lait; naïve-ish l’Intérieur dell’Economia."
)


def test_each_lookup_agrees_with_the_lower_case_words_of_the_whole_text():
    words = set(_LOWER_WORD.findall(PROSE))
    asked = ["well", "known", "well-known", "social", "security", "social-security", "office", "said",
             "o'clock", "clock", "rock", "roll", "rock'n'roll", "fans", "fans’", "report", "by", "report-by",
             "state", "agency", "café", "lait", "naïve", "ish", "intérieur", "economia", "nothing", "the",
             "monday", "élan", "vital", "x", ""]
    assert "social-security" in words and "social" not in words  # (the reference: a hyphen joins the words)
    for word in asked:
        assert _lower_word_in(PROSE, word) == (word in words), word


def test_a_registry_calls_a_phrase_common_only_when_its_words_are_written_in_lower_case():
    registry = Registry()
    registry.learn_text("Social Security is safe, the minister said. Jane Early said the security of social care matters.")
    assert registry.is_common_phrase("Social Security")
    assert not registry.is_common_phrase("Jane Early")


def test_lookups_in_a_hostile_run_of_hyphenated_letters_finish_and_still_answer():
    text = "a-" * 200_000 + " social"
    start = time.monotonic()
    registry = Registry()
    registry.learn_text(text)
    answers = [registry.is_common_phrase(f"Name{i} Social") for i in range(100)]
    assert time.monotonic() - start < 2.0
    assert answers == [False] * 100  # "name0" ... are never written in lower case
    assert registry.is_common_phrase("Social")


def _after_article_by_the_regex(text: str, code: str) -> set[str]:
    """The capitalised words after an article, as learn_text read them with one regex pass each."""
    from distributor.extract.language import rules_for
    from distributor.extract.names import _AFTER_WORD, _ARTICLE_ADJECTIVE_NOUN, _ELIDED_ARTICLE

    determiners = rules_for(code).determiners
    found = set()
    for m in _AFTER_WORD.finditer(text):
        if m[1].lower() in determiners:
            before = text[max(0, m.start() - 40) : m.start()]
            if m[1].islower() and before.endswith(" ") and before.split()[-1][:1].isupper():
                continue
            if not before.rstrip().endswith(","):
                found.add(m[2])
    if code == "de":
        for m in _ARTICLE_ADJECTIVE_NOUN.finditer(text):
            if (
                m[1].lower() in determiners
                and m[2].endswith(("e", "en", "er", "es", "em"))
                and not text[max(0, m.start() - 2) : m.start()].startswith(",")
            ):
                found.add(m[3])
    found.update(_ELIDED_ARTICLE.findall(text))
    return found


def _after_article(text: str, code: str) -> set[str]:
    from distributor.extract.language import rules_for, using

    registry = Registry()
    with using(rules_for(code)):
        registry.learn_text(text)
    return registry._after_article


def test_the_words_after_an_article_are_those_the_whole_pass_finds():
    # "dit Le Monde": "dit Le" is the word pair read there, so "Le Monde" is not; "le Figaro" is.
    text = "Il a lu le Figaro, dit Le Monde et la Maison Blanche"
    assert _after_article(text, "fr") == {"Figaro", "Maison"}
    shapes = [
        "a Le La Le La Xy", "Le La Le Xy", "x Jean-la Maison", "x Jean-La Maison", "2la Maison", "l'la Maison",
        "la\u00a0Maison", "LA Maison", "la M", "la Ma", "la Ma-x", "Pieter de Vries", ", la Maison", "_la Maison",
        "die Linke und Die Grünen, die Partei", "der Bund Der Staat Die Xy", "el Gobierno y La Moncloa",
        "o Governo e A Folha", "ter² la Maison", "la-la Maison",
        # German nouns after an article and an adjective: "Chef alte Freunde" is not read after "der neue Chef"
        "der neue Chef alte Freunde", "der neue Chef die alte Stadt", "in die neue Die alte Stadt",
        "die neue Die neue Die neue Xy", "die x-neue Stadt", "die neue Stadt-Die alte Xy", ",die neue Stadt",
        # elided articles: the second is inside the word the first took
        "l’Intérieur-l’Economie, dell'Economia e sull’Ab", "xl’Ab 2l'Ab _l’Ab all’Xy-nell’Ab",
    ]
    for shape in shapes:
        for code in ("fr", "de", "es", "pt", "it", "nl"):
            assert _after_article(shape, code) == _after_article_by_the_regex(shape, code), (shape, code)


def test_the_determiner_scan_agrees_with_the_whole_pass_on_random_prose():
    import random

    rng = random.Random(11)
    tokens = ["le", "Le", "LE", "la", "La", "die", "Die", "der", "el", "El", "o", "A", "de", "Maison", "M", "Ma",
              "x", "Élysée", "Jean", "2", "²", "_", "-", "'", "’", ",", "Ab_", "a1", "Die-Linke", "los", "het"]
    for _ in range(3000):
        separators = [rng.choice([" ", " ", "\u00a0", "", "-", ", "]) for _ in range(rng.randint(1, 12))]
        text = "".join(rng.choice(tokens) + separator for separator in separators)
        for code in ("fr", "de", "es"):
            assert _after_article(text, code) == _after_article_by_the_regex(text, code), (text, code)
    tokens = ["die", "Die", "neue", "Chef", "alte", "Xe", "x-Die", "Die-die", "a2", "De", "e"]
    for _ in range(3000):
        text = "".join(rng.choice(tokens) + rng.choice([" ", " ", " ", "-", ","]) for _ in range(rng.randint(2, 12)))
        assert _after_article(text, "de") == _after_article_by_the_regex(text, "de"), text


def test_a_hostile_chain_of_capitalised_articles_finishes():
    text = "dit " + "Le " * 30_000 + "Xy"  # (a pass per pair would take minutes)
    start = time.monotonic()
    found = _after_article(text, "fr")
    assert time.monotonic() - start < 2.0
    # "dit Le" is read first, then "Le Le" pairs in turn, and the last "Le" before "Xy"
    assert found == {"Le", "Xy"} == _after_article_by_the_regex(text, "fr")


def test_a_text_whose_article_follows_only_blank_space_is_learnt_without_a_crash():
    """(an IndexError once: the 40 characters before "la" were all spaces, so no word stood there)"""
    from distributor.extract.language import rules_for, using

    registry = Registry()
    with using(rules_for("fr")):
        registry.learn_text(" " * 45 + "la Maison Blanche a parlé, selon Jean Dupont.")
        registry.learn_text("Jean Dupont est arrivé.")
    assert registry.resolve("Dupont", 1) == "Jean Dupont"
