from decimal import Decimal

import pytest

from puhui.bank.rules import Action, FindingStatus, Segment, evaluate_knockouts, grade_for, load_ruleset, parse_ruleset
from puhui.bank.rules.definitions import shipped_rulesets
from puhui.core.errors import DefinitionError, NotFound

CLEAN = {
    "indicator.court_dishonest_debtor_now": False,
    "indicator.court_enforcement_open": False,
    "indicator.ndrc_blacklist_now": False,
    "indicator.market_abnormal_operation_now": False,
    "applicant.age": 40,
    "bank.defaults": 0,
}


def findings_by_code(findings):
    return {f.code: f for f in findings}


def test_shipped_rule_sets_validate_and_are_found_by_reference():
    assert {"pilot@1", "pilot@2"} <= set(shipped_rulesets())
    assert load_ruleset("pilot@1").version == 1
    assert load_ruleset("pilot").version == max(r.version for r in shipped_rulesets().values() if r.id == "pilot")
    assert len(load_ruleset("pilot@1").digest) == 16
    with pytest.raises(NotFound):
        load_ruleset("pilot@99")


def test_a_clean_applicant_clears_every_knockout():
    ruleset = load_ruleset("pilot@1")
    findings = evaluate_knockouts(ruleset, Segment.RESIDENT, CLEAN)
    assert findings and all(f.status is FindingStatus.CLEAR and f.action is None for f in findings)
    # segment-specific knock-outs apply only to their segments
    assert "KO_ABNORMAL_OPERATION" not in findings_by_code(findings)
    assert "KO_AGE" not in findings_by_code(evaluate_knockouts(ruleset, Segment.MICRO_ENTERPRISE, CLEAN))
    operator = findings_by_code(evaluate_knockouts(ruleset, Segment.INDIVIDUAL_BUSINESS, CLEAN))
    assert "KO_INDIVIDUAL_BUSINESS_ABNORMAL" in operator and "KO_ABNORMAL_OPERATION" not in operator


def test_a_dishonest_debtor_is_a_hit_that_declines():
    facts = {**CLEAN, "indicator.court_dishonest_debtor_now": True}
    finding = findings_by_code(evaluate_knockouts(load_ruleset("pilot@1"), Segment.FARMER, facts))[
        "KO_DISHONEST_DEBTOR"
    ]
    assert finding.status is FindingStatus.HIT and finding.action is Action.DECLINE
    assert "失信" in finding.text.zh and "dishonest" in finding.text.en


@pytest.mark.parametrize(
    ("age", "status"),
    [(17, FindingStatus.HIT), (18, FindingStatus.CLEAR), (65, FindingStatus.CLEAR), (66, FindingStatus.HIT)],
)
def test_age_bounds_are_inclusive(age, status):
    findings = evaluate_knockouts(load_ruleset("pilot@1"), Segment.RESIDENT, {**CLEAN, "applicant.age": age})
    assert findings_by_code(findings)["KO_AGE"].status is status


def test_missing_or_uncomparable_facts_are_findings_not_errors():
    ruleset = load_ruleset("pilot@1")
    facts = {**CLEAN, "applicant.age": "forty"}
    del facts["indicator.ndrc_blacklist_now"], facts["bank.defaults"]
    found = findings_by_code(evaluate_knockouts(ruleset, Segment.RESIDENT, facts))
    assert found["KO_AGE"].status is FindingStatus.UNKNOWN and found["KO_AGE"].facts == ("applicant.age",)
    assert found["KO_AGE"].action is None  # an enterprise has no age: a missing age passes
    assert found["KO_BLACKLIST"].status is FindingStatus.UNKNOWN and found["KO_BLACKLIST"].action is Action.REFER
    # a rule that says a missing fact passes (a new customer has no history with the bank) asks nothing
    assert found["KO_BANK_DEFAULT"].status is FindingStatus.UNKNOWN and found["KO_BANK_DEFAULT"].action is None
    # a flag given as text is read as a flag, a band label is not
    found = findings_by_code(
        evaluate_knockouts(ruleset, Segment.RESIDENT, {**CLEAN, "indicator.court_dishonest_debtor_now": "true"})
    )
    assert found["KO_DISHONEST_DEBTOR"].status is FindingStatus.HIT
    found = findings_by_code(
        evaluate_knockouts(ruleset, Segment.RESIDENT, {**CLEAN, "indicator.court_dishonest_debtor_now": "1-2"})
    )
    assert found["KO_DISHONEST_DEBTOR"].status is FindingStatus.UNKNOWN


def test_an_any_rule_fires_on_one_true_part_even_when_another_is_unknown():
    text = SHORT_RULESET.replace(
        "when: {field: indicator.flag, op: eq, value: true}",
        "when: {any: [{field: indicator.flag, op: eq, value: true}, {field: indicator.count, op: ge, value: 3}]}",
    )
    ruleset = parse_ruleset(text)
    assert evaluate_knockouts(ruleset, Segment.RESIDENT, {"indicator.count": 3})[0].status is FindingStatus.HIT
    assert evaluate_knockouts(ruleset, Segment.RESIDENT, {"indicator.count": 2})[0].status is FindingStatus.UNKNOWN
    assert (
        evaluate_knockouts(ruleset, Segment.RESIDENT, {"indicator.count": 2, "indicator.flag": False})[0].status
        is FindingStatus.CLEAR
    )


def test_grades_follow_the_probability_of_default():
    ruleset = load_ruleset("pilot@1")
    assert grade_for(ruleset, Decimal("0.001")).grade == "A"
    assert grade_for(ruleset, Decimal("0.01")).grade == "A"
    assert grade_for(ruleset, Decimal("0.0101")).grade == "B"
    assert grade_for(ruleset, Decimal("0.5")).grade == "E"


SHORT_RULESET = """
id: short
version: 1
name: {zh: 测试, en: test}
products:
  p: {name: {zh: 产品, en: product}, segment: resident, subject: person, methods: [equal_instalment]}
segments:
  resident: {min_amount: 1000, max_amount: 10000, min_term_months: 3, max_term_months: 12}
knockouts:
  - code: KO_FLAG
    text: {zh: 标记, en: flag}
    when: {field: indicator.flag, op: eq, value: true}
grades:
  - {grade: A, max_pd: "0.05", text: {zh: 好, en: good}}
  - {grade: B, max_pd: "1", text: {zh: 差, en: bad}}
limit_matrix:
  resident: {A: 10000, B: 0}
pricing: {min_spread_bp: 0, max_spread_bp: 300, spread_bp: {A: 50, B: 300}}
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('max_pd: "0.05"', 'max_pd: "1.5"', "max_pd"),
        ("resident: {A: 10000, B: 0}", "resident: {A: 10000}", "exactly the grades"),
        ("resident: {A: 10000, B: 0}", "resident: {A: 20000, B: 0}", "exceeds the segment's maximum"),
        ("segment: resident, subject", "segment: farmer, subject", "has no policy"),
        ("op: eq", "op: in", "take a list"),
        ("field: indicator.flag", "field: gossip.flag", "field"),
        ("spread_bp: {A: 50, B: 300}", "spread_bp: {B: 300}", "no spread for grades"),
    ],
)
def test_malformed_rule_sets_are_refused_with_the_reason(old, new, message):
    assert old in SHORT_RULESET
    parse_ruleset(SHORT_RULESET)
    with pytest.raises(DefinitionError, match=message):
        parse_ruleset(SHORT_RULESET.replace(old, new))
