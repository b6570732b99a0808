"""WebSub against a local hub: discover, subscribe, verify (only what we asked for), signed pushes,
renewal before the lease ends, and polling again when the hub goes away."""

from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest
import requests
from sqlmodel import Session, select

from distributor.config import Settings
from distributor.models import Article, Feed, WebSubSubscription, utcnow
from distributor.pipeline import Runtime, discover, sync_configuration, websub_step
from distributor.sources.websub import find_hub
from tests.helpers.service import free_port, serving_web
from tests.helpers.websub_hub import Hub, rss_with_hub
from tests.newsroom import Site


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def world(engine, monkeypatch):
    monkeypatch.setenv("DISTRIBUTOR_WEBSUB_SECRET", "master-websub-secret")
    with Site() as site, Hub() as hub:
        port = free_port()
        feed_url = site.url("/feed")
        site.pages["/feed"] = ("application/rss+xml", rss_with_hub(hub.url, feed_url, []))
        settings = Settings(fetch={"allow_private_networks": True, "timeout_seconds": 3, "total_seconds": 3},
                            web={"public_url": f"http://127.0.0.1:{port}"},
                            feeds=[{"url": feed_url, "poll_seconds": 60, "websub_poll_seconds": 900}],
                            accounts=[{"name": "d", "platform": "dryrun"}])
        runtime = Runtime(settings, engine)
        sync_configuration(runtime)
        with serving_web(runtime, port) as base:
            yield site, hub, runtime, base, feed_url


def subscription(engine) -> WebSubSubscription | None:
    with Session(engine) as session:
        return session.exec(select(WebSubSubscription)).first()


def next_poll_in(engine) -> float:
    with Session(engine) as session:
        feed = session.exec(select(Feed)).one()
        when = feed.next_poll_at if feed.next_poll_at.tzinfo else feed.next_poll_at.replace(tzinfo=UTC)
        return (when - utcnow()).total_seconds()


def subscribed(world) -> WebSubSubscription:
    site, hub, runtime, base, feed_url = world
    discover(runtime, force=True)  # first poll: the feed announces its hub
    websub_step(runtime)
    assert wait_for(lambda: (subscription(runtime.engine) or WebSubSubscription()).state == "active")
    # our callback stores "active" before its answer reaches the hub: wait until the hub has read it too
    assert wait_for(lambda: hub.verified(feed_url))
    return subscription(runtime.engine)


def test_the_hub_is_found_in_the_link_header_or_the_document():
    assert find_hub(b"<rss/>", {"Link": '<https://hub.example/>; rel="hub", <https://n.example/f>; rel="self"'},
                    "https://n.example/feed") == ("https://hub.example/", "https://n.example/f")
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><link href="/hub" rel="hub"/></feed>'
    assert find_hub(atom, {}, "https://n.example/feed") == ("https://n.example/hub", "https://n.example/feed")
    assert find_hub(b"<rss><channel></channel></rss>", {}, "https://n.example/feed") == (None, "https://n.example/feed")


def test_a_feed_with_a_hub_is_subscribed_verified_and_then_polled_less_often(world):
    site, hub, runtime, base, feed_url = world
    sub = subscribed(world)
    [request] = hub.requests
    assert request["hub.mode"] == "subscribe" and request["hub.topic"] == feed_url
    assert request["hub.callback"] == f"{base}/websub/{sub.token}"
    assert hub.verified(feed_url)  # our callback echoed the hub's challenge
    discover(runtime, force=True)
    assert 800 < next_poll_in(runtime.engine) <= 900  # the safety-net interval, not 60 s


def test_a_signed_push_is_a_new_article_and_a_wrong_signature_changes_nothing(world):
    site, hub, runtime, base, feed_url = world
    subscribed(world)
    story = site.url("/news/ferry")
    body = rss_with_hub(hub.url, feed_url, [("Ferry", story)])
    [forged] = hub.publish(feed_url, body, secret="not-the-secret")
    assert forged.status_code == 202 and forged.json()["status"] == "ignored"
    with Session(runtime.engine) as session:
        assert session.exec(select(Article)).first() is None
    [answer] = hub.publish(feed_url, body)
    assert answer.status_code == 202 and answer.json() == {"status": "accepted", "new": 1}
    with Session(runtime.engine) as session:
        assert [a.url for a in session.exec(select(Article))] == [story]
    [again] = hub.publish(feed_url, body)  # the hub sends the same feed again: not a second story
    assert again.json()["new"] == 0


def test_only_subscriptions_we_asked_for_are_confirmed(world):
    site, hub, runtime, base, feed_url = world
    sub = subscribed(world)
    challenge = {"hub.mode": "subscribe", "hub.challenge": "c123", "hub.lease_seconds": "100"}
    assert requests.get(f"{base}/websub/{sub.token}", params=challenge | {"hub.topic": feed_url}).text == "c123"
    assert requests.get(f"{base}/websub/{sub.token}", params=challenge | {"hub.topic": "http://evil.example/"}).status_code == 404
    assert requests.get(f"{base}/websub/not-a-token", params=challenge | {"hub.topic": feed_url}).status_code == 404
    unsubscribe = {"hub.mode": "unsubscribe", "hub.topic": feed_url, "hub.challenge": "u1"}
    assert requests.get(f"{base}/websub/{sub.token}", params=unsubscribe).status_code == 404
    assert subscription(runtime.engine).state == "active"
    assert requests.post(f"{base}/websub/not-a-token", data=b"<rss/>").status_code == 404


def test_the_lease_is_renewed_before_it_ends(world):
    site, hub, runtime, base, feed_url = world
    hub.lease_seconds = 120
    sub = subscribed(world)
    lease_until = sub.lease_until if sub.lease_until.tzinfo else sub.lease_until.replace(tzinfo=UTC)
    websub_step(runtime, now=utcnow() + timedelta(seconds=30))
    assert len(hub.requests) == 1  # too early to renew
    websub_step(runtime, now=lease_until - timedelta(seconds=50))  # past halfway, before the end
    assert len(hub.requests) == 2 and hub.requests[1]["hub.mode"] == "subscribe"
    assert wait_for(lambda: subscription(runtime.engine).verified_at > sub.verified_at)
    assert subscription(runtime.engine).state == "active"


def test_when_the_hub_goes_away_the_feed_is_polled_as_usual_again(world):
    site, hub, runtime, base, feed_url = world
    hub.lease_seconds = 120
    subscribed(world)
    discover(runtime, force=True)
    assert next_poll_in(runtime.engine) > 800
    hub.down()
    later = utcnow() + timedelta(seconds=100)
    report = websub_step(runtime, now=later)  # renewal due: the hub does not answer
    assert report.failed == 1
    sub = subscription(runtime.engine)
    assert sub.state == "failed" and "failed" in sub.last_error
    assert next_poll_in(runtime.engine) <= 100  # polled at once (then), not 15 minutes after the last poll
    assert discover(runtime, now=later).skipped == 0  # it is due
    assert 150 < next_poll_in(runtime.engine) <= 160  # and every poll_seconds (60) from then on


def test_a_hub_that_refuses_or_disappears_from_the_feed_means_polling_only(world):
    site, hub, runtime, base, feed_url = world
    hub.failing = True
    discover(runtime, force=True)
    websub_step(runtime)
    assert subscription(runtime.engine).state == "failed"
    assert next_poll_in(runtime.engine) <= 60
    site.pages["/feed"] = ("application/rss+xml", rss_with_hub(None, feed_url, []))
    discover(runtime, force=True)
    assert subscription(runtime.engine) is None


def test_a_hub_that_denies_a_running_subscription_sends_the_feed_back_to_polling_at_once(world):
    site, hub, runtime, base, feed_url = world
    sub = subscribed(world)
    discover(runtime, force=True)
    assert next_poll_in(runtime.engine) > 800
    denied = {"hub.mode": "denied", "hub.topic": feed_url, "hub.reason": "not allowed any more"}
    assert requests.get(f"{base}/websub/{sub.token}", params=denied).status_code == 200
    assert subscription(runtime.engine).state == "failed"
    assert next_poll_in(runtime.engine) <= 1  # due now, not when the safety-net interval ends
    assert discover(runtime).skipped == 0
    assert 50 < next_poll_in(runtime.engine) <= 60  # and every poll_seconds from then on


def test_a_renewal_the_hub_has_not_verified_yet_is_not_asked_for_again_every_tick(world):
    site, hub, runtime, base, feed_url = world
    hub.lease_seconds = 3600
    sub = subscribed(world)
    lease_until = sub.lease_until if sub.lease_until.tzinfo else sub.lease_until.replace(tzinfo=UTC)
    hub.silent = True  # takes the renewal (202), verifies later, or never
    renewal = lease_until - timedelta(minutes=20)  # past halfway
    websub_step(runtime, now=renewal)
    assert len(hub.requests) == 2
    for seconds in (30, 60, 90, 120):  # the next ticks, while the hub may still verify
        websub_step(runtime, now=renewal + timedelta(seconds=seconds))
    assert len(hub.requests) == 2
    websub_step(runtime, now=renewal + timedelta(minutes=6))  # no verification within the wait: asked again
    assert len(hub.requests) == 3
    assert subscription(runtime.engine).state == "active"  # the running lease still holds


def test_the_subscription_secret_never_travels_over_plain_http(engine, monkeypatch):
    """A feed names its hub with http:// (common in older feeds): the request carrying hub.secret
    goes over https; a hub that only speaks plain http never sees the secret, and the feed is polled."""
    from distributor.fetch import Fetcher

    monkeypatch.setenv("DISTRIBUTOR_WEBSUB_SECRET", "master-websub-secret")
    with Site() as site, Hub() as hub:
        port = free_port()
        feed_url = site.url("/feed")
        plain_hub = hub.url.replace("127.0.0.1", "hub.example")  # served over plain http, on this machine
        site.pages["/feed"] = ("application/rss+xml", rss_with_hub(plain_hub, feed_url, []))
        settings = Settings(fetch={"allow_private_networks": True, "timeout_seconds": 3, "total_seconds": 3},
                            web={"public_url": f"https://social.example:{port}"},
                            feeds=[{"url": feed_url, "poll_seconds": 60, "websub_poll_seconds": 900}],
                            accounts=[{"name": "d", "platform": "dryrun"}])
        # hub.example is the local hub: nothing leaves this machine
        runtime = Runtime(settings, engine, fetcher=Fetcher(settings.fetch, resolver=lambda host, port: ["127.0.0.1"]))
        sync_configuration(runtime)
        discover(runtime, force=True)
        report = websub_step(runtime)
        assert report.failed == 1 and "https://hub.example" in report.errors[0]
        assert hub.requests == []  # the plain-http hub never received hub.secret
        sub = subscription(engine)
        assert sub.state == "failed" and sub.hub == plain_hub
        assert next_poll_in(engine) <= 60  # polled as usual


def test_a_hub_is_asked_over_https_unless_it_is_on_this_machine():
    from distributor.subscriptions import secure_hub

    assert secure_hub("http://pubsubhubbub.example/hub?x=1") == "https://pubsubhubbub.example/hub?x=1"
    assert secure_hub("https://hub.example/") == "https://hub.example/"
    assert secure_hub("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"  # a hub on this machine (tests, demo)


def test_a_feed_removed_from_the_configuration_is_unsubscribed_at_its_hub(world):
    site, hub, runtime, base, feed_url = world
    subscribed(world)
    assert len(hub.publish(feed_url, rss_with_hub(hub.url, feed_url, []))) == 1  # the hub pushes to us
    removed = Runtime(runtime.settings.model_copy(update={"feeds": []}), runtime.engine)
    report = websub_step(removed)
    assert report.errors == []
    assert hub.requests[-1]["hub.mode"] == "unsubscribe" and hub.requests[-1]["hub.topic"] == feed_url
    assert wait_for(lambda: not hub.verified(feed_url))  # the hub verified it with our callback and stopped
    assert subscription(runtime.engine) is None
    site.pages["/story"] = ("text/html", b"<html><head><title>Late</title></head><body><p>x</p></body></html>")
    assert hub.publish(feed_url, rss_with_hub(hub.url, feed_url, [("Late", site.url("/story"))])) == []
    with Session(runtime.engine) as session:
        assert session.exec(select(Article)).all() == []


def test_a_hub_that_fails_the_unsubscribe_is_asked_again_and_then_given_up(world):
    site, hub, runtime, base, feed_url = world
    subscribed(world)
    hub.failing = True
    removed = Runtime(runtime.settings.model_copy(update={"feeds": []}), runtime.engine)
    now = utcnow()
    asked = 0
    for minutes in range(0, 60 * 24 * 2, 30):  # two days of looks, every half hour
        before = len(hub.requests)
        websub_step(removed, now=now + timedelta(minutes=minutes))
        asked += len(hub.requests) - before
        if subscription(runtime.engine) is None:
            break
    assert subscription(runtime.engine) is None  # given up: a later push meets a 404
    assert 2 <= asked <= 6


def test_a_json_feed_announces_its_hub_and_its_signed_pushes_are_new_articles(world):
    import json

    site, hub, runtime, base, feed_url = world
    def body(*links):
        return json.dumps({"version": "https://jsonfeed.org/version/1.1", "feed_url": feed_url,
                           "hubs": [{"type": "WebSub", "url": hub.url}],
                           "items": [{"id": link, "url": link, "date_published": utcnow().isoformat()}
                                     for link in links]}).encode()

    site.pages["/feed"] = ("application/feed+json", body())
    sub = subscribed(world)  # found in the JSON Feed's "hubs"
    assert (sub.hub, sub.topic) == (hub.url, feed_url)
    story = site.url("/news/ferry")
    [answer] = hub.publish(feed_url, body(story), content_type="application/feed+json")
    assert answer.status_code == 202 and answer.json() == {"status": "accepted", "new": 1}
    with Session(runtime.engine) as session:
        assert [a.url for a in session.exec(select(Article))] == [story]


def test_a_feed_whose_websub_is_turned_off_is_unsubscribed_and_its_pushes_ignored(world):
    site, hub, runtime, base, feed_url = world
    subscribed(world)
    off = runtime.settings.model_copy(update={"feeds": [runtime.settings.feeds[0].model_copy(update={"websub": False})]})
    hub.silent = True  # the hub takes the request and does not confirm it yet
    websub_step(Runtime(off, runtime.engine))
    assert hub.requests[-1]["hub.mode"] == "unsubscribe"
    assert subscription(runtime.engine).state == "unsubscribing"
    runtime.settings = off  # the web process runs the new configuration too
    [answer] = hub.publish(feed_url, rss_with_hub(hub.url, feed_url, [("Ferry", site.url("/news/ferry"))]))
    assert answer.status_code == 202 and answer.json()["status"] == "ignored"
    with Session(runtime.engine) as session:
        assert session.exec(select(Article)).all() == []


def test_a_push_arriving_while_a_poll_records_the_same_story_is_accepted_and_recorded_once(world, monkeypatch):
    """The hub pushes the story the safety-net poll is recording at that moment: the push waited
    on the poll's rows and then failed on them (503, the hub retrying a story already in)."""
    import threading

    from distributor import pipeline

    site, hub, runtime, base, feed_url = world
    subscribed(world)
    earlier = site.url("/news/earlier")
    site.pages["/feed"] = ("application/rss+xml", rss_with_hub(hub.url, feed_url, [("Earlier", earlier)]))
    discover(runtime, force=True)  # the baseline
    story = site.url("/news/ferry")
    body = rss_with_hub(hub.url, feed_url, [("Ferry", story), ("Earlier", earlier)])
    site.pages["/feed"] = ("application/rss+xml", body)
    recorded, release = threading.Event(), threading.Event()
    original = pipeline.record_feed_items

    def recording_slowly(*args, **kwargs):  # the poll's rows are written, not yet committed
        added = original(*args, **kwargs)
        recorded.set()
        release.wait(10)
        return added

    monkeypatch.setattr(pipeline, "record_feed_items", recording_slowly)
    polls = []
    poller = threading.Thread(target=lambda: polls.append(discover(runtime, force=True)))
    poller.start()
    assert recorded.wait(10)
    answers = []
    pusher = threading.Thread(target=lambda: answers.extend(hub.publish(feed_url, body)))
    pusher.start()
    time.sleep(1.0)  # the push is at the poll's rows
    release.set()
    poller.join()
    pusher.join()
    assert polls[0].failed == 0 and polls[0].done == 1
    assert [a.status_code for a in answers] == [202] and answers[0].json() == {"status": "accepted", "new": 0}
    with Session(runtime.engine) as session:
        assert sorted(a.url for a in session.exec(select(Article))) == [earlier, story]
