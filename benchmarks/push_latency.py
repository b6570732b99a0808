"""Published to posted: signed webhooks and WebSub pushes against feed polling.

    .venv/bin/python benchmarks/push_latency.py [--articles 20] [--database URL]

Everything runs on 127.0.0.1: a local news site, a local WebSub hub
(tests/helpers/websub_hub.py), the sandbox platforms, and `distributor run`
(scheduler + web process) in this process, with one Facebook account.

- webhook: the article's page goes up, then one signed generic webhook is sent;
  latency = from sending it to the post appearing on the sandbox.
- websub: the page goes up and the feed lists it, then the hub pushes the feed
  to our callback; latency = from the hub's push to the post on the sandbox.
- polling (poll_seconds = 60): computed from the schedule, not waited for (20
  articles would take 20 minutes): the articles are published evenly over one
  poll interval, so article i waits ``60 * (i + 0.5) / n`` seconds for the next
  poll, plus the scheduler's look for due feeds (every 5 s: on average 2.5 s),
  plus what happens once a poll sees the item, which is the same fetch,
  extraction, composition and dispatch the webhook measured: article i's own
  measured webhook latency is added.

Prints p50 / p95 per path and the polling/push ratio. Target: p95 < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from distributor import scheduler  # noqa: E402
from distributor.config import Settings  # noqa: E402
from distributor.db import make_engine, upgrade  # noqa: E402
from distributor.models import WebSubSubscription  # noqa: E402
from distributor.pipeline import Runtime  # noqa: E402
from distributor.sandbox.server import running_sandbox  # noqa: E402
from distributor.sources.webhooks import sign_generic  # noqa: E402
from tests.helpers.service import free_port, running_service  # noqa: E402
from tests.helpers.websub_hub import Hub, rss_with_hub  # noqa: E402
from tests.newsroom import Site, article_page  # noqa: E402

POLL_SECONDS = 60
SECRET = "benchmark-webhook-secret"
ENV = {"DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "pt", "DISTRIBUTOR_WEBHOOK_CMS_SECRET": SECRET,
       "DISTRIBUTOR_WEBSUB_SECRET": "benchmark-websub-secret"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _wait_for_post(sandbox: str, link: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posts = requests.get(f"{sandbox}/_sandbox/posts", timeout=5).json()
        if any(p.get("link") == link or link in p.get("text", "") for p in posts):
            return time.monotonic()
        time.sleep(0.01)
    raise TimeoutError(f"{link} was not posted within {timeout:g} s")


def measure(articles: int = 20, database_url: str | None = None, timeout: float = 30.0,
            quiet_ticks: bool = False) -> dict[str, list[float]]:
    """Latencies in seconds per path: {"webhook": [...], "websub": [...], "polling": [...]}.

    ``quiet_ticks``: dispatch's interval is a minute (the test also sets the extraction tick to a
    minute), so only wake-ups can post within seconds. The secrets of ``ENV`` must be in the environment.
    """
    with tempfile.TemporaryDirectory() as scratch, Site() as site, Hub() as hub, running_sandbox() as sandbox:
        url = database_url or f"sqlite:///{scratch}/push.db"
        engine = make_engine(url)
        upgrade(engine)
        port = free_port()
        feed_url = site.url("/feed")
        items: list[tuple[str, str]] = []
        site.pages["/feed"] = ("application/rss+xml", rss_with_hub(hub.url, feed_url, items))
        settings = Settings(
            database={"url": url},
            fetch={"allow_private_networks": True},
            web={"host": "127.0.0.1", "port": port, "public_url": f"http://127.0.0.1:{port}"},
            scheduler={"dispatch_seconds": 60 if quiet_ticks else 5, "collect_seconds": 600},
            feeds=[{"url": feed_url, "poll_seconds": POLL_SECONDS, "websub_poll_seconds": 3600}],
            webhooks=[{"name": "cms"}],
            accounts=[{"name": "fb-main", "platform": "facebook", "page_id": "42", "api_base_url": sandbox}],
        )
        runtime = Runtime(settings, engine)
        results: dict[str, list[float]] = {"webhook": [], "websub": [], "polling": []}
        with running_service(runtime) as base:
            _wait_subscribed(engine, timeout)
            for i in range(articles):
                path = f"/hook/{i}"
                site.pages[path] = ("text/html; charset=utf-8",
                                    article_page(f"Webhook story number {i} for the council", site.url(path)))
                body = json.dumps({"url": site.url(path), "event": "published"}).encode()
                sent = time.monotonic()
                answer = requests.post(f"{base}/hooks/cms", data=body, timeout=10,
                                       headers={"X-Distributor-Signature": sign_generic(SECRET, body)})
                answer.raise_for_status()
                results["webhook"].append(_wait_for_post(sandbox, site.url(path), timeout) - sent)
            for i in range(articles):
                path = f"/sub/{i}"
                site.pages[path] = ("text/html; charset=utf-8",
                                    article_page(f"WebSub story number {i} for the council", site.url(path)))
                items.insert(0, (f"WebSub story number {i}", site.url(path)))
                feed = rss_with_hub(hub.url, feed_url, items)
                site.pages["/feed"] = ("application/rss+xml", feed)
                pushed = time.monotonic()
                [answer] = hub.publish(feed_url, feed)
                answer.raise_for_status()
                results["websub"].append(_wait_for_post(sandbox, site.url(path), timeout) - pushed)
        # polling at poll_seconds = 60, from the schedule (see the module docstring)
        tick = 5  # the scheduler's look for due feeds (scheduler.POLL_TICK_SECONDS)
        for i, processing in enumerate(results["webhook"]):
            results["polling"].append(POLL_SECONDS * (i + 0.5) / articles + tick / 2 + processing)
        engine.dispose()
    return results


def _wait_subscribed(engine, timeout: float) -> None:
    from sqlmodel import Session, select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            sub = session.exec(select(WebSubSubscription)).first()
            if sub is not None and sub.state == "active":
                return
        time.sleep(0.05)
    raise TimeoutError("the WebSub subscription was not verified")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--database", default=None, help="default: a throwaway SQLite file")
    args = parser.parse_args()
    threading.current_thread().name = "benchmark"
    for name, value in ENV.items():
        os.environ.setdefault(name, value)
    results = measure(args.articles, args.database)
    print(f"{'path':<28}{'n':>4}{'p50 s':>10}{'p95 s':>10}")
    for name, label in (("webhook", "signed generic webhook"), ("websub", "WebSub push (local hub)"),
                        ("polling", f"feed polling, {POLL_SECONDS} s*")):
        values = results[name]
        print(f"{label:<28}{len(values):>4}{statistics.median(values):>10.3f}{percentile(values, 0.95):>10.3f}")
    push = results["webhook"] + results["websub"]
    print(f"\npush p95 {percentile(push, 0.95):.3f} s (target < 2 s); polling p50 / push p50: "
          f"{statistics.median(results['polling']) / statistics.median(push):.0f}x")
    print("* polling computed from the schedule: even publication over one interval + half the 5 s look-up tick "
          "+ the measured fetch-extract-compose-dispatch time of the same article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
