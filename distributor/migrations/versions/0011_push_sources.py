"""push sources (webhook deliveries, WebSub subscriptions), breaking news, corrections

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

Time = sqlmodel.sql.sqltypes.UTCDateTime
Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'webhookdelivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hook', Text(), nullable=False),
        sa.Column('digest', sa.Text(), nullable=False),
        sa.Column('received_at', Time(), nullable=False),
        sa.Column('url', sa.Text(), nullable=True),
        sa.Column('event', Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('digest'),
    )
    op.create_index(op.f('ix_webhookdelivery_received_at'), 'webhookdelivery', ['received_at'], unique=False)
    op.create_table(
        'websubsubscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('hub', sa.Text(), nullable=False),
        sa.Column('topic', sa.Text(), nullable=False),
        sa.Column('token', sa.Text(), nullable=False),
        sa.Column('state', Text(), nullable=False),
        sa.Column('lease_until', Time(), nullable=True),
        sa.Column('requested_at', Time(), nullable=True),
        sa.Column('verified_at', Time(), nullable=True),
        sa.Column('last_notified_at', Time(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['feed_id'], ['feed.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('feed_id'),
        sa.UniqueConstraint('token'),
    )
    op.create_table(
        'postaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('kind', Text(), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('state', Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('lease_owner', Text(), nullable=True),
        sa.Column('lease_until', Time(), nullable=True),
        sa.Column('created_at', Time(), nullable=False),
        sa.Column('done_at', Time(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['post_id'], ['post.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index(op.f('ix_postaction_post_id'), 'postaction', ['post_id'], unique=False)
    op.create_index(op.f('ix_postaction_state'), 'postaction', ['state'], unique=False)
    # plain ADD COLUMN (no batch copy on SQLite: posts reference article rows)
    op.add_column('article', sa.Column('breaking', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('article', sa.Column('next_check_at', Time(), nullable=True))
    op.add_column('article', sa.Column('checks_done', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('article', sa.Column('changes', sa.JSON(), nullable=True))
    op.add_column('article', sa.Column('gone_at', Time(), nullable=True))
    op.create_index('ix_article_next_check_at', 'article', ['next_check_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_article_next_check_at', table_name='article')
    with op.batch_alter_table('article') as batch:
        for column in ('gone_at', 'changes', 'checks_done', 'next_check_at', 'breaking'):
            batch.drop_column(column)
    op.drop_index(op.f('ix_postaction_state'), table_name='postaction')
    op.drop_index(op.f('ix_postaction_post_id'), table_name='postaction')
    op.drop_table('postaction')
    op.drop_table('websubsubscription')
    op.drop_index(op.f('ix_webhookdelivery_received_at'), table_name='webhookdelivery')
    op.drop_table('webhookdelivery')
