"""The bank node's tables (SQLAlchemy 2). Rows here are storage, not the domain: the repositories translate.

Money is exact: ``Numeric(18, 2)`` on PostgreSQL, text on SQLite (which has no decimal type and would go
through a float).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Dialect, Index, Integer, Numeric, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine


class Money(TypeDecorator[Decimal]):
    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


class Rate(Money):
    """An annual rate or a probability: exact, more places than money."""

    impl = Numeric(12, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(12, 8, asdecimal=True))


UtcDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class ApplicationRow(Base):
    __tablename__ = "applications"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(18), index=True)
    product: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    term_months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(32))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # received | waiting | decided
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consent_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class DecisionRow(Base):
    """The record of a decision: everything needed to explain and replay it, kept after the indicators go."""

    __tablename__ = "decisions"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    limit_amount: Mapped[Decimal | None] = mapped_column(Money)
    annual_rate: Mapped[Decimal | None] = mapped_column(Rate)
    grade: Mapped[str | None] = mapped_column(String(4))
    pd: Mapped[Decimal | None] = mapped_column(Rate)
    points: Mapped[Decimal | None] = mapped_column(Money)
    ruleset: Mapped[str] = mapped_column(String(64))
    ruleset_digest: Mapped[str] = mapped_column(String(32))
    model_version: Mapped[str | None] = mapped_column(String(64))
    indicator_versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    indicators_as_of: Mapped[dt.date | None] = mapped_column(Date)
    findings: Mapped[list[Any]] = mapped_column(JSON)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    offer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shadow: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    latency_ms: Mapped[int | None] = mapped_column(Integer)


class ReceivedIndicatorsRow(Base):
    """What the government node released for one application, kept only for the consent's data life."""

    __tablename__ = "received_indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    subject_id: Mapped[str] = mapped_column(String(18), index=True)
    consent_id: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    keep_until: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_received_indicators_keep_until", "keep_until"),)


class ModelVersionRow(Base):
    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # registered | champion | challenger | retired
    artifact: Mapped[str] = mapped_column(String(512))  # file name under PUHUI_HOME/bank/models
    features: Mapped[list[Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    trained_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CustomerRow(Base):
    """The bank's own customers (KYC done by the bank itself: its data, never sent to the government node)."""

    __tablename__ = "customers"

    subject_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(32))
    customer_since: Mapped[dt.date | None] = mapped_column(Date)


class DepositMonthRow(Base):
    """A customer's average deposit balance in one month."""

    __tablename__ = "deposit_months"

    subject_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # the month's first day
    average_balance: Mapped[Decimal] = mapped_column(Money)


class PastApplicationRow(Base):
    """Credit applications the bank decided before this platform, with what became of the loans it made."""

    __tablename__ = "past_applications"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(18), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    term_months: Mapped[int] = mapped_column(Integer)
    applied_on: Mapped[dt.date] = mapped_column(Date, index=True)
    approved: Mapped[bool] = mapped_column(Boolean)
    months_observed: Mapped[int | None] = mapped_column(Integer)  # repayment months seen (approved loans)
    max_days_past_due: Mapped[int | None] = mapped_column(Integer)  # the worst arrears seen
    default_12m: Mapped[bool | None] = mapped_column(Boolean)  # None: declined, or not yet 12 months old
    defaulted: Mapped[bool] = mapped_column(Boolean)  # reached default at any time observed
    default_known_on: Mapped[dt.date | None] = mapped_column(Date)  # by when the bank surely knew of it


__all__ = [
    "ApplicationRow",
    "Base",
    "CustomerRow",
    "DecisionRow",
    "DepositMonthRow",
    "ModelVersionRow",
    "Money",
    "PastApplicationRow",
    "Rate",
    "ReceivedIndicatorsRow",
]
