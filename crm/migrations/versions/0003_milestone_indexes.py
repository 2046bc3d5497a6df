"""milestone indexes: the funnel reads only the projects with a milestone in the period

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('lead_on', 'negotiating_on', 'producing_on')


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.create_index(batch_op.f(f'ix_projects_{column}'), [column], unique=False)
    op.execute("ANALYZE projects")  # this table only: a bare ANALYZE reads the whole database


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(batch_op.f(f'ix_projects_{column}'))
