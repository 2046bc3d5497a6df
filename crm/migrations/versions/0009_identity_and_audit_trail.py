"""identity and audit trail: logins unique ignoring case, people without a login, who acted

- ``users.login`` may be NULL: a person named as owner in an imported ledger exists before
  having an account (未开通登录). A unique index on ``lower(login)`` makes ``ADMIN`` and
  ``admin`` one login; existing clashes are reported and the upgrade refuses to guess which
  account is meant.
- ``audit_log.actor_name``: the name of whoever acted (an account's display name, or the
  operating-system user for a command-line change without ``--user``), kept even when the
  account is later renamed; ``(entity, entity_id)`` indexed for a record's 变更记录.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 04:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.errors import SchemaError

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    clashes = bind.execute(sa.text(
        "SELECT lower(login), count(*) FROM users GROUP BY lower(login) HAVING count(*) > 1"
    )).all()
    if clashes:
        names = "、".join(str(row[0]) for row in clashes)
        raise SchemaError(f"有登录名仅大小写不同的账户：{names}。请先在旧版本中为其一改用别的登录名，"
                          "本次升级不替你选择", code="db.login_clash")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('login', existing_type=sa.String(length=64), nullable=True)
    op.create_index('uq_users_login_lower', 'users', [sa.text('lower(login)')], unique=True)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_name', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_log_user', ['user_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_user')
        batch_op.drop_index('ix_audit_log_entity')
        batch_op.drop_column('actor_name')
    op.drop_index('uq_users_login_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('login', existing_type=sa.String(length=64), nullable=False)
