"""`distributor run` (scheduler + web UI) in a thread of the test, on a free 127.0.0.1 port."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from distributor.pipeline import Runtime
from distributor.service import run_service


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


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving_web(runtime: Runtime, port: int):
    """Only the web process (no scheduler) for ``runtime`` on 127.0.0.1:``port``, by real uvicorn."""
    import time

    import uvicorn

    from distributor.service import web_server_config
    from distributor.web import create_app

    class ThreadServer(uvicorn.Server):
        def install_signal_handlers(self):  # the test runner owns signals
            pass

    web = runtime.settings.web.model_copy(update={"host": "127.0.0.1", "port": port})
    server = ThreadServer(web_server_config(create_app(runtime.settings, runtime.engine, runtime=runtime), web))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
