"""The JSON API's input and output shapes (INTERFACE.md), separate from the tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from distributor.models import Post, PostEvent


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

    @classmethod
    def of(cls, post: Post) -> "PostOut":
        return cls(
            id=post.id, account=post.account, platform=post.platform, state=getattr(post.state, "value", post.state),
            text=post.text, link=post.link, image_url=post.image_url, scheduled_at=post.scheduled_at,
            external_id=post.external_id, external_url=post.external_url, error=post.error,
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


class PostIn(BaseModel):
    """A manual post: ``text``, or ``article_url`` to compose it from the page."""

    account: str
    text: str | None = None
    article_url: str | None = None
    link: str | None = None
    image_url: str | None = None
    at: datetime | None = Field(None, description="ISO 8601; without an offset it is read in [web].timezone")
    next_slot: bool = Field(False, description="schedule at the account's next free slot instead")
    approve: bool = Field(False, description="skip the account's approval step")

    @model_validator(mode="after")
    def _text_or_article(self) -> "PostIn":
        if bool(self.text and self.text.strip()) == bool(self.article_url):
            raise ValueError("give exactly one of text and article_url")
        if self.at is not None and self.next_slot:
            raise ValueError("give at or next_slot, not both")
        return self
