"""personal data protected: application.personal_key, equality digests, the applicant's Telegram
account as a digest and a sealed chat, personal_erased_at; the personal_data_access log

Revision ID: 0015
Revises: 0014

Schema only. The values already stored in clear are sealed by ``storage.personal.seal_plaintext``
right after this revision, the first time the database is opened with the data keys (every ``gongkai``
command and the bot do): row by row, each batch its own transaction, so an interruption leaves
every row either in clear or sealed, never half of it, and the next start continues. A row in clear
is one with ``personal_key`` NULL and ``personal_erased_at`` NULL.

The upgrade is idempotent (a step that already ran is skipped), so a failed run can be repeated.
The downgrade opens every sealed value again with the data keys given to ``storage.db.downgrade``
(``keys=``) before dropping the columns, and refuses without them while sealed rows exist; it drops
the access log (print it first: ``gongkai personal-data access-log --json``).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = (
    ('personal_key', True),
    ('id_number_digest', True),
    ('phone_digest', True),
    ('email_digest', True),
    ('telegram_user_digest', True),
    ('telegram_account', False),
    ('personal_erased_at', False),
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = {c['name'] for c in inspector.get_columns('application')}
    indexes = {i['name'] for i in inspector.get_indexes('application')}
    with op.batch_alter_table('application', schema=None) as batch_op:
        for name, indexed in COLUMNS:
            if name not in present:
                kind = sqlmodel.sql.sqltypes.UTCDateTime() if name == 'personal_erased_at' else sqlmodel.sql.sqltypes.AutoString()
                batch_op.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table('application', schema=None) as batch_op:
        for name, indexed in COLUMNS:
            if indexed and f'ix_application_{name}' not in indexes:
                batch_op.create_index(f'ix_application_{name}', [name], unique=False)
    if 'personal_data_access' not in inspector.get_table_names():
        op.create_table(
            'personal_data_access',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
            sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
            sa.Column('application_id', sa.Integer(), nullable=True),
            sa.Column('number', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
            sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
            sa.PrimaryKeyConstraint('id'),
        )
        with op.batch_alter_table('personal_data_access', schema=None) as batch_op:
            batch_op.create_index('ix_personal_data_access_at', ['at'], unique=False)
            batch_op.create_index('ix_personal_data_access_application_id', ['application_id'], unique=False)


def _open_sealed_rows() -> None:
    """Write every sealed value back in clear (the columns that say it is sealed are going away)."""
    from storage.personal import unseal_rows_sync

    bind = op.get_bind()
    sealed = bind.execute(sa.text('SELECT count(*) FROM application WHERE personal_key IS NOT NULL')).scalar()
    if not sealed:
        return
    keys = op.get_context().config.attributes.get('data_keys')
    if keys is None:
        raise RuntimeError(
            f'{sealed} applications hold sealed personal data: downgrading below 0015 needs the data keys '
            '(storage.db.downgrade(url, revision, keys=...)) / 降级需要数据密钥，否则个人信息将无法读取')
    unseal_rows_sync(bind, keys)


def downgrade() -> None:
    _open_sealed_rows()
    op.drop_table('personal_data_access')
    with op.batch_alter_table('application', schema=None) as batch_op:
        for name, indexed in reversed(COLUMNS):
            if indexed:
                batch_op.drop_index(f'ix_application_{name}')
            batch_op.drop_column(name)
