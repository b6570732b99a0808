"""/hooks/<name> is open to the internet: what the headers alone refuse (no signature, a stale
signed time, a hook without its secret) is answered before the body is read, so a stranger
cannot make the desk take in a body it will throw away."""

from __future__ import annotations

import time

import pytest

from distributor.config import Settings
from distributor.pipeline import Runtime
from tests.helpers.service import free_port, serving_web
from tests.test_websub_callback_door import _length  # noqa: F401 - the same raw-socket reader

SECRET = "s3cret-for-door-tests"


@pytest.fixture
def door(engine, monkeypatch):
    monkeypatch.setenv("DISTRIBUTOR_WEBHOOK_CMS_SECRET", SECRET)
    monkeypatch.setenv("DISTRIBUTOR_WEBHOOK_GHOST_SECRET", SECRET)
    monkeypatch.delenv("DISTRIBUTOR_WEBHOOK_BARE_SECRET", raising=False)
    settings = Settings(webhooks=[{"name": "cms"}, {"name": "ghost", "kind": "ghost"}, {"name": "bare"}],
                        accounts=[{"name": "d", "platform": "dryrun"}])
    port = free_port()
    with serving_web(Runtime(settings, engine), port):
        yield port


def announce(port: int, path: str, headers: bytes = b"") -> bytes:
    from tests.test_websub_callback_door import announce_and_wait

    return announce_and_wait(port, path, b"Content-Type: application/json\r\n" + headers, length=500_000)


def test_an_unsigned_request_is_401_before_its_body_is_read(door):
    answer = announce(door, "/hooks/cms")
    assert answer.startswith(b"HTTP/1.1 401") and b"unsigned" in answer, answer[:300]


def test_a_stale_signed_time_is_401_before_the_body_is_read(door):
    old = int(time.time()) - 3600
    answer = announce(door, "/hooks/cms", b"X-Distributor-Signature: sha256=00\r\nX-Distributor-Timestamp: "
                      + str(old).encode() + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 401") and b"replay" in answer, answer[:300]
    ghost = announce(door, "/hooks/ghost", f"X-Ghost-Signature: sha256=00, t={old * 1000}\r\n".encode())
    assert ghost.startswith(b"HTTP/1.1 401") and b"replay" in ghost, ghost[:300]


def test_a_hook_without_its_secret_refuses_before_reading(door):
    answer = announce(door, "/hooks/bare", b"X-Distributor-Signature: sha256=00\r\n")
    assert answer.startswith(b"HTTP/1.1 401") and b"no secret" in answer, answer[:300]
