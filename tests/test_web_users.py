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


def test_tokens_are_listed_with_their_owner_and_revoked_by_id(session):
    users.add_user(session, "ana@example.com", "long enough")
    users.add_user(session, "ben@example.com", "long enough")
    ana = users.create_token(session, "ana@example.com")
    ben = users.create_token(session, "ben@example.com")
    session.commit()
    listed = [(token.id, owner.email) for token, owner in users.list_tokens(session)]
    assert [email for _, email in listed] == ["ana@example.com", "ben@example.com"]
    assert [owner.email for _, owner in users.list_tokens(session, "BEN@example.com")] == ["ben@example.com"]
    with pytest.raises(NotFound, match="no user nobody@example.com"):
        users.list_tokens(session, "nobody@example.com")
    assert users.revoke_token(session, listed[0][0], actor="cli").email == "ana@example.com"
    session.commit()
    assert users.user_for_token(session, ana) is None
    assert users.user_for_token(session, ben).email == "ben@example.com"
    for missing in (listed[0][0], 0, -1, 2**63):
        with pytest.raises(NotFound, match=f"no API token {missing}"):
            users.revoke_token(session, missing)


def test_the_only_admin_cannot_be_removed(session):
    users.add_user(session, "boss@example.com", "long enough", "admin")
    with pytest.raises(users.UserError, match="only admin"):
        users.remove_user(session, "boss@example.com")
    users.add_user(session, "deputy@example.com", "long enough", "admin")
    users.remove_user(session, "boss@example.com")
    assert [u.email for u in users.list_users(session)] == ["deputy@example.com"]


def test_a_new_password_or_removal_ends_the_users_web_sessions(session):
    from distributor.models import WebSession

    ana = users.add_user(session, "ana@example.com", "first password")
    ben = users.add_user(session, "ben@example.com", "first password")
    session.add_all([WebSession(token_hash="a1", user_id=ana.id), WebSession(token_hash="a2", user_id=ana.id),
                     WebSession(token_hash="b1", user_id=ben.id)])
    session.commit()
    users.set_password(session, "ana@example.com", "second password")
    session.commit()
    assert [row.user_id for row in session.exec(select(WebSession))] == [ben.id]
    users.remove_user(session, "ben@example.com")
    session.commit()
    assert session.exec(select(WebSession)).all() == []


def test_changing_ones_own_password_needs_the_current_one(session):
    ana = users.add_user(session, "ana@example.com", "first password")
    with pytest.raises(users.UserError, match="current password is not right"):
        users.change_own_password(session, ana, "a wrong guess", "second password")
    with pytest.raises(users.UserError, match="same as the current"):
        users.change_own_password(session, ana, "first password", "first password")
    with pytest.raises(users.UserError, match="at most 1024"):
        users.change_own_password(session, ana, "first password", "x" * 1025)
    users.change_own_password(session, ana, "first password", "second password")
    assert users.authenticate(session, "ana@example.com", "second password") is not None


def test_every_change_is_audited_without_secrets(session):
    from distributor.models import AuditEvent

    users.add_user(session, "ana@example.com", "first password", "admin", actor="cli", address="192.0.2.1")
    token = users.create_token(session, "ana@example.com", actor="cli")
    users.set_password(session, "ana@example.com", "second password", actor="cli")
    session.commit()
    rows = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(r.actor, r.action, r.target, r.address) for r in rows] == [
        ("cli", "user_added", "ana@example.com", "192.0.2.1"),
        ("cli", "token_created", "token 1 of ana@example.com", None),
        ("cli", "password_changed", "ana@example.com", None),
    ]
    assert not any(secret in str(r) for r in rows for secret in (token, "first password", "second password"))
