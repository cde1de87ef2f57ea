"""Fresh databases for service tests: a SQLite file, or a PostgreSQL schema of its own on 127.0.0.1:5432.

Each call gets a new schema, so tests never see each other's rows, also across xdist workers. PostgreSQL tests
skip when the server does not answer.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("PUHUI_TEST_POSTGRES_URL", "postgresql+psycopg://{user}@127.0.0.1:5432/test")
DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@functools.cache
def postgres_server_url() -> str | None:
    """The URL of the test database with a user that can log in, or None."""
    for user in ("postgres", "root"):
        url = POSTGRES_URL.format(user=user)
        engine = sa.create_engine(url, connect_args={"connect_timeout": 2})
        try:
            with engine.connect():
                return url
        except sa.exc.OperationalError:
            continue
        finally:
            engine.dispose()
    return None


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A URL to an empty database of ``kind`` (``sqlite`` or ``postgresql``), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'state.db'}"
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    schema = f"test_{secrets.token_hex(6)}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


__all__ = ["DATABASE_KINDS", "fresh_database", "postgres_server_url"]
