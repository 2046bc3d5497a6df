"""big list sort indexes: the contact log and the companies list stream from an index

The contact log (300k rows) and the 企业 list (100k) keep only ids and read rows in batches,
as the project list does; each of their orders is read from an index instead of sorting every
row (DESIGN §7: a change of sort within 100 ms, a jump to row 50,000 within 50 ms):

- the log by 方式 and by 下次跟进 (mode, follow_up_on, then id);
- one person's log newest first (只看我的: user_id, logged_on, id);
- the log by project: every project, deleted ones too, in pinyin order (sort_key, id);
- the companies list: the live ones in pinyin order (deleted_at, sort_key, id).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 05:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contact_logs', schema=None) as batch_op:
        batch_op.create_index('ix_contact_logs_mode_sort', ['mode', 'id'], unique=False)
        batch_op.create_index('ix_contact_logs_follow_up_sort', ['follow_up_on', 'id'],
                              unique=False)
        batch_op.create_index('ix_contact_logs_user_logged', ['user_id', 'logged_on', 'id'],
                              unique=False)
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index('ix_projects_sort', ['sort_key', 'id'], unique=False)
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.create_index('ix_companies_live_sort', ['deleted_at', 'sort_key', 'id'],
                              unique=False)
    # these tables only: a bare ANALYZE reads the whole database
    for table in ('contact_logs', 'projects', 'companies'):
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_index('ix_companies_live_sort')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_sort')
    with op.batch_alter_table('contact_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_logs_user_logged')
        batch_op.drop_index('ix_contact_logs_follow_up_sort')
        batch_op.drop_index('ix_contact_logs_mode_sort')
