"""The queries every cycle runs use an index, on SQLite and PostgreSQL.

The statements are the ones the code itself sends (captured while calling the
real functions), explained with their own parameters after ANALYZE, on a
newsroom-shaped database (tests/helpers/cycle_rows.py) small enough for CI but
large enough that PostgreSQL prefers an index to a sequential scan.
benchmarks/cycle_queries.py times the same functions at 200,000 rows.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from distributor import dispatch, engagement, pipeline
from distributor.config import AccountSettings, FeedSettings, Settings
from distributor.fetch import Fetcher
from distributor.models import Article
from distributor.platforms import build_adapter
from tests.helpers.cycle_rows import ACCOUNTS, FEEDS, NOW, analyze, captured_sql, query_plan, seed

ROWS = 4000
FULL_SCANS = ("SCAN post", "SCAN article", "SCAN feedentry",  # SQLite (a SEARCH is an index lookup)
              "Seq Scan on post", "Seq Scan on article", "Seq Scan on feedentry")


@pytest.fixture
def newsroom(engine):
    seed(engine, ROWS)
    analyze(engine)
    settings = Settings(accounts=[AccountSettings(name=name, platform="dryrun", min_gap_minutes=1) for name, _ in ACCOUNTS],
                        feeds=[FeedSettings(url=url) for url in FEEDS])
    adapters = {a.name: build_adapter(a, Fetcher(settings.fetch)) for a in settings.accounts}
    return engine, settings, adapters


def plans_of(engine, statements, *fragments):
    """The plans of the captured statements that contain every fragment."""
    chosen = [(sql, params) for sql, params in statements if all(f in " ".join(sql.split()) for f in fragments)]
    assert chosen, f"no statement with {fragments}"
    return [query_plan(engine, sql, params) for sql, params in chosen]


def assert_indexed(plan: str, index: str | tuple[str, ...]) -> None:
    indexes = (index,) if isinstance(index, str) else index
    assert any(name in plan for name in indexes), plan
    assert not any(scan in line and "USING" not in line for line in plan.splitlines() for scan in FULL_SCANS), plan


def test_feed_entries_by_article_use_their_index(newsroom):
    engine, settings, _ = newsroom
    with Session(engine) as session, captured_sql(engine) as statements:
        pipeline.accounts_for(settings, session.get(Article, ROWS // 2), session)
    for plan in plans_of(engine, statements, "JOIN feedentry", "feedentry.article_id ="):
        assert_indexed(plan, "ix_feedentry_article_id")


def test_due_collections_use_their_index(newsroom):
    engine, _, _ = newsroom
    with Session(engine) as session, captured_sql(engine) as statements:
        engagement._due_posts(session, NOW, False)
    for plan in plans_of(engine, statements, "post.next_collect_at <="):
        assert_indexed(plan, "ix_post_next_collect_at")


def test_pending_articles_use_their_index(newsroom):
    engine, settings, _ = newsroom
    with captured_sql(engine) as statements:
        report = pipeline.extract_pending(pipeline.Runtime(settings, engine), now=NOW)
    assert report.done == report.failed == 0  # the pending ones are being read elsewhere: nothing fetched
    for plan in plans_of(engine, statements, "FROM article", "article.state ="):
        assert_indexed(plan, "ix_article_state")


def test_the_dispatch_claim_and_the_accounts_recent_posts_use_indexes(newsroom):
    engine, settings, adapters = newsroom
    with captured_sql(engine) as statements:
        claim = dispatch.claim_one(engine, settings, adapters, worker_id="w1", now=NOW)
    assert claim is not None
    for plan in plans_of(engine, statements, "FROM post JOIN account", "post.scheduled_at <="):
        assert_indexed(plan, "ix_post_due")
    # the ids reconciliation must not "find": the account's posts of the last day
    for plan in plans_of(engine, statements, "post.account =", "post.sent_at >="):
        assert_indexed(plan, ("ix_post_account_sent", "ix_post_sent_at"))
    # the account's other posts of the same story
    for plan in plans_of(engine, statements, "post.account =", "post.link ="):
        assert_indexed(plan, "ix_post_link")
    # pacing: nothing else of the account in flight or sent within the gap (a range on sent_at,
    # not a walk through every post of the account)
    for plan in plans_of(engine, statements, ".account =", ".sent_at > "):
        assert_indexed(plan, ("ix_post_account_sent", "ix_post_sent_at"))
        if engine.dialect.name == "sqlite":
            assert "ix_post_account_sent (account=? AND sent_at>?)" in plan, plan
