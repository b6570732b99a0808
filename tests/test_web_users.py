"""distributor.users: what the CLI's `users add` / `tokens create` and the desk rely on."""

from __future__ import annotations

import pytest
from sqlmodel import select

from distributor import users
from distributor.errors import NotFound
from distributor.models import ApiToken, User


def test_add_and_authenticate(session):
    user = users.add_user(session, "  Ana@Example.COM ", "harbour-bridge", "admin")
    session.commit()
    assert (user.email, user.role) == ("ana@example.com", "admin")
    assert "harbour-bridge" not in user.password_hash and user.password_hash.startswith("$argon2")
    assert users.authenticate(session, "ANA@example.com", "harbour-bridge").id == user.id
    assert users.authenticate(session, "ana@example.com", "harbour-bridgE") is None
    assert users.authenticate(session, "nobody@example.com", "harbour-bridge") is None


@pytest.mark.parametrize("email, password, role, message", [
    ("not-an-email", "long enough", "editor", "not an email address"),
    ("a@example.com", "short", "editor", "at least 8 characters"),
    ("a@example.com", "long enough", "owner", "role must be one of editor, admin"),
])
def test_add_user_refuses_bad_input(session, email, password, role, message):
    with pytest.raises(users.UserError, match=message):
        users.add_user(session, email, password, role)


def test_add_user_refuses_a_duplicate_whatever_the_case(session):
    users.add_user(session, "ana@example.com", "long enough")
    with pytest.raises(users.UserError, match="already exists"):
        users.add_user(session, "ANA@example.com", "long enough")


def test_tokens_are_shown_once_and_stored_hashed(session):
    users.add_user(session, "ana@example.com", "long enough")
    token = users.create_token(session, "ana@example.com")
    second = users.create_token(session, "ana@example.com")
    session.commit()
    assert token != second
    stored = [row.token_hash for row in session.exec(select(ApiToken)).all()]
    assert token not in stored and second not in stored and len(stored) == 2
    assert users.user_for_token(session, token).email == "ana@example.com"
    assert users.user_for_token(session, token[:-1]) is None
    assert users.user_for_token(session, "") is None
    with pytest.raises(NotFound):
        users.create_token(session, "nobody@example.com")


def test_removing_a_user_revokes_their_tokens(session):
    users.add_user(session, "ana@example.com", "long enough")
    token = users.create_token(session, "ana@example.com")
    session.commit()
    users.remove_user(session, "ana@example.com")
    session.commit()
    assert users.user_for_token(session, token) is None
    assert session.exec(select(User)).all() == [] and session.exec(select(ApiToken)).all() == []
    with pytest.raises(NotFound):
        users.remove_user(session, "ana@example.com")


def test_changing_the_password(session):
    users.add_user(session, "ana@example.com", "first password")
    users.set_password(session, "ana@example.com", "second password")
    session.commit()
    assert users.authenticate(session, "ana@example.com", "first password") is None
    assert users.authenticate(session, "ana@example.com", "second password") is not None
