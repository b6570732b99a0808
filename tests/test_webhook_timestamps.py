"""A signed time on generic and WordPress webhooks: a captured request cannot be replayed once
its time is older than max_age_seconds (the digest that catches replays is kept only a month),
and senders that sign only the body keep working unless the hook requires a time."""

from __future__ import annotations

import json
import time

import pytest

from distributor.sources.webhooks import sign_generic, sign_wordpress
from tests.test_webhooks import SECRET, articles, body_of, make_client, nothing_written, send  # noqa: F401

HOUR = 3600


def wp_body(url: str = "http://127.0.0.1:9/?p=7") -> bytes:
    return json.dumps({"post_id": 7, "post": {"ID": 7, "post_title": "Ferry vote", "post_status": "publish"},
                       "post_permalink": url}).encode()


def _header(stamp) -> str | bytes:
    return stamp if isinstance(stamp, bytes) else str(stamp)


def generic(client, body, stamp, signed_stamp="same"):
    signed = stamp if signed_stamp == "same" else signed_stamp
    return send(client, body, signature=sign_generic(SECRET, body, signed),
                headers={"X-Distributor-Timestamp": _header(stamp)})


def wordpress(client, body, stamp, signed_stamp="same"):
    signed = stamp if signed_stamp == "same" else signed_stamp
    return client.post("/hooks/wp", content=body, headers={"x-wp-webhook-signature": sign_wordpress(SECRET, body, signed),
                                                           "X-Distributor-Timestamp": _header(stamp)})


@pytest.mark.parametrize("sender", [generic, wordpress])
def test_a_signed_time_too_far_away_is_a_replay_and_changes_nothing(make_client, engine, sender):
    client = make_client()
    body = body_of("http://127.0.0.1:9/news/ferry") if sender is generic else wp_body()
    now = int(time.time())
    captured_long_ago = sender(client, body, now - 40 * 24 * HOUR)  # past the month the digests are kept
    assert captured_long_ago.status_code == 401 and "replay" in captured_long_ago.json()["detail"]
    assert sender(client, body, now + HOUR).status_code == 401  # from the future: refused alike
    assert nothing_written(engine)
    fresh = sender(client, body, now)
    assert fresh.status_code == 202 and fresh.json()["status"] == "created", fresh.text
    assert len(articles(engine)) == 1


@pytest.mark.parametrize("sender", [generic, wordpress])
def test_the_time_is_covered_by_the_signature(make_client, engine, sender):
    client = make_client()
    body = body_of("http://127.0.0.1:9/news/ferry") if sender is generic else wp_body()
    now = int(time.time())
    old = now - 40 * 24 * HOUR
    # an old capture's signature with a new time written over it, and a body-only signature with a time
    assert sender(client, body, now, signed_stamp=old).status_code == 401
    assert sender(client, body, now, signed_stamp=None).status_code == 401
    for nonsense in ("soon", "-5", "1e9", "9" * 40, "12\u00b2".encode("latin-1"), ""):
        answer = sender(client, body, nonsense, signed_stamp=None)
        assert answer.status_code == 401 and "unix seconds" in answer.json()["detail"], nonsense
    assert nothing_written(engine)


def test_a_body_only_signature_still_works_unless_the_hook_requires_a_time(make_client, engine):
    body = body_of("http://127.0.0.1:9/news/ferry")
    legacy = make_client()
    assert send(legacy, body, signature=sign_generic(SECRET, body)).status_code == 202
    strict = make_client(require_timestamp=True)
    other = body_of("http://127.0.0.1:9/news/bridge")
    refused = send(strict, other, signature=sign_generic(SECRET, other))
    assert refused.status_code == 401 and "X-Distributor-Timestamp" in refused.json()["detail"]
    assert generic(strict, other, int(time.time())).status_code == 202
    assert sorted(a.url for a in articles(engine)) == ["http://127.0.0.1:9/news/bridge", "http://127.0.0.1:9/news/ferry"]
