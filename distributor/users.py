"""Editors, admins and their API tokens: shared by the CLI and the web app.

Passwords are hashed with argon2 (pwdlib); API tokens are random and only
their sha256 is stored, so a copy of the database gives no one a way in.
Helpers do not commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from pwdlib import PasswordHash
from sqlmodel import Session, col, delete, select

from distributor.errors import DistributorError, NotFound
from distributor.models import ApiToken, User, utcnow

ROLES = ("editor", "admin")
MIN_PASSWORD_CHARS = 8
TOKEN_PREFIX = "dst_"

_hasher = PasswordHash.recommended()
# Verified against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("distributor-timing-equaliser")


class UserError(DistributorError):
    """A user cannot be added or changed as asked (bad email, weak password, duplicate)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(session: Session, email: str, password: str, role: str = "editor") -> User:
    """Create a user; refuses a duplicate email, an unknown role or a short password."""
    email = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
        raise UserError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if get_user(session, email) is not None:
        raise UserError(f"a user {email} already exists")
    user = User(email=email, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.email))))


def remove_user(session: Session, email: str) -> None:
    """Delete a user and every API token they had."""
    user = get_user(session, email)
    if user is None:
        raise NotFound(f"no user {normalise_email(email)}")
    session.exec(delete(ApiToken).where(col(ApiToken.user_id) == user.id))
    session.delete(user)
    session.flush()


def set_password(session: Session, email: str, password: str) -> None:
    user = get_user(session, email)
    if user is None:
        raise NotFound(f"no user {normalise_email(email)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    user.password_hash = _hasher.hash(password)
    session.add(user)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user when the password matches, else None (same work either way)."""
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


def create_token(session: Session, email: str) -> str:
    """A new API token for the user; shown once, only its sha256 is kept."""
    user = get_user(session, email)
    if user is None:
        raise NotFound(f"no user {normalise_email(email)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    session.flush()
    return token


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
