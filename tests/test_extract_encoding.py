"""Pages arrive as bytes in whatever encoding, often mislabelled: the post must read right."""

from __future__ import annotations

import codecs
from pathlib import Path

from distributor.extract import decode, extract_page

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
MOJIBAKE = ("â€", "Ã©", "Â", "\ufffd")


def test_latin1_page_with_windows_1252_quotes():
    result = extract_page((FIXTURES / "latin1.html").read_bytes())
    assert result.title == "Café owners fight rent rise"
    text = decode((FIXTURES / "latin1.html").read_bytes())
    # 0x93/0x94/0x92/0x96 are curly quotes and a dash in windows-1252, which browsers use for "iso-8859-1"
    assert "“We will not close,” said Renée Dufour" in text
    assert "The landlord’s offer was £200 a month more – a rise of 40%." in text


def test_page_declaring_latin1_but_holding_utf8_is_read_as_utf8():
    raw = (FIXTURES / "mislabelled-utf8.html").read_bytes()
    assert b"charset=iso-8859-1" in raw and b"\xc2\xa0" in raw
    result = extract_page(raw)
    assert result.title == "Pension plan ‘safe until 2037’"
    text = decode(raw)
    assert "The fund’s trustees said the plan was\u00a0safe" in text
    assert not any(bad in text for bad in MOJIBAKE)


def test_http_charset_is_used_when_bytes_are_not_utf8():
    raw = "<html><head><meta charset='utf-8'></head><body><h1>Zürich: Straße gesperrt</h1></body></html>".encode("iso-8859-15")
    result = extract_page(raw, content_type="text/html; charset=ISO-8859-15")
    assert result.title == "Zürich: Straße gesperrt"


def test_byte_order_mark_wins():
    html = "<html><body><h1>Ólafur’s “last” match</h1></body></html>"
    assert extract_page(codecs.BOM_UTF16_LE + html.encode("utf-16-le")).title == "Ólafur’s “last” match"
    assert extract_page(codecs.BOM_UTF8 + html.encode("utf-8"), content_type="text/html; charset=iso-8859-1").title == (
        "Ólafur’s “last” match"
    )


def test_undeclared_legacy_encoding_is_guessed():
    text = (
        "<html><body><h1>Des élèves privés de cantine à Besançon</h1>"
        "<p>Les élèves de l’école Édouard-Herriot déjeunent désormais à la maison, faute de personnel. "
        "« C’est très compliqué pour les familles », a déclaré la directrice, Hélène Mézière.</p></body></html>"
    )
    result = extract_page(text.encode("cp1252"))
    assert result.title == "Des élèves privés de cantine à Besançon"


def test_str_input_is_taken_as_is():
    assert extract_page("<h1>Already text – fine</h1>").title == "Already text – fine"


def _long_page(head: str, title: bytes, filler: int) -> bytes:
    """A page whose headline comes after `filler` bytes of plain ASCII markup."""
    pad = b"<div class='nav'>menu</div>\n" * (filler // 28)
    return f"<html><head>{head}</head><body>".encode() + pad + b"<h1>" + title + b"</h1></body></html>"


def test_utf8_character_across_a_long_ascii_stretch_reads_right():
    # Non-ASCII bytes at every offset around 4 kB boundaries: each split of "é" / "’" is
    # still one character, whatever stretch of the page it falls in.
    for shift in range(0, 8):
        raw = _long_page("", b"x" * shift + "Caf\u00e9 owners\u2019 \u201clast\u201d stand".encode(), 4096 * 3 - 40)
        result = extract_page(raw)
        assert result.title == "x" * shift + "Café owners’ “last” stand"


def test_one_legacy_byte_far_into_an_ascii_page_is_not_read_as_utf8():
    # Everything ASCII except a windows-1252 curly quote pair 20 kB in: not valid UTF-8.
    raw = _long_page("<meta charset='windows-1252'>", b"\x93Safe until 2037\x94, trustees say", 20_000)
    result = extract_page(raw)
    assert result.title == "“Safe until 2037”, trustees say"
    undeclared = _long_page("", b"Ren\xe9e Dufour\x92s caf\xe9", 20_000)
    assert not any(bad in (extract_page(undeclared).title or "") for bad in MOJIBAKE)
