"""A newsroom database of any size, for the per-cycle query plans and timings.

``seed(engine, n)`` fills an empty, migrated database with ``n`` articles (one
feed entry each) and ``n`` posts over a year, shaped like a busy newsroom: almost
everything is old and done, a few articles are pending, a few posts are due
to be sent and a few are due to be measured. Used by tests/test_indexes.py
(EXPLAIN) and benchmarks/cycle_queries.py (timings); written once here so
both look at the same data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from distributor.models import Account, Article, ArticleState, Feed, FeedEntry, Post, PostState

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ACCOUNTS = [("x-main", "twitter"), ("x-sport", "twitter"), ("fb-main", "facebook"), ("fb-local", "facebook")]
FEEDS = [f"https://news.example/feed/{i}.xml" for i in range(4)]
PENDING_EVERY = 2000  # one article in 2000 is still pending
QUEUED_EVERY = 1000  # one post in 1000 is queued and due, one in 1000 queued for later
CHUNK = 5000


def seed(engine: Engine, n: int) -> None:
    """Insert ``n`` articles with their feed entries and ``n`` posts (deterministic)."""
    with engine.begin() as connection:
        connection.execute(insert(Feed.__table__), [{"id": i + 1, "url": url, "initialized": True, "next_poll_at": NOW}
                                                     for i, url in enumerate(FEEDS)])
        connection.execute(insert(Account.__table__), [{"name": name, "platform": platform}
                                                        for name, platform in ACCOUNTS])
        for start in range(0, n, CHUNK):
            ids = range(start + 1, min(n, start + CHUNK) + 1)
            connection.execute(insert(Article.__table__), [_article(i) for i in ids])
            connection.execute(insert(FeedEntry.__table__), [_entry(i) for i in ids])
            connection.execute(insert(Post.__table__), [_post(i, n) for i in ids])
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("feed", "article", "feedentry", "post"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _article(i: int) -> dict:
    pending = i % PENDING_EVERY == 0
    return {
        "id": i, "url": f"https://news.example/story/{i}", "canonical_url": None if pending else f"https://news.example/s/{i}",
        "feed_id": i % len(FEEDS) + 1, "state": ArticleState.pending if pending else ArticleState.extracted,
        "title": f"Story {i}", "discovered_at": NOW - timedelta(minutes=i % 525_600), "attempts": 0, "data": {},
        # pending ones are being read by another worker: nothing here ever fetches a page
        "next_attempt_at": NOW + timedelta(minutes=1) if pending else None,
    }


def _entry(i: int) -> dict:
    return {"id": i, "feed_id": i % len(FEEDS) + 1, "key": f"https://news.example/story/{i}", "article_id": i,
            "seen_at": NOW - timedelta(minutes=i % 525_600)}


def _post(i: int, n: int) -> dict:
    account, platform = ACCOUNTS[i % len(ACCOUNTS)]
    age = timedelta(minutes=(n - i) * 525_600 // n + 1)  # the newest posts were sent a minute ago
    row = {
        "id": i, "account": account, "platform": platform, "article_id": i, "template": f"{platform}.j2",
        "auto_key": f"auto:{i}:{account}", "text": f"Story {i} https://news.example/s/{i}",
        "link": f"https://news.example/s/{i}", "priority": 0, "attempts": 1,
        "created_at": NOW - age, "updated_at": NOW - age, "scheduled_at": NOW - age,
        "state": PostState.sent, "sent_at": NOW - age, "external_id": f"{platform}-{i}", "next_collect_at": None,
    }
    if i % QUEUED_EVERY == 0:
        row.update(state=PostState.queued, sent_at=None, external_id=None, attempts=0, scheduled_at=NOW - timedelta(minutes=5))
    elif i % QUEUED_EVERY == 1:
        row.update(state=PostState.queued, sent_at=None, external_id=None, attempts=0, scheduled_at=NOW + timedelta(days=2))
    elif age < timedelta(days=7):
        # still on its engagement schedule: due every few minutes, roughly
        row["next_collect_at"] = NOW + timedelta(minutes=(i % 120) - 10)
    return row


@contextmanager
def captured_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (and its parameters) the code sends to ``engine`` inside the block."""
    statements: list[tuple[str, Any]] = []

    def record(_connection, _cursor, statement, parameters, _context, executemany):
        if not executemany:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def query_plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The plan the database picks for a captured statement (EXPLAIN QUERY PLAN / EXPLAIN), as text."""
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
        connection.rollback()
    finally:
        connection.close()
    return "\n".join(str(row[-1]) for row in rows)


def analyze(engine: Engine) -> None:
    """Give the planner statistics, as autovacuum (PostgreSQL) or ``PRAGMA optimize`` would."""
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
