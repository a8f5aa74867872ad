"""the web desk: sign-in links, sessions and the signing key (desk_link, desk_session, desk_key)

Revision ID: 0014
Revises: 0011
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'desk_key',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'desk_link',
        sa.Column('nonce_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('staff_id', sa.BigInteger(), nullable=False),
        sa.Column('issued_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('nonce_hash'),
    )
    with op.batch_alter_table('desk_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_link_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_link_staff_id'), ['staff_id'], unique=False)
    op.create_table(
        'desk_session',
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('staff_id', sa.BigInteger(), nullable=False),
        sa.Column('csrf', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    with op.batch_alter_table('desk_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_session_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('desk_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_session_staff_id'))
        batch_op.drop_index(batch_op.f('ix_desk_session_expires_at'))
    op.drop_table('desk_session')
    with op.batch_alter_table('desk_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_link_staff_id'))
        batch_op.drop_index(batch_op.f('ix_desk_link_expires_at'))
    op.drop_table('desk_link')
    op.drop_table('desk_key')
