"""views apart from impressions; a post's extra images, Facebook first comment and X thread

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
import sqlite3
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# Meta replaced impressions by views (Facebook's post_media_view, 2025-11-15; Threads counts views): what
# their snapshots hold in `impressions` were always views, and move to `views`; X keeps its impressions
META_PLATFORMS = "('facebook', 'threads')"
TO_VIEWS = sa.text(
    "UPDATE engagementsnapshot SET views = impressions, impressions = NULL "
    "WHERE impressions IS NOT NULL AND views IS NULL "
    f"AND post_id IN (SELECT id FROM post WHERE platform IN {META_PLATFORMS})")
TO_IMPRESSIONS = sa.text(
    "UPDATE engagementsnapshot SET impressions = COALESCE(impressions, views) "
    f"WHERE views IS NOT NULL AND post_id IN (SELECT id FROM post WHERE platform IN {META_PLATFORMS})")


def upgrade() -> None:
    with op.batch_alter_table('engagementsnapshot') as batch:
        batch.add_column(sa.Column('views', sa.Integer(), nullable=True))
    op.execute(TO_VIEWS)  # plain SQL, the same on SQLite and PostgreSQL
    with op.batch_alter_table('post') as batch:
        batch.add_column(sa.Column('extra_images', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('first_comment', sa.Text(), nullable=True))
        batch.add_column(sa.Column('thread', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('parts_sent', sa.JSON(), nullable=True))


def downgrade() -> None:
    _drop_columns('post', ('parts_sent', 'thread', 'first_comment', 'extra_images'))
    op.execute(TO_IMPRESSIONS)  # before the column goes: the views go back where 0014 kept them
    _drop_columns('engagementsnapshot', ('views',))


def _drop_columns(table: str, names: Sequence[str]) -> None:
    """ALTER TABLE ... DROP COLUMN where the database has it (SQLite since 3.35).

    Alembic's batch mode copies and drops the table on SQLite, and dropping
    `post` fails while snapshots point at it (foreign keys are on): a
    populated database could not be downgraded.
    """
    if op.get_bind().dialect.name == 'sqlite' and sqlite3.sqlite_version_info < (3, 35):
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.drop_column(name)
        return
    for name in names:
        op.drop_column(table, name)
