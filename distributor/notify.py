"""Tell people when the bot needs them: a Slack-compatible webhook and/or email.

Events are found in the database, not raised in the code that causes them, so
every process sees the same ones and a crash between "it happened" and "we
said so" loses nothing:

- an account paused (refused credentials, or by an editor),
- a post failed,
- a post waiting for approval longer than ``approval_wait_minutes``,
- a feed whose last ``feed_failures`` polls failed,
- a post asking for approval (for the approvers), a post sent back (for its author).

Each event has a unique key (``Notification.key``): inserting it is how one
process, once, decides the event is new, so a restart or a second worker never
sends it again. Events found in one run are grouped into one message per kind
(never a storm: at most ``MAX_LINES`` lines, then "and N more"). Delivery
failures are retried at the next run, a few times, then given up with a log line.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import requests
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from distributor.config import NotifySettings, Settings, secret_from_env
from distributor.logs import redact, secret_forms
from distributor.delivery import costs
from distributor.models import Account, Feed, Notification, Post, PostEvent, PostState

log = logging.getLogger(__name__)

WEBHOOK_ENV = "DISTRIBUTOR_NOTIFY_WEBHOOK_URL"  # a Slack incoming-webhook URL is a secret
SMTP_USER_ENV = "DISTRIBUTOR_SMTP_USERNAME"
SMTP_PASSWORD_ENV = "DISTRIBUTOR_SMTP_PASSWORD"
MAX_LINES = 20
MAX_DELIVERY_ATTEMPTS = 5
TITLES = {
    "account_paused": "Accounts paused: their posts wait",
    "post_failed": "Posts failed",
    "approval_waiting": "Posts waiting for approval",
    "feed_failing": "Feeds failing",
    "budget": "Budgets: 80% or all of an account's budget spent",
    "article_changed": "Stories changed after we posted them",
    "approval_requested": "Posts asking for approval",
    "sent_back": "Posts sent back to their authors",
}


@dataclass(frozen=True)
class Event:
    key: str  # unique per event: the same thing happening again later gets a new key
    kind: str
    line: str


def _aware(when: datetime | None) -> datetime | None:
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def find_events(session: Session, settings: NotifySettings, now: datetime) -> list[Event]:
    """Everything that should be told now (already-told events are filtered by their key on insert)."""
    events: list[Event] = []
    for account in session.exec(select(Account).where(col(Account.paused_reason).is_not(None))):
        since = _aware(account.paused_at)
        stamp = since.isoformat() if since else _digest(account.paused_reason or "")  # the same pause, every run
        when = f" (since {since:%Y-%m-%d %H:%M} UTC)" if since else ""
        events.append(Event(f"account_paused:{account.name}:{stamp}", "account_paused",
                            f"{account.name}: {account.paused_reason}{when}; "
                            f"`distributor accounts resume {account.name}` once fixed"))
    recent = now - timedelta(days=2)  # older failures were there before notifications were set up
    for post in session.exec(select(Post).where(Post.state == PostState.failed, col(Post.updated_at) >= recent)):
        events.append(Event(f"post_failed:{post.id}:{post.attempts}", "post_failed",
                            f"post {post.id} to {post.account}: {post.error or 'failed'}"))
    waited = now - timedelta(minutes=settings.approval_wait_minutes)
    # Each waiting post's latest request: one sent back and asked again waits from the new one.
    latest = (select(func.max(PostEvent.id)).join(Post, col(PostEvent.post_id) == col(Post.id))
              .where(Post.state == PostState.awaiting_approval,
                     PostEvent.to_state == PostState.awaiting_approval.value)
              .group_by(col(PostEvent.post_id)))
    for post_id, account, since in session.exec(
        select(Post.id, Post.account, PostEvent.at).join(PostEvent, col(PostEvent.post_id) == col(Post.id))
        .where(col(PostEvent.id).in_(latest), col(PostEvent.at) <= waited)
    ):
        since = _aware(since)
        events.append(Event(f"approval_waiting:{post_id}:{since.isoformat()}", "approval_waiting",
                            f"post {post_id} to {account} has waited since {since:%H:%M} UTC"))
    events += _approval_events(session, recent)
    for feed in session.exec(select(Feed).where(col(Feed.consecutive_failures) >= settings.feed_failures)):
        # one event per failing streak: the streak's length at the threshold names it
        started = _aware(feed.failing_since)
        stamp = started.isoformat() if started else "streak"
        events.append(Event(f"feed_failing:{feed.id}:{stamp}", "feed_failing",
                            f"{feed.url}: {feed.consecutive_failures} polls failed in a row ({feed.last_error})"))
    return [e for e in events if e.kind in settings.events]


def budget_events(session: Session, settings: Settings, now: datetime) -> list[Event]:
    """80% and 100% of each account's daily and monthly budget (once per account, period and step)."""
    if "budget" not in settings.notify.events:
        return []
    events = []
    for account in settings.accounts:
        if not costs.has_budget(account):
            continue
        spent = costs.spending(session, account, now)
        day_start, month_start = costs.period_starts(now, account.timezone or "UTC")
        for name, limit, used, stamp in (
                ("budget_usd_per_day", account.budget_usd_per_day, spent.day, day_start.date().isoformat()),
                ("budget_usd_per_month", account.budget_usd_per_month, spent.month, month_start.strftime("%Y-%m"))):
            for pct in costs.thresholds_crossed(-1, used, limit):
                what = "reached: its posts are held until the budget allows them" if pct == 100 else "80% spent"
                events.append(Event(f"budget:{account.name}:{name}:{stamp}:{pct}", "budget",
                                    f"{account.name}: {name} = {limit:.2f} {what} "
                                    f"({costs.usd(used):.2f} USD spent)"))
    return events


def article_changed(article_id: int, line: str, what: str | None = None) -> Event:
    """A posted story's headline or quote changed, or it is gone (corrections.py); once per ``what`` changed."""
    return Event(f"article_changed:{article_id}:{_digest(what or line)}", "article_changed", line)


def _approval_events(session: Session, since: datetime) -> list[Event]:
    """The desk's approval workflow: approvers are told a post asks (at once, not only after
    approval_wait_minutes), authors that theirs was sent back and why."""
    events = []
    for event, post in session.exec(
        select(PostEvent, Post).join(Post, col(PostEvent.post_id) == col(Post.id))
        .where(PostEvent.to_state == PostState.awaiting_approval.value, col(PostEvent.at) >= since,
               Post.state == PostState.awaiting_approval)
    ):
        text = " ".join(post.text.split())
        events.append(Event(f"approval_requested:{event.id}", "approval_requested",
                            f"post {post.id} to {post.account} (by {post.created_by or 'distributor'}) asks for "
                            f"approval: {text[:80]}{'…' if len(text) > 80 else ''}"))
    for event, post in session.exec(
        select(PostEvent, Post).join(Post, col(PostEvent.post_id) == col(Post.id))
        .where(PostEvent.from_state == PostState.awaiting_approval.value, PostEvent.to_state == PostState.draft.value,
               col(PostEvent.at) >= since)
    ):
        reason = (event.reason or "").removeprefix("sent back: ")
        events.append(Event(f"sent_back:{event.id}", "sent_back",
                            f"post {post.id} to {post.account} (by {post.created_by or 'distributor'}) was sent back "
                            f"by {event.actor}: {reason[:300]}"))
    return events


def record_new(session: Session, events: list[Event], now: datetime) -> list[Notification]:
    """Insert the events not seen before; the unique key makes this once-only across processes."""
    known = set(session.exec(select(Notification.key).where(col(Notification.key).in_([e.key for e in events]))))
    fresh = []
    for event in events:
        if event.key in known:
            continue
        row = Notification(key=event.key, kind=event.kind, line=event.line, created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another process recorded it first
            continue
        fresh.append(row)
    return fresh


def compose_messages(rows: list[Notification]) -> dict[str, str]:
    """One message per kind: a title and at most MAX_LINES lines."""
    by_kind: dict[str, list[str]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row.line)
    messages = {}
    for kind, lines in by_kind.items():
        shown = lines[:MAX_LINES] + ([f"... and {len(lines) - MAX_LINES} more"] if len(lines) > MAX_LINES else [])
        messages[kind] = f"distributor: {TITLES.get(kind, kind)}\n" + "\n".join(f"- {line}" for line in shown)
    return messages


def slack_escaped(text: str) -> str:
    """Text as Slack shows it literally: a headline or error from outside cannot ping
    the channel (``<!channel>``), mention someone or hide a link behind other words.
    Slack's rule: escape exactly &, < and >; everything else is plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Channels:
    """Where messages go; built from [notify] and the environment's secrets."""

    def __init__(self, settings: NotifySettings, environ=None, timeout: float = 10.0):
        environ = os.environ if environ is None else environ
        self.settings = settings
        self.webhook_url = secret_from_env(WEBHOOK_ENV, environ).strip() or None
        self.smtp_user = secret_from_env(SMTP_USER_ENV, environ) or None
        self.smtp_password = secret_from_env(SMTP_PASSWORD_ENV, environ) or None
        self.timeout = timeout

    @property
    def secrets(self) -> list[str]:
        """What a delivery error must not repeat: requests names the webhook URL's path, its secret part."""
        values = [form for value in (self.webhook_url, self.smtp_password) if value for form in secret_forms(value)]
        return sorted(values, key=len, reverse=True)

    @property
    def configured(self) -> bool:
        return bool(self.webhook_url or (self.settings.email_to and self.settings.smtp_host))

    def send(self, subject: str, text: str) -> None:
        """Send through every channel; raises OSError/requests errors for the caller to retry."""
        if self.webhook_url:
            # Redirects are not followed: the URL is the operator's, where it points is not (a 307 would
            # carry the message, and requests the POST, to any address, 169.254.169.254 or the intranet).
            answer = requests.post(self.webhook_url, data=json.dumps({"text": slack_escaped(text)}),
                                   headers={"Content-Type": "application/json"}, timeout=self.timeout,
                                   allow_redirects=False)
            if answer.is_redirect:
                raise OSError(f"notification webhook answered HTTP {answer.status_code} (a redirect, not followed: "
                              f"set {WEBHOOK_ENV} to the URL it ends at)")
            if answer.status_code >= 300:
                raise OSError(f"notification webhook answered HTTP {answer.status_code}")
        if self.settings.email_to and self.settings.smtp_host:
            message = EmailMessage()
            message["Subject"] = subject
            message["From"] = self.settings.email_from
            message["To"] = ", ".join(self.settings.email_to)
            message.set_content(text)
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=self.timeout) as smtp:
                if self.settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.smtp_user and self.smtp_password:
                    smtp.login(self.smtp_user, self.smtp_password)
                smtp.send_message(message)


def _claim(session: Session, worker: str, now: datetime, lease: timedelta = timedelta(minutes=2)) -> list[Notification]:
    """Take the unsent rows for this process with a conditional update, so two workers never send one twice."""
    from sqlalchemy import or_, update

    session.execute(
        update(Notification)
        .where(col(Notification.sent_at).is_(None), col(Notification.attempts) < MAX_DELIVERY_ATTEMPTS,
               or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now))
        .values(claimed_by=worker, claimed_until=now + lease)
    )
    session.commit()
    return list(session.exec(select(Notification).where(
        col(Notification.sent_at).is_(None), Notification.claimed_by == worker,
        col(Notification.claimed_until) >= now).order_by(col(Notification.id))))


def deliver_pending(session: Session, channels: Channels, now: datetime, worker: str = "notify") -> int:
    """Send what is recorded and not yet sent (a failed delivery is retried next run)."""
    pending = _claim(session, worker, now)
    if not pending:
        return 0
    sent = 0
    for kind, text in compose_messages(pending).items():
        rows = [r for r in pending if r.kind == kind]
        try:
            channels.send(TITLES.get(kind, kind), text)
        except (OSError, requests.RequestException, smtplib.SMTPException) as exc:
            for row in rows:
                row.attempts += 1
                row.claimed_until = None
                row.error = redact(f"{exc.__class__.__name__}: {exc}", channels.secrets)[:500]
            if rows[0].attempts >= MAX_DELIVERY_ATTEMPTS:
                log.error("giving up on notifying %s after %s attempts: %s", kind, rows[0].attempts, rows[0].error)
            else:
                log.warning("notifying %s failed (%s); retrying at the next run", kind, rows[0].error)
            session.commit()
            continue
        for row in rows:
            row.sent_at, row.error = now, None
        session.commit()  # at once: if a later message hangs past the lease, another worker must not resend this one
        sent += len(rows)
    return sent


def notify_step(engine, settings: Settings, channels: Channels | None = None, now: datetime | None = None,
                worker: str = "notify") -> int:
    """One run: find the new events, record them, send what is pending. Returns events sent."""
    channels = channels or Channels(settings.notify)
    now = now or datetime.now(UTC)
    if not channels.configured:
        # no channel: budgets are still told, once each, in the log
        with Session(engine, expire_on_commit=False) as session:
            for row in record_new(session, budget_events(session, settings, now), now):
                log.warning("%s", row.line)
                row.sent_at = now
            session.commit()
        return 0
    with Session(engine, expire_on_commit=False) as session:
        record_new(session, find_events(session, settings.notify, now) + budget_events(session, settings, now), now)
        session.commit()
        sent = deliver_pending(session, channels, now, worker)
        session.commit()
    return sent
