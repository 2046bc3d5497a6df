"""figure rollup: cells of the §3 figures kept by month in the same transaction as every write

- ``figure_cells`` (crm.rollup): per filter dimension and member, per kind (the funnel's
  stages, signed, exit, amount, funds, receipts), per month and the month that decides it
  later, the projects and the amount. The figures read whole months here and the edges from
  the rows.
- Triggers on projects, agreements and fundings keep the cells current on every insert,
  update and delete; they are filled here for existing rows.
- ix_projects_signed_live also holds segment_id and planned_investment, so a figure filtered
  on two dimensions (read from the rows) filters in the index.
- ix_fundings_project_amounts: a project's receipts with their dates and amounts, so the
  figures read from the rows sum them from the index.
- Indexes on agreements (signed_on) and live projects (dropped_on) for the as-of month's
  edge, read from the rows (fundings have theirs on received_on already).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 10:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm import rollup

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGNED = ('deleted_at', 'signed_on', 'id', 'started_on', 'dropped_on', 'industry_id',
           'owner_id', 'source', 'ambassador_id', 'signing_event_id')


def upgrade() -> None:
    op.create_table(
        'figure_cells',
        sa.Column('dim', sa.String(12), nullable=False),
        sa.Column('kind', sa.String(12), nullable=False),
        sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('member', sa.String(32), nullable=False),
        sa.Column('at_month', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('dim', 'kind', 'month', 'member', 'at_month',
                                name=op.f('pk_figure_cells')),
    )
    op.create_index(op.f('ix_agreements_signed_on'), 'agreements', ['signed_on'])
    op.create_index('ix_fundings_project_amounts', 'fundings',
                    ['project_id', 'received_on', 'amount'])
    live = sa.text('deleted_at IS NULL')
    op.create_index('ix_projects_dropped_live', 'projects', ['dropped_on', 'id'],
                    sqlite_where=live, postgresql_where=live)
    # a figure filtered on two dimensions reads the rows: the segment and the amount that
    # decides the band join the columns the signed range holds, so it reads no row to filter
    op.drop_index('ix_projects_signed_live', table_name='projects')
    op.create_index('ix_projects_signed_live', 'projects', [*_SIGNED, 'segment_id',
                                                            'planned_investment'])
    rollup.install(op.get_bind())


def downgrade() -> None:
    rollup.uninstall(op.get_bind())
    op.drop_index('ix_projects_signed_live', table_name='projects')
    op.create_index('ix_projects_signed_live', 'projects', list(_SIGNED))
    op.drop_index(op.f('ix_agreements_signed_on'), table_name='agreements')
    op.drop_index('ix_projects_dropped_live', table_name='projects')
    op.drop_index('ix_fundings_project_amounts', table_name='fundings')
    op.drop_table('figure_cells')
