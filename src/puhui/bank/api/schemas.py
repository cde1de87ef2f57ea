"""Request and response bodies of the bank's API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from puhui.bank.decision.model import Application
from puhui.core.ids import parse_subject_id
from puhui.core.schedule import RepaymentMethod


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", description="the channel's id; idempotent"
    )
    subject_id: str = Field(min_length=15, max_length=24, description="resident ID or unified social credit code")
    product: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=64)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2, description="yuan")
    term_months: int = Field(ge=1, le=360)
    method: RepaymentMethod | None = None
    applied_on: dt.date | None = Field(default=None, description="default: today")

    def to_domain(self, today: dt.date) -> Application:
        subject = parse_subject_id(self.subject_id)  # InvalidIdentifier → 422 with the reason
        return Application(
            application_id=self.application_id,
            subject_kind=subject.kind,
            subject_id=subject.value,
            product=self.product,
            amount=self.amount.quantize(Decimal("0.01")),
            term_months=self.term_months,
            applied_on=self.applied_on or today,
            method=self.method,
        )


class ApplicationPublic(BaseModel):
    application_id: str
    status: str
    consent_id: str | None
    reasons: list[dict[str, str]]
    decision: dict[str, Any] | None


__all__ = ["ApplicationCreate", "ApplicationPublic"]
