"""The use counter under concurrent queries: exactly as many served as the consent allows, none lost.

In one process with threads on both databases (each thread its own connection), and across the 2 worker
processes of a real ``puhui gov serve --workers 2`` on PostgreSQL.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from puhui.cli._processes import ServiceProcess
from puhui.core.signing import load_private_key, sign_request
from puhui.gov.consent.purposes import parse_purposes
from puhui.gov.db import tables as t
from tests.support.databases import fresh_database
from tests.support.gov_service import ADMIN_TOKEN, credit_code, gov_settings, resident_id

STRESS_PURPOSES = """
version: 1
purposes:
  - code: stress_check
    name: {zh: 压力测试, en: stress check}
    description: {zh: 仅用于测试, en: tests only}
    fetch_type: one_time
    max_frequency: {count: 100, unit: consent}
    max_validity_days: 30
    max_lookback_months: 60
    max_data_life_days: 365
    institution_types: [bank]
"""


def test_concurrent_queries_get_exactly_the_uses_a_consent_allows(gov):
    gov.node.purposes = parse_purposes(STRESS_PURPOSES)
    bank = gov.admit(1, purposes=("stress_check",))
    subject = resident_id(40)
    consent = gov.consent(bank, subject, purpose="stress_check", frequency={"count": 25, "unit": "consent"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: gov.query(bank, consent, subject, groups=["tax"]).status_code, range(40)))

    assert sorted(statuses) == [200] * 25 + [403] * 15
    with gov.node.engine.connect() as connection:
        uses = connection.execute(sa.select(t.consents.c.uses).where(t.consents.c.id == consent["id"])).scalar_one()
        served = connection.execute(
            sa.select(sa.func.count()).select_from(t.data_accesses).where(t.data_accesses.c.outcome == "success")
        ).scalar_one()
        metered = connection.execute(
            sa.select(sa.func.count()).where(t.metered_queries.c.indicator_group == "tax")
        ).scalar_one()
    assert uses == served == metered == 25
    verification = gov.client.get("/v1/admin/audit/verification", headers=gov.admin).json()
    assert verification["intact"], verification["findings"]


@pytest.mark.postgres
@pytest.mark.slow
def test_two_worker_processes_on_postgresql_never_serve_a_single_use_consent_twice(tmp_path):
    with fresh_database("postgresql", tmp_path) as url:
        settings = gov_settings(tmp_path, url)
        env = {
            "PUHUI_HOME": str(tmp_path),
            "PUHUI_GOV_DATABASE_URL": url,
            "PUHUI_GOV_ADMIN_TOKEN": ADMIN_TOKEN,
            "PUHUI_GOV_SIGNING_KEY": settings.gov_signing_key or "",
            "PUHUI_PSEUDONYM_KEYS": settings.pseudonym_keys or "",
        }
        server = ServiceProcess("government", ["gov", "serve", "--workers", "2"], env, "/v1/health")
        with server, httpx.Client(base_url=server.base_url, timeout=30) as client:
            _race_single_use_consents(client)


def _race_single_use_consents(client: httpx.Client) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    admitted = client.post(
        "/v1/admin/institutions",
        headers=admin,
        json={
            "name": "并发测试银行",
            "credit_code": credit_code(50),
            "type": "bank",
            "purposes": ["loan_application"],
            "groups": ["tax"],
        },
    ).json()
    key, key_id = load_private_key(admitted["private_key_pem"]), admitted["key_id"]

    def signed(path: str, payload: dict) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = sign_request(key, key_id, "POST", path, body, timestamp=int(time.time())).headers()
        return client.post(path, content=body, headers=headers | {"content-type": "application/json"})

    consents = []
    for number in range(12):
        subject = resident_id(100 + number)
        requested = signed(
            "/v1/consent-requests",
            {
                "subject_id": subject,
                "purpose": "loan_application",
                "groups": ["tax"],
                "lookback_months": 12,
                "fetch_type": "one_time",
                "frequency": {"count": 1, "unit": "consent"},
                "data_life_days": 30,
                "validity_days": 30,
            },
        ).json()
        started = client.post("/v1/identity/challenges", json={"id_number": subject, "name": "王五"}).json()
        token = client.post(
            "/v1/identity/sessions",
            json={"challenge_id": started["challenge_id"], "code": started["development_code"]},
        ).json()["token"]
        granted = client.post(
            f"/v1/me/consents/{requested['id']}/grant",
            headers={"Authorization": f"Bearer {token}"},
            json={"letter_hash": requested["letter_hash"], "accepted_clauses": requested["required_clauses"]},
        )
        assert granted.status_code == 200, granted.text
        consents.append((requested["id"], subject))

    queries = [
        {"consent_id": consent_id, "subject_id": subject, "purpose": "loan_application", "groups": ["tax"]}
        for consent_id, subject in consents
        for _ in range(4)
    ]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda q: signed("/v1/indicator-queries", q), queries))
    served: dict[str, int] = {}
    for query, answer in zip(queries, answers, strict=True):
        assert answer.status_code in (200, 403), answer.text
        if answer.status_code == 200:
            served[query["consent_id"]] = served.get(query["consent_id"], 0) + 1
        else:
            assert answer.json()["code"] == "frequency_exhausted"
    assert served == {consent_id: 1 for consent_id, _ in consents}
    verification = client.get("/v1/admin/audit/verification", headers=admin).json()
    assert verification["intact"], verification["findings"]
