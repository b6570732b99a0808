"""Hostile page shapes: pages built to make an extractor slow (deep, wide, huge).

Shared by tests/test_hostile_pages.py (each must extract, finishing) and
benchmarks/hostile_pages.py (slowest page time against a normal page).
Every page is written here, by code; none is copied from anywhere.
"""

from __future__ import annotations

HEAD = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Harbour wall approved - The Ledger</title>"
    "<meta property='og:title' content='Harbour wall approved'>"
    "<meta property='og:image' content='https://ledger.example/photos/harbour-wall-storm.jpg'></head><body>"
)
ARTICLE = (
    "<article><h1>Harbour wall approved</h1>"
    "<p>The council voted 7-2 on Tuesday to build a sea wall along the harbour front, ending two years of argument.</p>"
    "<p>“We cannot keep rebuilding the promenade every winter,” said Councillor Jonah Petrakis, who chairs the committee.</p>"
    "</article>"
)
TAIL = "</body></html>"


def normal_page() -> bytes:
    """An ordinary article page of a few kilobytes, for the baseline."""
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story goes on about the sea wall, the council and the residents of Quay Street.</p>"
        for i in range(20)
    )
    figure = (
        "<figure><img src='https://ledger.example/photos/harbour-wall-storm.jpg' width='1200' height='800'>"
        "<figcaption>Waves break over the harbour wall during the January storm.</figcaption></figure>"
    )
    return (HEAD + "<article><h1>Harbour wall approved</h1>" + figure + paragraphs
            + "<p>“We cannot keep rebuilding the promenade every winter,” said Councillor Jonah Petrakis.</p>"
            "</article>" + TAIL).encode()


def nested_divs(depth: int = 100_000) -> bytes:
    return (HEAD + "<div>" * depth + ARTICLE + "</div>" * depth + TAIL).encode()


def unclosed_nested_divs(depth: int = 100_000) -> bytes:
    return (HEAD + "<div class='x'>" * depth + ARTICLE + TAIL).encode()


def nested_spans_in_paragraph(depth: int = 100_000) -> bytes:
    return (HEAD + "<article><h1>Harbour wall approved</h1><p>" + "<span>word " * depth + "</p></article>" + TAIL).encode()


def siblings(count: int = 100_000) -> bytes:
    return (HEAD + ARTICLE + "<div></div>" * count + TAIL).encode()


def many_paragraphs(count: int = 80_000) -> bytes:
    body = "".join(f"<p>Sentence {i}, with a comma, about the council.</p>" for i in range(count))
    return (HEAD + "<article><h1>Harbour wall approved</h1>" + body + "</article>" + TAIL).encode()


def giant_attribute(size: int = 2_000_000) -> bytes:
    return (HEAD + f"<div class='{'a' * size}' data-x='{'b c' * (size // 3)}'>" + ARTICLE + "</div>" + TAIL).encode()


def giant_text_node(size: int = 4_000_000) -> bytes:
    return (HEAD + ARTICLE + "<div>" + ("word, " * (size // 6)) + "</div>" + TAIL).encode()


def giant_paragraph(size: int = 4_000_000) -> bytes:
    return (HEAD + ARTICLE + "<article><p>" + ("word, " * (size // 6)) + "</p></article>" + TAIL).encode()


def deep_tables(depth: int = 20_000) -> bytes:
    return (HEAD + "<table><tr><td>" * depth + ARTICLE + "</td></tr></table>" * depth + TAIL).encode()


def many_images(count: int = 20_000) -> bytes:
    imgs = "".join(
        f"<figure><img src='/i/{i}.jpg' srcset='/i/{i}-300.jpg 300w, /i/{i}-600.jpg 600w' alt='Picture number {i} of the gallery'>"
        f"<figcaption>Caption {i} for the photo of the wall</figcaption></figure>"
        for i in range(count)
    )
    head = HEAD.replace("harbour-wall-storm.jpg", "logo.png")
    return (head + "<article><h1>Harbour wall approved</h1>" + imgs + ARTICLE + "</article>" + TAIL).encode()


def giant_srcset(count: int = 200_000) -> bytes:
    srcset = ", ".join(f"/i/{i}.jpg {i}w" for i in range(count))
    return (HEAD.replace("harbour-wall-storm.jpg", "logo.png") + f"<article><img srcset='{srcset}'>" + ARTICLE + "</article>" + TAIL).encode()


def many_json_ld_items(count: int = 100_000) -> bytes:
    items = ",".join(
        f'{{"@type":"Thing","name":"t{i}","@graph":[{{"@type":"Thing"}}]}}'
        for i in range(count)
    )
    return (HEAD + f'<script type="application/ld+json">[{items}]</script>' + ARTICLE + TAIL).encode()


def deep_json_ld(depth: int = 100_000) -> bytes:
    return (HEAD + '<script type="application/ld+json">' + "[" * depth + "]" * depth + "</script>" + ARTICLE + TAIL).encode()


def many_meta_tags(count: int = 100_000) -> bytes:
    metas = "".join(f"<meta property='article:tag' content='tag {i}'><meta name='k{i}' content='v'>" for i in range(count // 2))
    return (HEAD.replace("</head>", metas + "</head>") + ARTICLE + TAIL).encode()


def paragraphs_deep_inside(depth: int = 500, count: int = 50_000) -> bytes:
    """Many paragraphs at the deepest nesting the parser keeps: every walk up the tree is long."""
    body = "".join(f"<p>Sentence {i}, with a comma, about the council.</p>" for i in range(count))
    return (HEAD + "<div class='wrap'>" * depth + "<h1>Harbour wall approved</h1>" + body + "</div>" * depth + TAIL).encode()


def images_deep_inside(depth: int = 500, count: int = 20_000) -> bytes:
    imgs = "".join(f"<img src='/photos/harbour-wall-storm.jpg?v={i}' alt='A wall'>" for i in range(count))
    return (HEAD + "<div class='wrap'>" * depth + ARTICLE + imgs + "</div>" * depth + TAIL).encode()


def many_h1(count: int = 50_000) -> bytes:
    return (HEAD + "".join(f"<div class='card'><h1>Teaser {i}</h1></div>" for i in range(count)) + ARTICLE + TAIL).encode()


def many_figcaptions(count: int = 50_000) -> bytes:
    caps = "".join(f"<figure><figcaption>Caption {i}</figcaption></figure>" for i in range(count))
    return (HEAD + "<article><h1>Harbour wall approved</h1>" + caps + ARTICLE + "</article>" + TAIL).encode()


def many_links(count: int = 100_000) -> bytes:
    links = "".join(f"<a href='/s/{i}'>story {i}</a> " for i in range(count))
    return (HEAD + ARTICLE + f"<article><p>{links}</p></article>" + TAIL).encode()


def many_short_quotes(count: int = 100_000) -> bytes:
    quotes = " ".join(f"“Yes {i},” he said." for i in range(count))
    return (HEAD + ARTICLE + f"<article><p>{quotes}</p></article>" + TAIL).encode()


def unclosed_quote_marks(size: int = 600_000) -> bytes:
    text = "“ word " * (size // 7)
    return (HEAD + ARTICLE + f"<article><p>{text}</p></article>" + TAIL).encode()


def fifty_megabytes(size: int = 50_000_000) -> bytes:
    """A 50 MB page of ordinary paragraphs (what a local file may be)."""
    chunk = "<p>Filler paragraph, about the harbour wall and the council, repeated to make the page large.</p>"
    return (HEAD + ARTICLE + "<article>" + chunk * (size // len(chunk)) + "</article>" + TAIL).encode()


def invisible_characters(size: int = 1_000_000) -> bytes:
    """Soft hyphens and zero-width (non-)joiners after Latin and Malayalam letters, in the
    title, an <h1> and a paragraph."""
    junk = ("a\u00ad\u200d\u200c \u0d32\u0d4d\u200d\u200b " * (size // 10))
    return (HEAD.replace("<title>", f"<title>{junk[:100_000]}") + f"<h1>{junk}</h1>" + ARTICLE
            + f"<article><p>{junk}</p></article>" + TAIL).encode()


def line_breaks_in_h1(count: int = 100_000) -> bytes:
    return (HEAD + "<h1>" + "word<br>" * count + "</h1>" + ARTICLE + TAIL).encode()


def abbreviations(count: int = 100_000) -> bytes:
    """'Dr. Dr. Dr. …' before and inside a quote: every full stop is an abbreviation's."""
    return (HEAD + ARTICLE + "<article><p>" + "Dr. " * count + "\u201c" + "Mr. A. " * count
            + "\u201d said Dr. Ana Lopez.</p></article>" + TAIL).encode()


def apostrophe_runs(size: int = 500_000) -> bytes:
    return (HEAD + ARTICLE + "<article><p>" + "\u2019" * size + "</p><p>" + "a\u2019" * (size // 2)
            + "</p><p>\u201c" + "don\u2019t " * (size // 6) + "\u201d said Ana Lopez.</p></article>" + TAIL).encode()


def many_caption_parts(count: int = 15_000) -> bytes:
    """Figures whose captions carry screen-reader labels, attribution boxes and shortened
    copies (15k of them fill the 5 MB a fetched page may have)."""
    figures = "".join(
        f"<figure><img src='https://ledger.example/g/{i}/920x920.jpg' width='1200' height='800'><figcaption>"
        "<span class='visually-hidden'>Image caption</span><span class='attribution'>Jo Lee for the Ledger</span>"
        f"Caption {i} for a photo of the wall<span class='truncated'>Caption</span></figcaption></figure>"
        for i in range(count)
    )
    return (HEAD + ARTICLE + figures + TAIL).encode()


def many_namesakes(count: int = 8_000) -> bytes:
    """Thousands of different people sharing one surname, each quoted: every new name is
    compared with the namesakes already met, which must not grow with their square."""
    firsts = ("Adam", "Brian", "Carl", "David", "Edward", "Frank", "George", "Henry", "Ian", "Kevin")
    quotes = "".join(
        f"<p>\u201cThe ferry {i} is late again this morning,\u201d said {firsts[i % 10]} "
        f"{chr(65 + i // 10 % 26)}{chr(97 + i // 260 % 26)}ndo Jones, a resident.</p>"
        for i in range(count)
    )
    return (HEAD + ARTICLE + "<article>" + quotes + "</article>" + TAIL).encode()


SHAPES = {
    "100k nested divs": nested_divs,
    "100k unclosed nested divs": unclosed_nested_divs,
    "100k nested spans in a paragraph": nested_spans_in_paragraph,
    "100k sibling divs": siblings,
    "80k paragraphs": many_paragraphs,
    "2 MB attribute values": giant_attribute,
    "4 MB single text node": giant_text_node,
    "4 MB single paragraph": giant_paragraph,
    "20k nested tables": deep_tables,
    "20k images with captions": many_images,
    "200k-candidate srcset": giant_srcset,
    "100k JSON-LD items": many_json_ld_items,
    "100k-deep JSON-LD arrays": deep_json_ld,
    "100k meta tags": many_meta_tags,
    "50k paragraphs 500 levels deep": paragraphs_deep_inside,
    "20k images 500 levels deep": images_deep_inside,
    "50k h1 teasers": many_h1,
    "50k figcaptions": many_figcaptions,
    "100k links in a paragraph": many_links,
    "100k short quotes": many_short_quotes,
    "600 kB of unclosed quote marks": unclosed_quote_marks,
    "1 MB of soft hyphens and joiners": invisible_characters,
    "100k <br> in an h1": line_breaks_in_h1,
    "200k abbreviations": abbreviations,
    "500k apostrophes": apostrophe_runs,
    "15k figures with caption parts": many_caption_parts,
    "8k namesakes quoted": many_namesakes,
}
