"""One cycle's database queries at scale, before and after migration 0004's indexes.

    .venv/bin/python benchmarks/cycle_queries.py [--rows 200000] [--runs 15] [--only sqlite|postgresql]

Builds a newsroom database of ROWS articles (one feed entry each) and ROWS
posts over a year (tests/helpers/cycle_rows.py: a few pending articles, a few
posts due to be sent, a few due to be measured), then times the real
functions a cycle runs, median of RUNS:

- discover: ``pipeline.record_items`` for a feed of 50 items, one of them new;
- extract: ``pipeline.extract_pending`` (the pending query; none is due, so no
  page is fetched) and ``pipeline.accounts_for`` (which feeds listed an
  article: run for every article read);
- dispatch claim: ``dispatch.claim_one`` on a paced account (due query,
  pacing, the claim, the ids reconciliation must not "find", the account's
  other posts of the story); the post is put back afterwards, untimed;
- collect due: the due-collection query of ``engagement.collect_due``.

First without 0004's indexes (dropped after migrating), then with them created
and ANALYZEd, in the same run on the same data; the ratio is before / after.
SQLite always (a file in /tmp), PostgreSQL when DISTRIBUTOR_TEST_POSTGRES_URL
(or DISTRIBUTOR_BENCH_POSTGRES_URL) is set, in a throwaway schema.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Index, text, update  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from distributor import dispatch, engagement, pipeline  # noqa: E402
from distributor.config import AccountSettings, FeedSettings, Settings  # noqa: E402
from distributor.db import make_engine, upgrade  # noqa: E402
from distributor.fetch import Fetcher  # noqa: E402
from distributor.models import Article, Post, PostState  # noqa: E402
from distributor.platforms import build_adapter  # noqa: E402
from distributor.sources.items import FeedItem  # noqa: E402
from tests.helpers.cycle_rows import ACCOUNTS, FEEDS, NOW, analyze, seed  # noqa: E402

NEW_INDEXES = ("ix_feedentry_article_id", "ix_post_account_sent", "ix_post_link")  # migration 0004
STAGES = ("discover", "extract", "dispatch claim", "collect due")


def _indexes() -> list[Index]:
    found = {index.name: index for table in SQLModel.metadata.tables.values() for index in table.indexes}
    return [found[name] for name in NEW_INDEXES]


class Cycle:
    """The real per-cycle functions against one database."""

    def __init__(self, engine, rows: int):
        self.engine, self.rows = engine, rows
        self.settings = Settings(
            accounts=[AccountSettings(name=name, platform="dryrun", min_gap_minutes=1) for name, _ in ACCOUNTS],
            feeds=[FeedSettings(url=url) for url in FEEDS],
        )
        self.adapters = {a.name: build_adapter(a, Fetcher(self.settings.fetch)) for a in self.settings.accounts}
        self.runtime = pipeline.Runtime(self.settings, engine)
        self.new_items = 0

    def discover(self) -> None:
        self.new_items += 1
        seen = [f"https://news.example/story/{i}" for i in range(self.rows - 196, self.rows + 1, 4)]  # feed 1's newest
        # the new one is too old to post: recorded, never fetched (nothing leaves the machine)
        links = seen[-49:] + [f"https://news.example/new/{self.new_items}"]
        items = [FeedItem(key=link, link=link, guid=None, title="Story", published_at=NOW - timedelta(days=100),
                          image_url=None, summary=None)
                 for link in links]
        pipeline.record_items(self.runtime, 1, self.settings.feeds[0], items, first_poll=False, now=NOW)

    def extract(self) -> None:
        pipeline.extract_pending(self.runtime, now=NOW)
        with Session(self.engine) as session:
            pipeline.accounts_for(self.settings, session.get(Article, self.rows // 2), session)

    def dispatch_claim(self) -> int | None:
        claim = dispatch.claim_one(self.engine, self.settings, self.adapters, worker_id="bench", now=NOW)
        return claim.id if claim else None

    def release(self, post_id: int | None) -> None:
        if post_id is None:
            return
        with self.engine.begin() as connection:
            connection.execute(update(Post).where(Post.id == post_id).values(
                state=PostState.queued, lease_owner=None, lease_until=None))

    def collect_due(self) -> None:
        with Session(self.engine) as session:
            engagement._due_posts(session, NOW, False)


def _median_ms(runs: int, step, after=None) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
        if after is not None:
            after(result)
    return statistics.median(times) * 1000


def _time_cycle(cycle: Cycle, runs: int) -> dict[str, float]:
    return {
        "discover": _median_ms(runs, cycle.discover),
        "extract": _median_ms(runs, cycle.extract),
        "dispatch claim": _median_ms(runs, cycle.dispatch_claim, cycle.release),
        "collect due": _median_ms(runs, cycle.collect_due),
    }


def run(name: str, url: str, rows: int, runs: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    for index in _indexes():
        index.drop(engine)
    started = time.perf_counter()
    seed(engine, rows)
    analyze(engine)
    print(f"{name}: {rows:,} articles and {rows:,} posts built in {time.perf_counter() - started:.0f} s")
    cycle = Cycle(engine, rows)
    before = _time_cycle(cycle, runs)
    for index in _indexes():
        index.create(engine)
    analyze(engine)
    after = _time_cycle(cycle, runs)
    print(f"  {'query (median of ' + str(runs) + ')':28} {'before':>10} {'after':>10} {'ratio':>7}")
    for stage in STAGES:
        print(f"  {stage:28} {before[stage]:8.2f} ms {after[stage]:8.2f} ms {before[stage] / after[stage]:6.1f}x")
    total_before, total_after = sum(before.values()), sum(after.values())
    print(f"  {'one cycle':28} {total_before:8.2f} ms {total_after:8.2f} ms {total_before / total_after:6.1f}x")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{folder}/cycle.db", args.rows, args.runs)
    pg = os.environ.get("DISTRIBUTOR_BENCH_POSTGRES_URL") or os.environ.get("DISTRIBUTOR_TEST_POSTGRES_URL")
    if args.only != "sqlite" and pg:
        schema = "bench_" + uuid.uuid4().hex[:10]
        admin = make_engine(pg)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            separator = "&" if "?" in pg else "?"
            run("PostgreSQL", f"{pg}{separator}options=-csearch_path%3D{schema}", args.rows, args.runs)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    elif args.only == "postgresql":
        print("PostgreSQL: set DISTRIBUTOR_TEST_POSTGRES_URL", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
