"""Speakers on pages the rules were not written on (each page here is self-written).

Each test reproduces one shape that gave a quote's words to the wrong person, or
to something that is no person, on an unseen page. No speaker is a right answer
when the page does not let a reader tell who spoke.
"""

from __future__ import annotations

import pytest

from distributor.extract import extract_page


def _page(body: str) -> str:
    return f"<html><head><title>Testing the market</title></head><body><article><h1>Testing the market</h1>{body}</article></body></html>"


def _speakers(html: str) -> dict[str, str | None]:
    result = extract_page(html, url="https://ledger.example/a")
    return {q.text: q.speaker for q in result.quotes}


FORUM_PAGE = _page(
    "<p>The lab in Leeds tests pills that readers send in by post, and its results are public.</p>"
    "<p>\u201cWe test every sample we receive within a week,\u201d said Maria Lopez, who runs the lab. "
    "\u201cMost of them are not what the seller promised.\u201d</p>"
    "<p>Buyers on the forums have noticed. QuietFox told me over the phone that he had been talking about "
    "this with Anna Berg, the owner of the old Mill Road market. \u201cWe had been planning our own tests for "
    "months before the site went down,\u201d he said.</p>"
    "<p>\u201cPeople want to know what they are buying,\u201d Lopez said.</p>"
)


def test_he_after_a_forum_handle_is_not_the_woman_named_earlier_nor_a_road():
    speakers = _speakers(FORUM_PAGE)
    assert speakers["We had been planning our own tests for months before the site went down"] is None
    assert speakers["People want to know what they are buying"] == "Maria Lopez"


def test_he_after_a_named_person_in_the_same_sentence_is_still_that_person():
    html = FORUM_PAGE.replace("QuietFox told me", "Tom Reyes, a buyer, told me")
    speakers = _speakers(html)
    assert speakers["We had been planning our own tests for months before the site went down"] == "Tom Reyes"


def test_a_road_is_no_speaker():
    html = FORUM_PAGE.replace(
        "QuietFox told me over the phone that he had been talking about this with Anna Berg, the owner of the old Mill Road market.",
        "Buyers on the old Mill Road market have noticed too, according to a seller.",
    )
    assert _speakers(html)["We had been planning our own tests for months before the site went down"] is None


HEARING_PAGE = _page(
    "<p>The committee heard from two officials on Tuesday about the delayed rocket programme.</p>"
    "<p>\u201cWe have not seen the test results that would let us promise a launch next year,\u201d said "
    "Karen Holt, the agency's acting director, who spoke first.</p>"
    "<p>Senator Tom Aldridge returned to the issue later in the hearing. \u201cWhich rockets in development "
    "today could carry the lander by next year?\u201d</p>"
)


def test_an_unattributed_quote_after_another_person_acts_is_not_the_previous_speakers():
    speakers = _speakers(HEARING_PAGE)
    assert speakers["Which rockets in development today could carry the lander by next year?"] != "Karen Holt"


def test_an_unattributed_quote_after_the_same_person_acts_still_carries_over():
    html = HEARING_PAGE.replace("Senator Tom Aldridge returned", "Holt returned")
    speakers = _speakers(html)
    assert speakers["Which rockets in development today could carry the lander by next year?"] == "Karen Holt"


def test_words_credited_to_a_forum_handle_have_no_speaker():
    html = _page(
        "<p>The lab in Leeds tests pills that readers send in by post, and its results are public.</p>"
        "<p>\u201cIt made me ill for a week and I nearly went to hospital,\u201d Dr. Sparkle, a Dreadnought user, "
        "wrote on the site\u2019s forums after taking pills that the lab later tested.</p>"
        "<p>\u201cMore people are hurt by what the pills are cut with than by the drug,\u201d Dr. Sparkle added.</p>"
        "<p>\u201cWe test every sample we receive within a week,\u201d said Maria Lopez, who runs the lab.</p>"
    )
    speakers = _speakers(html)
    assert speakers["It made me ill for a week and I nearly went to hospital"] is None
    assert speakers["More people are hurt by what the pills are cut with than by the drug"] is None
    assert speakers["We test every sample we receive within a week"] == "Maria Lopez"


def test_someone_known_by_one_name_after_a_role_noun_is_a_speaker():
    from distributor.extract.quotes import find_quotes, pick_pull_quote

    english = [
        "Brazil coach Tite named his squad for the friendly on Monday.",
        "\u201cWe will play with the same courage we showed in the last match,\u201d Tite said.",
    ]
    q = pick_pull_quote(find_quotes(english, language="en"))
    assert (q.text, q.speaker) == ("We will play with the same courage we showed in the last match", "Tite")
    portuguese = [
        "O técnico Tite declarou que errou ao levar a taça ao ex-presidente em 2012.",
        "\u201cNão me posicionei politicamente e não faria isso de novo\u201d, falou Tite ao programa.",
    ]
    q = pick_pull_quote(find_quotes(portuguese, language="pt"))
    assert (q.text, q.speaker) == ("Não me posicionei politicamente e não faria isso de novo", "Tite")


def test_one_name_without_a_role_noun_is_still_no_speaker():
    from distributor.extract.quotes import find_quotes

    paragraphs = [
        "The club Tottenham confirmed the signing on Monday after a week of talks.",
        "\u201cWe are delighted to welcome him to the club,\u201d Tottenham said in a statement.",
    ]
    assert [q.speaker for q in find_quotes(paragraphs, language="en")] == [None]


FAMILY_PAGE = _page(
    "<p>The actress Mary Lindqvist wrote her first song at 55, after an operation on her arm.</p>"
    "<p>\u201cEverything anybody said to me became musical,\u201d Lindqvist said.</p>"
    "<p>Lindqvist\u2019s son, filmmaker Charlie Brandt, also remembers it as a strange time. "
    "\u201cAll of a sudden there was an accordion in the kitchen,\u201d Brandt said.</p>"
    "<p>For years the actress had not thought of doing anything else. \u201cI was obsessed with acting, and that "
    "felt like a big enough subject for me,\u201d she said.</p>"
)


def test_she_is_not_a_man_the_page_introduces_as_someones_son():
    speakers = _speakers(FAMILY_PAGE)
    assert speakers["I was obsessed with acting, and that felt like a big enough subject for me"] == "Mary Lindqvist"


def test_a_pronoun_is_not_the_person_the_quote_names():
    html = FAMILY_PAGE.replace(
        "\u201cI was obsessed with acting, and that felt like a big enough subject for me,\u201d she said.",
        "\u201cIt would have been easy for Mary Lindqvist to put her name on it and stop there,\u201d she said.",
    )
    assert _speakers(html)["It would have been easy for Mary Lindqvist to put her name on it and stop there"] is None


def test_she_after_the_paragraph_brings_in_an_unnamed_mother_is_nobody_named():
    html = _page(
        "<p>\u201cMost people never look at who views their profile,\u201d said Will Tjernlund, a consultant.</p>"
        "<p>The magazine spoke to one mother, who knew her son ran a shop account but not that his number was public. "
        "\u201cI am literally facepalming that my son has his phone number on his profile,\u201d she said.</p>"
    )
    assert _speakers(html)["I am literally facepalming that my son has his phone number on his profile"] is None


@pytest.mark.parametrize("opener", ["Worried", "Stunned", "Haunted"])
def test_a_participle_opening_the_sentence_is_no_part_of_the_speakers_name(opener):
    from distributor.extract.quotes import find_quotes

    paragraphs = [
        "Jo Holt runs the shelter in the town, where she has worked for ten years.",
        f"{opener} Jo Holt called the council on Monday.",
        "\u201cWe will not close the doors this winter,\u201d Holt said.",
    ]
    assert [q.speaker for q in find_quotes(paragraphs, language="en")] == ["Jo Holt"]


def test_a_given_name_ending_in_ed_stays():
    from distributor.extract.quotes import find_quotes

    paragraphs = ["\u201cWe will not close the doors this winter,\u201d said Ahmed Khan, who runs the shelter."]
    assert [q.speaker for q in find_quotes(paragraphs, language="en")] == ["Ahmed Khan"]


BRIDGE_INTRO = "John Smith, the mayor of Leeds, opened the new bridge on Monday after two years of work."
BRIDGE_QUOTE = "The bridge will change how this city moves every single day"


@pytest.mark.parametrize(
    "attribution",
    [
        "a spokesperson for Smith said",
        "a lawyer for Smith said",
        "an aide to Smith said",
        "Smith and Jane Doe said in a joint statement",
        # The verb first (Smith got the words, 0.85):
        "said Smith and Jones",
        "said Smith and his wife",
        "said Smith & Jones",
    ],
)
def test_words_said_for_someone_or_by_two_people_are_no_ones_in_particular(attribution):
    from distributor.extract.quotes import find_quotes

    quotes = find_quotes([BRIDGE_INTRO, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize(
    "attribution",
    ["said Smith, Jones and Lee", "said Smith, Jones, and Lee", "said Smith, Jones, Lee and Brown",
     "Smith, Jones and Lee said", "said John Smith, Ann Jones and Kate Lee in a letter"],
)
def test_words_said_by_a_list_of_people_are_no_ones_in_particular(attribution):
    """(only "Smith and Jones" was read as two people: the first of a list got the words, 0.85)"""
    from distributor.extract.quotes import find_quotes

    quotes = find_quotes([BRIDGE_INTRO, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize(
    "attribution", ["said Smith, the mayor", "said Smith, a friend of Jones and Lee", "said Smith, and Jones agreed",
                    "said Smith, Director of Planning and Development"],
)
def test_a_name_before_a_comma_and_its_details_still_speaks(attribution):
    from distributor.extract.quotes import find_quotes

    quotes = find_quotes([BRIDGE_INTRO, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == ["John Smith"]


@pytest.mark.parametrize(
    "attribution, speaker",
    [("de Miranda writes", "Ana de Miranda"), ("Amnesty International\u2019s Jane Doe said", "Jane Doe"), ("Smith said of Peter Jones", "John Smith")],
)
def test_a_name_after_a_particle_or_a_possessive_still_speaks(attribution, speaker):
    from distributor.extract.quotes import find_quotes

    intro = BRIDGE_INTRO + " The architect Ana de Miranda designed it."
    quotes = find_quotes([intro, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [speaker]


@pytest.mark.parametrize(
    "attribution",
    ["Jones said Smith told him", "Jones said, quoting Smith", "Jones recalled Smith saying", "Jones was told by Smith"],
)
def test_words_one_person_relays_from_another_are_given_to_neither(attribution):
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    quotes = find_quotes([intro, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize(
    "lead_in", ["Jones was told by Smith:", "Jones was told:", "Jones was later warned by the mayor:", "Jones and his staff were informed:"]
)
def test_words_leading_in_from_someone_who_heard_them_are_not_the_hearers(lead_in):
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    quotes = find_quotes([intro, f"{lead_in} \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize(
    "lead_in",
    [
        "Peter Jones was given a message by John Smith:",
        "Peter Jones received a letter from John Smith:",
        "Peter Jones received a letter from John Smith saying:",
        "Peter Jones got a text from John Smith that read:",
        "Peter Jones was shown a letter from John Smith:",
        "Peter Jones read out a statement from John Smith:",
        "Peter Jones posted a message from John Smith on Facebook:",
        "Peter Jones said he received a letter from John Smith:",
    ],
)
def test_words_leading_in_from_someone_who_received_them_are_not_the_receivers(lead_in):
    """(the one who received a letter or message got its words: Jones at 0.85 and 0.92)"""
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    quotes = find_quotes([intro, f"{lead_in} \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] in ([None], ["John Smith"])


@pytest.mark.parametrize("lead_in", ["Jones, in a letter to Smith:", "Jones and Smith:"])
def test_a_name_written_to_before_a_colon_is_not_the_speaker(lead_in):
    """(the label reading took the last name before the colon: Smith at 0.85)"""
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    quotes = find_quotes([intro, f"{lead_in} \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] in ([None], ["Peter Jones"])


def test_the_person_a_question_was_about_is_not_the_speaker():
    """(a capitalised "Asked" was not read as a verb, and "about Smith" gave Smith the answer)"""
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    quotes = find_quotes([intro, f"Asked about Smith: \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize("lead_in", ["Added Ann Smith:", "Writes Ann Smith in her memoir:", "Added Smith:"])
def test_a_speech_verb_opening_the_lead_in_is_no_part_of_the_name(lead_in):
    """(the speaker was "Added Ann Smith", a person who does not exist)"""
    from distributor.extract.quotes import find_quotes

    intro = "Ann Smith, the mayor, opened the bridge on Monday."
    quotes = find_quotes([intro, f"{lead_in} \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] == ["Ann Smith"]


def test_words_leading_in_from_their_speaker_still_speak():
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    for lead_in, speaker in (("Jones told reporters:", "Peter Jones"), ("Jones heard from Smith:", "John Smith"),
                             ("Jones, who was told of the plan last week, said:", "Peter Jones"),
                             ("After receiving a letter from Smith, Jones said:", "Peter Jones"),
                             ("Jones received the award and said:", "Peter Jones"),
                             ("Jones said in a statement released by his lawyer:", "Peter Jones"),
                             ("Asked about the plan, Jones replied:", "Peter Jones")):
        quotes = find_quotes([intro, f"{lead_in} \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
        assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] == [speaker]


def test_a_speaker_reporting_what_he_told_others_keeps_his_words():
    from distributor.extract.quotes import find_quotes

    intro = "Coach Bruce Lyle gave his players a talk on Tuesday before the game."
    quotes = find_quotes([intro, f"\u201c{BRIDGE_QUOTE},\u201d Lyle said he told them."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == ["Bruce Lyle"]


@pytest.mark.parametrize(
    "firm",
    ["Morgan Stanley", "Goldman Sachs", "Wells Fargo", "Credit Suisse", "Oxford Economics", "Fitch Ratings",
     "Brown Brothers Harriman", "Al Jazeera", "Doctors Without Borders", "Downing Street", "Boston Celtics",
     "Real Madrid", "Virgin Atlantic", "Sky Sports"],
)
def test_a_firm_whose_name_reads_like_a_persons_is_no_speaker(firm):
    from distributor.extract.quotes import find_quotes

    paragraphs = ["Shares fell on Monday after the results.", f"\u201c{BRIDGE_QUOTE},\u201d {firm} said in a note to clients."]
    assert [q.speaker for q in find_quotes(paragraphs, language="en")] == [None]


def test_a_person_at_a_firm_and_a_person_sharing_a_firms_surname_still_speak():
    from distributor.extract.quotes import find_quotes

    for attribution, speaker in (("Goldman Sachs analyst Jane Doe said", "Jane Doe"), ("said Jeffrey Sachs, the economist", "Jeffrey Sachs")):
        paragraphs = ["Shares fell on Monday after the results.", f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."]
        assert [q.speaker for q in find_quotes(paragraphs, language="en")] == [speaker], attribution


@pytest.mark.parametrize(
    "paragraph, lang",
    [
        ("The lawyer of striker Tom Reyes said: \u201c{q}.\u201d", "en"),
        ("A friend of singer Tom Reyes said: \u201c{q}.\u201d", "en"),
        ("A lawyer for former mayor Tom Reyes said: \u201c{q}.\u201d", "en"),
        ("\u201c{q},\u201d a spokesman for striker Tom Reyes said.", "en"),
        ("Um amigo do atacante Tom Reyes disse: \u201c{q}.\u201d", "pt"),
        # A capitalised title between "for" and the name (Reyes got the words at 0.85 and 0.92):
        ("\u201c{q},\u201d a spokesman for Mayor Tom Reyes said.", "en"),
        ("A spokesman for Mayor Tom Reyes said: \u201c{q}.\u201d", "en"),
        ("\u201c{q},\u201d a lawyer for former Senator Tom Reyes said.", "en"),
        ("\u201c{q},\u201d a spokesman for Britain's Prime Minister Tom Reyes said.", "en"),
        ("\u201c{q},\u201d an adviser to Mayor Tom Reyes said.", "en"),
        ("\u201c{q},\u201d a source close to Mayor Tom Reyes said.", "en"),
        ("\u201c{q},\u201d a lawyer representing Mayor Tom Reyes said.", "en"),
    ],
)
def test_words_of_someone_of_a_titled_person_are_not_that_persons(paragraph, lang):
    """(a role or title between "of"/"for" and the name hid the owner: Reyes got the words at 0.92)"""
    html = (
        f"<html lang={lang}><head><title>Club news</title></head><body><article><h1>Club news today</h1>"
        f"<p>Tom Reyes joined the club on Monday.</p><p>{paragraph.format(q=BRIDGE_QUOTE)}</p></article></body></html>"
    )
    result = extract_page(html, url="https://ledger.example/a")
    assert [q.speaker for q in result.quotes if q.text.rstrip(".") == BRIDGE_QUOTE] in ([None], [])
    assert result.pull_quote is None or result.pull_quote.speaker is None


@pytest.mark.parametrize(
    "owner",
    ["U.S. Rep. Tom Reyes", "Texas Gov. Tom Reyes", "New York Gov. Tom Reyes", "Republican Gov. Tom Reyes",
     "House Speaker Tom Reyes", "then-Gov. Tom Reyes"],
)
@pytest.mark.parametrize("shape", ["\u201c{q},\u201d a spokesman for {owner} said.", "An aide to {owner} said: \u201c{q}.\u201d"])
def test_a_place_or_party_before_the_owners_title_still_makes_the_words_someone_elses(owner, shape):
    """(a capitalised word between "for"/"to" and the title, "U.S.", "Texas", "Republican", ended
    the look-back: Reyes got his spokesman's words at 0.85 and 0.92)"""
    from distributor.extract.quotes import find_quotes

    paragraph = shape.format(q=BRIDGE_QUOTE, owner=owner)
    quotes = find_quotes(["Tom Reyes joined the club on Monday.", paragraph], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize(
    "lead_in",
    ["Texas Gov. Tom Reyes said:", "U.S. Rep. Tom Reyes said:"],
)
def test_a_place_before_a_titled_person_speaking_for_themselves_keeps_the_speaker(lead_in):
    html = _page(f"<p>Tom Reyes joined the club on Monday.</p><p>{lead_in} \u201c{BRIDGE_QUOTE}.\u201d</p>")
    assert _speakers(html)[BRIDGE_QUOTE + "."] == "Tom Reyes"


@pytest.mark.parametrize(
    "lead_in",
    [
        "Mayor Tom Reyes said:",
        "Secretary of State Tom Reyes said:",
        "City scientist and study co-author Tom Reyes said:",
        "Minister of State Tom Reyes said:",  # (a capitalised office before "of" and the title: his own)
    ],
)
def test_a_titled_person_speaking_for_themselves_still_speaks(lead_in):
    html = _page(f"<p>Tom Reyes joined the club on Monday.</p><p>{lead_in} \u201c{BRIDGE_QUOTE}.\u201d</p>")
    assert _speakers(html)[BRIDGE_QUOTE + "."] == "Tom Reyes"


@pytest.mark.parametrize(
    "attribution",
    ["said U.S. Secretary of State Tom Reyes", "said U.S. Ambassador to Britain Tom Reyes"],
)
def test_initials_before_a_title_are_no_speaker(attribution):
    """(the name was cut at "of"/"to" and "U.S. Secretary" left the speaker "S. Secretary", 0.92)"""
    from distributor.extract.quotes import find_quotes

    quotes = find_quotes([BRIDGE_INTRO, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] in ([None], ["Tom Reyes"])


def test_initials_of_a_name_still_speak():
    from distributor.extract.quotes import find_quotes

    for attribution, speaker in (("said J. K. Rowling", "J. K. Rowling"), ("said U.S. Ambassador Tom Reyes", "Tom Reyes")):
        quotes = find_quotes([BRIDGE_INTRO, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
        assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [speaker], attribution


@pytest.mark.parametrize("attribution", ["said U.S. Steel", "U.S. Steel said", "said U.S. Bancorp"])
def test_a_company_named_with_initials_is_no_speaker(attribution):
    """(the run started inside "U.S." and made a person "S. Steel", 0.92)"""
    from distributor.extract.quotes import find_quotes

    quotes = find_quotes([BRIDGE_INTRO, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize(
    "attribution, speaker",
    [("said A.J. Hinch, the Astros manager", "A.J. Hinch"), ("said U.S. Rep. Tom Reyes", "Tom Reyes")],
)
def test_initials_written_together_are_a_whole_given_name_or_a_place(attribution, speaker):
    """(the speaker was "J. Hinch": the first initial was cut off)"""
    from distributor.extract.quotes import find_quotes

    quotes = find_quotes([BRIDGE_INTRO, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [speaker]


@pytest.mark.parametrize(
    "intro, attribution",
    [
        ("Mary Jones and her husband, Peter Jones, opened the bridge on Monday.", "Ms. Jones said"),
        ("Peter Jones and his wife, Mary, opened the bridge on Monday.", "said Mrs. Jones"),
        ("Mary Jones opened the bridge on Monday with her son.", "Mr. Jones said"),
    ],
)
def test_ms_or_mr_before_a_shared_surname_is_not_the_other_one(intro, attribution):
    """(the surname went to the last Jones introduced: her husband got her words, 0.85)"""
    from distributor.extract.quotes import find_quotes

    quotes = find_quotes([intro, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
    assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] in ([None], ["Mary Jones"] if "Ms." in attribution else [None])


def test_ms_or_mr_before_the_surname_of_the_right_person_still_speaks():
    from distributor.extract.quotes import find_quotes

    for intro, attribution, speaker in (("Mary Jones opened the bridge on Monday.", "Ms. Jones said", "Mary Jones"),
                                        ("Peter Jones opened the bridge on Monday.", "Mr. Jones said", "Peter Jones")):
        quotes = find_quotes([intro, f"\u201c{BRIDGE_QUOTE},\u201d {attribution}."], language="en")
        assert [q.speaker for q in quotes if q.text == BRIDGE_QUOTE] == [speaker]


def test_a_surname_two_people_on_the_page_share_is_held_for_review_unless_one_just_spoke():
    """(the surname went to the last Jones introduced: Peter got the words at 0.85, enough to post
    unattended, also right after a quote of Mary Jones's)"""
    from distributor.extract.quotes import find_quotes

    from distributor.quote_policy import CONFIDENCE_THRESHOLD

    intro = ["Mary Jones opened the bridge on Monday.", "Her brother, Peter Jones, was there too."]
    quotes = find_quotes([*intro, f"\u201c{BRIDGE_QUOTE},\u201d Jones said."], language="en")
    assert [q.speaker is None or q.confidence < CONFIDENCE_THRESHOLD for q in quotes] == [True]
    quotes = find_quotes(
        [*intro, f"\u201c{BRIDGE_QUOTE},\u201d Mary Jones said.",
         "\u201cIt took all of us ten long years to get this far,\u201d Jones added."],
        language="en",
    )
    assert [q.speaker for q in quotes if q.text.startswith("It took")] == ["Mary Jones"]


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["Mary Jones opened the bridge on Monday.", "\u201cWe waited a long time for this day,\u201d Mary Jones said.",
         "Her husband, Peter Jones, was less sure about the cost.", f"\u201c{BRIDGE_QUOTE},\u201d Jones said."],
        ["Mary Jones opened the bridge on Monday.", "\u201cWe waited a long time for this day,\u201d Mary Jones said.",
         f"Her husband, Peter Jones, was less sure about the cost. \u201c{BRIDGE_QUOTE},\u201d Jones said."],
    ],
)
def test_a_shared_surname_after_the_other_one_is_named_is_held_for_review(paragraphs):
    """(the Jones who last spoke in full got the words at 0.85, though her husband had been named since)"""
    from distributor.extract.quotes import find_quotes

    from distributor.quote_policy import CONFIDENCE_THRESHOLD

    quotes = find_quotes(paragraphs, language="en")
    assert [q.speaker is None or q.confidence < CONFIDENCE_THRESHOLD for q in quotes if q.text == BRIDGE_QUOTE] == [True]


@pytest.mark.parametrize("lead_in", ["Jones and his wife:", "Jones and colleagues:", "Jones & co:"])
def test_a_colon_label_naming_more_than_one_person_is_no_ones(lead_in):
    """(no name ended the label, so the sentence's subject, Jones, got the words at 0.8)"""
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    quotes = find_quotes([intro, f"{lead_in} \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] == [None]


@pytest.mark.parametrize("lead_in", ["Jones, the council leader:", "Jones on the bridge:"])
def test_a_colon_label_naming_one_person_still_speaks(lead_in):
    from distributor.extract.quotes import find_quotes

    intro = "John Smith, the mayor, and Peter Jones, the council leader, opened the bridge on Monday."
    quotes = find_quotes([intro, f"{lead_in} \u201c{BRIDGE_QUOTE}.\u201d"], language="en")
    assert [q.speaker for q in quotes if q.text.rstrip(".") == BRIDGE_QUOTE] == ["Peter Jones"]
