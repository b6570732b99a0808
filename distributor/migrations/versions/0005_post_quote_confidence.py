"""post.quote_confidence: how sure the extractor was of the pull quote's speaker

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('post') as batch:
        batch.add_column(sa.Column('quote_confidence', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('post') as batch:
        batch.drop_column('quote_confidence')
