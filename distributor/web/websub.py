"""``/websub/<token>``: the WebSub callback (a hub's verification challenge and its content pushes).

Public, like ``/hooks``: it answers only what the subscription's token and
signature prove. GET echoes a challenge only for a subscription we asked for
(404 otherwise); POST records a correctly signed push as a poll would and
answers 202; a push with a missing or wrong X-Hub-Signature is acknowledged
(202, as the WebSub spec asks: the hub must not retry it) but ignored and
logged. The body is read only for a callback token that has a subscription
(404 otherwise) and a push that carries a signature; over ``[fetch]
max_page_bytes`` it is refused unread (413).
"""

from __future__ import annotations

import logging
import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from distributor import subscriptions
from distributor.db import session_scope
from distributor.errors import DistributorError
from distributor.models import utcnow
from distributor.web.hooks import BODY_SECONDS, _TooLarge, _TooSlow, read_capped

log = logging.getLogger(__name__)
router = APIRouter()
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what secrets.token_urlsafe makes; anything else is nobody's


def _unknown() -> JSONResponse:
    log.warning("WebSub: refused a request to an unknown callback")
    return JSONResponse({"detail": "no such subscription"}, status_code=404)


@router.get("/websub/{token}", include_in_schema=False)
async def verify(token: str, request: Request):
    runtime = request.app.state.runtime
    if not TOKEN.fullmatch(token):
        return _unknown()
    params = {k: v for k, v in request.query_params.items() if k.startswith("hub.")}

    def answer():
        with session_scope(runtime.engine) as session:
            return subscriptions.verify_intent(session, token, params, utcnow())

    challenge = await run_in_threadpool(answer)
    if challenge is None:
        log.warning("WebSub: refused a %s verification for a subscription we did not ask for",
                    params.get("hub.mode", "?")[:20])
        return JSONResponse({"detail": "no such subscription"}, status_code=404)
    log.info("WebSub: %s verified for %s", params.get("hub.mode"), params.get("hub.topic", "")[:200])
    return PlainTextResponse(challenge, status_code=200)


@router.post("/websub/{token}", include_in_schema=False)
async def push(token: str, request: Request):
    runtime = request.app.state.runtime
    if not TOKEN.fullmatch(token):
        return _unknown()

    def known() -> bool:
        with session_scope(runtime.engine) as session:
            return subscriptions.find(session, token) is not None

    # Anyone can reach this door: who it is for, and whether it is signed at all, are settled
    # before a byte of the body is read, so a stranger cannot make us take in megabytes.
    if not await run_in_threadpool(known):
        return _unknown()
    signature = request.headers.get("x-hub-signature")
    if not signature:
        log.warning("WebSub: ignored a push: missing X-Hub-Signature (the body was not read)")
        return JSONResponse({"status": "ignored"}, status_code=202)
    limit = runtime.settings.fetch.max_page_bytes
    try:
        body = await read_capped(request, limit)
    except _TooLarge:
        log.warning("WebSub: refused a push over %s bytes", f"{limit:,}")
        return JSONResponse({"detail": f"the body is over {limit:,} bytes"}, status_code=413)
    except _TooSlow:
        log.warning("WebSub: refused a push whose body did not arrive in time")
        return JSONResponse({"detail": f"the body did not arrive within {BODY_SECONDS:g} seconds"}, status_code=408)
    except Exception as exc:  # noqa: BLE001 - a client that hung up mid-body
        return JSONResponse({"detail": f"the body could not be read ({exc.__class__.__name__})"}, status_code=400)
    content_type = request.headers.get("content-type")

    def record():
        with session_scope(runtime.engine) as session:
            return subscriptions.receive(session, runtime.settings, token, body, signature, content_type, utcnow())

    try:
        delivery = await run_in_threadpool(record)
    except DistributorError as exc:  # not a feed: the hub's mistake, said in words
        log.warning("WebSub: refused a push that is not a feed: %s", exc)
        return JSONResponse({"detail": str(exc)}, status_code=400)
    except Exception as exc:  # noqa: BLE001 - never a 500 on the internet-facing door
        log.exception("WebSub: could not record a push")
        return JSONResponse({"detail": f"could not record it now ({exc.__class__.__name__})"}, status_code=503)
    if delivery.status == "unknown":
        return _unknown()
    if delivery.status == "ignored":
        log.warning("WebSub: ignored a push: %s", delivery.reason)
        return JSONResponse({"status": "ignored"}, status_code=202)
    if delivery.added:
        runtime.wakeups.notify("articles")
    return JSONResponse({"status": "accepted", "new": delivery.added}, status_code=202)
