"""Bank store fixtures: a migrated database on SQLite and, when it answers, on PostgreSQL (its own schema)."""

import secrets

import pytest
from sqlalchemy import create_engine, text

from puhui.bank.db import UnitOfWork, make_engine, migrate, session_factory

POSTGRES_URL = "postgresql+psycopg://{user}@127.0.0.1:5432/test"


def _postgres_user() -> str | None:
    for user in ("postgres", "root"):
        try:
            engine = create_engine(POSTGRES_URL.format(user=user), connect_args={"connect_timeout": 2})
            with engine.connect():
                pass
            engine.dispose()
            return user
        except Exception:
            continue
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bank.db'}"
        return
    user = _postgres_user()
    if user is None:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    schema = f"bank_test_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL.format(user=user))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield POSTGRES_URL.format(user=user) + f"?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def uow(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield UnitOfWork(session_factory(engine))
    engine.dispose()
