"""Bluesky, Mastodon and Threads against servers that answer oddly: absurd rate-limit resets,
429s without a body, instance configurations that are not numbers.

A scripted server on 127.0.0.1 answers each path with a fixed reply; the real
atproto, Mastodon.py and requests code talks to it.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from distributor.errors import RateLimited
from tests.test_platform_contract import a_post, fetcher, make_adapter  # noqa: F401

JSON = {"Content-Type": "application/json"}
DAY = timedelta(hours=24)


class Scripted:
    """path -> (status, headers, body); anything else is a 404."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        answers = self.answers

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status, headers, body = answers.get(self.path.split("?")[0].rstrip("/"), (404, JSON, b'{"error": "Not Found"}'))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, status: int, body: object = None, **headers: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        self.answers[path] = (status, {**(JSON if body is not None else {}), **headers}, raw)


@pytest.fixture
def scripted():
    server = Scripted()
    yield server
    server.server.shutdown()
    server.server.server_close()


def within_a_day(retry_at: datetime) -> bool:
    now = datetime.now(timezone.utc)
    return now < retry_at <= now + DAY + timedelta(minutes=1)


# a reset too far away to be a window (year 3170843: not even a date), and one in the year 2100
ABSURD_RESETS = ["99999999999999", "4102444800"]


@pytest.mark.parametrize("reset", ABSURD_RESETS)
def test_bluesky_absurd_ratelimit_reset_waits_at_most_a_day(scripted, fetcher, reset):  # noqa: F811
    scripted.answer("/xrpc/com.atproto.server.createSession", 429,
                    {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    **{"ratelimit-reset": reset, "ratelimit-remaining": "0", "ratelimit-limit": "30"})

    with pytest.raises(RateLimited) as caught:
        make_adapter("bluesky", scripted.base, fetcher).publish(a_post())

    assert within_a_day(caught.value.retry_at)


def mastodon_instance(scripted: Scripted, configuration: object) -> None:
    scripted.answer("/api/v2/instance", 200, {"domain": "mastodon.example", "configuration": configuration})


@pytest.mark.parametrize("reset", ABSURD_RESETS)
def test_mastodon_absurd_ratelimit_reset_waits_at_most_a_day(scripted, fetcher, reset):  # noqa: F811
    mastodon_instance(scripted, {"statuses": {"max_characters": 500, "characters_reserved_per_url": 23}})
    scripted.answer("/api/v1/statuses", 429, {"error": "Too many requests"},
                    **{"X-RateLimit-Reset": reset, "X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "300"})

    with pytest.raises(RateLimited) as caught:
        make_adapter("mastodon", scripted.base, fetcher).publish(a_post())

    assert within_a_day(caught.value.retry_at)


STATUS = {"id": "109", "url": "https://mastodon.example/@newsroom/109", "uri": "https://mastodon.example/109",
          "created_at": "2026-12-01T12:00:00.000Z", "content": "<p>Ferry</p>", "visibility": "public",
          "account": {"id": "1", "acct": "newsroom", "username": "newsroom"}, "media_attachments": []}


@pytest.mark.parametrize("configuration", [
    {"statuses": {"max_characters": "lots", "characters_reserved_per_url": "some"}},
    {"statuses": {"max_characters": 0, "characters_reserved_per_url": -1}},
    {"statuses": {"max_characters": -5}},
    {"statuses": ["max_characters", 500]},
    ["not", "a", "configuration"],
], ids=["words", "zero", "negative", "list-statuses", "list"])
def test_mastodon_instance_configuration_that_makes_no_sense_means_the_usual_limits(
        scripted, fetcher, configuration):  # noqa: F811
    mastodon_instance(scripted, configuration)
    scripted.answer("/api/v1/statuses", 200, STATUS)

    published = make_adapter("mastodon", scripted.base, fetcher).publish(a_post(text="Ferry trial approved"))

    assert published.external_id == "109"


def test_threads_bare_429_is_a_rate_limit_with_its_retry_after(scripted, fetcher):  # noqa: F811
    """A 429 from a proxy in front of the Graph API has no Graph error body: wait, do not fail the post."""
    scripted.answer("/v1.0/17841400000000001/threads_publishing_limit", 429, b"Too Many Requests",
                    **{"Retry-After": "120", "Content-Type": "text/plain"})

    with pytest.raises(RateLimited) as caught:
        make_adapter("threads", scripted.base, fetcher).publish(a_post())

    wait = caught.value.retry_at - datetime.now(timezone.utc)
    assert timedelta(seconds=100) < wait <= timedelta(seconds=121)


def test_threads_absurd_time_to_regain_access_waits_at_most_a_day(scripted, fetcher):  # noqa: F811
    usage = json.dumps({"call_count": 100, "estimated_time_to_regain_access": 10 ** 12})  # minutes
    scripted.answer("/v1.0/17841400000000001/threads_publishing_limit", 400,
                    {"error": {"message": "(#4) Application request limit reached", "code": 4}},
                    **{"x-app-usage": usage})

    with pytest.raises(RateLimited) as caught:
        make_adapter("threads", scripted.base, fetcher).publish(a_post())

    assert within_a_day(caught.value.retry_at)
