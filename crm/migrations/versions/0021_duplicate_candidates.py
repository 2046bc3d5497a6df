"""duplicate candidates: the 重复企业 list's pairs kept in tables, brought up to date from the
companies that changed (crm.services.duplicate_index)

- ``duplicate_keys``: each live company's key, core and core backwards, indexed in both
  orders the list compares neighbours in.
- ``duplicate_candidates``: the pairs with their verdict, indexed in the list's order.
- ``duplicate_dirty``: companies written since, by triggers on companies.
The tables are filled by the first read of the list.

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-29 13:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.models.base import SortKey
from crm.services import duplicate_index

revision: str = '0021'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'duplicate_keys',
        sa.Column('company_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('name_key', SortKey(200), nullable=False),
        sa.Column('core', SortKey(200), nullable=False),
        sa.Column('core_back', SortKey(200), nullable=False),
        sa.Column('uscc', sa.String(18), nullable=True),
        sa.PrimaryKeyConstraint('company_id', name=op.f('pk_duplicate_keys')),
    )
    op.create_index('ix_duplicate_keys_forward', 'duplicate_keys',
                    ['core', 'name_key', 'company_id'])
    op.create_index('ix_duplicate_keys_backward', 'duplicate_keys',
                    ['core_back', 'name_key', 'company_id'])
    op.create_table(
        'duplicate_candidates',
        sa.Column('company_a_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('company_b_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('forward', sa.Boolean(), nullable=False),
        sa.Column('backward', sa.Boolean(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(120), nullable=False),
        sa.Column('sure', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('company_a_id', 'company_b_id',
                                name=op.f('pk_duplicate_candidates')),
    )
    op.create_index(op.f('ix_duplicate_candidates_company_b_id'), 'duplicate_candidates',
                    ['company_b_id'])
    op.create_index('ix_duplicate_candidates_order', 'duplicate_candidates',
                    [sa.text('sure DESC'), sa.text('score DESC'), 'company_a_id',
                     'company_b_id'])
    op.create_table(
        'duplicate_dirty',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_dirty')),
    )
    duplicate_index.install(op.get_bind())


def downgrade() -> None:
    duplicate_index.uninstall(op.get_bind())
    op.execute(sa.text(f"DELETE FROM settings WHERE key = '{duplicate_index.BUILT}'"))
    op.drop_table('duplicate_dirty')
    op.drop_table('duplicate_candidates')
    op.drop_table('duplicate_keys')
