"""Web desk latency with 10,000 posts: the queue page, the calendar and /api/posts against /healthz.

    .venv/bin/python benchmarks/web_latency.py [--posts 10000] [--requests 200] [--database sqlite|postgresql]

Seeds a SQLite file in /tmp (or a throwaway PostgreSQL schema with
``--database postgresql`` and DISTRIBUTOR_TEST_POSTGRES_URL) with POSTS posts in
every state, their creation events, 2,000 articles and engagement for the sent
posts; serves the real app with uvicorn on 127.0.0.1 (one process, as
`distributor run` does) and sends REQUESTS sequential requests per endpoint
with one httpx client (keep-alive, logged in for pages, bearer token for the
API), after 20 warm-up requests. Prints median and p95 per endpoint and the
ratio of each to the trivial /healthz in the same run, and the median CPU time
of a request (server and client, one process) with its ratio to /healthz's: on
a machine busy with other work the wall times grow, the CPU times far less.
Target: p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import insert, text
from sqlmodel import Session

from distributor import users
from distributor.config import AccountSettings, Settings
from distributor.db import make_engine, upgrade
from distributor.models import Account, Article, EngagementSnapshot, Post, PostEvent, PostState, utcnow

ACCOUNTS = [("x-main", "twitter"), ("x-sport", "twitter"), ("fb-main", "facebook"), ("fb-local", "facebook")]
STATES = [PostState.sent] * 6 + [PostState.queued] * 2 + [PostState.awaiting_approval, PostState.failed,
                                                           PostState.cancelled]
WARMUP = 20


def seed(engine, n_posts: int, n_articles: int = 2000) -> None:
    """Bulk rows, shaped like a newsroom's months of history."""
    rng = random.Random(7)
    now = utcnow()
    with Session(engine) as session:
        for name, platform in ACCOUNTS:
            session.add(Account(name=name, platform=platform))
        session.commit()
        articles = [{"id": i + 1, "url": f"https://news.example/{i}", "canonical_url": f"https://news.example/{i}",
                     "title": f"Story number {i}: council, weather, sport & culture", "state": "extracted",
                     "image_url": f"https://img.news.example/{i}.jpg", "discovered_at": now - timedelta(hours=i),
                     "data": {}} for i in range(n_articles)]
        session.execute(insert(Article), articles)
        post_rows, event_rows, snapshot_rows = [], [], []
        for i in range(n_posts):
            account, platform = ACCOUNTS[i % len(ACCOUNTS)]
            state = rng.choice(STATES)
            when = now + timedelta(minutes=rng.randint(-60 * 24 * 90, 60 * 24 * 3))
            article = rng.randint(1, n_articles)
            post_rows.append({
                "id": i + 1, "account": account, "platform": platform, "article_id": article,
                "text": f"Story number {article - 1}: council, weather, sport & culture https://news.example/{article - 1}",
                "link": f"https://news.example/{article - 1}", "image_url": f"https://img.news.example/{article - 1}.jpg",
                "state": state.name, "priority": 0, "scheduled_at": when, "attempts": 0, "created_at": when,
                "updated_at": when, "sent_at": when if state is PostState.sent else None,
                "external_id": str(10**17 + i) if state is PostState.sent else None,
                "error": "Rejected: duplicate content" if state is PostState.failed else None,
            })
            event_rows.append({"post_id": i + 1, "at": when, "to_state": state.value, "actor": "system",
                               "attempt": 0, "reason": "created"})
            if state is PostState.sent:
                snapshot_rows.append({"post_id": i + 1, "collected_at": when + timedelta(hours=1), "likes": i % 97,
                                      "shares": i % 13, "comments": i % 7, "raw": {}})
        session.execute(insert(Post), post_rows)
        session.execute(insert(PostEvent), event_rows)
        session.execute(insert(EngagementSnapshot), snapshot_rows)
        users.add_user(session, "bench@news.example", "benchmark-password", "editor")
        session.commit()


def serve(app) -> tuple[uvicorn.Server, str]:
    class ThreadServer(uvicorn.Server):
        def install_signal_handlers(self):
            pass

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                         access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


def measure(client: httpx.Client, url: str, n: int, **kwargs) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (ms) of ``n`` requests.

    The server is a thread of this process and requests are sequential, so the
    process's CPU time over a request is what that request cost (server and
    client): a figure other processes' load on the machine moves far less than
    the wall time (not nothing: contention for the cores and caches adds some).
    """
    for _ in range(WARMUP):
        client.get(url, **kwargs).raise_for_status()
    times, cpu = [], []
    for _ in range(n):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        response.raise_for_status()
    return times, cpu


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    os.environ.setdefault("DISTRIBUTOR_SECRET_KEY", "benchmark-only-key")
    schema = None
    if args.database == "postgresql":
        base = os.environ.get("DISTRIBUTOR_TEST_POSTGRES_URL")
        if not base:
            print("set DISTRIBUTOR_TEST_POSTGRES_URL for --database postgresql", file=sys.stderr)
            return 2
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = make_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='distributor-web-bench-')) / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    seed(engine, args.posts)
    print(f"{args.database}: seeded {args.posts:,} posts in {time.perf_counter() - started:.1f}s")
    with Session(engine) as session:
        token = users.create_token(session, "bench@news.example")
        session.commit()

    from distributor.web import create_app

    settings = Settings(accounts=[AccountSettings(name=n, platform=p, page_id="1" if p == "facebook" else None)
                                  for n, p in ACCOUNTS], web={"timezone": "Europe/London"})
    server, base_url = serve(create_app(settings, engine))
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            login_page = client.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
            client.post("/login", data={"email": "bench@news.example", "password": "benchmark-password",
                                        "csrf_token": csrf}, follow_redirects=True).raise_for_status()
            bearer = {"Authorization": f"Bearer {token}"}
            london = ZoneInfo("Europe/London")
            today = datetime.now(london).date().isoformat()  # the week holding the queued posts and recent sends
            past = (datetime.now(london) - timedelta(days=2)).date().isoformat()
            cases = [
                ("GET /healthz (baseline)", "/healthz", {}),
                ("GET /queue (upcoming, 50 rows)", "/queue", {}),
                ("GET /queue?tab=sent&page=60", "/queue?tab=sent&page=60", {}),
                ("GET /queue?tab=all&account=x-main", "/queue?tab=all&account=x-main", {}),
                ("GET /calendar (week, all accounts)", f"/calendar?date={today}&view=week", {}),
                ("GET /calendar (day, x-main)", f"/calendar?date={today}&view=day&account=x-main", {}),
                ("GET /calendar (week, 2 days ago, fb-main)", f"/calendar?date={past}&view=week&account=fb-main", {}),
                ("GET /api/posts (100 posts)", "/api/posts", {"headers": bearer}),
                ("GET /api/posts?state=sent&limit=500", "/api/posts?state=sent&limit=500", {"headers": bearer}),
            ]
            results = {label: measure(client, path, args.requests, **kwargs) for label, path, kwargs in cases}
    finally:
        server.should_exit = True
        engine.dispose()
        if schema:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    baseline = statistics.median(results[cases[0][0]][0])
    cpu_baseline = statistics.median(results[cases[0][0]][1])
    print(f"{args.requests} sequential requests each, uvicorn on 127.0.0.1, one httpx keep-alive client; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print(f"{'endpoint':40} {'median ms':>10} {'p95 ms':>8} {'x health':>9} {'cpu ms':>7} {'cpu x health':>13}")
    worst = 0.0
    for label, (times, cpu) in results.items():
        median, tail, cpu_median = statistics.median(times), p95(times), statistics.median(cpu)
        worst = max(worst, tail)
        print(f"{label:40} {median:10.1f} {tail:8.1f} {median / baseline:8.1f}x {cpu_median:7.1f} "
              f"{cpu_median / cpu_baseline:12.1f}x")
    print(f"\nworst p95 {worst:.1f} ms: {'within' if worst < 200 else 'OVER'} the 200 ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
