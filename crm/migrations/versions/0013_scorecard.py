"""the scorecard: indicators, targets, weights, caps and reward rules

- ``targets`` stays the one table of targets: a row is now (year, figure, quarter, scope).
  quarter 0 is the year (what the dashboard's 年度目标 always were), 1–3 the 时序目标 due by the
  end of that quarter, cumulative; scope ``unit`` is the bureau's, ``person`` each staff
  member's. Existing rows become (year, metric, 0, unit): the dashboard reads them as before,
  and the scorecard's yearly target for 签约数 is that very row, so the two cannot disagree.
- ``scorecard_schemes``: a year's assessment scheme (考核办法) for the unit or per person.
- ``scorecard_items``: its indicators (a figure of the catalogue, weight, cap) and its bonus
  and deduction items (points per counted item, with a ceiling).
- ``reward_rules``: 招商大使 / 引荐人 rewards as ‰ of the actual 固定资产投资 received, capped.
- ``projects.referrer_registered_on``: when the 引荐人 registered the lead with the bureau
  (a reward needs it before the signing; an ambassador's is ``ambassadors.appointed_on``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quarter', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('scope', sa.String(length=8), server_default='unit',
                                      nullable=False))
        batch_op.drop_constraint('uq_targets_year_metric', type_='unique')
        batch_op.create_unique_constraint('uq_targets_year_metric_quarter_scope',
                                          ['year', 'metric', 'quarter', 'scope'])
    op.create_table(
        'scorecard_schemes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('basis', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_schemes')),
        sa.UniqueConstraint('year', 'scope', name='uq_scorecard_schemes_year_scope'))
    op.create_table(
        'scorecard_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('weight', sa.BigInteger(), nullable=False),
        sa.Column('cap', sa.BigInteger(), nullable=False),
        sa.Column('points_each', sa.BigInteger(), nullable=False),
        sa.Column('points_max', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['scheme_id'], ['scorecard_schemes.id'],
                                name=op.f('fk_scorecard_items_scheme_id_scorecard_schemes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_items')))
    with op.batch_alter_table('scorecard_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_items_scheme_id'), ['scheme_id'],
                              unique=False)
    op.create_table(
        'reward_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=12), nullable=False),
        sa.Column('permille', sa.BigInteger(), nullable=False),
        sa.Column('cap_per_project', sa.BigInteger(), nullable=True),
        sa.Column('cap_per_person', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_rules')),
        sa.UniqueConstraint('year', 'role', name='uq_reward_rules_year_role'))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referrer_registered_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('referrer_registered_on')
    op.drop_table('reward_rules')
    with op.batch_alter_table('scorecard_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_items_scheme_id'))
    op.drop_table('scorecard_items')
    op.drop_table('scorecard_schemes')
    # the quarters' and people's targets have no place in the old table
    op.execute("DELETE FROM targets WHERE quarter <> 0 OR scope <> 'unit'")
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_constraint('uq_targets_year_metric_quarter_scope', type_='unique')
        batch_op.create_unique_constraint('uq_targets_year_metric', ['year', 'metric'])
        batch_op.drop_column('scope')
        batch_op.drop_column('quarter')
