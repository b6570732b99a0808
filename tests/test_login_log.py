"""People type their password into the email box: a throttled login's log line names the email
only when it is a user's, as the audit log does (and never what was typed otherwise)."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from distributor.web import create_app
from tests.helpers.desk import EDITOR, make_settings, seed_people, try_login

TYPED = "Tr0ub4dor&3-in-the-email-box"


def test_a_throttled_login_does_not_log_a_password_typed_as_the_email(engine, caplog):
    seed_people(engine)
    client = TestClient(create_app(make_settings(), engine))
    with caplog.at_level(logging.DEBUG):
        codes = [try_login(client, TYPED, "whatever").status_code for _ in range(7)]
        codes += [try_login(client, EDITOR, "wrong guess").status_code for _ in range(7)]
    assert codes == [401] * 5 + [429] * 2 + [401] * 5 + [429] * 2
    assert "login throttled for (an unknown email)" in caplog.text
    assert TYPED.lower() not in caplog.text.lower()
    assert f"login throttled for {EDITOR}" in caplog.text  # a user's email is still named
