"""History replayed point in time through the (fake) government node, then training, validation and registration."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import insert

from puhui.bank.db.tables import CustomerRow, PastApplicationRow
from puhui.bank.decision.use_cases import decide_application, submit_application
from puhui.bank.models.registry import ModelStatus
from puhui.bank.models.replay import replay_as_of, replay_history
from puhui.bank.models.trained import ModelProvider
from puhui.bank.models.training import TrainingOptions, build_training_set, train_models
from puhui.bank.models.use_cases import promote_model
from puhui.core.errors import ValidationError
from tests.integration.bank.conftest import CLEAN, resident_id

pytestmark = pytest.mark.slow


def seed_history(bank, n=600, seed=5):
    """Past loans whose outcome follows an indicator the government node knows (and noise)."""
    rng = np.random.default_rng(seed)
    customers, applications = [], []
    for i in range(n):
        subject = resident_id(i, born=f"19{70 + i % 25}0101")
        cases = int(rng.choice([0, 0, 0, 1, 2, 3]))
        bank.gov.set_indicators(subject, {**CLEAN, "court_enforcement_cases_36m": cases})
        applied = dt.date(2024, 1, 1) + dt.timedelta(days=int(i * 540 / n))
        bad = rng.random() < 1 / (1 + np.exp(-(-2.6 + 1.1 * cases)))
        customers.append(
            {
                "subject_id": subject,
                "subject_kind": "person",
                "name": "张三",
                "segment": None,
                "customer_since": dt.date(2020, 1, 1),
            }
        )
        applications.append(
            {
                "application_id": f"H{i:05d}",
                "subject_id": subject,
                "subject_kind": "person",
                "product": "P-CONSUMER",
                "amount": Decimal("50000.00"),
                "term_months": 12,
                "applied_on": applied,
                "approved": i % 10 != 0,
                "months_observed": 12,
                "max_days_past_due": 95 if bad else 0,
                "default_12m": bool(bad),
                "defaulted": bool(bad),
                "default_known_on": applied + dt.timedelta(days=200) if bad else None,
            }
        )
    with bank.ctx.uow() as uow:
        uow.session.execute(insert(CustomerRow), customers)
        uow.session.execute(insert(PastApplicationRow), applications)
        uow.commit()


def test_history_is_replayed_as_of_each_application_then_models_train_validate_and_register(bank, tmp_path):
    seed_history(bank)
    summary = replay_history(bank.ctx, bank.applicant.sign_consent, workers=4)
    assert (summary.replayed, summary.failed) == (540, 0)  # the approved 90 %
    applied = [dt.date(2024, 1, 1) + dt.timedelta(days=int(i * 540 / 600)) for i in range(600) if i % 10]
    assert {q["as_of"] for q in bank.gov.queries} == {replay_as_of(day).isoformat() for day in applied}
    assert all(replay_as_of(day) < day.replace(day=1) for day in applied)  # strictly before the month applied in
    assert len({q["idempotency_key"] for q in bank.gov.queries}) == len({replay_as_of(day) for day in applied})
    assert replay_history(bank.ctx, bank.applicant.sign_consent).already == 540  # resumable: nothing twice

    data = build_training_set(bank.ctx, TrainingOptions())
    assert len(data.rows) == 540 and data.skipped == 0
    assert {"indicator.court_enforcement_cases_36m", "applicant.age", "application.amount"} <= set(data.rows[0])

    result = train_models(bank.ctx, tmp_path / "models", tmp_path / "reports")
    assert [v.kind for v in result.versions] == ["scorecard", "lightgbm"] and not result.notes
    assert result.validation_from > dt.date(2024, 12, 1)
    for version in result.versions:
        validation = version.metrics["validation"]
        assert validation["auc"] > 0.65 and 0 < validation["ks"] < 1 and validation["psi"] >= 0
        assert version.report.exists() and "AUC" in version.report.read_text()
        assert version.metrics["periods"]["validation"][0] == result.validation_from.isoformat()
    with bank.ctx.uow() as uow:
        assert {m.status for m in uow.models.all()} == {ModelStatus.REGISTERED}  # promotion is explicit

    champion = result.versions[1].version
    promote_model(bank.ctx.uow, champion, bank.clock[0])
    bank.ctx.models = ModelProvider(bank.ctx.uow, tmp_path / "models", refresh_seconds=0)
    new = bank.application("NEW-1", subject=resident_id(999))
    bank.gov.set_indicators(resident_id(999), {**CLEAN, "court_enforcement_cases_36m": 3})
    bank.sign(submit_application(bank.ctx, new), subject=resident_id(999))
    record = decide_application(bank.ctx, "NEW-1").decision
    assert record.model_version == champion and record.pd > Decimal("0.05")
    assert "M_INDICATOR_COURT_ENFORCEMENT_CASES_36M" in [r["code"] for r in record.reasons]


def test_training_without_replayed_history_says_what_to_do(bank, tmp_path):
    seed_history(bank, n=40)
    with pytest.raises(ValidationError, match="replay the history first"):
        train_models(bank.ctx, tmp_path / "models", tmp_path / "reports")
