import datetime as dt
from decimal import Decimal

import pytest

from puhui.bank.db import ReceivedIndicators
from puhui.bank.decision.model import Application, ApplicationStatus, DecisionRecord, Outcome
from puhui.bank.models.registry import ModelEvent, ModelStatus, ModelVersion
from puhui.core.errors import Conflict, NotFound
from puhui.core.ids import SubjectKind
from puhui.core.schedule import RepaymentMethod

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def application(app_id="A1"):
    return Application(
        app_id,
        SubjectKind.PERSON,
        "11010519491231002X",
        "P-CONSUMER",
        Decimal("123456789012.34"),
        12,
        dt.date(2026, 3, 1),
        RepaymentMethod.EQUAL_PRINCIPAL,
    )


def record(app_id="A1"):
    return DecisionRecord(
        application_id=app_id,
        outcome=Outcome.APPROVE,
        limit=Decimal("50000.00"),
        annual_rate=Decimal("0.0385"),
        grade="B",
        pd=Decimal("0.01234567"),
        points=Decimal("612.50"),
        ruleset="pilot@1",
        ruleset_digest="abc",
        model_version="m1",
        indicator_versions={"court_dishonest_debtor_now": 1},
        indicators_as_of=dt.date(2026, 2, 28),
        findings=[{"code": "KO_AGE", "status": "clear"}],
        reasons=[],
        offer={"annual_rate": "0.0385"},
        shadow={"ruleset": "pilot@2", "outcome": "refer"},
        decided_at=NOW,
        latency_ms=12,
    )


def test_applications_and_decisions_round_trip_exactly(uow):
    with uow:
        uow.applications.add(application(), NOW)
        uow.applications.mark("A1", ApplicationStatus.WAITING, NOW)
        uow.commit()
    with uow:
        stored = uow.applications.get("A1")
        assert stored.application == application()  # money to the fen, the method, the date
        assert stored.status is ApplicationStatus.WAITING and stored.attempts == 1
        assert [s.application.application_id for s in uow.applications.waiting()] == ["A1"]
        uow.decisions.add(record())
        uow.applications.mark("A1", ApplicationStatus.DECIDED, NOW, consent_id="con_1")
        uow.commit()
    with uow:
        assert uow.decisions.get("A1") == record()
        assert uow.applications.get("A1").consent_id == "con_1"
        assert uow.decisions.count_by_outcome() == {"approve": 1}


def test_an_application_or_decision_is_stored_once(uow):
    with uow:
        uow.applications.add(application(), NOW)
        uow.decisions.add(record())
        uow.commit()
    with uow, pytest.raises(Conflict):
        uow.applications.add(application(), NOW)
    with uow, pytest.raises(Conflict):
        uow.decisions.add(record())


def test_nothing_is_kept_without_a_commit(uow):
    with uow:
        uow.applications.add(application("A2"), NOW)
    with uow:
        assert uow.applications.get("A2") is None


def test_received_indicators_are_purged_when_their_data_life_ends(uow):
    def received(app_id, days):
        return ReceivedIndicators(
            app_id,
            "11010519491231002X",
            "con_" + app_id,
            dt.date(2026, 2, 28),
            {"court_dishonest_debtor_now": False},
            {"court_dishonest_debtor_now": 1},
            NOW,
            NOW + dt.timedelta(days=days),
        )

    with uow:
        uow.indicators.add(received("A1", 30))
        uow.indicators.add(received("A2", 90))
        uow.commit()
    later = NOW + dt.timedelta(days=31)
    with uow:
        assert uow.indicators.purge(later) == 1
        uow.commit()
    with uow:
        assert uow.indicators.for_application("A1") is None
        kept = uow.indicators.for_application("A2")
        assert kept.values == {"court_dishonest_debtor_now": False} and kept.keep_until == NOW + dt.timedelta(days=90)
        assert [r.application_id for r in uow.indicators.all_kept(later)] == ["A2"]


def test_model_versions_are_registered_and_their_status_saved(uow):
    model = ModelVersion("m1", "scorecard", ModelStatus.REGISTERED, "m1.pkl", ("a", "b"), {"auc": 0.75}, NOW, NOW)
    with uow:
        uow.models.add(model)
        uow.models.save(model.after(ModelEvent.PROMOTE, NOW))
        uow.commit()
    with uow:
        assert uow.models.get("m1").status is ModelStatus.CHAMPION
        assert [m.version for m in uow.models.with_status(ModelStatus.CHAMPION)] == ["m1"]
        with pytest.raises(NotFound):
            uow.models.get("m2")
