"""The government node's service on each database: every test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.support.databases import DATABASE_KINDS, fresh_database
from tests.support.gov_service import running_node


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def gov(database_url, tmp_path):
    with running_node(tmp_path, database_url) as harness:
        yield harness
