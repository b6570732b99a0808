"""Quote cards as pictures: goldens compared perceptually, and properties that need no golden.

Goldens (tests/fixtures/cards/*.png) are compared as a reader would: both
pictures shrunk to 160x90 greyscale, mean absolute difference under a
tolerance, so a font hinting change passes and a moved or missing line does
not. ``DISTRIBUTOR_UPDATE_GOLDENS=1`` rewrites them (look at them before
committing). The properties are checked on the pixels: the text is found by
rendering the same card twice with two text colours (only text pixels
differ), the logo by rendering it twice with two logo colours.
"""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFont, ImageStat

from distributor.cards import PLATFORM_CARDS, CardError
from distributor.cards.render import CardStyle, CardText, open_photo, render_card

GOLDENS = Path(__file__).parent / "fixtures" / "cards"
SEED_PHOTO = (Path(__file__).parent / "fixtures" / "seed" / "aleppo-children.jpg").read_bytes()
UPDATE = os.environ.get("DISTRIBUTOR_UPDATE_GOLDENS") == "1"
TOLERANCE = 4.0  # mean absolute grey-level difference (0-255) at 160x90
MISSING = "\U0010fffd"  # a code point no installed font maps: it renders as .notdef

SEED = CardText("I think everybody’s patience with Russia has run out", "Josh Earnest",
                "U.S. Breaks Off Syria Ceasefire Talks With Russia", "Hypeline")
LONG = CardText(
    "We will rebuild every school and every clinic that the floods took from this valley, and we will do it "
    "with the people who live here, not for them, because they know best what they lost.",
    "Governor Amara Okafor", "Flood recovery plan promises new schools within two years", "The Valley Courier")
SHORT = CardText("Nobody should have to choose between heat and food.", "Dr. Lena Marsh",
                 "Winter fuel support to double", "The Harbour Gazette")
ARABIC = CardText("سنواصل المفاوضات حتى النهاية، لأن السلام هو الطريق الوحيد لشعبنا", "وزير الخارجية",
                  "محادثات السلام تستأنف في جنيف", "الجريدة")
HEBREW = CardText("נמשיך במשא ומתן עד הסוף, כי השלום הוא הדרך היחידה לעמנו", "שר החוץ",
                  "שיחות השלום מתחדשות בז'נבה", "העיתון")
JAPANESE = CardText("私たちは、平和のために最後まで交渉を続けます。市民の安全が何よりも大切です。", "外務大臣",
                    "和平交渉、ジュネーブで再開", "東京新聞")
CHINESE = CardText("我们将坚持谈判到最后一刻，因为和平是我们人民唯一的道路。", "外交部长", "和平谈判在日内瓦恢复", "晨报")
KOREAN = CardText("우리는 평화를 위해 마지막까지 협상을 계속할 것입니다.", "외교부 장관", "평화 협상 재개", "아침신문")

GOLDEN_CASES = {
    "seed": (SEED, True),
    "long": (LONG, False),
    "short": (SHORT, False),
    "rtl": (ARABIC, False),
    "cjk": (JAPANESE, False),
}


def _picture(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content)).convert("RGB")


def _perceptual(image: Image.Image) -> Image.Image:
    return image.convert("L").resize((160, 90), Image.Resampling.BOX)


def _difference(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(_perceptual(a), _perceptual(b))).mean[0]


def _render(text: CardText, style: CardStyle = CardStyle(), *, photo: bool = False, platform: str = "twitter"):
    size, max_bytes = PLATFORM_CARDS[platform]
    return render_card(text, style, size=size, photo=open_photo(SEED_PHOTO, size) if photo else None,
                       max_bytes=max_bytes)


# --- goldens ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GOLDEN_CASES))
def test_card_looks_like_its_golden(name):
    text, photo = GOLDEN_CASES[name]
    card = _picture(_render(text, photo=photo).content)
    golden_path = GOLDENS / f"{name}.png"
    if UPDATE:
        GOLDENS.mkdir(parents=True, exist_ok=True)
        card.resize((600, 338), Image.Resampling.LANCZOS).save(golden_path, optimize=True)
    golden = Image.open(golden_path).convert("RGB")
    assert _difference(card, golden) < TOLERANCE, f"{name} card no longer looks like {golden_path.name}"


def test_the_golden_comparison_tells_different_cards_apart():
    short, long = (Image.open(GOLDENS / f"{n}.png") for n in ("short", "long"))
    assert _difference(short, long) > TOLERANCE
    moved = _picture(_render(CardText(SHORT.quote, SHORT.speaker, None, SHORT.site_name)).content)
    assert _difference(moved, short) > TOLERANCE  # the same words without the headline line: caught


# --- properties ---------------------------------------------------------------------------

WORDS = ("the council will not accept any plan that leaves families without homes this winter and we have "
         "said so clearly to the minister who promised action before the election but delivered nothing at "
         "all extraordinary responsibilities infrastructure").split()


def _quote(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while len(" ".join(words)) < length:
        words.append(rng.choice(WORDS))
    text = " ".join(words)
    while len(text) > length and " " in text:
        text = text.rsplit(" ", 1)[0]
    return text[0].upper() + text[1:] + "."


def _logo(tmp_path: Path, colour: tuple[int, int, int], name: str) -> str:
    logo = Image.new("RGBA", (300, 100), colour + (255,))
    path = tmp_path / name
    logo.save(path)
    return str(path)


QUOTES = [_quote(random.Random(seed), length) for seed, length in enumerate((40, 90, 150, 200))]


@pytest.mark.parametrize("position", ["bottom-right", "bottom-left", "top-right", "top-left"])
@pytest.mark.parametrize("platform", ["twitter", "facebook"])
@pytest.mark.parametrize("quote", QUOTES, ids=lambda q: f"{len(q)}chars")
def test_text_stays_inside_the_card_and_off_the_logo(tmp_path, quote, platform, position):
    text = CardText(quote, "Councillor Maria Delgado-Fitzgerald", "Housing plan rejected by the council after a "
                    "long night of debate in the town hall", "The Harbour Gazette")
    red, blue = _logo(tmp_path, (255, 0, 0), "red.png"), _logo(tmp_path, (0, 0, 255), "blue.png")
    white = _render(text, CardStyle(logo=red, logo_position=position), platform=platform)
    green = _render(text, CardStyle(logo=red, logo_position=position, text=(0, 255, 0), accent=(0, 0, 255)),
                    platform=platform)
    other_logo = _render(text, CardStyle(logo=blue, logo_position=position), platform=platform)
    a, b, c = (_picture(r.content) for r in (white, green, other_logo))
    width, height = a.size

    ink = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0)
    bar = max(6, width // 160)
    ink.paste(0, (0, 0, bar + 1, height))  # the accent bar on the edge is decoration, not text
    logo = ImageChops.difference(a, c).convert("L").point(lambda v: 255 if v > 24 else 0).getbbox()
    assert logo is not None, "the logo was not drawn"
    left, top, right, bottom = ink.getbbox()
    margin = 12
    assert left >= margin and top >= margin and right <= width - margin and bottom <= height - margin
    around = (max(0, logo[0] - 4), max(0, logo[1] - 4), min(width, logo[2] + 4), min(height, logo[3] + 4))
    assert ink.crop(around).getbbox() is None, "text touches the logo"


@pytest.mark.parametrize("quote", QUOTES, ids=lambda q: f"{len(q)}chars")
def test_every_word_of_the_quote_is_drawn_whole(quote):
    rendered = _render(CardText(quote, "A Speaker", "A headline", "Site"))
    assert " ".join(rendered.quote_lines).split(" ") == quote.split(" ")  # every word, in order, none cut
    font = ImageFont.truetype(rendered.quote_face.path, rendered.quote_size, index=rendered.quote_face.index)
    for line, box in zip(rendered.quote_lines, rendered.boxes["quote"]):
        assert font.getlength(line) <= rendered.size[0]  # measured here, not taken from the renderer
        assert 0 <= box[0] and box[2] <= rendered.size[0]


def test_cjk_lines_break_between_characters_never_before_closing_punctuation():
    rendered = _render(JAPANESE)
    assert "".join(rendered.quote_lines) == JAPANESE.quote
    assert len(rendered.quote_lines) > 1
    assert not any(line[0] in "、。」』）" for line in rendered.quote_lines[1:])


def _notdef_free(face, text: str) -> list[str]:
    font = ImageFont.truetype(face.path, 40, index=face.index)
    missing = font.getmask(MISSING)
    missing_pixels = (missing.size, bytes(missing))
    assert missing.getbbox() is not None, "this font's .notdef is blank: the check would not see tofu"
    tofu = []
    for ch in set(text) - set(" ،,.。、"):
        mask = font.getmask(ch)
        if (mask.size, bytes(mask)) == missing_pixels:
            tofu.append(ch)
    return tofu


@pytest.mark.parametrize("text", [ARABIC, HEBREW, JAPANESE, CHINESE, KOREAN], ids=["ar", "he", "ja", "zh", "ko"])
def test_right_to_left_and_cjk_quotes_are_not_tofu(text):
    rendered = _render(text)
    assert _notdef_free(rendered.quote_face, text.quote) == []
    assert rendered.direction == ("rtl" if text in (ARABIC, HEBREW) else "ltr")


def test_a_right_to_left_quote_is_set_from_the_right():
    rendered = _render(ARABIC)
    width = rendered.size[0]
    for box in rendered.boxes["quote"]:
        assert abs(box[2] - rendered.boxes["quote"][0][2]) <= 6  # lines end on one right margin ...
    assert rendered.boxes["quote"][0][2] > width * 0.8  # ... near the right edge


def test_a_quote_over_two_hundred_characters_that_cannot_fit_says_so():
    words = " ".join(["incomprehensibilities"] * 60)
    with pytest.raises(CardError, match="too long for a card"):
        _render(CardText(words, "Someone"))


def test_the_card_fits_the_platform_limit_by_lowering_jpeg_quality():
    size = PLATFORM_CARDS["twitter"][0]
    noise = Image.effect_noise(size, 120).convert("RGB")  # a photo that compresses badly
    rendered = render_card(LONG, CardStyle(format="jpeg"), size=size, photo=noise, max_bytes=250_000)
    assert rendered.mime == "image/jpeg" and len(rendered.content) <= 250_000
    generous = render_card(LONG, CardStyle(format="jpeg"), size=size, photo=noise, max_bytes=5_000_000)
    assert len(generous.content) > 250_000  # so the limit is what made it smaller


def test_a_plain_card_is_png_and_a_photo_card_jpeg():
    assert _render(SHORT).mime == "image/png"
    assert _render(SEED, photo=True).mime == "image/jpeg"
    assert _picture(_render(SEED, platform="facebook").content).size == (1200, 630)


def test_korean_breaks_between_words():
    rendered = _render(CardText("우리는 평화를 위해 마지막까지 협상을 계속할 것입니다. 시민의 안전이 무엇보다 중요합니다.",
                                "외교부 장관", "평화 협상 재개", "아침신문"))
    assert " ".join(rendered.quote_lines).split(" ") == "우리는 평화를 위해 마지막까지 협상을 계속할 것입니다. 시민의 안전이 무엇보다 중요합니다.".split(" ")


def _solid_png(width: int, height: int) -> bytes:
    """A valid grey PNG of any size, compressed a row at a time (a few hundred KB for 144 megapixels)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * width
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def test_a_small_file_that_decodes_to_an_enormous_picture_is_not_decoded():
    """A lead photo comes from the article's page (anyone's): 300 KB that would take 144 MB to decode is refused."""
    bomb = _solid_png(12_000, 12_000)
    assert len(bomb) < 1_000_000  # well under the fetch limit for photos
    assert open_photo(bomb, (1200, 675)) is None
    assert open_photo(_solid_png(1600, 900), (1200, 675)).size == (1600, 900)  # a real photo's size still opens


def test_a_photo_of_huge_dimensions_in_a_small_file_is_not_decoded():
    """A 258 KB PNG of 9000x9000 pixels took 17 s and 730 MB to draw on; it is no usable photo."""
    huge = io.BytesIO()
    Image.new("RGB", (9000, 9000), (200, 30, 60)).save(huge, "PNG")
    assert huge.tell() < 1_000_000
    assert open_photo(huge.getvalue(), (1200, 675)) is None
    large_jpeg = io.BytesIO()  # a big camera JPEG is still fine: it is decoded at a reduced scale
    Image.new("RGB", (8000, 6000), (200, 30, 60)).save(large_jpeg, "JPEG")
    photo = open_photo(large_jpeg.getvalue(), (1200, 675))
    assert photo is not None and photo.width >= 1200 and photo.height >= 675


def test_a_lead_photo_in_a_format_no_platform_takes_is_not_decoded_and_runs_no_program(tmp_path, monkeypatch):
    """A hostile page's og:image may be PostScript: Pillow decodes EPS by running Ghostscript (a
    program with a long history of holes) on it. Only the web's photo formats are decoded."""
    from PIL import EpsImagePlugin

    ran = tmp_path / "ghostscript-ran"
    fake = tmp_path / "bin" / "gs"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ntouch {ran}\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", None)  # Pillow looks for gs once, at the first EPS
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1600 900\n%%EndComments\nshowpage\n%%EOF\n"
    assert open_photo(eps, (1200, 675)) is None
    assert not ran.exists()
    for kind in ("PNG", "JPEG", "GIF", "WEBP"):  # what the platforms take still opens
        photo = io.BytesIO()
        Image.new("RGB", (1600, 900), (200, 30, 60)).save(photo, kind)
        assert open_photo(photo.getvalue(), (1200, 675)).size == (1600, 900), kind


def _progressive_jpeg(width: int, height: int, extra_scans: int = 0) -> bytes:
    """A progressive JPEG, with its last scan sent ``extra_scans`` more times (each a few bytes that
    libjpeg decodes over the whole picture)."""
    photo = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(photo, "JPEG", progressive=True, quality=60)
    content = photo.getvalue()
    assert content.endswith(b"\xff\xd9")
    end = len(content) - 2
    last_scan = content[content.rindex(b"\xff\xda"):end]
    return content[:end] + last_scan * extra_scans + b"\xff\xd9"


def test_a_progressive_jpeg_of_thousands_of_scans_is_not_decoded():
    """Each scan is decoded over the whole picture: 20,000 repeats of a 14-byte scan (374 KB) of a
    4000x4000 photo took 13 s of CPU, a 15 MB one would take minutes. More than 100 scans is no photo;
    a real progressive photo (about 10 scans) still opens."""
    bomb = _progressive_jpeg(1600, 900, extra_scans=2000)
    assert len(bomb) < 100_000
    assert open_photo(bomb, (1200, 675)) is None
    assert open_photo(_progressive_jpeg(1600, 900), (1200, 675)).size == (1600, 900)


def test_a_huge_progressive_jpeg_is_refused_although_a_baseline_one_of_its_size_opens():
    """A progressive JPEG keeps every coefficient of the full picture whatever the scale it is decoded
    at (a 1 MB 13000x13000 one took 533 MB): held to the photo pixel limit at full size."""
    huge = _progressive_jpeg(6000, 5000)
    assert len(huge) < 1_000_000
    assert open_photo(huge, (1200, 675)) is None
    baseline = io.BytesIO()
    Image.new("RGB", (6000, 5000), (200, 30, 60)).save(baseline, "JPEG")
    assert open_photo(baseline.getvalue(), (1200, 675)) is not None
