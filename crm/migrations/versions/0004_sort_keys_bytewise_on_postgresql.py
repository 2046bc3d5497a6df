"""sort keys compare byte by byte on PostgreSQL, whatever the server's locale

A server created with a locale such as en_US.UTF-8 or zh_CN.UTF-8 compares text ignoring
spaces at the first level, which reorders pinyin keys ("hai3 " / "hang2 "); "C" keeps the
pinyin order identical to SQLite's and to Excel's.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = (('users', 255), ('industries', 255), ('companies', 600), ('ambassadors', 255),
        ('projects', 600))


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, length in KEYS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN sort_key TYPE varchar({length}) COLLATE "C"')
        op.execute(f'ANALYZE {table}')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, length in KEYS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN sort_key TYPE varchar({length}) '
                   'COLLATE "default"')
