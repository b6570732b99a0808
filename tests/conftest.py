"""Shared fixtures.

The database fixtures run every test that takes ``engine`` or ``session`` on
SQLite, and also on PostgreSQL when DISTRIBUTOR_TEST_POSTGRES_URL points at a
server (`.ci/run` starts one). Each PostgreSQL test gets a fresh schema.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session

from distributor.db import make_engine, upgrade

POSTGRES_URL = os.environ.get("DISTRIBUTOR_TEST_POSTGRES_URL")


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Argon2 with its production cost takes ~0.1-1 s a hash: the auth tests log in hundreds of
    times. In this process (not in the CLI processes tests start) hashing is made cheap; what the
    tests check (a right password opens, a wrong one does not, sessions, throttling) is unchanged."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from distributor import users

    saved = users._hasher, users._DUMMY_HASH
    users._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    users._DUMMY_HASH = users._hasher.hash("distributor-timing-equaliser")
    yield
    users._hasher, users._DUMMY_HASH = saved

@pytest.fixture(autouse=True, scope="session")
def test_client_host_is_the_desks():
    """Starlette's TestClient sends ``Host: testserver``: in this process that name counts as one of the
    desk's (web/hosts.py), as loopback does; tests/test_web_hosts.py sends other names explicitly."""
    from distributor.web import hosts

    saved = hosts.LOOPBACK_NAMES
    hosts.LOOPBACK_NAMES = saved | {"testserver"}
    yield
    hosts.LOOPBACK_NAMES = saved


DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _with_search_path(url: str, schema: str) -> str:
    """The URL of a schema; libpq's options carry it to every connection and process."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def _drop_postgres_schema(schema: str) -> None:
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """A migrated, empty database URL (SQLite file, or a fresh PostgreSQL schema)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    request.applymarker(pytest.mark.postgres)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = _with_search_path(POSTGRES_URL, schema)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _drop_postgres_schema(schema)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


# --- Platform adapters: the sandbox (fake X + Graph API) -----------------------------
# One server per test session on a free 127.0.0.1 port; every test that takes
# ``sandbox`` starts from an empty, fault-free state.


@pytest.fixture(scope="session")
def sandbox_server():
    from distributor.sandbox import running_sandbox

    with running_sandbox() as base_url:
        yield base_url


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox's base URL, reset (posts, stats, queued faults) for this test."""
    import requests

    requests.post(sandbox_server + "/_sandbox/reset", timeout=5).raise_for_status()
    yield sandbox_server


# --- Web desk: the hand-written article pages of tests/fixtures/web, served locally ----------


@pytest.fixture
def article_site():
    """The fixture article pages, served on 127.0.0.1 (nothing leaves the machine)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    from pathlib import Path

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    directory = Path(__file__).parent / "fixtures" / "web"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --- Quote cards draw with Debian's fonts (never downloaded): without them, say so and skip -----

CARD_FONTS = ("NotoSerif-Bold.ttf", "NotoNaskhArabic-Bold.ttf", "NotoSansCJK-Bold.ttc")
CARD_FONT_PACKAGES = "fonts-noto-core fonts-noto-cjk fonts-dejavu-core libraqm0 libfribidi0"


def pytest_collection_modifyitems(config, items):
    from distributor.cards.fonts import _installed

    missing = [name for name in CARD_FONTS if name not in _installed()]
    if not missing:
        return
    skip = pytest.mark.skip(reason=f"quote cards need Debian's {CARD_FONT_PACKAGES} (missing {', '.join(missing)})")
    for item in items:
        if item.path.name.startswith("test_cards_"):
            item.add_marker(skip)
