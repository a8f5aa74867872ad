"""knowledge passages: the sentence a fact quotes, concept terms, report parse warnings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 18:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('terms', sa.Text(), nullable=True))
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warnings', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('warnings')
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_column('terms')
        batch_op.drop_column('quote')
