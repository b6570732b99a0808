"""Publish due posts: never lost, never twice.

One dispatch round, per post:

1. **claim** it in a short transaction: ``queued`` -> ``sending`` with a lease
   (``lease_owner``, ``lease_until``) and ``attempts + 1``. PostgreSQL uses
   ``SELECT ... FOR UPDATE SKIP LOCKED`` so many workers share the queue; on
   both databases the move itself is a conditional ``UPDATE ... WHERE
   state='queued'`` whose row count says whether this worker won.
2. **publish** through the adapter, outside any transaction.
3. **record** the outcome in a second short transaction, again conditional on
   ``state='sending' AND lease_owner=<me>``.

The rules that prevent double posting:

- A post is marked ``sent`` only after ``publish`` returned (or the platform
  was seen to have it, via ``find_existing``).
- A post whose fate is unknown is never published again blindly. Its worker
  died: it stays ``sending`` until ``find_existing`` says found (-> sent) or
  not found (-> queued). The platform answered "duplicate content": found
  (-> sent), or not found (-> failed: the duplicate is someone else's post).
  An error while asking leaves it ``sending`` for a later round. While a
  worker publishes, ``LeaseKeeper`` renews its lease, so only a dead worker's
  lease expires.
- Reconciliation only accepts platform posts made after the post's first
  attempt and not owned by another of our posts (two posts of a story share a link).
- A post retried after a try that may have reached the platform (timeout,
  dropped connection: ``attempts > 1``) is looked for with ``find_existing``
  before it is published again, and a post is only given up as ``failed``
  after the platform was seen not to have it.
- A lease must outlive the adapter's own timeouts, so that a slow publish is
  never mistaken for a dead worker (``scheduler.lease_seconds``, default 120 s).

Errors are sorted by type alone (errors.py): RateLimited -> queued, and a
RateLimit row stops every worker from calling the account's publish endpoint
before the reset; Transient (and any unexpected exception) -> queued with
exponential backoff and jitter, failed after ``max_attempts``; AuthExpired ->
the account is paused, its posts wait queued; Rejected -> failed with the
platform's reason; DuplicateContent -> reconciled. Nothing here sleeps except
``work_loop`` between idle rounds.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Callable, Mapping

from sqlalchemy import exists, func, or_, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from distributor.config import AccountSettings, Settings
from distributor.delivery import costs, leases, outcome, parts
from distributor.delivery.leases import PUBLISH_ENDPOINT, RECONCILE_ENDPOINT
from distributor.engagement import first_collection_at
from distributor.errors import AuthExpired, DuplicateContent, InvalidTransition, NotFound, RateLimited, Rejected
from distributor.models import BREAKING_PRIORITY, Account, Article, Post, PostEvent, PostState, RateLimit, utcnow
from distributor.platforms.base import OutgoingPost, PlatformAdapter, Published
from distributor.posts import end_of_quiet_hours, in_quiet_hours, transition
from distributor.ratelimits import store_rate_limit

log = logging.getLogger(__name__)

S = PostState
# Internal steps take the engine or, within one dispatch round, one connection
# (a round reuses its connection: fewer round trips; no transaction stays open
# while the adapter talks to the platform).
Bind = Engine | Connection

# The lease SQL lives in delivery/leases.py (these names stay importable from here).
_Claim = leases.Claim
_due_query = leases.due_query
_claim_statement = leases.claim_statement
_settle = leases.settle
MIN_RATE_LIMIT_WAIT = timedelta(seconds=1)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait after a transient failure, and when to give up."""

    max_attempts: int = 8
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    jitter: float = 0.5  # the delay is drawn from [(1 - jitter) * d, d]
    reconcile_retry_seconds: float = 30.0  # after an error while reconciling

    def backoff(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        base = min(self.backoff_max_seconds, self.backoff_base_seconds * 2 ** max(0, attempts - 1))
        draw = (rng or random).random()
        return timedelta(seconds=base * (1 - self.jitter * draw))


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0  # back to queued (rate limit, transient, reconciled as not published)
    failed: int = 0
    reconciled: int = 0  # found on the platform after an unknown outcome, marked sent
    skipped: int = 0  # due posts left queued: paused, rate limited, pacing, quiet hours, no adapter
    expired: int = 0  # automatic posts cancelled for being later than max_delay_hours
    paused: list[str] = field(default_factory=list)  # accounts paused in this round
    parts: int = 0  # thread replies and first comments sent after their post (delivery/parts.py)
    db_seconds: float = 0.0  # time in claim + record transactions
    publish_seconds: float = 0.0  # time inside adapter calls

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.reconciled

    def add(self, other: "DispatchReport") -> None:
        for name in ("sent", "retried", "failed", "reconciled", "skipped", "expired", "db_seconds", "publish_seconds",
                     "parts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.paused.extend(other.paused)


def post_marker(post_id: int) -> str:
    """A short string unique to one post, handed to adapters for reconciliation."""
    return f"dst-{post_id}"


def outgoing(post: Post, *, not_before: datetime | None = None, taken_ids: frozenset[str] = frozenset()) -> OutgoingPost:
    return OutgoingPost(
        text=post.text, link=post.link, image_url=post.image_url, image_alt=post.image_alt, marker=post_marker(post.id),
        not_before=not_before, taken_ids=taken_ids,
        extra_images=tuple((str(i.get("url")), i.get("alt")) for i in post.extra_images or () if i.get("url")),
    )


def _outgoing_for(session: Session, post: Post, now: datetime) -> OutgoingPost:
    """The post with the bounds reconciliation needs: its first attempt and the ids our other posts own.

    Without them a retry could "find" another post of the same story (same
    link) and be marked sent although it never went out.
    """
    first_attempt = session.exec(
        select(func.min(PostEvent.at)).where(PostEvent.post_id == post.id, PostEvent.to_state == S.sending.value)
    ).one()
    not_before = _aware(first_attempt) if first_attempt else now
    taken = session.exec(
        select(Post.external_id).where(
            Post.account == post.account,
            Post.id != post.id,
            col(Post.external_id).is_not(None),
            col(Post.sent_at) >= not_before - timedelta(days=1),
        )
    ).all()
    shared = post.link is not None and session.exec(
        select(Post.id).where(
            Post.account == post.account, Post.link == post.link, Post.id != post.id, Post.state != S.cancelled
        ).limit(1)
    ).first() is not None
    # our last post before the first attempt: reconciliation reads only newer ones (X bills each post read)
    since_id = session.exec(
        select(Post.external_id).where(
            Post.account == post.account, Post.id != post.id, col(Post.external_id).is_not(None),
            col(Post.sent_at) < not_before,
        ).order_by(col(Post.sent_at).desc()).limit(1)
    ).first()
    # the headline, for platforms whose link card we build ourselves (Bluesky)
    article = session.get(Article, post.article_id) if post.article_id is not None else None
    title = article.title if article is not None else None
    return replace(outgoing(post, not_before=not_before, taken_ids=frozenset(taken)), link_shared=shared,
                   title=title, since_id=since_id, until_id=_until_id(session, post))


def _until_id(session: Session, post: Post) -> str | None:
    """The external id of the account's first post whose own claim came after this post's last attempt ended.

    Anything that post's platform id is above was created after our attempt: with
    X's time-ordered ids, reconciliation never needs to read it. None before any
    attempt ended (the first try, or a worker that died mid-publish: then no bound).
    """
    ended = session.exec(
        select(func.max(PostEvent.at)).where(PostEvent.post_id == post.id, PostEvent.from_state == S.sending.value,
                                             PostEvent.to_state == S.queued.value)
    ).one()
    if ended is None:
        return None
    claimed = (select(func.min(PostEvent.at)).where(PostEvent.post_id == Post.id, PostEvent.to_state == S.sending.value)
               .correlate(Post).scalar_subquery())
    return session.exec(
        select(Post.external_id).where(
            Post.account == post.account, Post.id != post.id, col(Post.external_id).is_not(None),
            col(Post.sent_at) > ended, claimed > ended,
        ).order_by(col(Post.sent_at)).limit(1)
    ).first()


def _aware(when: datetime) -> datetime:
    return when if when.utcoffset() is not None else when.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- claim


def _account_settings(settings: Settings, adapters: Mapping[str, PlatformAdapter]) -> dict[str, AccountSettings]:
    """Settings of every account we hold an adapter for (unconfigured ones: no pacing)."""
    configured = {a.name: a for a in settings.accounts}
    result = {}
    for name, adapter in adapters.items():
        result[name] = configured.get(name) or AccountSettings(name=name, platform="dryrun")
    return result


def _open_accounts(accounts: dict[str, AccountSettings], settings: Settings, now: datetime) -> set[str]:
    """Accounts allowed to publish now as far as the clock goes (quiet hours)."""
    return {name for name, acct in accounts.items() if not in_quiet_hours(acct, now, settings.web.timezone)}


def _sent_anyway_due(session: Session, account: str, now: datetime, is_pg: bool) -> Post | None:
    """The account's most urgent due post that an editor sent past its budget, if any."""
    anyway = exists().where(PostEvent.post_id == Post.id, col(PostEvent.reason).startswith(costs.SEND_ANYWAY))
    query = (select(Post).where(Post.account == account, Post.state == S.queued, col(Post.scheduled_at) <= now, anyway)
             .order_by(col(Post.priority).desc(), col(Post.scheduled_at), col(Post.id)).limit(1))
    if is_pg:
        query = query.with_for_update(skip_locked=True, of=Post)
    return session.exec(query).first()


def _pacing_open(session: Session, account: AccountSettings, now: datetime, exclude_id: int) -> bool:
    """min_gap_minutes: no other post of the account in flight or sent within the gap."""
    if account.min_gap_minutes <= 0:
        return True
    since = now - timedelta(minutes=account.min_gap_minutes)
    busy = session.exec(
        select(func.count())
        .select_from(Post)
        .where(
            Post.account == account.name,
            Post.id != exclude_id,
            or_(Post.state == S.sending, col(Post.sent_at) > since),
        )
    ).one()
    return busy == 0


def _claim_one(
    engine: Bind, settings: Settings, accounts: dict[str, AccountSettings], names: set[str], worker_id: str, now: datetime
) -> _Claim | None:
    """Claim the most urgent due post, or None. ``names`` loses accounts held back by pacing."""
    is_pg = engine.dialect.name == "postgresql"
    lease_until = now + timedelta(seconds=settings.scheduler.lease_seconds)
    for _ in range(50):  # each pass either claims, ends, or drops a candidate
        if not names:
            return None
        with Session(engine, expire_on_commit=False) as session:
            query = _due_query(names, now)
            if is_pg:
                # other workers skip the row we are looking at instead of waiting for it
                query = query.with_for_update(skip_locked=True, of=Post)
            post = session.exec(query).first()
            if post is None:
                return None
            account = accounts[post.account]
            if costs.has_budget(account):
                if is_pg:  # two workers must not both spend the last of a budget
                    session.exec(select(Account).where(Account.name == post.account).with_for_update())
                held = outcome.decide(outcome.Facts(outcome.NOT_TRIED, post.attempts, now,
                                                    budget_reason=costs.budget_hold(session, settings, account, post, now)))
                if held.state is S.queued:
                    # held (holds.py says why): the account's posts wait in order, except one an
                    # editor sent anyway
                    post = _sent_anyway_due(session, post.account, now, is_pg)
                    if post is None:
                        session.rollback()
                        names.discard(account.name)
                        continue
            if post.priority >= BREAKING_PRIORITY:  # breaking news skips min_gap_minutes (articles.py)
                account = account.model_copy(update={"min_gap_minutes": 0.0})
            if is_pg and account.min_gap_minutes > 0:
                # Serialise claims of one paced account: after this lock, a post
                # another worker just moved to sending is visible to the check below.
                session.exec(select(Account).where(Account.name == post.account).with_for_update())
                if not _pacing_open(session, account, now, post.id):
                    session.rollback()
                    names.discard(post.account)
                    continue
            attempts = session.execute(
                _claim_statement(post.id, account, worker_id, now, lease_until).returning(col(Post.attempts))
            ).scalar_one_or_none()
            if attempts is None:
                session.rollback()
                if not _pacing_open(session, account, now, post.id):
                    names.discard(post.account)
                continue  # another worker took it: look again
            session.add(
                PostEvent(
                    post_id=post.id, at=now, from_state=S.queued.value, to_state=S.sending.value,
                    attempt=attempts, actor=f"worker:{worker_id}",
                    reason=f"claimed; lease until {lease_until.isoformat()}",
                )
            )
            session.flush()
            claim = _Claim(post.id, post.account, attempts, _outgoing_for(session, post, now), account.platform)
            session.commit()
            return claim
    return None


def claim_one(engine: Engine, settings: Settings, adapters: Mapping[str, PlatformAdapter], *, worker_id: str, now: datetime | None = None) -> _Claim | None:
    """Claim one due post without publishing it (for tests that simulate a worker dying)."""
    now = now or utcnow()
    accounts = _account_settings(settings, adapters)
    return _claim_one(engine, settings, accounts, _open_accounts(accounts, settings, now), worker_id, now)


# --------------------------------------------------------------------------- record


def _mark_sent(session: Session, claim: _Claim, worker_id: str, now: datetime, published: Published, reason: str,
               settings: Settings | None = None) -> bool:
    # Called only with what the platform returned (publish or find_existing):
    # this is the one place a post becomes sent, so it also schedules the
    # first engagement collection (engagement collects only scheduled posts).
    done = _settle(
        session, claim, worker_id, now, S.sent, reason + (f"; {published.note}" if published.note else ""),
        external_id=published.external_id, external_url=published.url, sent_at=now, note=published.note, error=None,
        next_collect_at=first_collection_at(now, settings, claim.platform),
    )
    if done:
        session.execute(update(Account).where(col(Account.name) == claim.account).values(last_sent_at=now))
        parts.mark_due(session, claim.id, now)  # its thread replies or first comment follow (delivery/parts.py)
    return done


def _pause(session: Session, account: str, reason: str, now: datetime) -> None:
    session.execute(
        update(Account).where(col(Account.name) == account).values(paused_reason=reason, paused_at=now)
    )


def resume_account(session: Session, name: str) -> Account:
    """Un-pause an account (after its token was renewed); its queued posts go out again."""
    row = session.get(Account, name)
    if row is None:
        raise NotFound(f"no account named {name!r}")
    row.paused_reason = None
    row.paused_at = None
    session.add(row)
    session.flush()
    return row


def _reconcile_now(adapter: PlatformAdapter, claim: _Claim, report: DispatchReport) -> tuple[Published | None, Exception | None]:
    started = time.perf_counter()
    meter = costs.current_meter()
    purpose = meter.using("reconcile") if meter is not None else contextlib.nullcontext()
    try:
        with purpose:
            return adapter.find_existing(claim.outgoing), None
    except Exception as exc:  # noqa: BLE001 - any failure means "still unknown"
        return None, exc
    finally:
        report.publish_seconds += time.perf_counter() - started


def _still_unknown(session: Session, claim: _Claim, worker_id: str, now: datetime, exc: Exception, policy: RetryPolicy, report: DispatchReport) -> None:
    """Reconciling failed: keep the post in sending (never re-publish blindly) and ask again later."""
    retry_at = now + timedelta(seconds=policy.reconcile_retry_seconds)
    if isinstance(exc, RateLimited):
        reset_at = max(_aware(exc.retry_at), now + MIN_RATE_LIMIT_WAIT)
        store_rate_limit(session, claim.account, RECONCILE_ENDPOINT, reset_at)
        retry_at = max(retry_at, reset_at)
    elif isinstance(exc, AuthExpired):
        _pause(session, claim.account, f"auth expired: {exc}", now)
        report.paused.append(claim.account)
        log.error("account %s paused: %s", claim.account, exc)
    else:
        log.warning("post %s: could not reconcile (%s: %s); will ask again", claim.id, type(exc).__name__, exc)
    result = session.execute(
        update(Post)
        .where(col(Post.id) == claim.id, Post.state == S.sending, col(Post.lease_owner) == worker_id)
        .values(lease_until=retry_at, updated_at=now)
    )
    if result.rowcount == 1:
        session.add(
            PostEvent(post_id=claim.id, at=now, from_state=S.sending.value, to_state=S.sending.value,
                      attempt=claim.attempts, actor=f"worker:{worker_id}",
                      reason=f"outcome unknown, reconcile failed ({type(exc).__name__}: {exc}); asking again after {retry_at.isoformat()}")
        )


def _is_retryable(error: Exception) -> bool:
    """Transient, or anything unexpected from an adapter: back off and retry."""
    return not isinstance(error, (RateLimited, AuthExpired, Rejected))


def _outcome_of(error: Exception | None, how: str) -> str:
    if error is None:
        return outcome.PUBLISHED if how == "published" else outcome.FOUND_BEFORE
    if isinstance(error, DuplicateContent):
        return outcome.DUPLICATE
    if isinstance(error, RateLimited):
        return outcome.RATE_LIMITED
    if isinstance(error, AuthExpired):
        return outcome.AUTH_EXPIRED
    if isinstance(error, Rejected):
        return outcome.REJECTED
    return outcome.TRANSIENT


def _record_outcome(
    engine: Bind,
    adapter: PlatformAdapter,
    claim: _Claim,
    worker_id: str,
    now: datetime,
    published: Published | None,
    error: Exception | None,
    policy: RetryPolicy,
    report: DispatchReport,
    rng: random.Random | None,
    *,
    how: str = "published",
    settings: Settings | None = None,
    meter: costs.Meter | None = None,
    app_accounts: frozenset[str] = frozenset(),
) -> None:
    """Turn what publish did into the post's next state: outcome.decide says which, this applies it."""
    kind = _outcome_of(error, how)
    what = f"{type(error).__name__}: {error}" if error is not None else ""
    facts = outcome.Facts(
        kind, claim.attempts, now, max_attempts=policy.max_attempts, error=what,
        retry_at=_aware(error.retry_at) if isinstance(error, RateLimited) else None,
        endpoint=error.endpoint if isinstance(error, RateLimited) else None,
        limited_on_reconcile=how == "reconcile",
        reconcile_retry=timedelta(seconds=policy.reconcile_retry_seconds),
        # drawn only when a backoff is used, so a seeded rng gives the same delays as before
        backoff=policy.backoff(claim.attempts, rng) if kind == outcome.TRANSIENT and claim.attempts < policy.max_attempts
        else timedelta(0),
    )
    decision = outcome.decide(facts)
    find_error: Exception | None = None
    if decision.reconcile:
        # "Maybe posted": after a lost response the retry is refused as a duplicate, and a
        # transient error may have hidden a success. Only the platform can tell.
        found, find_error = _reconcile_now(adapter, claim, report)
        published = found
        facts = replace(facts, found=None if find_error is not None else found is not None,
                        reconcile_failed=find_error is not None)
        decision = outcome.decide(facts)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        if meter is not None:
            _book(session, meter, claim.account, app_accounts, now)
        _apply(session, claim, worker_id, now, decision, facts, published, error, find_error, policy, report, settings,
               meter)
        session.commit()
    report.db_seconds += time.perf_counter() - started


def _apply(session: Session, claim: _Claim, worker_id: str, now: datetime, decision: outcome.Decision,
           facts: outcome.Facts, published: Published | None, error: Exception | None, find_error: Exception | None,
           policy: RetryPolicy, report: DispatchReport, settings: Settings | None, meter: costs.Meter | None) -> None:
    """Write one decision: the state change (conditional on our lease), and what goes with it."""
    counted = False
    if decision.state is S.sent:
        reason = decision.reason
        if decision.counter == "reconciled" and meter is not None:
            reason += f"; {costs.describe_cost(meter, 'reconcile')}"
        counted = _mark_sent(session, claim, worker_id, now, published, reason, settings)
    elif decision.state is S.sending:
        _still_unknown(session, claim, worker_id, now, find_error, policy, report)
        counted = True
    elif decision.state is S.failed:
        if facts.outcome == outcome.DUPLICATE:
            field_error = f"duplicate content: {error}"
        elif facts.outcome == outcome.REJECTED:
            field_error = error.reason
        else:
            field_error = f"gave up after {claim.attempts} attempts: {facts.error}"
        counted = _settle(session, claim, worker_id, now, S.failed, decision.reason, error=field_error)
    else:
        values: dict = {}
        if decision.limit_endpoint is not None:
            store_rate_limit(session, claim.account, decision.limit_endpoint, decision.at)
            values["error"] = f"rate limited: {error}"
        elif decision.pause:
            _pause(session, claim.account, f"auth expired: {error}", now)
            report.paused.append(claim.account)
            log.error("account %s paused, its posts stay queued: %s", claim.account, error)
            values["error"] = f"auth expired: {error}"
        else:
            values.update(error=facts.error, scheduled_at=decision.at)
        attempt = claim.attempts - 1 if decision.give_back_attempt else None
        counted = _settle(session, claim, worker_id, now, S.queued, decision.reason, attempt=attempt, **values)
    if counted and decision.counter:
        setattr(report, decision.counter, getattr(report, decision.counter) + 1)


class LeaseKeeper:
    """Extends a claimed post's lease while its platform calls run.

    A slow platform (or a slow image download) must never look like a dead
    worker: another worker would take the post over and publish it a second
    time. The keeper renews the lease every third of its length from its own
    connection; if this process dies, the renewals stop and the lease expires
    as designed.
    """

    def __init__(self, bind: Bind, post_id: int, worker_id: str, lease_seconds: float):
        self.engine = bind.engine if isinstance(bind, Connection) else bind
        self.post_id, self.worker_id, self.lease_seconds = post_id, worker_id, lease_seconds
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"lease-{post_id}", daemon=True)

    def __enter__(self) -> "LeaseKeeper":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    what = "post"  # for the log; a subclass keeps another row's lease (pipeline.FeedLeaseKeeper)

    def _run(self) -> None:
        while not self.stop.wait(self.lease_seconds / 3):
            try:
                with self.engine.begin() as connection:
                    self.renew(connection)
            except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease
                log.warning("%s %s: could not renew its lease", self.what, self.post_id, exc_info=True)

    def renew(self, connection: Connection) -> None:
        leases.renew(connection, self.post_id, self.worker_id, self.lease_seconds)


def _publish(adapter: PlatformAdapter, claim: _Claim, report: DispatchReport) -> tuple[Published | None, Exception | None, str]:
    """Publish, unless an earlier attempt may already have (then ask the platform first).

    ``attempts`` counts only tries that may have reached the platform (rate
    limits and expired tokens give theirs back), so attempts > 1 means a
    previous try ended in a timeout, a dropped connection or a dead worker:
    its post may be live. A platform without duplicate detection would
    otherwise get it twice.
    """
    if claim.attempts > 1:
        found, error = _reconcile_now(adapter, claim, report)
        if found is not None:
            return found, None, "reconciled: an earlier attempt had published it"
        if error is not None:
            return None, error, "reconcile"
    started = time.perf_counter()
    try:
        return adapter.publish(claim.outgoing), None, "published"
    except Exception as exc:  # noqa: BLE001 - sorted by type in _record_outcome
        if type(exc).__module__ != "distributor.errors":
            log.exception("post %s: unexpected error from the %s adapter; treated as transient", claim.id, claim.account)
        return None, exc, "published"
    finally:
        report.publish_seconds += time.perf_counter() - started


def _book(session: Session, meter: costs.Meter, account: str, app_accounts: frozenset[str], now: datetime) -> None:
    """Write the meter's calls to the ledger, and stop before the limits its answers reported run out.

    A post that used the last of X's 15-minute or 24-hour allowance makes the
    account's (for an app cap: the app's accounts') posts wait for the reset
    here, so no request is spent only to hear "429".
    """
    costs.record_calls(session, meter.calls)
    for seen in meter.limits:
        if seen.remaining > 0 or _aware(seen.reset_at) <= now:
            continue
        endpoint = _limit_endpoint(seen.endpoint)
        if endpoint is None:
            continue
        for name in (app_accounts | {account}) if seen.scope == "app" else {account}:
            store_rate_limit(session, name, endpoint, max(_aware(seen.reset_at), now + MIN_RATE_LIMIT_WAIT))
    meter.limits.clear()


def _limit_endpoint(endpoint: str) -> str | None:
    """Which of our RateLimit gates a platform endpoint's limit closes."""
    if endpoint == "POST /2/tweets" or endpoint.startswith(("POST /2/media/", "POST /1.1/media/")):
        return PUBLISH_ENDPOINT
    if endpoint == "GET /2/users/{id}/tweets":
        return RECONCILE_ENDPOINT
    if endpoint == "GET /2/tweets":
        return "fetch_metrics"
    return None


def _platform_of(session: Session, account: str) -> str | None:
    row = session.get(Account, account)
    return getattr(row, "platform", None) if row is not None else None


# --------------------------------------------------------------------------- reconcile expired leases


def _take_expired(engine: Bind, names: set[str], worker_id: str, now: datetime, lease_seconds: float) -> _Claim | None:
    """Take over one post left in sending by a worker whose lease expired."""
    is_pg = engine.dialect.name == "postgresql"
    limited = exists().where(
        RateLimit.account == Post.account, RateLimit.endpoint == RECONCILE_ENDPOINT, RateLimit.reset_at > now
    )
    for _ in range(20):
        with Session(engine, expire_on_commit=False) as session:
            query = (
                select(Post)
                .join(Account, col(Account.name) == col(Post.account))
                .where(
                    Post.state == S.sending,
                    col(Post.lease_until) < now,
                    col(Post.account).in_(names),
                    col(Account.paused_at).is_(None),
                    ~limited,
                )
                .order_by(col(Post.lease_until), col(Post.id))
                .limit(1)
            )
            if is_pg:
                query = query.with_for_update(skip_locked=True, of=Post)
            post = session.exec(query).first()
            if post is None:
                return None
            previous = post.lease_owner
            if not leases.take_over(session, post.id, worker_id, now, lease_seconds):
                session.rollback()
                continue
            session.refresh(post)
            session.add(
                PostEvent(post_id=post.id, at=now, from_state=S.sending.value, to_state=S.sending.value,
                          attempt=post.attempts, actor=f"worker:{worker_id}",
                          reason=f"lease of {previous} expired; outcome unknown, reconciling")
            )
            session.flush()
            claim = _Claim(post.id, post.account, post.attempts, _outgoing_for(session, post, now),
                           _platform_of(session, post.account))
            session.commit()
            return claim
    return None


def _reconcile_expired(engine, adapters, names, worker_id, now, settings, policy, report, should_stop) -> None:
    """Before any retry, settle every post whose worker vanished mid-publish."""
    while not should_stop():
        started = time.perf_counter()
        claim = _take_expired(engine, names, worker_id, now, settings.scheduler.lease_seconds)
        report.db_seconds += time.perf_counter() - started
        if claim is None:
            return
        with costs.metering(claim.account, "reconcile", claim.id) as meter:
            found, error = _reconcile_now(adapters[claim.account], claim, report)
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            _book(session, meter, claim.account, _app_accounts(adapters, claim.account), now)
            if found is not None:
                lost_charge = costs.unbilled_create(session, settings, settings.account(claim.account), claim.id, now)
                if lost_charge is not None:  # its worker died after X answered: the create is still billed
                    costs.record_calls(session, [lost_charge])
                if _mark_sent(session, claim, worker_id, now, found,
                              "reconciled: found on the platform after the lease expired; "
                              + costs.describe_cost(meter, "reconcile"), settings):
                    report.reconciled += 1
            elif error is not None:
                _still_unknown(session, claim, worker_id, now, error, policy, report)
            elif claim.attempts >= policy.max_attempts:
                if _settle(session, claim, worker_id, now, S.failed,
                           f"lease expired {claim.attempts} times without publishing; giving up",
                           error=f"gave up after {claim.attempts} attempts: worker lost"):
                    report.failed += 1
            else:
                # Not on the platform: the worker died before publishing, so sending again is safe.
                if _settle(session, claim, worker_id, now, S.queued, "lease expired; not found on the platform, queued again"):
                    report.retried += 1
            session.commit()
        report.db_seconds += time.perf_counter() - started


# --------------------------------------------------------------------------- the round


def _count_skipped(engine: Bind, now: datetime, touched: set[int]) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(Post).where(Post.state == S.queued, col(Post.scheduled_at) <= now)
        if touched:
            query = query.where(col(Post.id).not_in(touched))
        return session.exec(query).one()


def dispatch_due(
    engine: Engine,
    settings: Settings,
    adapters: Mapping[str, PlatformAdapter],
    *,
    worker_id: str,
    now: datetime | None = None,
    limit: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    policy: RetryPolicy | None = None,
    rng: random.Random | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DispatchReport:
    """Cancel late automatic posts, reconcile expired leases, then publish due posts one claim at a time.

    ``now`` fixes the clock (tests); by default each claim reads the time
    (from ``clock`` when given, a test's clock that moves).
    ``limit`` caps the posts published; ``should_stop`` is checked before each
    claim, so a stop request lets the post in flight finish.
    """
    with engine.connect() as connection:
        return _dispatch_round(connection, settings, adapters, worker_id, now, limit, should_stop, policy or RetryPolicy(), rng, clock)


def _dispatch_round(engine: Connection, settings, adapters, worker_id, now, limit, should_stop, policy, rng, clock=None) -> DispatchReport:
    clock = (lambda: now) if now is not None else (clock or utcnow)
    report = DispatchReport()
    accounts = _account_settings(settings, adapters)
    _reconcile_expired(engine, adapters, set(accounts), worker_id, clock(), settings, policy, report, should_stop)
    # the parts of posts already out that are due (a retry, or a worker that died between two parts)
    report.parts += parts.send_due(engine, adapters, worker_id, clock(), settings.scheduler.lease_seconds,
                                   should_stop=should_stop, max_attempts=policy.max_attempts)
    started = time.perf_counter()
    report.expired = _cancel_late_automatic_posts(engine, accounts, settings, clock())
    report.db_seconds += time.perf_counter() - started

    held: set[str] = set()  # accounts whose pacing holds their next post back for this round
    touched: set[int] = set()
    while not should_stop() and (limit is None or len(touched) < limit):
        moment = clock()
        # Quiet hours are checked at every claim, not once per round: a long
        # round must not carry an account's posts into its quiet hours.
        open_now = _open_accounts(accounts, settings, moment) - held
        names = set(open_now)
        started = time.perf_counter()
        claim = _claim_one(engine, settings, accounts, names, worker_id, moment)
        report.db_seconds += time.perf_counter() - started
        held |= open_now - names
        if claim is None:
            break
        touched.add(claim.id)
        adapter = adapters[claim.account]
        with costs.metering(claim.account, "publish", claim.id) as meter:
            with LeaseKeeper(engine, claim.id, worker_id, settings.scheduler.lease_seconds):
                published, error, how = _publish(adapter, claim, report)
            _record_outcome(engine, adapter, claim, worker_id, clock(), published, error, policy, report, rng, how=how,
                            settings=settings, meter=meter, app_accounts=_app_accounts(adapters, claim.account))
        report.parts += parts.send_due(engine, adapters, worker_id, clock(), settings.scheduler.lease_seconds,
                                       only={claim.id}, max_attempts=policy.max_attempts)
    report.skipped = _count_skipped(engine, clock(), touched)
    return report


def _app_accounts(adapters: Mapping[str, PlatformAdapter], account: str) -> frozenset[str]:
    """The accounts that share ``account``'s platform app (X's app-wide 24-hour cap)."""
    key = getattr(adapters.get(account), "app_key", None)
    if key is None:
        return frozenset()
    return frozenset(name for name, a in adapters.items() if getattr(a, "app_key", None) == key)


def max_delay(account: AccountSettings, settings: Settings) -> timedelta | None:
    """How late an automatic post of ``account`` may still go out; None: no limit."""
    hours = account.max_delay_hours if account.max_delay_hours is not None else settings.scheduler.max_delay_hours
    return timedelta(hours=hours) if hours else None


def paced_past_max_delay(account: AccountSettings, settings: Settings, published_at: datetime,
                         scheduled_at: datetime) -> str | None:
    """Why an automatic post whose slot (pacing, quiet hours) comes after its article's
    ``max_delay_hours`` should wait for an editor instead of going out that late; None when in time.

    Counted as ``_cancel_late_automatic_posts`` counts lateness: from the end of quiet hours.
    """
    limit = max_delay(account, settings)
    if limit is None:
        return None
    start = end_of_quiet_hours(account, _aware(published_at), settings.web.timezone)
    late = _aware(scheduled_at) - start
    if late <= limit:
        return None
    return (f"would go out {late.total_seconds() / 3600:.1f} h after publication, past max_delay_hours = "
            f"{limit.total_seconds() / 3600:g}: waiting for an editor (approve it to send it at its time)")


def _cancel_late_automatic_posts(engine: Bind, accounts: dict[str, AccountSettings], settings: Settings, now: datetime) -> int:
    """Cancel, with the reason in their history, automatic posts held past ``max_delay_hours``.

    A paused account or a stopped service must not send yesterday's stories
    all at once when it comes back. Only the bot's own posts: a post an editor
    made, approved, edited or rescheduled is the editor's call and goes out.
    """
    editor_touched = exists().where(
        PostEvent.post_id == Post.id,
        col(PostEvent.actor) != "system",
        ~col(PostEvent.actor).startswith("worker:"),
    )
    cancelled = 0
    with Session(engine, expire_on_commit=False) as session:
        for name, account in accounts.items():
            limit = max_delay(account, settings)
            if limit is None:
                continue
            late = session.exec(
                select(Post).where(
                    Post.account == name,
                    Post.state == S.queued,
                    col(Post.scheduled_at) < now - limit,
                    col(Post.auto_key).is_not(None),
                    Post.created_by == "system",
                    ~editor_touched,
                ).order_by(col(Post.id)).limit(500)
            ).all()
            for post in late:
                # a time inside quiet hours counts from their end: waiting for the morning is not lateness
                due = end_of_quiet_hours(account, _aware(post.scheduled_at), settings.web.timezone)
                if now - due <= limit:
                    continue
                hours = (now - due).total_seconds() / 3600
                reason = (f"not sent: {hours:.1f} hours late, more than max_delay_hours = "
                          f"{limit.total_seconds() / 3600:g} for an automatic post")
                try:
                    post.error = reason
                    transition(session, post, S.cancelled, reason=reason, actor="system", at=now)
                except InvalidTransition:
                    session.rollback()  # claimed meanwhile: its worker decides
                    continue
                session.commit()
                log.warning("post %s (%s): %s", post.id, name, reason)
                cancelled += 1
    return cancelled


def work_loop(
    engine: Engine,
    settings: Settings,
    adapters: Mapping[str, PlatformAdapter],
    worker_id: str,
    stop_event: threading.Event,
    poll_interval: float = 1.0,
    *,
    policy: RetryPolicy | None = None,
) -> DispatchReport:
    """Dispatch until ``stop_event`` is set; the post in flight is always finished.

    A round that found nothing to do waits ``poll_interval`` (waking at once on
    stop). A database error is logged and the loop carries on: posts left in
    sending are reconciled when their lease expires.
    """
    total = DispatchReport()
    while not stop_event.is_set():
        try:
            report = dispatch_due(engine, settings, adapters, worker_id=worker_id, should_stop=stop_event.is_set, policy=policy)
        except Exception:  # noqa: BLE001 - the service must outlive a database hiccup
            log.exception("dispatch round failed; retrying in %.1fs", poll_interval)
            stop_event.wait(poll_interval)
            continue
        total.add(report)
        if report.handled == 0:
            stop_event.wait(poll_interval)
    return total
