"""carrier placements: free area computed from what projects take

- ``carrier_placements``: an area of a carrier taken from a date, by a project (拟落地 while it
  is in talks, 落位 once signed) or, without a project, occupied otherwise (其他占用); released
  rows (a dropped project) keep their date and reason.
- ``carrier_industries``: the industries a carrier's park suits (matching).
- ``carriers.available_area`` goes: free area is total − placements, never typed. What was
  typed is not thrown away: where it said less than the total, the difference becomes one
  其他占用 placement dated the day of the upgrade, its note naming both typed figures, so every
  carrier's free area reads exactly as before and the occupancy is there to be released or
  replaced by the projects that really hold it. ``downgrade`` types the computed free area
  back into the column.
- ``carriers.ready_on``: when a carrier can be moved into (None: now), for matching by timing.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 07:10:00
"""
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Areas are stored as integer hundredths of a ㎡ (crm.money.Area): the raw values subtract exactly.
_SCALE = Decimal(100)


def _m2(raw: int) -> str:
    return f"{(Decimal(int(raw)) / _SCALE).quantize(Decimal('0.01')):,}"


def upgrade() -> None:
    op.create_table(
        'carrier_industries',
        sa.Column('carrier_id', sa.Integer(), nullable=False),
        sa.Column('industry_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], ondelete='CASCADE',
                                name=op.f('fk_carrier_industries_carrier_id_carriers')),
        sa.ForeignKeyConstraint(['industry_id'], ['industries.id'],
                                name=op.f('fk_carrier_industries_industry_id_industries')),
        sa.PrimaryKeyConstraint('carrier_id', 'industry_id', name=op.f('pk_carrier_industries')))
    op.create_table(
        'carrier_placements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('carrier_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('area', sa.BigInteger(), nullable=False),
        sa.Column('placed_on', sa.Date(), nullable=False),
        sa.Column('released_on', sa.Date(), nullable=True),
        sa.Column('release_reason', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'],
                                name=op.f('fk_carrier_placements_carrier_id_carriers')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_carrier_placements_project_id_projects')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_carrier_placements_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_placements')))
    op.create_index('ix_carrier_placements_carrier', 'carrier_placements',
                    ['carrier_id', 'released_on'], unique=False)
    op.create_index(op.f('ix_carrier_placements_project_id'), 'carrier_placements',
                    ['project_id'], unique=False)

    bind = op.get_bind()
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    placements = sa.table('carrier_placements', sa.column('carrier_id', sa.Integer),
                          sa.column('area', sa.BigInteger), sa.column('placed_on', sa.Date),
                          sa.column('release_reason', sa.Text), sa.column('note', sa.Text),
                          sa.column('created_at', sa.DateTime))
    rows = bind.execute(sa.text("SELECT id, total_area, available_area FROM carriers "
                                "WHERE available_area < total_area")).all()
    for ident, total, available in rows:
        taken = int(total) - max(int(available), 0)
        bind.execute(placements.insert().values(
            carrier_id=ident, area=taken, placed_on=today, release_reason="", created_at=now,
            note=(f"升级前登记的已占用面积：总面积 {_m2(total)} ㎡，当时填写的可用面积 "
                  f"{_m2(available)} ㎡，差额 {_m2(taken)} ㎡ 记为其他占用（未对应系统中的项目）")))

    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ready_on', sa.Date(), nullable=True))
        batch_op.drop_column('available_area')


def downgrade() -> None:
    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('available_area', sa.BigInteger(), nullable=False,
                                      server_default='0'))
        batch_op.drop_column('ready_on')
    # the free area as the placements say, typed back into the column
    op.execute("UPDATE carriers SET available_area = total_area - COALESCE((SELECT SUM(area) "
               "FROM carrier_placements p WHERE p.carrier_id = carriers.id "
               "AND p.released_on IS NULL), 0)")
    op.execute("UPDATE carriers SET available_area = 0 WHERE available_area < 0")
    op.drop_index(op.f('ix_carrier_placements_project_id'), table_name='carrier_placements')
    op.drop_index('ix_carrier_placements_carrier', table_name='carrier_placements')
    op.drop_table('carrier_placements')
    op.drop_table('carrier_industries')
