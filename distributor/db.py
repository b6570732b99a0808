"""Engine, sessions and migrations.

SQLite by default (nothing to install), PostgreSQL when the URL says so. The
schema is owned by Alembic (``distributor/migrations``), applied at start and
by ``distributor db upgrade``.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from distributor.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Let users write postgresql:// and still get the psycopg 3 driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class _NoRowValues(logging.Filter):
    """Drops the rows SQLAlchemy logs at DEBUG (``Row (...)``): they hold what a query read (a
    password hash, a WebSub token), and ``hide_parameters`` covers only what a query sends."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.DEBUG and isinstance(record.msg, str)
                    and record.msg.startswith(("Row ", "Col ")))


def _quiet_about_values() -> None:
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoRowValues) for f in engine_log.filters):
        engine_log.addFilter(_NoRowValues())


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """The engine for ``url``. Whatever logging says, SQL is logged without its values
    (``hide_parameters``: also in the text of a database error, which a traceback shows) and
    rows read are never logged: tokens and hashes are values, and secrets never reach a log."""
    _quiet_about_values()
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for garbage
        raise ConfigError(f"database url is not valid: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not parsed.query.get("uri"):
            _private_file(Path(database).expanduser())
        engine = create_engine(url, echo=echo, hide_parameters=True,
                               connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), whatever the umask: it holds password
    hashes, session and token hashes and every post. SQLite gives its -wal and -shm files the
    database file's mode, so they are private too. A file that exists is left as it is (someone
    chose its mode), with a warning when anyone may read it."""
    import os
    import stat

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.is_file() and path.stat().st_mode & stat.S_IROTH:
            logging.getLogger(__name__).warning("%s can be read by every user of this machine: chmod 600 it "
                                                "(and its -wal and -shm files)", path)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web UI read while the worker writes; busy_timeout waits for the writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on this engine."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = \(?([^)\n]*)\)?", re.M)


def head_revisions() -> set[str]:
    """The migration heads, read from the version files' text (importing Alembic costs ~0.5 s a start)."""
    revisions, parents = set(), set()
    for file in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = file.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found:
            revisions.add(found.group(1))
        down = _DOWN.search(text)
        if down:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - parents


def ensure_schema(engine: Engine) -> None:
    """Migrate when needed: one cheap query when the schema is already current (every CLI start)."""
    try:
        with engine.connect() as connection:
            current = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception:  # noqa: BLE001 - no table yet, or an unreadable one: let Alembic decide
        current = set()
    if not current or current != head_revisions():
        upgrade(engine)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
