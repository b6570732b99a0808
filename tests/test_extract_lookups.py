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
