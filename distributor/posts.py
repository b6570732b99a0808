"""The post state machine and the editors' queue operations.

    draft -> awaiting_approval -> queued -> sending -> sent
                                    ^         |-> queued (retry later: rate limit, transient)
                                    |         |-> failed (permanent, reason kept)
                                    +-- sending with an expired lease -> reconcile (dispatch.py)
    cancelled (from any state before sending)
    awaiting_approval -> draft (sent back with a reason) -> awaiting_approval (resubmitted)

Every change of state, and every edit, is a ``PostEvent`` row (when, from, to,
why, attempt, actor), so a post's history tells its whole story. Plain functions
over a session: the caller owns the transaction; these helpers flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from urllib.parse import urlsplit

from sqlalchemy import union_all, update
from sqlmodel import Session, col, select

from distributor.config import AccountSettings
from distributor.errors import DistributorError, InvalidInput, InvalidTransition, NotFound
from distributor.models import Account, Post, PostEvent, PostState, utcnow

S = PostState

# The only moves a post can make. ``sending`` is entered and left by the
# dispatcher alone (dispatch.py), never by an editor: once a worker may be
# talking to the platform, only the outcome of that call decides what is next.
TRANSITIONS: dict[PostState, frozenset[PostState]] = {
    S.draft: frozenset({S.awaiting_approval, S.queued, S.cancelled}),
    # back to draft: an editor sent it back to its author with a reason (``send_back``)
    S.awaiting_approval: frozenset({S.queued, S.draft, S.cancelled}),
    # back to awaiting approval: its text, link or image changed after it was approved (``edit``)
    S.queued: frozenset({S.sending, S.cancelled, S.awaiting_approval}),
    S.sending: frozenset({S.sent, S.queued, S.failed}),
    # A failed post was never published, so an editor may retry or drop it (or change an approved one: approval again).
    S.failed: frozenset({S.queued, S.cancelled, S.awaiting_approval}),
    S.sent: frozenset(),
    S.cancelled: frozenset(),
}

# States in which the text, link, image or time may still change: the
# platform has not been called for this version of the post.
EDITABLE = frozenset({S.draft, S.awaiting_approval, S.queued, S.failed})
# States that occupy a slot in an account's schedule (see ``next_slot``). A post waiting for an
# editor holds none: it may wait for hours, and the posts behind it would wait with it. min_gap_minutes
# is kept at sending all the same (dispatch claims a post only when the account sent nothing within
# the gap), so a post approved later goes at the next opening, never closer than the gap.
PENDING = (S.queued, S.sending)


def record(
    session: Session,
    post: Post,
    from_state: PostState | None,
    to_state: PostState | None,
    reason: str | None,
    actor: str,
    at: datetime | None = None,
    changes: dict | None = None,
) -> PostEvent:
    """Append one line to the post's history (``changes``: field -> [before, after] of an edit)."""
    event = PostEvent(
        changes=changes,
        post_id=post.id,
        at=at or utcnow(),
        from_state=from_state.value if from_state else None,
        to_state=to_state.value if to_state else None,
        attempt=post.attempts,
        actor=actor,
        reason=reason,
    )
    session.add(event)
    return event


def transition(
    session: Session, post: Post, to: PostState, *, reason: str | None, actor: str, at: datetime | None = None
) -> Post:
    """Move ``post`` to ``to`` if the state machine allows it, and record why."""
    current = PostState(post.state)
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing (final state)"
        raise InvalidTransition(
            f"post {post.id} is {current.value}: it cannot become {to.value} (allowed: {allowed})"
        )
    at = at or utcnow()
    _hold(session, post, current)
    post.state = to
    post.updated_at = at
    session.add(post)
    record(session, post, current, to, reason, actor, at)
    session.flush()
    return post


def _hold(session: Session, post: Post, seen: PostState) -> None:
    """Make sure the row is still in the state we read, and hold it until commit.

    A worker may claim the post between our read and our write; without this
    an editor's cancel could overwrite ``sending`` while the post goes out.
    """
    session.flush()
    result = session.execute(
        update(Post).where(col(Post.id) == post.id, Post.state == seen).values(updated_at=utcnow())
    )
    if result.rowcount != 1:
        session.refresh(post)
        raise InvalidTransition(
            f"post {post.id} changed meanwhile: it is now {PostState(post.state).value}; look again"
        )


def ensure_account(session: Session, account: AccountSettings) -> Account:
    """The account's runtime row (pause state, last post time), created on first use."""
    row = session.get(Account, account.name)
    if row is None:
        row = Account(name=account.name, platform=account.platform)
        session.add(row)
        session.flush()
    return row


def account_zone(account: AccountSettings, default: str = "UTC") -> ZoneInfo:
    return ZoneInfo(account.timezone or default)


def as_utc(when: datetime, zone: ZoneInfo) -> datetime:
    """An aware UTC time; a naive one is read as local time in ``zone`` (what an editor typed)."""
    if when.utcoffset() is None:
        when = when.replace(tzinfo=zone)
    return when.astimezone(ZoneInfo("UTC"))


class EmptyPost(DistributorError, ValueError):
    """A post without text."""


class BadLink(DistributorError, ValueError):
    """A link or image that is not an http(s) URL (javascript:, data:, file: ...)."""


def _check_links(*urls: str | None) -> None:
    for url in urls:
        if not url:
            continue
        from distributor.cards.store import is_well_formed_card_reference  # the cards package loads Pillow: not at start

        if url and is_well_formed_card_reference(url):
            continue  # a stored quote card (distributor/cards/store.py)
        if url and urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
            raise BadLink(f"{url[:80]!r} is not an http(s) URL")


def check_links(*urls: str | None) -> None:
    """BadLink unless each URL is http(s) or a stored quote card (for the manual door's extra images)."""
    _check_links(*urls)


def automatic_post_key(article_id: int, account: AccountSettings) -> str:
    """The key that lets an article be posted automatically at most once per account.

    Not per template: an account whose template changed must not post a story
    it already posted when the story is read again (a second feed, an edited link).
    """
    return f"auto:{article_id}:{account.name}"


def create_post(
    session: Session,
    account: AccountSettings,
    *,
    text: str,
    link: str | None = None,
    image_url: str | None = None,
    image_alt: str | None = None,
    article_id: int | None = None,
    template: str | None = None,
    auto_key: str | None = None,
    at: datetime | None = None,
    next_slot: bool = False,
    approve: bool = False,
    priority: int = 0,
    actor: str = "system",
    approval: str = "anyone",
) -> Post:
    """A new post, queued, or awaiting approval when the account requires it.

    ``approve`` skips the account's approval step; under ``approval = "other_editor"``
    ([desk]) that would be the author approving their own post, so it is refused.

    ``at`` schedules it (naive means the account's local time); ``next_slot``
    puts it at the account's next free slot. An ``auto_key`` already used
    raises the database's IntegrityError: an article is never auto-posted twice.
    """
    if not text or not text.strip():
        raise EmptyPost("a post needs text")
    _check_links(link, image_url)
    if approve and account.require_approval and approval == "other_editor":
        raise NotAllowed(f"a post for {account.name} cannot be approved by its author: another editor must approve "
                         "it ([desk] approval = \"other_editor\")")
    ensure_account(session, account)
    if article_id is not None and auto_key is None and actor != "system":
        key = automatic_post_key(article_id, account)
        if session.exec(select(Post.id).where(Post.auto_key == key)).first() is None:
            auto_key = key  # the editor's post of this article stands in for the automatic one
    now = utcnow()
    if at is not None:
        scheduled = as_utc(at, account_zone(account))
    elif next_slot:
        scheduled = _find_next_slot(session, account, now)  # the kwarg shadows the function
    else:
        scheduled = now
    state = S.awaiting_approval if account.require_approval and not approve else S.queued
    post = Post(
        account=account.name,
        platform=account.platform,
        article_id=article_id,
        template=template,
        auto_key=auto_key,
        text=text,
        link=link,
        image_url=image_url,
        image_alt=image_alt,
        state=state,
        priority=priority,
        scheduled_at=scheduled,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(post)
    session.flush()  # assigns the id the history needs
    why = "created"
    if state is S.awaiting_approval:
        why = "created; the account requires approval"
    elif approve and account.require_approval:
        why = "created and approved"
    waits = _why_this_slot(account, now, scheduled) if next_slot else ""
    record(session, post, None, state, f"{why}; scheduled for {scheduled.isoformat()}{waits}", actor, now)
    session.flush()
    return post


def _why_this_slot(account: AccountSettings, now: datetime, scheduled: datetime) -> str:
    """Why a post put at the next free slot waits, for its history: a later post of a burst
    is not held by anything ``held_because`` names, it is paced (or after quiet hours)."""
    if scheduled <= now:
        return ""
    if scheduled <= end_of_quiet_hours(account, now):
        return " (after the account's quiet hours)"
    return (f" (the account's next free slot: min_gap_minutes = {account.min_gap_minutes:g} "
            "from its other posts)")


def get_post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post with id {post_id}")
    return post


class NotAllowed(InvalidTransition):
    """The move exists, but this person may not make it (approving their own post)."""


MAX_SEND_BACK_REASON = 2000


def content_digest(post: Post) -> str:
    """A digest of everything of the post readers will see (text, link, images, first comment, thread),
    and where and when it goes out: an embargoed post moved to "now" is not the post the approver read."""
    import hashlib
    import json

    seen = [post.text, post.link, post.image_url, post.image_alt, post.extra_images, post.first_comment, post.thread,
            post.account, post.scheduled_at]
    return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:32]


class ChangedSinceSeen(InvalidTransition):
    """The post's content changed after the approver opened it: what they read is not what would go out."""


def approve(session: Session, post_id: int, actor: str, *, approval: str = "anyone", seen: str | None = None) -> Post:
    """An editor lets the post go out at its scheduled time.

    ``approval`` is ``[desk] approval``: with "other_editor" the post's authors may not
    approve it: whoever created it, and whoever changed its text, link or image since
    (an approver who rewrites a post and then approves it is the only one who read it).
    ``seen`` is the ``content_digest`` of the post as the approver read it (the desk's
    form carries it): if the post changed since, nothing is approved (``ChangedSinceSeen``),
    or an author could swap the text between a colleague's reading and their click.
    The CLI, the API and the desk all come here, so they cannot disagree.
    """
    post = get_post(session, post_id)
    if seen is not None and seen != content_digest(post):
        raise ChangedSinceSeen(f"post {post.id} changed since you opened it: read it again before approving it")
    # a draft too: one sent back is a draft, and its author approving it would overrule the colleague who sent it back
    if approval == "other_editor" and PostState(post.state) in (S.awaiting_approval, S.draft) \
            and actor in authors(session, post):
        raise NotAllowed(f"post {post.id} is yours: another editor must approve it ([desk] approval = \"other_editor\")")
    return transition(session, post, S.queued, reason="approved", actor=actor)


ALT_TEXT_LIMIT = 1000  # X's limit for image descriptions, the strictest of the platforms
CONTENT_FIELDS = frozenset({"text", "link", "image_url", "image_alt"})  # what an edit changes that readers will see


def authors(session: Session, post: Post) -> set[str]:
    """Who wrote what the post says: its creator and everyone who edited its content (not its time)."""
    events = session.exec(select(PostEvent.actor, PostEvent.changes).where(PostEvent.post_id == post.id))
    editors = {actor for actor, changes in events if changes and CONTENT_FIELDS & set(changes)}
    return editors | ({post.created_by} if post.created_by else set())


def _was_approved(session: Session, post: Post) -> bool:
    """Whether the post went from awaiting approval to queued (someone approved this post)."""
    return session.exec(select(PostEvent.id).where(PostEvent.post_id == post.id,
                                                   PostEvent.from_state == S.awaiting_approval.value,
                                                   PostEvent.to_state == S.queued.value)).first() is not None


def send_back(session: Session, post_id: int, actor: str, reason: str) -> Post:
    """Refuse a post awaiting approval: it goes back to draft, the reason in its history for its author."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("say why the post is sent back: its author reads the reason")
    if len(reason) > MAX_SEND_BACK_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_SEND_BACK_REASON} characters")
    post = get_post(session, post_id)
    if PostState(post.state) is not S.awaiting_approval:
        raise InvalidTransition(f"post {post_id} is {PostState(post.state).value}: only a post awaiting approval "
                                "can be sent back")
    return transition(session, post, S.draft, reason=f"sent back: {reason}", actor=actor)


def submit(session: Session, post_id: int, actor: str) -> Post:
    """A draft (often one sent back and since edited) asks for approval again."""
    post = get_post(session, post_id)
    if PostState(post.state) is not S.draft:
        raise InvalidTransition(f"post {post_id} is {PostState(post.state).value}: only a draft can be submitted")
    return transition(session, post, S.awaiting_approval, reason="submitted for approval", actor=actor)


def last_sent_back(session: Session, post_ids: list[int]) -> dict[int, PostEvent]:
    """Each draft's latest "sent back" event (who, when, why), for its author to read."""
    if not post_ids:
        return {}
    rows = session.exec(select(PostEvent).where(col(PostEvent.post_id).in_(post_ids),
                                                PostEvent.from_state == S.awaiting_approval.value,
                                                PostEvent.to_state == S.draft.value).order_by(col(PostEvent.id)))
    return {row.post_id: row for row in rows}


def cancel(session: Session, post_id: int, actor: str) -> Post:
    """Drop a post that has not been sent. A post being sent cannot be cancelled:
    the platform call may already have succeeded."""
    post = get_post(session, post_id)
    return transition(session, post, S.cancelled, reason="cancelled", actor=actor)


def retry(session: Session, post_id: int, actor: str) -> Post:
    """Queue a failed post again, now, with a fresh allowance of attempts."""
    post = get_post(session, post_id)
    if PostState(post.state) is not S.failed:
        raise InvalidTransition(f"post {post_id} is {PostState(post.state).value}: only a failed post can be retried")
    previous = post.error
    post.attempts = 0
    post.error = None
    post.scheduled_at = utcnow()
    return transition(session, post, S.queued, reason=f"retry requested (was: {previous})", actor=actor)


def _require_editable(post: Post, what: str, session: Session | None = None) -> None:
    if PostState(post.state) not in EDITABLE:
        raise InvalidTransition(
            f"post {post.id} is {PostState(post.state).value}: it can no longer be {what}"
        )
    if session is not None:
        _hold(session, post, PostState(post.state))


def edit(
    session: Session,
    post_id: int,
    *,
    text: str | None = None,
    link: str | None = None,
    image_url: str | None = None,
    image_alt: str | None = None,
    actor: str,
    approval: str = "anyone",
) -> Post:
    """Change what will be published; only before the platform has been called.

    A new image without a new ``image_alt`` loses the old one's alt text: words
    describing another picture are worse for a screen reader than none.

    Under ``approval = "other_editor"`` a post that was approved and whose text,
    link or image then changes goes back to awaiting approval: otherwise its
    author could have a colleague approve one text and then send another.
    """
    post = get_post(session, post_id)
    _check_links(link, image_url)
    _require_editable(post, "edited", session)
    if post.state is S.queued and post.attempts > 0 and (text is not None or link is not None):
        # An earlier try may have reached the platform (a timeout, a lost answer): the
        # retry looks for the text it sent, so a changed text could go out twice.
        raise InvalidTransition(
            f"post {post.id} was already tried and may be live; cancel it and queue a new post instead"
        )
    changed = {}
    for name, value in (("text", text), ("link", link), ("image_url", image_url)):
        if value is not None and value != getattr(post, name):
            if name == "text" and not value.strip():
                raise EmptyPost("a post needs text")
            changed[name] = [getattr(post, name), value]
            setattr(post, name, value)
    old_alt = post.image_alt
    if image_alt is not None and len(image_alt) > ALT_TEXT_LIMIT:
        raise InvalidInput(f"the alt text is {len(image_alt)} characters; the limit is {ALT_TEXT_LIMIT}")
    if image_alt is not None or "image_url" in changed:
        post.image_alt = image_alt or None
    if "image_url" in changed and not post.image_url and post.extra_images:
        # the edit form holds the first image only: the next one leads (as at the door, manual.py), none is dropped
        first, *rest = post.extra_images
        post.image_url, post.image_alt, post.extra_images = first.get("url"), first.get("alt"), rest or None
        changed["image_url"] = [changed["image_url"][0], post.image_url]
    if post.image_alt != old_alt:
        changed["image_alt"] = [old_alt, post.image_alt]
    if changed:
        post.updated_at = utcnow()
        session.add(post)
        state = PostState(post.state)
        record(session, post, state, state, "edited: " + ", ".join(changed), actor, changes=changed)
        if approval == "other_editor" and state in (S.queued, S.failed) and _was_approved(session, post):
            if state is S.failed:  # as a retry would: a failed post was never published
                post.attempts, post.error = 0, None
            transition(session, post, S.awaiting_approval, actor=actor,
                       reason="changed after it was approved: it needs approval again ([desk] approval = \"other_editor\")")
        session.flush()
    return post


def reschedule(session: Session, post_id: int, at: datetime, actor: str, *, zone: str = "UTC") -> Post:
    """Move the post's time; a naive ``at`` is read in ``zone``."""
    post = get_post(session, post_id)
    _require_editable(post, "rescheduled", session)
    before = post.scheduled_at
    post.scheduled_at = as_utc(at, ZoneInfo(zone))
    post.updated_at = utcnow()
    session.add(post)
    state = PostState(post.state)
    record(session, post, state, state, f"rescheduled for {post.scheduled_at.isoformat()}", actor,
           changes={"scheduled_at": [_iso(before), post.scheduled_at.isoformat()]})
    session.flush()
    return post


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=ZoneInfo("UTC"))).isoformat()


def list_posts(
    session: Session,
    *,
    state: PostState | str | None = None,
    account: str | None = None,
    article_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Post]:
    """Posts, newest first."""
    query = select(Post)
    if state is not None:
        query = query.where(Post.state == PostState(state))
    if account is not None:
        query = query.where(Post.account == account)
    if article_id is not None:
        query = query.where(Post.article_id == article_id)
    query = query.order_by(col(Post.id).desc()).offset(offset).limit(limit)
    return list(session.exec(query).all())


def history(session: Session, post_id: int) -> list[PostEvent]:
    """The post's story, oldest event first."""
    get_post(session, post_id)
    query = select(PostEvent).where(PostEvent.post_id == post_id).order_by(col(PostEvent.id))
    return list(session.exec(query).all())


def in_quiet_hours(account: AccountSettings, when: datetime, default_zone: str = "UTC") -> bool:
    """Is ``when`` inside the account's quiet hours [start, end) local time (may wrap midnight)?"""
    if not account.quiet_hours:
        return False
    start, end = account.quiet_hours
    if start == end:
        return False
    hour = when.astimezone(account_zone(account, default_zone)).hour
    return start <= hour < end if start < end else hour >= start or hour < end


def end_of_quiet_hours(account: AccountSettings, when: datetime, default_zone: str = "UTC") -> datetime:
    """The first moment at or after ``when`` outside quiet hours."""
    if not in_quiet_hours(account, when, default_zone):
        return when
    zone = account_zone(account, default_zone)
    local = when.astimezone(zone)
    end_hour = account.quiet_hours[1]
    candidate = local.replace(hour=end_hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate = candidate + timedelta(days=1)
    # re-attach the zone so a DST change between the two days is honoured
    candidate = datetime(candidate.year, candidate.month, candidate.day, end_hour, tzinfo=zone)
    return candidate.astimezone(ZoneInfo("UTC"))


SLOT_PAGE = 200  # occupied times read per query while looking for a free slot


def next_slot(session: Session, account: AccountSettings, after: datetime) -> datetime:
    """The first time >= ``after`` outside the account's quiet hours that is at least
    min_gap_minutes away from every post of the account, before it and after it.

    Occupied times are the account's sent posts (``sent_at``) and its pending
    ones (``scheduled_at``). They are read in time order from ``after - gap``,
    a page at a time, and the walk stops at the first gap wide enough: a post
    queued far in the future never pushes a new one behind it, and the cost
    is the number of posts before the slot, never the account's whole history.
    """
    gap = timedelta(minutes=account.min_gap_minutes)
    candidate = end_of_quiet_hours(account, after)
    if not gap:
        return candidate
    offset = 0
    while True:
        times = _occupied_times(session, account.name, after - gap, offset)
        for taken in times:
            if taken + gap <= candidate:
                continue  # far enough before
            if taken - gap >= candidate:
                return candidate  # the gap before this post is wide enough
            candidate = end_of_quiet_hours(account, taken + gap)
        if len(times) < SLOT_PAGE:
            return candidate
        offset += SLOT_PAGE


def _occupied_times(session: Session, account: str, since: datetime, offset: int) -> list[datetime]:
    """One page of the times the account's posts occupy from ``since`` on, in order."""
    scheduled = select(col(Post.scheduled_at).label("at")).where(
        Post.account == account, col(Post.state).in_(PENDING), col(Post.scheduled_at) >= since
    )
    sent = select(col(Post.sent_at).label("at")).where(
        Post.account == account, Post.state == S.sent, col(Post.sent_at) >= since
    )
    both = union_all(scheduled, sent).subquery()
    rows = session.execute(select(both.c.at).order_by(both.c.at).offset(offset).limit(SLOT_PAGE)).scalars()
    return [_aware(t) for t in rows]


def _aware(when: datetime | str) -> datetime:
    """A UTC-aware datetime: a UNION loses the column type on SQLite (naive, or even text)."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return when if when.utcoffset() is not None else when.replace(tzinfo=ZoneInfo("UTC"))


_find_next_slot = next_slot
