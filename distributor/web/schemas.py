"""The JSON API's input and output shapes (INTERFACE.md), separate from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, Field, field_validator, model_validator

from distributor import inputs
from distributor.models import Post, PostEvent

# Every row id a route takes: a number the database can hold (ids past 2^63 used to reach SQL and give 500).
RowId = Annotated[int, Path(ge=1, le=inputs.MAX_ID, description="a row id (1 to 2^63-1)")]
OptionalRowId = Annotated[int | None, Query(ge=1, le=inputs.MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=inputs.MAX_ID)]


class ImageIn(BaseModel):
    """One image of a post: its URL and its alt text."""

    url: str = Field(max_length=inputs.MAX_URL)
    alt: str | None = Field(None, max_length=inputs.MAX_TEXT)

    @field_validator("url", "alt")
    @classmethod
    def _storable(cls, value: str | None, info) -> str | None:
        return inputs.clean_text(value, info.field_name) if value is not None else None


class PostOut(BaseModel):
    id: int
    account: str
    platform: str
    state: str
    text: str
    link: str | None
    image_url: str | None
    scheduled_at: datetime
    external_id: str | None
    external_url: str | None
    error: str | None
    held_because: str | None = Field(None, description="why a due post is not going out now; null when nothing holds it")
    digest: str = Field("", description=(
        "a digest of what readers will see and where and when it goes out (text, link, images, first comment, "
        "thread, account, scheduled_at); send it back to approve exactly this (approve's \"digest\" or If-Match)"))

    @classmethod
    def of(cls, post: Post, held_because: str | None = None) -> "PostOut":
        from distributor.posts import content_digest

        return cls(
            id=post.id, account=post.account, platform=post.platform, state=getattr(post.state, "value", post.state),
            text=post.text, link=post.link, image_url=post.image_url, scheduled_at=post.scheduled_at,
            external_id=post.external_id, external_url=post.external_url, error=post.error, held_because=held_because,
            digest=content_digest(post),
        )


class ApproveIn(BaseModel):
    """What the approver read: optional, so a script that sends no body approves as before."""

    digest: str | None = Field(None, max_length=64, description=(
        "the post's digest as the approver read it (from GET /api/posts/{id}); if the post changed since, "
        "nothing is approved (409)"))


class EventOut(BaseModel):
    at: datetime
    actor: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    attempt: int

    @classmethod
    def of(cls, event: PostEvent) -> "EventOut":
        return cls(at=event.at, actor=event.actor, from_state=event.from_state, to_state=event.to_state,
                   reason=event.reason, attempt=event.attempt)


class PostDetail(PostOut):
    article_id: int | None = None
    created_by: str | None = None
    history: list[EventOut] = []
    already_posted: list[int] = Field([], description=(
        "the account's other posts of this article that are out or on their way (sent, sending, queued, "
        "awaiting approval); creating one more needs \"again\": true"))
    warnings: list[str] = Field([], description="what the editor should know about a post just created (no alt text)")
    image_alt: str | None = None
    extra_images: list[ImageIn] = Field([], description="the images after image_url, each {url, alt}")
    first_comment: str | None = Field(None, description="Facebook: the comment posted under the post once it is out")
    thread: list[str] = Field([], description="X: the replies after the post (a thread of up to 3 posts)")
    parts_sent: dict = Field({}, description="the parts already out: {\"first_comment\": id, \"thread\": [ids]}")
    note: str | None = Field(None, description="what the platform or a part's delivery left to know")

    @staticmethod
    def parts_of(post: Post) -> dict:
        return {"image_alt": post.image_alt, "first_comment": post.first_comment, "thread": list(post.thread or []),
                "extra_images": [ImageIn(url=i.get("url") or "", alt=i.get("alt")) for i in post.extra_images or []],
                "parts_sent": dict(post.parts_sent or {}), "note": post.note}


class PostIn(BaseModel):
    """A manual post: ``text``, or ``article_url`` to compose it from the page.

    Strings are checked here (no NUL, valid Unicode, bounded length) so nothing
    the database refuses gets past the edge; ``at`` is parsed by the API with
    the desk's time zone (``inputs.parse_time``).
    """

    account: str = Field(max_length=inputs.MAX_NAME)
    text: str | None = Field(None, max_length=inputs.MAX_TEXT)
    article_url: str | None = Field(None, max_length=inputs.MAX_URL)
    link: str | None = Field(None, max_length=inputs.MAX_URL)
    image_url: str | None = Field(None, max_length=inputs.MAX_URL)
    image_alt: str | None = Field(None, max_length=inputs.MAX_TEXT, description="the image's alt text")
    at: str | None = Field(None, max_length=100, description=(
        "ISO 8601 (without an offset it is read in [web].timezone), or \"now\"; a past time is refused"))
    next_slot: bool = Field(False, description="schedule at the account's next free slot instead")
    approve: bool = Field(False, description="skip the account's approval step")
    again: bool = Field(False, description="post an article the account already has (sent or queued)")
    images: list[ImageIn] | None = Field(None, min_length=1, max_length=10, description=(
        "several images (leave it out for none), each {url, alt}, up to the platform's count (instead of image_url/image_alt)"))
    first_comment: str | None = Field(None, max_length=inputs.MAX_TEXT, description=(
        "Facebook only: a comment posted under the post once it is out"))
    thread: list[str] | None = Field(None, min_length=1, max_length=10, description=(
        "X only (leave it out for a single post): up to 2 replies after the post, each within X's length (a thread of up to 3 posts)"))

    @field_validator("account", "text", "article_url", "link", "image_url", "image_alt", "at", "first_comment")
    @classmethod
    def _storable(cls, value: str | None, info) -> str | None:
        return inputs.clean_text(value, info.field_name) if value is not None else None

    @model_validator(mode="after")
    def _text_or_article(self) -> "PostIn":
        if bool(self.text) == bool(self.article_url):  # a blank text goes on to manual.py, which says so
            raise ValueError("give exactly one of text and article_url")
        if self.at is not None and self.next_slot:
            raise ValueError("give at or next_slot, not both")
        if self.images and (self.image_url or self.image_alt):
            raise ValueError("give images or image_url/image_alt, not both")
        return self
