"""Rule evaluation: pure functions from facts to findings. They never raise; what cannot be judged is a finding too.

A fact is looked up by its dotted name (``indicator.dishonest_debtor_now``). A condition is true, false or
unknown: unknown when a fact it needs is missing or cannot be compared (a band label against a number), and
the knock-out's ``on_missing`` says what unknown means for the application.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from puhui.bank.rules.definitions import Action, AllOf, AnyOf, Comparison, Condition, Grade, RuleSet, Segment
from puhui.core.i18n import Text

Facts = Mapping[str, Any]


class FindingStatus(enum.StrEnum):
    HIT = "hit"  # the rule fired
    CLEAR = "clear"  # the rule was checked and did not fire
    UNKNOWN = "unknown"  # a fact the rule needs is missing or not comparable


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    text: Text
    status: FindingStatus
    action: Action | None  # what the finding asks of the application; None: nothing
    facts: tuple[str, ...] = ()  # the facts that were missing, for an UNKNOWN finding

    def as_record(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status.value,
            "action": self.action.value if self.action else None,
            "facts": list(self.facts),
        }


def evaluate_knockouts(ruleset: RuleSet, segment: Segment, facts: Facts) -> tuple[Finding, ...]:
    """Every knock-out that applies to the segment, judged on the facts."""
    findings = []
    for rule in ruleset.knockouts:
        if rule.segments is not None and segment not in rule.segments:
            continue
        result, missing = _judge(rule.when, facts)
        if result is True:
            findings.append(Finding(rule.code, rule.text, FindingStatus.HIT, rule.action))
        elif result is False:
            findings.append(Finding(rule.code, rule.text, FindingStatus.CLEAR, None))
        else:
            action = None if rule.on_missing == "pass" else Action(rule.on_missing)
            findings.append(Finding(rule.code, rule.text, FindingStatus.UNKNOWN, action, tuple(sorted(missing))))
    return tuple(findings)


def grade_for(ruleset: RuleSet, pd: Decimal) -> Grade:
    """The best grade whose band holds the probability of default."""
    for grade in ruleset.grades:
        if pd <= grade.max_pd:
            return grade
    return ruleset.grades[-1]


def _judge(condition: Condition, facts: Facts) -> tuple[bool | None, set[str]]:
    if isinstance(condition, Comparison):
        return _compare(condition, facts)
    results = [_judge(part, facts) for part in (condition.any if isinstance(condition, AnyOf) else condition.all)]
    missing = set().union(*(m for _, m in results))
    values = [r for r, _ in results]
    if isinstance(condition, AnyOf):
        if True in values:
            return True, set()
        return (None, missing) if None in values else (False, set())
    assert isinstance(condition, AllOf)
    if False in values:
        return False, set()
    return (None, missing) if None in values else (True, set())


def _compare(rule: Comparison, facts: Facts) -> tuple[bool | None, set[str]]:
    actual = facts.get(rule.field)
    if actual is None:
        return None, {rule.field}
    try:
        if rule.op in ("in", "not_in"):
            assert isinstance(rule.value, tuple)
            found = any(_equal(actual, v) for v in rule.value)
            return found if rule.op == "in" else not found, set()
        if rule.op in ("eq", "ne"):
            same = _equal(actual, rule.value)
            return same if rule.op == "eq" else not same, set()
        left, right = _number(actual), _number(rule.value)
    except (TypeError, ValueError, InvalidOperation):
        return None, {rule.field}
    return {"lt": left < right, "le": left <= right, "gt": left > right, "ge": left >= right}[rule.op], set()


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _boolean(actual) == _boolean(expected)
    if isinstance(expected, int | Decimal) and not isinstance(actual, str):
        return _number(actual) == _number(expected)
    return str(actual) == str(expected)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "是", "否"):
        return value.lower() in ("true", "1", "yes", "是")
    raise ValueError(f"not a flag: {value!r}")


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a flag is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        return Decimal(str(value))
    raise TypeError(f"not a number: {value!r}")


__all__ = ["Facts", "Finding", "FindingStatus", "evaluate_knockouts", "grade_for"]
