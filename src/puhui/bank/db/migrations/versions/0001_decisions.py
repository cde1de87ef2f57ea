"""applications, decisions, received indicators, model versions

Revision ID: 0001
Revises: -
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from puhui.bank.db.tables import Money, Rate

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=18), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("amount", Money(precision=18, scale=2), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id"),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("limit_amount", Money(precision=18, scale=2), nullable=True),
        sa.Column("annual_rate", Rate(precision=12, scale=8), nullable=True),
        sa.Column("grade", sa.String(length=4), nullable=True),
        sa.Column("pd", Rate(precision=12, scale=8), nullable=True),
        sa.Column("points", Money(precision=18, scale=2), nullable=True),
        sa.Column("ruleset", sa.String(length=64), nullable=False),
        sa.Column("ruleset_digest", sa.String(length=32), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("indicator_versions", sa.JSON(), nullable=False),
        sa.Column("indicators_as_of", sa.Date(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("offer", sa.JSON(), nullable=True),
        sa.Column("shadow", sa.JSON(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("application_id"),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_decided_at"), ["decided_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_outcome"), ["outcome"], unique=False)

    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("artifact", sa.String(length=512), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "received_indicators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=18), nullable=False),
        sa.Column("consent_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("keep_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("received_indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_indicators_application_id"), ["application_id"], unique=False)
        batch_op.create_index("ix_received_indicators_keep_until", ["keep_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_received_indicators_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("received_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_indicators_subject_id"))
        batch_op.drop_index("ix_received_indicators_keep_until")
        batch_op.drop_index(batch_op.f("ix_received_indicators_application_id"))

    op.drop_table("received_indicators")
    op.drop_table("model_versions")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_outcome"))
        batch_op.drop_index(batch_op.f("ix_decisions_decided_at"))

    op.drop_table("decisions")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_subject_id"))

    op.drop_table("applications")
