"""Dispatch throughput: 1 worker process vs 4, against the sandbox, on PostgreSQL.

    DISTRIBUTOR_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:55432/distributor_test \\
        python benchmarks/dispatch_throughput.py [--posts 400] [--delay-ms 50] [--accounts 8]

(DISTRIBUTOR_TEST_POSTGRES_URL is used when the BENCH variable is unset.)
The sandbox runs in its own process; ``--delay-ms`` models the platform's
latency, which is where parallel workers pay. Each run gets a fresh schema and
N posts spread over the accounts (no pacing), then W worker processes running
``dispatch.work_loop`` are released at once; the clock stops when the database
says every post is sent. Prints posts/s for each run, the ratio (target >= 3x
with 4 workers), and the time per post spent in the database (claim + record
transactions) against the time inside the adapter (publish).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import func, text
from sqlmodel import Session, select

from distributor import posts
from distributor.config import Settings
from distributor.db import make_engine, upgrade
from distributor.models import Post, PostState

SECRET_SUFFIXES = {"CONSUMER_KEY": "ck", "CONSUMER_SECRET": "cs", "ACCESS_TOKEN_SECRET": "ts"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_sandbox(delay_ms: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    code = f"from distributor.sandbox import serve; serve(port={port}, delay_ms={delay_ms})"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(base + "/_sandbox/stats", timeout=1)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the sandbox did not start")


def _secrets(names: list[str]) -> dict[str, str]:
    env = {}
    for name in names:
        prefix = "DISTRIBUTOR_" + name.upper().replace("-", "_") + "_"
        env |= {prefix + k: v for k, v in SECRET_SUFFIXES.items()}
        env[prefix + "ACCESS_TOKEN"] = f"bench-token-{name}"
    return env


def _schema_url(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


# --------------------------------------------------------------------------- worker process


def worker_main(spec_path: str, worker_id: str) -> None:
    from distributor.dispatch import work_loop
    from distributor.fetch import Fetcher
    from distributor.platforms import build_adapter

    spec = json.loads(Path(spec_path).read_text())
    settings = Settings(**spec["settings"])
    engine = make_engine(spec["database_url"])
    adapters = {a.name: build_adapter(a, Fetcher(settings.fetch)) for a in settings.accounts}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    gate = Path(spec["gate"])
    while not gate.exists():
        time.sleep(0.005)
    report = work_loop(engine, settings, adapters, worker_id, stop, poll_interval=0.02)
    print(json.dumps({"sent": report.sent, "db_seconds": report.db_seconds,
                      "publish_seconds": report.publish_seconds}), flush=True)


# --------------------------------------------------------------------------- one run


def run(base_url: str, sandbox: str, workers: int, total: int, accounts: int, tmp: Path) -> dict:
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _schema_url(base_url, schema)
    engine = make_engine(url)
    upgrade(engine)
    requests.post(sandbox + "/_sandbox/reset", timeout=10).raise_for_status()
    names = [f"x-bench-{n}" for n in range(accounts)]
    settings_data = {"accounts": [{"name": n, "platform": "twitter", "api_base_url": sandbox} for n in names]}
    settings = Settings(**settings_data)
    with Session(engine) as session:
        for n in range(total):
            posts.create_post(session, settings.account(names[n % accounts]), text=f"Benchmark story {n} ({schema})")
        session.commit()
    gate = tmp / f"gate-{schema}"
    spec = tmp / f"spec-{schema}.json"
    spec.write_text(json.dumps({"database_url": url, "settings": settings_data, "gate": str(gate)}))
    env = os.environ | _secrets(names)
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", str(spec), f"b{w}"], stdout=subprocess.PIPE,
                              text=True, env=env) for w in range(workers)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        gate.touch()
        while True:
            with Session(engine) as session:
                sent = session.exec(select(func.count()).select_from(Post).where(Post.state == PostState.sent)).one()
            if sent >= total:
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
    reports = [json.loads(p.stdout.readline()) for p in procs]
    for p in procs:
        p.wait(timeout=30)
    received = requests.get(sandbox + "/_sandbox/posts", timeout=30).json()
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
    assert len(received) == total, f"the sandbox got {len(received)} posts for {total}"
    return {
        "workers": workers,
        "seconds": elapsed,
        "per_second": total / elapsed,
        "db_ms_per_post": 1000 * sum(r["db_seconds"] for r in reports) / total,
        "publish_ms_per_post": 1000 * sum(r["publish_seconds"] for r in reports) / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--delay-ms", type=float, default=50)
    parser.add_argument("--accounts", type=int, default=8)
    parser.add_argument("--worker", nargs=2, metavar=("SPEC", "ID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(*args.worker)
        return
    url = os.environ.get("DISTRIBUTOR_BENCH_POSTGRES_URL") or os.environ.get("DISTRIBUTOR_TEST_POSTGRES_URL")
    if not url:
        raise SystemExit("set DISTRIBUTOR_BENCH_POSTGRES_URL to a PostgreSQL database")
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"dispatch-bench-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    sandbox_process, sandbox = _start_sandbox(args.delay_ms)
    try:
        results = [run(url, sandbox, w, args.posts, args.accounts, tmp) for w in (1, 4)]
    finally:
        sandbox_process.terminate()
        sandbox_process.wait(timeout=10)
    print(f"dispatch throughput: {args.posts} posts, {args.accounts} accounts, sandbox latency {args.delay_ms:g} ms, PostgreSQL")
    for r in results:
        print(f"  {r['workers']} worker(s): {r['per_second']:7.1f} posts/s  ({r['seconds']:.2f} s)   "
              f"db {r['db_ms_per_post']:.1f} ms/post (claim + record), publish {r['publish_ms_per_post']:.1f} ms/post")
    ratio = results[1]["per_second"] / results[0]["per_second"]
    print(f"  ratio 4 vs 1 workers: {ratio:.2f}x (target >= 3x)")
    base = results[0]
    share = base["db_ms_per_post"] / (base["db_ms_per_post"] + base["publish_ms_per_post"])
    print(f"  database share of a post's work (1 worker): {100 * share:.0f}%")


if __name__ == "__main__":
    main()
