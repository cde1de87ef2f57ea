"""The decision domain: an application, a risk score, reasons and the decision, as plain values."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from puhui.bank.pricing.offer import Offer
from puhui.bank.rules.evaluate import Finding
from puhui.core.i18n import Text
from puhui.core.ids import SubjectKind
from puhui.core.schedule import RepaymentMethod


class Outcome(enum.StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"  # a person decides, or the application waits for what is missing (the government node)


@dataclass(frozen=True, slots=True)
class Application:
    application_id: str
    subject_kind: SubjectKind
    subject_id: str  # the normalized resident ID or credit code; the bank's own customer key, never logged
    product: str
    amount: Decimal
    term_months: int
    applied_on: dt.date
    method: RepaymentMethod | None = None  # None: the product's first method


@dataclass(frozen=True, slots=True)
class RiskScore:
    """What a model says about one application: the probability of default and why."""

    model_version: str
    pd: Decimal
    points: Decimal | None = None  # scorecard points, when the model is a scorecard
    # feature -> contribution to the risk (positive: pushes towards default), in the model's own units
    contributions: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: Text
    source: str  # "rule" | "policy" | "model"

    def as_record(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.text.zh, "en": self.text.en, "source": self.source}


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    ruleset: str  # id@version
    model_version: str | None
    grade: str | None
    pd: Decimal | None
    points: Decimal | None
    requested_amount: Decimal
    limit: Decimal | None
    offer: Offer | None
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]

    @property
    def annual_rate(self) -> Decimal | None:
        return self.offer.annual_rate if self.offer else None

    def as_record(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "ruleset": self.ruleset,
            "model_version": self.model_version,
            "grade": self.grade,
            "pd": str(self.pd) if self.pd is not None else None,
            "points": str(self.points) if self.points is not None else None,
            "requested_amount": str(self.requested_amount),
            "limit": str(self.limit) if self.limit is not None else None,
            "annual_rate": str(self.annual_rate) if self.annual_rate is not None else None,
            "offer": self.offer.as_record() if self.offer else None,
            "reasons": [r.as_record() for r in self.reasons],
            "findings": [f.as_record() for f in self.findings],
        }


class ApplicationStatus(enum.StrEnum):
    RECEIVED = "received"
    AWAITING_CONSENT = "awaiting_consent"  # the applicant is to verify their identity and sign at the gov node
    WAITING = "waiting"  # the government node did not answer; the application is tried again, never approved blind
    DECIDED = "decided"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A stored decision: what was decided and everything needed to explain and replay it."""

    application_id: str
    outcome: Outcome
    limit: Decimal | None
    annual_rate: Decimal | None
    grade: str | None
    pd: Decimal | None
    points: Decimal | None
    ruleset: str
    ruleset_digest: str
    model_version: str | None
    indicator_versions: Mapping[str, Any]
    indicators_as_of: dt.date | None
    findings: list[dict[str, Any]]
    reasons: list[dict[str, str]]
    offer: dict[str, Any] | None
    shadow: dict[str, Any] | None
    decided_at: dt.datetime
    latency_ms: int | None = None

    def as_public(self) -> dict[str, Any]:
        """The JSON form the API returns."""
        return {
            "application_id": self.application_id,
            "outcome": self.outcome.value,
            "limit": str(self.limit) if self.limit is not None else None,
            "annual_rate": str(self.annual_rate) if self.annual_rate is not None else None,
            "grade": self.grade,
            "pd": str(self.pd) if self.pd is not None else None,
            "points": str(self.points) if self.points is not None else None,
            "reasons": self.reasons,
            "offer": self.offer,
            "ruleset": self.ruleset,
            "ruleset_digest": self.ruleset_digest,
            "model_version": self.model_version,
            "indicator_versions": dict(self.indicator_versions),
            "indicators_as_of": self.indicators_as_of.isoformat() if self.indicators_as_of else None,
            "findings": self.findings,
            "shadow": self.shadow,
            "decided_at": self.decided_at.isoformat(),
            "latency_ms": self.latency_ms,
        }


__all__ = ["Application", "ApplicationStatus", "Decision", "DecisionRecord", "Outcome", "Reason", "RiskScore"]
