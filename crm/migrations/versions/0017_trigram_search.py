"""search through the engine's trigram index (FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL)

- SQLite: FTS5 tables with the trigram tokenizer over projects (search_text, name), companies
  (name, uscc, initials, former_names) and contact logs (content), external content, kept
  current by triggers; filled here for existing rows.
- PostgreSQL: pg_trgm GIN indexes on the same columns; where the server refuses
  CREATE EXTENSION pg_trgm the indexes are left out with a warning (searches scan, same
  results). crm.search has the definitions.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 07:30:00
"""
from collections.abc import Sequence

from alembic import op

from crm import search

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    search.install(op.get_bind())


def downgrade() -> None:
    search.uninstall(op.get_bind())
