"""Alembic environment: the engine comes from crm.db (no alembic.ini needed)."""

from alembic import context

from crm.models import Base
from crm.search import is_index_object

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, compare_type=True,
                      # the search indexes (crm.search) are not models
                      include_name=lambda name, *_: not is_index_object(name))
    with context.begin_transaction():
        context.run_migrations()
