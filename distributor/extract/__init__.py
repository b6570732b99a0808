"""Article extraction: page bytes -> headline, canonical URL, lead image, tags, quotes.

`extract_page` is the one entry point; the modules under it each do one job:
document (decode + parse), metadata (head fields), images (lead image), body
(article paragraphs) and quotes (pull-quote candidates from those paragraphs).
"""

from __future__ import annotations

from distributor.extract import images, metadata
from distributor.extract.body import Body, article_body, body_paragraphs, with_declared_body
from distributor.extract.document import Document, decode, parse, tree_changed
from distributor.extract.model import Extracted, Image, Quote

from distributor.extract import embeds, language
from distributor.extract.visible import visible
from distributor.extract import quotes as _quotes
from distributor.extract.nogc import no_cyclic_gc

__all__ = [
    "Body", "Document", "Extracted", "Image", "Quote",
    "article_body", "body_paragraphs", "decode", "extract_document", "extract_page", "parse",
]


def extract_page(
    content: bytes | str,
    *,
    url: str | None = None,
    content_type: str | None = None,
    source: str | None = None,
) -> Extracted:
    """Everything a post needs from one article page. Raises ExtractError on unusable input."""
    with no_cyclic_gc():  # (it would find nothing to collect: see nogc)
        doc = parse(content, url=url, content_type=content_type)
        return extract_document(doc, source=source or url or "")


def extract_document(doc: Document, *, source: str = "") -> Extracted:
    """extract_page on an already parsed page (the tree is modified: parse once per call)."""
    try:
        return _extract(doc, source)
    finally:
        # The element lists the tree keeps hold its nodes, which hold the tree: dropped
        # here, so the page is freed by reference counting, not by the cyclic collector.
        tree_changed(doc.tree)


def _extract(doc: Document, source: str) -> Extracted:
    head = metadata.read_head(doc)
    site = metadata.site_name(head)
    result = Extracted(
        source=source,
        title=visible(metadata.headline(doc, head, site)),
        canonical_url=metadata.canonical_url(head, doc.url),
        section=metadata.section(head),
        tags=[t for t in map(visible, metadata.tags(head)) if t],  # (a tag of invisible characters only is none)
        published_at=metadata.published_at(doc, head),
        description=visible(metadata.description(head)) or None,  # (invisible characters only: none)
        site_name=visible(site) or None,
    )
    posts = embeds.embedded_posts(doc.tree)  # before the body step takes the tree apart
    body = with_declared_body(article_body(doc.tree), (head.article_ld or {}).get("articleBody"))
    result.image = images.lead_image(doc.tree, head, body.containers, result.title)
    if result.image is not None:
        result.image.alt = visible(result.image.alt) or None
    body.paragraphs = [visible(p) for p in body.paragraphs]  # "Hol&shy;loway" is Holloway
    if body.paragraphs:
        lang = language.page_language(language.declared_languages(doc, head), "\n".join(body.paragraphs[:20]))
        found = _quotes.find_quotes(
            body.paragraphs,
            body.pullquote_hints,
            context=[result.description or "", *result.tags],
            language=lang,
            embedded=[(p.text, p.author) for p in posts],
        )
        result.quotes = list(found)
        result.pull_quote = _quotes.pick_pull_quote(result.quotes)
        result.quotes = _quotes.with_fragments_unsure(result.quotes)
    return result
