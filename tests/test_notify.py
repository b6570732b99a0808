"""Notifications reach a local Slack-style webhook and a local SMTP server: one message
per kind of event, each event once, whatever restarts or second workers happen."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from distributor import posts
from distributor.config import Settings
from distributor.dispatch import dispatch_due
from distributor.fetch import Fetcher
from distributor.models import Feed, Notification, PostState, utcnow
from distributor.notify import Channels, notify_step
from distributor.platforms import build_adapter
from tests.helpers.sandbox_process import free_port, queue_faults

X_SECRETS = {
    "DISTRIBUTOR_X_MAIN_CONSUMER_KEY": "ck", "DISTRIBUTOR_X_MAIN_CONSUMER_SECRET": "cs",
    "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN": "token-x-main", "DISTRIBUTOR_X_MAIN_ACCESS_TOKEN_SECRET": "ts",
}


class Webhook:
    """A Slack-compatible incoming webhook on 127.0.0.1 that remembers what it was sent."""

    def __init__(self, status: int = 200):
        self.messages: list[str] = []
        self.status = status
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hook.status == 200:
                    hook.messages.append(json.loads(body)["text"])
                self.send_response(hook.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/XXXX"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_an_account_paused_by_a_refused_token_is_notified_once(engine, sandbox, webhook, monkeypatch):
    for name, value in X_SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = Settings(accounts=[{"name": "x-main", "platform": "twitter", "api_base_url": sandbox}])
    adapters = {"x-main": build_adapter(settings.account("x-main"), Fetcher(settings.fetch))}
    with Session(engine) as session:
        posts.create_post(session, settings.account("x-main"), text="Will be held")
        session.commit()
    queue_faults(sandbox, {"path": "POST /2/tweets", "kind": "expired_token"})
    assert dispatch_due(engine, settings, adapters, worker_id="w1").paused == ["x-main"]

    channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": webhook.url})
    assert notify_step(engine, settings, channels) == 1
    [message] = webhook.messages
    assert "Accounts paused" in message and "x-main" in message and "accounts resume x-main" in message
    # the next run, a restart or a second worker: nothing new to say
    assert notify_step(engine, settings, channels, worker="w2") == 0
    assert notify_step(engine, settings, Channels(settings.notify, environ={
        "DISTRIBUTOR_NOTIFY_WEBHOOK_URL": webhook.url})) == 0
    assert len(webhook.messages) == 1


def test_failed_posts_are_grouped_into_one_message(engine, webhook):
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        for n in range(30):
            post = posts.create_post(session, settings.account("rehearsal"), text=f"doomed {n}")
            post.state, post.error = PostState.failed, f"platform refused post {n}"
            session.add(post)
        session.commit()
    channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": webhook.url})
    assert notify_step(engine, settings, channels) == 30
    [message] = webhook.messages
    assert message.startswith("distributor: Posts failed")
    assert message.count("\n- post ") == 20 and "and 10 more" in message


def test_markup_in_a_failed_posts_error_cannot_ping_the_channel_or_hide_a_link(engine, webhook):
    """The error text comes from outside (a platform, a page): Slack must show it, not act on it."""
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("rehearsal"), text="doomed")
        post.state, post.error = PostState.failed, "<!channel> read <https://evil.example|our docs> & retry"
        session.add(post)
        session.commit()
    channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": webhook.url})
    assert notify_step(engine, settings, channels) == 1
    [message] = webhook.messages
    assert "<!channel>" not in message and "<https://" not in message
    assert "&lt;!channel&gt; read &lt;https://evil.example|our docs&gt; &amp; retry" in message


def test_approval_waiting_and_a_failing_feed_reach_email(engine, smtp_server):
    controller, inbox = smtp_server
    settings = Settings(
        accounts=[{"name": "rehearsal", "platform": "dryrun", "require_approval": True}],
        notify={"email_to": ["desk@newsroom.example"], "smtp_host": "127.0.0.1", "smtp_port": controller.port,
                "smtp_starttls": False, "approval_wait_minutes": 30, "feed_failures": 3},
    )
    long_ago = utcnow() - timedelta(hours=2)
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("rehearsal"), text="needs a yes")
        for event in posts.history(session, post.id):  # it went to approval two hours ago
            event.at = long_ago
            session.add(event)
        session.add(Feed(url="https://news.example/feed", consecutive_failures=3, failing_since=long_ago,
                         last_error="HTTP 503"))
        session.commit()
    assert notify_step(engine, settings, Channels(settings.notify, environ={})) == 3
    subjects = sorted(content.split("Subject: ", 1)[1].split("\n", 1)[0].strip() for _, content in inbox.messages)
    assert subjects == ["Feeds failing", "Posts asking for approval", "Posts waiting for approval"]
    assert all(rcpt == ["desk@newsroom.example"] for rcpt, _ in inbox.messages)
    assert any("HTTP 503" in content for _, content in inbox.messages)


def test_a_webhook_that_fails_is_retried_at_the_next_run_and_nothing_is_lost(engine):
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        posts.ensure_account(session, settings.account("rehearsal")).paused_reason = "token refused"
        session.commit()
    hook = Webhook(status=500)
    try:
        channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": hook.url})
        assert notify_step(engine, settings, channels) == 0
        with Session(engine) as session:
            [row] = session.exec(select(Notification)).all()
            assert row.sent_at is None and row.attempts == 1 and "500" in row.error
        hook.status = 200
        assert notify_step(engine, settings, channels) == 1
        assert len(hook.messages) == 1 and "token refused" in hook.messages[0]
    finally:
        hook.close()


def test_nothing_is_recorded_when_no_channel_is_configured(engine):
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        posts.ensure_account(session, settings.account("rehearsal")).paused_reason = "token refused"
        session.commit()
    assert notify_step(engine, settings, Channels(settings.notify, environ={})) == 0
    with Session(engine) as session:
        assert session.exec(select(Notification)).all() == []


def test_a_message_sent_is_not_sent_again_by_a_second_worker_while_the_next_one_hangs(engine):
    """Worker A's second message hangs past its lease; worker B takes over the rest, not what A already sent."""
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        posts.ensure_account(session, settings.account("rehearsal")).paused_reason = "token refused"
        session.flush()
        post = posts.create_post(session, settings.account("rehearsal"), text="doomed")
        post.state, post.error = PostState.failed, "platform refused it"
        session.add(post)
        session.commit()
    received: list[str] = []
    second_arrived, release = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"])))["text"])
            if len(received) == 2:  # worker A's second message: the receiver hangs
                second_arrived.set()
                release.wait(30)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    start = utcnow()
    try:
        channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": url}, timeout=60)
        worker_a = threading.Thread(target=notify_step, args=(engine, settings, channels),
                                    kwargs={"now": start, "worker": "A"})
        worker_a.start()
        assert second_arrived.wait(30)
        later = start + timedelta(minutes=5)  # A's lease has run out
        notify_step(engine, settings, channels, now=later, worker="B")
        release.set()
        worker_a.join(30)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    paused_messages = [m for m in received if m.startswith("distributor: Accounts paused")]
    assert len(paused_messages) == 1, received


def test_approvers_hear_a_post_asks_and_its_author_hears_it_was_sent_back(engine, webhook):
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun", "require_approval": True}])
    channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": webhook.url})
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("rehearsal"), text="Ferry strike ends", actor="ana@desk")
        session.commit()
        post_id = post.id
    assert notify_step(engine, settings, channels) == 1
    assert webhook.messages[-1].startswith("distributor: Posts asking for approval")
    assert f"post {post_id} to rehearsal (by ana@desk) asks for approval: Ferry strike ends" in webhook.messages[-1]
    with Session(engine) as session:
        posts.send_back(session, post_id, "ben@desk", "Say which ferry")
        session.commit()
    assert notify_step(engine, settings, channels) == 1
    assert "sent back by ben@desk: Say which ferry" in webhook.messages[-1]
    assert notify_step(engine, settings, channels) == 0  # told once


def test_a_post_sent_back_and_resubmitted_waits_from_its_new_request(engine, webhook):
    """Sent back within minutes hours ago, asked again just now: nobody has kept it waiting yet."""
    from distributor.models import PostEvent

    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun", "require_approval": True}],
                        notify={"events": ["approval_waiting"], "approval_wait_minutes": 60})
    channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": webhook.url})
    now = utcnow()
    with Session(engine) as session:
        post = posts.create_post(session, settings.account("rehearsal"), text="Ferry strike ends", actor="ana@desk")
        posts.send_back(session, post.id, "ben@desk", "Say which ferry")
        for event, hours_ago in zip(session.exec(select(PostEvent).order_by(PostEvent.id)), (3, 2.9)):
            event.at = now - timedelta(hours=hours_ago)
            session.add(event)
        posts.edit(session, post.id, text="Island ferry strike ends", actor="ana@desk")
        posts.submit(session, post.id, "ana@desk")
        session.commit()
        post_id = post.id
    assert notify_step(engine, settings, channels, now=now + timedelta(minutes=1)) == 0
    assert webhook.messages == []
    later = now + timedelta(minutes=61)
    assert notify_step(engine, settings, channels, now=later) == 1
    assert webhook.messages[-1].count(f"post {post_id} to rehearsal has waited since") == 1


def test_a_webhook_that_cannot_be_reached_leaves_no_piece_of_its_secret_url_in_the_database(engine, monkeypatch, capsys):
    """requests' error names the URL's path, the part of a Slack webhook URL that is the secret."""
    from distributor.logs import setup_logging

    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        posts.ensure_account(session, settings.account("rehearsal")).paused_reason = "token refused"
        session.commit()
    url = f"http://127.0.0.1:{free_port()}/services/T000/B000/webhook-secret-in-the-path"  # nothing listens there
    monkeypatch.setenv("DISTRIBUTOR_NOTIFY_WEBHOOK_URL", url)
    setup_logging()
    assert notify_step(engine, settings, Channels(settings.notify, timeout=5)) == 0
    with Session(engine) as session:
        [row] = session.exec(select(Notification)).all()
    assert row.sent_at is None and row.attempts == 1 and row.error.startswith("ConnectionError")
    assert "webhook-secret" not in row.error and "B000" not in row.error
    assert "webhook-secret" not in capsys.readouterr().err


def test_a_webhook_that_redirects_is_not_followed_to_another_address(engine, monkeypatch):
    """The webhook's URL is the operator's; where it redirects is not: a 307 to an internal address
    (here a trap on 127.0.0.2, standing in for 169.254.169.254 or the intranet) would carry the message
    there. Nothing connects to it; the message is kept, with the reason, for the next run."""
    from tests.helpers.fetch_servers import Trap, loopback_only

    loopback_only(monkeypatch)
    trap = Trap(free_port())
    settings = Settings(accounts=[{"name": "rehearsal", "platform": "dryrun"}])
    with Session(engine) as session:
        posts.ensure_account(session, settings.account("rehearsal")).paused_reason = "token refused"
        session.commit()

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.2:{trap.port}/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/XXXX"
        channels = Channels(settings.notify, environ={"DISTRIBUTOR_NOTIFY_WEBHOOK_URL": url}, timeout=3)
        assert notify_step(engine, settings, channels) == 0
        assert trap.connections() == 0
        with Session(engine) as session:
            [row] = session.exec(select(Notification)).all()
            assert row.sent_at is None and "307" in row.error and "not followed" in row.error
    finally:
        server.shutdown()
        server.server_close()
        trap.close()
