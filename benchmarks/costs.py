"""API calls and cost of 100 X posts over their first week: ours against the naive schedule, in one run.

    python benchmarks/costs.py [--posts 100] [--lost 0.05]

Both runs use the real dispatcher, the real tweepy adapter and the real
engagement collector against the sandbox (in this process, on 127.0.0.1),
each on a fresh SQLite database and a reset sandbox:

- publish: ``--posts`` link posts; ``--lost`` of them lose their answer after
  X recorded the post (the sandbox's ``drop_after`` fault), so the retry
  reconciles first;
- engagement over the first week: ours is X's schedule (1 h, 24 h, 7 d), the
  naive one six snapshots (10 min, 1 h, 6 h, 24 h, 3 d, 7 d);
- reconciliation: ours reads the posts between our neighbouring posts
  (``since_id`` / ``until_id`` / ``start_time``, 5 a page); the naive one
  ``get_users_tweets(max_results=100)``.

Prints calls and USD per 100 posts by purpose from our ledger, the sandbox's
own bill beside it, and the ratio naive / ours.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import timedelta

import requests
from sqlmodel import Session

from distributor import posts
from distributor.config import AccountSettings, EngagementSettings, Settings
from distributor.db import make_engine, upgrade
from distributor.delivery import costs
from distributor.dispatch import RetryPolicy, dispatch_due
from distributor.engagement import collect_due
from distributor.fetch import Fetcher
from distributor.models import utcnow
from distributor.platforms import build_adapter
from distributor.platforms.base import OutgoingPost, Published
from distributor.platforms.matching import best_match
from distributor.platforms.twitter import TwitterAdapter, x_errors
from distributor.sandbox import running_sandbox

SECRETS = {"DISTRIBUTOR_X_BENCH_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_BENCH_CONSUMER_SECRET": "cs",
           "DISTRIBUTOR_X_BENCH_ACCESS_TOKEN": "token-bench", "DISTRIBUTOR_X_BENCH_ACCESS_TOKEN_SECRET": "ts"}
NAIVE_SCHEDULE = [10, 60, 360, 1440, 4320, 10080]
WEEK = timedelta(days=7, minutes=5)


class NaiveReconcile(TwitterAdapter):
    """The baseline: the account's last 100 posts, whatever the first attempt's time."""

    def find_existing(self, post: OutgoingPost) -> Published | None:
        with x_errors("GET /2/users/{id}/tweets"):
            response = self.client.get_users_tweets(self._me(), max_results=100, user_auth=True,
                                                    tweet_fields=["created_at", "entities"])
        found = best_match(post, self.sent_text(post), [self._candidate(t.data) for t in response.data or []])
        return None if found is None else Published(found.external_id, self.view_url(found.external_id))


def run(base: str, count: int, lost: float, naive: bool) -> dict:
    requests.post(base + "/_sandbox/reset", timeout=5).raise_for_status()
    folder = tempfile.mkdtemp(prefix="distributor-bench-costs-")
    engine = make_engine(f"sqlite:///{folder}/bench.db")
    upgrade(engine)
    engagement = EngagementSettings(schedule_minutes=NAIVE_SCHEDULE) if naive else EngagementSettings()
    settings = Settings(accounts=[AccountSettings(name="x-bench", platform="twitter", api_base_url=base)],
                        engagement=engagement)
    account = settings.account("x-bench")
    adapter = build_adapter(account, Fetcher(settings.fetch), environ=SECRETS)
    if naive:
        adapter.__class__ = NaiveReconcile
    adapters = {"x-bench": adapter}
    lost_every = max(1, round(1 / lost)) if lost > 0 else 0
    start = utcnow()
    for n in range(count):
        with Session(engine) as session:
            posts.create_post(session, account, text=f"Story {n} of the week", link=f"https://news.example.com/{n}")
            session.commit()
        if lost_every and n % lost_every == lost_every // 2:
            requests.post(base + "/_sandbox/faults", json={"path": "POST /2/tweets", "kind": "drop_after"},
                          timeout=5).raise_for_status()
        dispatch_due(engine, settings, adapters, worker_id="bench", limit=1, policy=RetryPolicy(backoff_base_seconds=1))
    # the lost ones: retried (reconciled first) once their backoff is over
    for _ in range(5):
        dispatch_due(engine, settings, adapters, worker_id="bench", now=utcnow() + timedelta(minutes=5),
                     policy=RetryPolicy(backoff_base_seconds=1))
    steps = engagement.schedule_minutes if naive else [60, 1440, 10080]
    for minutes in steps:
        collect_due(engine, settings, adapters, now=start + timedelta(minutes=minutes, seconds=30) + timedelta(minutes=2))
    with Session(engine) as session:
        rows = costs.cost_rows(session, start - timedelta(days=1), utcnow() + WEEK + timedelta(days=1), "purpose")
    bill = requests.get(base + "/_sandbox/costs", timeout=5).json()
    scale = 100 / count
    return {"rows": {r.key: (r.calls * scale, r.cost_micros / 1e6 * scale) for r in rows},
            "calls": sum(r.calls for r in rows) * scale, "usd": sum(r.cost_micros for r in rows) / 1e6 * scale,
            "sandbox_usd": bill["total_usd"] * scale}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--lost", type=float, default=0.05)
    args = parser.parse_args()
    os.environ.update(SECRETS)
    with running_sandbox() as base:
        ours = run(base, args.posts, args.lost, naive=False)
        naive = run(base, args.posts, args.lost, naive=True)
    print(f"{args.posts} X link posts, {args.lost:.0%} lost responses, first week; figures per 100 posts")
    print(f"{'purpose':<12} {'ours calls':>10} {'ours USD':>9} {'naive calls':>11} {'naive USD':>10}")
    for purpose in costs.PURPOSES:
        o, n = ours["rows"].get(purpose, (0, 0.0)), naive["rows"].get(purpose, (0, 0.0))
        if o[0] or n[0]:
            print(f"{purpose:<12} {o[0]:>10.0f} {o[1]:>9.3f} {n[0]:>11.0f} {n[1]:>10.3f}")
    print(f"{'total':<12} {ours['calls']:>10.0f} {ours['usd']:>9.3f} {naive['calls']:>11.0f} {naive['usd']:>10.3f}")
    print(f"sandbox bill: ours {ours['sandbox_usd']:.3f} USD, naive {naive['sandbox_usd']:.3f} USD")
    reads_ours = ours["usd"] - ours["rows"].get("publish", (0, 0.0))[1]
    reads_naive = naive["usd"] - naive["rows"].get("publish", (0, 0.0))[1]
    print(f"ratio naive / ours: total cost {naive['usd'] / ours['usd']:.2f}x, "
          f"reads (engagement + reconciliation) {reads_naive / reads_ours:.2f}x, calls {naive['calls'] / ours['calls']:.2f}x")


if __name__ == "__main__":
    main()
