"""`distributor run` (scheduler + web UI) in a thread of the test, on a free 127.0.0.1 port."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from distributor.pipeline import Runtime
from distributor.service import run_service
from tests.helpers.sandbox_process import free_port  # noqa: F401 - tests take it from here


@contextmanager
def running_service(runtime: Runtime, timeout: float = 30):
    """Yields the web process's base URL; stops the service (scheduler and web) on exit."""
    stopping = threading.Event()
    started: list[str | None] = []
    up = threading.Event()

    def on_started(url):
        started.append(url)
        up.set()

    thread = threading.Thread(target=run_service, args=(runtime,),
                              kwargs={"web": True, "stopping": stopping, "on_started": on_started}, daemon=True)
    thread.start()
    assert up.wait(timeout), "the service did not start"
    try:
        yield started[0].rstrip("/")
    finally:
        stopping.set()
        thread.join(timeout=30)


@contextmanager
def serving_web(runtime: Runtime, port: int):
    """Only the web process (no scheduler) for ``runtime`` on 127.0.0.1:``port``, by real uvicorn."""
    from distributor.sandbox.server import serving_in_thread
    from distributor.service import web_server_config
    from distributor.web import create_app

    web = runtime.settings.web.model_copy(update={"host": "127.0.0.1", "port": port})
    app = create_app(runtime.settings, runtime.engine, runtime=runtime)
    with serving_in_thread(web_server_config(app, web), "the web app") as url:
        yield url
