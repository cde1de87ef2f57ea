"""Bank fixtures: a migrated store on SQLite and PostgreSQL, and a bank wired to an in-memory government node."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from puhui.bank.db import UnitOfWork, make_engine, migrate, session_factory
from puhui.bank.decision.model import Application, RiskScore
from puhui.bank.decision.use_cases import DecisionContext
from puhui.bank.gov_client.applicant import ApplicantAgent
from puhui.bank.gov_client.client import HttpGovClient
from puhui.bank.gov_client.fake import FakeGovNode
from puhui.bank.own_data.reader import StoreOwnDataReader
from puhui.bank.rules import load_ruleset
from puhui.core.ids import SubjectKind, resident_id_check_digit
from puhui.core.signing import load_private_key
from tests.support.databases import DATABASE_KINDS, fresh_database

CLEAN = {
    "court_dishonest_debtor_now": False,
    "court_enforcement_open": False,
    "ndrc_blacklist_now": False,
    "market_abnormal_operation_now": False,
}


def resident_id(number: int, born: str = "19850612") -> str:
    first = f"360502{born}{number:03d}"
    return first + resident_id_check_digit(first)


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def uow(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield UnitOfWork(session_factory(engine))
    engine.dispose()


class FixedModel:
    """A model that says the same thing about everyone (the policy, not the model, is under test here)."""

    def __init__(self, version: str, pd: str) -> None:
        self.version, self.pd = version, Decimal(pd)

    def score(self, facts):
        return RiskScore(self.version, self.pd, None, {"indicator.court_enforcement_open": 0.4})


@dataclasses.dataclass
class Bank:
    ctx: DecisionContext
    gov: FakeGovNode
    applicant: ApplicantAgent
    clock: list

    def application(self, app_id="A1", subject=None, amount=20_000, product="P-CONSUMER"):
        subject = subject or resident_id(1)
        return Application(app_id, SubjectKind.PERSON, subject, product, Decimal(amount), 12, dt.date(2025, 6, 1))

    def sign(self, state, subject=None):
        return self.applicant.sign_consent(state.consent_id, subject or resident_id(1), "张三")


@pytest.fixture
def bank(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bank.db'}")
    migrate(engine)
    sessions = session_factory(engine)
    gov = FakeGovNode(indicators=CLEAN)
    key_id, pem = gov.admit()
    client = HttpGovClient(
        "http://gov.test", key_id=key_id, private_key=load_private_key(pem), transport=gov.transport()
    )
    clock = [dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)]
    ctx = DecisionContext(
        uow=lambda: UnitOfWork(sessions),
        gov=client,
        ruleset=load_ruleset("pilot@1"),
        challenger_ruleset=load_ruleset("pilot@2"),
        models=lambda: (FixedModel("m1", "0.08"), FixedModel("m2", "0.02")),
        own_data=StoreOwnDataReader(sessions),
        groups=("judicial",),
        clock=lambda: clock[0],
    )
    yield Bank(ctx, gov, ApplicantAgent("http://gov.test", transport=gov.transport()), clock)
    client.close()
    engine.dispose()
