"""the status bar's 我的跟进 and the rail's 提醒 count read from indexes

- ix_contact_logs_user_follow_up (user_id, follow_up_done, follow_up_on): one person's open
  follow-ups due by a day are one index range, where the open follow-ups of everyone (about
  120,000 at a million logs) were read to find theirs;
- ix_contact_logs_project_logged (project_id, logged_on): whether a project had a contact
  since a day is one seek in the index, without reading the logs; it replaces the index on
  project_id alone, which it holds;
- ix_projects_signed_live also holds planned_start_on, so the 提醒 count of the projects
  signed in the last N days reads them from the index alone.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 14:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGNED = ('deleted_at', 'signed_on', 'id', 'started_on', 'dropped_on', 'industry_id',
           'owner_id', 'source', 'ambassador_id', 'signing_event_id', 'segment_id',
           'planned_investment')


def upgrade() -> None:
    op.create_index('ix_contact_logs_user_follow_up', 'contact_logs',
                    ['user_id', 'follow_up_done', 'follow_up_on'])
    op.create_index('ix_contact_logs_project_logged', 'contact_logs',
                    ['project_id', 'logged_on'])
    op.drop_index('ix_contact_logs_project_id', table_name='contact_logs')
    op.drop_index('ix_projects_signed_live', table_name='projects')
    op.create_index('ix_projects_signed_live', 'projects', [*_SIGNED, 'planned_start_on'])
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's planner statistics for these indexes only (crm.planner analyzes a table
        # again only when its rows change by half); PostgreSQL's are by column, already there
        for name in ('ix_contact_logs_user_follow_up', 'ix_contact_logs_project_logged',
                     'ix_projects_signed_live'):
            op.execute(f'ANALYZE {name}')


def downgrade() -> None:
    op.drop_index('ix_projects_signed_live', table_name='projects')
    op.create_index('ix_projects_signed_live', 'projects', list(_SIGNED))
    op.create_index('ix_contact_logs_project_id', 'contact_logs', ['project_id'])
    op.drop_index('ix_contact_logs_project_logged', table_name='contact_logs')
    op.drop_index('ix_contact_logs_user_follow_up', table_name='contact_logs')
