"""What conditional GETs save when polling many feeds, and what parsing costs.

Serves 1,000 distinct feeds (~20 items each, content varied per feed) from one
threaded HTTP server on 127.0.0.1 that honours ETag / If-None-Match, then:

1. polls every feed once (cold: fetch + parse, remembering the ETags),
2. polls every feed again conditionally (all unchanged: 304s, nothing parsed),
3. polls every feed again unconditionally (fetch + parse every feed),

all through one shared Fetcher (its pooled connections) and the same small thread pool, and
prints wall times, requests, bytes transferred and the ratio 3 / 2. Then it
times parse_feed on the corpus feeds in /work/shared/corpus/feeds/ (read from
there, never copied) and compares item counts with its manifest.json.

Run:  .venv/bin/python benchmarks/feed_polling.py [--feeds 1000] [--items 20] [--workers 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from distributor.config import FetchSettings
from distributor.errors import FeedError
from distributor.fetch import Fetcher
from distributor.sources import parse_feed, poll_feed

CORPUS = Path("/work/shared/corpus/feeds")
WORDS = (
    "council harbour bridge storm coast ferry election mayor market school library budget police river "
    "festival hospital strike transport weather court housing museum farmers tram airport energy water"
).split()


def make_feed(number: int, items: int, rng: random.Random) -> bytes:
    """One RSS 2.0 feed whose size and text differ from its neighbours'."""
    entries = []
    for n in range(items):
        words = rng.sample(WORDS, rng.randint(3, 7))
        slug = "-".join(words)
        lead = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
        entries.append(
            f"<item><title>{' '.join(words).capitalize()}</title>"
            f"<link>https://site{number}.example.com/{number}/{n}/{slug}?utm_source=rss</link>"
            f'<guid isPermaLink="false">site{number}-{n}</guid>'
            f"<pubDate>{formatdate(1_764_000_000 - n * 3600 - number, usegmt=True)}</pubDate>"
            f"<description>&lt;p&gt;{lead}&lt;/p&gt;</description>"
            f"<category>{rng.choice(WORDS)}</category>"
            f'<enclosure url="https://img{number}.example.com/{n}.jpg" type="image/jpeg" length="1"/></item>'
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Site {number}</title><link>https://site{number}.example.com/</link>"
        f"<description>Feed {number}</description>{''.join(entries)}</channel></rss>"
    ).encode()


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.bytes = 0
        self.not_modified = 0
        self.connections = 0

    def reset(self):
        with self.lock:
            self.requests = self.bytes = self.not_modified = self.connections = 0


class _CountingWriter:
    """Counts every byte the server writes (status line, headers, body)."""

    def __init__(self, raw, counter: Counter):
        self.raw, self.counter = raw, counter

    def write(self, data):
        with self.counter.lock:
            self.counter.bytes += len(data)
        return self.raw.write(data)

    def __getattr__(self, name):  # closed, flush, ... as the real file has them
        return getattr(self.raw, name)


def serve(feeds: dict[str, tuple[bytes, str]], counter: Counter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so the shared Fetcher reuses connections

        def setup(self):
            super().setup()
            with counter.lock:
                counter.connections += 1
            self.wfile = _CountingWriter(self.wfile, counter)

        def do_GET(self):
            with counter.lock:
                counter.requests += 1
            body, etag = feeds[self.path]
            if self.headers.get("If-None-Match") == etag:
                with counter.lock:
                    counter.not_modified += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def poll_all(pool, fetcher, urls, etags: dict[str, str | None] | None):
    started = time.perf_counter()
    polls = list(pool.map(lambda u: poll_feed(fetcher, u, etag=(etags or {}).get(u)), urls))
    return time.perf_counter() - started, polls


def polling(feed_count: int, items: int, workers: int) -> None:
    rng = random.Random(20261125)
    feeds = {}
    for number in range(feed_count):
        body = make_feed(number, items, rng)
        feeds[f"/feeds/{number}.xml"] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
    counter = Counter()
    server = serve(feeds, counter)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [base + path for path in feeds]
    fetcher = Fetcher(FetchSettings(allow_private_networks=True, timeout_seconds=30))
    sizes = [len(b) for b, _ in feeds.values()]
    print(
        f"{feed_count} feeds x {items} items, bodies {min(sizes):,}-{max(sizes):,} bytes "
        f"(mean {statistics.mean(sizes):,.0f}), {workers} worker threads, one Fetcher"
    )
    rows = []

    def run(name: str, etags: dict[str, str | None] | None):
        counter.reset()
        seconds, polls = poll_all(pool, fetcher, urls, etags)
        parsed_items = sum(len(p.items) for p in polls)
        rows.append(
            (name, seconds, counter.requests, counter.not_modified, counter.connections, counter.bytes, parsed_items)
        )
        return polls

    with ThreadPoolExecutor(workers) as pool:
        cold = run("cold (fetch + parse)", None)
        run("conditional (304s)", {url: poll.etag for url, poll in zip(urls, cold)})
        run("unconditional", None)
    server.shutdown()
    server.server_close()
    print(f"{'poll':<24}{'wall s':>9}{'requests':>10}{'304s':>7}{'new conns':>11}{'bytes sent':>14}{'items parsed':>14}")
    for name, seconds, reqs, nm, conns, sent, parsed_items in rows:
        print(f"{name:<24}{seconds:>9.2f}{reqs:>10,}{nm:>7,}{conns:>11,}{sent:>14,}{parsed_items:>14,}")
    conditional, unconditional = rows[1], rows[2]
    print(
        f"unconditional / conditional: wall time x{unconditional[1] / conditional[1]:.1f}, "
        f"bytes x{unconditional[5] / conditional[5]:.1f}"
    )


def corpus() -> None:
    manifest_file = CORPUS / "manifest.json"
    if not manifest_file.exists():
        print(f"\n(no corpus at {CORPUS}; skipped)")
        return
    manifest = json.loads(manifest_file.read_text())
    print(f"\ncorpus feeds ({CORPUS}), parse_feed median of 5 runs")
    print(f"{'file':<40}{'bytes':>9}{'ms':>8}{'items':>7}{'manifest':>10}{'with http link':>16}")
    total = 0.0
    for entry in manifest:
        body = (CORPUS / entry["file"]).read_bytes()
        times, found = [], "error"
        for _ in range(5):
            started = time.perf_counter()
            try:
                found = len(parse_feed(body, "https://feeds.example.com/section/feed.xml"))
            except FeedError as exc:
                found = f"FeedError: {exc}"
            times.append(time.perf_counter() - started)
        total += statistics.median(times)
        print(
            f"{entry['file']:<40}{len(body):>9,}{statistics.median(times) * 1000:>8.1f}{found!s:>7}"
            f"{entry['items']:>10}{entry['items_with_http_links']:>16}"
        )
    print(f"total parse time {total * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)
    polling(args.feeds, args.items, args.workers)
    corpus()
    return 0


if __name__ == "__main__":
    sys.exit(main())
