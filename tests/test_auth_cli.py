"""`distributor users ...` and `tokens ...` as an admin runs them: separate processes on the
real database, whose effect the desk and the API notice at once; bad input is one line, exit 1."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from distributor import users
from distributor.db import make_engine
from distributor.web import create_app
from tests.helpers.desk import ADMIN, EDITOR, PASSWORD, audit_rows, log_in, make_settings, seed_people
from tests.test_cli import cli


@pytest.fixture
def config(tmp_path, database_url):
    file = tmp_path / "distributor.toml"
    file.write_text(f'[database]\nurl = "{database_url}"\n')
    return file


@pytest.fixture
def engine_of(database_url):
    engine = make_engine(database_url)
    seed_people(engine)
    yield engine
    engine.dispose()


def one_line_error(result, *words) -> bool:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return result.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: ") and all(w in lines[0] for w in words)


def test_users_list_remove_and_passwd(config, engine_of):
    app = create_app(make_settings(), engine_of)
    editor = TestClient(app)
    log_in(editor, EDITOR)
    listed = cli("users", "list", config=config)
    assert listed.returncode == 0 and EDITOR in listed.stdout and ADMIN in listed.stdout and "editor" in listed.stdout

    changed = cli("users", "passwd", "Editor@Example.com", stdin="a new long password\n", config=config)
    assert changed.returncode == 0, changed.stderr
    assert editor.get("/queue", follow_redirects=False).status_code == 303  # the old session ended
    log_in(editor, EDITOR, "a new long password")

    removed = cli("users", "remove", EDITOR, config=config)
    assert removed.returncode == 0, removed.stderr
    assert editor.get("/queue", follow_redirects=False).status_code == 303
    assert EDITOR not in cli("users", "list", config=config).stdout
    actions = [(row.actor, row.action, row.target) for row in audit_rows(engine_of) if row.actor == "cli"]
    assert actions == [("cli", "password_changed", EDITOR), ("cli", "user_removed", EDITOR)]


def test_tokens_list_and_revoke(config, engine_of):
    app = create_app(make_settings(), engine_of)
    created = cli("tokens", "create", EDITOR, config=config)
    assert created.returncode == 0
    token = created.stdout.strip()
    with Session(engine_of) as session:
        admin_token = users.create_token(session, ADMIN)
        session.commit()
        token_id = users.list_tokens(session, EDITOR)[0][0].id
    api = TestClient(app)
    assert api.get("/api/posts", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    everyone = cli("tokens", "list", config=config)
    assert everyone.returncode == 0 and EDITOR in everyone.stdout and ADMIN in everyone.stdout
    assert token not in everyone.stdout and users.hash_token(token) not in everyone.stdout
    mine = cli("tokens", "list", EDITOR, config=config)
    assert mine.returncode == 0 and EDITOR in mine.stdout and ADMIN not in mine.stdout

    revoked = cli("tokens", "revoke", str(token_id), config=config)
    assert revoked.returncode == 0 and f"revoked token {token_id} of {EDITOR}" in revoked.stdout
    assert api.get("/api/posts", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert api.get("/api/posts", headers={"Authorization": f"Bearer {admin_token}"}).status_code == 200
    assert EDITOR not in cli("tokens", "list", config=config).stdout


@pytest.mark.parametrize("args, stdin, words", [
    (["users", "remove", "nobody@example.com"], None, ["no user nobody@example.com"]),
    (["users", "passwd", "nobody@example.com"], "a long password\n", ["no user nobody@example.com"]),
    (["users", "passwd", EDITOR], "short\n", ["at least 8 characters"]),
    (["users", "passwd", EDITOR], "", ["at least 8 characters"]),
    (["users", "remove", ADMIN], None, ["only admin"]),
    (["tokens", "list", "nobody@example.com"], None, ["no user nobody@example.com"]),
    (["tokens", "revoke", "424242"], None, ["no API token 424242"]),
    (["tokens", "revoke", "99999999999999999999"], None, ["no API token 99999999999999999999"]),
    (["tokens", "revoke", "abc"], None, ["a token id is a number"]),
    (["tokens", "revoke", "1.5"], None, ["a token id is a number"]),
])
def test_bad_input_is_one_line_and_exit_1(config, engine_of, args, stdin, words):
    result = cli(*args, stdin=stdin, config=config)
    assert one_line_error(result, *words), (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    with Session(engine_of) as session:  # nothing changed
        assert users.authenticate(session, EDITOR, PASSWORD) is not None
        assert users.get_user(session, ADMIN) is not None


def test_a_password_that_is_not_utf8_is_one_line(config, engine_of):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    result = subprocess.run([sys.executable, "-m", "distributor", "--config", str(config), "users", "passwd", EDITOR],
                            input=b"\xff\xfe not utf-8\n", capture_output=True, timeout=60, env=env)
    assert result.returncode == 1 and result.stderr.decode().strip() == "error: the password on standard input is not valid UTF-8"
