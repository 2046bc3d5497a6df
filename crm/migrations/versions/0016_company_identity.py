"""one company, one record: former names, parents and local project companies, dismissed duplicate pairs

- ``companies.name_key``: the name as the duplicate check compares it (brackets, width, spaces,
  a city in brackets or in front, the 有限公司 forms: crm.companies_identity.name_key),
  indexed with ``deleted_at`` so that every live company's key is read from the index alone
  (the fuzzy check reads them all) and one key is one lookup; filled here for existing rows.
- ``companies.former_names``: 曾用名, the names a company had before a merge ("；"-separated),
  searched like its name.
- ``companies.parent_id`` (投资方) and ``companies.licence_on`` (营业执照取得日期): a local
  project company (项目公司) and the investor it belongs to.
- ``projects.local_company_id``: the project's local project company; its investor stays
  ``company_id``.
- ``company_pair_dismissals``: pairs a manager said are not duplicates (remembered).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, referred table) of the two foreign keys added to existing tables
_REFS = (('companies', 'parent_id', 'companies'), ('projects', 'local_company_id', 'companies'))


def upgrade() -> None:
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('former_names', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('licence_on', sa.Date(), nullable=True))
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column, referred in _REFS:
        fk = f'fk_{table}_{column}_{referred}'
        if sqlite:  # ADD COLUMN … REFERENCES: no copy of the table (and of its indexes)
            op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER '
                       f'CONSTRAINT {fk} REFERENCES {referred} (id)')
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(fk, table, referred, [column], ['id'])
        op.create_index(f'ix_{table}_{column}', table, [column])
    _fill_name_keys()
    op.create_index('ix_companies_live_name_key', 'companies',
                    ['deleted_at', 'name_key', 'id'])
    op.create_table(
        'company_pair_dismissals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_a_id', sa.Integer(), nullable=False),
        sa.Column('company_b_id', sa.Integer(), nullable=False),
        sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
        sa.Column('dismissed_by_name', sa.String(length=64), nullable=False),
        sa.Column('dismissed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['company_a_id'], ['companies.id'], ondelete='CASCADE',
                                name=op.f('fk_company_pair_dismissals_company_a_id_companies')),
        sa.ForeignKeyConstraint(['company_b_id'], ['companies.id'], ondelete='CASCADE',
                                name=op.f('fk_company_pair_dismissals_company_b_id_companies')),
        sa.ForeignKeyConstraint(['dismissed_by_id'], ['users.id'],
                                name=op.f('fk_company_pair_dismissals_dismissed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_company_pair_dismissals')),
        sa.UniqueConstraint('company_a_id', 'company_b_id',
                            name='uq_company_pair_dismissals_pair'),
    )
    op.create_index('ix_company_pair_dismissals_company_b_id', 'company_pair_dismissals',
                    ['company_b_id'])


def _fill_name_keys() -> None:
    from crm.companies_identity import name_key

    bind = op.get_bind()
    rows = bind.execute(sa.text('SELECT id, name FROM companies')).all()
    if rows:
        bind.execute(sa.text('UPDATE companies SET name_key = :key WHERE id = :id'),
                     [{'id': ident, 'key': name_key(name)} for ident, name in rows])


def downgrade() -> None:
    op.drop_index('ix_company_pair_dismissals_company_b_id',
                  table_name='company_pair_dismissals')
    op.drop_table('company_pair_dismissals')
    op.drop_index('ix_companies_live_name_key', table_name='companies')
    for table, column, referred in reversed(_REFS):
        op.drop_index(f'ix_{table}_{column}', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            if op.get_bind().dialect.name != 'sqlite':
                batch_op.drop_constraint(f'fk_{table}_{column}_{referred}', type_='foreignkey')
            batch_op.drop_column(column)
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_column('licence_on')
        batch_op.drop_column('former_names')
        batch_op.drop_column('name_key')
