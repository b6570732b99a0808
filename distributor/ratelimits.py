"""A platform's "come back at", shared by every worker through the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from distributor.models import RateLimit


def store_rate_limit(session: Session, account: str, endpoint: str, reset_at: datetime) -> None:
    """Upsert, so two workers limited at once do not collide on the primary key. The caller commits."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(RateLimit).values(account=account, endpoint=endpoint, reset_at=reset_at)
    session.execute(statement.on_conflict_do_update(
        index_elements=["account", "endpoint"], set_={"reset_at": statement.excluded.reset_at}
    ))
