"""Alembic environment: runs on the connection ``puhui.gov.db.migrate`` hands over (never reads alembic.ini)."""

from __future__ import annotations

from alembic import context

from puhui.gov.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
