"""APScheduler 3 jobs that only *trigger* work, and the loops that wake for new work.

APScheduler 3 cannot share a job store between processes, so each process runs
its own in-memory scheduler and the work itself is claimed from the database
with leases (pipeline, dispatch): that is what lets many processes cooperate.
No job sleeps: a rate limit moves a post's time, it never blocks a thread.

Extraction, dispatch and corrections are not ticks but loops: each runs at
once when woken (``distributor.wakeup``: a new article, a new due post, an
"edited" event, in this process or, on PostgreSQL, in any other) and at its
interval otherwise, so a pushed story never waits for the next tick. Feeds are
polled by a bounded pool: a feed that hangs holds one worker, never the others.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from apscheduler.schedulers.background import BackgroundScheduler

from distributor import pipeline
from distributor.health import JobClock
from distributor.notify import notify_step
from distributor.pipeline import Runtime

log = logging.getLogger(__name__)

POLL_TICK_SECONDS = 5  # how often we look for due feeds; each feed has its own interval
POLL_WORKERS = 8  # feeds polled at the same time
WEBSUB_SECONDS = 30  # how often subscriptions are looked at (subscribe, renew, expire)


class WakeLoop(threading.Thread):
    """Run ``step`` now, then whenever ``channel`` is woken, and at least every ``every`` seconds."""

    def __init__(self, name: str, runtime: Runtime, channel: str, every: float, step, stopping: threading.Event,
                 clock: JobClock | None = None):
        super().__init__(name=f"loop-{name}", daemon=True)
        self.job = _guarded(name, step, clock)
        self.runtime, self.channel, self.every, self.stopping = runtime, channel, every, stopping

    def run(self) -> None:
        while not self.stopping.is_set():
            self.job()
            self.runtime.wakeups.wait(self.channel, self.every)


def _guarded(name: str, step, clock: JobClock | None = None):
    """A job that logs its failure instead of killing the scheduler thread, and says when it ran."""

    def job():
        ok = False
        try:
            step()
            ok = True
        except Exception:  # noqa: BLE001 - one bad run must not stop the next
            log.exception("%s failed; it runs again at its next interval", name)
        finally:
            if clock is not None:
                clock.finished(name, ok)

    job.__name__ = name
    return job


EVERGREEN_SECONDS = 3600  # evergreen re-shares are a matter of days: hourly is plenty


def build_scheduler(runtime: Runtime, stopping: threading.Event, clock: JobClock | None = None) -> BackgroundScheduler:
    settings = runtime.settings.scheduler
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    poll_tick = min([POLL_TICK_SECONDS, *[f.poll_seconds for f in runtime.settings.feeds]])
    scheduler.poll_pool = ThreadPoolExecutor(max_workers=POLL_WORKERS, thread_name_prefix="poll")
    steps = {
        "discover": (poll_tick, lambda: pipeline.discover(runtime, pool=scheduler.poll_pool)),
        "collect": (settings.collect_seconds, lambda: pipeline.collect_step(runtime)),
        "notify": (runtime.settings.notify.check_seconds,
                   lambda: notify_step(runtime.engine, runtime.settings, worker=runtime.worker_id)),
    }
    if any(account.evergreen for account in runtime.settings.accounts):  # re-share posts that did well
        steps["evergreen"] = (EVERGREEN_SECONDS, lambda: pipeline.evergreen_step(runtime))
    for name, (every, step) in steps.items():
        if clock is not None:
            clock.expect(name, every)
        scheduler.add_job(_guarded(name, step, clock), "interval", seconds=every, id=name)
    loops = {
        "extract": ("articles", poll_tick, lambda: pipeline.extract_pending(runtime)),
        "dispatch": ("posts", settings.dispatch_seconds,
                     lambda: pipeline.dispatch_step(runtime, should_stop=stopping.is_set)),
        "corrections": ("corrections", runtime.settings.corrections.check_seconds,
                        lambda: pipeline.corrections_step(runtime)),
        "websub": ("subscriptions", WEBSUB_SECONDS,
                   lambda: runtime.callbacks_ready.wait(WEBSUB_SECONDS) and pipeline.websub_step(runtime)),
    }
    scheduler.wake_loops = []
    for name, (channel, every, step) in loops.items():
        if clock is not None:
            clock.expect(name, every)
        scheduler.wake_loops.append(WakeLoop(name, runtime, channel, every, step, stopping, clock))
    scheduler.runtime = runtime
    return scheduler


def start(runtime: Runtime, stopping: threading.Event, clock: JobClock | None = None) -> BackgroundScheduler:
    """Start the jobs now (first runs immediately) and return the scheduler."""
    from datetime import datetime, timezone

    scheduler = build_scheduler(runtime, stopping, clock)
    runtime.wakeups.listen()
    scheduler.start()
    for job in scheduler.get_jobs():
        job.modify(next_run_time=datetime.now(timezone.utc))
    for loop in scheduler.wake_loops:
        loop.start()
    return scheduler


def stop(scheduler: BackgroundScheduler, stopping: threading.Event) -> None:
    """Stop cleanly: no new runs, and wait for the post in flight to be recorded."""
    stopping.set()
    scheduler.shutdown(wait=True)
    scheduler.runtime.wakeups.wake_all()
    for loop in scheduler.wake_loops:
        loop.join()
    scheduler.poll_pool.shutdown(wait=False, cancel_futures=True)
    scheduler.runtime.wakeups.close()
