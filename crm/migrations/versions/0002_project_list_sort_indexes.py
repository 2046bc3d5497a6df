"""project list sort indexes: every sort order of the list streams from an index (DESIGN §7)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 15:38:11.574525
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index('ix_projects_company_live', ['company_id', 'deleted_at', 'id'], unique=False)
        batch_op.create_index('ix_projects_investment_live', ['deleted_at', 'planned_investment', 'id'], unique=False)
        batch_op.create_index('ix_projects_stage_live', ['stage', 'deleted_at', 'id'], unique=False)
        batch_op.create_index('ix_projects_started_live', ['deleted_at', 'started_on', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_started_live')
        batch_op.drop_index('ix_projects_stage_live')
        batch_op.drop_index('ix_projects_investment_live')
        batch_op.drop_index('ix_projects_company_live')

