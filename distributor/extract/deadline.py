"""A hard time limit on extracting one page, so one hostile page cannot stall the pipeline.

Every extraction step is linear in the page size (and the parser's input is capped
in depth and bytes), so this limit is a safety net for shapes nobody has thought of.

How: one watchdog thread raises `ExtractionTimeout` inside the extracting thread when the
time is up (CPython's PyThreadState_SetAsyncExc). Chosen over the alternatives:
- cooperative checks inside every loop would have to be remembered in every module
  of the extractor, including ones other people write, and one forgotten loop is
  enough to stall;
- a worker process that can be killed copies every page in and every result out,
  pays an interpreter start after each kill, and cannot run a function that was
  replaced for a test.
Limit: the exception arrives between two Python bytecodes, so one long C call (the
HTML parser) is not interrupted; that is why `document.parse` caps nesting depth.
"""

from __future__ import annotations

import ctypes
import gc
import threading
import time
from typing import Callable, TypeVar

from distributor.errors import ExtractError

T = TypeVar("T")

# Seconds one page may take. Ordinary pages take milliseconds and every hostile shape
# in tests/helpers/hostile_pages.py well under 2 s; this is only ever hit by a new shape.
EXTRACT_DEADLINE_SECONDS = 10.0


class ExtractionTimeout(BaseException):
    """Raised inside the extraction when its time is up.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` inside the
    extractor can swallow it.
    """


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


class _Watchdog:
    """One daemon thread that fires ExtractionTimeout into the threads whose time is up.

    Shared by every call: a thread started per call (threading.Timer) costs more than
    composing a post. A call registers its deadline; the watchdog sleeps until the
    earliest one (at most POLL_SECONDS while nothing is due) and is woken only when a
    new deadline comes before its planned wake-up.
    """

    POLL_SECONDS = 1.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: dict[int, _Watch] = {}
        self._wake_at = float("inf")  # when the watchdog next looks (inf: not started)
        self._thread: threading.Thread | None = None

    def add(self, watch: "_Watch") -> None:
        with self._cond:
            self._watches[id(watch)] = watch
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="extract-deadline", daemon=True)
                self._thread.start()
            elif watch.deadline < self._wake_at:
                self._cond.notify()

    def remove(self, watch: "_Watch") -> None:
        with self._cond:
            self._watches.pop(id(watch), None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for watch in [w for w in self._watches.values() if w.deadline <= now]:
                    del self._watches[id(watch)]
                    watch.fire()
                earliest = min((w.deadline for w in self._watches.values()), default=float("inf"))
                self._wake_at = min(earliest, now + self.POLL_SECONDS)
                self._cond.wait(max(self._wake_at - now, 0.0))


_WATCHDOG = _Watchdog()


class _Watch:
    """Fires ExtractionTimeout into one thread after `seconds`, unless stopped first."""

    def __init__(self, seconds: float) -> None:
        self._thread_id = threading.get_ident()
        self._lock = threading.Lock()
        self._running = True
        self.fired = False
        self.deadline = time.monotonic() + seconds

    def fire(self) -> None:
        with self._lock:
            if self._running:
                self.fired = True
                _raise_in(self._thread_id, ExtractionTimeout)

    def start(self) -> None:
        _WATCHDOG.add(self)

    def stop(self) -> None:
        with self._lock:
            self._running = False
            if self.fired:
                _raise_in(self._thread_id, None)  # not delivered yet: never let it escape later
        _WATCHDOG.remove(self)


def within_deadline(
    func: Callable[..., T], *args, seconds: float | None = None,
    timeout_error: Callable[[float], Exception] | None = None, **kwargs,
) -> T:
    """func(*args, **kwargs), or ExtractError (``timeout_error(seconds)`` when given)
    when it takes longer than `seconds` (default EXTRACT_DEADLINE_SECONDS)."""
    seconds = EXTRACT_DEADLINE_SECONDS if seconds is None else seconds
    collector_on = gc.isenabled()
    watch = _Watch(seconds)
    try:
        try:
            watch.start()
            return func(*args, **kwargs)
        finally:
            watch.stop()
    except ExtractionTimeout:
        if collector_on:
            # Extraction turns the cyclic collector off for a page (nogc); the timeout can
            # land between any two bytecodes, also before the collector is switched back on.
            gc.enable()
        if timeout_error is not None:
            raise timeout_error(seconds) from None
        raise ExtractError(
            f"extraction gave up after {seconds:g} s: the page is too large or too complex to read in time"
        ) from None
