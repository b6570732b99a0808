"""The JSON API under /api/ (INTERFACE.md), for scripts: bearer tokens only.

Post actions go through ``posts.py`` with the token owner's email as the
actor, so the API leaves the same history as the web UI and the CLI.
"""

from __future__ import annotations

import json
import secrets
from typing import Literal

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from distributor import inputs, manual, posts
from distributor.manual import AlreadyPosted, already_posted
from distributor.holds import holds_for
from distributor.errors import ConfigError, DistributorError, InvalidInput, InvalidTransition, NotFound
from distributor.models import PostState, User
from distributor.web.auth import api_user, audit, db
from distributor.web.schemas import ApproveIn, EventOut, Offset, OptionalRowId, PostDetail, PostIn, PostOut, RowId

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(api_user)])


def _detail(session: Session, post_id: int, settings) -> PostDetail:
    post = posts.get_post(session, post_id)
    held = holds_for(session, settings, [post])[post.id]
    others = [p.id for p in already_posted(session, post.article_id, post.account) if p.id != post.id]
    return PostDetail(**PostOut.of(post, held).model_dump(), article_id=post.article_id, created_by=post.created_by,
                      history=[EventOut.of(e) for e in posts.history(session, post_id)], already_posted=others,
                      **PostDetail.parts_of(post))


@router.get("/posts", response_model=list[PostOut], summary="List posts, newest first")
def list_posts(
    request: Request,
    state: str | None = Query(None, description="one of " + ", ".join(s.value for s in PostState) + "; empty: all"),
    account: str | None = Query(None, max_length=inputs.MAX_NAME),
    article_id: OptionalRowId = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: Offset = 0,
    session: Session = Depends(db),
) -> list[PostOut]:
    if state and state not in PostState.__members__:
        raise HTTPException(422, f"unknown state {inputs.clean_text(state, 'state')[:40]!r}; "
                                 f"one of {', '.join(PostState.__members__)}")
    if account:
        inputs.clean_text(account, "account")
    rows = posts.list_posts(session, state=PostState(state) if state else None, account=account or None, article_id=article_id,
                            limit=limit, offset=offset)
    held = holds_for(session, request.app.state.settings, rows)
    return [PostOut.of(p, held[p.id]) for p in rows]


@router.get("/posts/{post_id}", response_model=PostDetail, summary="One post with its history")
def get_post(post_id: RowId, request: Request, response: Response, session: Session = Depends(db)) -> PostDetail:
    try:
        detail = _detail(session, post_id, request.app.state.settings)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    response.headers["ETag"] = f'"{detail.digest}"'  # for If-Match on approve
    return detail


@router.post("/posts", response_model=PostDetail, status_code=201, summary="Queue a manual post")
def create_post(body: PostIn, request: Request, session: Session = Depends(db),
                user: User = Depends(api_user)) -> PostDetail:
    settings = request.app.state.settings
    try:
        account = settings.account(body.account)
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from exc
    try:  # the one door for manual posts (manual.py): the CLI and the compose page take it too
        prepared = manual.prepare(request.app.state.runtime, account, article_url=body.article_url, text=body.text,
                                  link=body.link, at=body.at, next_slot=body.next_slot, approve=body.approve,
                                  **({"image_url": body.image_url, "image_alt": body.image_alt} | _parts_of(body)))
        queued = manual.create(request.app.state.runtime, session, prepared, actor=user.email, again=body.again)
    except AlreadyPosted as exc:
        raise HTTPException(409, f"{exc}; send \"again\": true to post it anyway") from exc
    except posts.NotAllowed as exc:
        raise HTTPException(403, str(exc)) from exc
    except DistributorError as exc:
        raise HTTPException(422, str(exc)) from exc
    post = queued.post
    session.commit()
    audit.info("%s created post %s for %s via the API", user.email, post.id, account.name)
    detail = _detail(session, post.id, settings)
    detail.warnings = queued.warnings
    return detail


def _parts_of(body: PostIn) -> dict:
    """The API's ``images`` list as the door's first image and extras; the first comment and thread."""
    parts: dict = {"first_comment": body.first_comment, "thread": body.thread}
    if body.images:
        first, *rest = body.images
        parts.update(image_url=first.url, image_alt=first.alt,
                     extra_images=[{"url": image.url, "alt": image.alt} for image in rest])
    return parts


def _if_match(value: str | None) -> str | None:
    """The digest an ``If-Match`` header names (``"abc"``, ``W/"abc"`` or bare), None when there is none."""
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip()
    return tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag


@router.post("/posts/{post_id}/approve", response_model=PostDetail, summary="Approve a post awaiting approval",
             responses={409: {"description": "not awaiting approval, or changed since the digest was read"},
                        412: {"description": "If-Match names another version of the post"}})
def approve_post(post_id: RowId, request: Request, body: ApproveIn | None = Body(None),
                 if_match: str | None = Header(None, max_length=200,
                                               description="the post's digest (its ETag), as an alternative to the body"),
                 session: Session = Depends(db), user: User = Depends(api_user)) -> PostDetail:
    """What was read is what is approved: with ``digest`` (or ``If-Match``), a post whose text, link, images,
    account or time changed after the approver read it is not approved. Without either, as before."""
    wanted = _if_match(if_match)
    if wanted is not None:
        try:
            current = posts.content_digest(posts.get_post(session, post_id))
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        if not secrets.compare_digest(wanted.encode(), current.encode()):
            raise HTTPException(412, f"post {post_id} changed since you read it (If-Match names another version): "
                                     "read it again before approving it")
    return _run("approve", post_id, request, session, user, approval=request.app.state.settings.desk.approval,
                seen=body.digest if body is not None else None)


def _run(action: str, post_id: int, request: Request, session: Session, user: User, **extra) -> PostDetail:
    """One post action through posts.py, its refusals as 404/403/409."""
    try:
        getattr(posts, action)(session, post_id, actor=user.email, **extra)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except posts.NotAllowed as exc:
        raise HTTPException(403, str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    audit.info("%s: %s post %s via the API", user.email, action, post_id)
    return _detail(session, post_id, request.app.state.settings)


def _act(action: str):
    def endpoint(post_id: RowId, request: Request, session: Session = Depends(db),
                 user: User = Depends(api_user)) -> PostDetail:
        return _run(action, post_id, request, session, user)

    endpoint.__name__ = f"{action}_post"
    return endpoint


for _action, _summary in (("cancel", "Cancel a post not yet sent"), ("retry", "Queue a failed post again")):
    router.add_api_route(f"/posts/{{post_id}}/{_action}", _act(_action), methods=["POST"],
                         response_model=PostDetail, summary=_summary)


@router.post("/posts/{post_id}/send-anyway", response_model=PostDetail,
             summary="Send a post held by its account's budget anyway (at the next dispatch)")
def send_anyway_post(post_id: RowId, request: Request, session: Session = Depends(db),
                     user: User = Depends(api_user)) -> PostDetail:
    from distributor.delivery import costs

    try:
        costs.send_anyway(session, post_id, actor=user.email)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    audit.info("%s: send-anyway post %s via the API", user.email, post_id)
    return _detail(session, post_id, request.app.state.settings)


class RejectIn(BaseModel):
    reason: str = Field(..., max_length=posts.MAX_SEND_BACK_REASON, description="why: the author reads it")


@router.post("/posts/{post_id}/reject", response_model=PostDetail,
             summary="Send a post awaiting approval back to draft, with the reason in its history")
def reject_post(post_id: RowId, body: RejectIn, request: Request, session: Session = Depends(db),
                user: User = Depends(api_user)) -> PostDetail:
    try:
        posts.send_back(session, post_id, user.email, inputs.clean_text(body.reason, "reason",
                                                                        max_length=posts.MAX_SEND_BACK_REASON))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except InvalidInput as exc:
        raise HTTPException(422, str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    audit.info("%s: sent back post %s via the API", user.email, post_id)
    return _detail(session, post_id, request.app.state.settings)


@router.get("/report", summary="Engagement report (the JSON of `distributor report --format json`)")
def report(request: Request, since: str = Query("7d", max_length=100),
           by: Literal["post", "article", "platform", "account", "template", "section", "hour"] = "platform",
           session: Session = Depends(db)) -> dict:
    from distributor import reports

    if by == "post":  # one row per post (report_posts.py), the JSON of `distributor report --by post`
        from distributor import report_posts

        try:
            period = reports.parse_since(since, request.app.state.settings.web.timezone, "since")
            start, end = reports.resolve_period(period, None)
        except DistributorError as exc:
            raise HTTPException(422, str(exc)) from exc
        return json.loads(report_posts.render_json(report_posts.post_rows(session, start, end), start, end))

    try:
        timezone = request.app.state.settings.web.timezone
        built = reports.build_report(session, since=reports.parse_since(since, timezone, "since"), by=by,
                                     timezone=timezone, charts=False)
    except DistributorError as exc:
        raise HTTPException(422, str(exc)) from exc
    return json.loads(reports.render_json(built))
