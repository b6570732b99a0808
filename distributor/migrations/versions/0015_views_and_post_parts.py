"""views apart from impressions; a post's extra images, Facebook first comment and X thread

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('engagementsnapshot') as batch:
        batch.add_column(sa.Column('views', sa.Integer(), nullable=True))
    with op.batch_alter_table('post') as batch:
        batch.add_column(sa.Column('extra_images', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('first_comment', sa.Text(), nullable=True))
        batch.add_column(sa.Column('thread', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('parts_sent', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('post') as batch:
        batch.drop_column('parts_sent')
        batch.drop_column('thread')
        batch.drop_column('first_comment')
        batch.drop_column('extra_images')
    with op.batch_alter_table('engagementsnapshot') as batch:
        batch.drop_column('views')
