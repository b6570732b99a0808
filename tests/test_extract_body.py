"""The article text handed to the quote finder: prose only, never the page around it."""

from __future__ import annotations

from pathlib import Path

from distributor.extract import article_body, extract_page, parse

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def body(name: str):
    return article_body(parse((FIXTURES / name).read_bytes()).tree)


def test_paragraphs_in_order_with_inline_tags_flattened_and_comments_dropped():
    paragraphs = body("wordpress-figure.html").paragraphs
    assert paragraphs == [
        "The council voted 7-2 on Tuesday to build a sea wall along the harbour front, ending two years of argument.",
        "“We cannot keep rebuilding the promenade every winter,” said Councillor Jonah Petrakis, who chairs the works committee.",
        "Work is due to start in June and will take eighteen months.",
        "Residents on Quay Street said they welcomed the decision, but feared the noise of piling.",
    ]


def test_page_chrome_never_reaches_the_paragraphs():
    text = " ".join(body("wordpress-figure.html").paragraphs)
    for chrome in (
        "About time",  # reader comment
        "Leave a reply",  # comment form
        "Get the Ledger every morning",  # newsletter box
        "Share this story",  # share widget
        "Ferry timetable cut",  # related links
        "Best chips on the coast",  # trending widget
        "All rights reserved",  # footer
        "Posted in Local",  # entry footer
        "Waves break over",  # photo caption
        "This should never appear",  # script
    ):
        assert chrome not in text


def test_pull_quote_box_is_a_hint_not_a_paragraph():
    result = body("wordpress-figure.html")
    assert result.pullquote_hints == ["“We cannot keep rebuilding the promenade every winter.”"]
    assert "“We cannot keep rebuilding the promenade every winter.”" not in result.paragraphs


def test_hover_card_headlines_are_cut_out_of_the_paragraph_but_the_name_stays():
    result = body("hovercard-pullquote.html")
    assert result.paragraphs[0] == "Senator Ines Harrow asked on Monday for an inquiry into grain prices."
    assert not any("bridge toll" in p for p in result.paragraphs)
    assert result.pullquote_hints == ["“Farmers are being squeezed from both ends.”"]
    assert not any("Typical politician" in p for p in result.paragraphs)


def test_text_written_straight_into_a_div_is_split_at_line_breaks():
    result = body("loose-text.html")
    assert result.paragraphs == [
        "A new 13-inch laptop with a scissor switch keyboard is planned for the first half of next year, according to industry sources.",
        "The report claims the display size will stay the same, although a larger screen has been rumoured for months.",
        "The keyboard should prove more reliable than the one it replaces.",
    ]


def test_seed_article_body_has_no_reader_comment():
    paragraphs = body("../seed/article.html").paragraphs
    assert paragraphs[0] == "The United States officially broke off talks with Russia on implementing a ceasefire agreement in Syria."
    assert paragraphs[-1] == "(H/T: Reuters)"
    joined = " ".join(paragraphs)
    assert "It would be fair to give both sides" not in joined
    assert "Please enter your comment" not in joined
    assert "Follow HYPELINE" not in joined


def test_quotes_come_only_from_the_article_never_from_comments_or_widgets():
    for name in ("wordpress-figure.html", "loose-text.html", "hovercard-pullquote.html", "../seed/article.html"):
        result = extract_page((FIXTURES / name).read_bytes())
        shown = [q.text for q in result.quotes] + ([result.pull_quote.text] if result.pull_quote else [])
        for text in shown:
            for chrome in ("About time", "Get the Ledger", "Best chips", "complete", "Typical politician", "fair to give both sides"):
                assert chrome not in text, (name, text)


def test_page_without_paragraphs_gives_an_empty_body():
    result = article_body(parse(b"<html><body><div><a href='/'>Home</a></div></body></html>").tree)
    assert result.paragraphs == []
    assert result.pullquote_hints == []


def test_a_sentence_whose_names_are_links_is_prose_but_a_teaser_line_is_not():
    html = b"""<html><body><article><h1>Dancer leaves the show</h1>
    <p><a href="/people/jane-roe">Jane Roe</a> has been voted off <a href="/shows/night-dance">Night Dance Live</a>.</p>
    <p>Read more: <a href="/other">Another story about something else entirely</a></p>
    <p>The 42-year-old was voted off on Monday in a tight race, the producers said.</p>
    <p>She thanked her fans, her partner and the judges for a season she called the best of her life.</p>
    </article></body></html>"""
    paragraphs = article_body(parse(html).tree).paragraphs
    assert paragraphs[0] == "Jane Roe has been voted off Night Dance Live."
    assert not any("Another story" in p for p in paragraphs)


def test_story_inside_a_page_builder_widget_or_rail_column_is_not_chrome():
    # Page builders wrap the whole post in "widget" boxes; some layouts call the story
    # column the side of a rail. A box holding most of the prose is the story's column.
    paragraphs = "".join(
        f"<p>Paragraph {n} of the harbour story tells readers what the council decided, and why it matters.</p>"
        for n in range(1, 7)
    )
    html = f"""<html><body><header><h1>Council backs the sea wall</h1></header>
    <div class="builder-widget-wrap"><div class="builder-widget-container">{paragraphs}</div></div>
    <div class="sidebar widget"><p><a href="/a">Another story</a></p><p>Short teaser text.</p></div>
    </body></html>""".encode()
    result = article_body(parse(html).tree)
    assert len(result.paragraphs) == 6
    assert result.paragraphs[0].startswith("Paragraph 1 of the harbour story")
    assert "Short teaser text." not in result.paragraphs

    layout = f"""<html><body><h2>Site</h2><div class="page-rail-tall"><div class="page-side-of-rail">
    <div class="story-text">{paragraphs}</div></div><div class="right-rail"><p>Most popular: a list.</p></div></div>
    </body></html>""".encode()
    result = article_body(parse(layout).tree)
    assert len(result.paragraphs) == 6
    assert "Most popular: a list." not in result.paragraphs


def test_body_split_into_wrapped_columns_is_read_whole():
    # section > column > div > p, repeated around ads: each column wraps one block.
    column = (
        '<div class="companion-column"><div class="block"><p>{0} sentence of the trade story, which runs on, and on.</p>'
        "<p>{0} follow-up, with a comma, and another.</p></div></div>"
    )
    html = (
        "<html><body><article><h1>Trade talks stall</h1><section>"
        + column.format("First")
        + '<div class="ad-slot"></div>'
        + column.format("Second")
        + column.format("Third")
        + "</section></article></body></html>"
    ).encode()
    paragraphs = article_body(parse(html).tree).paragraphs
    assert [p.split()[0] for p in paragraphs] == ["First", "First", "Second", "Second", "Third", "Third"]


def test_story_laid_out_one_paragraph_per_card_is_read_whole():
    cards = "".join(
        f'<div class="card story-card"><div class="card-content"><p>{text}</p></div></div>'
        for text in (
            "Astronomers using a telescope on the mountain, in a long campaign, found water vapour on a moon.",
            "The team said the finding needs checking.",
            "“We have found the next best thing to liquid water,” said planetary scientist Lena Hartmann.",
        )
    )
    html = f'<html><body><h1>Water vapour found</h1><div class="collection">{cards}</div></body></html>'.encode()
    paragraphs = article_body(parse(html).tree).paragraphs
    assert len(paragraphs) == 3
    assert extract_page(html).pull_quote.speaker == "Lena Hartmann"


def test_text_written_straight_into_a_section_is_prose():
    html = b"""<html><body><h1>Deals of the day</h1><article><section class="article-page">
    Today we found the best prices on game controllers, headphones and laptops for you. Some of these
    deals end tonight, so be quick.<p></p><h2>A controller for less</h2>
    The wireless controller is down to its lowest price of the year, the retailer says.<p></p>
    </section></article></body></html>"""
    paragraphs = article_body(parse(html).tree).paragraphs
    assert paragraphs[0].startswith("Today we found the best prices on game controllers")
    assert any(p.startswith("The wireless controller is down") for p in paragraphs)


def test_story_declared_only_in_json_ld_is_used_when_the_markup_has_none():
    import json

    story = "\r\n\r\n".join([
        "The city opened its new library on Saturday after four years of building work and a long row over the cost.",
        '&lt;div&gt;&lt;img src=&quot;/lib.jpg&quot;&gt;&lt;span&gt;The new library&lt;/span&gt;&lt;/div&gt;',
        "“This is a place for everyone in the city, and it is finally open,” said librarian Omar Haddad.",
        "Visitors queued around the block before the doors opened at nine, and some had waited since dawn.",
        "The building has room for two hundred thousand books, a cafe, and study rooms that anyone can book.",
    ])
    ld = json.dumps({"@type": "NewsArticle", "headline": "Library opens", "articleBody": story})
    html = f"""<html><head><script type="application/ld+json">{ld}</script></head>
    <body><h1>Library opens</h1><div id="app"><p>Loading the story.</p></div></body></html>""".encode()
    result = extract_page(html)
    assert result.pull_quote is not None
    assert result.pull_quote.speaker == "Omar Haddad"
    assert result.pull_quote.text.startswith("This is a place for everyone")


def test_a_gallery_widget_full_of_captions_is_never_the_story():
    captions = "".join(f"<li><p>Caption {n} of a photo in the gallery, with a comma, and more words.</p></li>" for n in range(30))
    html = f"""<html><body><article><h1>Hotel secrets</h1><div class="text">
    <p>Hotel owners keep a few secrets from their guests, and an expert has shared them, one by one.</p>
    <div class="page-widget-wrapper type-gallery"><div class="full-gallery"><ul>{captions}</ul></div></div>
    <p>The first is that the bedspread is rarely washed, he said, and the second is about the minibar.</p>
    </div></article></body></html>""".encode()
    paragraphs = article_body(parse(html).tree).paragraphs
    assert paragraphs[0].startswith("Hotel owners keep a few secrets")
    assert not any(p.startswith("Caption") for p in paragraphs)


def test_story_cut_into_repeated_step_blocks_is_read_whole():
    step = (
        '<div class="mod step"><h3>Step {0}</h3><div class="step-content"><div class="content">'
        "<p>{0}: put a layer of small stones in the jar, then add charcoal, and then the soil.</p></div></div></div>"
    )
    html = (
        '<html><body><h1>How to build a terrarium</h1><div class="main">'
        + "".join(step.format(n) for n in ("One", "Two", "Three", "Four"))
        + '</div><div class="footer-links"><p>Other guides you may like, and more.</p></div></body></html>'
    ).encode()
    paragraphs = article_body(parse(html).tree).paragraphs
    assert [p.split(":")[0] for p in paragraphs] == ["One", "Two", "Three", "Four"]


def test_text_written_straight_into_a_blockquote_in_the_story_is_prose():
    html = b"""<html><body><article><h1>Duke defends visit</h1>
    <p>The duke said he had gone to see his friend in person to end the friendship, a visit that lasted days.</p>
    <blockquote class="marker-quote">He told the interviewer: \xe2\x80\x9cI took the judgement call that it had to be done face to face.\xe2\x80\x9d</blockquote>
    <p>Critics said the account did not add up, and that the visit raised more questions than it answered.</p>
    </article></body></html>"""
    paragraphs = article_body(parse(html).tree).paragraphs
    assert any(p.startswith("He told the interviewer:") for p in paragraphs)


def test_body_containers_come_in_page_order():
    column = '<div class="companion-column"><div class="block"><p>{0} part of the trade story, which runs on, and on.</p></div></div>'
    html = (
        "<html><body><article><h1>Trade talks stall</h1><section>"
        + "".join(column.format(n) for n in ("First", "Second", "Third", "Fourth"))
        + "</section></article></body></html>"
    ).encode()
    result = article_body(parse(html).tree)
    firsts = [c.text(deep=True).split()[0] for c in result.containers]
    assert firsts == ["First", "Second", "Third", "Fourth"]


def test_a_long_quoted_post_inside_the_story_does_not_replace_the_story():
    # The blockquote holds more prose than the story around it, but it is a quotation in it.
    letter = "".join(
        f"<p>Step {n}: the harbour pumps were tested again, and again, and the readings, once more, were logged by hand.</p>"
        for n in range(12)
    )
    page = (
        "<html lang='en'><head><title>Pumps</title></head><body><article><h1>Harbour pumps fail a test</h1>"
        "<div class='story'><p>The harbour's new pumps failed their first public test on Friday.</p>"
        "<p>“We wrote to the council before anyone else knew,” engineer Mira Castell said.</p>"
        f"<blockquote>{letter}</blockquote>"
        "<p>The council said it would answer the letter next week.</p></div></article></body></html>"
    )
    result = extract_page(page.encode(), url="https://paper.example/pumps")
    assert result.pull_quote is not None and result.pull_quote.speaker == "Mira Castell"
    paragraphs = article_body(parse(page.encode()).tree).paragraphs
    assert paragraphs[0] == "The harbour's new pumps failed their first public test on Friday."
    assert paragraphs[-1] == "The council said it would answer the letter next week."


def test_hover_cards_are_cut_even_after_the_page_elements_were_collected():
    # extract_page reads the head (collecting the page's elements) before the body step
    # removes hover cards: the paragraphs must come from the tree without them.
    from distributor.extract.document import page_elements

    doc = parse((FIXTURES / "hovercard-pullquote.html").read_bytes())
    page_elements(doc.tree)
    result = article_body(doc.tree)
    assert result.paragraphs[0] == "Senator Ines Harrow asked on Monday for an inquiry into grain prices."
    assert not any("bridge toll" in p for p in result.paragraphs)
    assert not any("Typical politician" in p for p in result.paragraphs)
