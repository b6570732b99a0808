"""Storage: migrations and the constraints the pipeline relies on, on every database."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from distributor.db import current_revision, make_engine, upgrade
from distributor.models import Account, Article, Post, PostState


def test_migrations_reach_head_and_are_idempotent(database_url):
    engine = make_engine(database_url)
    upgrade(engine)  # a second upgrade is a no-op, as at every start
    assert current_revision(engine) is not None
    engine.dispose()


def test_an_article_is_stored_once_per_canonical_url(session):
    session.add(Article(url="https://news.example/a", canonical_url="https://news.example/story"))
    session.commit()
    session.add(Article(url="https://news.example/a?ref=home", canonical_url="https://news.example/story"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert len(session.exec(select(Article)).all()) == 1


def test_an_auto_post_key_cannot_be_used_twice(session):
    session.add(Account(name="x-main", platform="twitter"))
    session.add(Post(account="x-main", platform="twitter", text="one", auto_key="auto:1:x-main:twitter.j2"))
    session.commit()
    session.add(Post(account="x-main", platform="twitter", text="two", auto_key="auto:1:x-main:twitter.j2"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    posts = session.exec(select(Post)).all()
    assert [p.text for p in posts] == ["one"] and posts[0].state is PostState.queued


def test_the_migrated_schema_is_the_one_the_models_declare(database_url):
    """A column, index or table added to models.py without a migration (or the reverse) fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_one_head_and_a_schema_check_that_costs_one_query(database_url):
    from distributor.db import ensure_schema, head_revisions

    assert len(head_revisions()) == 1  # merged branches must chain their migrations
    engine = make_engine(database_url)
    assert {current_revision(engine)} == head_revisions()
    ensure_schema(engine)  # current: nothing to do
def test_the_migrations_create_every_index_the_models_declare(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in diff if d[0] in ("add_index", "remove_index")] == []


def test_a_posts_link_has_a_hash_index_on_postgresql(engine):
    """A link may be longer than a B-tree entry allows; models.py leaves `postgresql_using` to migration 0004."""
    if engine.dialect.name != "postgresql":
        pytest.skip("hash indexes are PostgreSQL's")
    with engine.connect() as connection:
        definition = connection.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_post_link' AND schemaname = current_schema()"
        )).scalar_one()
    assert "USING hash (link)" in definition


def test_a_sent_post_never_scheduled_is_made_due_once_by_the_migration(database_url):
    """Collection only takes scheduled posts now: 0004 schedules the ones sent before it."""
    from datetime import timedelta

    from alembic import command
    from alembic.config import Config

    from distributor.db import MIGRATIONS_DIR
    from distributor.models import utcnow

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    sent = utcnow() - timedelta(days=30)
    # rows as the schema of 0001 has them (the models may have grown columns since)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO account (name, platform) VALUES ('x', 'twitter')"))
        ids = {}
        for label, state, sent_at, external in (("never", "sent", sent, "1"), ("measured", "sent", sent, "2"),
                                                ("queued", "queued", None, None)):
            ids[label] = connection.execute(text(
                "INSERT INTO post (account, platform, text, state, priority, scheduled_at, attempts, created_at, "
                "updated_at, sent_at, external_id) VALUES ('x', 'twitter', :text, :state, 0, :now, 0, :now, :now, "
                ":sent_at, :external) RETURNING id"),
                {"text": label, "state": state, "now": sent, "sent_at": sent_at, "external": external}).scalar_one()
        connection.execute(text("INSERT INTO engagementsnapshot (post_id, collected_at, likes, shares, comments, raw) "
                                "VALUES (:post, :at, 0, 0, 0, '{}')"),
                           {"post": ids["measured"], "at": sent + timedelta(days=7)})
    upgrade(engine)

    with Session(engine) as session:
        assert session.get(Post, ids["never"]).next_collect_at == sent
        assert session.get(Post, ids["measured"]).next_collect_at is None
        assert session.get(Post, ids["queued"]).next_collect_at is None
    engine.dispose()


def test_0015_moves_meta_snapshots_from_impressions_to_views_and_back(database_url):
    """Meta counts views, not impressions: 0015 moves what Facebook and Threads snapshots held in
    `impressions` to `views`; X's impressions stay; a downgrade puts them back."""
    from alembic import command
    from alembic.config import Config

    from distributor.db import MIGRATIONS_DIR
    from distributor.models import EngagementSnapshot, utcnow

    engine = make_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    now = utcnow()
    snapshots = {}
    with engine.begin() as connection:  # rows as the schema of 0014 has them: no views column yet
        for platform, impressions in (("facebook", 4321), ("threads", 77), ("twitter", 900), ("bluesky", None)):
            connection.execute(text("INSERT INTO account (name, platform) VALUES (:name, :platform)"),
                               {"name": f"{platform}-main", "platform": platform})
            post_id = connection.execute(text(
                "INSERT INTO post (account, platform, text, state, priority, scheduled_at, attempts, created_at, "
                "updated_at, sent_at, external_id) VALUES (:account, :platform, 'story', 'sent', 0, :now, 0, :now, "
                ":now, :now, :external) RETURNING id"),
                {"account": f"{platform}-main", "platform": platform, "now": now, "external": f"{platform}-1"}
            ).scalar_one()
            snapshots[platform] = connection.execute(text(
                "INSERT INTO engagementsnapshot (post_id, collected_at, likes, shares, comments, impressions, raw) "
                "VALUES (:post, :at, 5, 1, 2, :impressions, '{}') RETURNING id"),
                {"post": post_id, "at": now, "impressions": impressions}).scalar_one()
    upgrade(engine)

    with Session(engine) as session:
        stored = {platform: session.get(EngagementSnapshot, id_) for platform, id_ in snapshots.items()}
        assert (stored["facebook"].impressions, stored["facebook"].views) == (None, 4321)
        assert (stored["threads"].impressions, stored["threads"].views) == (None, 77)
        assert (stored["twitter"].impressions, stored["twitter"].views) == (900, None)
        assert (stored["bluesky"].impressions, stored["bluesky"].views) == (None, None)
        assert stored["facebook"].likes == 5  # nothing else changes
    upgrade(engine)  # a second upgrade moves nothing again
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
        back = dict(connection.execute(text(
            "SELECT p.platform, s.impressions FROM engagementsnapshot s JOIN post p ON p.id = s.post_id")).all())
    assert back == {"facebook": 4321, "threads": 77, "twitter": 900, "bluesky": None}
    upgrade(engine)
    engine.dispose()


def test_a_new_sqlite_database_and_its_wal_files_are_private_to_their_owner(tmp_path):
    """The file holds password, session and token hashes and every post: with the usual umask (022) it
    would be readable by every user of the machine. Created 0600, and SQLite's -wal/-shm follow it."""
    import os
    import stat

    from sqlalchemy import text

    from distributor.db import make_engine, upgrade

    database = tmp_path / "data" / "distributor.db"
    saved = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{database}")
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (n INTEGER)"))
            connection.execute(text("INSERT INTO scratch VALUES (1)"))
        with engine.connect() as connection:  # open: the -wal and -shm files exist now
            connection.execute(text("SELECT count(*) FROM scratch"))
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in database.parent.iterdir()}
        engine.dispose()
    finally:
        os.umask(saved)
    assert {"distributor.db", "distributor.db-wal", "distributor.db-shm"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}
