"""Metering by one row per served query and group instead of shared day counters (no row-lock contention).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metered_queries",
        sa.Column("access_id", sa.String(length=40), nullable=False),
        sa.Column("indicator_group", sa.String(length=64), nullable=False),
        sa.Column("institution_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("access_id", "indicator_group", name=op.f("pk_metered_queries")),
    )
    op.create_index("ix_metered_queries_day", "metered_queries", ["day"])
    _meter_past_accesses()
    op.drop_table("usage_counters")


def _meter_past_accesses() -> None:
    """Rebuild the rows of every query served so far from the data accesses (which keep their groups)."""
    accesses = sa.table(
        "data_accesses",
        sa.column("id", sa.String),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("institution_id", sa.String),
        sa.column("purpose", sa.String),
        sa.column("groups", sa.JSON),
        sa.column("outcome", sa.String),
    )
    metered = sa.table(
        "metered_queries",
        *(sa.column(name) for name in ("access_id", "indicator_group", "institution_id", "purpose", "day")),
    )
    connection = op.get_bind()
    served = connection.execute(
        sa.select(accesses).where(accesses.c.outcome == "success").execution_options(yield_per=10_000)
    )
    for batch in served.partitions():
        rows = [
            {
                "access_id": access.id,
                "indicator_group": group,
                "institution_id": access.institution_id,
                "purpose": access.purpose,
                "day": _china_day(access.at),
            }
            for access in batch
            for group in sorted(set(access.groups))
        ]
        if rows:
            connection.execute(metered.insert(), rows)


def _china_day(moment: dt.datetime) -> dt.date:
    utc = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
    return utc.astimezone(dt.timezone(dt.timedelta(hours=8))).date()


def downgrade() -> None:
    op.create_table(
        "usage_counters",
        sa.Column("institution_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("indicator_group", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("institution_id", "purpose", "indicator_group", "day", name=op.f("pk_usage_counters")),
    )
    op.execute(
        "INSERT INTO usage_counters (institution_id, purpose, indicator_group, day, queries) "
        "SELECT institution_id, purpose, indicator_group, day, count(*) FROM metered_queries "
        "GROUP BY institution_id, purpose, indicator_group, day"
    )
    op.drop_index("ix_metered_queries_day", table_name="metered_queries")
    op.drop_table("metered_queries")
