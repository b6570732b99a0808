"""APScheduler 3 jobs that only *trigger* work.

APScheduler 3 cannot share a job store between processes, so each process runs
its own in-memory scheduler and the work itself is claimed from the database
with leases (pipeline, dispatch): that is what lets many processes cooperate.
No job sleeps: a rate limit moves a post's time, it never blocks a thread.
"""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from distributor import evergreen, pipeline
from distributor.health import JobClock
from distributor.notify import notify_step
from distributor.pipeline import Runtime

log = logging.getLogger(__name__)

POLL_TICK_SECONDS = 5  # how often we look for due feeds; each feed has its own interval


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
    steps = {
        "discover": (poll_tick, lambda: pipeline.discover(runtime)),
        "extract": (poll_tick, lambda: pipeline.extract_pending(runtime)),
        "dispatch": (settings.dispatch_seconds, lambda: pipeline.dispatch_step(runtime, should_stop=stopping.is_set)),
        "collect": (settings.collect_seconds, lambda: pipeline.collect_step(runtime)),
        "notify": (runtime.settings.notify.check_seconds,
                   lambda: notify_step(runtime.engine, runtime.settings, worker=runtime.worker_id)),
    }
    if any(account.evergreen for account in runtime.settings.accounts):  # re-share posts that did well
        steps["evergreen"] = (EVERGREEN_SECONDS, lambda: evergreen.reshare_due(runtime))
    for name, (every, step) in steps.items():
        if clock is not None:
            clock.expect(name, every)
        scheduler.add_job(_guarded(name, step, clock), "interval", seconds=every, id=name)
    return scheduler


def start(runtime: Runtime, stopping: threading.Event, clock: JobClock | None = None) -> BackgroundScheduler:
    """Start the jobs now (first runs immediately) and return the scheduler."""
    from datetime import datetime, timezone

    scheduler = build_scheduler(runtime, stopping, clock)
    scheduler.start()
    for job in scheduler.get_jobs():
        job.modify(next_run_time=datetime.now(timezone.utc))
    return scheduler


def stop(scheduler: BackgroundScheduler, stopping: threading.Event) -> None:
    """Stop cleanly: no new runs, and wait for the post in flight to be recorded."""
    stopping.set()
    scheduler.shutdown(wait=True)
