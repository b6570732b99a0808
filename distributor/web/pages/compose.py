"""Compose: from an article URL (fetched, extracted, composed per account) or free text.

Two steps. ``POST /compose/article`` builds the drafts and shows them for
editing; ``POST /compose`` validates every draft (length as the platform
counts it) and queues them together, or shows them again with what is wrong.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlmodel import Session

from distributor import evergreen, inputs, manual
from distributor.cards import CardSource
from distributor.compose import text_limit
from distributor.errors import DistributorError, InvalidInput
from distributor.manual import AlreadyPosted, already_posted
from distributor.models import Article, User
from distributor.web.auth import audit, check_csrf, db, page_user
from distributor.web.drafting import Draft, blank_drafts, drafts_from_article
from distributor.web.render import flash, form_text

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _chosen_accounts(settings, names: list[str]):
    known = {a.name: a for a in settings.accounts}
    return [known[n] for n in names if n in known]


# How each platform shows a post, for the composer's live preview (compose.js draws any platform
# from these): where the link goes, whether a link makes a card, what a picture does to it.
# A platform not listed here is previewed as text, picture and a link card.
PREVIEW_TRAITS = {
    "twitter": {"label": "X", "link": "in_text", "photo": "always", "photo_link": "in_text", "joiner": " ",
                "max_images": 1},
    # a link post shows the link's card; a quote card, or no link, makes it a photo post (platforms/facebook.py)
    "facebook": {"label": "Facebook", "link": "card", "photo": "without_link", "photo_link": "in_text",
                 "joiner": "\n\n", "max_images": 1},
}
GENERIC_TRAITS = {"link": "in_text", "photo": "always", "photo_link": "in_text", "joiner": "\n\n", "max_images": 1}


def preview_traits(account) -> dict:
    """What the preview needs to know about ``account``'s platform (and its Facebook post type)."""
    traits = dict(PREVIEW_TRAITS.get(account.platform, {**GENERIC_TRAITS, "label": account.platform}))
    if account.platform == "facebook" and account.post_type == "photo":
        traits["photo"] = "always"
    from distributor.platforms.specs import spec_for

    traits["max_images"] = spec_for(account.platform).max_images  # several images make a photo post
    return traits


def _render(request, session, *, url="", chosen=None, drafts=None, article=None, timing=None, error=None,
            status_code=200, cards=None, card_site=""):
    settings = request.app.state.settings
    chosen = chosen if chosen is not None else [a.name for a in settings.accounts]
    traits = {a.name: preview_traits(a) for a in settings.accounts}
    tracked = bool(settings.links.redirect_base)
    best = {name: evergreen.best_time(session, settings.account(name), settings.web.timezone)
            for name in chosen if name in traits} if drafts is not None else {}
    return request.app.state.views.page(request, session, "compose.html", {
        "url": url, "accounts": settings.accounts, "chosen": chosen, "drafts": drafts, "article": article,
        "timing": timing or {"when": "now", "at": "", "approve": False}, "error": error,
        "cards": cards or {}, "card_site": card_site, "traits": traits, "tracked": tracked,
        "best": best, "min_posts": evergreen.MIN_POSTS,
    }, status_code=status_code)


def _cards_for(runtime, article, drafts, site_name: str | None, *, choose: bool) -> dict:
    """Each draft's quote card (account -> Card); with ``choose``, the account's `image` setting
    picks photo or card as the draft's starting choice. Renders (and fetches the photo): run off the loop."""
    source = CardSource.from_article(article, site_name) if article is not None else None
    if source is None:
        return {}
    previews = {}
    for draft in drafts:
        account = runtime.settings.account(draft.account)
        try:
            card = runtime.cards.card(source, account)
        except (DistributorError, OSError):
            continue  # no card for this one: the editor still has the photo
        previews[draft.account] = card
        if choose and runtime.cards.picture_for(source, account, bool(article.image_url)) == "card":
            draft.image_choice = "card"
    return previews


@router.get("/cards/{name}")
def card_file(name: str, request: Request, user: User = Depends(page_user)):
    """A rendered card for the composer's preview (only files of the card store, by their content name)."""
    store = request.app.state.runtime.cards.store
    if not re.fullmatch(r"[0-9a-f]{64}\.(png|jpg)", name) or not (store.directory / name).is_file():
        raise HTTPException(404, "no such card")
    return FileResponse(store.directory / name, media_type="image/png" if name.endswith(".png") else "image/jpeg")


@router.get("/compose")
def compose_form(request: Request, url: str = Query("", max_length=inputs.MAX_URL), user: User = Depends(page_user), session: Session = Depends(db)):
    return _render(request, session, url=url)


@router.post("/compose/article")
async def compose_drafts(request: Request, user: User = Depends(page_user), session: Session = Depends(db)):
    form = await request.form()
    url = str(form.get("url", "")).strip()
    names = [str(n) for n in form.getlist("accounts")]
    accounts = _chosen_accounts(request.app.state.settings, names)
    try:
        inputs.clean_text(url, "the article URL", max_length=inputs.MAX_URL)
    except InvalidInput as exc:
        return _render(request, session, chosen=names, error=str(exc), status_code=400)
    if not accounts:
        return _render(request, session, url=url, chosen=names, error="Choose at least one account.", status_code=400)
    if not url:
        return _render(request, session, chosen=names, drafts=blank_drafts(accounts))
    try:
        # fetching the page blocks: keep it off the event loop, which serves every other editor
        article_id, extracted, drafts = await run_in_threadpool(drafts_from_article, request.app.state.runtime, url, accounts)
    except DistributorError as exc:
        return _render(request, session, url=url, chosen=names, error=f"Could not compose from that page: {exc}",
                       status_code=422)
    article = session.get(Article, article_id)
    site = extracted.site_name or ""
    cards = await run_in_threadpool(_cards_for, request.app.state.runtime, article, drafts, site or None, choose=True)
    return _render(request, session, url=url, chosen=names, drafts=drafts, article=article, cards=cards,
                   card_site=site)


def _chosen_image(draft: Draft, article, cards) -> tuple[str | None, str | None]:
    """The editor's picture choice as manual.prepare takes it: a URL with its alt text, or "" for none."""
    if draft.image_choice == "article" and article and article.image_url:
        return article.image_url, article.image_alt
    if draft.image_choice == "custom" and draft.image_custom:
        return draft.image_custom, None
    if draft.image_choice == "card" and draft.account in cards:
        return cards[draft.account].reference, cards[draft.account].alt
    return "", None


def _drafts_from_form(form, settings) -> list[Draft]:
    drafts = []
    for account in _chosen_accounts(settings, [str(n) for n in form.getlist("draft_accounts")]):
        name = account.name
        drafts.append(Draft(
            account=name, platform=account.platform, text=form_text(form.get(f"text_{name}", "")),
            link=str(form.get(f"link_{name}", "")).strip(), image_choice=str(form.get(f"image_{name}", "none")),
            image_custom=str(form.get(f"image_custom_{name}", "")).strip(), include=form.get(f"include_{name}") == "on",
            image_alt=form_text(form.get(f"alt_{name}", "")).strip(),
            max_length=text_limit(account),
            **_parts_from_form(form, account),
        ))
    return drafts


def _parts_from_form(form, account) -> dict:
    """A draft's extra images (rows 2..max_images), first comment and thread boxes, as typed (blanks kept out
    of the lists only when both fields of a row are empty, so the door can say what a row lacks)."""
    from distributor.platforms.specs import spec_for

    spec, name = spec_for(account.platform), account.name
    extras = []
    for n in range(2, spec.max_images + 1):
        url = str(form.get(f"extra_image_{name}_{n}", "")).strip()
        alt = form_text(form.get(f"extra_alt_{name}_{n}", "")).strip()
        if url or alt:
            extras.append({"url": url, "alt": alt or None})
    thread = [form_text(form.get(f"thread_{name}_{n}", "")).strip()
              for n in range(2, spec.capabilities.max_thread_posts + 1)]
    return {"extra_images": extras, "first_comment": form_text(form.get(f"first_comment_{name}", "")).strip(),
            "thread": [t for t in thread if t]}


@router.post("/compose")
async def compose_submit(request: Request, user: User = Depends(page_user), session: Session = Depends(db)):
    form = await request.form()
    settings = request.app.state.settings
    drafts = _drafts_from_form(form, settings)
    timing = {"when": str(form.get("when", "now")), "at": str(form.get("at", "")), "approve": form.get("approve") == "on",
              "again": form.get("again") == "on", "already": False}
    rerender = dict(url=str(form.get("url", "")), chosen=[d.account for d in drafts], drafts=drafts, article=None,
                    timing=timing)
    try:
        raw_article = str(form.get("article_id", "")).strip()
        article_id = inputs.parse_id(raw_article, "article id") if raw_article else None
        for draft in drafts:
            inputs.clean_text(draft.text, f"{draft.account}: the text")
            inputs.clean_text(draft.link, f"{draft.account}: the link", max_length=inputs.MAX_URL)
            inputs.clean_text(draft.image_custom, f"{draft.account}: the image URL", max_length=inputs.MAX_URL)
        if timing["when"] not in ("now", "at", "slot"):
            raise InvalidInput(f"when {timing['when'][:20]!r}: choose now, at a time, or the next free slot")
    except InvalidInput as exc:
        return _render(request, session, **rerender, error=str(exc), status_code=400)
    article = session.get(Article, article_id) if article_id else None
    if article_id and article is None:
        return _render(request, session, **rerender, error=f"There is no article with id {article_id}.", status_code=400)
    card_site = str(form.get("card_site", "")).strip()[:200]
    cards = await run_in_threadpool(_cards_for, request.app.state.runtime, article, drafts, card_site or None,
                                    choose=False)
    rerender.update(article=article, cards=cards, card_site=card_site)

    if timing["when"] == "at" and not timing["at"].strip():
        return _render(request, session, **rerender, error="Give the date and time to post at.", status_code=400)
    included = [d for d in drafts if d.include]
    if not included:
        return _render(request, session, **rerender, error="Nothing to post: every account is unticked.",
                       status_code=400)
    # The one door (manual.py): every draft checked by the rules the CLI and the API use, then all created.
    runtime, prepared = request.app.state.runtime, []
    try:
        at = manual.parse_at(runtime, timing["at"]) if timing["when"] == "at" else None
    except InvalidInput as exc:
        return _render(request, session, **rerender, error=f"{exc}.", status_code=400)
    for draft in included:
        image_url, image_alt = _chosen_image(draft, article, cards)
        try:
            prepared.append(manual.prepare(
                runtime, settings.account(draft.account), article_id=article_id,
                section=article.section if article else None, text=draft.text, link=draft.link or None,
                image_url=image_url, image_alt=draft.image_alt or image_alt,
                at=at, next_slot=timing["when"] == "slot", approve=timing["approve"],
                extra_images=draft.extra_images, first_comment=draft.first_comment or None,
                thread=draft.thread))
        except DistributorError as exc:
            draft.error = str(exc)
    if any(d.error for d in included):
        return _render(request, session, **rerender, error="Some posts need changes before they can be queued.",
                       status_code=400)

    if article_id and not timing["again"]:
        had = [f"{d.account}: {AlreadyPosted(d.account, earlier)}" for d in included
               if (earlier := already_posted(session, article_id, d.account))]
        if had:
            timing["already"] = True
            return _render(request, session, **rerender, status_code=409,
                           error="; ".join(had) + ". Tick \"Post again\" to send it anyway.")
    created, warnings = [], []
    for draft, ready in zip(included, prepared):
        try:
            queued = manual.create(runtime, session, ready, actor=user.email, again=True)  # asked above
        except DistributorError as exc:
            session.rollback()
            return _render(request, session, **rerender, error=f"{draft.account}: {exc}", status_code=400)
        created.append(queued.post)
        warnings += [f"{draft.account}: {w}" for w in queued.warnings]
    session.commit()
    audit.info("%s queued posts %s", user.email, ", ".join(str(p.id) for p in created))
    waiting = sum(1 for p in created if p.state == "awaiting_approval")
    message = f"{len(created)} post{'s' if len(created) != 1 else ''} created"
    if waiting:
        message += f"; {waiting} awaiting approval"
    flash(request, message + ".", "success")
    for warning in warnings:
        flash(request, warning + ".", "warning")
    if len(created) == 1:
        return RedirectResponse(f"/posts/{created[0].id}", status_code=303)
    target = f"/queue?tab={'approval' if waiting == len(created) else 'all'}"
    return RedirectResponse(target + (f"&article={article_id}" if article_id else ""), status_code=303)
