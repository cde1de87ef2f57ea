"""Reason codes: why an application was declined, referred or given less than it asked for, in zh-CN and en.

At most ``MAX_REASONS`` per decision: the rule findings that decided it first, then the model's largest adverse
contributions (the features that pushed the probability of default up the most).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from puhui.bank.decision.model import Reason
from puhui.bank.rules.evaluate import Finding, FindingStatus
from puhui.core.i18n import Text

MAX_REASONS = 4

POLICY_REASONS: dict[str, Text] = {
    "RISK_GRADE_DECLINED": Text(zh="综合风险评级未达到授信要求", en="the risk grade is below what the bank lends at"),
    "RISK_GRADE_REFERRED": Text(zh="综合风险评级需人工审核", en="the risk grade needs a credit officer's review"),
    "LIMIT_REDUCED_GRADE": Text(
        zh="按风险评级,可授信额度低于申请金额", en="the risk grade allows less than the amount applied for"
    ),
    "LIMIT_REDUCED_SEGMENT": Text(
        zh="申请金额超过本产品的最高额度", en="the amount applied for exceeds the product's maximum"
    ),
    "LIMIT_BELOW_MINIMUM": Text(
        zh="可授信额度低于本产品的最低额度", en="the limit the bank can offer is below the product's minimum"
    ),
    "NO_MODEL": Text(zh="尚无可用的风险模型,需人工审核", en="no risk model is active; a credit officer decides"),
    "GOV_UNAVAILABLE": Text(
        zh="政务数据服务暂不可用,申请待处理", en="the government data service is unavailable; the application waits"
    ),
    "CONSENT_NOT_GIVEN": Text(
        zh="未完成身份核验或数据查询授权", en="identity verification or the data-query consent was not completed"
    ),
    "DATA_MISSING": Text(zh="审批所需数据缺失", en="data the decision needs are missing"),
}


def policy_reason(code: str) -> Reason:
    return Reason(code, POLICY_REASONS[code], "policy")


def finding_reason(finding: Finding) -> Reason:
    if finding.status is FindingStatus.UNKNOWN:
        missing = ", ".join(finding.facts)
        text = Text(
            zh=f"{POLICY_REASONS['DATA_MISSING'].zh}({finding.text.zh}):{missing}",
            en=f"{POLICY_REASONS['DATA_MISSING'].en} ({finding.text.en}): {missing}",
        )
        return Reason(f"{finding.code}_UNKNOWN", text, "rule")
    return Reason(finding.code, finding.text, "rule")


def model_reasons(contributions: Mapping[str, float], labels: Mapping[str, Text], limit: int) -> list[Reason]:
    """The ``limit`` features that pushed the risk up the most, largest first (ties by name, for stability)."""
    adverse = sorted(((-weight, name) for name, weight in contributions.items() if weight > 0))[:limit]
    reasons = []
    for _, feature in adverse:
        label = labels.get(feature, Text(zh=feature, en=feature))
        text = Text(zh=f"{label.zh}:对本次申请不利", en=f"{label.en}: weighs against the application")
        reasons.append(Reason("M_" + re.sub(r"[^A-Z0-9]+", "_", feature.upper()).strip("_"), text, "model"))
    return reasons


def select_reasons(
    first: Iterable[Reason], contributions: Mapping[str, float], labels: Mapping[str, Text]
) -> tuple[Reason, ...]:
    """The deciding reasons first, topped up with the model's adverse contributions, at most ``MAX_REASONS``."""
    chosen: list[Reason] = []
    for reason in first:
        if reason.code not in {r.code for r in chosen}:
            chosen.append(reason)
    chosen = chosen[:MAX_REASONS]
    chosen += model_reasons(contributions, labels, MAX_REASONS - len(chosen))
    return tuple(chosen)


__all__ = ["MAX_REASONS", "POLICY_REASONS", "finding_reason", "model_reasons", "policy_reason", "select_reasons"]
