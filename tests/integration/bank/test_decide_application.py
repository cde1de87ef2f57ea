"""The decision use cases end to end on a real store, with the government node faked at the port."""

import datetime as dt
from decimal import Decimal

import pytest

from puhui.bank.db import UnitOfWork, make_engine, migrate, session_factory
from puhui.bank.decision.model import Application, ApplicationStatus, Outcome, RiskScore
from puhui.bank.decision.use_cases import (
    DecisionContext,
    decide_application,
    purge_expired_indicators,
    retry_waiting,
    submit_application,
)
from puhui.bank.gov_client.model import PendingConsent, ReceivedIndicatorSet
from puhui.bank.rules import load_ruleset
from puhui.core.errors import Conflict, PermissionDenied, UpstreamUnavailable, ValidationError
from puhui.core.ids import SubjectKind

GOOD = "360502198506120017"  # born 1985: inside the age bounds
CLEAN = {
    "court_dishonest_debtor_now": False,
    "court_enforcement_open": False,
    "ndrc_blacklist_now": False,
    "market_abnormal_operation_now": False,
}


class FakeGov:
    def __init__(self):
        self.up = True
        self.signed = set()
        self.refused = {}
        self.indicators = {}
        self.queries = []

    def request_consent(self, request, *, idempotency_key):
        if not self.up:
            raise UpstreamUnavailable("gov down")
        return PendingConsent("con_" + request.reference, "pending", request.groups, data_life_days=30)

    def consent(self, consent_id):
        return PendingConsent(consent_id, "active", ())

    def query_indicators(self, consent_id, subject_kind, subject_id, groups, *, as_of=None, idempotency_key):
        if not self.up:
            raise UpstreamUnavailable("gov down")
        if consent_id in self.refused:
            raise PermissionDenied("no", code=self.refused[consent_id])
        if consent_id not in self.signed:
            raise PermissionDenied("not signed", code="consent_pending")
        self.queries.append(idempotency_key)
        values = self.indicators.get(subject_id, CLEAN)
        return ReceivedIndicatorSet(consent_id, dt.date(2025, 5, 31), values, dict.fromkeys(values, "1"), {}, 30)


class FixedModel:
    def __init__(self, version, pd):
        self.version, self.pd = version, Decimal(pd)

    def score(self, facts):
        return RiskScore(self.version, self.pd, None, {"indicator.court_enforcement_open": 0.4})


class NoOwnData:
    def facts(self, subject_id, as_of):
        return {}


@pytest.fixture
def ctx(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    clock = [dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)]
    context = DecisionContext(
        uow=lambda: UnitOfWork(sessions),
        gov=FakeGov(),
        ruleset=load_ruleset("pilot@1"),
        challenger_ruleset=load_ruleset("pilot@2"),
        models=lambda: (FixedModel("m1", "0.08"), FixedModel("m2", "0.02")),
        own_data=NoOwnData(),
        groups=("court",),
        clock=lambda: clock[0],
    )
    context.now = clock
    yield context
    engine.dispose()


def application(app_id="A1", subject=GOOD, amount=20_000):
    return Application(app_id, SubjectKind.PERSON, subject, "resident_credit", Decimal(amount), 12, dt.date(2025, 6, 1))


def test_an_application_goes_from_consent_to_a_stored_decision_with_its_shadow(ctx):
    state = submit_application(ctx, application())
    assert state.status is ApplicationStatus.AWAITING_CONSENT and state.consent_id == "con_A1"
    with pytest.raises(Conflict, match="not signed"):
        decide_application(ctx, "A1")
    ctx.gov.signed.add("con_A1")
    decided = decide_application(ctx, "A1")
    record = decided.decision
    assert decided.status is ApplicationStatus.DECIDED and record.outcome is Outcome.APPROVE
    assert record.grade == "D" and record.limit == Decimal("20000.00") and record.model_version == "m1"
    assert (
        record.indicators_as_of == dt.date(2025, 5, 31) and record.indicator_versions["court_enforcement_open"] == "1"
    )
    assert record.shadow["ruleset"] == "pilot@2" and record.shadow["model_version"] == "m2"
    assert record.shadow["outcome"] == "approve" and record.shadow["grade"] == "B"
    assert record.offer["schedule_preview"] and record.latency_ms is not None


def test_deciding_twice_returns_the_same_decision_without_asking_again(ctx):
    submit_application(ctx, application())
    ctx.gov.signed.add("con_A1")
    first = decide_application(ctx, "A1").decision
    second = decide_application(ctx, "A1").decision
    assert first == second and len(ctx.gov.queries) == 1
    again = submit_application(ctx, application())
    assert again.decision == first
    with pytest.raises(Conflict, match="other terms"):
        submit_application(ctx, application(amount=30_000))


def test_a_dishonest_debtor_is_declined_with_that_reason(ctx):
    ctx.gov.indicators[GOOD] = {**CLEAN, "court_dishonest_debtor_now": True}
    submit_application(ctx, application())
    ctx.gov.signed.add("con_A1")
    record = decide_application(ctx, "A1").decision
    assert record.outcome is Outcome.DECLINE and record.limit is None
    assert record.reasons[0]["code"] == "KO_DISHONEST_DEBTOR" and "失信" in record.reasons[0]["zh"]


def test_with_the_gov_node_down_nothing_is_approved_and_the_application_waits(ctx):
    ctx.gov.up = False
    state = submit_application(ctx, application())
    assert state.status is ApplicationStatus.WAITING and state.decision is None
    assert state.reasons[0].code == "GOV_UNAVAILABLE"
    assert decide_application(ctx, "A1").status is ApplicationStatus.WAITING
    ctx.gov.up = True
    ctx.gov.signed.add("con_A1")
    states = retry_waiting(ctx)
    assert [s.decision.outcome for s in states] == [Outcome.APPROVE]


def test_the_gov_node_failing_at_query_time_leaves_the_application_waiting(ctx):
    submit_application(ctx, application())
    ctx.gov.signed.add("con_A1")
    ctx.gov.up = False
    state = decide_application(ctx, "A1")
    assert state.status is ApplicationStatus.WAITING and state.decision is None


def test_a_rejected_consent_ends_in_a_referral_without_data(ctx):
    submit_application(ctx, application())
    ctx.gov.refused["con_A1"] = "consent_rejected"
    record = decide_application(ctx, "A1").decision
    assert record.outcome is Outcome.REFER and record.reasons[0]["code"] == "CONSENT_NOT_GIVEN"


def test_received_indicators_go_when_the_data_life_ends(ctx):
    submit_application(ctx, application())
    ctx.gov.signed.add("con_A1")
    decide_application(ctx, "A1")
    with ctx.uow() as uow:
        assert uow.indicators.for_application("A1").values == CLEAN
    ctx.now[0] += dt.timedelta(days=29)
    assert purge_expired_indicators(ctx) == 0
    ctx.now[0] += dt.timedelta(days=2)
    assert purge_expired_indicators(ctx) == 1
    with ctx.uow() as uow:
        assert uow.indicators.for_application("A1") is None
        assert uow.decisions.get("A1").indicators_as_of == dt.date(2025, 5, 31)  # the record stays


def test_an_application_the_product_cannot_take_is_refused_before_anything_is_stored(ctx):
    with pytest.raises(ValidationError):
        submit_application(ctx, application(amount=100))
    with ctx.uow() as uow:
        assert uow.applications.get("A1") is None
