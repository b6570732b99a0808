"""One post: its preview, the actions its state allows, and its full history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from distributor import inputs, links, manual, posts
from distributor.holds import holds_for
from distributor.errors import InvalidInput, InvalidTransition, NotFound
from distributor.models import Article, PostState, User
from distributor.web.auth import audit, check_csrf, db, page_user
from distributor.web.drafting import length_error
from distributor.web.history import HistoryWords
from distributor.web.queries import articles_by_id, latest_engagement, waiting_since
from distributor.web.render import flash, form_text
from distributor.web.schemas import RowId

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _post_or_404(session: Session, post_id: int):
    try:
        return posts.get_post(session, post_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/posts/{post_id}")
def post_detail(request: Request, post_id: RowId, user: User = Depends(page_user), session: Session = Depends(db)):
    post = _post_or_404(session, post_id)
    return _render(request, session, post)


def _render(request, session, post, *, error: str | None = None, draft_text: str | None = None, status_code=200):
    state = PostState(post.state)
    views = request.app.state.views
    user = getattr(request.state, "user", None)
    own = bool(user and user.email in posts.authors(session, post))
    return views.page(request, session, "post.html", {
        "post": post, "state": state.value, "history": HistoryWords(views.local).lines(posts.history(session, post.id)),
        "sent_back": posts.last_sent_back(session, [post.id]).get(post.id) if state is PostState.draft else None,
        "waiting_since": waiting_since(session, [post.id]).get(post.id) if state is PostState.awaiting_approval else None,
        "own_post": own, "approval_rule": request.app.state.settings.desk.approval,
        "article": articles_by_id(session, {post.article_id}).get(post.article_id) if post.article_id else None,
        "engagement": latest_engagement(session, [post.id]).get(post.id),
        "can": {
            "approve": state is PostState.awaiting_approval
            and not (own and request.app.state.settings.desk.approval == "other_editor"),
            "send_back": state is PostState.awaiting_approval,
            "submit": state is PostState.draft,
            "edit": state in posts.EDITABLE,
            "cancel": PostState.cancelled in posts.TRANSITIONS[state],
            "retry": state is PostState.failed,
            "send_anyway": state is PostState.queued,
        },
        "error": error, "draft_text": post.text if draft_text is None else draft_text,
        "seen": posts.content_digest(post),  # the approve form says what the approver read
        "held_because": holds_for(session, request.app.state.settings, [post])[post.id],
    }, status_code=status_code)


def _done(request: Request, post_id: int, message: str):
    flash(request, message, "success")
    return RedirectResponse(f"/posts/{post_id}", status_code=303)


def _refused(request: Request, post_id: int, exc: Exception):
    flash(request, str(exc), "error")
    return RedirectResponse(f"/posts/{post_id}", status_code=303)


def _simple_action(action: str, message: str):
    operation = getattr(posts, action)

    def endpoint(request: Request, post_id: RowId, seen: str | None = Form(None, max_length=64),
                 user: User = Depends(page_user), session: Session = Depends(db)):
        _post_or_404(session, post_id)
        # [desk] approval, and what the approver read (the form's digest: a post changed since is not approved)
        extra = {"approval": request.app.state.settings.desk.approval, "seen": seen} if action == "approve" else {}
        try:
            operation(session, post_id, actor=user.email, **extra)
        except InvalidTransition as exc:
            return _refused(request, post_id, exc)
        session.commit()
        audit.info("%s: %s post %s", user.email, action, post_id)
        return _done(request, post_id, message)

    endpoint.__name__ = f"{action}_post_page"
    return endpoint


for _action, _message in (("approve", "Approved: it will go out at its scheduled time."),
                          ("cancel", "Cancelled."), ("retry", "Queued again."),
                          ("submit", "Sent for approval.")):
    router.add_api_route(f"/posts/{{post_id}}/{_action}", _simple_action(_action, _message), methods=["POST"])


@router.post("/posts/{post_id}/send-anyway")
def send_anyway_page(request: Request, post_id: RowId, user: User = Depends(page_user), session: Session = Depends(db)):
    from distributor.delivery import costs

    _post_or_404(session, post_id)
    try:
        costs.send_anyway(session, post_id, actor=user.email)
    except InvalidTransition as exc:
        return _refused(request, post_id, exc)
    session.commit()
    audit.info("%s: send-anyway post %s", user.email, post_id)
    return _done(request, post_id, "Sent anyway: it goes out at the next dispatch, past its budget.")


@router.post("/posts/{post_id}/send-back")
def send_back_post(request: Request, post_id: RowId, reason: str = Form(""), user: User = Depends(page_user),
                   session: Session = Depends(db)):
    post = _post_or_404(session, post_id)
    try:
        posts.send_back(session, post_id, user.email, inputs.clean_text(form_text(reason), "the reason",
                                                                        max_length=posts.MAX_SEND_BACK_REASON))
    except InvalidInput as exc:
        return _render(request, session, post, error=f"Not sent back: {exc}", status_code=400)
    except InvalidTransition as exc:
        return _refused(request, post_id, exc)
    session.commit()
    audit.info("%s sent back post %s", user.email, post_id)
    return _done(request, post_id, "Sent back to its author with your reason.")


@router.post("/posts/{post_id}/edit")
def edit_post(request: Request, post_id: RowId, text: str = Form(...), link: str = Form(""),
              image_url: str = Form(""), image_alt: str | None = Form(None), user: User = Depends(page_user),
              session: Session = Depends(db)):
    post = _post_or_404(session, post_id)
    text = form_text(text)
    try:
        inputs.clean_text(text, "the text")
        inputs.clean_text(link, "the link", max_length=inputs.MAX_URL)
        inputs.clean_text(image_url, "the image URL", max_length=inputs.MAX_URL)
        inputs.clean_text(image_alt or "", "the image description", max_length=posts.ALT_TEXT_LIMIT)
        if image_alt is not None and image_url.strip() != (post.image_url or "") \
                and image_alt.strip() == (post.image_alt or ""):
            image_alt = ""  # the form still held the old picture's description: it does not describe the new one
        before, link = post.link, link.strip()
        account = (next((a for a in request.app.state.settings.accounts if a.name == post.account), None)
                   if link and link != before else None)
        if account is not None:  # a new link gets the account's utm parameters, as every post's link does
            article = session.get(Article, post.article_id) if post.article_id else None
            link = links.account_link(link, account, article.section if article else None)
        # counted as the platform will get it: a tracked post keeps its tracked URL; a link not in the text is added
        goes_out = before if link and before and links.target_of(session, post.id) is not None else link
        problem = length_error(post.platform, manual.as_sent(post.platform, text, goes_out or None, None))
    except InvalidInput as exc:
        problem = str(exc)
    if problem:
        return _render(request, session, post, error=problem, draft_text=text, status_code=400)
    try:
        posts.edit(session, post_id, text=text, link=link, image_url=image_url.strip(),
                   image_alt=None if image_alt is None else image_alt.strip(), actor=user.email,
                   approval=request.app.state.settings.desk.approval)  # [desk]: an approved post changed needs approval again
    except (InvalidTransition, ValueError) as exc:
        return _refused(request, post_id, exc)
    links.retarget(session, post, before)  # a tracked post keeps its tracked URL, now leading to the new link
    session.commit()
    audit.info("%s edited post %s", user.email, post_id)
    return _done(request, post_id, "Saved.")


def _back_to(back: str) -> str | None:
    """Where a form asked to return (the calendar it was sent from); only our own calendar page."""
    return back if back.startswith("/calendar") and "//" not in back and "\\" not in back and len(back) < 500 else None


@router.post("/posts/{post_id}/reschedule")
def reschedule_post(request: Request, post_id: RowId, at: str = Form(...), back: str = Form(""),
                    user: User = Depends(page_user), session: Session = Depends(db)):
    post = _post_or_404(session, post_id)
    views = request.app.state.views
    back = _back_to(back)
    try:
        when = views.parse_local(at)
    except InvalidInput as exc:
        if back:
            flash(request, f"Post #{post_id} not rescheduled: {exc}", "error")
            return RedirectResponse(back, status_code=303)
        return _render(request, session, post, error=f"Not rescheduled: {exc}", status_code=400)
    try:
        posts.reschedule(session, post_id, when, user.email)
    except InvalidTransition as exc:
        if back:
            flash(request, str(exc), "error")
            return RedirectResponse(back, status_code=303)
        return _refused(request, post_id, exc)
    session.commit()
    audit.info("%s rescheduled post %s", user.email, post_id)
    if back:
        flash(request, f"Post #{post_id} rescheduled for {views.local(when)}.", "success")
        return RedirectResponse(back, status_code=303)
    return _done(request, post_id, f"Rescheduled for {views.local(when)}.")
