"""Bytes -> text -> parsed tree, once per page.

Decoding is done here rather than by the parser because newsroom pages often
lie about their encoding (a page declaring iso-8859-1 that holds UTF-8), and
a wrong guess turns every curly quote into mojibake in the post we publish.
"""

from __future__ import annotations

import codecs
import json
import operator
import re
from itertools import accumulate
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from distributor.errors import ExtractError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers read these labels as windows-1252 (WHATWG Encoding Standard); so do we,
# which keeps curly quotes in 0x80-0x9F from turning into control characters.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "iso_8859-1", "cp819"}
_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"RIFF", b"\x00\x00\x00")
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_NOT_HTML_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip", "application/octet-stream")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(content: bytes, content_type: str | None = None) -> str | None:
    """The charset the HTTP header or the page's own <meta> claims (header wins)."""
    if content_type:
        match = _HEADER_CHARSET_RE.search(content_type)
        if match and _codec(match.group(1)):
            return _codec(match.group(1))
    match = _CHARSET_RE.search(content[:16384])
    if match:
        return _codec(match.group(1).decode("ascii", "replace"))
    return None


def decode(content: bytes | str, content_type: str | None = None) -> str:
    """Text of a page: BOM, else valid UTF-8, else the declared charset, else a guess."""
    return _decode(content, content_type)[0]


def _decode(content: bytes | str, content_type: str | None = None) -> tuple[str, bool]:
    """decode(), and whether the bytes were plain UTF-8 as they came (no BOM): the parser's own encoding."""
    if isinstance(content, str):
        return content, False
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(encoding, errors="replace"), False
    if content_type and content_type.split(";")[0].strip().lower().startswith(_NOT_HTML_TYPES):
        raise ExtractError(f"not an HTML page (content type {content_type.split(';')[0].strip()})")
    head = content[:1024]
    if head.startswith(_MAGIC) or b"\x00" in head:
        raise ExtractError("not an HTML page (binary content)")
    try:
        # Valid UTF-8 beyond plain ASCII is almost never an accident, whatever the page declares.
        return content.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    declared = declared_charset(content, content_type)
    if declared and declared not in ("utf-8", "utf_8"):
        return content.decode(declared, errors="replace"), False
    from charset_normalizer import from_bytes

    matches = from_bytes(content[:200_000])
    best = matches.best()
    encoding = _codec(best.encoding) if best is not None else None
    # Short Latin texts fit several code pages equally well; windows-1252, the web's
    # default for undeclared pages, wins a tie.
    for match in matches:
        if best is not None and match.encoding == "cp1252":
            if match.chaos <= best.chaos and match.coherence >= best.coherence - 0.01:
                encoding = "cp1252"
            break
    return content.decode(encoding or "cp1252", errors="replace"), False


_ASCII_STRETCH = 4096  # bytes tested at once by isascii() in _plain_utf8


def _plain_utf8(content: bytes, content_type: str | None) -> bool:
    """Whether `_decode` would read these bytes as plain UTF-8 (no BOM, HTML, valid UTF-8).

    Hand-written because Python has no UTF-8 validator that does not build the text:
    a page's markup is mostly ASCII, so stretches that isascii() passes (C speed, no
    copy of the text) are skipped and only the stretches holding other bytes are
    decoded. An ASCII byte is never inside a multi-byte sequence, so the page is valid
    exactly when each such stretch is. Linear: every byte is looked at once or twice.
    """
    if any(content.startswith(bom) for bom, _ in _BOMS):
        return False
    if content_type and content_type.split(";")[0].strip().lower().startswith(_NOT_HTML_TYPES):
        return False
    head = content[:1024]
    if head.startswith(_MAGIC) or b"\x00" in head:
        return False
    size, start, pos = len(content), None, 0
    while pos < size:
        end = pos + _ASCII_STRETCH
        if content[pos:end].isascii():
            if start is not None:
                try:
                    content[start:pos].decode("utf-8")
                except UnicodeDecodeError:
                    return False
                start = None
        elif start is None:
            start = pos
        pos = end
    if start is not None:
        try:
            content[start:].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


class Tree(LexborHTMLParser):
    """A parsed page that remembers its `PageElements` once they have been asked for."""

    elements: "PageElements | None" = None


_BLOCK_SELECTOR = "p, div, section, article, blockquote"
_BLOCK_TAG_NAMES: dict[int, str] = {}


def _block_tag_names() -> dict[int, str]:
    """lexbor's tag id -> name of the tags _BLOCK_SELECTOR finds (ids are fixed for HTML tags)."""
    if not _BLOCK_TAG_NAMES:
        sample = LexborHTMLParser("<p></p><div></div><section></section><article></article><blockquote></blockquote>")
        _BLOCK_TAG_NAMES.update((node.tag_id, node.tag) for node in sample.css(_BLOCK_SELECTOR))
    return _BLOCK_TAG_NAMES


class PageElements:
    """Lists of the page's elements that several extractors ask for, each found once.

    Every lexbor query walks the whole tree, whatever it asks for; the headline, the
    chrome test and the images all want the <h1>s, the embeds and the body the blocks.
    Elements of one tag are found with tree.tags(), lexbor's lookup by tag, which finds
    what the selector would (in page order) for a third of the selector engine's work.
    """

    def __init__(self, tree: LexborHTMLParser) -> None:
        self._tree = tree
        self._tagged: dict[str, list[LexborNode]] = {}
        self._blocks: list[tuple[LexborNode, str]] | None = None

    def tagged(self, tag: str) -> list[LexborNode]:
        """tree.css(tag): the elements of one tag, in page order."""
        found = self._tagged.get(tag)
        if found is None:
            found = self._tagged[tag] = self._tree.tags(tag)
        return found

    @property
    def blocks(self) -> list[tuple[LexborNode, str]]:
        """(element, tag) of every <p>, <div>, <section>, <article> and <blockquote>, in page order."""
        if self._blocks is None:
            nodes = self._tree.css(_BLOCK_SELECTOR)
            try:
                # (lexbor's fixed tag ids, read in C, named from a table: .tag would build
                # a new str for each of the page's hundreds of blocks)
                self._blocks = list(zip(nodes, map(_block_tag_names().__getitem__, [n.tag_id for n in nodes])))
            except KeyError:
                self._blocks = [(node, node.tag) for node in nodes]
        return self._blocks


def page_elements(tree: LexborHTMLParser) -> PageElements:
    """The page's element lists: kept with a `Tree` between calls, so each is found once.

    Whoever removes elements from the tree calls `tree_changed`, or the lists
    would hold elements that are gone.
    """
    if isinstance(tree, Tree):
        if tree.elements is None:
            tree.elements = PageElements(tree)
        return tree.elements
    return PageElements(tree)


def tree_changed(tree: LexborHTMLParser) -> None:
    """Forget the collected elements after the tree has lost some (see page_elements)."""
    if isinstance(tree, Tree):
        tree.elements = None


@dataclass
class Document:
    """A parsed page plus what several extractors read from it (collected once)."""

    tree: LexborHTMLParser
    url: str | None
    json_ld: list[dict[str, Any]] = field(default_factory=list)

    @property
    def root(self) -> LexborNode | None:
        return self.tree.root


_MAX_LD_OBJECTS = 1000  # a page describes itself in a handful; more is a catalogue or an attack


def _load_json(raw: str) -> Any:
    """JSON as CMSs write it (a trailing semicolon, a CDATA wrapper); None when unreadable.

    Nesting too deep for the decoder (RecursionError) is unreadable too, not a crash.
    """
    for text in (raw, raw.strip().removeprefix("//<![CDATA[").removesuffix("//]]>").strip().rstrip(";")):
        try:
            return json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


_LD_TYPE = "application/ld+json"


def _is_json_ld(script: LexborNode) -> bool:
    """script[type="application/ld+json"], read in Python: HTML compares `type` values
    ASCII case-insensitively, as the selector engine does."""
    value = script.attributes.get("type")
    return value is not None and len(value) == len(_LD_TYPE) and value.isascii() and value.lower() == _LD_TYPE


def _json_ld(tree: LexborHTMLParser, scripts: list[LexborNode] | None = None) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, with @graph and top-level lists flattened (page order)."""
    found: list[dict[str, Any]] = []
    if scripts is None:
        scripts = tree.tags("script")
    for script in filter(_is_json_ld, scripts):
        raw = (script.text(deep=True) or "").strip()
        data = _load_json(raw) if raw else None
        stack = [data]  # reversed: pop() takes the next item in page order, in constant time
        while stack and len(found) < _MAX_LD_OBJECTS:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                found.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))
        if len(found) >= _MAX_LD_OBJECTS:
            break
    return found


def parse(content: bytes | str, *, url: str | None = None, content_type: str | None = None) -> Document:
    """Decode and parse a page; ExtractError when there is nothing HTML-like in it."""
    if content is None or len(content) == 0:
        raise ExtractError("empty page")
    if isinstance(content, bytes) and 0 < content.count(b"<") < _DEPTH_CHECK_TAGS and _plain_utf8(content, content_type):
        # The common page, plain UTF-8 with few tags: the parser gets the bytes as they
        # are, and the text is never built (its "<" makes it neither empty nor markup-less).
        tree = Tree(content)
    else:
        tree = _parse_text(content, content_type)
    if tree.root is None:
        raise ExtractError("not an HTML page (nothing could be parsed)")
    # The page's <script>s, found once: the JSON-LD is read from them, then they go.
    scripts = tree.tags("script")
    json_ld = _json_ld(tree, scripts)
    # Scripts and styles are never article text; drop them once so later scans skip them
    # (tree.strip_tags(["script", "style", "template"]), whose passes are css() walks: the
    # tag lookup finds the same elements in the same order for less).
    for script in scripts:
        script.decompose(recursive=False)
    for name in ("style", "template"):
        for element in tree.tags(name):
            element.decompose(recursive=False)
    return Document(tree=tree, url=url, json_ld=json_ld)


def _parse_text(content: bytes | str, content_type: str | None) -> Tree:
    """parse() for every other page: decoded (and its depth cut) before parsing."""
    text, utf8 = _decode(content, content_type)
    if not text or text.isspace():  # (no copy of the page, as strip() would make)
        raise ExtractError("empty page")
    if "<" not in text:
        raise ExtractError("not an HTML page (no markup found)")
    # The parser reads UTF-8: bytes that were valid UTF-8 go to it as they are (the
    # same tree, without encoding the whole page back), unless their depth needs cutting.
    shallow = utf8 and content.count(b"<") < _DEPTH_CHECK_TAGS
    limited = text if shallow else limit_depth(text)
    return Tree(content if utf8 and limited is text else limited)


# --- nesting depth -------------------------------------------------------------------
# HTML tree construction checks "is there a <p> in button scope" by walking the stack
# of open elements for every block start tag, so a page of 100,000 nested <div>s costs
# the parser time in the square of its depth (about 25 s). Browsers cap the depth for
# the same reason (Blink: 512); pages with enough tags to be that deep get their start
# tags beyond the cap dropped (their text stays) before parsing. Hand-written because no
# parser we can use exposes such a cap; one linear pass, run only on pages with many tags.
MAX_DEPTH = 512
_DEPTH_CHECK_TAGS = 8000  # below this many "<" no nesting can cost the parser a noticeable time
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>|<!--")
_VOID_OR_OPTIONAL = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    "param", "keygen", "frame", "basefont", "bgsound", "image",
    # end tag optional: implied closes keep these shallow, they never count as depth
    "p", "li", "dt", "dd", "option", "optgroup", "rb", "rt", "rp", "rtc", "tr", "td", "th",
    "tbody", "thead", "tfoot", "colgroup", "caption", "html", "head", "body",
})
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"})
_RAW_END_RE = {name: re.compile(rf"</{name}[\s/>]", re.I) for name in _RAW_TEXT}


# Start tags that can nest (not void, end tag required) and end tags, for a quick estimate.
_NESTING_TAG_RE = re.compile(
    r"<(/?)(?!(?:" + "|".join(sorted(_VOID_OR_OPTIONAL, key=len, reverse=True)) + r")[\s/>])[A-Za-z]"
)


def _estimated_depth(text: str) -> int:
    """The deepest nesting the tags suggest, counted in C-speed passes (findall, accumulate):
    a page whose estimate stays under the cap needs no exact, slower pass."""
    # depth after each tag = running sum - lowest running sum so far (stray end tags never go below 0)
    sums = list(accumulate(map({"": 1, "/": -1}.__getitem__, _NESTING_TAG_RE.findall(text)), initial=0))
    return max(map(operator.sub, sums, accumulate(sums, min)), default=0)


def limit_depth(text: str, max_depth: int = MAX_DEPTH) -> str:
    """The page with start tags nested deeper than max_depth removed (with their end tags)."""
    if text.count("<") < _DEPTH_CHECK_TAGS or _estimated_depth(text) <= max_depth:
        return text
    stack: list[str] = []
    open_count: dict[str, int] = {}
    dropped: dict[str, int] = {}
    pieces: list[str] = []
    kept_from = 0
    pos = 0
    search = _TAG_RE.search
    while True:
        match = search(text, pos)
        if match is None:
            break
        pos = match.end()
        if match.group(0) == "<!--":
            end = text.find("-->", pos)
            if end < 0:
                break
            pos = end + 3
            continue
        name = match.group(2).lower()
        if match.group(1):  # an end tag
            if dropped.get(name):
                dropped[name] -= 1
                pieces.append(text[kept_from:match.start()])
                kept_from = pos
            elif open_count.get(name):
                while stack:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
            continue
        if name in _RAW_TEXT:
            end_match = _RAW_END_RE[name].search(text, pos)
            if end_match is None:
                break
            pos = end_match.end()
            continue
        if name in _VOID_OR_OPTIONAL or match.group(0).endswith("/>"):
            continue
        if len(stack) >= max_depth:
            dropped[name] = dropped.get(name, 0) + 1
            pieces.append(text[kept_from:match.start()])
            kept_from = pos
            continue
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
    if not pieces:
        return text
    pieces.append(text[kept_from:])
    return "".join(pieces)
