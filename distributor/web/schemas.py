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

    @classmethod
    def of(cls, post: Post, held_because: str | None = None) -> "PostOut":
        return cls(
            id=post.id, account=post.account, platform=post.platform, state=getattr(post.state, "value", post.state),
            text=post.text, link=post.link, image_url=post.image_url, scheduled_at=post.scheduled_at,
            external_id=post.external_id, external_url=post.external_url, error=post.error, held_because=held_because,
        )


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

    @field_validator("account", "text", "article_url", "link", "image_url", "image_alt", "at")
    @classmethod
    def _storable(cls, value: str | None, info) -> str | None:
        return inputs.clean_text(value, info.field_name) if value is not None else None

    @model_validator(mode="after")
    def _text_or_article(self) -> "PostIn":
        if bool(self.text) == bool(self.article_url):  # a blank text goes on to manual.py, which says so
            raise ValueError("give exactly one of text and article_url")
        if self.at is not None and self.next_slot:
            raise ValueError("give at or next_slot, not both")
        return self
