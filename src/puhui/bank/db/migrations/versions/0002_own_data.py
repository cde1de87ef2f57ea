"""own data

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from puhui.bank.db.tables import Money

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("subject_id", sa.String(length=18), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=32), nullable=True),
        sa.Column("customer_since", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("subject_id"),
    )
    op.create_table(
        "deposit_months",
        sa.Column("subject_id", sa.String(length=18), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("average_balance", Money(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", "month"),
    )
    op.create_table(
        "past_applications",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=18), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("amount", Money(precision=18, scale=2), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("months_observed", sa.Integer(), nullable=True),
        sa.Column("max_days_past_due", sa.Integer(), nullable=True),
        sa.Column("default_12m", sa.Boolean(), nullable=True),
        sa.Column("defaulted", sa.Boolean(), nullable=False),
        sa.Column("default_known_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("application_id"),
    )
    with op.batch_alter_table("past_applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_past_applications_applied_on"), ["applied_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_past_applications_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("past_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_past_applications_subject_id"))
        batch_op.drop_index(batch_op.f("ix_past_applications_applied_on"))

    op.drop_table("past_applications")
    op.drop_table("deposit_months")
    op.drop_table("customers")
