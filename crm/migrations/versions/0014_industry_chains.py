"""the 招商图谱: chains, segments and target firms

- ``chains`` (产业链), ``chain_segments`` (环节: 上游 / 中游 / 下游, ordered, a sub-segment
  naming its parent) and ``target_firms`` (目标企业 per segment, with the company it matched
  and the lead project it became).
- ``projects.segment_id`` and ``companies.segment_id``: where a project fills a chain and which
  segment a local firm belongs to; coverage (缺链 / 弱链) is computed from them.

SQLite adds the two columns with ``ALTER TABLE … ADD COLUMN … REFERENCES`` (a named column
constraint): a batch rebuild of ``projects`` would copy every row and rebuild its partial
indexes for a column that is NULL everywhere.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_KEY = sa.String(length=600).with_variant(sa.String(length=600, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        'chains',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('industry_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['industry_id'], ['industries.id'],
                                name=op.f('fk_chains_industry_id_industries')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chains')),
        sa.UniqueConstraint('name', name=op.f('uq_chains_name')),
    )
    op.create_table(
        'chain_segments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chain_id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('stage', sa.String(length=8), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['chain_id'], ['chains.id'],
                                name=op.f('fk_chain_segments_chain_id_chains')),
        sa.ForeignKeyConstraint(['parent_id'], ['chain_segments.id'],
                                name=op.f('fk_chain_segments_parent_id_chain_segments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_segments')),
        sa.UniqueConstraint('chain_id', 'name', name='uq_chain_segments_chain_name'),
    )
    op.create_index('ix_chain_segments_chain', 'chain_segments', ['chain_id', 'position', 'id'])
    op.create_table(
        'target_firms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('segment_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=True),
        sa.Column('city', sa.String(length=64), nullable=False),
        sa.Column('tier', sa.String(length=16), nullable=False),
        sa.Column('why', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('company_id', sa.Integer(), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('sort_key', SORT_KEY, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['segment_id'], ['chain_segments.id'],
                                name=op.f('fk_target_firms_segment_id_chain_segments')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'],
                                name=op.f('fk_target_firms_owner_id_users')),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'],
                                name=op.f('fk_target_firms_company_id_companies')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                name=op.f('fk_target_firms_project_id_projects')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_target_firms')),
        sa.UniqueConstraint('segment_id', 'name', name='uq_target_firms_segment_name'),
    )
    op.create_index('ix_target_firms_segment_sort', 'target_firms',
                    ['segment_id', 'sort_key', 'id'])
    for column in ('owner_id', 'company_id', 'project_id'):
        op.create_index(f'ix_target_firms_{column}', 'target_firms', [column])
    for table in ('projects', 'companies'):
        fk = f'fk_{table}_segment_id_chain_segments'
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} ADD COLUMN segment_id INTEGER '
                       f'CONSTRAINT {fk} REFERENCES chain_segments (id)')
        else:
            op.add_column(table, sa.Column('segment_id', sa.Integer(), nullable=True))
            op.create_foreign_key(fk, table, 'chain_segments', ['segment_id'], ['id'])
        op.create_index(f'ix_{table}_segment_id', table, ['segment_id'])


def downgrade() -> None:
    for table in ('companies', 'projects'):
        op.drop_index(f'ix_{table}_segment_id', table_name=table)
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite (3.35+) drops a column that no index or constraint of another column uses
            op.execute(f'ALTER TABLE {table} DROP COLUMN segment_id')
        else:
            op.drop_constraint(f'fk_{table}_segment_id_chain_segments', table, type_='foreignkey')
            op.drop_column(table, 'segment_id')
    for column in ('project_id', 'company_id', 'owner_id'):
        op.drop_index(f'ix_target_firms_{column}', table_name='target_firms')
    op.drop_index('ix_target_firms_segment_sort', table_name='target_firms')
    op.drop_table('target_firms')
    op.drop_index('ix_chain_segments_chain', table_name='chain_segments')
    op.drop_table('chain_segments')
    op.drop_table('chains')
