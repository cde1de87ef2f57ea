"""Rule sets: declarative, versioned admission, limit and price rules, and their pure evaluation."""

from puhui.bank.rules.definitions import (
    Action,
    Knockout,
    Product,
    RuleSet,
    Segment,
    SegmentPolicy,
    load_ruleset,
    parse_ruleset,
    shipped_rulesets,
)
from puhui.bank.rules.evaluate import Facts, Finding, FindingStatus, evaluate_knockouts, grade_for

__all__ = [
    "Action",
    "Facts",
    "Finding",
    "FindingStatus",
    "Knockout",
    "Product",
    "RuleSet",
    "Segment",
    "SegmentPolicy",
    "evaluate_knockouts",
    "grade_for",
    "load_ruleset",
    "parse_ruleset",
    "shipped_rulesets",
]
