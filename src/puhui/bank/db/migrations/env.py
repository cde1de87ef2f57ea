"""Alembic environment: runs the bank's migrations on the connection ``migrate()`` hands over."""

from __future__ import annotations

from alembic import context

from puhui.bank.db.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only ``migrate()`` runs these migrations
    raise RuntimeError("run the bank's migrations through puhui.bank.db.migrate()")
# Its own version table: the bank may share a database server (never data) with other services.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    version_table="bank_alembic_version",
)
with context.begin_transaction():
    context.run_migrations()
