"""The decision use cases end to end on a real store, talking HTTP to an in-memory government node."""

import datetime as dt
from decimal import Decimal

import pytest

from puhui.bank.decision.model import ApplicationStatus, Outcome
from puhui.bank.decision.use_cases import (
    decide_application,
    purge_expired_indicators,
    retry_waiting,
    submit_application,
)
from puhui.core.errors import Conflict, ValidationError
from tests.integration.bank.conftest import CLEAN, resident_id


def test_an_application_goes_from_consent_to_a_stored_decision_with_its_shadow(bank):
    state = submit_application(bank.ctx, bank.application())
    assert state.status is ApplicationStatus.AWAITING_CONSENT and state.consent_id.startswith("con_")
    with pytest.raises(Conflict, match="not signed"):
        decide_application(bank.ctx, "A1")
    bank.sign(state)
    decided = decide_application(bank.ctx, "A1")
    record = decided.decision
    assert decided.status is ApplicationStatus.DECIDED and record.outcome is Outcome.APPROVE
    assert record.grade == "D" and record.limit == Decimal("20000.00") and record.model_version == "m1"
    assert (
        record.indicators_as_of == dt.date(2025, 5, 31) and record.indicator_versions["court_enforcement_open"] == "1"
    )
    assert record.shadow["ruleset"] == "pilot@2" and record.shadow["model_version"] == "m2"
    assert record.shadow["outcome"] == "approve" and record.shadow["grade"] == "B"
    assert record.offer["schedule_preview"] and record.latency_ms is not None
    assert bank.gov.queries[0]["purpose"] == "loan_application" and bank.gov.queries[0]["idempotency_key"]


def test_deciding_twice_returns_the_same_decision_without_asking_again(bank):
    bank.sign(submit_application(bank.ctx, bank.application()))
    first = decide_application(bank.ctx, "A1").decision
    second = decide_application(bank.ctx, "A1").decision
    assert first == second and len(bank.gov.queries) == 1
    again = submit_application(bank.ctx, bank.application())
    assert again.decision == first
    with pytest.raises(Conflict, match="other terms"):
        submit_application(bank.ctx, bank.application(amount=30_000))


def test_a_dishonest_debtor_is_declined_with_that_reason(bank):
    bank.gov.set_indicators(resident_id(1), {"court_dishonest_debtor_now": True})
    bank.sign(submit_application(bank.ctx, bank.application()))
    record = decide_application(bank.ctx, "A1").decision
    assert record.outcome is Outcome.DECLINE and record.limit is None
    assert record.reasons[0]["code"] == "KO_DISHONEST_DEBTOR" and "失信" in record.reasons[0]["zh"]


def test_with_the_gov_node_down_nothing_is_approved_and_the_application_waits(bank):
    bank.gov.down = True
    state = submit_application(bank.ctx, bank.application())
    assert state.status is ApplicationStatus.WAITING and state.decision is None
    assert state.reasons[0].code == "GOV_UNAVAILABLE"
    assert decide_application(bank.ctx, "A1").status is ApplicationStatus.WAITING
    bank.gov.down = False
    assert retry_waiting(bank.ctx) == []  # the consent is open now, but the applicant has not signed it
    with bank.ctx.uow() as uow:
        stored = uow.applications.get("A1")
    assert stored.status is ApplicationStatus.AWAITING_CONSENT
    bank.applicant.sign_consent(stored.consent_id, resident_id(1), "张三")
    assert decide_application(bank.ctx, "A1").decision.outcome is Outcome.APPROVE


def test_submitting_again_opens_the_consent_the_node_could_not_open_before(bank):
    bank.gov.down = True
    assert submit_application(bank.ctx, bank.application()).consent_id is None
    bank.gov.down = False
    again = submit_application(bank.ctx, bank.application())
    assert again.status is ApplicationStatus.AWAITING_CONSENT and again.consent_id in bank.gov.consents
    assert submit_application(bank.ctx, bank.application()).consent_id == again.consent_id  # only once


def test_a_gov_node_timing_out_at_query_time_leaves_the_application_waiting(bank):
    bank.sign(submit_application(bank.ctx, bank.application()))
    bank.gov.slow = True
    state = decide_application(bank.ctx, "A1")
    assert state.status is ApplicationStatus.WAITING and state.decision is None
    assert [r for r in bank.gov.requests if r.endswith("indicator-queries")] == ["POST /v1/indicator-queries"]
    bank.gov.slow = False
    assert decide_application(bank.ctx, "A1").decision.outcome is Outcome.APPROVE


def test_a_consent_spent_by_a_lost_answer_is_asked_for_again(bank):
    first = submit_application(bank.ctx, bank.application())
    bank.sign(first)
    bank.gov.consents[first.consent_id].uses = 1  # served before, but the answer never arrived
    state = decide_application(bank.ctx, "A1")
    assert state.status is ApplicationStatus.AWAITING_CONSENT and state.consent_id != first.consent_id


def test_a_rejected_consent_ends_in_a_referral_without_data(bank):
    state = submit_application(bank.ctx, bank.application())
    bank.applicant.reject_consent(state.consent_id, resident_id(1), "张三")
    record = decide_application(bank.ctx, "A1").decision
    assert record.outcome is Outcome.REFER and record.reasons[0]["code"] == "CONSENT_NOT_GIVEN"


def test_received_indicators_go_when_the_data_life_ends(bank):
    bank.sign(submit_application(bank.ctx, bank.application()))
    decide_application(bank.ctx, "A1")
    with bank.ctx.uow() as uow:
        assert uow.indicators.for_application("A1").values == CLEAN
    bank.clock[0] += dt.timedelta(days=364)
    assert purge_expired_indicators(bank.ctx) == 0
    bank.clock[0] += dt.timedelta(days=2)
    assert purge_expired_indicators(bank.ctx) == 1
    with bank.ctx.uow() as uow:
        assert uow.indicators.for_application("A1") is None
        assert uow.decisions.get("A1").indicators_as_of == dt.date(2025, 5, 31)  # the record stays


def test_an_application_the_product_cannot_take_is_refused_before_anything_is_stored(bank):
    with pytest.raises(ValidationError):
        submit_application(bank.ctx, bank.application(amount=100))
    with bank.ctx.uow() as uow:
        assert uow.applications.get("A1") is None
    assert bank.gov.consents == {}
