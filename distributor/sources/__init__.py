"""Where articles come from: RSS/Atom feeds and (Google News) sitemaps. Pure functions, no database.

Each source turns a document into ``FeedItem``s; the pipeline stores them and
decides what is new by ``FeedItem.key``.
"""

from distributor.sources.items import FeedItem, item_key, normalise_url
from distributor.sources.rss import FeedPoll, parse_feed, poll_feed
from distributor.sources.sitemap import parse_sitemap

__all__ = ["FeedItem", "FeedPoll", "item_key", "normalise_url", "parse_feed", "parse_sitemap", "poll_feed"]
