"""lists at province scale: the project list's company, owner and industry orders from an index

- projects.company_key, owner_key, industry_key: copies of the company's, the 负责人's and the
  产业's pinyin sort keys, kept current by triggers (crm.sortkeys) and filled here;
- one index per order over the live rows (the key, then id; the company's also its id, so
  that one company's projects stay together): every sort of the list streams from an index,
  a jump is an OFFSET along it instead of a walk through a million companies;
- contact_logs.project_key, company_key, user_key and their indexes: the 接洽记录 list by
  project, company and person, likewise; and (logged_on, id) for its default order;
- PostgreSQL: row_counts, the unfiltered lists' counts kept by statement triggers (crm.counts),
  as counting a million rows there reads a whole index.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 10:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm import counts, sortkeys
from crm.models.base import SortKey

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text('deleted_at IS NULL')
INDEXES = {'ix_projects_company_key_live': ['company_key', 'company_id', 'id'],
           'ix_projects_owner_key_live': ['owner_key', 'id'],
           'ix_projects_industry_key_live': ['industry_key', 'id']}
LOG_INDEXES = {'ix_contact_logs_project_key': ['project_key', 'project_id', 'id'],
               'ix_contact_logs_company_key': ['company_key', 'company_id', 'id'],
               'ix_contact_logs_user_key': ['user_key', 'user_id', 'id'],
               'ix_contact_logs_logged_sort': ['logged_on', 'id']}


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of a million rows: SQLite adds a nullable column in place)
    op.add_column('projects', sa.Column('company_key', SortKey(600), nullable=True))
    op.add_column('projects', sa.Column('owner_key', SortKey(255), nullable=True))
    op.add_column('projects', sa.Column('industry_key', SortKey(255), nullable=True))
    op.add_column('contact_logs', sa.Column('project_key', SortKey(600), nullable=True))
    op.add_column('contact_logs', sa.Column('company_key', SortKey(600), nullable=True))
    op.add_column('contact_logs', sa.Column('user_key', SortKey(255), nullable=True))
    sortkeys.install(op.get_bind())
    counts.install(op.get_bind())
    for name, columns in INDEXES.items():
        op.create_index(name, 'projects', columns, unique=False, sqlite_where=LIVE,
                        postgresql_where=LIVE)
    for name, columns in LOG_INDEXES.items():
        op.create_index(name, 'contact_logs', columns, unique=False)
    # these tables only: a bare ANALYZE reads the whole database
    op.execute('ANALYZE projects')
    op.execute('ANALYZE contact_logs')


def downgrade() -> None:
    for name in LOG_INDEXES:
        op.drop_index(name, table_name='contact_logs')
    for name in INDEXES:
        op.drop_index(name, table_name='projects', sqlite_where=LIVE, postgresql_where=LIVE)
    sortkeys.uninstall(op.get_bind())
    counts.uninstall(op.get_bind())
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('industry_key')
        batch_op.drop_column('owner_key')
        batch_op.drop_column('company_key')
    with op.batch_alter_table('contact_logs', schema=None) as batch_op:
        batch_op.drop_column('user_key')
        batch_op.drop_column('company_key')
        batch_op.drop_column('project_key')
