"""POSTs a bank retries with an Idempotency-Key: the first answer again, the work done once (on both databases)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from puhui.gov.db import tables as t
from tests.support.gov_service import MONTHLY_MONITORING, resident_id


def _uses(gov, consent_id: str) -> int:
    with gov.node.engine.connect() as connection:
        return int(connection.execute(sa.select(t.consents.c.uses).where(t.consents.c.id == consent_id)).scalar_one())


def test_a_retried_query_gets_the_same_answer_without_a_second_use(gov):
    bank = gov.admit(1)
    subject = resident_id(60)
    consent = gov.consent(bank, subject)

    first = gov.query(bank, consent, subject, idempotency_key="query-A1")
    retried = gov.query(bank, consent, subject, idempotency_key="query-A1")

    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json()
    assert _uses(gov, consent["id"]) == 1
    without_key = gov.query(bank, consent, subject)  # a new request, not a retry: the one use is spent
    assert (without_key.status_code, without_key.json()["code"]) == (403, "frequency_exhausted")
    repeats = [r for r in gov.audit() if r.event.event == "indicator_query" and r.event.detail.get("repeat")]
    assert [r.event.detail["query_id"] for r in repeats] == [first.json()["query_id"]]
    assert gov.client.get("/v1/admin/audit/verification", headers=gov.admin).json()["intact"]


def test_a_key_belongs_to_one_request_and_one_institution(gov):
    bank, other_bank = gov.admit(1), gov.admit(2)
    subject = resident_id(61)
    consent = gov.consent(bank, subject, groups=["identity_basic", "tax"])
    assert gov.query(bank, consent, subject, idempotency_key="k-1").status_code == 200

    other_request = gov.query(bank, consent, subject, groups=["tax"], idempotency_key="k-1")
    assert (other_request.status_code, other_request.json()["code"]) == (409, "idempotency_key_reused")
    other_consent = gov.consent(other_bank, subject)
    assert gov.query(other_bank, other_consent, subject, idempotency_key="k-1").status_code == 200
    malformed = gov.query(bank, consent, subject, idempotency_key="not a key!")
    assert (malformed.status_code, malformed.json()["code"]) == (422, "idempotency_key_invalid")


def test_a_refused_query_is_judged_afresh_when_retried(gov):
    bank = gov.admit(1)
    subject = resident_id(62)
    pending = gov.request_consent(bank, subject).json()

    early = gov.query(bank, pending, subject, idempotency_key="decide-A2")
    assert (early.status_code, early.json()["code"]) == (403, "consent_pending")
    gov.grant(gov.session(subject), pending)
    assert gov.query(bank, pending, subject, idempotency_key="decide-A2").status_code == 200


def test_a_retried_consent_request_opens_one_consent(gov):
    bank = gov.admit(1)
    subject = resident_id(63)
    first = gov.request_consent(bank, subject, idempotency_key="consent-A3")
    retried = gov.request_consent(bank, subject, idempotency_key="consent-A3")

    assert first.status_code == retried.status_code == 201
    assert retried.json()["id"] == first.json()["id"]
    with gov.node.engine.connect() as connection:
        opened = connection.execute(sa.select(sa.func.count()).select_from(t.consents)).scalar_one()
    assert opened == 1


def test_a_retried_bulk_query_serves_each_subject_once(gov):
    bank = gov.admit(1)
    subjects = [resident_id(70 + n) for n in range(3)]
    consents = [gov.consent(bank, subject, **MONTHLY_MONITORING) for subject in subjects]
    payload = {
        "purpose": "in_loan_monitoring",
        "items": [
            {"consent_id": c["id"], "subject_id": s, "groups": ["judicial"]}
            for c, s in zip(consents, subjects, strict=True)
        ],
    }
    first = gov.signed(bank, "POST", "/v1/indicator-queries/bulk", payload, idempotency_key="monitor-2026-03")
    retried = gov.signed(bank, "POST", "/v1/indicator-queries/bulk", payload, idempotency_key="monitor-2026-03")

    assert first.json()["served"] == 3
    assert retried.json() == first.json()
    assert [_uses(gov, c["id"]) for c in consents] == [1, 1, 1]


def test_concurrent_retries_share_one_answer_and_one_use(gov):
    bank = gov.admit(1)
    subject = resident_id(64)
    consent = gov.consent(bank, subject)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: gov.query(bank, consent, subject, idempotency_key="race-A4"), range(4)))

    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.json()["query_id"] for a in answers}) == 1
    assert _uses(gov, consent["id"]) == 1
