"""the 接洽记录 search finds logs by their project's and company's names from one narrow row
each (crm.log_names; PostgreSQL with pg_trgm only)

A needle that many projects hold read each matching project's wide row again and looked up
its logs; ``contact_log_names`` holds each log's two names with a GIN index, kept by triggers.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 15:30:00
"""
from collections.abc import Sequence

from alembic import op

from crm import log_names

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    log_names.install(op.get_bind())


def downgrade() -> None:
    log_names.uninstall(op.get_bind())
