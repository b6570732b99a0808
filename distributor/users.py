"""Editors, admins, their API tokens and the end of their web sessions: shared by the CLI and the web app.

Passwords are hashed with argon2 (pwdlib); API tokens are random and only
their sha256 is stored, so a copy of the database gives no one a way in.
Every change is written to the audit log (``distributor.audit``) with who made
it (``actor``: an email, or "cli") and from where. Removing a user or changing
a password ends every web session of that user at once (their rows go), and
revokes their API tokens.
Helpers do not commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from pwdlib import PasswordHash
from sqlmodel import Session, col, delete, func, select

from distributor import audit, inputs
from distributor.errors import DistributorError, NotFound
from distributor.models import ApiToken, User, WebSession, utcnow

ROLES = ("editor", "admin")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024  # argon2 takes any length; a megabyte "password" is only a way to burn CPU
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: a larger one names no row
TOKEN_PREFIX = "dst_"

_hasher = PasswordHash.recommended()
# Verified against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("distributor-timing-equaliser")


class UserError(DistributorError):
    """A user cannot be added or changed as asked (bad email, weak password, duplicate)."""


class WrongPassword(UserError):
    """The current password given to change it is not right: a failed password check, like a failed login."""


def normalise_email(email: str) -> str:
    """Typed by a person (CLI argument, login form): NUL or undecodable bytes are refused in words."""
    return inputs.clean_text(email, "the email").strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise UserError(f"the password may have at most {MAX_PASSWORD_CHARS} characters")


def add_user(session: Session, email: str, password: str, role: str = "editor", *,
             actor: str | None = None, address: str | None = None) -> User:
    """Create a user; refuses a duplicate email, an unknown role or a short password."""
    email = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email) or len(email) > audit.MAX_FIELD_CHARS:
        raise UserError(f"{email[:80]!r} is not an email address")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    _check_password(password)
    if get_user(session, email) is not None:
        raise UserError(f"a user {email} already exists")
    user = User(email=email, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    audit.record(session, "user_added", actor=actor, target=email, address=address, detail=role)
    return user


def get_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def require_user(session: Session, email: str) -> User:
    user = get_user(session, email)
    if user is None:
        raise NotFound(f"no user {normalise_email(email)[:80]}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.email))))


def remove_user(session: Session, email: str, *, actor: str | None = None, address: str | None = None) -> None:
    """Delete a user, their API tokens and their web sessions; the last admin stays."""
    user = require_user(session, email)
    if user.role == "admin":
        admins = session.exec(select(func.count()).select_from(User).where(User.role == "admin")).one()
        if admins <= 1:
            raise UserError(f"{user.email} is the only admin; add another admin first")
    end_sessions(session, user.id)
    session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user.id))
    session.delete(user)
    session.flush()
    audit.record(session, "user_removed", actor=actor, target=user.email, address=address)


def set_password(session: Session, email: str, password: str, *, actor: str | None = None,
                 address: str | None = None) -> User:
    """A new password; every web session of the user ends (log in again with it) and every API token
    of theirs is revoked: a password is changed because it may have leaked, and a token taken with it
    (or from the same machine) must not outlive it. New tokens: ``create_token``."""
    user = require_user(session, email)
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    session.add(user)
    ended = end_sessions(session, user.id)
    revoked = session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user.id)).rowcount or 0
    audit.record(session, "password_changed", actor=actor, target=user.email, address=address,
                 detail=f"{ended} web session(s) ended, {revoked} API token(s) revoked")
    return user


def change_own_password(session: Session, user: User, current: str, new: str, *, address: str | None = None) -> None:
    """A user changing their own password must know the current one (a borrowed session is not enough)."""
    if authenticate(session, user.email, current) is None:
        raise WrongPassword("the current password is not right")
    if new == current:
        raise UserError("the new password is the same as the current one")
    set_password(session, user.email, new, actor=user.email, address=address)


def end_sessions(session: Session, user_id: int) -> int:
    """End every web session of a user now; how many there were."""
    result = session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))
    return result.rowcount or 0


def sign_out_everywhere(session: Session, email: str, *, actor: str | None = None, address: str | None = None) -> int:
    """An admin's (or the user's own) "sign out everywhere": every session of the user ends."""
    user = require_user(session, email)
    ended = end_sessions(session, user.id)
    audit.record(session, "sessions_ended", actor=actor, target=user.email, address=address,
                 detail=f"{ended} session(s)")
    return ended


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user when the password matches, else None (same work either way)."""
    if len(password) > MAX_PASSWORD_CHARS:
        return None
    user = get_user(session, email)
    if user is None:
        _hasher.verify(password, _DUMMY_HASH)
        return None
    valid, new_hash = _hasher.verify_and_update(password, user.password_hash)
    if not valid:
        return None
    if new_hash:  # parameters got stronger since this hash was made
        user.password_hash = new_hash
        session.add(user)
    return user


def create_token(session: Session, email: str, *, actor: str | None = None, address: str | None = None) -> str:
    """A new API token for the user; shown once, only its sha256 is kept."""
    user = require_user(session, email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token))
    session.add(row)
    session.flush()
    audit.record(session, "token_created", actor=actor, target=f"token {row.id} of {user.email}", address=address)
    return token


def list_tokens(session: Session, email: str | None = None) -> list[tuple[ApiToken, User]]:
    """Every API token (or one user's) with its owner, oldest first; never the token itself."""
    query = select(ApiToken, User).join(User, col(User.id) == col(ApiToken.user_id)).order_by(col(ApiToken.id))
    if email is not None:
        query = query.where(col(User.id) == require_user(session, email).id)
    return [(token, user) for token, user in session.exec(query)]


def revoke_token(session: Session, token_id: int, *, actor: str | None = None, address: str | None = None) -> User:
    """Delete an API token: the next request with it gets 401. Returns its owner."""
    row = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"no API token {token_id}")
    owner = session.get(User, row.user_id)
    session.delete(row)
    session.flush()
    audit.record(session, "token_revoked", actor=actor, target=f"token {token_id} of {owner.email}", address=address)
    return owner


def user_for_token(session: Session, token: str) -> User | None:
    """The owner of an API token, or None; records when the token was last used."""
    if not token:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return session.get(User, row.user_id)
