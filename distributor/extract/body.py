"""The article's own paragraphs, without the page around them.

Why hand-written instead of trafilatura/readability: those return one text blob
(we need paragraphs in order plus the page's pull-quote boxes) and are several
times slower than we can afford on every article. The method is readability's,
kept linear: one pass over the <p> elements, each scored into its parent and
grandparent, the best-scored container wins, siblings that score close to it join.
Paragraphs under page chrome (comments, share bars, related links, newsletter
boxes, footers, hover cards ...) are never scored nor returned: reader comments
full of quote marks must never reach the quote finder.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from distributor.extract.document import page_elements, tree_changed

# Tags whose content is never article prose.
_CHROME_TAGS = frozenset({
    "nav", "footer", "aside", "form", "header", "figure", "figcaption", "button", "select",
    "noscript", "iframe", "svg", "dialog", "menu", "label", "textarea",
    "a",  # a paragraph inside a link is a teaser card for another story
})
# class/id words that mark chrome. Matched at the start of a -/_/space separated part,
# so "td-post-sharing" and "comments-area" match but "commentary" does not.
_CHROME_WORDS = (
    r"comment(?!ary)|disqus|respond|reply|replies|share|sharing|social|related|recommend|recirc|"
    r"newsletter|subscri|signup|sign-up|trending|popular|most-?read|most-?viewed|footer|"
    r"nav|breadcrumb|sidebar|side-?bar|menu|hover-?card|tooltip|popover|promo|advert|"
    r"outbrain|taboola|widget|more-?stories|also-?read|see-?also|next-?up|"
    r"author-?bio|bio-?box|byline|dateline|credit|caption|cookie|consent|paywall|"
    r"modal|masthead|toolbar|pagination|rail|jump-?link|skip-?link|tags|keywords|"
    r"embed|tweet|instagram|twitter|facebook|video-?player|playlist|inline-?gallery|"
    r"pull-?quote|pullquote|correction-?box|teaser|headline-?list|story-?list|card-?list"
)
_CHROME_RE = re.compile(rf"(?:^|[\s_-])(?:{_CHROME_WORDS})")
# Layout words that name a column or a box, not what is in it: page builders wrap the
# whole story in an "elementor-widget-container", some sites put the story column in
# "pg-side-of-rail" or a "paywall" box. Such an element is chrome only when it holds
# a small part of the page's prose.
_WEAK_CHROME_RE = re.compile(r"rail|side-?bar|widget|paywall")
# ... but a gallery widget full of captions is never the story.
_NOT_A_COLUMN_RE = re.compile(r"galler|slide|carousel|video|playlist")
# Unambiguous even inside a camelCase name ("EmailOptin", "articleComments").
_CHROME_ANYWHERE_RE = re.compile(r"newsletter|optin|opt-in|signup|subscribe|outbrain|taboola|disqus|comments?(?!ary)")
# Whole class tokens only: "ad" inside "non-ad-column" or "Page-ad-margins" is a wrapper.
_EXACT_CHROME = frozenset({
    "ad", "ads", "adslot", "ad-slot", "hidden", "hide", "print-only", "sr-only", "visually-hidden",
    "image", "img", "photo", "picture", "gallery", "slideshow",  # a photo box's text is its caption
})
_AD_PREFIXES = ("ad-", "ad_", "ads-", "ads_")
_CHROME_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "dialog", "menu", "search"})
# Layout modifiers name what sits *beside* the element: "content-with-sidebar", "layout-with-rail".
_MODIFIER_RE = re.compile(r"(?:with|has|no|one|two)[-_][a-z0-9]+")
# Hover cards: pop-ups hidden inside a paragraph (a person's latest headlines, say).
_HOVER_CARD_RE = re.compile(
    r"hover-?card|(?:rollover|hover|tooltip|popover|popup|flyout)(?:[-_][a-z0-9]+)*?[-_](?:block|card|box|content|panel|body|inner|wrap)"
)
# Fewer selectors, one tree walk each: "over" finds hover, rollover and popover, "pop"
# finds popup; _HOVER_CARD_RE then keeps only the real cards.
_HOVER_SELECTOR = ", ".join(f'[class*="{word}" i]' for word in ("over", "pop", "tooltip", "flyout"))
_PULLQUOTE_RE = re.compile(r"pull-?quote|pull_quote|quote-?pull|blockquote-?pull")
_STOP_TAGS = frozenset({"body", "html", "-document", "#document"})


def collapse(text: str | None) -> str:
    """Whitespace (including non-breaking spaces) collapsed to single spaces.

    str.split() splits on exactly the characters re's \\s matches, four times faster.
    Most paragraphs need nothing done: every whitespace character but the space is
    unprintable (Unicode's Zs, Zl, Zp and Cc categories), so printable text with no
    double, leading or trailing space is returned as it is, without splitting it.
    """
    if not text:
        return ""
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    return " ".join(text.split())


def node_text(node: LexborNode) -> str:
    """Visible text of an element with inline tags flattened (comments are skipped).

    (text_lexbor() is node.text(deep=True, separator=""): the DOM's textContent, every
    descendant text node joined, in one lexbor call instead of a walk that calls back
    into Python for each text node; it runs for every paragraph and link.)
    """
    return collapse(node.text_lexbor())


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    pullquote_hints: list[str] = field(default_factory=list)
    # The element(s) holding the paragraphs, for finding the article's own images.
    containers: list[LexborNode] = field(default_factory=list, repr=False)


def _marks_chrome(node: LexborNode) -> bool:
    tag = node.tag
    if tag in _CHROME_TAGS:
        return True
    attrs = node.attributes
    if not attrs:
        return False
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    role = attrs.get("role")
    if role and role.lower() in _CHROME_ROLES:
        return True
    if attrs.get("itemprop") == "articleBody":
        return False
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    return _names_mark_chrome(names) if names.strip() else False


@lru_cache(maxsize=4096)
def _names_mark_chrome(names: str) -> bool:
    """The class/id words verdict, remembered: a page repeats the same few dozen class names."""
    names = names.lower()
    if "articlebody" in names.replace("-", "").replace("_", ""):
        return False  # the body itself, even when its class also says e.g. "story-body social-ready"
    names = _MODIFIER_RE.sub(" ", names)
    if _CHROME_RE.search(names) or _CHROME_ANYWHERE_RE.search(names):
        return True
    return any(token in _EXACT_CHROME or token.startswith(_AD_PREFIXES) for token in names.split())


def _only_weak_chrome(node: LexborNode) -> bool:
    """Marked as chrome by layout words alone (rail, widget, paywall ...): see _WEAK_CHROME_RE."""
    if node.tag in _CHROME_TAGS:
        return False
    attrs = node.attributes
    if "hidden" in attrs or attrs.get("aria-hidden") == "true" or (attrs.get("role") or "").lower() in _CHROME_ROLES:
        return False
    names = _MODIFIER_RE.sub(" ", f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower())
    if _CHROME_ANYWHERE_RE.search(names) or _NOT_A_COLUMN_RE.search(names) or any(t in _EXACT_CHROME or t.startswith(_AD_PREFIXES) for t in names.split()):
        return False
    words = [m.group(0).lstrip(" _-") for m in _CHROME_RE.finditer(names)]
    return bool(words) and all(_WEAK_CHROME_RE.match(w) for w in words)


class _ChromeCache:
    """Is a node inside page chrome? Each ancestor is judged once per page, keeping this linear.

    Wrappers around the headline are never chrome, whatever their class says: sites
    name page wrappers "content-with-sidebar", "layout-with-rail" or wrap the whole
    page in a <form>.
    """

    def __init__(self, tree: LexborHTMLParser, prose_chars: int = 0) -> None:
        self._known: dict[int, bool] = {}
        self._prose_chars = prose_chars  # all paragraph text on the page, chrome or not
        for h1 in page_elements(tree).tagged("h1"):
            current = h1.parent
            while current is not None and current.tag not in _STOP_TAGS:
                if current.mem_id in self._known:
                    break  # another <h1> already marked the way up from here (keeps this linear)
                if current.tag not in ("header", "nav", "aside", "footer"):
                    self._known[current.mem_id] = False
                current = current.parent

    def _holds_the_story(self, node: LexborNode) -> bool:
        """A "widget"/"rail"/"paywall" box holding most of the page's prose is the story's column."""
        if self._prose_chars < 400 or not _only_weak_chrome(node):
            return False
        text = len(node.text_lexbor())
        if text < 0.5 * self._prose_chars:
            return False
        return _link_text_length(node) < 0.5 * text

    def inside_chrome(self, node: LexborNode) -> bool:
        path: list[int] = []
        current: LexborNode | None = node
        verdict = False
        while current is not None and current.tag not in _STOP_TAGS:
            key = current.mem_id
            if key in self._known:
                verdict = self._known[key]
                break
            path.append(key)
            if _marks_chrome(current) and not self._holds_the_story(current):
                verdict = True
                break
            current = current.parent
        for key in path:
            self._known[key] = verdict
        return verdict


_INLINE_TAGS = frozenset({
    "a", "em", "strong", "b", "i", "u", "span", "sup", "sub", "abbr", "cite", "q", "small",
    "mark", "time", "font", "code", "s", "del", "ins", "-text",
})


def _loose_text(div: LexborNode) -> list[str]:
    """Paragraphs written straight into a <div> and split by <br> (older CMSs do this)."""
    direct = div.text(deep=False)  # one C call: most divs hold only elements and whitespace
    if len(direct) < 80 or len(direct.split(None, 11)) < 12:  # fewer than 12 words (split stops at 12)
        return []
    paragraphs: list[str] = []
    parts: list[str] = []
    for child in div.iter(include_text=True):
        if child.tag in _INLINE_TAGS:
            parts.append(child.text_lexbor() if child.tag != "-text" else (child.text_content or ""))
            continue
        _end_paragraph(parts, paragraphs)  # <br> or a block element ends the paragraph
        parts = []
    _end_paragraph(parts, paragraphs)
    return paragraphs


def _end_paragraph(parts: list[str], paragraphs: list[str]) -> None:
    joined = "".join(parts)
    if len(joined) > 2 * MAX_PARAGRAPH_CHARS:
        return  # not prose, and not worth collapsing
    text = collapse(joined)
    if text:
        paragraphs.append(text)


def _links(node: LexborNode) -> list[LexborNode]:
    """The <a> elements inside `node`, in page order: node.css("a") without a selector
    parsed on every call (a paragraph has a handful of elements; this runs per paragraph)."""
    own = node.mem_id
    return [n for n in node.traverse(include_text=False) if n.tag == "a" and n.mem_id != own]


def _link_text_length(node: LexborNode, links: list[LexborNode] | None = None) -> int:
    """Characters of link text in `node` (its <a> elements, when the caller has them)."""
    links = node.css("a") if links is None else links
    if len(links) > _MAX_LINKS:
        return len(node.text_lexbor())  # a list of links, however it is marked up
    return sum(len(collapse(a.text_lexbor())) for a in links)


def _is_pullquote(node: LexborNode) -> bool:
    attrs = node.attributes
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return bool(_PULLQUOTE_RE.search(names))


def pullquote_hints(tree: LexborHTMLParser) -> list[str]:
    """Text of the page's own pull-quote boxes, in page order, without repeats."""
    seen: dict[str, None] = {}
    for node in tree.css('[class*="pull" i], [id*="pull" i]'):
        if _is_pullquote(node):
            parent = node.parent
            if parent is not None and _is_pullquote(parent):
                continue  # the outer box already gave this text
            text = node_text(node)
            if text:
                seen.setdefault(text)
    return list(seen)


# Paragraphs read, in page order: a story (even a long live blog) has far fewer, and a
# page of 100,000 (a dump, an attack) must not cost the body and quote finders seconds.
MAX_BLOCKS = 5000
# A "paragraph" longer than this is a dump (a log, data, an attack), not prose to quote from.
MAX_PARAGRAPH_CHARS = 20_000
_MAX_LINKS = 200  # more links than this in one block: a link list, not a sentence


def _blocks(tree: LexborHTMLParser):
    """(element, text) for each <p>, and for each paragraph of loose text in a <div>."""
    count = 0
    for node, tag in page_elements(tree).blocks:
        if tag == "p":
            yield node, node_text(node)
            count += 1
        elif len(node.text(deep=False)) >= 80:  # (_loose_text's first test, without a call per <div>)
            for text in _loose_text(node):
                yield node, text
                count += 1
        if count >= MAX_BLOCKS:
            return


def _linked_sentence(node: LexborNode, text: str) -> bool:
    """A sentence of prose whose names happen to be links ("<a>Jane Roe</a> has resigned from <a>the board</a>.").

    A teaser line is mostly one link with at most a label; prose keeps a few
    words of its own between the links and ends like a sentence.
    """
    if not text.rstrip().endswith((".", "!", "?", ".”", '."', "?”", "!”")):
        return False
    linked_words = sum(len(a.text(deep=True, separator=" ").split()) for a in _links(node))
    return len(text.split()) - linked_words >= 3


def _sole_text_child(parent: LexborNode, child: LexborNode) -> bool:
    """Whether `child` is the only element of `parent` with any text in it."""
    for node in parent.iter(include_text=False):
        if node.mem_id != child.mem_id and node.text(deep=True).strip():
            return False
    return not (parent.text(deep=False) or "").strip()


def remove_hover_cards(tree: LexborHTMLParser) -> None:
    """Drop pop-up cards nested in paragraphs, whose text would otherwise join the prose."""
    removed = False
    for node in tree.css(_HOVER_SELECTOR):
        if _HOVER_CARD_RE.search((node.attributes.get("class") or "").lower()):
            node.decompose()
            removed = True
    if removed:
        tree_changed(tree)


def article_body(tree: LexborHTMLParser) -> Body:
    """The article's paragraphs (chrome removed, order kept) and its pull-quote hints.

    Removes hover cards from the tree (their small pictures and links are never the
    lead image or metadata), so one parse serves every extractor.
    """
    remove_hover_cards(tree)
    blocks = list(_blocks(tree))
    chrome = _ChromeCache(tree, sum(len(text) for _, text in blocks))
    candidates: list[tuple[LexborNode, str]] = []
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    for p, text in blocks:
        if len(text) < 2 or len(text) > MAX_PARAGRAPH_CHARS or chrome.inside_chrome(p):
            continue
        links = _link_text_length(p, _links(p)) if p.tag == "p" else 0
        if links and links > 0.5 * len(text) and not _linked_sentence(p, text):
            continue  # a "read more" / related-story line, not prose
        candidates.append((p, text))
        # readability's weighting: length plus commas, capped, shared with the grandparent.
        weight = 1 + text.count(",") + min(len(text) // 100, 3)
        # Loose text belongs to its own <div>, as a <p> belongs to its parent.
        parent = p.parent if p.tag == "p" else p
        if parent is None:
            continue
        scores[parent.mem_id] = scores.get(parent.mem_id, 0.0) + weight
        nodes[parent.mem_id] = parent
        grand = parent.parent
        if grand is not None and grand.tag not in _STOP_TAGS:
            scores[grand.mem_id] = scores.get(grand.mem_id, 0.0) + weight / 2
            nodes[grand.mem_id] = grand
    hints = pullquote_hints(tree)
    if not scores:
        return Body(paragraphs=[text for _, text in candidates], pullquote_hints=hints)
    best_id = max(scores, key=scores.__getitem__)
    best = nodes[best_id]
    while best.tag == "blockquote" and best.parent is not None and best.parent.tag not in _STOP_TAGS:
        # A long quoted post or letter is inside the story, never the story itself.
        best = best.parent
        best_id = best.mem_id
        nodes[best_id] = best
        scores.setdefault(best_id, 0.0)
    chosen = {best_id}
    # Bodies split into several blocks (around ads, images) share the winner's parent,
    # or the parent of a wrapper holding nothing but the winner (section > column > div > p).
    parent = best.parent
    win_score = scores[best_id]
    while parent is not None and parent.tag not in _STOP_TAGS and _sole_text_child(parent, best):
        best, parent = parent, parent.parent
        best_id = best.mem_id
        chosen = {best_id}
        nodes[best_id] = best
    if parent is not None and parent.tag not in _STOP_TAGS:
        threshold = max(2.0, win_score * 0.2)
        # A story laid out one paragraph per box ("card"): boxes like the winner join
        # whatever their score, as in readability.
        kind = (best.tag, best.attributes.get("class") or "")
        for sibling in parent.iter(include_text=False):
            if sibling.mem_id == best_id:
                continue
            score = scores.get(sibling.mem_id, 0.0)
            if score >= threshold or (score > 0 and kind[1] and (sibling.tag, sibling.attributes.get("class") or "") == kind):
                chosen.add(sibling.mem_id)
    order: dict[int, None] = {}
    kept = _kept(candidates, chosen, order)
    total = sum(len(text) for _, text in candidates)
    if sum(map(len, kept)) < 0.5 * total and _join_repeated_blocks(best, chosen, nodes):
        order.clear()
        kept = _kept(candidates, chosen, order)
    # In page order (the lead photo is the first one of the story), then any without text.
    keys = list(order) + sorted(key for key in chosen if key not in order)
    containers = [nodes[key] for key in keys if key in nodes]
    return Body(paragraphs=kept, pullquote_hints=hints, containers=containers)


def _kept(candidates: list[tuple[LexborNode, str]], chosen: set[int], order: dict[int, None]) -> list[str]:
    """Texts under the chosen containers; `order` gets the containers in page order.

    Each element's verdict (the chosen container it is under, or none) is remembered,
    so the walks up the tree stay linear in the page however deep it nests.
    """
    kept: list[str] = []
    under: dict[int, int | None] = {}
    for p, text in candidates:
        current = p.parent if p.tag == "p" else p
        path: list[int] = []
        found: int | None = None
        while current is not None and current.tag != "html":  # <body> itself may hold the text
            key = current.mem_id
            if key in under:
                found = under[key]
                break
            if key in chosen:
                found = key
                break
            path.append(key)
            current = current.parent
        for key in path:
            under[key] = found
        if found is not None:
            kept.append(text)
            order.setdefault(found)
    return kept


def _join_repeated_blocks(best: LexborNode, chosen: set[int], nodes: dict[int, LexborNode]) -> bool:
    """A story cut into repeated blocks (one per step, or around each ad), a few levels up.

    Only used when the winner holds under half of the page's prose: the first of
    the winner's ancestors whose siblings repeat its tag and class brings them in.
    """
    current = best
    for _ in range(3):
        parent = current.parent
        if parent is None or parent.tag in _STOP_TAGS:
            return False
        kind = (current.tag, current.attributes.get("class") or "")
        if kind[1]:
            same = [n for n in parent.iter(include_text=False)
                    if n.mem_id != current.mem_id and (n.tag, n.attributes.get("class") or "") == kind]
            if same:
                for node in (current, *same):
                    chosen.add(node.mem_id)
                    nodes[node.mem_id] = node
                return True
        current = parent
    return False


_TAG_RE = re.compile(r"<[^>]*>")
_BLOCK_BREAK_RE = re.compile(r"\s*\n\s*\n\s*|\s*<(?:/p|br\s*/?|/div|/h\d|/li)>\s*", re.I)


def declared_paragraphs(article_body_text: str) -> list[str]:
    """Paragraphs of a JSON-LD articleBody (plain text, or HTML, escaped or not)."""
    text = html.unescape(article_body_text)
    if "<" in text:
        text = _BLOCK_BREAK_RE.sub("\n\n", text)
        text = _TAG_RE.sub("", text)
        text = html.unescape(text)
    parts = re.split(r"\n\s*\n" if "\n\n" in text.replace("\r", "") else r"\n", text.replace("\r", ""))
    return [p for p in (collapse(part) for part in parts) if p]


def with_declared_body(body: Body, declared: object) -> Body:
    """The page's JSON-LD articleBody when the markup held (almost) none of the story.

    Some pages render the story with scripts but declare it whole in JSON-LD.
    """
    if not isinstance(declared, str) or len(declared) < 500:
        return body
    shown = sum(len(p) for p in body.paragraphs)
    if shown >= 400 or len(declared) < 3 * max(shown, 1):
        return body
    paragraphs = declared_paragraphs(declared)
    if sum(len(p) for p in paragraphs) < 3 * max(shown, 1):
        return body
    return Body(paragraphs=paragraphs, pullquote_hints=body.pullquote_hints, containers=body.containers)


def body_paragraphs(tree: LexborHTMLParser) -> list[str]:
    """Just the paragraphs: see article_body."""
    return article_body(tree).paragraphs
