"""The credit policy: from facts, a rule set and a risk score to approve / decline / refer, limit and offer.

Pure: no database, no network, no clock. The order of precedence is
1. a knock-out that fires with ``decline`` declines;
2. no score: refer (nothing is approved blind);
3. a grade with no credit in the limit matrix declines;
4. a knock-out that fires with ``refer``, or cannot be judged for missing facts, refers;
5. a grade in ``refer_grades`` refers;
6. otherwise approve, at the smaller of the amount applied for, the limit matrix and the segment's maximum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from puhui.bank.decision.model import Application, Decision, Outcome, Reason, RiskScore
from puhui.bank.decision.reasons import finding_reason, policy_reason, select_reasons
from puhui.bank.pricing.lpr import LprTable
from puhui.bank.pricing.offer import Offer, price_offer
from puhui.bank.rules.definitions import Action, RuleSet
from puhui.bank.rules.evaluate import Facts, FindingStatus, evaluate_knockouts, grade_for
from puhui.core.errors import ValidationError
from puhui.core.i18n import Text
from puhui.core.money import quantize_fen


def decide(
    application: Application,
    facts: Facts,
    ruleset: RuleSet,
    score: RiskScore | None,
    labels: Mapping[str, Text] | None = None,
    lpr_table: LprTable | None = None,
    day: dt.date | None = None,
) -> Decision:
    """Decide one application on ``day`` (the application date unless given)."""
    labels = labels or {}
    day = day or application.applied_on
    product = ruleset.product(application.product)
    segment = product.segment
    findings = evaluate_knockouts(ruleset, segment, facts)
    contributions = score.contributions if score else {}

    def outcome(
        kind: Outcome,
        first: list[Reason],
        grade: str | None = None,
        limit: Decimal | None = None,
        offer: Offer | None = None,
    ) -> Decision:
        return Decision(
            outcome=kind,
            ruleset=ruleset.ref,
            model_version=score.model_version if score else None,
            grade=grade,
            pd=score.pd if score else None,
            points=score.points if score else None,
            requested_amount=application.amount,
            limit=limit,
            offer=offer,
            reasons=select_reasons(first, contributions, labels) if first else (),
            findings=findings,
        )

    declines = [f for f in findings if f.status is FindingStatus.HIT and f.action is Action.DECLINE]
    if declines:
        return outcome(Outcome.DECLINE, [finding_reason(f) for f in declines])
    if score is None:
        return outcome(Outcome.REFER, [policy_reason("NO_MODEL")])
    grade = grade_for(ruleset, score.pd)
    matrix_limit = ruleset.limit_matrix[segment][grade.grade]
    if matrix_limit <= 0:
        return outcome(Outcome.DECLINE, [policy_reason("RISK_GRADE_DECLINED")], grade=grade.grade)
    refers = [f for f in findings if f.action is Action.REFER]
    if refers:
        return outcome(Outcome.REFER, [finding_reason(f) for f in refers], grade=grade.grade)
    if grade.grade in ruleset.refer_grades:
        return outcome(Outcome.REFER, [policy_reason("RISK_GRADE_REFERRED")], grade=grade.grade)

    policy = ruleset.segments[segment]
    limit = quantize_fen(min(application.amount, matrix_limit, policy.max_amount))
    if limit < policy.min_amount:
        return outcome(Outcome.DECLINE, [policy_reason("LIMIT_BELOW_MINIMUM")], grade=grade.grade)
    method = application.method or product.methods[0]
    offer = price_offer(ruleset, score.pd, limit, application.term_months, method, day, lpr_table)
    reduced: list[Reason] = []
    if limit < application.amount:
        # The matrix never exceeds the segment's maximum, so a matrix below it is what cut the amount.
        code = "LIMIT_REDUCED_GRADE" if matrix_limit < policy.max_amount else "LIMIT_REDUCED_SEGMENT"
        reduced.append(policy_reason(code))
    return outcome(Outcome.APPROVE, reduced, grade=grade.grade, limit=limit, offer=offer)


def check_application(ruleset: RuleSet, application: Application) -> None:
    """Refuse an application the product cannot take at all (a 4xx, not a decline): wrong kind of applicant,
    an amount below the minimum, a term or repayment method the product does not offer."""
    product = ruleset.product(application.product)
    policy = ruleset.segments[product.segment]
    if application.subject_kind is not product.subject:
        raise ValidationError(
            f"product {application.product} lends to a {product.subject.value}, not a {application.subject_kind.value}"
        )
    if application.amount < policy.min_amount:
        raise ValidationError(f"product {application.product} lends at least {policy.min_amount} yuan")
    if not policy.min_term_months <= application.term_months <= policy.max_term_months:
        raise ValidationError(
            f"product {application.product} lends for {policy.min_term_months} to {policy.max_term_months} months"
        )
    if application.method is not None and application.method not in product.methods:
        offered = ", ".join(m.value for m in product.methods)
        raise ValidationError(f"product {application.product} is repaid by {offered}, not {application.method.value}")


__all__ = ["check_application", "decide"]
