"""The dispatcher against the real adapters and the sandbox, on every database.

Faults are queued on the sandbox (``/_sandbox/faults``); assertions read what
the sandbox received (``/_sandbox/posts``, ``/_sandbox/stats``) and the post's
state and history.
"""

from __future__ import annotations

import threading
from pathlib import Path
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from distributor import posts
from distributor.config import AccountSettings, Settings
from distributor.dispatch import RetryPolicy, claim_one, dispatch_due, resume_account, work_loop
from distributor.fetch import Fetcher
from distributor.models import Account, Post, PostState, RateLimit, utcnow
from distributor.platforms import build_adapter
from tests.helpers.sandbox_process import duplicates, queue_faults, request_count, sandbox_posts

TWEETS = "POST /2/tweets"
FEED = "POST /{version}/{page_id}/feed"
SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck",
    "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token-x-main",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
    "DISTRIBUTOR_X_DESK_CONSUMER_KEY": "ck",
    "DISTRIBUTOR_X_DESK_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_DESK_ACCESS_TOKEN": "token-x-desk",
    "DISTRIBUTOR_X_DESK_ACCESS_TOKEN_SECRET": "ts",
    "DISTRIBUTOR_FB_MAIN_PAGE_ACCESS_TOKEN": "page-token",
}
FIXTURE_IMAGE = Path(__file__).parent / "fixtures" / "platforms" / "lead.png"
FAST = RetryPolicy(backoff_base_seconds=60, max_attempts=8)


@pytest.fixture
def bot(sandbox, engine, monkeypatch):
    """Settings for three sandbox accounts, their adapters, and the engine."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(accounts=[
        AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox),
        AccountSettings(name="x-desk", platform="twitter", api_base_url=sandbox),
        AccountSettings(name="fb-main", platform="facebook", page_id="1001", api_base_url=sandbox),
    ])
    fetcher = Fetcher(settings.fetch)
    adapters = {a.name: build_adapter(a, fetcher) for a in settings.accounts}
    return Bot(engine, settings, adapters, sandbox)


class Bot:
    def __init__(self, engine, settings, adapters, sandbox):
        self.engine, self.settings, self.adapters, self.sandbox = engine, settings, adapters, sandbox

    def add(self, account="x-main", **fields) -> int:
        with Session(self.engine) as session:
            post = posts.create_post(session, self.settings.account(account), **fields)
            session.commit()
            return post.id

    def dispatch(self, worker="w1", **kwargs):
        kwargs.setdefault("policy", FAST)
        return dispatch_due(self.engine, self.settings, self.adapters, worker_id=worker, **kwargs)

    def post(self, post_id) -> Post:
        with Session(self.engine) as session:
            return session.get(Post, post_id)

    def story(self, post_id) -> list[tuple[str | None, str | None]]:
        with Session(self.engine) as session:
            return [(e.from_state, e.to_state) for e in posts.history(session, post_id)]

    def reasons(self, post_id) -> str:
        with Session(self.engine) as session:
            return "\n".join(e.reason or "" for e in posts.history(session, post_id))

    def received(self, text_part: str) -> list[dict]:
        return [p for p in sandbox_posts(self.sandbox) if text_part in p["text"]]


# --------------------------------------------------------------------------- the happy path


@pytest.mark.parametrize("account", ["x-main", "fb-main"])
def test_a_due_post_is_published_once_and_its_story_recorded(bot, account):
    post_id = bot.add(account, text="Council approves the new bridge", link="https://news.example/bridge")
    report = bot.dispatch()
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)
    [received] = bot.received("Council approves the new bridge")
    post = bot.post(post_id)
    assert post.state is PostState.sent and post.external_id == received["id"]
    assert post.sent_at is not None and post.lease_owner is None and post.attempts == 1
    assert bot.story(post_id) == [(None, "queued"), ("queued", "sending"), ("sending", "sent")]
    # nothing left to do: a second round publishes nothing
    assert bot.dispatch(worker="w2").sent == 0
    assert len(bot.received("Council approves")) == 1


def test_future_posts_wait_and_breaking_news_jumps_the_queue(bot):
    now = utcnow()
    later = bot.add(text="Tomorrow's agenda", at=now + timedelta(hours=1))
    first = bot.add(text="Routine story one")
    bot.add(text="Routine story two")
    breaking = bot.add(text="BREAKING: dam opens", priority=10)
    bot.dispatch(limit=2)
    assert [p["text"] for p in sandbox_posts(bot.sandbox)] == ["BREAKING: dam opens", "Routine story one"]
    assert bot.post(breaking).state is PostState.sent and bot.post(first).state is PostState.sent
    assert bot.post(later).state is PostState.queued
    bot.dispatch(now=now + timedelta(hours=2))
    assert bot.post(later).state is PostState.sent


def test_a_post_awaiting_approval_is_not_published(bot):
    gated = bot.settings.account("x-desk").model_copy(update={"require_approval": True})
    with Session(bot.engine) as session:
        post_id = posts.create_post(session, gated, text="Needs an editor").id
        session.commit()
    bot.dispatch()
    assert bot.received("Needs an editor") == []
    with Session(bot.engine) as session:
        posts.approve(session, post_id, actor="editor")
        session.commit()
    bot.dispatch()
    assert len(bot.received("Needs an editor")) == 1


# --------------------------------------------------------------------------- errors by type


def test_a_rate_limit_is_shared_by_all_workers_until_its_reset(bot):
    queue_faults(bot.sandbox, {"path": TWEETS, "kind": "429", "reset_in": 60})
    first = bot.add(text="Rate limited story")
    other = bot.add("fb-main", text="Facebook is not limited")
    report = bot.dispatch(worker="w1")
    assert report.retried == 1 and report.sent == 1
    post = bot.post(first)
    assert post.state is PostState.queued and post.attempts == 0  # a rate limit uses up no attempt
    assert bot.post(other).state is PostState.sent
    with Session(bot.engine) as session:
        limit = session.get(RateLimit, ("x-main", "publish"))
    assert limit.reset_at > utcnow() + timedelta(seconds=50)

    calls = request_count(bot.sandbox, TWEETS)
    report = bot.dispatch(worker="w2")  # another worker, before the reset
    assert report.sent == 0 and report.skipped == 1
    assert request_count(bot.sandbox, TWEETS) == calls  # nobody called the endpoint
    assert bot.post(first).state is PostState.queued

    report = bot.dispatch(worker="w3", now=limit.reset_at + timedelta(seconds=1))
    assert report.sent == 1 and len(bot.received("Rate limited story")) == 1
    assert "rate limited" in bot.reasons(first)


def test_a_transient_error_backs_off_and_then_publishes(bot):
    queue_faults(bot.sandbox, {"path": TWEETS, "kind": "500"})
    post_id = bot.add(text="Server hiccup story")
    before = utcnow()
    assert bot.dispatch().retried == 1
    post = bot.post(post_id)
    assert post.state is PostState.queued and post.attempts == 1
    assert post.scheduled_at >= before + timedelta(seconds=29)  # 60 s with up to 50 % jitter
    assert bot.received("Server hiccup story") == []
    assert bot.dispatch().sent == 0  # not due yet
    assert bot.dispatch(now=post.scheduled_at + timedelta(seconds=1)).sent == 1
    assert len(bot.received("Server hiccup story")) == 1
    assert bot.post(post_id).attempts == 2
    assert bot.story(post_id) == [(None, "queued"), ("queued", "sending"), ("sending", "queued"),
                                  ("queued", "sending"), ("sending", "sent")]


def test_after_max_attempts_a_transient_failure_becomes_failed_with_its_reason(bot):
    queue_faults(bot.sandbox, {"path": FEED, "kind": "500", "count": 3})
    post_id = bot.add("fb-main", text="Never gets through")
    policy = RetryPolicy(max_attempts=3, backoff_base_seconds=1)
    moment = utcnow()
    for _ in range(3):
        bot.dispatch(now=moment, policy=policy)
        moment += timedelta(hours=1)
    post = bot.post(post_id)
    assert post.state is PostState.failed
    assert "gave up after 3 attempts" in post.error
    assert bot.received("Never gets through") == []


def test_expired_credentials_pause_the_account_and_keep_its_posts(bot):
    queue_faults(bot.sandbox, {"path": TWEETS, "kind": "expired_token"})
    one = bot.add(text="Paused one")
    two = bot.add(text="Paused two")
    fine = bot.add("x-desk", text="Other account still posts")
    report = bot.dispatch()
    assert report.paused == ["x-main"] and report.sent == 1
    with Session(bot.engine) as session:
        account = session.get(Account, "x-main")
        assert account.paused_at is not None and "auth expired" in account.paused_reason
    assert bot.post(one).state is PostState.queued and bot.post(two).state is PostState.queued
    assert bot.post(fine).state is PostState.sent
    calls = request_count(bot.sandbox, TWEETS)
    bot.dispatch()
    assert request_count(bot.sandbox, TWEETS) == calls  # a paused account is not tried again

    with Session(bot.engine) as session:
        resume_account(session, "x-main")
        session.commit()
    assert bot.dispatch().sent == 2
    assert len(bot.received("Paused one")) == 1 and len(bot.received("Paused two")) == 1


@pytest.mark.parametrize("account,fault", [
    ("x-main", {"path": TWEETS, "kind": "status", "code": 400, "message": "Tweet needs to be a bit shorter."}),
    ("fb-main", {"path": FEED, "kind": "graph_code", "code": 100, "message": "Invalid parameter"}),
])
def test_a_rejected_post_fails_with_the_platforms_reason_and_is_not_retried(bot, account, fault):
    queue_faults(bot.sandbox, fault)
    post_id = bot.add(account, text="Rejected story")
    assert bot.dispatch().failed == 1
    post = bot.post(post_id)
    assert post.state is PostState.failed and fault["message"] in post.error
    assert bot.dispatch(now=utcnow() + timedelta(days=1)).handled == 0
    assert bot.received("Rejected story") == []


# --------------------------------------------------------------------------- unknown outcomes


@pytest.mark.parametrize("account,path", [("x-main", TWEETS), ("fb-main", FEED)])
def test_a_lost_response_is_reconciled_not_posted_twice(bot, account, path):
    # The platform records the post, then the connection drops: we see an error.
    queue_faults(bot.sandbox, {"path": path, "kind": "drop_after"})
    post_id = bot.add(account, text="Lost response story", link="https://news.example/lost")
    assert bot.dispatch().retried == 1
    assert bot.post(post_id).state is PostState.queued
    [received] = bot.received("Lost response story")

    calls = request_count(bot.sandbox, path)
    report = bot.dispatch(now=utcnow() + timedelta(hours=1))
    assert report.reconciled == 1
    # the retry looked first and found it: no second publish request at all,
    # so even a platform without duplicate detection gets the post once
    assert request_count(bot.sandbox, path) == calls
    post = bot.post(post_id)
    assert post.state is PostState.sent and post.external_id == received["id"]
    assert len(bot.received("Lost response story")) == 1


def test_xs_duplicate_403_after_a_lost_response_is_reconciled(bot):
    # Even when the retry is published blindly (as if a previous worker's
    # attempt was not counted), X's 403 duplicate leads to reconciliation.
    queue_faults(bot.sandbox, {"path": TWEETS, "kind": "drop_after"})
    post_id = bot.add(text="Duplicate after drop")
    bot.dispatch()
    with Session(bot.engine) as session:  # forget the attempt, as a crash before recording it would
        post = session.get(Post, post_id)
        post.attempts = 0
        session.commit()
    calls = request_count(bot.sandbox, TWEETS)
    report = bot.dispatch(now=utcnow() + timedelta(hours=1))
    assert request_count(bot.sandbox, TWEETS) == calls + 1  # it was published again ...
    assert report.reconciled == 1  # ... refused as a duplicate, and found
    assert len(bot.received("Duplicate after drop")) == 1
    assert bot.post(post_id).state is PostState.sent
    assert "duplicate" in bot.reasons(post_id)


def test_a_rate_limited_look_up_holds_the_retry_but_not_fresh_posts(bot):
    queue_faults(bot.sandbox, {"path": TWEETS, "kind": "drop_after"})
    retried = bot.add(text="Maybe out already")
    bot.dispatch()  # lost response: queued for a retry that must look first
    queue_faults(bot.sandbox, {"path": "GET /2/users/{id}/tweets", "kind": "429", "reset_in": 3 * 3600})
    later = utcnow() + timedelta(hours=1)
    bot.dispatch(now=later)
    assert bot.post(retried).state is PostState.queued
    fresh = bot.add(text="Fresh story, same account")
    report = bot.dispatch(now=later)
    assert report.sent == 1 and bot.post(fresh).state is PostState.sent  # publishing is not limited
    assert bot.post(retried).state is PostState.queued  # the look-up is
    with Session(bot.engine) as session:
        limits = {(r.account, r.endpoint): r.reset_at for r in session.exec(select(RateLimit))}
    assert set(limits) == {("x-main", "find_existing")}
    bot.dispatch(now=limits[("x-main", "find_existing")] + timedelta(hours=1))
    assert bot.post(retried).state is PostState.sent
    assert len(bot.received("Maybe out already")) == 1


def test_a_duplicate_refusal_for_a_post_not_on_the_platform_fails_it(bot):
    queue_faults(bot.sandbox, {"path": TWEETS, "kind": "duplicate"})
    post_id = bot.add(text="Refused as duplicate but absent")
    assert bot.dispatch().failed == 1
    post = bot.post(post_id)
    assert post.state is PostState.failed and "duplicate" in post.error
    assert bot.received("Refused as duplicate") == []


@pytest.mark.parametrize("account", ["x-main", "fb-main"])
def test_a_worker_that_died_after_publishing_is_reconciled_when_its_lease_expires(bot, account):
    post_id = bot.add(account, text="Worker died after publishing")
    claim = claim_one(bot.engine, bot.settings, bot.adapters, worker_id="dead")
    bot.adapters[account].publish(claim.outgoing)  # the side effect happened; the worker died before recording it
    lease = bot.post(post_id).lease_until

    assert bot.dispatch(worker="w2").handled == 0  # lease still valid: nobody touches it
    report = bot.dispatch(worker="w2", now=lease + timedelta(seconds=1))
    assert report.reconciled == 1
    assert bot.post(post_id).state is PostState.sent
    assert len(bot.received("Worker died after publishing")) == 1
    assert "lease of dead expired" in bot.reasons(post_id)


def test_a_worker_that_died_before_publishing_leaves_a_post_that_is_sent_once(bot):
    post_id = bot.add(text="Worker died before publishing")
    claim_one(bot.engine, bot.settings, bot.adapters, worker_id="dead")
    lease = bot.post(post_id).lease_until
    report = bot.dispatch(worker="w2", now=lease + timedelta(seconds=1))
    assert report.sent == 1
    assert len(bot.received("Worker died before publishing")) == 1
    assert bot.story(post_id)[-3:] == [("sending", "queued"), ("queued", "sending"), ("sending", "sent")]


def test_a_failed_reconciliation_keeps_the_post_in_sending(bot):
    post_id = bot.add(text="Cannot tell yet")
    claim_one(bot.engine, bot.settings, bot.adapters, worker_id="dead")
    lease = bot.post(post_id).lease_until
    queue_faults(bot.sandbox, {"path": "GET /2/users/*", "kind": "500", "count": 5})
    bot.dispatch(worker="w2", now=lease + timedelta(seconds=1))
    post = bot.post(post_id)
    assert post.state is PostState.sending  # never re-published blindly
    assert bot.received("Cannot tell yet") == []


# --------------------------------------------------------------------------- pacing


def test_a_burst_is_spread_by_the_accounts_minimum_gap(bot):
    paced = bot.settings.account("x-main").model_copy(update={"min_gap_minutes": 10})
    bot.settings = bot.settings.model_copy(update={"accounts": [paced, *bot.settings.accounts[1:]]})
    for n in range(5):
        bot.add(text=f"Burst story {n}")
    start = utcnow()
    sent_at = []
    for minute in range(0, 45, 5):
        report = bot.dispatch(now=start + timedelta(minutes=minute))
        sent_at += [minute] * report.sent
    assert sent_at == [0, 10, 20, 30, 40]
    assert len(bot.received("Burst story")) == 5


def test_quiet_hours_hold_posts_until_morning(bot):
    night = bot.settings.account("x-main").model_copy(update={"quiet_hours": (22, 6), "timezone": "UTC"})
    bot.settings = bot.settings.model_copy(update={"accounts": [night, *bot.settings.accounts[1:]]})
    post_id = bot.add(text="Overnight story", at=utcnow() - timedelta(days=1))
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    report = bot.dispatch(now=today + timedelta(hours=3))
    assert report.sent == 0 and report.skipped == 1
    assert bot.dispatch(now=today + timedelta(hours=6)).sent == 1
    assert bot.post(post_id).state is PostState.sent


# --------------------------------------------------------------------------- concurrency


def test_concurrent_workers_never_publish_a_post_twice(bot, database_url):
    total = 40
    ids = [bot.add(["x-main", "x-desk", "fb-main"][n % 3], text=f"Concurrent story {n}") for n in range(total)]
    threads = [threading.Thread(target=bot.dispatch, kwargs={"worker": f"t{n}"}) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    received = bot.received("Concurrent story")
    assert len(received) == total and duplicates(received) == {}
    with Session(bot.engine) as session:
        states = {p.state for p in session.exec(select(Post).where(Post.id.in_(ids)))}
    assert states == {PostState.sent}
    claims = [bot.story(i).count(("queued", "sending")) for i in ids]
    assert claims == [1] * total


def test_concurrent_workers_keep_an_accounts_minimum_gap(bot):
    paced = bot.settings.account("x-main").model_copy(update={"min_gap_minutes": 10})
    bot.settings = bot.settings.model_copy(update={"accounts": [paced, *bot.settings.accounts[1:]]})
    for n in range(6):
        bot.add(text=f"Paced burst {n}")
    now = utcnow()
    threads = [threading.Thread(target=bot.dispatch, kwargs={"worker": f"t{n}", "now": now}) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(bot.received("Paced burst")) == 1  # four workers at once, still one post per gap


def test_work_loop_publishes_until_stopped(bot):
    for n in range(6):
        bot.add(["x-main", "fb-main"][n % 2], text=f"Loop story {n}")
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        report=work_loop(bot.engine, bot.settings, bot.adapters, "loop", stop, poll_interval=0.05, policy=FAST)))
    thread.start()
    try:
        for _ in range(200):
            if len(bot.received("Loop story")) == 6:
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert result["report"].sent == 6 and len(bot.received("Loop story")) == 6


@pytest.mark.parametrize("account, path", [("x-main", TWEETS), ("fb-main", FEED)])
def test_a_retry_never_takes_another_posts_publication_for_its_own(bot, account, path):
    """Two posts of one story share a link: the second one's retry must publish, not 'find' the first."""
    link = "https://www.hypeline.com/2026/11/25/harbour-bridge"
    first = bot.add(account, text=f"Harbour bridge to close {link}" if account == "x-main" else "Harbour bridge to close",
                    link=link)
    assert bot.dispatch().sent == 1
    queue_faults(bot.sandbox, {"path": path, "kind": "500"})
    second = bot.add(account, text=f"Update: the bridge reopens in May {link}" if account == "x-main"
                     else "Update: the bridge reopens in May", link=link)
    assert bot.dispatch().retried == 1
    later = bot.post(second).scheduled_at + timedelta(seconds=1)
    assert bot.dispatch(now=later).sent == 1
    assert len(bot.received("the bridge reopens in May")) == 1
    assert bot.post(second).external_id != bot.post(first).external_id


def test_a_slow_publish_keeps_its_lease_so_no_other_worker_takes_it_over(engine, sandbox, monkeypatch):
    """The image download takes longer than the lease: the lease is renewed, the post goes out once."""
    import functools
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import time as clock

    class SlowImage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = (FIXTURE_IMAGE).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            for start in range(0, len(body), max(1, len(body) // 20)):  # about 2 s in all
                self.wfile.write(body[start:start + max(1, len(body) // 20)])
                self.wfile.flush()
                clock.sleep(0.1)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowImage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(
        fetch={"allow_private_networks": True},
        scheduler={"lease_seconds": 0.6},
        accounts=[AccountSettings(name="x-main", platform="twitter", api_base_url=sandbox)],
    )
    adapters = {"x-main": build_adapter(settings.accounts[0], Fetcher(settings.fetch))}
    with Session(engine) as session:
        posts.create_post(session, settings.account("x-main"), text="Slow picture story",
                          image_url=f"http://127.0.0.1:{server.server_address[1]}/photo.png")
        session.commit()
    first = threading.Thread(target=functools.partial(dispatch_due, engine, settings, adapters, worker_id="w1"))
    try:
        first.start()
        clock.sleep(1.2)  # twice the lease: without renewal, w2 would take the post over now
        second = dispatch_due(engine, settings, adapters, worker_id="w2")
        first.join(timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert second.reconciled == 0 and second.sent == 0 and second.retried == 0
    received = [p for p in sandbox_posts(sandbox) if "Slow picture story" in p["text"]]
    assert len(received) == 1 and len(received[0]["media"]) == 1


def test_a_retry_ignores_a_follow_up_that_a_dead_worker_published_meanwhile(bot):
    """B failed once; then A (same story link) went out from a worker that died before recording it."""
    from distributor.dispatch import outgoing

    link = "https://www.hypeline.com/2026/11/25/ferry-strike"
    a = bot.add(text=f"Ferry strike called off {link}", link=link)
    b = bot.add(text=f"Ferry strike: what it means for commuters {link}", link=link)
    claim_one(bot.engine, bot.settings, bot.adapters, worker_id="w0")  # takes A, then dies
    queue_faults(bot.sandbox, {"path": TWEETS, "kind": "500"})
    assert bot.dispatch(worker="w1").retried == 1  # B's first try fails
    bot.adapters["x-main"].publish(outgoing(bot.post(a)))  # the dead worker's publish had gone out
    later = bot.post(b).scheduled_at + timedelta(seconds=1)  # A's lease still runs: it is not reconciled yet
    bot.dispatch(worker="w1", now=later)
    assert bot.post(b).state is PostState.sent and bot.post(a).state is PostState.sending
    assert bot.post(b).external_id != bot.post(a).external_id
    assert len(bot.received("what it means for commuters")) == 1 and len(bot.received("called off")) == 1


# --------------------------------------------------------------------------- quiet hours per post, late posts


def test_quiet_hours_are_checked_for_every_post_of_a_long_round(bot):
    """A round that starts just before quiet hours must not publish into them."""
    night = bot.settings.account("x-main").model_copy(update={"quiet_hours": (22, 6), "timezone": "UTC"})
    bot.settings = bot.settings.model_copy(update={"accounts": [night, *bot.settings.accounts[1:]]})
    evening = utcnow().replace(hour=21, minute=59, second=50, microsecond=0)
    first = bot.add(text="Evening story one", at=evening - timedelta(minutes=5))
    second = bot.add(text="Evening story two", at=evening - timedelta(minutes=4))

    def clock():  # the first publish takes the round past 22:00
        return evening + timedelta(seconds=20) if bot.received("Evening story") else evening

    report = bot.dispatch(clock=clock)
    assert report.sent == 1
    assert [p["text"] for p in bot.received("Evening story")] == ["Evening story one"]
    assert bot.post(first).state is PostState.sent and bot.post(second).state is PostState.queued


def automatic(bot, text, *, hours_late, account="x-main"):
    return bot.add(account, text=text, auto_key=f"auto:{text}:{account}", at=utcnow() - timedelta(hours=hours_late))


def test_an_automatic_post_held_too_long_is_cancelled_with_its_reason_not_sent(bot):
    stale = automatic(bot, "Yesterday's story", hours_late=30)
    fresh = automatic(bot, "This morning's story", hours_late=2)
    manual = bot.add(text="The editor's story", at=utcnow() - timedelta(hours=30), actor="ana@desk")
    approved = automatic(bot, "Approved late", hours_late=30)
    with Session(bot.engine) as session:  # an editor looked at it and rescheduled it: their call
        posts.reschedule(session, approved, utcnow() - timedelta(hours=29), actor="ana@desk")
        session.commit()
    report = bot.dispatch()
    assert report.expired == 1 and report.sent == 3
    assert bot.received("Yesterday's story") == []
    assert len(bot.received("This morning's story")) == 1
    assert len(bot.received("The editor's story")) == 1 and len(bot.received("Approved late")) == 1
    post = bot.post(stale)
    assert post.state is PostState.cancelled
    assert "30.0 hours late" in post.error and "max_delay_hours = 24" in post.error
    assert bot.story(stale)[-1] == ("queued", "cancelled") and "max_delay_hours" in bot.reasons(stale)
    assert bot.post(fresh).state is PostState.sent and bot.post(manual).state is PostState.sent


def test_max_delay_hours_per_account_and_zero_for_no_limit(bot):
    strict = bot.settings.account("x-main").model_copy(update={"max_delay_hours": 1})
    bot.settings = bot.settings.model_copy(update={
        "accounts": [strict, *bot.settings.accounts[1:]],
        "scheduler": bot.settings.scheduler.model_copy(update={"max_delay_hours": 0}),
    })
    automatic(bot, "Two hours late on main", hours_late=2)
    automatic(bot, "Days late on desk", hours_late=72, account="x-desk")
    report = bot.dispatch()
    assert report.expired == 1
    assert bot.received("Two hours late on main") == [] and len(bot.received("Days late on desk")) == 1


def test_waiting_for_the_end_of_quiet_hours_is_not_lateness(bot):
    night = bot.settings.account("x-main").model_copy(update={"quiet_hours": (22, 6), "timezone": "UTC",
                                                              "max_delay_hours": 2})
    bot.settings = bot.settings.model_copy(update={"accounts": [night, *bot.settings.accounts[1:]]})
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    automatic(bot, "Late night story", hours_late=0)
    automatic(bot, "Story of the day before", hours_late=0)
    with Session(bot.engine) as session:
        for text, at in (("Late night story", today - timedelta(minutes=90)),  # 22:30: held until 06:00
                         ("Story of the day before", today - timedelta(hours=6))):  # 18:00, never sent
            post = session.exec(select(Post).where(Post.text == text)).one()
            post.scheduled_at = at
            session.add(post)
        session.commit()
    report = bot.dispatch(now=today + timedelta(hours=7))  # 07:00: one hour after quiet hours ended
    assert report.expired == 1 and report.sent == 1
    assert len(bot.received("Late night story")) == 1 and bot.received("Story of the day before") == []
