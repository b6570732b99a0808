"""The lead image and its caption.

og:image is trusted unless it is the site's logo or a default share picture
(publishers fall back to one when an editor forgets to set a photo). Then the
first real photo of the article body is used, or nothing: a logo on a post
looks like a broken post.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from distributor.extract.body import _marks_chrome, collapse, node_text
from distributor.extract.document import page_elements
from distributor.extract.metadata import Head, absolute, ld_types, site_name
from distributor.extract.model import Image

# A file name (extension dropped) that says "not a story photo".
_PLACEHOLDER_NAME_RE = re.compile(
    r"(?:^|[-_.])(?:default|placeholder|logo|logos|sprite|1x1|blank|spacer|pixel|fallback|noimage|no-image|"
    r"missing|transparent|favicon|icon|avatar|gravatar|spinner|loading|loader|profile|headshot|mugshot)(?:[-_.]|\d|$)"
    # lazy-loading stand-ins, as the whole name only ("platform-empty" is a photo)
    r"|^(?:lazy|lazyload|lazy-load|lazy-placeholder|empty|grey|gray|dummy|white|black)(?:[-_.]?\d*x?\d*)$"
    r"|default-?share|share-?default|social-?default|og-?default|^(?:og|site|page)-?image(?:\.[0-9a-f]{6,})?$"
    # The site's one picture for every share: "facebook-socialshare", "fb_landscape_share", "fbico_ogp".
    r"|(?:^|[-_.])(?:fb|facebook|social|og|ogp)[-_]?(?:landscape[-_]?)?(?:share|ico|icon|logo)(?:[-_.]|\d|$)"
    r"|(?:^|[-_.])fbico"
)
# A path folder that only holds site furniture.
_FURNITURE_DIRS = frozenset({
    "logo", "logos", "icons", "icon", "placeholder", "placeholders", "avatars", "avatar", "sprites", "brand", "branding",
    "profile", "profiles", "profile_images", "profile-images", "authors", "author", "category", "categories",
})
_NOT_PHOTO_ATTR_RE = re.compile(r"icon|avatar|logo|sprite|pixel|spinner|loading|placeholder|badge|emoji|gravatar|author|headshot|mugshot|byline")
_SIZE_SUFFIX_RE = re.compile(
    r"(?:[-_](?:\d{2,4}x\d{2,4}|\d{2,4}w|\d{2,4}-\d{1,3}|scaled|large|medium|small|thumb|thumbnail))+$"
    # an image service's crop in the file name: "<id>_extract=67,0,1867,1050_resize=1020,574_"
    r"|(?:_(?:extract|resize|crop|fit)=\d{1,5}(?:,\d{1,5}){0,3})+_?$"
)
_LAZY_ATTRS = (
    "data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-hi-res-src", "data-full-src",
    "data-orig-file", "data-large-file", "data-src-large", "data-original-src", "data-echo", "data-img-src",
)
_SIZE_PARAMS = frozenset({"w", "h", "width", "height", "q", "quality", "fit", "crop", "auto", "format", "fm", "dpr", "s", "resize", "size", "ve", "tl"})
_GENERIC_STEMS = frozenset({"image", "img", "photo", "picture", "master", "original", "full", "large", "main", "default", "index", "file"})
_MIN_CAPTION_WORDS = 4  # alt text shorter than this ("Disney", "Bedding.") is a label, not a caption
_PLAYER_NAME_RE = re.compile(r"player|video")
_PLAYER_RE = re.compile(r"video|player|playlist|jwplayer|vjs")
_TEASER_RE = re.compile(r"related|popular|trending|recommend|most-?read|more-?stories|teaser|promo|outbrain|taboola|recirc")
_AD_SIZE_RE = re.compile(r"(?:^|[-_.])(?:300x250|728x90|160x600|300x600|320x50|970x250|970x90|468x60|336x280)(?:[-_.]|$)")
_AD_WORD_RE = re.compile(r"(?:^|[-_.])(?:banner|ad|ads|advert|advertising|mpu|leaderboard|skyscraper|sponsor|sponsored)(?:[-_.]|\d|$)")
_AGENCY_RE = re.compile(r"(?:^|[-_.])(?:getty|gettyimages|reuters|afp|shutterstock|istock|epa|alamy)(?:[-_.]|\d|$)")
# Words that name furniture when they are the file's name, but describe a scene in a long one.
_AMBIGUOUS_FURNITURE = frozenset({
    "loading", "loader", "spinner", "icon", "missing", "blank", "transparent", "default", "profile",
})
# Images looked at before giving up: the lead photo is among a story's first few, and a
# page of thousands (a gallery, an attack) must not cost a walk up the tree for each.
_MAX_CANDIDATES = 50
_MAX_SRCSET = 64
_MIN_SIDE = 100  # pixels: anything smaller is an icon, a pixel or a thumbnail
_FILE_SIZE_RE = re.compile(r"[-_](\d{2,4})x(\d{2,4})\.[a-z]{3,4}$")


_RENDITION_STEM_RE = re.compile(r"\d{2,4}x\d{1,4}|rawimage|raw|gallery_(?:small|medium|large|slider)")


def file_key(url: str | None) -> str | None:
    """The image's identity for comparing two URLs: file stem without size suffixes or query.

    For URLs whose path ends in a folder (image services keyed by the query), the
    whole decoded URL without its scheme is the key.
    """
    if not url:
        return None
    parts = urlsplit(url)
    name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) if parts.path else ""
    stem = name.rsplit(".", 1)[0].lower() if "." in name else name.lower()
    if _RENDITION_STEM_RE.fullmatch(stem) and parts.path.count("/") >= 3:
        # ".../18636107/9/rawImage.jpg" and ".../18636107/9/920x920.jpg": renditions of the
        # picture its folder names.
        return parts.path.rsplit("/", 1)[0].lower()
    if stem and (stem.isdigit() or stem in _GENERIC_STEMS) and not parts.path.endswith("/"):
        # "master/4800.jpg", ".../image.jpg": the folders name the picture, not the file.
        return parts.path.lower()
    if not stem or parts.path.endswith("/") or len(stem) < 4:
        # Image services keyed by the query (?i=123&w=1200): keep what names the picture.
        params = sorted(p for p in parts.query.split("&") if p.split("=", 1)[0].lower() not in _SIZE_PARAMS)
        return f"{parts.path.rstrip('/')}?{'&'.join(params)}".lower()
    return _SIZE_SUFFIX_RE.sub("", stem)


def is_placeholder(url: str) -> bool:
    """A default share picture, logo or pixel, judged from the URL alone."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    segments = [s.lower() for s in unquote(parts.path).split("/") if s]
    if not segments:
        return False
    if any(seg in _FURNITURE_DIRS for seg in segments[:-1]):
        return True
    name = segments[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if name.endswith((".svg", ".ico")):
        return True
    # (not WordPress's "-300x250" resize suffix on a photo of an article about ads)
    if _AD_SIZE_RE.search(stem) and _AD_WORD_RE.search(stem) and not re.search(r"-\d+x\d+$", stem):
        return True  # mail_banner_300x250: an advertising slot, not a photo
    match = _PLACEHOLDER_NAME_RE.search(stem)
    if not match:
        return False
    # A photo's descriptive name may hold such a word: "home-depot-customer-loading-truck",
    # "alibaba-logo-getty-1024" (an agency photo of a logo). Furniture has short names.
    words = [w for w in re.split(r"[-_.\s]+", stem) if w.isalpha()]
    if _AGENCY_RE.search(stem):
        return False
    word = match.group(0).strip("-_.0123456789")
    return not (len(words) >= 4 and word in _AMBIGUOUS_FURNITURE)


@dataclass
class Picture:
    url: str
    caption: str | None
    node: LexborNode


def _int(value: str | None) -> int | None:
    if not value:
        return None
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match else None


def _srcset_best(srcset: str | None) -> str | None:
    """The widest candidate of a srcset (or the last one when widths are not given)."""
    if not srcset:
        return None
    best, best_width = None, -1
    for candidate in srcset.split(",", _MAX_SRCSET)[:_MAX_SRCSET]:  # a real one lists a dozen sizes
        bits = candidate.strip().split()
        if not bits or bits[0].startswith("data:"):
            continue
        width = _int(bits[1][:-1]) if len(bits) > 1 and bits[1].endswith("w") else 0
        if width is not None and width >= best_width:
            best, best_width = bits[0], width
    return best


def _candidates(node: LexborNode) -> Iterator[str | None]:
    """An <img>'s possible addresses, the lazy-loading ones first: when a page sets
    data-src, its src is a blank or a blurred stand-in (lazy.png, a data: GIF)."""
    attrs = node.attributes
    yield from (attrs.get(a) for a in _LAZY_ATTRS)
    yield _srcset_best(attrs.get("data-srcset") or attrs.get("data-lazy-srcset"))
    yield (attrs.get("src") or "").strip()
    yield _srcset_best(attrs.get("srcset"))
    parent = node.parent
    if parent is not None and parent.tag == "picture":  # <picture><source srcset=...><img></picture>
        for source in parent.css("source")[:8]:
            yield _srcset_best(source.attributes.get("data-srcset") or source.attributes.get("srcset"))


def _attribute_text(node: LexborNode) -> str:
    """All attribute values of an <img> (and of its <picture>'s sources), lower-cased: a
    cheap test of whether it can show a given file at all."""
    values = [v for v in node.attributes.values() if v]
    parent = node.parent
    if parent is not None and parent.tag == "picture":
        values.extend(v for source in parent.css("source")[:8] for v in source.attributes.values() if v)
    return " ".join(values).lower()


def image_url(node: LexborNode, base: str | None) -> str | None:
    """The real address of an <img>, looking through lazy-loading placeholders."""
    for candidate in _candidates(node):
        if not candidate:
            continue
        url = absolute(candidate, base)
        if url and not is_placeholder(url):
            return url
    return None


# class/id/itemprop words of a caption box across CMSs: figcaption's stand-ins
# (WordPress wp-caption-text, Arc/Brightspot "caption", newspapers' "cutline"), and
# the words other languages use (légende, leyenda, legenda, didascalia, Bildunterschrift,
# Bildtext, pie de foto, onderschrift, podpis), plus "image-desc" / "photo-text" forms.
_CAPTION_RE = re.compile(
    r"caption|cutline|legend|leyenda|didascal|bildunterschrift|bildtext|pie-?de-?foto|piefoto|onderschrift|podpis"
    r"|(?:image|img|photo|picture|media|foto|bild)[-_]*(?:desc|text|info|beschreibung)"
)
# ... and of a credit box inside or beside it, never part of the caption.
_CREDIT_RE = re.compile(r"credit|copyright|photographer|fotograf|author|byline|source|quelle|autor|rights|courtesy|(?<![a-z])attribution")
# Parts of a caption box that are no caption: labels only screen readers get ("Image caption",
# "Image:"), the shortened copy shown before "more", and the "more"/"less" toggles.
_NOT_CAPTION_PART_RE = re.compile(
    r"off-?screen|sr-only|screen-?reader|visually-?hidden|element-invisible|a11y-hidden|"
    r"truncat|more-caption|less-caption|read-?more|show-?more|caption-?toggle"
    r"|(?<![a-z])count(?:er)?(?![a-z])"  # a gallery's "1 of 4"
)
_CAPTION_SELECTOR = ", ".join(
    ["figcaption", "[itemprop=caption]", "[data-caption]"]
    + [f'[class*="{w}" i]' for w in ("caption", "cutline", "legend", "leyenda", "didascal", "bildunterschrift", "desc", "text")]
)
_MARKUP_RE = re.compile(r"<[^<>]*>")
_MIN_CAPTION_ELEMENT_WORDS = 3
_MAX_CAPTION_BOX_ELEMENTS = 12
_MAX_CAPTION_ELEMENTS = 40  # "Doobie Brothers" under a photo is a label


def _names(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''} {attrs.get('itemprop') or ''}".lower()


def _is_caption_box(node: LexborNode) -> bool:
    if node.tag == "figcaption":
        return True
    if node.tag in ("img", "picture", "source", "a", "figure", "article", "main", "body", "section"):
        return False
    names = _names(node)
    return bool(_CAPTION_RE.search(names)) and not _CREDIT_RE.search(names.replace("caption", ""))


def caption_text(box: LexborNode) -> str:
    """A caption box's text without the credit boxes inside it ("<span class=credit>Foto: X/dpa</span>").

    Empty for a box of more than a few dozen elements: that is a wrapper whose class
    happens to say "caption" ("post-with-captions"), not a caption.
    """
    inner_boxes = []
    for count, inner in enumerate(box.traverse(include_text=False)):
        if count > _MAX_CAPTION_ELEMENTS:
            return ""
        inner_boxes.append(inner)
    parts = [inner for inner in inner_boxes[1:] if _NOT_CAPTION_PART_RE.search(_names(inner))]
    if parts:
        skipped = {inner.mem_id for inner in parts}
        skipped.update(inner.mem_id for inner in inner_boxes[1:] if _CREDIT_RE.search(_names(inner)))
        text = _text_outside(box, skipped)
        clipped = {inner.mem_id for inner in parts if "truncat" in _names(inner)}
        if not text and clipped:
            # Bootstrap's "text-truncate" clips the whole caption on screen; no fuller copy is beside it.
            text = _text_outside(box, skipped - clipped)
        return text
    text = node_text(box)
    for inner in inner_boxes[1:]:
        if _CREDIT_RE.search(_names(inner)):  # "caption__credit" is a credit too
            credit = node_text(inner)
            if credit:
                text = text.replace(credit, " ", 1)
    return collapse(text)


def _text_outside(box: LexborNode, skipped: set[int]) -> str:
    """The box's text without the elements in ``skipped`` (a caption box has a few dozen at most)."""
    parts = []
    for node in box.traverse(include_text=True):
        if node.tag != "-text":
            continue
        up = node.parent
        while up is not None and up.mem_id != box.mem_id and up.mem_id not in skipped:
            up = up.parent
        if up is None or up.mem_id == box.mem_id:
            parts.append(node.text_content or "")
    return collapse("".join(parts))


def _caption_beside(node: LexborNode) -> LexborNode | None:
    """The caption box next to the image or to one of its few wrappers (WordPress puts a
    <p class="wp-caption-text"> after the <img>, others a <div class="image-desc"> after
    the <picture>), or the figcaption of its <figure>."""
    current = node
    for _ in range(4):  # img > picture > a > div, then the caption beside it
        sibling = current.next
        for _ in range(6):  # whitespace, a credit box or an expand button may come first
            if sibling is None:
                break
            if sibling.tag != "-text":
                if _is_caption_box(sibling):
                    return sibling
                inner = _caption_inside(sibling)
                if inner is not None:
                    return inner
            sibling = sibling.next
        parent = current.parent
        if parent is None or parent.tag in ("body", "article", "main", "html"):
            return None
        if parent.tag == "figure" or _is_caption_box(parent):
            if _is_caption_box(parent):
                return None  # an image inside a caption box (an icon) has no caption of its own
            if sum(1 for img in parent.css("img") if img.parent is None or img.parent.tag != "noscript") > 1:
                return None  # a gallery: the caption may be any picture's (a <noscript> copy is the same one)
            for box in parent.css(_CAPTION_SELECTOR):
                if _is_caption_box(box):
                    return box
            return _caption_after(parent)  # <figure><img></figure><figcaption> (eHow does this)
        current = parent
    return None


def _caption_after(node: LexborNode) -> LexborNode | None:
    """A caption box right after the element (after whitespace only)."""
    sibling = node.next
    while sibling is not None and sibling.tag == "-text" and not (sibling.text_content or "").strip():
        sibling = sibling.next
    return sibling if sibling is not None and _is_caption_box(sibling) else None


def _caption_inside(box: LexborNode) -> LexborNode | None:
    """A caption box inside a small element beside the photo: Blogger's next table row
    (<td class="tr-caption">), a "caption-source" wrapper holding the caption and credit."""
    if box.tag in ("script", "style", "p", "a"):
        return None
    for count, inner in enumerate(box.traverse(include_text=False)):
        # a few elements at most: a big sibling is the story beside the photo (and looking
        # through it for each candidate photo would make this quadratic)
        if count > _MAX_CAPTION_BOX_ELEMENTS or inner.tag == "img":
            return None
        if inner is not box and _is_caption_box(inner):
            return inner
    return None


def caption_of(node: LexborNode, title: str | None = None) -> str | None:
    """Caption for an <img>: its caption box (figcaption or a CMS's caption markup), else
    data-caption, else the alt text when it says something.

    Short alt labels and alt text that merely repeats the headline are not captions.
    """
    box = _described_by(node) or _caption_beside(node)
    if box is not None:
        # A box holding nothing but the photographer's name gives way to the alt text.
        text = clean_caption(caption_text(box), title)
        if text and len(text.split()) >= _MIN_CAPTION_ELEMENT_WORDS:
            return text
    attrs = node.attributes
    texts: list[str] = []
    for key in ("data-caption", "data-image-caption", "alt", "data-alt", "aria-label", "title"):
        raw = attrs.get(key)
        if raw and "<" in raw:
            raw = _MARKUP_RE.sub(" ", raw)  # WordPress/Jetpack: data-image-caption="<p>...</p>"
        value = clean_caption(raw, title) or ""
        if len(value.split()) >= _MIN_CAPTION_WORDS and (not title or value.casefold() != title.casefold()):
            texts.append(value)
    if not texts and '"caption":"' in (attrs.get("data-image-meta") or ""):
        # WordPress/Jetpack keep the photo's own (IPTC) caption in data-image-meta='{"caption":"…"}'
        # when the post shows none: the caption the agency wrote for it.
        value = clean_caption(_meta_caption(attrs["data-image-meta"]), title) or ""
        if len(value.split()) >= _MIN_CAPTION_ELEMENT_WORDS:
            texts.append(value)
    return max(texts, key=len) if texts else None


def _meta_caption(meta: str) -> str | None:
    try:
        value = json.loads(meta)
    except ValueError:
        return None
    caption = value.get("caption") if isinstance(value, dict) else None
    return caption if isinstance(caption, str) else None


def _described_by(node: LexborNode) -> LexborNode | None:
    """The element an <img aria-describedby="caption-attachment-12"> names (WordPress does this)."""
    ref = (node.attributes.get("aria-describedby") or "").split()
    if not ref or not re.fullmatch(r"[\w:.-]{1,100}", ref[0]):
        return None
    root = node.parent
    for _ in range(3):  # the caption sits in the image's own box: search there, not the page
        if root is None or root.parent is None or root.tag in ("article", "main", "body"):
            break
        root = root.parent
    return root.css_first(f'[id="{ref[0]}"]') if root is not None else None


def _in_teaser(node: LexborNode) -> bool:
    """Inside a link to another page, or a box of other stories (not just any chrome:
    some sites wrap the lead photo in an "article-widget")."""
    current = node.parent
    while current is not None and current.tag not in ("body", "html"):
        if current.tag in ("aside", "nav", "footer"):
            return True
        if current.tag == "a":
            href = (current.attributes.get("href") or "").lower().split("?", 1)[0]
            if href and not href.endswith((".jpg", ".jpeg", ".png", ".webp")) and not _opens_the_picture(current):
                return True
        if _TEASER_RE.search((current.attributes.get("class") or "").lower()):
            return True
        current = current.parent
    return False


# A link that opens the photo itself, larger (a lightbox or the photo viewer), not another story.
_LIGHTBOX_RE = re.compile(r"lightb|fancybox|photoswipe|magnific|glightbox|zoom|enlarge")


def _opens_the_picture(link: LexborNode) -> bool:
    attrs = link.attributes
    return bool(_LIGHTBOX_RE.search((attrs.get("class") or "").lower()) or attrs.get("data-img") or attrs.get("data-lightbox"))


def _in_player(node: LexborNode) -> bool:
    """Video posters reuse the story photo but carry the video's title as caption."""
    current = node.parent
    for _ in range(5):
        if current is None or current.tag in ("body", "article"):
            return False
        if _PLAYER_RE.search((current.attributes.get("class") or "").lower()):
            return True
        current = current.parent
    return False


def is_photo(node: LexborNode, url: str) -> bool:
    attrs = node.attributes
    width, height = _int(attrs.get("width")), _int(attrs.get("height"))
    if (width is not None and width < _MIN_SIDE) or (height is not None and height < _MIN_SIDE):
        return False
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''} {attrs.get('alt') or ''}".lower()
    if _NOT_PHOTO_ATTR_RE.search(names):
        return False
    path = url.lower().split("?", 1)[0]
    size = _FILE_SIZE_RE.search(path)
    if size and max(int(size.group(1)), int(size.group(2))) < 2 * _MIN_SIDE:
        return False  # WordPress's "-150x150" thumbnail of a photo, not the photo
    if "/svg/" in path or "/math/" in path:
        return False  # rendered formulas and drawings (Wikipedia's /media/math/render/svg/...)
    return not path.endswith((".gif", ".svg", ".ico"))


def _inside_chrome(node: LexborNode, stop: Iterable[int]) -> bool:
    stop_ids = set(stop)
    current = node.parent
    while current is not None and current.tag not in ("body", "html"):
        if current.mem_id in stop_ids:
            return False
        if current.tag not in ("figure", "figcaption", "a", "noscript", "header") and _marks_chrome(current):
            return True
        current = current.parent
    return False


def body_photos(containers: list[LexborNode], base: str | None, title: str | None = None) -> Iterator[Picture]:
    """Real photos inside the article body containers, in page order (lazily: usually one is needed)."""
    seen: set[int] = set()
    ids = [c.mem_id for c in containers]
    for container in containers:
        for node in container.css("img"):
            if node.mem_id in seen:
                continue
            seen.add(node.mem_id)
            if len(seen) > _MAX_CANDIDATES:
                return
            url = image_url(node, base)
            if url and is_photo(node, url) and not _inside_chrome(node, ids) and not _in_player(node):
                yield Picture(url, caption_of(node, title), node)


def _ld_image(value: Any, base: str | None, items: list[dict[str, Any]] = ()) -> tuple[str | None, str | None]:
    """(url, caption) of a JSON-LD image: a URL, an ImageObject, a list, or a reference
    {"@id": "...#primaryimage"} to an ImageObject elsewhere in the graph (Yoast SEO)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id"):
        value = next((item for item in items if item.get("@id") == value["@id"] and item is not value), value)
    if isinstance(value, dict):
        return absolute(value.get("url") or value.get("contentUrl"), base), value.get("caption") or value.get("description")
    if isinstance(value, str):
        return absolute(value, base), None
    return None, None


_LOGO_SELECTOR = 'link[rel~="icon"], link[rel~="apple-touch-icon"], img[class*="logo" i], img[id*="logo" i], img[alt*="logo" i]'


class _SiteLogos:
    """Is a URL the site's logo or icon? Judged against JSON-LD logos, <meta itemprop=logo>,
    icon links and logo <img>s; each candidate's URL is only resolved when its raw
    address mentions the file asked about (most pages list dozens of icons)."""

    def __init__(self, tree: LexborHTMLParser, head: Head, images: Callable[[], list[tuple[LexborNode, str]]]) -> None:
        self._head = head
        self._images = images  # the page's <img>s with their attribute text (see _page_images)
        urls: list[str | None] = []
        for item in head.json_ld:
            holders = [item, item.get("publisher")] if isinstance(item.get("publisher"), dict) else [item]
            for holder in holders:
                if isinstance(holder, dict) and (holder is not item or ld_types(item) & {"organization", "newsmediaorganization"}):
                    urls.append(_ld_image(holder.get("logo"), head.base)[0])
        urls.extend(head.all("logo"))
        self._declared = {key for key in map(file_key, urls) if key}
        self._tree = tree
        self._nodes: list[LexborNode] | None = None  # the icon and logo elements, found when needed

    def _may_show(self, needle: str) -> bool:
        """Whether an icon link or a logo <img> could hold this file name: a superset of the
        elements _LOGO_SELECTOR finds (its case-insensitive tests, read as substrings), so a
        page none of whose icons or logos names the file needs no walk of the tree."""
        for link in self._head.icon_links:
            if needle in (link.attributes.get("href") or link.attributes.get("src") or "").lower():
                return True
        # (an <img>'s attribute text holds its class, id, alt and src, lower-cased)
        return any("logo" in text and needle in text for _, text in self._images())

    def __contains__(self, url: str) -> bool:
        key = file_key(url)
        if not key:
            return False
        if key in self._declared:
            return True
        needle = key.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if self._nodes is None:
            if not self._may_show(needle):
                return False
            self._nodes = self._tree.css(_LOGO_SELECTOR)[:_MAX_CANDIDATES]
        for node in self._nodes:
            raw = node.attributes.get("href") or node.attributes.get("src") or ""
            if needle not in raw.lower():
                continue
            candidate = absolute(raw, self._head.base)
            if not candidate or (node.tag == "link" and _photo_sized(candidate)):
                continue  # some CMSs give each article its photo as icon: that is no logo
            if file_key(candidate) == key:
                return True
        return False



# class/id words (at the start of a -/_/space separated part) of the boxes holding site furniture
_FURNITURE_PLACE_RE = re.compile(r"(?:^|[\s_-])(?:logo|avatar|author|byline|profile|headshot|site-?header|site-?footer|footer)")


def _declared_as_furniture(url: str, head: Head) -> bool:
    """An og:image the metadata alone shows is no story photo: a GIF (profile pictures
    and animated logos), or declared smaller than 300 pixels a side."""
    if urlsplit(url).path.lower().endswith(".gif"):
        return True
    width, height = _int(head.first("og:image:width")), _int(head.first("og:image:height"))
    return bool(width and height and max(width, height) < 300)


def _page_images(tree: LexborHTMLParser) -> list[tuple[LexborNode, str]]:
    """Every <img> with its attribute text (see _attribute_text), read once for all tests."""
    return [(node, _attribute_text(node)) for node in page_elements(tree).tagged("img")]


def _shown_only_as_furniture(imgs: list[tuple[LexborNode, str]], key: str | None, base: str | None) -> bool:
    """The declared image appears on the page, and only as site furniture: in a logo link,
    an author box, the navigation or the footer (a site-wide share picture is often the logo)."""
    if not key:
        return False
    needle = key.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    found = 0
    for node, text in imgs:
        if needle not in text:
            continue
        url = image_url(node, base)
        if not url or file_key(url) != key:
            continue
        found += 1
        if found > _MAX_CANDIDATES or not (_in_furniture(node) or _is_listing_badge(node, base)):
            return False
    return found > 0


_IMAGE_FILE_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", re.IGNORECASE)


def _is_listing_badge(node: LexborNode, base: str | None) -> bool:
    """A badge linking to a listing of other pages: a short label as alt text ("Mostly True")
    in a link to elsewhere, not to this page or to a larger copy of the picture."""
    alt = (node.attributes.get("alt") or "").split()
    if not alt or len(alt) > 3:
        return False
    link = node.parent
    if link is None or link.tag != "a":
        return False
    href = absolute(link.attributes.get("href"), base)
    if not href or _IMAGE_FILE_RE.search(href):
        return False
    return urlsplit(href).path.rstrip("/") != urlsplit(base or "").path.rstrip("/")


def _in_furniture(node: LexborNode) -> bool:
    current: LexborNode | None = node
    while current is not None and current.tag not in ("body", "html"):
        if current.tag in ("nav", "footer") or (current.attributes.get("role") or "").lower() == "banner":
            return True
        if current.tag in ("article", "main", "figure"):
            return False
        if _FURNITURE_PLACE_RE.search(_names(current)):
            return True
        current = current.parent
    return False


_DIMENSION_PARAM_RE = re.compile(r"[?&](?:w|width|h|height|exactw|exacth|resize)=(\d{3,4})\b", re.IGNORECASE)


def _photo_sized(url: str) -> bool:
    """A JPEG, or an image asked for at 400 pixels or more: icons are small PNG/ICO/SVG files."""
    path = urlsplit(url).path.lower()
    if path.endswith((".jpg", ".jpeg")):
        return True
    return any(int(size) >= 400 for size in _DIMENSION_PARAM_RE.findall(url))


def lead_image(
    tree: LexborHTMLParser, head: Head, containers: list[LexborNode], title: str | None = None
) -> Image | None:
    """og:image (or twitter:image, JSON-LD image) unless it is furniture; else the first body photo."""
    ld_url, ld_caption = _ld_image((head.article_ld or {}).get("image"), head.base, head.json_ld)
    declared = [
        absolute(head.first("og:image", "og:image:url", "og:image:secure_url"), head.base),
        absolute(head.first("twitter:image", "twitter:image:src"), head.base),
        ld_url,
    ]
    read: list[list[tuple[LexborNode, str]]] = []  # the page's images, read when first needed

    def page_images() -> list[tuple[LexborNode, str]]:
        if not read:
            read.append(_page_images(tree))
        return read[0]

    logos = _SiteLogos(tree, head, page_images)
    for url in declared:
        if not url or is_placeholder(url) or url in logos or _declared_as_furniture(url, head):
            continue
        imgs = page_images()
        if _shown_only_as_furniture(imgs, file_key(url), head.base):
            continue  # the site's logo or the author's picture: the story's own photo replaces it
        captions: list[str] = []
        shown = False
        for picture in _same_image(imgs, file_key(url), head.base, title):
            shown = True
            if picture.caption:
                captions.append(picture.caption)
                break
        if ld_url and (url == ld_url or file_key(url) == file_key(ld_url)) and isinstance(ld_caption, str) and ld_caption.strip():
            captions.append(collapse(ld_caption))
        if not captions and not shown:
            # The declared photo is not on the page as an <img> (rendered by scripts, or
            # another crop): the caption of the lead figure, just under the headline, is its.
            lead = _caption_by_id(tree, url) or _lead_figure_caption(tree, containers)
            if lead:
                captions.append(lead)
        alt = _without_site_label(head.first("og:image:alt", "twitter:image:alt"), site_name(head))
        captions = [c for c in (clean_caption(c, title) for c in captions) if c]
        alt = clean_caption(alt, title)
        if not captions and alt and len(alt.split()) >= _MIN_CAPTION_WORDS:
            captions = [alt]
        return Image(url=url, alt=max(captions, key=len) if captions else None)
    first = _header_figure(tree, head.base, title) or next(body_photos(containers, head.base, title), None)
    return Image(url=first.url, alt=clean_caption(first.caption, title)) if first else None


def _header_figure(tree: LexborHTMLParser, base: str | None, title: str | None) -> Picture | None:
    """The photo of a <figure> in the article's <header>, beside its <h1>: the lead photo
    when the body below it holds only charts and inline pictures."""
    h1 = tree.css_first("h1")
    header = h1.parent if h1 is not None else None
    for _ in range(6):
        if header is None or header.tag in ("header", "body", "html"):
            break
        header = header.parent
    if header is None or header.tag != "header":
        return None
    for count, node in enumerate(header.css("figure img")):
        if count >= _MAX_CANDIDATES:
            return None
        url = image_url(node, base)
        if url and not is_placeholder(url) and is_photo(node, url) and not _in_player(node) and not _is_banner(node):
            return Picture(url, caption_of(node, title), node)
    return None


def _is_banner(node: LexborNode) -> bool:
    """An image declared at least four times as wide as it is high (850x120): a strip, no photo."""
    width, height = _int(node.attributes.get("width")), _int(node.attributes.get("height"))
    return bool(width and height and width >= 4 * height)


# A photo credit at the end of a caption, often glued to it by the markup:
# "...last week.Credit...Anna Lee/The Times", "Photograph by X/AFP", "...Getty Images".
# (A credit in brackets, "(Photo: X)", is cut by _BRACKETED_CREDIT_RE.)
_TRAILING_CREDIT_RE = re.compile(
    r"\s*(?:(?<![(\w])(?:(?:(?-i:Photo)\s+illustration|(?-i:Credit|Photograph|Photo|Image|Picture|Illustration|Foto|Bild))(?:\.\.\.|:|\s+by\b|\s+via\b|\s+courtesy\b)|(?-i:Credit)\b|(?-i:Credit)+(?=(?-i:[A-Z]))|courtesy\s+of\b)"
    r"(?:(?!\b(?:credit|photograph|photo)\b).){0,90}"
    r"|(?-i:Getty)(?:\s+images)?)\s*$",
    re.IGNORECASE,
)
# A credit in brackets closing the caption: "(Foto: picture alliance/dpa)", "(crédito: X/CB)".
_BRACKETED_CREDIT_RE = re.compile(
    r"\s*[(\[]\s*(?:photo|foto|fotó|bild|image|picture|credit|crédit|crédito|credito|zdjęcie|fot\.|source|quelle|fuente|fonte)"
    r"s?\s*(?::|by\b|von\b|de\b)[^()\[\]]{0,100}[)\]]\s*$",
    re.IGNORECASE,
)
# A news agency (and its photographer) in brackets or after a slash closing the caption:
# "(AP)", "(AP Photo/Alan Diaz, File)", "(AFP file photo)", "...Austria.Leonhard Foeger / Reuters file".
_AGENCIES = r"AP|AFP|Reuters|EPA|dpa|ANSA|EFE|PAP|ANP|Getty(?: Images)?|Shutterstock|iStock|Xinhua|Bloomberg|IANS|PTI|picture alliance"
_AGENCY_CREDIT_RE = re.compile(
    rf"\s*(?:\((?:(?:{_AGENCIES})\b[^()]{{0,60}}|photo\s[^()]{{1,80}}|foto\s[^()]{{1,80}})\)"
    # "(Manu Fernandez/AP)", "(Jacquelyn Martin / Associated Press)": photographer / source
    rf"|\((?-i:[A-Z])[\w.'’-]*(?:\s(?-i:[A-Z])[\w.'’-]*){{0,3}}\s?/\s?(?-i:[A-Z])[\w.'’-]*(?:\s(?-i:[A-Z])[\w.'’-]*){{0,3}}(?:,\s(?:file|pool|handout))?\)"
    rf"|(?<=[.!?])\s*[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*){{0,3}}\s?/\s?(?:{_AGENCIES})(?:\s(?:file|pool|handout))?)\s*$",
    re.IGNORECASE,
)
# A credit word closing the caption: "Christopher Battin Submitted photo", "...53 года?Фото".
_CREDIT_WORD_END_RE = re.compile(
    r"\s*(?:(?:submitted|file|staff|courtesy|contributed|handout|supplied|provided)\s+(?:photo|image|picture)|Фото|Foto)\s*$",
    re.IGNORECASE,
)
# A caption that is nothing but a credit: "Courtesy Google", "Image via Getty Images", "Jo Bloggs/AFP".
_CREDIT_ONLY_RE = re.compile(
    r"^(?:(?:credit|credits|photo|image|foto|bild)\s*:?\s*$|courtesy\b|image via\b|photo via\b|(?:credit|photograph|photo|image|picture|foto|bild)(?::|\s+by\b|\.\.\.|\s)|"
    r"(?:crédit|crédito|credito|crediti|fotó|zdjęcie|fot\.|quelle|fuente|fonte|imagen|imagem|immagine|afbeelding)s?\s*:|"
    r"(?:getty images|reuters|afp|ap|epa|dpa|ansa|efe|pap|anp|shutterstock|istock|picture alliance)\b|[\w.' -]{2,40}(?:\s?/\s?[\w.' -]{2,40}){1,3}$)",
    re.IGNORECASE,
)
# "Alex Wong | Getty ImagesKristi Noem, governor of ...": a credit glued in front.
_LEADING_CREDIT_RE = re.compile(r"^[^|]{0,40}\|\s*(?:Getty Images|AP|AFP|Reuters|EPA)\s*(?=[A-Z])")


def _without_site_label(alt: str | None, site: str | None) -> str | None:
    """'BBC News. Taylor Swift' -> 'Taylor Swift': the site's name in front of its share picture's alt."""
    if not alt or not site or not alt.startswith(site):
        return alt
    rest = alt[len(site):]
    for separator in (". ", ": ", " - ", " | ", " – ", " — "):
        if rest.startswith(separator):
            return rest[len(separator):].strip() or None
    return alt


# "a man looking at the camera: Martin Taylor of …": a machine's description of the picture
# set before the caption in the alt text (lower-case, a few words, a colon, the caption).
# ("a la izquierda: …", Spanish for "on the left", is the caption's own.)
_AUTO_DESCRIPTION_RE = re.compile(
    r"^an? (?!(?:la|las|los|el|lo|sinistra|destra|esquerda|direita)\b)[a-z][^:.!?]{2,80}: (?=[A-Z0-9“\"‘'])"
)


def clean_caption(text: str | None, title: str | None = None) -> str | None:
    """A caption without its photo credit; None when nothing but a credit or the headline is left."""
    if not text:
        return None
    text = _BRACKETED_CREDIT_RE.sub("", _LEADING_CREDIT_RE.sub("", _AUTO_DESCRIPTION_RE.sub("", collapse(text))))
    text = _CREDIT_WORD_END_RE.sub("", _AGENCY_CREDIT_RE.sub("", text))
    if not text or text.casefold().startswith(("illustration for article titled", "image for post", "featured image")):
        return None
    if text.startswith("©"):
        return None  # "© Jo Lee Jo Lee at the ...": where the credit ends cannot be told
    for _ in range(2):  # "…week.CreditCreditJo Lee/EPA" or "(Photo: Getty Images)Getty"
        stripped = _TRAILING_CREDIT_RE.sub("", text).rstrip(" |-–—,;")
        if stripped == text or len(stripped.split()) < 2:
            break
        text = stripped
    text = text.lstrip(" .,;:|-–—")  # what is left of "<caption>. Imagen: X" when the caption is empty
    words = text.split()
    bare = text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text
    if len(words) <= 8 and (_CREDIT_ONLY_RE.match(text) or (bare is not text and _CREDIT_ONLY_RE.match(bare))):
        return None
    if title:
        # "Illustration for article titled <headline>": the headline with a label.
        folded, headline = text.casefold(), collapse(title).casefold()
        if headline and headline in folded and len(folded.replace(headline, " ").split()) <= 4:
            return None
    return text


def _same_image(
    imgs: list[tuple[LexborNode, str]], key: str | None, base: str | None, title: str | None
) -> Iterable[Picture]:
    """Pictures on the page showing the declared image (matched by file name), in page order.

    Page-wide because lead photos often sit above the body, in the article header; also
    matched on attributes that name the picture without a URL (data-chomp-id="...").
    """
    if not key:
        return
    long_key = len(key) >= 8 and "/" not in key
    needle = key.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    tried = 0
    for node, text in imgs:
        # Cheap test first: most images on a page do not mention the file at all.
        if needle not in text or _in_player(node):
            continue
        tried += 1
        if tried > _MAX_CANDIDATES:
            return
        url = image_url(node, base)
        if (url and file_key(url) == key) or (long_key and any(v == key for v in map(_lower, node.attributes.values()))):
            if not _in_teaser(node):  # a "most read" teaser reusing the photo says nothing
                yield Picture(url or "", caption_of(node, title), node)


def _lower(value: str | None) -> str:
    return value.lower() if value else ""


_LEADING_ID_RE = re.compile(r"\d{6,12}(?=\D|$)")


def _caption_by_id(tree: LexborHTMLParser, url: str) -> str | None:
    """The caption inside the placeholder a script fills with the declared photo, found by the
    photo's number ("104855655-GettyImages-….jpg" in <div id="ArticleBody-InlineImage-104855655">:
    CNBC renders its photos so). None when no element's id ends in that number."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    number = _LEADING_ID_RE.match(name)
    if not number:
        return None
    for count, node in enumerate(tree.css(f'[id$="-{number.group(0)}"]')):
        if count >= 3:
            break
        box = _caption_inside(node)
        text = caption_text(box) if box is not None else ""
        if len(text.split()) >= _MIN_CAPTION_ELEMENT_WORDS:
            return text
    return None


def _lead_figure_caption(tree: LexborHTMLParser, containers: list[LexborNode]) -> str | None:
    """Caption of the article's first figure: under the <h1> or inside the body, not a video's."""
    seen_h1 = False
    body_ids = {c.mem_id for c in containers}
    looked = 0
    for node in tree.css("h1, figcaption, [itemprop=caption]"):
        if node.tag == "h1":
            seen_h1 = True
            continue
        if not seen_h1 or not _is_caption_box(node) or _in_player(node) or _beside_player(node):
            continue
        looked += 1
        if looked > _MAX_CANDIDATES:
            return None
        if _inside_chrome(node, body_ids) and not _inside(node, body_ids):
            continue
        text = caption_text(node)
        if len(text.split()) >= _MIN_CAPTION_ELEMENT_WORDS:
            return text
    return None


def _inside(node: LexborNode, ids: set[int]) -> bool:
    current = node.parent
    while current is not None and current.tag != "body":
        if current.mem_id in ids:
            return True
        current = current.parent
    return False


def _beside_player(caption: LexborNode) -> bool:
    """A figcaption whose figure holds a video player describes the video."""
    holder = caption.parent
    if holder is None:
        return False
    for count, node in enumerate(holder.traverse(include_text=False)):
        if count > _MAX_CAPTION_ELEMENTS:
            return False  # a big box around the caption is the page, not a figure
        if node.tag == "video" or _PLAYER_NAME_RE.search((node.attributes.get("class") or "").lower()):
            return True
    return False
