"""Article extraction: page bytes -> headline, canonical URL, lead image, tags, quotes."""

from distributor.extract.body import Body, article_body, body_paragraphs
from distributor.extract.document import Document, decode, parse

__all__ = ["Body", "Document", "article_body", "body_paragraphs", "decode", "parse"]
