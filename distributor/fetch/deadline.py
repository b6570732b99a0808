"""A wall-clock deadline for a whole fetch: connecting, TLS, sending, headers and body.

Socket timeouts bound each read, not their sum: a server sending one header
line a second never trips a 10 s read timeout and holds the fetch as long as it
likes, and http.client reads the status line and headers inside one call we
cannot interrupt between lines. So every socket a fetch opens or reuses is
registered with that fetch's ``Deadline``, and one watchdog thread shuts those
sockets down when the deadline passes; the blocked read then returns at once
and the fetcher reports the deadline. (The alternative, reading in a worker
thread joined with a timeout, returns on time but leaves the thread and its
connection running on the hostile server for as long as it trickles.)

One shared watchdog thread, not a timer thread per fetch, because feed polling
runs thousands of fetches. Written by hand: neither urllib3, requests nor
httpx has a deadline covering the header phase.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import socket
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)
_current = threading.local()


def _cut(sock: socket.socket) -> None:
    """Wake a read blocked on ``sock``'s connection (in any thread) by shutting the connection down."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _handle(sock: socket.socket) -> socket.socket | None:
    """A plain socket on a duplicate of ``sock``'s file descriptor, for cutting the connection.

    A duplicate, because TLS detaches the socket urllib3 opened (its own handle then
    cuts nothing) and because holding the descriptor keeps its number from being reused
    by another connection before we are done; plain, because a shutdown through an
    ``SSLSocket`` would tear down TLS state under the reading thread's feet.
    """
    try:
        return socket.fromfd(sock.fileno(), sock.family, sock.type)
    except (OSError, ValueError):
        return None


class _Watchdog:
    """Runs each armed action once its time comes, on one daemon thread."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._queue: list[list] = []  # [when, order, action or None when disarmed]
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, when: float, action: Callable[[], None]) -> list:
        entry = [when, next(self._order), action]
        with self._wake:
            heapq.heappush(self._queue, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fetch-deadline", daemon=True)
                self._thread.start()
            if self._queue[0] is entry:
                self._wake.notify()
        return entry

    def disarm(self, entry: list) -> None:
        with self._wake:
            entry[2] = None

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._queue and self._queue[0][2] is None:
                    heapq.heappop(self._queue)
                if not self._queue:
                    self._wake.wait()
                    continue
                delay = self._queue[0][0] - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                action = heapq.heappop(self._queue)[2]
            try:
                action()
            except Exception:  # the watchdog must outlive any one fetch's trouble
                log.exception("fetch deadline watchdog: cutting a fetch failed")


_watchdog = _Watchdog()


class Deadline:
    """``with Deadline(s):`` bounds everything the fetch does on this thread to ``s`` seconds."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._expired = False
        self._finished = False
        self._entry: list | None = None

    @property
    def expired(self) -> bool:
        return self._expired or time.monotonic() >= self.at

    def remaining(self) -> float:
        return max(self.at - time.monotonic(), 0.0)

    def watch(self, sock: socket.socket) -> None:
        handle = _handle(sock)
        if handle is None:
            return
        with self._lock:
            self._sockets.append(handle)
            if self._expired:
                _cut(handle)

    def forget_sockets(self) -> None:
        """Stop watching this hop's sockets: their connection is going back to the pool, to other fetches."""
        with self._lock:
            handles, self._sockets = self._sockets, []
        for handle in handles:
            handle.close()

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._expired = True
            for sock in self._sockets:
                _cut(sock)

    def __enter__(self) -> Deadline:
        self._previous = getattr(_current, "deadline", None)
        _current.deadline = self
        self._entry = _watchdog.arm(self.at, self._expire)
        return self

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._finished = True
        if self._entry is not None:
            _watchdog.disarm(self._entry)
        self.forget_sockets()
        _current.deadline = self._previous


def watch_socket(sock: socket.socket) -> None:
    """Put ``sock`` under the deadline of the fetch running on this thread, if any."""
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)
