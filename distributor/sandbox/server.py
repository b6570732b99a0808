"""Run the sandbox: ``serve`` in the foreground, ``running_sandbox`` in a thread (``serving_in_thread``,
which also serves the tests' desks)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Iterator

import uvicorn

from distributor.sandbox.app import create_app


class _QuietDrops(logging.Filter):
    """A dropped connection is a fault we inject on purpose: don't log it as an app error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


def _config(host: str, port: int, delay_ms: float, fail_rate: float, seed: int, log_level: str) -> uvicorn.Config:
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    return uvicorn.Config(create_app(delay_ms=delay_ms, fail_rate=fail_rate, seed=seed), host=host, port=port,
                          log_level=log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=2)


def serve(host: str = "127.0.0.1", port: int = 8765, delay_ms: float = 0, fail_rate: float = 0.0,
          seed: int = 0) -> None:
    """Serve until Ctrl-C (uvicorn handles the signal and shuts down cleanly)."""
    uvicorn.Server(_config(host, port, delay_ms, fail_rate, seed, "info")).run()


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # only the main thread may; the caller owns Ctrl-C
        pass


@contextlib.contextmanager
def serving_in_thread(config: uvicorn.Config, name: str = "the server") -> Iterator[str]:
    """uvicorn with ``config`` in a daemon thread until the block ends; yields its base URL once it
    accepts connections (the sandbox here, and the tests' desks)."""
    server = _ThreadServer(config)
    thread = threading.Thread(target=server.run, name=f"distributor {name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def running_sandbox(host: str = "127.0.0.1", port: int = 0, delay_ms: float = 0, fail_rate: float = 0.0,
                    seed: int = 0, log_level: str = "warning") -> Iterator[str]:
    """Run the sandbox in a background thread; yields its base URL, stops it on exit."""
    with serving_in_thread(_config(host, port or _free_port(host), delay_ms, fail_rate, seed, log_level),
                           "the sandbox") as url:
        yield url
