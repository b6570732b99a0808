"""`distributor run`: the scheduler, and the editors' web UI in the same process."""

from __future__ import annotations

import logging
import os
import signal
import threading

from distributor import scheduler as jobs
from distributor.health import JobClock
from distributor.pipeline import Runtime, sync_configuration

log = logging.getLogger(__name__)
HEARTBEAT_ENV = "DISTRIBUTOR_HEARTBEAT_FILE"  # touched after each good job run (docker health checks)


def run_service(runtime: Runtime, *, web: bool = True, stopping: threading.Event | None = None, on_started=None) -> None:
    """Run until SIGINT/SIGTERM (or ``stopping`` is set), then stop after the post in flight."""
    stopping = stopping or threading.Event()
    sync_configuration(runtime)
    if web:
        runtime.callbacks_ready.clear()  # until our web server listens (WebSub verifications come to it)
    clock = JobClock(heartbeat_file=os.environ.get(HEARTBEAT_ENV) or None)
    scheduler = jobs.start(runtime, stopping, clock)
    try:
        if web:
            _serve_web(runtime, stopping, on_started, clock)
        else:
            _install_signal_handlers(stopping)
            if on_started:
                on_started(None)
            while not stopping.wait(0.5):
                pass
    finally:
        log.info("stopping: finishing the work in flight")
        jobs.stop(scheduler, stopping)


def _install_signal_handlers(stopping: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())


def _serve_web(runtime: Runtime, stopping: threading.Event, on_started, clock: JobClock | None = None) -> None:
    import uvicorn

    from distributor.web import create_app

    app = create_app(runtime.settings, runtime.engine, runtime=runtime, clock=clock)
    server = uvicorn.Server(web_server_config(app, runtime.settings.web))

    def watch():  # leave uvicorn's loop when someone else asks us to stop
        stopping.wait()
        server.should_exit = True

    threading.Thread(target=watch, daemon=True).start()
    threading.Thread(target=lambda: _announce_when_up(server, lambda _url: runtime.callbacks_ready.set()),
                     daemon=True).start()
    if on_started:
        threading.Thread(target=lambda: _announce_when_up(server, on_started), daemon=True).start()
    server.run()  # handles SIGINT/SIGTERM itself
    stopping.set()


def web_server_config(app, web):
    """How uvicorn serves the desk. ``proxy_headers`` is off: uvicorn would otherwise believe an
    X-Forwarded-For from anyone on 127.0.0.1; the app reads it from ``[web] trusted_proxies`` only."""
    import uvicorn

    return uvicorn.Config(app, host=web.host, port=web.port, log_level="warning", lifespan="on",
                          proxy_headers=False, forwarded_allow_ips=[])


def _announce_when_up(server, on_started) -> None:
    import time

    while not server.started and not server.should_exit:
        time.sleep(0.05)
    if server.started:
        sockets = [s for srv in server.servers for s in srv.sockets]
        host, port = sockets[0].getsockname()[:2] if sockets else (None, None)
        on_started(f"http://{host}:{port}/")
