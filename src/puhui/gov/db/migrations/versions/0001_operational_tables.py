"""The node's operational tables, the audit head, and the triggers that keep audit records append-only.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 12:53:04.794062
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

GENESIS_HASH = "0" * 64
APPEND_ONLY_MESSAGE = "audit records are append-only"

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applicant_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("subject_pseudonym", sa.String(length=40), nullable=False),
        sa.Column("masked_subject", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_applicant_sessions")),
    )
    op.create_index("ix_applicant_sessions_expires_at", "applicant_sessions", ["expires_at"])

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("object", sa.String(length=128), nullable=False),
        sa.Column("consent_id", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_records")),
    )
    op.create_index("ix_audit_records_consent_id", "audit_records", ["consent_id"])

    op.create_table(
        "data_accesses",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("institution_id", sa.String(length=40), nullable=False),
        sa.Column("consent_id", sa.String(length=40), nullable=True),
        sa.Column("subject_pseudonym", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_accesses")),
    )
    op.create_index("ix_data_accesses_subject_pseudonym", "data_accesses", ["subject_pseudonym"])

    op.create_table(
        "identity_challenges",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("subject_pseudonym", sa.String(length=40), nullable=False),
        sa.Column("masked_subject", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("used", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_challenges")),
    )
    op.create_table(
        "institutions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_institutions_credit_code")),
    )
    op.create_table(
        "request_nonces",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name=op.f("pk_request_nonces")),
    )
    op.create_index("ix_request_nonces_seen_at", "request_nonces", ["seen_at"])

    op.create_table(
        "usage_counters",
        sa.Column("institution_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("indicator_group", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("institution_id", "purpose", "indicator_group", "day", name=op.f("pk_usage_counters")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("institution_id", sa.String(length=40), nullable=False),
        sa.Column("subject_pseudonym", sa.String(length=40), nullable=False),
        sa.Column("masked_subject", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("lookback_months", sa.Integer(), nullable=False),
        sa.Column("fetch_type", sa.String(length=16), nullable=False),
        sa.Column("frequency_count", sa.Integer(), nullable=False),
        sa.Column("frequency_unit", sa.String(length=16), nullable=False),
        sa.Column("data_life_days", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("loan_maturity", sa.Date(), nullable=True),
        sa.Column("letter_version", sa.String(length=16), nullable=False),
        sa.Column("letter_language", sa.String(length=8), nullable=False),
        sa.Column("letter_hash", sa.String(length=64), nullable=False),
        sa.Column("letter_text", sa.Text(), nullable=False),
        sa.Column("required_clauses", sa.JSON(), nullable=False),
        sa.Column("accepted_clauses", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("artefact", sa.JSON(), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=True),
        sa.Column("period_uses", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"], name=op.f("fk_consents_institution_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index("ix_consents_institution_id", "consents", ["institution_id"])
    op.create_index("ix_consents_status_expires_at", "consents", ["status", "expires_at"])
    op.create_index("ix_consents_subject_pseudonym", "consents", ["subject_pseudonym"])

    op.create_table(
        "listings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("subject_pseudonym", sa.String(length=40), nullable=False),
        sa.Column("masked_subject", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("institution_id", sa.String(length=40), nullable=False),
        sa.Column("loan_reference", sa.String(length=64), nullable=False),
        sa.Column("amount_band", sa.String(length=16), nullable=False),
        sa.Column("default_date", sa.Date(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("notice_evidence", sa.Text(), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("objection", sa.Text(), nullable=True),
        sa.Column("objected_on", sa.Date(), nullable=True),
        sa.Column("answer_due", sa.Date(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"], name=op.f("fk_listings_institution_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("institution_id", "loan_reference", name=op.f("uq_listings_institution_id_loan_reference")),
    )
    op.create_index("ix_listings_subject_pseudonym", "listings", ["subject_pseudonym"])
    op.execute(
        sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis)").bindparams(genesis=GENESIS_HASH)
    )
    _protect_audit_records()


def _protect_audit_records() -> None:
    """Refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit records for every role that cannot drop
    triggers, the service's own included; only the table owner could switch them off, and ``audit verify`` would
    still find what was changed."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION puhui_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
            "FOR EACH ROW EXECUTE FUNCTION puhui_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
            "FOR EACH STATEMENT EXECUTE FUNCTION puhui_audit_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_records_no_{action.lower()} BEFORE {action} ON audit_records "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records")
        op.execute("DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS puhui_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_delete")
    op.drop_index("ix_listings_subject_pseudonym", table_name="listings")

    op.drop_table("listings")
    op.drop_index("ix_consents_subject_pseudonym", table_name="consents")
    op.drop_index("ix_consents_status_expires_at", table_name="consents")
    op.drop_index("ix_consents_institution_id", table_name="consents")

    op.drop_table("consents")
    op.drop_table("usage_counters")
    op.drop_index("ix_request_nonces_seen_at", table_name="request_nonces")

    op.drop_table("request_nonces")
    op.drop_table("institutions")
    op.drop_table("identity_challenges")
    op.drop_index("ix_data_accesses_subject_pseudonym", table_name="data_accesses")

    op.drop_table("data_accesses")
    op.drop_index("ix_audit_records_consent_id", table_name="audit_records")

    op.drop_table("audit_records")
    op.drop_table("audit_head")
    op.drop_index("ix_applicant_sessions_expires_at", table_name="applicant_sessions")

    op.drop_table("applicant_sessions")
