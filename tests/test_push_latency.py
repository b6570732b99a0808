"""benchmarks/push_latency.py as a test: 20 signed webhooks and 20 WebSub pushes, each a new article on a
local site, each posted once on the sandbox. With every loop's interval at a minute, each arriving
within seconds shows the wake-ups work (the timing itself is the benchmark's to report)."""

from __future__ import annotations

import pytest

from benchmarks.push_latency import ENV, measure
from distributor import scheduler


def test_every_pushed_article_is_posted_within_seconds_not_ticks(monkeypatch, database_url):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(scheduler, "POLL_TICK_SECONDS", 60)
    results = measure(20, database_url if database_url.startswith("postgresql") else None, timeout=30,
                      quiet_ticks=True)
    assert len(results["webhook"]) == 20 and len(results["websub"]) == 20
    assert max(results["webhook"] + results["websub"]) < 15  # a tick would be 60 s
    assert min(results["polling"]) > max(results["webhook"])  # polling at 60 s is slower than every push
