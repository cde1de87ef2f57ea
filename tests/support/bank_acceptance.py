"""What the bank's end-to-end tests and benchmark run against: a government node whose indicator reader knows a
few synthetic applicants (one of them a dishonest debtor), and a small model registered as the bank's champion.

``indicator_reader`` is loaded by the government node process itself (``PUHUI_GOV_INDICATOR_READER=
tests.support.bank_acceptance:indicator_reader``), so it computes pseudonyms with that node's own key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from puhui.core.i18n import Text
from puhui.core.ids import parse_subject_id, resident_id_check_digit
from puhui.core.pseudonym import Pseudonymizer

AS_OF = dt.date(2026, 2, 28)
GROUPS = ("judicial", "public_credit", "social_insurance")


def resident_id(number: int, born: str = "19850612") -> str:
    first = f"360502{born}{number:03d}"
    return first + resident_id_check_digit(first)


# Applicant 1 is ordinary but not spotless; applicant 2 is on the dishonest-debtor list; everyone else is clean.
CLEAN: dict[str, Any] = {
    "court_dishonest_debtor_now": False,
    "court_enforcement_open": False,
    "court_enforcement_cases_36m": 0,
    "ndrc_blacklist_now": False,
    "social_insurance_months_24m": 24,
}
ORDINARY = {**CLEAN, "court_enforcement_cases_36m": 1, "social_insurance_months_24m": 9}
DISHONEST = {
    **CLEAN,
    "court_dishonest_debtor_now": True,
    "court_enforcement_open": True,
    "court_enforcement_cases_36m": 3,
}
GROUP_OF = {
    "court_dishonest_debtor_now": "judicial",
    "court_enforcement_open": "judicial",
    "court_enforcement_cases_36m": "judicial",
    "ndrc_blacklist_now": "public_credit",
    "social_insurance_months_24m": "social_insurance",
}


def indicator_reader(settings: Any) -> Any:
    """The government node's reader for the end-to-end tests (imported by the node process)."""
    from puhui.gov.queries.reader import GroupInfo, IndicatorValue, InMemoryIndicatorReader

    def values(facts: dict[str, Any]) -> list[IndicatorValue]:
        return [IndicatorValue(name, GROUP_OF[name], value, "1") for name, value in facts.items()]

    pseudonymizer = Pseudonymizer(settings.keyring())
    known = {
        pseudonymizer.of(parse_subject_id(resident_id(1))): values(ORDINARY),
        pseudonymizer.of(parse_subject_id(resident_id(2))): values(DISHONEST),
    }
    groups = [GroupInfo(name, Text(zh=name, en=name), (Text(zh="记录", en="records"),)) for name in GROUPS]
    return InMemoryIndicatorReader(groups, known, as_of=AS_OF, default=values(CLEAN))


def register_champion(bank_home: Path, database_url: str) -> str:
    """Train a small gradient-boosted model on synthetic facts and make it the bank's champion."""
    from puhui.bank.db import UnitOfWork, make_engine, migrate, session_factory
    from puhui.bank.models.features import features_frame, infer_kinds, model_fact_names
    from puhui.bank.models.registry import ModelStatus, ModelVersion
    from puhui.bank.models.trained import TrainedModel, save_artefact
    from puhui.bank.models.use_cases import promote_model
    from puhui.bank.scoring.gbm import GbmModel

    rng = np.random.default_rng(11)
    rows, labels = [], []
    for _ in range(3000):
        cases = int(rng.choice([0, 0, 0, 1, 2, 3]))
        months = int(rng.integers(0, 25))
        amount = float(rng.choice([10_000, 50_000, 150_000]))
        rows.append(
            {
                "indicator.court_enforcement_cases_36m": cases,
                "indicator.social_insurance_months_24m": months,
                "applicant.age": int(rng.integers(22, 60)),
                "application.amount": amount,
            }
        )
        risk = -4.2 + 0.9 * cases - 0.07 * months + amount / 200_000
        labels.append(int(rng.random() < 1 / (1 + np.exp(-risk))))
    kinds = infer_kinds(rows, model_fact_names(rows[0]))
    estimator = GbmModel(n_estimators=80, min_child_samples=50).fit(features_frame(rows, kinds), np.array(labels))
    model = TrainedModel("acceptance-gbm-1", "lightgbm", estimator, kinds)
    name, digest = save_artefact(model, bank_home / "bank" / "models")
    engine = make_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    with UnitOfWork(sessions) as uow:
        uow.models.add(
            ModelVersion(
                model.version,
                "lightgbm",
                ModelStatus.REGISTERED,
                name,
                model.features,
                {"artifact_sha256": digest},
                now,
                now,
            )
        )
        uow.commit()
    promote_model(lambda: UnitOfWork(sessions), model.version, now)
    engine.dispose()
    return model.version
