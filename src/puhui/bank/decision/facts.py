"""The facts of one application: what rules read and models score, the same way when deciding and training.

Names are dotted: ``indicator.<name>`` from the government node, ``bank.<name>`` from the bank's own data,
``applicant.<name>`` from the application and its ID, ``application.<name>`` from what was asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from puhui.bank.decision.model import Application
from puhui.core.i18n import Text
from puhui.core.ids import ResidentId, SubjectKind

# How a reason names a fact of the application itself (indicators and the bank's facts carry their own names).
APPLICATION_FACT_LABELS: dict[str, Text] = {
    "applicant.kind": Text(zh="申请人类型", en="kind of applicant"),
    "applicant.segment": Text(zh="客群", en="customer segment"),
    "applicant.age": Text(zh="申请人年龄", en="age of the applicant"),
    "application.amount": Text(zh="申请金额", en="amount applied for"),
    "application.term_months": Text(zh="申请期限", en="term applied for"),
    "application.product": Text(zh="申请产品", en="product applied for"),
}


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


__all__ = ["APPLICATION_FACT_LABELS", "build_facts"]
