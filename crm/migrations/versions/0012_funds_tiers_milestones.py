"""funds by origin, investor tiers, lifecycle milestones and agreement promises

- ``fundings``: origin (境外 / 省外 / 省内市外 / 市内 / 区内), kind (固定资产投资 / 流动资金 / 其他),
  currency with the original amount and the amount in 万美元, the evidence file; receipts
  recorded before stay with origin and kind empty (未填), in CNY.
- ``tiers`` (seeded with the issue's list) and ``company_tiers``: investor tier tags.
- ``projects``: lead kind (谋划 | 储备), 落地, 竣工, 达产, 入库 (with evidence) and 入规 dates.
- ``agreements``: agreed start / 投产 / 达产 dates, 投资强度 and 亩均税收 (万元/亩).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLANNED = sa.text("planned_start_on IS NOT NULL AND deleted_at IS NULL")
_PROMISED = sa.text("agreed_start_on IS NOT NULL OR agreed_producing_on IS NOT NULL OR "
                    "agreed_full_production_on IS NOT NULL OR investment_intensity IS NOT NULL")
TIERS = ("世界500强", "中国500强", "民营500强", "服务业500强", "新经济500强", "上市公司", "央企",
         "外资", "专精特新", "独角兽")


def upgrade() -> None:
    tiers = op.create_table(
        'tiers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tiers')),
        sa.UniqueConstraint('name', name=op.f('uq_tiers_name')),
    )
    op.bulk_insert(tiers, [{"id": i + 1, "name": n, "position": i + 1, "active": True}
                           for i, n in enumerate(TIERS)])
    if op.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequence past them
        op.execute("SELECT setval(pg_get_serial_sequence('tiers', 'id'), "
                   "(SELECT MAX(id) FROM tiers))")
    op.create_table(
        'company_tiers',
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('tier_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE',
                                name=op.f('fk_company_tiers_company_id_companies')),
        sa.ForeignKeyConstraint(['tier_id'], ['tiers.id'],
                                name=op.f('fk_company_tiers_tier_id_tiers')),
        sa.PrimaryKeyConstraint('company_id', 'tier_id', name=op.f('pk_company_tiers')),
    )
    op.create_index(op.f('ix_company_tiers_tier_id'), 'company_tiers', ['tier_id'])
    with op.batch_alter_table('fundings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=False,
                                      server_default='CNY'))
        batch_op.add_column(sa.Column('original_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('usd_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('attachment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_fundings_attachment_id_attachments'),
                                    'attachments', ['attachment_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index('ix_fundings_received', ['received_on', 'project_id'])
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_kind', sa.String(length=8), nullable=True))
        for name in ('landed_on', 'completed_on', 'full_production_on', 'in_database_on'):
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('in_database_evidence', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('above_scale_on', sa.Date(), nullable=True))
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        for name in ('agreed_start_on', 'agreed_producing_on', 'agreed_full_production_on'):
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('investment_intensity', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('tax_per_mu', sa.BigInteger(), nullable=True))
    # the few agreements that promise something, and the planned starts (未履约清单)
    op.create_index('ix_agreements_promised', 'agreements', ['project_id'],
                    sqlite_where=_PROMISED, postgresql_where=_PROMISED)
    op.create_index('ix_projects_planned_start_live', 'projects', ['planned_start_on', 'id'],
                    sqlite_where=_PLANNED, postgresql_where=_PLANNED)


def downgrade() -> None:
    op.drop_index('ix_projects_planned_start_live', table_name='projects')
    op.drop_index('ix_agreements_promised', table_name='agreements')
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        for name in ('tax_per_mu', 'investment_intensity', 'agreed_full_production_on',
                     'agreed_producing_on', 'agreed_start_on'):
            batch_op.drop_column(name)
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for name in ('above_scale_on', 'in_database_evidence', 'in_database_on',
                     'full_production_on', 'completed_on', 'landed_on', 'lead_kind'):
            batch_op.drop_column(name)
    with op.batch_alter_table('fundings', schema=None) as batch_op:
        batch_op.drop_index('ix_fundings_received')
        batch_op.drop_constraint(op.f('fk_fundings_attachment_id_attachments'),
                                 type_='foreignkey')
        for name in ('attachment_id', 'usd_amount', 'original_amount', 'currency', 'kind',
                     'origin'):
            batch_op.drop_column(name)
    op.drop_index(op.f('ix_company_tiers_tier_id'), table_name='company_tiers')
    op.drop_table('company_tiers')
    op.drop_table('tiers')
