"""Corrections: a posted story is read again, and what changed is recorded, told and acted on.

    check_due(runtime)   re-read the stories that are due (10 min, 1 h, 6 h after
                         their first post, ``[corrections] recheck_minutes``; at
                         once after an "edited" webhook), then run pending actions

A changed headline or pull quote, or a page that is gone (404/410, or the
CMS said "unpublished"), is kept on the article (``Article.changes``: field,
before, after, when), notified once (``notify.article_changed``) and handled
per account: ``on_change = "edit"`` edits the post where the platform allows it
(Facebook; X cannot, so it alerts), ``on_unpublish = "delete"`` deletes it.

Each edit or delete is a ``PostAction`` row with a unique key (the post and
what is done to it), so deciding it twice records it once; a worker claims it
with a lease before calling the platform and records it in the post's history
after, so a crash in between retries the same (idempotent) call, never a
second different one.

The pure decisions (``what_to_do``) are separate from the SQL that applies them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from distributor import notify, posts, quote_policy
from distributor.articles import (HOME_PAGE, UNPUBLISHED, cancel_unsent, differences, front_page, mark_gone,
                                  record_changes, with_fallbacks)
from distributor.db import session_scope
from distributor.delivery import costs
from distributor.delivery.parts import has_parts
from distributor.errors import (AuthExpired, DistributorError, FetchError, HttpStatusError, PlatformError, Rejected,
                               Unsupported)
from distributor.extract import extract_page
from distributor.extract.deadline import within_deadline
from distributor.extract.model import Extracted
from distributor.lengths import fits, text_limit
from distributor.links import account_link
from distributor.models import Article, ArticleState, Post, PostAction, PostEvent, PostState, utcnow
from distributor.sources import normalise_url

log = logging.getLogger(__name__)

CHECK_LEASE = timedelta(minutes=2)
ACTION_LEASE = timedelta(minutes=2)
RETRY_FETCH = timedelta(minutes=10)  # a page that did not answer is asked again this much later
MAX_ACTION_ATTEMPTS = 5
GONE_STATUSES = (404, 410)
BATCH = 50


@dataclasses.dataclass
class CorrectionsReport:
    done: int = 0  # stories re-read
    skipped: int = 0
    failed: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    changed: int = 0
    gone: int = 0
    actions: int = 0  # edits and deletes carried out


# --- decisions (pure) -------------------------------------------------------------

def what_to_do(*, changed: bool, gone: bool, on_change: str, on_unpublish: str,
               written_by_editor: bool = False) -> str | None:
    """"edit", "delete" or None (alert only) for one sent post of a story.

    A post an editor wrote is never rewritten from the template (they are told instead); it is
    deleted with the others when the story is gone and the policy says so.
    """
    if gone:
        return "delete" if on_unpublish == "delete" else None
    if changed:
        return "edit" if on_change == "edit" and not written_by_editor else None
    return None


def next_check(posted_at: datetime, minutes: list[int], now: datetime) -> tuple[int, datetime | None]:
    """How many scheduled re-reads are behind us at ``now``, and when the next one is (None: done)."""
    points = [posted_at + timedelta(minutes=m) for m in sorted(minutes)]
    passed = sum(1 for p in points if p <= now)
    return passed, (points[passed] if passed < len(points) else None)


def action_key(kind: str, post_id: int, text: str | None, revision: int = 0) -> str:
    """One key per thing done: a delete once per post, an edit once per (story revision, new text).

    The revision (how many changes the story has had) lets a headline that comes back
    (A, B, A, B) be edited to again; the same revision decided twice is still one action.
    """
    digest = hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]
    return f"{kind}:{post_id}:{revision}:{digest}" if kind == "edit" else f"{kind}:{post_id}"


# --- the step --------------------------------------------------------------------

def check_due(runtime, *, now: datetime | None = None) -> CorrectionsReport:
    report = CorrectionsReport()
    now = now or utcnow()
    minutes = runtime.settings.corrections.recheck_minutes
    _schedule_new(runtime.engine, minutes, now)
    with Session(runtime.engine) as session:
        due = list(session.exec(select(Article.id).where(col(Article.next_check_at) <= now)
                                .order_by(col(Article.next_check_at)).limit(BATCH)))
    for article_id in due:
        if not _claim(runtime.engine, article_id, now):
            report.skipped += 1
            continue
        try:
            _check_one(runtime, article_id, now, minutes, report)
            report.done += 1
        except Exception as exc:  # noqa: BLE001 - one odd page must not stop the others
            log.exception("article %s: re-reading for corrections failed", article_id)
            report.failed += 1
            report.errors.append(f"article {article_id}: {exc.__class__.__name__}: {exc}")
    report.actions += run_actions(runtime, now=now)
    return report


def _schedule_new(engine, minutes: list[int], now: datetime) -> None:
    """Give a first re-read time to stories whose first post went out within the schedule's reach."""
    if not minutes:
        return
    window = now - timedelta(minutes=max(minutes)) - timedelta(hours=1)  # older stories were never scheduled
    with session_scope(engine) as session:
        rows = session.exec(
            select(Post.article_id, func.min(Post.sent_at))
            .where(col(Post.sent_at) > window, col(Post.article_id).is_not(None))
            .group_by(Post.article_id)
        ).all()
        for article_id, first_sent in rows:
            article = session.get(Article, article_id)
            if (article is None or article.next_check_at is not None or article.checks_done or article.gone_at
                    or article.state is not ArticleState.extracted):
                continue
            passed, when = next_check(_aware(first_sent), minutes, now)
            article.checks_done = passed
            article.next_check_at = when if passed == 0 else now  # late: read it now


def _aware(when: datetime) -> datetime:
    from datetime import UTC

    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _claim(engine, article_id: int, now: datetime) -> bool:
    with session_scope(engine) as session:
        result = session.execute(update(Article).where(Article.id == article_id, col(Article.next_check_at) <= now)
                                 .values(next_check_at=now + CHECK_LEASE))
        return result.rowcount == 1


def _check_one(runtime, article_id: int, now: datetime, minutes: list[int], report: CorrectionsReport) -> None:
    with Session(runtime.engine) as session:
        article = session.get(Article, article_id)
        url, canonical, already_gone = article.url, article.canonical_url, article.gone_at is not None
        known_title, known_time = article.title, article.published_at
    if already_gone:  # the CMS said "unpublished": act on it, nothing to read
        with session_scope(runtime.engine) as session:
            article = session.get(Article, article_id)
            article.next_check_at = None
            report.gone += 1
            _decide(runtime, session, article, None, gone=True, reason=UNPUBLISHED, now=now)
        return
    gone_reason, extracted, page_url = None, None, url
    try:
        page = runtime.fetcher.get(url)
        page_url = page.url
        extracted = within_deadline(extract_page, page.content, url=page.url, content_type=page.content_type,
                                    source=url)
    except HttpStatusError as exc:
        if exc.status not in GONE_STATUSES:
            return _retry_later(runtime.engine, article_id, now, str(exc))
        gone_reason = f"the page answers HTTP {exc.status}"
    except (FetchError, DistributorError) as exc:
        return _retry_later(runtime.engine, article_id, now, str(exc))
    if gone_reason is None:
        gone_reason = _redirected_to_a_front(url, canonical, page_url, extracted, known_title, known_time)
    with session_scope(runtime.engine) as session:
        article = session.get(Article, article_id)
        first_sent = session.exec(select(func.min(Post.sent_at)).where(Post.article_id == article_id)).one()
        passed, when = next_check(_aware(first_sent), minutes, now) if first_sent else (len(minutes), None)
        article.checks_done, article.next_check_at = max(article.checks_done, passed), when
        if gone_reason is not None:
            if mark_gone(article, gone_reason, now):
                report.gone += 1
                cancel_unsent(session, article_id, gone_reason, now)
                _decide(runtime, session, article, None, gone=True, reason=gone_reason, now=now)
            return
        changes = differences(article, extracted)
        if not changes:
            return
        record_changes(article, changes, now)
        report.changed += 1
        seen = with_fallbacks(extracted, article, article.canonical_url or page_url)
        line = "; ".join(f"{c['field']} was {c['before']!r}, now {c['after']!r}" for c in changes)
        _decide(runtime, session, article, seen, gone=False, reason=line, now=now)


def _redirected_to_a_front(url: str, canonical: str | None, page_url: str, extracted: Extracted | None = None,
                           known_title: str | None = None, known_time: datetime | None = None) -> str | None:
    """Why the story is gone when reading it now ends on the site's home page or a section front
    (a CMS answering a pulled story with a redirect, a "soft 404"); None when it ends on the story.

    That page's headline is not a correction of the story: taken for one, the posts would be
    edited into the home page's headline. A shorter URL is only the shape of a section front:
    a story moved to one (``/news/ferry`` to ``/ferry-service-continues``, a site dropping its
    section folders) still says it is a story (its publication time, or its very headline), and
    taking it for gone would delete every post of a story that is still up.
    """
    ended = normalise_url(page_url)
    if ended in {normalise_url(u) for u in (url, canonical) if u}:
        return None
    front = front_page(urlsplit(page_url), urlsplit(canonical or url))
    if front is None:
        return None
    if front != HOME_PAGE and extracted is not None and (
            _same_time(extracted.published_at, known_time) or (known_title and extracted.title == known_title)):
        return None  # the story's new address
    return f"the page now redirects to {page_url}, which {front}"


def _same_time(page_time: str | None, known: datetime | None) -> bool:
    """Whether the page's publication time is the story's (within a day and a half: a feed's time and
    a page's may differ by an update or a time zone); any time counts when the story's is unknown.
    A section front that states a time of its own (a WebPage's datePublished) is not the story."""
    if not page_time:
        return False
    if known is None:
        return True
    try:
        stated = datetime.fromisoformat(page_time)
    except ValueError:
        return False
    stated = stated if stated.tzinfo else stated.replace(tzinfo=timezone.utc)
    known = known if known.tzinfo else known.replace(tzinfo=timezone.utc)
    return abs(stated - known) <= timedelta(hours=36)


def _retry_later(engine, article_id: int, now: datetime, error: str) -> None:
    log.warning("article %s: could not re-read it for corrections: %s", article_id, error)
    with session_scope(engine) as session:
        session.get(Article, article_id).next_check_at = now + RETRY_FETCH


def _decide(runtime, session: Session, article: Article, seen: Extracted | None, *, gone: bool, reason: str,
            now: datetime) -> None:
    """Tell people once, and queue the edits or deletes the accounts ask for."""
    sent = list(session.exec(select(Post).where(Post.article_id == article.id, Post.state == PostState.sent,
                                                col(Post.deleted_at).is_(None))))
    planned, unreviewed = [], []
    for post in sent:
        try:
            account = runtime.settings.account(post.account)
        except DistributorError:
            continue  # an account no longer configured: nothing to do on it
        kind = what_to_do(changed=not gone, gone=gone, on_change=account.on_change, on_unpublish=account.on_unpublish,
                          written_by_editor=post.created_by not in (None, "system"))
        if kind == "edit" and account.require_approval:
            # an editor approved what went out: a text composed from the page as it is now (whoever changed
            # it: a CMS user with no say on the desk, a hijacked page) must not replace it unread
            unreviewed.append(post.account)
            continue
        text = _new_text(runtime, seen, account) if kind == "edit" else None
        if kind == "edit" and (text is None or text == _latest_text(session, post)):
            kind = None
        if kind is None:
            continue
        key = action_key(kind, post.id, text, len(article.changes or []))
        try:
            with session.begin_nested():
                session.add(PostAction(post_id=post.id, kind=kind, text=text, key=key, created_at=now))
            planned.append(f"{kind} post {post.id} on {post.account}")
        except IntegrityError:
            pass  # decided before (another worker, or the same change seen twice)
    if not gone:
        planned += _recompose_unsent(runtime, session, article, seen, now)
    what = "gone" if gone else "changed"
    then = f"; doing: {', '.join(planned)}" if planned else "; posts left as they are (policy alert)"
    if unreviewed:
        then += (f"; not edited on {', '.join(sorted(set(unreviewed)))}: the account requires approval, "
                 "so an editor decides (its posts are never rewritten unread)")
    line = f"article {article.id} {what} after posting ({article.url}): {reason}{then}"
    if "article_changed" in runtime.settings.notify.events:
        notify.record_new(session, [notify.article_changed(article.id, line, what=reason)], now)
    log.warning("%s", line)


def _recompose_unsent(runtime, session: Session, article: Article, seen: Extracted | None, now: datetime) -> list[str]:
    """The story's automatic posts still queued, untouched by anyone and never tried, composed
    again from the corrected story, so a paced post does not go out later with the old headline.

    An editor's post, one an editor approved or edited, one waiting for approval, one with a
    quote card for its picture, and one already tried (it may be live: its retry looks for the text it sent) are left as they are.
    The text is swapped only while the post is still queued with the text that was read
    (a dispatcher claiming it meanwhile wins).
    """
    if seen is None:
        return []
    done = []
    queued = session.exec(select(Post).where(Post.article_id == article.id, Post.state == PostState.queued,
                                             Post.attempts == 0, col(Post.created_by).in_((None, "system")))
                          .order_by(col(Post.id))).all()
    for post in queued:
        actors = session.exec(select(PostEvent.actor).where(PostEvent.post_id == post.id)).all()
        if any(actor != "system" and not actor.startswith("worker:") for actor in actors):
            continue  # approved, edited or rescheduled by a person: their decision stands
        try:
            account = runtime.settings.account(post.account)
        except DistributorError:
            continue
        if account.require_approval or account.image != "lead":
            continue  # (a quote card is a picture of the old story: a new text alone would not match it)
        text = _new_text(runtime, seen, account)
        composed_link = account_link(seen.canonical_url or seen.source, account, seen.section)
        if text is not None and post.link and composed_link and post.link != composed_link:
            text = text.replace(composed_link, post.link)  # the post's tracked link (links.track) stays
        if text is None or text == post.text or not fits(account.platform, text, text_limit(account)):
            continue
        old = post.text
        swapped = session.execute(update(Post).where(Post.id == post.id, Post.state == PostState.queued,
                                                     Post.attempts == 0, Post.text == old)
                                  .values(text=text, updated_at=now))
        if swapped.rowcount != 1:
            continue
        session.refresh(post)
        posts.record(session, post, PostState.queued, PostState.queued,
                     "composed again before it went out: the story changed", "system", at=now,
                     changes={"text": [old, text]})
        done.append(f"recompose queued post {post.id} on {post.account}")
    return done


def _latest_text(session: Session, post: Post) -> str:
    """What the post will say once the edits already decided are done (an edit still pending counts)."""
    text = session.exec(select(PostAction.text).where(PostAction.post_id == post.id, PostAction.kind == "edit",
                                                      col(PostAction.state).in_(("pending", "done")))
                        .order_by(col(PostAction.id).desc()).limit(1)).first()
    return text if text is not None else post.text


def _new_text(runtime, seen: Extracted | None, account) -> str | None:
    """The account's post composed again from the corrected story (None: it cannot be composed)."""
    if seen is None:
        return None
    pull = seen.pull_quote
    decision = quote_policy.decide(account.quote_policy, account.unsure_quote, pull is not None,
                                   pull and pull.confidence)
    if decision.hold:  # a new post with this quote would wait for an editor: an edit bringing it in waits too
        log.warning("account %s: the corrected post is not edited: %s", account.name, decision.reason)
        return None
    if not decision.use_quote:
        seen = dataclasses.replace(seen, pull_quote=None, quotes=[])
    try:
        text = runtime.composer.compose(seen, account).text
    except Exception as exc:  # noqa: BLE001 - a user template may raise anything: alert instead
        log.warning("account %s: the corrected post could not be composed: %s", account.name, exc)
        return None
    return text if text.strip() else None


# --- carrying out edits and deletes ------------------------------------------------

def run_actions(runtime, *, now: datetime | None = None) -> int:
    """Edit or delete on the platforms what was decided; each action once."""
    done = 0
    now = now or utcnow()
    with Session(runtime.engine) as session:
        ids = list(session.exec(select(PostAction.id).where(
            PostAction.state == "pending", or_(col(PostAction.lease_until).is_(None), col(PostAction.lease_until) < now),
        ).order_by(col(PostAction.id)).limit(BATCH)))
    for action_id in ids:
        if _run_one(runtime, action_id, now):
            done += 1
    return done


def _run_one(runtime, action_id: int, now: datetime) -> bool:
    with session_scope(runtime.engine) as session:
        claimed = session.execute(update(PostAction).where(
            PostAction.id == action_id, PostAction.state == "pending",
            or_(col(PostAction.lease_until).is_(None), col(PostAction.lease_until) < now),
        ).values(lease_owner=runtime.worker_id, lease_until=now + ACTION_LEASE, attempts=PostAction.attempts + 1))
        if claimed.rowcount != 1:
            return False
        action = session.get(PostAction, action_id)
        post = session.get(Post, action.post_id)
        kind, text, external_id, account, attempts = action.kind, action.text, post.external_id, post.account, action.attempts
        post_id = post.id
        replies = _thread_replies(post)
    adapter = runtime.adapters.get(account)
    outcome, error, meter = "done", None, None
    if adapter is None:
        outcome, error = "failed", f"account {account!r} is no longer configured"
    else:
        with costs.metering(account, "correct", post_id) as meter:  # X bills each delete: the ledger counts them
            try:
                if kind == "edit":
                    adapter.edit(external_id, text)
                else:
                    for reply in reversed(replies):  # X keeps a thread's replies when its first post goes
                        adapter.delete(reply)
                    adapter.delete(external_id)
            except Unsupported as exc:
                outcome, error = "unsupported", str(exc)
            except PlatformError as exc:
                retry = attempts < MAX_ACTION_ATTEMPTS and not isinstance(exc, (Rejected, AuthExpired))
                outcome, error = ("pending" if retry else "failed"), str(exc)
    with session_scope(runtime.engine) as session:
        if meter is not None:
            costs.record_calls(session, meter.drain())
        action = session.get(PostAction, action_id)
        post = session.get(Post, action.post_id)
        action.state, action.error, action.lease_owner = outcome, error, None
        action.lease_until = now + timedelta(minutes=2 ** attempts) if outcome == "pending" else None
        if outcome == "done":
            action.done_at = now
            if kind == "edit":
                post.text = text
                posts.record(session, post, PostState.sent, PostState.sent, "edited on the platform: the story changed",
                             "system", at=now)
            elif set(_thread_replies(post)) - set(replies):
                # a reply went out while this ran (a parts worker in flight): delete again, it included
                action.state, action.lease_until, outcome = "pending", now, "pending"
                _stop_parts(post)
            else:
                post.deleted_at = now
                _stop_parts(post)
                also = f" and its {len(replies)} thread repl{'y' if len(replies) == 1 else 'ies'}" if replies else ""
                posts.record(session, post, PostState.sent, PostState.sent,
                             f"deleted on the platform{also}: the story was unpublished", "system", at=now)
        elif outcome in ("unsupported", "failed"):
            posts.record(session, post, PostState.sent, PostState.sent, f"{kind} not done: {error}", "system", at=now)
    return outcome == "done"


def _thread_replies(post: Post) -> list[str]:
    """The platform ids of the post's thread replies already out (delivery/parts.py's ``parts_sent``)."""
    return [str(reply) for reply in (post.parts_sent or {}).get("thread") or []]


def _stop_parts(post: Post) -> None:
    """A deleted post gets no more replies or comments: its parts still due are given up (delivery/parts.py)."""
    sent = dict(post.parts_sent or {})
    if has_parts(post) and not sent.get("gave_up"):
        post.parts_sent = {**sent, "gave_up": "the post was deleted: the story was unpublished"}
        if post.lease_owner is None:  # waiting, not in a worker's hands: nothing will take it
            post.lease_until = None
