"""Is the service doing its job? Job heartbeats, readiness, and Prometheus metrics.

The scheduler records when each job last finished (`JobClock`); `/readyz`
answers 200 only when the database answers, every job ran within a few of its
intervals and no feed is long overdue, so an orchestrator restarts a process
whose scheduler died while its web server kept answering. `/metrics` reads the
queue from the database at scrape time (every process sees the same numbers)
and adds this process's job heartbeats.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from distributor.models import Account, Article, Feed, Post, PostState, RateLimit

LATE_AFTER_INTERVALS = 3  # a job is late when it has not finished for this many intervals
MIN_LATE_SECONDS = 60.0  # ... and at least this long (a slow cycle is not an outage)
FEED_OVERDUE = timedelta(minutes=10)  # a feed due this long ago was not polled: discovery is stuck


@dataclass
class JobClock:
    """When each scheduler job of this process last finished, and how often it should run."""

    intervals: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    heartbeat_file: str | None = None  # touched after every good run: a health check for --no-web workers
    _finished: dict[str, float] = field(default_factory=dict)
    _failures: dict[str, int] = field(default_factory=dict)
    _streak: dict[str, int] = field(default_factory=dict)  # failed runs since the last good one
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expect(self, job: str, every_seconds: float) -> None:
        self.intervals[job] = every_seconds

    def finished(self, job: str, ok: bool) -> None:
        """A run ended. Only a good run counts as the job running: one that fails every time is late too."""
        with self._lock:
            if ok:
                self._finished[job] = time.monotonic()
                self._streak[job] = 0
            else:
                self._failures[job] = self._failures.get(job, 0) + 1
                self._streak[job] = self._streak.get(job, 0) + 1
        if ok and self.heartbeat_file:
            try:
                Path(self.heartbeat_file).touch()
            except OSError:
                pass  # a read-only disk must not stop the job; the health check will say so

    def late_jobs(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        late = []
        with self._lock:
            for job, every in self.intervals.items():
                allowed = max(MIN_LATE_SECONDS, LATE_AFTER_INTERVALS * every)
                if now - self._finished.get(job, self.started) > allowed:
                    late.append(job)
        return late

    def ages(self, now: float | None = None) -> dict[str, float]:
        now = time.monotonic() if now is None else now
        with self._lock:
            return {job: now - self._finished.get(job, self.started) for job in self.intervals}

    def failures(self) -> dict[str, int]:
        with self._lock:
            return dict(self._failures)

    def failing_streak(self, job: str) -> int:
        with self._lock:
            return self._streak.get(job, 0)


def readiness(engine: Engine, clock: JobClock | None, now: datetime | None = None) -> tuple[bool, dict]:
    """(ready, details): the database answers, the jobs run, the feeds are polled."""
    now = now or datetime.now(UTC)
    problems: list[str] = []
    try:
        with Session(engine) as session:
            session.exec(text("SELECT 1"))
            # by id, not URL: /readyz answers anyone, and a feed's URL may carry its CMS key
            overdue = list(session.exec(select(Feed.id).where(col(Feed.next_poll_at) < now - FEED_OVERDUE)
                                        .order_by(col(Feed.id))))
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        return False, {"ready": False, "problems": [f"database: {exc.__class__.__name__}"]}
    if clock is not None:
        for job in clock.late_jobs():
            streak = clock.failing_streak(job)
            problems.append(f"job {job} has not run for {clock.ages()[job]:.0f} s"
                            + (f" (its last {streak} runs failed)" if streak else ""))
    problems += [f"feed {feed_id} is overdue" for feed_id in overdue[:20]]
    return not problems, {"ready": not problems, "problems": problems}


def metrics_text(engine: Engine, clock: JobClock | None, now: datetime | None = None) -> tuple[bytes, str]:
    """The Prometheus exposition of the queue, the accounts, the feeds and this process's jobs."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    now = now or datetime.now(UTC)

    class _Snapshot:
        def collect(self):
            with Session(engine) as session:
                yield from _database_families(session, now, GaugeMetricFamily)
            if clock is not None:
                ages = GaugeMetricFamily("distributor_job_seconds_since_run",
                                         "Seconds since this process's scheduler job last ran without failing", labels=["job"])
                for job, age in clock.ages().items():
                    ages.add_metric([job], age)
                yield ages
                failures = GaugeMetricFamily("distributor_job_failures", "Failed runs of a job in this process",
                                             labels=["job"])
                for job in clock.intervals:
                    failures.add_metric([job], clock.failures().get(job, 0))
                yield failures

    registry = CollectorRegistry()
    registry.register(_Snapshot())
    from prometheus_client import CONTENT_TYPE_LATEST

    return generate_latest(registry), CONTENT_TYPE_LATEST


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _database_families(session: Session, now: datetime, Gauge):
    posts = Gauge("distributor_posts", "Posts by state and platform", labels=["state", "platform"])
    for state, platform, count in session.exec(
        select(Post.state, Post.platform, func.count()).group_by(Post.state, Post.platform)
    ):
        posts.add_metric([PostState(state).value, platform], count)
    yield posts

    oldest = session.exec(select(func.min(Post.scheduled_at)).where(
        Post.state == PostState.queued, col(Post.scheduled_at) <= now)).one()
    age = Gauge("distributor_queue_oldest_due_seconds", "How long the oldest due queued post has waited")
    age.add_metric([], (now - _aware(oldest)).total_seconds() if oldest else 0.0)
    yield age

    waiting = session.exec(select(func.min(Post.created_at)).where(Post.state == PostState.awaiting_approval)).one()
    approval = Gauge("distributor_approval_oldest_seconds", "How long the oldest post awaiting approval has waited")
    approval.add_metric([], (now - _aware(waiting)).total_seconds() if waiting else 0.0)
    yield approval

    paused = Gauge("distributor_accounts_paused", "Accounts paused (refused credentials or by an editor)")
    paused.add_metric([], session.exec(select(func.count()).select_from(Account)
                                       .where(col(Account.paused_reason).is_not(None))).one())
    yield paused

    limited = Gauge("distributor_rate_limits_active", "Rate limits in force, by account", labels=["account"])
    for account, count in session.exec(select(RateLimit.account, func.count())
                                       .where(col(RateLimit.reset_at) > now).group_by(RateLimit.account)):
        limited.add_metric([account], count)
    yield limited

    feeds = Gauge("distributor_feeds_failing", "Feeds whose last poll failed")
    feeds.add_metric([], session.exec(select(func.count()).select_from(Feed)
                                      .where(col(Feed.last_error).is_not(None))).one())
    yield feeds

    hour_ago = now - timedelta(hours=1)
    latencies = sorted(
        (_aware(sent) - _aware(found)).total_seconds()
        for sent, found in session.exec(
            select(Post.sent_at, Article.discovered_at).join(Article, col(Article.id) == col(Post.article_id))
            .where(col(Post.sent_at) >= hour_ago, col(Post.sent_at).is_not(None)).limit(10_000))
    )
    waits = sorted(
        max(0.0, (_aware(sent) - max(_aware(due), _aware(created))).total_seconds())
        for sent, due, created in session.exec(
            select(Post.sent_at, Post.scheduled_at, Post.created_at)
            .where(col(Post.sent_at) >= hour_ago, col(Post.sent_at).is_not(None)).limit(10_000))
    )
    publish = Gauge("distributor_publish_latency_seconds",
                    "From a post being due to it being out on the platform, posts sent in the last hour",
                    labels=["quantile"])
    for q in (0.5, 0.95):
        publish.add_metric([str(q)], _quantile(waits, q))
    yield publish

    detection = Gauge("distributor_detection_to_post_seconds",
                      "From discovering an article to its post going out, posts sent in the last hour",
                      labels=["quantile"])
    for q in (0.5, 0.95):
        detection.add_metric([str(q)], _quantile(latencies, q))
    yield detection


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
