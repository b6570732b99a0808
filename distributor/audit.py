"""The audit log: logins, failed logins, logouts, user and token changes, for admins to read.

One row per event: who (``actor``), what (``action``), on whom (``target``),
when, from which address. Callers pass names and ids only, never a password or
a token, so every admin may read the whole log. The caller owns the
transaction: an event commits with the change it records, or not at all.
Each event is also written to the ``distributor.audit`` logger.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from distributor.models import AuditEvent

log = logging.getLogger("distributor.audit")

# action -> how the admin page words it
ACTIONS = {
    "login": "logged in",
    "login_failed": "failed to log in",
    "logout": "logged out",
    "password_changed": "changed the password of",
    "sessions_ended": "signed out everywhere",
    "user_added": "added user",
    "user_removed": "removed user",
    "token_created": "created API token",
    "token_revoked": "revoked API token",
    "account_paused": "paused account",
    "account_resumed": "resumed account",
}
MAX_FIELD_CHARS = 320  # an email's longest legal form; typed input never grows a row beyond it


def _clip(value: str | None) -> str | None:
    return None if value is None else value[:MAX_FIELD_CHARS]


def record(session: Session, action: str, *, actor: str | None = None, target: str | None = None,
           address: str | None = None, detail: str | None = None) -> AuditEvent:
    """Add one event to the log (flushed, not committed)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(action=action, actor=_clip(actor), target=_clip(target), address=_clip(address),
                       detail=_clip(detail))
    session.add(event)
    session.flush()
    log.info("%s %s %s%s%s", actor or "-", action, target or "-", f" from {address}" if address else "",
             f" ({detail})" if detail else "")
    return event


def recent(session: Session, *, limit: int = 100, before_id: int | None = None) -> list[AuditEvent]:
    """The newest events first; ``before_id`` pages back through older ones."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if before_id is not None:
        query = query.where(col(AuditEvent.id) < before_id)
    return list(session.exec(query))


def logged_in_from(session: Session, email: str, address: str, since: datetime | None = None) -> bool:
    """Whether ``email`` logged in successfully from ``address`` (after ``since``)."""
    query = select(AuditEvent.id).where(AuditEvent.action == "login", AuditEvent.target == email,
                                        AuditEvent.address == address)
    if since is not None:
        query = query.where(col(AuditEvent.at) > since)
    return session.exec(query.limit(1)).first() is not None


__all__ = ["ACTIONS", "record", "recent", "logged_in_from"]
