"""The database tables (SQLModel).

Every arrow of the pipeline is a write to one of these, so a crash between two
steps loses nothing: the next run picks up from the rows. Times are stored as
naive UTC (``utcnow``) so SQLite and PostgreSQL compare them the same way.
"""

import enum
from datetime import UTC, datetime
from typing import Any, Optional

from pydantic import ConfigDict
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, timezone-aware UTC: the one form of time we store."""
    return datetime.now(UTC)


class _Table(SQLModel):
    """What every table is: pydantic's validator of a table is built when first used, not at import.

    SQLModel never validates a table's rows (they are built from the database or by
    our code), and building 19 validators costs every command ~4% of its start.
    """

    model_config = ConfigDict(defer_build=True)


class PostState(str, enum.Enum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


class ArticleState(str, enum.Enum):
    pending = "pending"  # discovered, page not read yet
    extracted = "extracted"  # page read, posts composed
    skipped = "skipped"  # recorded only (backlog on first poll, or too old)
    duplicate = "duplicate"  # its canonical URL belongs to another article
    failed = "failed"  # the page could not be read; error says why


class Feed(_Table, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    initialized: bool = False  # first poll done: its backlog was recorded as seen
    next_poll_at: datetime = Field(default_factory=utcnow, index=True)
    last_polled_at: Optional[datetime] = None
    last_status: Optional[int] = None
    last_error: Optional[str] = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0  # polls failed in a row (notifications)
    failing_since: Optional[datetime] = None  # first failure of the current streak
    lease_owner: Optional[str] = None
    lease_until: Optional[datetime] = None


class Article(_Table, table=True):
    """One story, identified by its canonical URL once the page was read."""

    id: Optional[int] = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, unique=True, nullable=False))  # the link as discovered, normalised
    canonical_url: Optional[str] = Field(default=None, sa_column=Column(Text, unique=True))
    feed_id: Optional[int] = Field(default=None, foreign_key="feed.id", index=True)
    guid: Optional[str] = Field(default=None, sa_column=Column(Text))
    state: ArticleState = Field(default=ArticleState.pending, index=True)
    duplicate_of: Optional[int] = Field(default=None, foreign_key="article.id")
    title: Optional[str] = Field(default=None, sa_column=Column(Text))
    summary: Optional[str] = Field(default=None, sa_column=Column(Text))  # the feed item's, a fallback for the page's
    section: Optional[str] = None
    image_url: Optional[str] = Field(default=None, sa_column=Column(Text))
    image_alt: Optional[str] = Field(default=None, sa_column=Column(Text))
    pull_quote: Optional[str] = Field(default=None, sa_column=Column(Text))
    pull_quote_speaker: Optional[str] = None
    published_at: Optional[datetime] = None
    discovered_at: datetime = Field(default_factory=utcnow)
    extracted_at: Optional[datetime] = None
    attempts: int = 0
    next_attempt_at: Optional[datetime] = None
    error: Optional[str] = Field(default=None, sa_column=Column(Text))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # full extraction
    # accounts whose automatic post could not be composed, with why (empty text, a template error)
    skipped_accounts: Optional[dict[str, str]] = Field(default=None, sa_column=Column(JSON))
    breaking: bool = False  # a breaking-news rule matched: its posts skip the gap and go first
    # corrections: the next re-read of a posted story, how many were done, what changed, when it went away
    next_check_at: Optional[datetime] = Field(default=None, index=True)
    checks_done: int = 0
    changes: Optional[list[dict[str, Any]]] = Field(default=None, sa_column=Column(JSON))
    gone_at: Optional[datetime] = None


class FeedEntry(_Table, table=True):
    """An item key seen in a feed, so re-bumped or re-ordered items are not new."""

    __table_args__ = (
        UniqueConstraint("feed_id", "key"),
        Index("ix_feedentry_feed_guid", "feed_id", "guid"),
        Index("ix_feedentry_article_id", "article_id"),  # the feeds that listed an article
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id")
    key: str = Field(sa_column=Column(Text, nullable=False))  # guid or normalised link
    article_id: Optional[int] = Field(default=None, foreign_key="article.id")
    seen_at: datetime = Field(default_factory=utcnow)
    guid: Optional[str] = Field(default=None, sa_column=Column(Text))  # the item's stable guid, if it has one
    # why this feed does not post the article (backlog, too old); None: its accounts get it
    skipped: Optional[str] = Field(default=None, sa_column=Column(Text))


class Account(_Table, table=True):
    """Runtime state of a configured account (the configuration itself lives in TOML)."""

    name: str = Field(primary_key=True)
    platform: str
    paused_reason: Optional[str] = Field(default=None, sa_column=Column(Text))  # e.g. expired token
    paused_at: Optional[datetime] = None
    last_sent_at: Optional[datetime] = None
    platform_user_id: Optional[str] = None


class RateLimit(_Table, table=True):
    """A platform's 'come back at' for one account and endpoint, shared by all workers."""

    account: str = Field(primary_key=True)
    endpoint: str = Field(primary_key=True)
    reset_at: datetime


BREAKING_PRIORITY = 100  # Post.priority of breaking news: first in line, and no min_gap_minutes


class Post(_Table, table=True):
    __table_args__ = (
        Index("ix_post_due", "state", "scheduled_at"),
        Index("ix_post_account_state", "account", "state"),
        Index("ix_post_account_sent", "account", "sent_at"),  # an account's recent posts (pacing, reconciling)
        # the account's other posts of a story (reconciling); hash on PostgreSQL: a link may be longer than a B-tree
        # entry. Migration 0004 says so (tests/test_db.py checks): `postgresql_using` here would load SQLAlchemy's
        # whole PostgreSQL dialect at every start, on SQLite too (~0.1 s), and Alembic does not compare it.
        Index("ix_post_link", "link"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    account: str = Field(foreign_key="account.name")
    platform: str
    article_id: Optional[int] = Field(default=None, foreign_key="article.id", index=True)
    template: Optional[str] = None
    # "auto:<article>:<account>:<template>" for automatic posts: never twice
    auto_key: Optional[str] = Field(default=None, sa_column=Column(Text, unique=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    link: Optional[str] = Field(default=None, sa_column=Column(Text))
    image_url: Optional[str] = Field(default=None, sa_column=Column(Text))
    image_alt: Optional[str] = Field(default=None, sa_column=Column(Text))
    state: PostState = Field(default=PostState.queued)
    priority: int = 0  # higher goes first (breaking news)
    scheduled_at: datetime = Field(default_factory=utcnow)  # not before
    attempts: int = 0
    lease_owner: Optional[str] = None
    lease_until: Optional[datetime] = None
    external_id: Optional[str] = None
    external_url: Optional[str] = Field(default=None, sa_column=Column(Text))
    error: Optional[str] = Field(default=None, sa_column=Column(Text))
    note: Optional[str] = Field(default=None, sa_column=Column(Text))  # e.g. why the image was dropped
    quote_confidence: Optional[float] = None  # of the pull quote the post was composed with (0..1)
    created_by: Optional[str] = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = Field(default=None, index=True)
    deleted_at: Optional[datetime] = None  # the platform no longer has it
    # the next engagement snapshot is due; NULL: not sent, or its schedule is over
    next_collect_at: Optional[datetime] = Field(default=None, index=True)
    # images after the first (image_url/image_alt), each {"url": ..., "alt": ...}, up to the platform's count
    extra_images: Optional[list[dict[str, Any]]] = Field(default=None, sa_column=Column(JSON))
    first_comment: Optional[str] = Field(default=None, sa_column=Column(Text))  # Facebook: posted under the post
    thread: Optional[list[str]] = Field(default=None, sa_column=Column(JSON))  # X: the replies after the first post
    # the parts already delivered after the main post, {"first_comment": id, "thread": [id, ...]}: never twice
    parts_sent: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))


class PostEvent(_Table, table=True):
    """One transition or action in a post's life: its history."""

    id: Optional[int] = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    from_state: Optional[str] = None
    to_state: Optional[str] = None
    attempt: int = 0
    actor: str = "system"
    reason: Optional[str] = Field(default=None, sa_column=Column(Text))
    # what an edit changed, field -> [before, after] (the desk shows it as a diff)
    changes: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))


class EngagementSnapshot(_Table, table=True):
    __table_args__ = (Index("ix_snapshot_post_time", "post_id", "collected_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id")
    collected_at: datetime = Field(default_factory=utcnow, index=True)
    likes: int = 0
    shares: int = 0
    comments: int = 0
    impressions: Optional[int] = None
    views: Optional[int] = None  # video/page views where the platform reports those rather than impressions
    clicks: Optional[int] = None
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class User(_Table, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    role: str = "editor"  # editor | admin
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(_Table, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(sa_column=Column(Text, unique=True, nullable=False))  # sha256, never the token
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: Optional[datetime] = None


class WebSession(_Table, table=True):
    """A logged-in browser. The cookie carries a random id; only its sha256 is stored here,
    so ending a session is deleting its row, and a copy of the database opens no desk."""

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)  # absolute expiry counts from here
    last_seen_at: datetime = Field(default_factory=utcnow)  # idle expiry counts from here
    address: Optional[str] = None  # where it logged in from


class LoginFailure(_Table, table=True):
    """One failed login, counted per email, per address and per both (web/throttle.py)."""

    __table_args__ = (Index("ix_loginfailure_email_at", "email", "at"), Index("ix_loginfailure_address_at", "address", "at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(Text, nullable=False))  # normalised, as typed
    address: str
    at: datetime = Field(default_factory=utcnow, index=True)


class AuditEvent(_Table, table=True):
    """Who did what to logins, users and tokens, when, from where; never a password or token."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: Optional[str] = None  # the user's email, "cli", or None when nobody logged in
    action: str = Field(index=True)  # login, login_failed, logout, password_changed, ...
    target: Optional[str] = Field(default=None, sa_column=Column(Text))  # the user or token acted on
    address: Optional[str] = None
    detail: Optional[str] = Field(default=None, sa_column=Column(Text))
class Notification(_Table, table=True):
    """An event people were (or are to be) told about; the unique key makes it once-only."""

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    kind: str
    line: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: Optional[datetime] = Field(default=None, index=True)
    attempts: int = 0
    error: Optional[str] = Field(default=None, sa_column=Column(Text))
    claimed_by: Optional[str] = None
    claimed_until: Optional[datetime] = None


class ApiCall(_Table, table=True):
    """One platform call that costs money or counts against a limit (the cost ledger).

    Prices are kept in micro-dollars (integers) so sums are exact to the cent
    on both databases.
    """

    __table_args__ = (Index("ix_apicall_account_at", "account", "at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    account: str
    platform: str
    post_id: Optional[int] = Field(default=None, index=True)
    purpose: str  # publish | upload | reconcile | engagement | check
    endpoint: str  # "POST /2/tweets", as the platform's price list names the call
    status: Optional[int] = None  # HTTP status; None when the answer was lost
    units: int = 1  # what the price is multiplied by (posts returned for reads)
    price_key: Optional[str] = None  # which line of the price list applied
    cost_micros: int = 0


class WebhookDelivery(_Table, table=True):
    """A webhook request we accepted, by the digest of its hook and body: the same one again is a replay."""

    id: Optional[int] = Field(default=None, primary_key=True)
    hook: str
    digest: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, index=True)
    url: Optional[str] = Field(default=None, sa_column=Column(Text))
    event: Optional[str] = None


class WebSubSubscription(_Table, table=True):
    """Our subscription to a feed's WebSub hub. The callback is ``/websub/<token>``; its signing
    secret is derived from DISTRIBUTOR_WEBSUB_SECRET and the token, never stored."""

    id: Optional[int] = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id", sa_column_kwargs={"unique": True})
    hub: str = Field(sa_column=Column(Text, nullable=False))
    topic: str = Field(sa_column=Column(Text, nullable=False))
    token: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    state: str = "new"  # new | requested | active | failed
    lease_until: Optional[datetime] = None
    requested_at: Optional[datetime] = None
    verified_at: Optional[datetime] = None
    last_notified_at: Optional[datetime] = None
    failures: int = 0
    last_error: Optional[str] = Field(default=None, sa_column=Column(Text))


class PostAction(_Table, table=True):
    """An edit or delete of a published post; its unique key makes it happen once, like a publish."""

    id: Optional[int] = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    kind: str  # edit | delete
    text: Optional[str] = Field(default=None, sa_column=Column(Text))  # the new text of an edit
    key: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    state: str = Field(default="pending", index=True)  # pending | done | failed | unsupported
    attempts: int = 0
    lease_owner: Optional[str] = None
    lease_until: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)
    done_at: Optional[datetime] = None
    error: Optional[str] = Field(default=None, sa_column=Column(Text))


class TrackedLink(_Table, table=True):
    """A post's link as it went out through our redirect (links.py): the code, where it leads, the clicks.

    The redirect leads only to ``target``, the post's own link: the code names a row, never a URL.
    """

    code: str = Field(primary_key=True)
    post_id: int = Field(foreign_key="post.id", unique=True)
    target: str = Field(sa_column=Column(Text, nullable=False))
    clicks: int = 0  # people, not bots (by user agent)
    created_at: datetime = Field(default_factory=utcnow)
    last_click_at: Optional[datetime] = None
