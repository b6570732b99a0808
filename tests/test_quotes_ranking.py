"""Which quote becomes the pull quote: general rules an editor would follow.

Every paragraph here is written for the test.
"""

from __future__ import annotations

from distributor.extract.quotes import find_quotes, pick_pull_quote


def pull(paragraphs: list[str]):
    return pick_pull_quote(find_quotes(paragraphs))


STORY = [
    "The city council voted on Monday to close the Elm Street bridge for repairs.",
    "“I like to think of every bridge as a promise we keep to the next generation,” "
    "Mayor Dana Whitfield said recently on a radio quiz show about her years as an engineer.",
    "The closure will last six months, and buses will take a detour through the port.",
    "“We cannot keep sending school buses over a deck that is cracking under them,” Whitfield said at the vote.",
]


def test_a_quote_from_another_occasion_ranks_below_the_storys_own():
    quote = pull(STORY)
    assert quote is not None
    assert quote.speaker == "Dana Whitfield"
    assert quote.text == "We cannot keep sending school buses over a deck that is cracking under them"


def test_once_said_in_the_lead_in_dates_the_quote_too():
    story = [
        "The city council voted on Monday to close the Elm Street bridge for repairs.",
        "Mayor Dana Whitfield once said: “I like to think of every bridge as a promise we keep.”",
        "“We cannot keep sending school buses over a deck that is cracking,” Whitfield said at the vote.",
    ]
    quote = pull(story)
    assert quote is not None and quote.text.startswith("We cannot keep sending school buses")


def test_without_a_dating_word_the_earlier_quote_still_leads():
    """The rule is about the dating word: the same story without it keeps its first quote."""
    story = [STORY[0], STORY[1].replace(" recently on a radio quiz show about her years as an engineer", ""), *STORY[2:]]
    quote = pull(story)
    assert quote is not None
    assert quote.text == "I like to think of every bridge as a promise we keep to the next generation"


def test_a_dating_word_about_the_speaker_does_not_date_the_quote():
    """ "said Jo Roe, a neighbour who recently moved": the word describes her, not when she spoke."""
    story = [
        "The council voted on Monday to close the Elm Street bridge for repairs.",
        "“I was stunned by how many cracks the inspectors found,” said Jo Roe, a neighbour who recently moved here.",
        "The closure will last six months.",
        "“It feels like a long time to wait for a bridge,” said Lee Carver, who drives a bus over it.",
    ]
    quote = pull(story)
    assert quote is not None
    assert (quote.speaker, quote.text) == ("Jo Roe", "I was stunned by how many cracks the inspectors found")


def test_a_verb_opening_the_sentence_is_not_part_of_the_speakers_name():
    quotes = find_quotes([
        "Enter Maria Okafor, who has run the harbour office for a decade.",
        "“We will rebuild the bridge before winter,” Okafor said.",
        "Accordingly Tomas Lindqvist, her deputy, signed the order.",
        "“The harbour has never been this busy,” Lindqvist said.",
    ])
    assert {q.text: q.speaker for q in quotes} == {
        "We will rebuild the bridge before winter": "Maria Okafor",
        "The harbour has never been this busy": "Tomas Lindqvist",
    }
