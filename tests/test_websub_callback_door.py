"""The WebSub callback is open to anyone: it reads a body only for a subscription that exists
and a push that carries a signature, so a stranger cannot make it take in megabytes."""

from __future__ import annotations

import socket

import pytest
from sqlmodel import Session

from distributor.config import Settings
from distributor.models import Feed, WebSubSubscription
from distributor.pipeline import Runtime
from tests.helpers.service import free_port, serving_web

TOKEN = "known-callback-token-0123456789"
FEED = "https://news.example/feed"


@pytest.fixture
def door(engine, monkeypatch):
    monkeypatch.setenv("DISTRIBUTOR_WEBSUB_SECRET", "master-websub-secret")
    port = free_port()
    settings = Settings(fetch={"max_page_bytes": 100_000}, web={"public_url": f"http://127.0.0.1:{port}"},
                        feeds=[{"url": FEED}], accounts=[{"name": "d", "platform": "dryrun"}])
    with Session(engine) as session:
        feed = Feed(url=FEED)
        session.add(feed)
        session.flush()
        session.add(WebSubSubscription(feed_id=feed.id, hub="https://hub.example/", topic=FEED, token=TOKEN,
                                       state="active"))
        session.commit()
    with serving_web(Runtime(settings, engine), port):
        yield port


def announce_and_wait(port: int, path: str, extra: bytes = b"", length: int = 90_000) -> bytes:
    """Headers announcing a body (under every ceiling) that never comes: the answer must not wait for it."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: application/rss+xml\r\n" + extra +
                           b"Content-Length: " + str(length).encode() + b"\r\n\r\n")
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            return answer or b"(no answer within 5 s: the server waited for the body)"
        return answer


def _length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_an_unknown_token_is_404_before_the_body_is_read(door):
    answer = announce_and_wait(door, "/websub/unknown-callback-token-0123")
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]


def test_a_push_without_a_signature_is_acknowledged_and_ignored_unread(door):
    answer = announce_and_wait(door, f"/websub/{TOKEN}")
    assert answer.startswith(b"HTTP/1.1 202") and b'"ignored"' in answer, answer[:300]


def test_a_signed_push_over_max_page_bytes_is_413_unread(door):
    answer = announce_and_wait(door, f"/websub/{TOKEN}", b"X-Hub-Signature: sha256=00\r\n", length=100_001)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
