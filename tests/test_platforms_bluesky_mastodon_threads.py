"""What only Bluesky, Mastodon and Threads do: sessions, idempotency, instance limits, the 24-hour cap.

The real atproto, Mastodon.py and requests code against the sandbox on 127.0.0.1.
"""

from __future__ import annotations

import pytest
import requests

from distributor.errors import RateLimited, Rejected, Transient
from tests.test_platform_contract import THREADS_USER, a_post, fetcher, images, make_adapter  # noqa: F401


def stats(base: str) -> dict[str, int]:
    return requests.get(base + "/_sandbox/stats", timeout=5).json()["requests"]


def posts(base: str) -> list[dict]:
    return requests.get(base + "/_sandbox/posts", timeout=5).json()


def configure(base: str, platform: str, **settings) -> None:
    requests.post(f"{base}/_sandbox/settings/{platform}", json=settings, timeout=5).raise_for_status()


def fault(base: str, path: str, kind: str, **extra) -> None:
    requests.post(base + "/_sandbox/faults", json={"path": path, "kind": kind, **extra}, timeout=5).raise_for_status()


# --- Bluesky ---------------------------------------------------------------------------

CREATE = "POST /xrpc/com.atproto.repo.createRecord"
REFRESH = "POST /xrpc/com.atproto.server.refreshSession"
LOGIN = "POST /xrpc/com.atproto.server.createSession"


def test_bluesky_session_is_refreshed_before_it_expires(sandbox, fetcher):  # noqa: F811
    configure(sandbox, "bluesky", access_seconds=600)  # inside the SDK's 15-minute margin from the start
    adapter = make_adapter("bluesky", sandbox, fetcher)

    adapter.publish(a_post(text="First story"))
    adapter.publish(a_post(text="Second story", link="https://news.example.com/second"))

    assert len(posts(sandbox)) == 2
    assert stats(sandbox)[LOGIN] == 1  # one login (createSession is limited to 30 per 5 minutes)
    assert stats(sandbox)[REFRESH] >= 1  # refreshed ahead of time, never refused


def test_bluesky_refused_session_is_refreshed_once_and_the_post_goes_out(sandbox, fetcher):  # noqa: F811
    adapter = make_adapter("bluesky", sandbox, fetcher)
    adapter.publish(a_post(text="Before the token expired"))
    fault(sandbox, CREATE, "session_expired")  # the PDS expires the access token early

    published = adapter.publish(a_post(text="After the token expired", link="https://news.example.com/after"))

    assert published.external_id in {p["id"] for p in posts(sandbox)}
    assert stats(sandbox)[REFRESH] == 1 and stats(sandbox)[LOGIN] == 1


def test_bluesky_counts_graphemes_not_code_points(sandbox, fetcher):  # noqa: F811
    adapter = make_adapter("bluesky", sandbox, fetcher)
    accented = "e\u0301"  # one grapheme, two code points
    adapter.publish(a_post(text=accented * 300, link=None))  # 600 code points, 300 graphemes: allowed

    with pytest.raises(Rejected) as caught:
        adapter.publish(a_post(text=accented * 301, link=None))
    assert "300 graphemes" in caught.value.reason
    assert len(posts(sandbox)) == 1


def test_bluesky_retry_after_a_lost_response_never_posts_twice(sandbox, fetcher):  # noqa: F811
    from datetime import datetime, timezone

    from distributor.errors import DuplicateContent

    post = a_post(text="Lost answer [ref:9]", marker="[ref:9]", not_before=datetime.now(timezone.utc))
    fault(sandbox, CREATE, "drop_after")
    with pytest.raises(Transient):
        make_adapter("bluesky", sandbox, fetcher).publish(post)

    restarted = make_adapter("bluesky", sandbox, fetcher)  # another worker process, after a crash
    with pytest.raises(DuplicateContent):
        restarted.publish(post)  # the same record key: the PDS already has it
    [shown] = posts(sandbox)
    assert restarted.find_existing(post).external_id == shown["id"]


# --- Mastodon --------------------------------------------------------------------------

STATUSES = "POST /api/v1/statuses"


def test_mastodon_idempotency_key_returns_the_first_status_after_a_lost_response(sandbox, fetcher):  # noqa: F811
    post = a_post(text="Ferry timetable changes [ref:m1]", marker="[ref:m1]")
    fault(sandbox, STATUSES, "drop_after")
    with pytest.raises(Transient):
        make_adapter("mastodon", sandbox, fetcher).publish(post)

    published = make_adapter("mastodon", sandbox, fetcher).publish(post)  # a restarted worker retries

    [shown] = posts(sandbox)
    assert published.external_id == shown["id"]
    assert stats(sandbox)[STATUSES] == 2  # the retry reached the instance and was answered with the first


def test_mastodon_reads_the_instance_limits(sandbox, fetcher):  # noqa: F811
    configure(sandbox, "mastodon", max_characters=1000)
    long_text = "The council met until late. " * 25  # 700 characters: over the usual 500, under this instance's
    make_adapter("mastodon", sandbox, fetcher).publish(a_post(text=long_text.strip()))
    assert len(posts(sandbox)) == 1

    configure(sandbox, "mastodon", max_characters=100)
    before = stats(sandbox)[STATUSES]
    with pytest.raises(Rejected) as caught:
        make_adapter("mastodon", sandbox, fetcher).publish(a_post(text="x" * 90))  # 90 + 2 + 23 for the link
    assert "limit 100" in caught.value.reason
    assert stats(sandbox)[STATUSES] == before  # refused before sending


# --- Threads ---------------------------------------------------------------------------

def test_threads_waits_for_an_image_container_before_publishing(sandbox, fetcher, images):  # noqa: F811
    adapter = make_adapter("threads", sandbox, fetcher)
    adapter.publish(a_post(image_url=images + "/lead.png", image_alt="The chamber"))

    [shown] = posts(sandbox)
    assert shown["media"][0]["alt_text"] == "The chamber"
    assert stats(sandbox)["GET /{version}/{id}"] >= 2  # in progress, then finished


def test_threads_250_posts_a_day_cap_holds_the_post(sandbox, fetcher):  # noqa: F811
    configure(sandbox, "threads", user_id=THREADS_USER, quota_usage=250)

    with pytest.raises(RateLimited) as caught:
        make_adapter("threads", sandbox, fetcher).publish(a_post())

    assert "250 posts in 24 hours" in str(caught.value)
    assert posts(sandbox) == []
    assert "POST /{version}/{user_id}/threads_publish" not in stats(sandbox)


def test_threads_counts_an_emoji_as_its_utf8_bytes(sandbox, fetcher):  # noqa: F811
    adapter = make_adapter("threads", sandbox, fetcher)
    party = "\U0001F389"  # counts 4 on Threads
    adapter.publish(a_post(text=party * 125, link=None))  # 125 code points, 500 as Threads counts: allowed

    with pytest.raises(Rejected) as caught:
        adapter.publish(a_post(text=party * 126, link=None))  # 504: Threads would refuse it
    assert "the limit is 500" in caught.value.reason
    assert len(posts(sandbox)) == 1
