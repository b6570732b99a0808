"""Where articles come from: feeds now, sitemaps later. Pure functions, no database.

Each source turns a document into ``FeedItem``s; the pipeline stores them and
decides what is new by ``FeedItem.key``.
"""

from distributor.sources.items import FeedItem, item_key, normalise_url
from distributor.sources.rss import FeedPoll, parse_feed, poll_feed

__all__ = ["FeedItem", "FeedPoll", "item_key", "normalise_url", "parse_feed", "poll_feed"]
