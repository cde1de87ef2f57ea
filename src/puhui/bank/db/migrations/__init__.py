"""Alembic migrations of the bank node's database."""
