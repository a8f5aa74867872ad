"""timeliness derived from events: application.timeliness, application.derived_with

Revision ID: 0011
Revises: 0002
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timeliness', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('derived_with', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index('ix_application_timeliness', ['closed_date', 'applicant_type', 'outcome', 'timeliness'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_timeliness')
        batch_op.drop_column('derived_with')
        batch_op.drop_column('timeliness')
