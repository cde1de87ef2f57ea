"""The facts of one application: what rules read and models score, the same way when deciding and training.

Names are dotted: ``indicator.<name>`` from the government node, ``bank.<name>`` from the bank's own data,
``applicant.<name>`` from the application and its ID, ``application.<name>`` from what was asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from puhui.bank.decision.model import Application
from puhui.core.ids import ResidentId, SubjectKind


def build_facts(
    application: Application, indicators: Mapping[str, Any], own: Mapping[str, Any], segment: str
) -> dict[str, Any]:
    facts: dict[str, Any] = {f"indicator.{name}": value for name, value in indicators.items()}
    facts.update({key if key.startswith("bank.") else f"bank.{key}": value for key, value in own.items()})
    facts["applicant.kind"] = application.subject_kind.value
    facts["applicant.segment"] = segment
    if application.subject_kind is SubjectKind.PERSON:  # age only: sex and birthplace are no grounds for credit
        facts["applicant.age"] = ResidentId(application.subject_id).age_on(application.applied_on)
    facts["application.amount"] = application.amount
    facts["application.term_months"] = application.term_months
    facts["application.product"] = application.product
    return facts


__all__ = ["build_facts"]
