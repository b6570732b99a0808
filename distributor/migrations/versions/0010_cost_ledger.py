"""cost ledger: one row per billable platform call

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'apicall',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('price_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('cost_micros', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_apicall_at'), 'apicall', ['at'], unique=False)
    op.create_index(op.f('ix_apicall_post_id'), 'apicall', ['post_id'], unique=False)
    op.create_index('ix_apicall_account_at', 'apicall', ['account', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_apicall_account_at', table_name='apicall')
    op.drop_index(op.f('ix_apicall_post_id'), table_name='apicall')
    op.drop_index(op.f('ix_apicall_at'), table_name='apicall')
    op.drop_table('apicall')
