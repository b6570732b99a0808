"""Draw one quote card with Pillow: the quote large, its speaker, the headline, the site.

The card is laid out in bands so that nothing can overlap: a top band (the
logo, when it sits at the top), the content (quote mark, quote, speaker,
headline; centred vertically) and a bottom band (site name and logo). Over a
photo the picture is cropped to the card's ratio and darkened, more on the
side where the text starts, so white text reads on any photo. Right-to-left
quotes are set from the right; the layout is mirrored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps
from PIL.JpegImagePlugin import JpegImageFile

from distributor.cards import fonts
from distributor.cards.layout import DoesNotFit, fit_text, truncate_words
from distributor.errors import DistributorError

Box = tuple[int, int, int, int]  # left, top, right, bottom
LOGO_POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left")
JPEG_QUALITIES = (90, 82, 74, 64, 52, 40)


class CardError(DistributorError):
    """A card could not be made (a quote too long for it, an unreadable logo)."""


@dataclass(frozen=True)
class CardText:
    """What a card says."""

    quote: str
    speaker: str | None = None
    headline: str | None = None
    site_name: str | None = None


@dataclass(frozen=True)
class CardStyle:
    """The brand, as plain values (``distributor.cards.brand`` builds it from settings)."""

    background: tuple[int, int, int] = (19, 35, 58)
    text: tuple[int, int, int] = (255, 255, 255)
    accent: tuple[int, int, int] = (242, 177, 52)
    quote_font: str | None = None  # a font file that goes before our chain
    label_font: str | None = None
    logo: str | None = None  # an image file (PNG with transparency is best)
    logo_position: str = "bottom-right"
    show_headline: bool = True
    darken: float = 0.55
    format: str = "auto"  # auto (PNG on a plain background, JPEG over a photo) | jpeg | png


@dataclass
class Rendered:
    content: bytes
    mime: str
    size: tuple[int, int]
    quote_lines: tuple[str, ...]
    quote_size: int
    quote_face: fonts.FontFace
    direction: str
    boxes: dict[str, list[Box]] = field(default_factory=dict)  # where the quote's lines were drawn ("quote")
    logo_box: Box | None = None

    @property
    def extension(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"


def render_card(text: CardText, style: CardStyle = CardStyle(), *, size: tuple[int, int] = (1200, 675),
                photo: Image.Image | None = None, max_bytes: int = 5 * 1024 * 1024) -> Rendered:
    """The card as encoded bytes no larger than ``max_bytes``; raises CardError."""
    if not text.quote or not text.quote.strip():
        raise CardError("a card needs a quote")
    width, height = size
    script = fonts.script_of(text.quote)
    rtl = script in fonts.RTL_SCRIPTS
    canvas = _background(style, size, photo, rtl)
    draw = ImageDraw.Draw(canvas, "RGBA")
    direction = "rtl" if rtl else "ltr"
    pad_x, pad_y = round(width * 0.065), round(height * 0.085)
    boxes: dict[str, list[Box]] = {}

    # the start-side accent bar
    bar = max(6, width // 160)
    draw.rectangle((width - bar, 0, width, height) if rtl else (0, 0, bar, height), fill=style.accent)

    # bands: logo and site name
    logo, logo_box = _place_logo(style, size, pad_x, pad_y)
    row_height = round(height * 0.075)
    if logo_box is not None and style.logo_position.startswith("bottom"):
        row_height = max(row_height, logo_box[3] - logo_box[1])
    top = pad_y
    if logo_box is not None and style.logo_position.startswith("top"):
        top = logo_box[3] + round(height * 0.04)
    bottom_row = (height - pad_y - row_height, height - pad_y)
    content_bottom = bottom_row[0] - round(height * 0.04)
    left, right = pad_x, width - pad_x

    # the site name, on the side the logo leaves free
    if text.site_name:
        site_face = fonts.face_for(text.site_name.upper(), "label", _preferred(style.label_font))
        site_font = site_face.at(max(14, round(height * 0.032)))
        site_text = text.site_name.upper()
        site_on_right = rtl
        if logo_box is not None and style.logo_position.startswith("bottom"):
            site_on_right = style.logo_position == "bottom-left"
        room = (right - left) - ((logo_box[2] - logo_box[0]) + pad_x if logo_box else 0)
        site_lines = truncate_words(site_text, site_font, room, 1, _dir(site_text))
        if site_lines:
            x = right if site_on_right else left
            y = (bottom_row[0] + bottom_row[1]) // 2
            anchor = "rm" if site_on_right else "lm"
            draw.text((x, y), site_lines[0], font=site_font, fill=style.text + (230,), anchor=anchor,
                      direction=_dir(site_lines[0]))

    # the block under the quote: speaker, then headline
    label_size = max(16, round(height * 0.042))
    body_size = max(14, round(height * 0.033))
    speaker_line = None
    if text.speaker:
        speaker_line = "— " + " ".join(text.speaker.split())
        speaker_face = fonts.face_for(speaker_line, "label", _preferred(style.label_font))
        speaker_font = speaker_face.at(label_size)
        speaker_line = truncate_words(speaker_line, speaker_font, right - left, 1, _dir(speaker_line))[0]
    headline_lines: list[str] = []
    if style.show_headline and text.headline:
        headline = " ".join(text.headline.split())
        headline_face = fonts.face_for(headline, "body", _preferred(style.label_font))
        headline_font = headline_face.at(body_size)
        headline_lines = truncate_words(headline, headline_font, right - left, 2, _dir(headline))
    gap = round(height * 0.035)
    speaker_height = round(label_size * 1.3) if speaker_line else 0
    headline_leading = round(body_size * 1.35)
    under_height = speaker_height + (round(height * 0.015) + headline_leading * len(headline_lines)
                                      if headline_lines else 0)

    # the quote: the largest size that fits what is left
    mark_height = round(height * 0.11)
    quote_face = fonts.face_for(text.quote, "quote", _preferred(style.quote_font))
    leading = 1.45 if script in ("arabic",) else 1.38 if script in fonts.CJK_SCRIPTS else 1.22
    available = content_bottom - top - mark_height - (gap + under_height if under_height else 0)
    try:
        wrapped = fit_text(text.quote, quote_face.at, max_width=right - left, max_height=available,
                           min_size=max(18, height // 26), max_size=max(24, height // 8), leading=leading,
                           direction=direction if fonts.layout_engine() == ImageFont.Layout.RAQM else None)
    except DoesNotFit as exc:
        raise CardError(f"the quote is too long for a card: {exc}") from exc
    block = mark_height + wrapped.height + (gap + under_height if under_height else 0)
    y = top + max(0, (content_bottom - top - block) // 2)

    # the opening quote mark, in the accent colour
    mark_face = fonts.face_for("“", "quote", _preferred(style.quote_font))
    mark_font = mark_face.at(round(mark_height * 2.1))
    mark = "”" if rtl else "“"
    mark_x = right if rtl else left - round(mark_height * 0.08)
    draw.text((mark_x, y - round(mark_height * 0.12)), mark, font=mark_font, fill=style.accent,
              anchor="rt" if rtl else "lt")
    y += mark_height

    quote_font = quote_face.at(wrapped.size)
    boxes["quote"] = []
    ascent = round(wrapped.size * 0.96)
    for index, line in enumerate(wrapped.lines):
        baseline = y + ascent + index * wrapped.line_height
        x, anchor = (right, "rs") if rtl else (left, "ls")
        draw.text((x, baseline), line, font=quote_font, fill=style.text, anchor=anchor, direction=direction)
        boxes["quote"].append(_ink(draw, (x, baseline), line, quote_font, anchor, direction))
    y += wrapped.height + (gap if under_height else 0)

    if speaker_line:
        x, anchor = (right, "ra") if rtl else (left, "la")
        draw.text((x, y), speaker_line, font=speaker_font, fill=style.accent, anchor=anchor,
                  direction=_dir(speaker_line))
        y += speaker_height
    if headline_lines:
        y += round(height * 0.015)
        for line in headline_lines:
            x, anchor = (right, "ra") if rtl else (left, "la")
            draw.text((x, y), line, font=headline_font, fill=style.text + (205,), anchor=anchor, direction=_dir(line))
            y += headline_leading

    if logo is not None:
        canvas.paste(logo, logo_box[:2], logo)
    content, mime = _encode(canvas, style, photo is not None, max_bytes)
    return Rendered(content, mime, size, wrapped.lines, wrapped.size, quote_face, direction, boxes, logo_box)


def _dir(text: str) -> str | None:
    if fonts.layout_engine() != ImageFont.Layout.RAQM:
        return None
    return "rtl" if fonts.script_of(text) in fonts.RTL_SCRIPTS else "ltr"


def _preferred(path: str | None) -> list[fonts.FontFace]:
    return [fonts.FontFace(path)] if path else []


def _ink(draw: ImageDraw.ImageDraw, xy, text, font, anchor, direction=None) -> Box:
    left, top, right, bottom = draw.textbbox(xy, text, font=font, anchor=anchor, direction=direction)
    return (int(left), int(top), int(right), int(bottom))


def _background(style: CardStyle, size: tuple[int, int], photo: Image.Image | None, rtl: bool) -> Image.Image:
    if photo is None:
        return Image.new("RGB", size, style.background)
    picture = photo.convert("RGB")
    if picture.size != size:
        picture = ImageOps.fit(picture, size, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    # One blend with black: an even darkening, and more where the text starts (a horizontal ramp).
    even = style.darken * 0.55
    strong, weak = style.darken * 0.9, style.darken * 0.35
    ramp = Image.linear_gradient("L").rotate(-90 if rtl else 90).resize(size)  # 255 where the text starts
    table = [round(255 * (1 - (1 - even) * (1 - (weak + (strong - weak) * v / 255)))) for v in range(256)]
    return Image.composite(Image.new("RGB", size, (0, 0, 0)), picture, ramp.point(table))


def _place_logo(style: CardStyle, size, pad_x, pad_y):
    if not style.logo:
        return None, None
    try:
        with Image.open(style.logo) as source:
            logo = source.convert("RGBA")
    except (OSError, ValueError) as exc:
        raise CardError(f"cannot read the card logo {style.logo}: {exc}") from exc
    width, height = size
    logo.thumbnail((round(width * 0.22), round(height * 0.09)), Image.Resampling.LANCZOS)
    x = width - pad_x - logo.width if style.logo_position.endswith("right") else pad_x
    y = pad_y if style.logo_position.startswith("top") else height - pad_y - logo.height
    return logo, (x, y, x + logo.width, y + logo.height)


def _encode(canvas: Image.Image, style: CardStyle, over_photo: bool, max_bytes: int) -> tuple[bytes, str]:
    """PNG for flat colours (crisp, small), JPEG for photos; lower JPEG quality until under ``max_bytes``."""
    wants_png = style.format == "png" or (style.format == "auto" and not over_photo)
    if wants_png:
        buffer = io.BytesIO()
        canvas.save(buffer, "PNG", compress_level=3)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue(), "image/png"
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue(), "image/jpeg"
    raise CardError(f"the card does not fit in {max_bytes:,} bytes even at JPEG quality {JPEG_QUALITIES[-1]}")


MAX_PHOTO_PIXELS = 25_000_000  # after JPEG's reduced-scale decoding; 75 MB of RGB, a 6000x4000 photo
# The web's photo formats (a camera JPEG holding several pictures opens as JPEG too). Pillow would otherwise try
# every format it knows on a hostile page's image, EPS among them, which it decodes by running Ghostscript.
PHOTO_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")


MAX_JPEG_SCANS = 100  # a progressive camera or web JPEG has about 10 (mozjpeg's search: some 20)


def _jpeg_is_tame(image: Image.Image, content: bytes) -> bool:
    """Whether a JPEG costs what its size says. Two bombs pass a byte cap and a pixel cap:

    - scans: libjpeg decodes every scan over the whole picture, and a scan can be 14 bytes, so a
      few MB repeating one ran for minutes (measured: 20,000 scans of a 4000x4000 picture, 374 KB,
      13 s of CPU; a 15 MB file would take about 9 minutes). Counted as SOS markers
      (``FF DA``: inside the compressed data an FF byte is always followed by 00 or a marker, so
      the count is exact there and can only be high by an embedded thumbnail's few), one pass.
    - progressive memory: a progressive JPEG keeps every coefficient of the full picture, so
      reduced-scale decoding saves no memory (a 1 MB 13000x13000 progressive file took 533 MB;
      the same picture baseline 50 MB). Progressive pictures are held to MAX_PHOTO_PIXELS at full size.

    Written by hand: Pillow reaches no scan limit of libjpeg (TurboJPEG's TJPARAM_SCANLIMIT is
    another API) and decides nothing about progressive memory.
    """
    if content.count(b"\xff\xda") > MAX_JPEG_SCANS:
        return False
    return not image.info.get("progressive") or image.width * image.height <= MAX_PHOTO_PIXELS


def open_photo(content: bytes, size: tuple[int, int]) -> Image.Image | None:
    """Decode a lead image (JPEG decoded at reduced scale when it is much larger); None when unreadable.

    The header's size is checked before decoding: a few hundred kilobytes of
    PNG can hold a 9000x9000 picture (250 MB decoded, seconds to resample),
    and Pillow's own bomb check only starts at 89 million pixels.
    """
    try:
        image = Image.open(io.BytesIO(content), formats=PHOTO_FORMATS)
        if isinstance(image, JpegImageFile) and not _jpeg_is_tame(image, content):  # MPO (a camera's) too
            return None
        image.draft("RGB", (size[0], size[1]))
        # The size is read from the header: refuse before decoding what a few hundred KB of PNG
        # can claim (Pillow only warns below 179 megapixels). A JPEG's draft is already reduced.
        if image.width * image.height > MAX_PHOTO_PIXELS:
            return None
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return image


__all__ = ["CardError", "CardStyle", "CardText", "LOGO_POSITIONS", "Rendered", "open_photo", "render_card"]
