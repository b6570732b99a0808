"""Fault injection: faults queued by tests, and random ones from ``fail_rate``.

A queued fault names the requests it hits (``path``: a route key such as
``"POST /2/tweets"`` or ``"GET /{version}/{id}"``, or a shell-style pattern over
the concrete ``"METHOD /path"``) and how many of them (``count``). Each API
module turns a fault into its platform's own answer.

Kinds:
    429              rate limited (X: HTTP 429 + x-rate-limit-*; Graph: code 4 + usage headers)
    500              a JSON server error (Graph: code 2, is_transient)
    html502          an HTML 502 page from a proxy
    no_content_type  a 502 with no Content-Type header
    drop_after       the request is processed (a post is recorded), then the connection drops
    timeout          sleep ``seconds`` (default 5) before answering, processing happens after
    expired_token    X: 401; Graph: code 190 subcode 463; Bluesky: the app password revoked; Mastodon: 401
    session_expired  Bluesky: the access token expired early (the client must refresh and go on)
    duplicate        X: 403 duplicate content; Graph: code 506
    graph_code       Graph error ``code`` (``subcode``, ``message`` optional)
    status           X problem JSON with HTTP status ``code`` (``message`` optional)
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass
from typing import Any

KINDS = frozenset(
    {"429", "500", "html502", "no_content_type", "drop_after", "timeout",
     "expired_token", "session_expired", "duplicate", "graph_code", "status"}
)
# what a flaky platform does on its own: mostly rate limits and lost responses
RANDOM_KINDS = (("429", 0.35), ("500", 0.2), ("html502", 0.15), ("drop_after", 0.3))


@dataclass
class Fault:
    path: str
    kind: str
    count: int = 1
    code: int | None = None
    subcode: int | None = None
    message: str | None = None
    seconds: float = 5.0
    reset_in: float = 3.0  # seconds until a 429's window resets

    def matches(self, key: str, concrete: str) -> bool:
        return self.path == key or fnmatch.fnmatchcase(concrete, self.path)


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Validate a test's fault request; ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("a fault is a JSON object")
    kind = str(spec.get("kind", ""))
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}")
    path = spec.get("path")
    if not isinstance(path, str) or " " not in path:
        raise ValueError('path is "METHOD /route", e.g. "POST /2/tweets"')
    count = int(spec.get("count", 1))
    if count < 1:
        raise ValueError("count must be at least 1")
    if kind in ("graph_code", "status") and spec.get("code") is None:
        raise ValueError(f"kind {kind} needs a code")
    return Fault(
        path=path,
        kind=kind,
        count=count,
        code=None if spec.get("code") is None else int(spec["code"]),
        subcode=None if spec.get("subcode") is None else int(spec["subcode"]),
        message=spec.get("message"),
        seconds=float(spec.get("seconds", 5.0)),
        reset_in=float(spec.get("reset_in", 3.0)),
    )


class FaultBook:
    """Queued faults first; otherwise a seeded coin decides on a random one."""

    def __init__(self, fail_rate: float = 0.0, seed: int = 0):
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError("fail_rate is between 0 and 1")
        self.fail_rate = fail_rate
        self._rng = random.Random(seed)
        self._queued: list[Fault] = []
        self._lock = threading.Lock()

    def queue(self, fault: Fault) -> None:
        with self._lock:
            self._queued.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"path": f.path, "kind": f.kind, "count": f.count} for f in self._queued]

    def take(self, key: str, concrete: str) -> Fault | None:
        with self._lock:
            for fault in self._queued:
                if fault.matches(key, concrete):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._queued.remove(fault)
                    return fault
            if self.fail_rate and self._rng.random() < self.fail_rate:
                kinds, weights = zip(*RANDOM_KINDS)
                kind = self._rng.choices(kinds, weights)[0]
                return Fault(path=key, kind=kind, reset_in=self._rng.uniform(2, 6))
        return None
