"""考核 reads the year's receipts and the 引荐人's projects from indexes

- ix_projects_referrer_live (deleted_at, signed_on, id, referrer, referrer_registered_on)
  WHERE referrer <> '': the projects with a 引荐人 (a few in a hundred), by signing date, where
  the reward table's count and total read every project signed in the year (83,000 at a
  million) for its referrer;
- ix_projects_introduced (id, deleted_at, signed_on, ambassador_id, referrer,
  referrer_registered_on) WHERE ambassador_id IS NOT NULL OR referrer <> '': a narrow index by
  id of the projects with an introducer, where the reward table looked up the row of each
  project with 固投 in the year (27,000 at a million) for its introducers;
- ix_fundings_fixed_assets (received_on, project_id, amount) WHERE kind = '固定资产投资': the
  year's 固投 receipts, where every receipt of the year (45,000 at a million) was read for its
  kind;
- ix_fundings_received also holds origin, kind, amount and usd_amount: PostgreSQL reads
  当年实际到位资金 by origin and kind from the index alone (at a million, 45,000 receipts in
  27 ms), where it looked up each receipt's row;
- ix_fundings_origin_kind (origin, kind, received_on, project_id, amount, usd_amount):
  当年实际到位资金 by origin and kind (the scorecard's lines) reads the year's receipts from
  the index alone on SQLite, each origin and kind a range of it, already in the order of the
  grouping, where it sorted the year's receipts (at a million, 62 → 22 ms); PostgreSQL 15 does
  not skip through an index's first columns and reads ix_fundings_received.

The queries write '' and '固定资产投资' as constants (not parameters), so that a prepared
statement's plan can still use the partial indexes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 16:00:00
"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFERRER = sa.text("referrer <> ''")
_INTRODUCED = sa.text("ambassador_id IS NOT NULL OR referrer <> ''")
_FIXED = sa.text("kind = '固定资产投资'")


def upgrade() -> None:
    op.create_index('ix_projects_referrer_live', 'projects',
                    ['deleted_at', 'signed_on', 'id', 'referrer', 'referrer_registered_on'],
                    sqlite_where=_REFERRER, postgresql_where=_REFERRER)
    op.create_index('ix_projects_introduced', 'projects',
                    ['id', 'deleted_at', 'signed_on', 'ambassador_id', 'referrer',
                     'referrer_registered_on'],
                    sqlite_where=_INTRODUCED, postgresql_where=_INTRODUCED)
    op.create_index('ix_fundings_fixed_assets', 'fundings', ['received_on', 'project_id', 'amount'],
                    sqlite_where=_FIXED, postgresql_where=_FIXED)
    op.drop_index('ix_fundings_received', table_name='fundings')
    op.create_index('ix_fundings_received', 'fundings',
                    ['received_on', 'project_id', 'origin', 'kind', 'amount', 'usd_amount'])
    op.create_index('ix_fundings_origin_kind', 'fundings',
                    ['origin', 'kind', 'received_on', 'project_id', 'amount', 'usd_amount'])
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's planner statistics for these indexes only (as 0022)
        for name in ('ix_projects_referrer_live', 'ix_projects_introduced',
                     'ix_fundings_fixed_assets', 'ix_fundings_received',
                     'ix_fundings_origin_kind'):
            op.execute(f'ANALYZE {name}')


def downgrade() -> None:
    op.drop_index('ix_fundings_origin_kind', table_name='fundings')
    op.drop_index('ix_fundings_received', table_name='fundings')
    op.create_index('ix_fundings_received', 'fundings', ['received_on', 'project_id'])
    op.drop_index('ix_fundings_fixed_assets', table_name='fundings')
    op.drop_index('ix_projects_introduced', table_name='projects')
    op.drop_index('ix_projects_referrer_live', table_name='projects')
