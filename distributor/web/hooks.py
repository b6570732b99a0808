"""``POST /hooks/<name>``: signed webhooks from a CMS, the one door of the desk open to the internet.

Everything is refused before anything is written, and what the headers alone
refuse (no secret, no signature header, a signed time too far away: 401)
before the body is read: an unknown hook (404), a
body over the hook's ``max_body_bytes`` (413, judged from Content-Length and
again while reading, so a lie or a chunked stream is cut off), a body still
arriving after BODY_SECONDS (408), a missing or
wrong signature (401, compared in constant time), a body that is not the
hook's JSON (400/422), a URL the fetcher would refuse to read (422), an
"unpublished" from a hook limited to some accounts about a story other
accounts posted (403); such a hook's breaking field does not mark a story of
other accounts breaking (the push is recorded, the mark is not). Each
refusal is one log line; none is a 500. A request accepted once and sent
again (a replay) answers 200 ``duplicate`` and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from distributor.config import webhook_secret
from distributor.db import session_scope
from distributor.errors import FetchError
from distributor.fetch.addresses import checked_addresses, resolve_within
from distributor.fetch.urls import read_target
from distributor.models import utcnow
from distributor.sources.webhooks import WebhookRefused, check_before_body, delivery_digest, parse, verify

log = logging.getLogger(__name__)
router = APIRouter()
RESOLVE_SECONDS = 5.0
BODY_SECONDS = 30.0  # a body still arriving after this is refused (408): a trickle must not hold the door open


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, or _TooLarge as soon as it is known to pass ``limit`` (before reading, when declared),
    or _TooSlow when it has not all arrived within BODY_SECONDS."""
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        raise _TooLarge()
    chunks, size = [], 0
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _TooLarge()
                chunks.append(chunk)
    except TimeoutError:
        raise _TooSlow() from None
    return b"".join(chunks)


def _refuse(name: str, request: Request, status: int, reason: str) -> JSONResponse:
    client = request.client.host if request.client else "?"
    if request.app.state.runtime.settings.webhook(name) is not None:  # never a counter per made-up name
        request.app.state.webhook_refusals.add(name, status, reason)
    log.warning("webhook %s refused a request from %s: %d %s", name[:64], client, status, reason)
    return JSONResponse({"detail": reason}, status_code=status)


def _guard(runtime, url: str) -> None:
    """Refuse a URL the fetcher would refuse, with the fetcher's own address policy."""
    fetcher = runtime.fetcher
    checked_addresses(read_target(url), lambda h, p: resolve_within(fetcher.resolver, h, p, RESOLVE_SECONDS),
                      fetcher.policy)


def _record(runtime, hook, pushed, digest: str):
    from distributor.articles import receive_push

    with session_scope(runtime.engine) as session:
        outcome = receive_push(session, hook, pushed, digest=digest, now=utcnow(), settings=runtime.settings)
    if outcome.status == "created":
        runtime.wakeups.notify("articles")
    elif outcome.status in ("edited", "unpublished"):
        runtime.wakeups.notify("corrections")
    return outcome


@router.post("/hooks/{name}", include_in_schema=False)
async def receive(name: str, request: Request):
    runtime = request.app.state.runtime
    hook = runtime.settings.webhook(name)
    if hook is None:
        return _refuse(name, request, 404, "no webhook of that name")
    try:  # what the headers alone refuse is refused before a byte of the body is read
        check_before_body(hook.kind, webhook_secret(hook), request.headers, now_ms=int(time.time() * 1000),
                          max_age_seconds=hook.max_age_seconds, require_timestamp=hook.require_timestamp)
    except WebhookRefused as refused:
        return _refuse(name, request, refused.status, refused.reason)
    try:
        body = await read_capped(request, hook.max_body_bytes)
    except _TooLarge:
        return _refuse(name, request, 413, f"the body is over {hook.max_body_bytes:,} bytes")
    except _TooSlow:
        return _refuse(name, request, 408, f"the body did not arrive within {BODY_SECONDS:g} seconds")
    except Exception as exc:  # noqa: BLE001 - a client that hung up mid-body
        return _refuse(name, request, 400, f"the body could not be read ({exc.__class__.__name__})")
    try:
        verify(hook.kind, webhook_secret(hook), request.headers, body, now_ms=int(time.time() * 1000),
               max_age_seconds=hook.max_age_seconds, require_timestamp=hook.require_timestamp)
        pushed = parse(hook.kind, body)
    except WebhookRefused as refused:
        return _refuse(name, request, refused.status, refused.reason)
    except Exception as exc:  # noqa: BLE001 - a payload shape nobody foresaw: refused in words, never a 500
        return _refuse(name, request, 400, f"the payload could not be read ({exc.__class__.__name__})")
    try:
        await run_in_threadpool(_guard, runtime, pushed.url)
    except FetchError as exc:
        return _refuse(name, request, 422, f"the URL will not be fetched: {exc}")
    except Exception as exc:  # noqa: BLE001 - e.g. a host name no encoder accepts
        return _refuse(name, request, 422, f"the URL will not be fetched: {exc.__class__.__name__}")
    from distributor.articles import OutOfReach

    try:
        outcome = await run_in_threadpool(_record, runtime, hook, pushed, delivery_digest(hook.name, body))
    except OutOfReach as exc:  # rolled back: nothing written
        return _refuse(name, request, 403, str(exc))
    except Exception:  # noqa: BLE001 - the database: say so, never a 500 with a traceback
        log.exception("webhook %s: could not record %s", hook.name, pushed.url)
        return JSONResponse({"detail": "could not record it now; send it again later"}, status_code=503)
    if outcome.status == "duplicate":
        log.info("webhook %s: a replay of an accepted request; nothing changed", hook.name)
        return JSONResponse({"status": "duplicate"}, status_code=200)
    log.info("webhook %s: %s %s (%s)", hook.name, pushed.event, pushed.url, outcome.status)
    return JSONResponse({"status": outcome.status, "article_id": outcome.article_id}, status_code=202)
