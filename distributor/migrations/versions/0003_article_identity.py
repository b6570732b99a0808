"""article identity: feed summary, entry guids, per-account composition skips, per-feed skips, auto keys by article + account

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('skipped_accounts', sa.JSON(), nullable=True))
    with op.batch_alter_table('feedentry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('guid', sa.Text(), nullable=True))
        batch_op.create_index('ix_feedentry_feed_guid', ['feed_id', 'guid'], unique=False)
    # the guid an article was first seen with belongs to the entry of the feed that saw it
    op.execute(sa.text(
        "UPDATE feedentry SET guid = (SELECT a.guid FROM article a WHERE a.id = feedentry.article_id "
        "AND a.feed_id = feedentry.feed_id)"
    ))
    # Automatic post keys were "auto:<article>:<account>:<template>"; they are now
    # "auto:<article>:<account>", so a changed template never posts a story again.
    # Where one article already has several keys for an account, the oldest post
    # takes the new key and the others keep theirs (they are history).
    op.execute(sa.text(
        "UPDATE post SET auto_key = 'auto:' || CAST(article_id AS TEXT) || ':' || account "
        "WHERE auto_key LIKE 'auto:%' AND article_id IS NOT NULL "
        "AND id = (SELECT MIN(p2.id) FROM post p2 WHERE p2.article_id = post.article_id "
        "AND p2.account = post.account AND p2.auto_key LIKE 'auto:%')"
    ))


def downgrade() -> None:
    op.execute(sa.text(
        "UPDATE post SET auto_key = auto_key || ':' || COALESCE(template, platform || '.j2') "
        "WHERE auto_key = 'auto:' || CAST(article_id AS TEXT) || ':' || account"
    ))
    with op.batch_alter_table('feedentry', schema=None) as batch_op:
        batch_op.drop_index('ix_feedentry_feed_guid')
        batch_op.drop_column('guid')
        batch_op.drop_column('skipped')
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('skipped_accounts')
        batch_op.drop_column('summary')
