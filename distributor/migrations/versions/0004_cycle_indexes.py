"""indexes for the queries every cycle runs; sent posts get their first collection time

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

- ix_feedentry_article_id: the feeds that listed an article (which accounts
  get it), asked for every article read.
- ix_post_account_sent: an account's recent posts (pacing before each claim,
  the ids reconciliation must not "find", the next free slot).
- ix_post_link: the account's other posts of the same story, looked up before
  each publish (a hash index on PostgreSQL: a link can exceed a B-tree entry).

The due collections (ix_post_next_collect_at), the dispatch claim (ix_post_due)
and the pending articles (ix_article_state) already have theirs: EXPLAIN shows
them used (tests/test_indexes.py).

Collection now only takes scheduled posts (dispatch sets the first time when
it marks a post sent), so a sent post that was never scheduled and never
measured is made due once here; the schedule then carries on from its
sent time (a finished schedule means one final snapshot).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_feedentry_article_id', 'feedentry', ['article_id'], unique=False)
    op.create_index('ix_post_account_sent', 'post', ['account', 'sent_at'], unique=False)
    op.create_index('ix_post_link', 'post', ['link'], unique=False, postgresql_using='hash')
    op.execute(sa.text(
        "UPDATE post SET next_collect_at = sent_at"
        " WHERE state = 'sent' AND next_collect_at IS NULL AND sent_at IS NOT NULL"
        " AND external_id IS NOT NULL AND deleted_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM engagementsnapshot WHERE engagementsnapshot.post_id = post.id)"
    ))


def downgrade() -> None:
    op.drop_index('ix_post_link', table_name='post')
    op.drop_index('ix_post_account_sent', table_name='post')
    op.drop_index('ix_feedentry_article_id', table_name='feedentry')
