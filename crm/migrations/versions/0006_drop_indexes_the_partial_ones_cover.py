"""drop the plain stage and signed_on indexes: the live-row indexes serve every query

Every query that filters or sorts projects by stage or by signed_on also asks for live rows
(deleted_at IS NULL), which ix_projects_stage_live (stage, id; live rows) and
ix_projects_signed_live (deleted_at, signed_on) answer. With the plain ix_projects_stage and
ix_projects_signed_on gone, the plans of the figures and of the project list stay the same
(EXPLAIN QUERY PLAN on a 100k database; only the list's per-stage id query moves from
ix_projects_stage to ix_projects_stage_live, the index made for it), while every project
written — 100k at once by a ledger import — no longer keeps two more indexes up to date.
ix_projects_started_on stays: SQLite's OR plan for the funnel needs it.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28 16:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('stage', 'signed_on')


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(batch_op.f(f'ix_projects_{column}'))


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.create_index(batch_op.f(f'ix_projects_{column}'), [column], unique=False)
