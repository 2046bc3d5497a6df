"""planned starts, alert settings and monthly snapshots

- ``projects.planned_start_on`` / ``planned_start_kind``: the 计划开工(开业)日期 and its kind
  (开工 | 开业) a signed project carries: the year-end forecast, the 冲刺清单 and the
  逾期未开工 alert read them.
- ``snapshots``: a frozen 月报 (the §3 figures, breakdowns and 签约未开工 list of a month end)
  as JSON, with who took it and when; rows are only ever inserted (a trigger refuses an
  UPDATE).
  The alert thresholds are rows of ``settings`` and need no schema.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_start_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('planned_start_kind', sa.String(length=8), nullable=True))
    op.create_table(
        'snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('taken_at', sa.DateTime(), nullable=False),
        sa.Column('taken_by_id', sa.Integer(), nullable=True),
        sa.Column('taken_by_name', sa.String(length=64), nullable=False, server_default=''),
        sa.Column('data', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'],
                                name=op.f('fk_snapshots_taken_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshots')),
        sa.UniqueConstraint('month', name=op.f('uq_snapshots_month')),
    )
    # A snapshot is what was reported upward: the database itself refuses to change one.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION snapshots_read_only() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION '月报快照只读，不能修改'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER snapshots_read_only BEFORE UPDATE ON snapshots "
                   "FOR EACH ROW EXECUTE FUNCTION snapshots_read_only()")
    else:
        op.execute("CREATE TRIGGER snapshots_read_only BEFORE UPDATE ON snapshots "
                   "BEGIN SELECT RAISE(ABORT, '月报快照只读，不能修改'); END")


def downgrade() -> None:
    op.drop_table('snapshots')  # its trigger with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION snapshots_read_only()")
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('planned_start_kind')
        batch_op.drop_column('planned_start_on')
