"""Alembic migrations of the node's operational database, shipped in the package and run programmatically."""
