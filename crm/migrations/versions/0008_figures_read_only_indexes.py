"""figures read only indexes: the signed range carries what the §3 figures filter and count

Every figure of DESIGN §3 starts from the live projects signed in the period
(ix_projects_signed_live) and then, for each of them, read the project's row for its start
date, industry, owner, source, ambassador or event, and each agreement's row for its amount.
At 100k projects that was one page read per project and per agreement: the start rate with a
filter and the breakdowns took 40–75 ms on a slow machine, against a 50 ms budget (§7). The
signed index now holds those columns (after the id, so that the list sorted by signing date
still streams from it), and the agreements' project index holds what the sums need: 16–20 ms.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 20:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNED = ['deleted_at', 'signed_on', 'id', 'started_on', 'dropped_on', 'industry_id', 'owner_id',
          'source', 'ambassador_id', 'signing_event_id']
AMOUNTS = ['project_id', 'voided_at', 'signed_on', 'amount']


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_signed_live')
        batch_op.create_index('ix_projects_signed_live', SIGNED, unique=False)
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreements_project_id'))
        batch_op.create_index('ix_agreements_project_amounts', AMOUNTS, unique=False)
    op.execute("ANALYZE projects")  # these tables only: a bare ANALYZE reads the whole database
    op.execute("ANALYZE agreements")


def downgrade() -> None:
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_agreements_project_amounts')
        batch_op.create_index(batch_op.f('ix_agreements_project_id'), ['project_id'], unique=False)
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_signed_live')
        batch_op.create_index('ix_projects_signed_live', ['deleted_at', 'signed_on'], unique=False)
