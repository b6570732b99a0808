"""Headline, canonical URL, section, tags, dates: what the page says about itself.

Sources in order of trust: Open Graph, Twitter cards, JSON-LD, then the page body.
Every <meta> and <link> is read in one pass into a `Head`, so each field below is a
dictionary lookup, not another scan of the tree.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborNode

from distributor.extract.body import collapse, node_text
from distributor.extract.visible import visible
from distributor.extract.document import Document, page_elements

ARTICLE_TYPES = frozenset({
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "scholarlyarticle", "techarticle", "report",
})
_MAX_HEADINGS = 30
_MAX_META = 3000  # a page declares itself in a few dozen <meta>; a hundred thousand is an attack
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|/|»)\s+")


@dataclass
class Head:
    """Everything the page declares in <head>-like markup, read once."""

    meta: dict[str, list[str]] = field(default_factory=dict)  # key lower-cased: og:title, description ...
    canonical: str | None = None
    base: str | None = None  # the URL relative links resolve against
    title_tag: str | None = None
    article_ld: dict[str, Any] | None = None  # the NewsArticle (or similar) JSON-LD object
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    # <link> elements whose rel mentions "icon" in any case: every icon link is among them.
    icon_links: list[Any] = field(default_factory=list, repr=False, compare=False)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    return value
        return None

    def all(self, key: str) -> list[str]:
        return [value for value in self.meta.get(key, ()) if value]


def ld_types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower().rsplit("/", 1)[-1] for k in kinds if k}


def absolute(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) URL from a possibly relative, HTML-escaped one; None if impossible."""
    if not url or not isinstance(url, str):  # JSON-LD may hold a list or an object here
        return None
    url = html.unescape(url.strip())
    if url.startswith("//"):
        scheme = urlsplit(base).scheme if base else ""
        url = f"{scheme or 'https'}:{url}"
    elif base and not urlsplit(url).scheme:
        url = urljoin(base, url)
    return url if urlsplit(url).scheme in ("http", "https") else None


def read_head(doc: Document) -> Head:
    head = Head(json_ld=doc.json_ld)
    tree = doc.tree
    # <meta>, <base> and <link> by lexbor's tag lookup (a third of a selector's work per walk).
    elements = page_elements(tree)
    metas, links = elements.tagged("meta")[:_MAX_META], elements.tagged("link")
    base = next((node for node in elements.tagged("base") if "href" in node.attributes), None)
    for node in metas:
        attrs = node.attributes
        content = attrs.get("content")
        if content is None:
            continue
        content = collapse(html.unescape(content)) if "&" in content else collapse(content)
        # Some pages put og: keys in name=, some put twitter: keys in property=; read both
        # (each distinct value once, as a set of the three would give them).
        prop, name, itemprop = attrs.get("property"), attrs.get("name"), attrs.get("itemprop")
        for key in (prop, name if name != prop else None, itemprop if itemprop != prop and itemprop != name else None):
            if key:
                head.meta.setdefault(key.strip().lower(), []).append(content)
    head.base = absolute(base.attributes.get("href"), doc.url) if base is not None else None
    head.base = head.base or doc.url
    for link in links:  # (one without rel, which the old selector skipped, is neither icon nor canonical)
        rel = (link.attributes.get("rel") or "").lower()
        if "icon" in rel:
            head.icon_links.append(link)
        rels = rel.split()
        if "canonical" in rels and head.canonical is None:
            head.canonical = (link.attributes.get("href") or "").strip() or None
    if head.base is None:
        # A saved page (`extract FILE`, a CMS push without its address) still names its
        # own address: its relative image links resolve against that, or they are lost.
        head.base = absolute(head.canonical, None) or absolute(head.first("og:url"), None)
    title = tree.css_first("title")
    head.title_tag = node_text(title) if title is not None else None
    for item in doc.json_ld:
        if ld_types(item) & ARTICLE_TYPES:
            head.article_ld = item
            break
    return head


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return collapse(html.unescape(str(value))) if value else None


def _norm(text: str) -> str:
    text = visible(text)
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return collapse(text).casefold()


def strip_site_suffix(title: str, site_name: str | None, *, only_site: bool = False) -> str:
    """'Headline | Site' -> 'Headline'. Only drops a part that names the site or is short
    (with only_site, only a part that names the site)."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title if only_site else _without_cjk_suffix(title)
    site = _norm(site_name) if site_name else None
    if site and _norm(parts[-1]) in site or (site and site in _norm(parts[-1])):
        return " - ".join(parts[:-1]) if len(parts) > 2 else parts[0]
    if site and _names_site(_norm(parts[0]), site):
        return " - ".join(parts[1:]) if len(parts) > 2 else parts[1]
    if only_site:
        return title
    if len(parts[-1]) <= 30 and len(parts[-1]) < len(parts[0]):
        return parts[0] if len(parts) == 2 else title[: title.rfind(parts[-1])].rstrip(" |-–—:·•/»")
    return title


_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _without_cjk_suffix(title: str) -> str:
    """'标题_教育频道_中国青年网' -> '标题': Chinese sites join channel and site with '_', no spaces."""
    if "_" not in title or " " in title or not _CJK_RE.search(title):
        return title
    parts = title.split("_")
    while len(parts) >= 2 and len(parts[-1]) <= 12 and len(parts[-1]) < len(parts[0]):
        parts.pop()
    return "_".join(parts)


_ARTICLE_PREFIX_RE = re.compile(r"(?:(?:the|a|la|le|les|el|los|las|die|der|das|il|lo|de|het|o) |l')?")


def _names_site(part: str, site: str) -> bool:
    """A title's first part that is the site's name: part of it, starting with it ("Ledger
    Online"), or it after an article ("The Ledger" for "Ledger"); a story that merely
    mentions the site is not ("Story @ Blog :: Host")."""
    return part in site or part.startswith(site) or part[_ARTICLE_PREFIX_RE.match(part).end():] == site


def headline(doc: Document, head: Head, site_name: str | None) -> str | None:
    """The headline as shown: the article's <h1>, else og/twitter/JSON-LD/<title>."""
    declared = [
        visible(title) or None  # (an og:title of zero-width characters only is no title)
        for title in (
            head.first("og:title"),
            head.first("twitter:title"),
            _ld_text((head.article_ld or {}).get("headline")),
            head.title_tag,
        )
    ]
    declared_norm = [_norm(t) for t in declared if t]
    # The story's <h1> is among the page's first few; thousands (teaser cards, an attack)
    # must not each be compared with every declared title.
    h1s = [(h1, heading_text(h1)) for h1 in page_elements(doc.tree).tagged("h1")[:_MAX_HEADINGS]]
    h1s = [(node, text) for node, text in h1s if len(text) > 1 and not _is_masthead(node, text, doc.url, declared_norm)]
    # An <h1> naming the site or the section ("India Post", "Allergies Health Center")
    # is a label over the story, not its headline.
    h1s = [(node, text) for node, text in h1s if not _is_label(text, declared, site_name, len(h1s) == 1)]
    if h1s:
        # With several <h1> (site logo, teaser cards), prefer the one the metadata agrees with.
        for node, text in h1s:
            if _norm(text) in declared_norm:
                return text
        for node, text in h1s:
            norm = _norm(text)
            if any((len(norm) > 15 and norm in d) or (len(d) > 15 and d in norm) for d in declared_norm):
                return text
        # The story's headline set as an <h2> (or a blog's <h3>) under a featured teaser's or the blog's <h1>.
        social = [_norm(v) for t in declared[:3] if t for v in (t, _without_site(t, site_name), strip_site_suffix(t, site_name))]
        if social:
            for node in doc.tree.css("h2, h3")[:_MAX_HEADINGS]:
                text = node_text(node)
                if len(text) > 15 and _norm(text) in social:
                    return text
        for node, text in h1s:
            if _in_article(node):
                return text
        if len(h1s) == 1 and not _is_logo(h1s[0][0]):
            return h1s[0][1]
    for text in declared[:3]:
        if text:
            return strip_site_suffix(text, site_name, only_site=True) if site_name else text
    if head.title_tag:
        return strip_site_suffix(head.title_tag, site_name)
    return h1s[0][1] if h1s else None


def heading_text(node: LexborNode) -> str:
    """A heading's text as shown: a <br> between two words is a space ("…gericht<br>kippt"),
    invisible characters dropped (node_text joins inline pieces without a separator)."""
    if node.css_first("br") is None:
        return visible(node_text(node)).rstrip(" ¶")  # Sphinx's permalink mark
    parts = []
    for child in node.traverse(include_text=True):
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag == "br":
            parts.append(" ")
    return visible(collapse("".join(parts))).rstrip(" ¶")


_WORD_RE = re.compile(r"\w+")
_STOPWORDS = frozenset("a an the and or of to in on at for with by from is are was it its as".split())


def _without_site(title: str, site_name: str | None) -> str:
    """ "Headline — And More - Site" -> "Headline — And More" (the rest left as written)."""
    parts = _TITLE_SEPARATORS.split(title)
    if not site_name or len(parts) < 2 or _norm(parts[-1]) != _norm(site_name):
        return title
    return title[: title.rfind(parts[-1])].rstrip(" |-–—:·•/»")


def _is_label(text: str, declared: list[str | None], site_name: str | None, only_h1: bool) -> bool:
    """The site's or a section's name in an <h1>: equal to the site name, one of the
    <title>'s separated parts other than the headline, or (the page's only <h1>) a few
    words sharing none with any title the page declares."""
    norm = _norm(text)
    if site_name and norm == _norm(site_name):
        return True
    titles = [t for t in declared if t]
    if not titles:
        return False
    title_tag = declared[-1]
    if title_tag:
        parts = [_norm(p) for p in _TITLE_SEPARATORS.split(title_tag)]
        if len(parts) > 1 and norm in parts[1:] and norm != parts[0] and norm != max(parts, key=len):
            return True
    social = declared[0]
    if social and title_tag and len(norm.split()) <= 5:
        # <title> "Blog Name: Post title" with og:title "Post title": the <h1> is the blog's name.
        s_norm, t_norm = _norm(social), _norm(title_tag)
        if norm in t_norm and s_norm in t_norm and norm not in s_norm and s_norm not in norm:
            return True
    words = set(_WORD_RE.findall(norm)) - _STOPWORDS
    if not only_h1 or not title_tag or len(words) > 5 or len(_WORD_RE.findall(title_tag)) < len(words) + 2:
        return False
    if any(norm in _norm(t) or _norm(t) in norm for t in titles):
        return False
    return bool(words) and not any(words & set(_WORD_RE.findall(_norm(t))) for t in titles)


def _in_article(node: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.tag not in ("body", "html"):
        if current.tag in ("article", "main") or "headline" in (current.attributes.get("class") or "").lower():
            return True
        current = current.parent
    names = f"{node.attributes.get('class') or ''} {node.attributes.get('itemprop') or ''}".lower()
    return "headline" in names or "title" in names


# ("logo" as a word of its own: "catalogo", "dialogo" are no logo bars.)
_MASTHEAD_RE = re.compile(r"(?<![a-z])logo|site-?title|site-?name|masthead|topbar|top-bar")
# A box named for the story ("story-masthead", "article__masthead") holds its headline.
_STORY_BOX_RE = re.compile(r"article|story|post|entry|headline")
_HOME_LINKS = frozenset({"/", "./", "index.html", "/index.html"})


def _is_masthead(node: LexborNode, text: str, url: str | None, declared_norm: list[str]) -> bool:
    """An <h1> that is the site's name in its logo bar, or whose one link goes to the home page
    (unless the page's declared title says it is the story's: a newsroom may link its headline
    home, and with no declared title there is nothing to tell the two apart by)."""
    current = node.parent
    for _ in range(3):
        if current is None or current.tag in ("body", "html", "article", "main"):
            break
        names = f"{current.attributes.get('class') or ''} {current.attributes.get('id') or ''}".lower()
        if _MASTHEAD_RE.search(names) and not _STORY_BOX_RE.search(names):
            return True
        current = current.parent
    links = node.css("a")
    if len(links) != 1 or not declared_norm or _norm(text) in declared_norm:
        return False
    href = (links[0].attributes.get("href") or "").strip()
    if not url:
        return href in _HOME_LINKS
    # (resolved against the page: "./" on /2026/bridge/ is the story's own address, not home)
    home = urlsplit(urljoin(url, href))
    page = urlsplit(url)
    return home.netloc == page.netloc and home.path in ("", "/", "/index.html") and not home.query


def _is_logo(node: LexborNode) -> bool:
    names = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}".lower()
    return "logo" in names or "site-title" in names or "brand" in names


def canonical_url(head: Head, url: str | None) -> str | None:
    """Absolute rel=canonical, else og:url, else the canonical resolved against the page, else url."""
    if head.canonical and urlsplit(html.unescape(head.canonical)).scheme in ("http", "https"):
        return html.unescape(head.canonical)
    og = absolute(head.first("og:url"), head.base)
    if og:
        return og
    if head.canonical:
        resolved = absolute(head.canonical, head.base)
        if resolved:
            return resolved
    return url


def site_name(head: Head) -> str | None:
    name = head.first("og:site_name", "application-name", "al:ios:app_name")
    if name:
        return name
    publisher = (head.article_ld or {}).get("publisher")
    name = _ld_text(publisher)
    if name:
        return name
    for item in head.json_ld:
        if ld_types(item) & {"organization", "newsmediaorganization", "website"}:
            name = _ld_text(item.get("name"))
            if name:
                return name
    return None


def _split_keywords(value: Any) -> list[str]:
    if isinstance(value, list):
        return [collapse(str(v)) for v in value if v]
    if isinstance(value, str):
        return [collapse(part) for part in value.split(",")]
    return []


def section(head: Head) -> str | None:
    value = head.first("article:section")
    if value:
        return value
    ld_section = (head.article_ld or {}).get("articleSection")
    return _ld_text(ld_section)


def tags(head: Head) -> list[str]:
    """article:section + article:tag; else keywords meta; else JSON-LD keywords. Deduped, order kept."""
    found = head.all("article:section")[:1] + [t for value in head.all("article:tag") for t in _split_keywords(value)]
    if not found:
        for key in ("keywords", "news_keywords"):
            for value in head.all(key):
                found.extend(_split_keywords(value))
            if found:
                break
    if not found and head.article_ld:
        found = _split_keywords(head.article_ld.get("keywords"))
    seen: dict[str, str] = {}
    for tag in found:
        tag = tag.strip()
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())


# (compiled once, and the match spliced by hand: re.sub with a template costs a call to
# re's Python-level template expansion for each of a page's dates)
_COMPACT_OFFSET_RE = re.compile(r"([+-]\d\d)(\d\d)$")


def iso_datetime(value: str | None) -> str | None:
    """ISO 8601 from the date forms pages use (ISO variants, RFC 822); None when unreadable."""
    if not value:
        return None
    value = value.strip()
    candidate = value.replace("Z", "+00:00") if value.endswith("Z") else value
    offset = _COMPACT_OFFSET_RE.search(candidate)  # +0100 -> +01:00
    if offset:
        candidate = f"{candidate[: offset.start()]}{offset[1]}:{offset[2]}"
    try:
        return datetime.fromisoformat(candidate).isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    match = re.match(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?)?", value)
    if match:
        try:
            return datetime.fromisoformat(match.group(0).replace(" ", "T")).isoformat()
        except ValueError:
            return None
    return None


def published_at(doc: Document, head: Head) -> str | None:
    candidates = [
        head.first("article:published_time", "og:published_time"),
        _ld_text((head.article_ld or {}).get("datePublished")),
        head.first("datepublished", "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "date", "dc.date.issued", "dc.date"),
    ]
    for value in candidates:
        iso = iso_datetime(value)
        if iso:
            return iso
    for node in page_elements(doc.tree).tagged("time"):  # time[datetime], by tag lookup
        iso = iso_datetime(node.attributes.get("datetime"))
        if iso:
            return iso
    return None


# A share button's label that a plugin put in front of the post's text ("Share this on WhatsAppNesta página …").
_SHARE_LABEL_RE = re.compile(
    r"^(?:(?:Share|Compartilhe|Comparte|Partager|Teilen|Condividi)(?: this| isso| esto)?(?: on| via| no| en| sur| auf| su)? "
    r"(?:WhatsApp|Facebook|Twitter|X|LinkedIn|Pinterest|Telegram|Reddit|Email|E-mail)\s*)+"
)


def description(head: Head) -> str | None:
    text = head.first("og:description", "twitter:description", "description") or _ld_text(
        (head.article_ld or {}).get("description")
    )
    if text and text[:1] in "SCPT":
        text = _SHARE_LABEL_RE.sub("", text) or None
    return text
