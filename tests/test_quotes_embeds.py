"""Posts embedded in an article are quotes of their author, when the article names that person."""

from distributor.extract import extract_page

PAGE = """<html lang="en"><head><title>Vote</title></head><body><article><h1>Council votes on the bridge</h1>
<p>Councillor Dana Whitfield has opposed the bridge plan since the spring and voted against it again on Tuesday.</p>
<p>The council approved the plan by seven votes to four after a long debate in the town hall.</p>
<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Seven years of work thrown away tonight. We will keep fighting for the river. <a href="https://t.co/abc">pic.twitter.com/abc</a></p>&mdash; Cllr Dana Whitfield (@danawhit) <a href="https://twitter.com/danawhit/status/1">May 4, 2024</a></blockquote>
<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Statement from the club on tonight's decision and what it means for supporters.</p>&mdash; Riverside Rovers FC (@RoversFC) <a href="https://twitter.com/RoversFC/status/2">May 4, 2024</a></blockquote>
<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:x/app.bsky.feed.post/y"><p lang="en">Nobody asked the people who live by the river what they want here.</p>&mdash; Sam Okafor (<a href="https://bsky.app/profile/sam.bsky.social">@sam.bsky.social</a>) <a href="https://bsky.app/x">May 4, 2024</a></blockquote>
</article></body></html>"""


def test_an_embedded_post_is_its_authors_quote():
    result = extract_page(PAGE.encode(), url="https://paper.example/bridge")
    by_speaker = {q.speaker: q.text for q in result.quotes if q.speaker}
    assert by_speaker["Dana Whitfield"].startswith("Seven years of work thrown away tonight.")
    assert "pic.twitter.com" not in by_speaker["Dana Whitfield"]


def test_an_organisation_or_a_stranger_gets_no_quote_from_an_embed():
    result = extract_page(PAGE.encode(), url="https://paper.example/bridge")
    speakers = {q.speaker for q in result.quotes}
    assert "Riverside Rovers FC" not in speakers
    assert "Sam Okafor" not in speakers  # the article never mentions him


def test_an_account_whose_name_has_an_acronym_is_no_person():
    page = PAGE.replace("Cllr Dana Whitfield (@danawhit)", "BBC Dana Whitfield Fans (@dwfans)")
    result = extract_page(page.encode(), url="https://paper.example/bridge")
    assert all("Seven years" not in q.text for q in result.quotes if q.speaker)


def test_an_account_the_prose_names_only_as_a_source_gets_no_quote_from_its_embed():
    # "Harbour Metrics" looks like a name, but the article only says whose figures these are.
    page = PAGE.replace(
        "<p>The council approved",
        "<p>Figures published by Harbour Metrics on Monday showed the river at its lowest level.</p><p>The council approved",
    ).replace("Sam Okafor (<a", "Harbour Metrics (<a")
    result = extract_page(page.encode(), url="https://paper.example/bridge")
    speakers = {q.speaker for q in result.quotes}
    assert "Harbour Metrics" not in speakers
    assert "Dana Whitfield" in speakers
