"""Alembic environment: runs on the connection `assistant.platform.migrations.upgrade` passes in."""

from __future__ import annotations

from alembic import context

import assistant.search.source_state  # registers the sources tables on the metadata
import assistant.staff.records  # noqa: F401  (registers the staff tables on the metadata)
from assistant.platform.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
