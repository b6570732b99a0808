"""The sandbox in its own process, and a small client for its inspection API."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections import Counter
from typing import Iterator

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def sandbox_process(delay_ms: float = 0, fail_rate: float = 0.0, seed: int = 0) -> Iterator[str]:
    """Start the sandbox as a separate process (like `distributor sandbox`); yields its base URL."""
    port = free_port()
    code = (
        "from distributor.sandbox import serve; "
        f"serve(host='127.0.0.1', port={port}, delay_ms={delay_ms}, fail_rate={fail_rate}, seed={seed})"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(base + "/_sandbox/stats", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox process did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sandbox_posts(base: str) -> list[dict]:
    return requests.get(base + "/_sandbox/posts", timeout=10).json()


def request_count(base: str, key: str) -> int:
    return requests.get(base + "/_sandbox/stats", timeout=10).json()["requests"].get(key, 0)


def queue_faults(base: str, *faults: dict) -> None:
    response = requests.post(base + "/_sandbox/faults", json=list(faults), timeout=10)
    response.raise_for_status()


def duplicates(posts: list[dict]) -> dict[tuple[str, str], int]:
    """(account, text) pairs the sandbox holds more than once."""
    counts = Counter((p["account"], p["text"]) for p in posts)
    return {key: n for key, n in counts.items() if n > 1}
