"""Persistence of the government node's operational state: SQLAlchemy 2 tables, repositories, the unit of work
and the Alembic migrations that create them (SQLite by default, PostgreSQL in production)."""
