"""The tables of the node's operational database (SQLAlchemy Core; the domain models stay plain dataclasses).

The migrations in ``migrations/versions`` create exactly these; a test compares the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) and PostgreSQL alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


ID = sa.String(40)
PSEUDONYM = sa.String(40)

institutions = sa.Table(
    "institutions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("credit_code", sa.String(18), nullable=False, unique=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("purposes", sa.JSON, nullable=False),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("admitted_at", UtcDateTime, nullable=False),
    sa.Column("status_changed_at", UtcDateTime, nullable=False),
)

request_nonces = sa.Table(
    "request_nonces",
    metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("nonce", sa.String(64), primary_key=True),
    sa.Column("seen_at", UtcDateTime, nullable=False, index=True),
)

identity_challenges = sa.Table(
    "identity_challenges",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("subject_pseudonym", PSEUDONYM, nullable=False),
    sa.Column("masked_subject", sa.String(32), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("used", sa.Boolean, nullable=False, server_default=sa.false()),
)

applicant_sessions = sa.Table(
    "applicant_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("subject_pseudonym", PSEUDONYM, nullable=False),
    sa.Column("masked_subject", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("institution_id", ID, sa.ForeignKey("institutions.id"), nullable=False, index=True),
    sa.Column("subject_pseudonym", PSEUDONYM, nullable=False, index=True),
    sa.Column("masked_subject", sa.String(32), nullable=False),
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("lookback_months", sa.Integer, nullable=False),
    sa.Column("fetch_type", sa.String(16), nullable=False),
    sa.Column("frequency_count", sa.Integer, nullable=False),
    sa.Column("frequency_unit", sa.String(16), nullable=False),
    sa.Column("data_life_days", sa.Integer, nullable=False),
    sa.Column("validity_days", sa.Integer, nullable=False),
    sa.Column("loan_maturity", sa.Date, nullable=True),
    sa.Column("letter_version", sa.String(16), nullable=False),
    sa.Column("letter_language", sa.String(8), nullable=False),
    sa.Column("letter_hash", sa.String(64), nullable=False),
    sa.Column("letter_text", sa.Text, nullable=False),
    sa.Column("required_clauses", sa.JSON, nullable=False),
    sa.Column("accepted_clauses", sa.JSON, nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("request_expires_at", UtcDateTime, nullable=False),
    sa.Column("status_changed_at", UtcDateTime, nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("artefact", sa.JSON, nullable=True),
    sa.Column("signature", sa.Text, nullable=True),
    sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("period_key", sa.String(16), nullable=True),
    sa.Column("period_uses", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_consents_status_expires_at", "status", "expires_at"),
)

data_accesses = sa.Table(
    "data_accesses",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("institution_id", ID, nullable=False),
    sa.Column("consent_id", ID, nullable=True),
    sa.Column("subject_pseudonym", PSEUDONYM, nullable=False, index=True),
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
)

# One row per served query and indicator group, aggregated only when a statement is made: counting into shared
# counter rows would make every query of the day wait for the same row lock.
metered_queries = sa.Table(
    "metered_queries",
    metadata,
    sa.Column("access_id", ID, primary_key=True),
    sa.Column("indicator_group", sa.String(64), primary_key=True),
    sa.Column("institution_id", ID, nullable=False),
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("day", sa.Date, nullable=False, index=True),
)

# Answers to POSTs retried with an Idempotency-Key (``gov/idempotency.py``): per institution and key, kept a day.
idempotent_requests = sa.Table(
    "idempotent_requests",
    metadata,
    sa.Column("institution_id", ID, primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(400), nullable=False),
    sa.Column("answer", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, index=True),
)

listings = sa.Table(
    "listings",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("subject_pseudonym", PSEUDONYM, nullable=False, index=True),
    sa.Column("masked_subject", sa.String(32), nullable=False),
    sa.Column("subject_kind", sa.String(16), nullable=False),
    sa.Column("institution_id", ID, sa.ForeignKey("institutions.id"), nullable=False),
    sa.Column("loan_reference", sa.String(64), nullable=False),
    sa.Column("amount_band", sa.String(16), nullable=False),
    sa.Column("default_date", sa.Date, nullable=False),
    sa.Column("notified_on", sa.Date, nullable=False),
    sa.Column("notice_evidence", sa.Text, nullable=False),
    sa.Column("listed_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_changed_at", UtcDateTime, nullable=False),
    sa.Column("objection", sa.Text, nullable=True),
    sa.Column("objected_on", sa.Date, nullable=True),
    sa.Column("answer_due", sa.Date, nullable=True),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("removed_on", sa.Date, nullable=True),
    sa.Column("removal_reason", sa.String(16), nullable=True),
    sa.UniqueConstraint("institution_id", "loan_reference"),
)

audit_records = sa.Table(
    "audit_records",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("object", sa.String(128), nullable=False),
    sa.Column("consent_id", ID, nullable=True, index=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# One row: the last record appended. Appending locks it, which orders the chain across workers.
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

__all__ = [
    "UtcDateTime",
    "applicant_sessions",
    "audit_head",
    "audit_records",
    "consents",
    "data_accesses",
    "idempotent_requests",
    "identity_challenges",
    "institutions",
    "listings",
    "metadata",
    "metered_queries",
    "request_nonces",
]
