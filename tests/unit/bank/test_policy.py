import datetime as dt
from decimal import Decimal

import pytest

from puhui.bank.decision.model import Application, Outcome, RiskScore
from puhui.bank.decision.policy import check_application, decide
from puhui.bank.decision.reasons import MAX_REASONS
from puhui.bank.pricing import rate_bounds
from puhui.bank.rules import load_ruleset
from puhui.core.errors import ValidationError
from puhui.core.i18n import Text
from puhui.core.ids import SubjectKind
from puhui.core.schedule import RepaymentMethod

CHAMPION = load_ruleset("pilot@1")
CHALLENGER = load_ruleset("pilot@2")
DAY = dt.date(2025, 6, 1)
CLEAN = {
    "indicator.court_dishonest_debtor_now": False,
    "indicator.court_enforcement_open": False,
    "indicator.ndrc_blacklist_now": False,
    "indicator.market_abnormal_operation_now": False,
    "applicant.age": 40,
}
CONTRIBUTIONS = {
    "indicator.si_months": 0.8,
    "indicator.utility_arrears": 0.5,
    "bank.deposit_band": -0.3,
    "indicator.tax_grade": 0.2,
    "indicator.vehicles": 0.1,
    "indicator.household": 0.05,
}
LABELS = {"indicator.si_months": Text(zh="社保缴纳月数", en="months of social insurance paid")}


def application(amount=50_000, product="P-CONSUMER", term=12, kind=SubjectKind.PERSON, method=None):
    return Application("A1", kind, "11010519491231002X", product, Decimal(amount), term, DAY, method)


def score(pd):
    return RiskScore("m1", Decimal(pd), Decimal(600), CONTRIBUTIONS)


def test_a_good_applicant_is_approved_in_full_without_reasons():
    decision = decide(application(), CLEAN, CHAMPION, score("0.005"), LABELS)
    assert decision.outcome is Outcome.APPROVE and decision.grade == "A"
    assert decision.limit == Decimal("50000.00") and decision.reasons == ()
    low, high = rate_bounds(CHAMPION, DAY)
    assert low <= decision.annual_rate <= high
    assert decision.offer.method is RepaymentMethod.EQUAL_INSTALMENT
    assert decision.as_record()["offer"]["total_interest"] == str(decision.offer.total_interest)


def test_a_dishonest_debtor_is_declined_with_that_reason_first_whatever_the_score():
    facts = {**CLEAN, "indicator.court_dishonest_debtor_now": True}
    decision = decide(application(), facts, CHAMPION, score("0.001"), LABELS)
    assert decision.outcome is Outcome.DECLINE and decision.limit is None and decision.offer is None
    assert decision.reasons[0].code == "KO_DISHONEST_DEBTOR" and decision.reasons[0].source == "rule"
    assert len(decision.reasons) == MAX_REASONS
    assert decision.reasons[1].code == "M_INDICATOR_SI_MONTHS" and "社保缴纳月数" in decision.reasons[1].text.zh


def test_without_a_score_nothing_is_approved():
    decision = decide(application(), CLEAN, CHAMPION, None)
    assert decision.outcome is Outcome.REFER and decision.reasons[0].code == "NO_MODEL"


def test_a_high_risk_grade_declines_with_the_adverse_features():
    decision = decide(application(), CLEAN, CHAMPION, score("0.3"), LABELS)
    assert decision.outcome is Outcome.DECLINE and decision.grade == "E"
    assert [r.code for r in decision.reasons] == [
        "RISK_GRADE_DECLINED",
        "M_INDICATOR_SI_MONTHS",
        "M_INDICATOR_UTILITY_ARREARS",
        "M_INDICATOR_TAX_GRADE",
    ]
    assert all(r.text.zh and r.text.en for r in decision.reasons)


def test_a_missing_indicator_refers_instead_of_approving():
    facts = dict(CLEAN)
    del facts["indicator.court_dishonest_debtor_now"]
    decision = decide(application(), facts, CHAMPION, score("0.005"))
    assert decision.outcome is Outcome.REFER
    assert decision.reasons[0].code == "KO_DISHONEST_DEBTOR_UNKNOWN"
    assert "indicator.court_dishonest_debtor_now" in decision.reasons[0].text.en


def test_a_reduced_limit_says_why():
    decision = decide(application(amount=200_000), CLEAN, CHAMPION, score("0.04"), LABELS)  # grade C: 100 000
    assert decision.outcome is Outcome.APPROVE and decision.limit == Decimal("100000.00")
    assert decision.reasons[0].code == "LIMIT_REDUCED_GRADE" and len(decision.reasons) == MAX_REASONS
    above_max = decide(application(amount=400_000), CLEAN, CHAMPION, score("0.005"))  # grade A: the maximum
    assert above_max.limit == Decimal("300000.00") and above_max.reasons[0].code == "LIMIT_REDUCED_SEGMENT"


def test_the_challenger_refers_grade_d_where_the_champion_approves():
    champion = decide(application(amount=20_000), CLEAN, CHAMPION, score("0.08"))
    challenger = decide(application(amount=20_000), CLEAN, CHALLENGER, score("0.08"))
    assert (champion.outcome, challenger.outcome) == (Outcome.APPROVE, Outcome.REFER)
    assert challenger.ruleset == "pilot@2" and challenger.reasons[0].code == "RISK_GRADE_REFERRED"


def test_an_enterprise_knockout_applies_only_to_businesses():
    facts = {**CLEAN, "indicator.market_abnormal_operation_now": True}
    business = application(amount=100_000, product="E-MICRO", kind=SubjectKind.ENTERPRISE)
    assert decide(business, facts, CHAMPION, score("0.005")).reasons[0].code == "KO_ABNORMAL_OPERATION"
    assert decide(application(), facts, CHAMPION, score("0.005")).outcome is Outcome.APPROVE


@pytest.mark.parametrize(
    ("app", "message"),
    [
        (application(kind=SubjectKind.ENTERPRISE), "lends to a person"),
        (application(amount=1000), "at least 3000"),
        (application(term=48), "3 to 36 months"),
        (application(method=RepaymentMethod.INTEREST_FIRST), "not interest_first"),
    ],
)
def test_applications_a_product_cannot_take_are_refused_before_any_decision(app, message):
    with pytest.raises(ValidationError, match=message):
        check_application(CHAMPION, app)


def test_a_valid_application_passes_the_check():
    check_application(CHAMPION, application(amount=400_000))  # above the maximum is reduced, not refused
