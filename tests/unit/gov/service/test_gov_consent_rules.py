"""Purpose caps, frequencies, the refusal reasons of a consent, and the authorization letter."""

import dataclasses
import datetime as dt

import pytest

from puhui.core.errors import DefinitionError, ValidationError
from puhui.core.i18n import Text
from puhui.gov.consent.authorization import (
    CLAUSE_INCOME_OR_PROPERTY,
    CLAUSE_MAIN,
    CLAUSE_SENSITIVE,
    LetterFacts,
    letter_hash,
    render_letter,
)
from puhui.gov.consent.model import (
    Consent,
    ConsentStatus,
    ConsentTerms,
    FetchType,
    Frequency,
    FrequencyUnit,
    Letter,
)
from puhui.gov.consent.purposes import load_purposes, parse_purposes
from puhui.gov.institutions.model import InstitutionType
from puhui.gov.queries.reader import DEMO_GROUPS, GroupInfo

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
ONCE = Frequency(1, FrequencyUnit.CONSENT)
MONTHLY = Frequency(1, FrequencyUnit.MONTH)


def _terms(**change) -> ConsentTerms:
    base = ConsentTerms("loan_application", ("tax",), 24, FetchType.ONE_TIME, ONCE, 365, 30)
    return dataclasses.replace(base, **change)


@pytest.mark.parametrize(
    ("purpose", "change", "fits"),
    [
        ("loan_application", {}, True),
        ("loan_application", {"validity_days": 31}, False),
        ("loan_application", {"lookback_months": 61}, False),
        ("loan_application", {"data_life_days": 1826}, False),
        ("loan_application", {"frequency": Frequency(2, FrequencyUnit.CONSENT)}, False),
        ("loan_application", {"loan_maturity": dt.date(2027, 1, 1)}, False),
        ("in_loan_monitoring", {"fetch_type": FetchType.PERIODIC, "frequency": MONTHLY}, False),  # no maturity
        (
            "in_loan_monitoring",
            {
                "fetch_type": FetchType.PERIODIC,
                "frequency": Frequency(12, FrequencyUnit.YEAR),
                "lookback_months": 12,
                "validity_days": 700,
                "loan_maturity": dt.date(2028, 1, 1),
            },
            True,
        ),
        (
            "in_loan_monitoring",
            {
                "fetch_type": FetchType.PERIODIC,
                "frequency": Frequency(1, FrequencyUnit.DAY),
                "lookback_months": 12,
                "loan_maturity": dt.date(2027, 1, 1),
            },
            False,
        ),
        (
            "in_loan_monitoring",
            {
                "fetch_type": FetchType.PERIODIC,
                "frequency": MONTHLY,
                "lookback_months": 12,
                "loan_maturity": dt.date(2026, 3, 1),  # already matured
            },
            False,
        ),
    ],
)
def test_purpose_caps(purpose, change, fits):
    caps = load_purposes().get(purpose)
    found = caps.violations(_terms(purpose=purpose, **change), InstitutionType.BANK, NOW.date())
    assert (not found) == fits, found


def test_caps_also_bind_the_kind_of_institution_and_refuse_loudly():
    monitoring = load_purposes().get("in_loan_monitoring")
    terms = _terms(
        purpose="in_loan_monitoring",
        fetch_type=FetchType.PERIODIC,
        frequency=MONTHLY,
        lookback_months=12,
        loan_maturity=dt.date(2027, 1, 1),
    )
    with pytest.raises(ValidationError) as refused:
        monitoring.check(terms, InstitutionType.DATA_SERVICE_PROVIDER, NOW)
    assert refused.value.code == "purpose_cap_exceeded" and "data_service_provider" in refused.value.message
    with pytest.raises(ValidationError, match="no purpose"):
        load_purposes().get("marketing")
    with pytest.raises(DefinitionError):
        parse_purposes("version: 1\npurposes: []\n")


def test_a_one_time_consent_counts_uses_over_its_life_and_a_periodic_one_per_calendar_period():
    with pytest.raises(ValidationError):
        _terms(fetch_type=FetchType.PERIODIC)  # periodic with a per-consent count
    assert ONCE.period_key(NOW) == ONCE.period_key(NOW + dt.timedelta(days=20)) == "all"
    # 23:30 UTC on 31 March is already April in Xinyu
    assert MONTHLY.period_key(dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)) == "2026-04"
    assert Frequency(12, FrequencyUnit.YEAR).at_most(MONTHLY)
    assert not Frequency(2, FrequencyUnit.MONTH).at_most(MONTHLY)
    assert not Frequency(1, FrequencyUnit.DAY).at_most(MONTHLY)
    assert not ONCE.at_most(MONTHLY)


def _consent(**change) -> Consent:
    consent = Consent(
        id="con_" + "0" * 24,
        status=ConsentStatus.ACTIVE,
        institution_id="ins_1",
        subject_pseudonym="P1-a",
        masked_subject="m",
        terms=_terms(groups=("tax", "judicial")),
        letter=Letter("1", "zh-CN", "t", "h", ("main",)),
        requested_at=NOW,
        request_expires_at=NOW,
        status_changed_at=NOW,
        starts_at=NOW,
        expires_at=NOW + dt.timedelta(days=30),
    )
    return dataclasses.replace(consent, **change)


@pytest.mark.parametrize(
    ("consent", "query", "reason"),
    [
        ({}, {}, None),
        ({}, {"institution_id": "ins_2"}, "consent_other_institution"),
        ({}, {"purpose": "in_loan_monitoring"}, "consent_purpose_mismatch"),
        ({}, {"subject_pseudonym": "P1-b"}, "consent_subject_mismatch"),
        ({"status": ConsentStatus.PAUSED}, {}, "consent_paused"),
        ({"status": ConsentStatus.REVOKED}, {}, "consent_revoked"),
        ({"status": ConsentStatus.PENDING}, {}, "consent_pending"),
        ({}, {"now": NOW + dt.timedelta(days=30)}, "consent_expired"),
        ({}, {"groups": ("tax", "property")}, "group_not_consented"),
    ],
)
def test_why_a_consent_does_not_cover_a_query(consent, query, reason):
    asked = {
        "institution_id": "ins_1",
        "purpose": "loan_application",
        "subject_pseudonym": "P1-a",
        "groups": ("tax",),
        "now": NOW + dt.timedelta(days=1),
    } | query
    refusal = _consent(**consent).refusal(**asked)
    assert (refusal.code if refusal else None) == reason


GROUPS = {g.name: g for g in DEMO_GROUPS}


def _facts(*groups: str, terms: ConsentTerms | None = None) -> LetterFacts:
    return LetterFacts(
        consent_id="con_1",
        masked_subject="360***********0011",
        institution_name="新余农商银行",
        institution_credit_code="91360500158300152A",
        purpose=load_purposes().get("loan_application"),
        groups=[GROUPS[g] for g in groups],
        terms=terms or _terms(groups=groups),
        date=dt.date(2026, 3, 2),
    )


def test_the_letter_names_everything_and_adds_a_separate_clause_per_special_kind_of_data():
    plain = render_letter(_facts("identity_basic"))
    assert plain.clauses == (CLAUSE_MAIN,)
    for needed in ("新余农商银行", "91360500158300152A", "贷款申请审批", "身份与户籍", "24 个月", "365 天", "撤回"):
        assert needed in plain.text
    assert "第十四条" not in plain.text and "敏感个人信息" not in plain.text
    special = render_letter(_facts("identity_basic", "tax", "health_insurance_claims"))
    assert special.clauses == (CLAUSE_MAIN, CLAUSE_SENSITIVE, CLAUSE_INCOME_OR_PROPERTY)
    assert "《征信业管理条例》第十四条" in special.text and "不利后果" in special.text
    assert "第二十九条" in special.text
    english = render_letter(_facts("tax"), "en")
    assert "adverse consequences" in english.text and "withdraw" in english.text and "article 14" in english.text
    assert english.hash == letter_hash(english.text) != special.hash
    assert (plain.version, english.language) == ("1", "en")


def test_the_letter_refuses_unknown_languages_and_versions():
    with pytest.raises(ValidationError):
        render_letter(_facts("tax"), "fr")
    with pytest.raises(ValidationError):
        render_letter(_facts("tax"), "zh-CN", version="99")


def test_monitoring_letters_state_the_frequency_and_the_maturity():
    terms = _terms(
        purpose="in_loan_monitoring",
        groups=("judicial",),
        fetch_type=FetchType.PERIODIC,
        frequency=MONTHLY,
        loan_maturity=dt.date(2027, 5, 31),
    )
    text = render_letter(_facts("judicial", terms=terms)).text
    assert "每月最多 1 次" in text and "2027-05-31" in text
    group = GroupInfo("x", Text(zh="某类", en="some"), sensitive=True)
    assert render_letter(dataclasses.replace(_facts("tax"), groups=[group])).clauses == (CLAUSE_MAIN, CLAUSE_SENSITIVE)
