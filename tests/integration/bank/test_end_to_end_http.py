"""Issue 7's acceptance over HTTP: both nodes as real uvicorn processes on loopback.

A synthetic applicant goes from application to a decision with reasons; a dishonest debtor is declined with
that reason; with the government node down, nothing is approved.
"""

from __future__ import annotations

import datetime as dt
import secrets

import httpx
import pytest

from puhui.bank.decision.use_cases import idempotency_key
from puhui.bank.gov_client.applicant import ApplicantAgent
from puhui.bank.gov_client.client import HttpGovClient
from puhui.bank.gov_client.model import ConsentRequest, ConsentTerms
from puhui.cli._processes import admit_bank, bank_node, gov_node
from puhui.core.errors import ValidationError
from puhui.core.ids import SubjectKind
from puhui.core.signing import load_private_key
from tests.support.bank_acceptance import GROUPS, register_champion, resident_id

# The tests share one pair of nodes and build on each other (the last counts the earlier approvals): one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bank_e2e")]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    root = tmp_path_factory.mktemp("nodes")
    token = secrets.token_hex(16)
    reader = {"PUHUI_GOV_INDICATOR_READER": "tests.support.bank_acceptance:indicator_reader"}
    gov = gov_node(root / "gov", token, reader).start()
    try:
        key_file = root / "bank" / "gov-key.pem"
        institution = admit_bank(gov.base_url, token, GROUPS, key_file)
        model = register_champion(root / "bank", f"sqlite:///{root / 'bank' / 'bank' / 'state.db'}")
        bank = bank_node(root / "bank", gov.base_url, institution, key_file, GROUPS).start()
    except BaseException:
        gov.stop()
        raise
    with httpx.Client(base_url=bank.base_url, timeout=10.0) as client:
        yield {
            "gov": gov,
            "bank": bank,
            "client": client,
            "model": model,
            "institution": institution,
            "key_file": key_file,
            "applicant": ApplicantAgent(gov.base_url),
        }
    bank.stop()
    gov.stop()


def apply(nodes, application_id, subject, amount="150000"):
    client = nodes["client"]
    submitted = client.post(
        "/v1/applications",
        json={
            "application_id": application_id,
            "subject_id": subject,
            "product": "P-CONSUMER",
            "amount": amount,
            "term_months": 12,
        },
    )
    assert submitted.status_code == 202, submitted.text
    state = submitted.json()
    assert state["status"] == "awaiting_consent"
    nodes["applicant"].sign_consent(state["consent_id"], subject, "李四")
    return client.post(f"/v1/applications/{application_id}/decision")


def test_a_synthetic_applicant_goes_from_application_to_a_decision_with_reasons(nodes):
    decided = apply(nodes, "E2E-1", resident_id(1))
    assert decided.status_code == 200, decided.text
    decision = decided.json()["decision"]
    assert decision["model_version"] == nodes["model"] and decision["indicators_as_of"] == "2026-02-28"
    assert decision["outcome"] == "approve" and float(decision["limit"]) < 150_000  # the grade cut the amount
    codes = [r["code"] for r in decision["reasons"]]
    assert codes[0] == "LIMIT_REDUCED_GRADE" and 2 <= len(codes) <= 4
    assert any(code.startswith("M_INDICATOR_") for code in codes)  # the model's adverse contributions
    assert all(r["zh"] and r["en"] for r in decision["reasons"])
    assert decision["shadow"]["ruleset"] == "pilot@2"
    offer = decision["offer"]
    assert offer["annual_rate"] == decision["annual_rate"] and float(offer["total_interest"]) > 0
    assert nodes["client"].post("/v1/applications/E2E-1/decision").json()["decision"] == decision  # idempotent


def test_a_dishonest_debtor_is_declined_with_that_reason(nodes):
    decided = apply(nodes, "E2E-2", resident_id(2), amount="20000")
    assert decided.status_code == 200, decided.text
    decision = decided.json()["decision"]
    assert decision["outcome"] == "decline" and decision["limit"] is None
    assert decision["reasons"][0]["code"] == "KO_DISHONEST_DEBTOR"
    assert decision["reasons"][0]["zh"] == "申请人当前在失信被执行人名单上"


def test_the_government_node_answers_a_replayed_query_as_of_a_past_day(nodes):
    client = HttpGovClient(
        nodes["gov"].base_url, key_id=nodes["institution"], private_key=load_private_key(nodes["key_file"].read_text())
    )
    subject = resident_id(7)
    terms = ConsentTerms()
    for as_of, expected in ((dt.date(2025, 6, 30), "2025-06-30"), (dt.date(2099, 1, 1), "as_of_in_future")):
        pending = client.request_consent(
            ConsentRequest(SubjectKind.PERSON, subject, GROUPS, terms, "R1"), idempotency_key=f"c-{as_of}"
        )
        nodes["applicant"].sign_consent(pending.consent_id, subject, "赵六")
        try:
            received = client.query_indicators(
                pending.consent_id,
                SubjectKind.PERSON,
                subject,
                GROUPS,
                purpose=terms.purpose,
                as_of=as_of,
                idempotency_key=f"q-{as_of}",
            )
            assert received.as_of.isoformat() == expected
        except ValidationError as refused:
            assert refused.code == expected
    items = []
    for number in (8, 9):
        subject = resident_id(number)
        pending = client.request_consent(
            ConsentRequest(SubjectKind.PERSON, subject, GROUPS, terms, f"B{number}"), idempotency_key=f"b-{number}"
        )
        nodes["applicant"].sign_consent(pending.consent_id, subject, "孙七")
        items.append((pending.consent_id, subject))
    answers = client.query_indicators_bulk(
        items, GROUPS, purpose=terms.purpose, as_of=dt.date(2025, 5, 31), idempotency_key="bulk-1"
    )
    assert [a.received.as_of.isoformat() for a in answers] == ["2025-05-31", "2025-05-31"]
    assert answers[0].received.values["court_dishonest_debtor_now"] is False
    again = client.query_indicators_bulk(items[:1], GROUPS, purpose=terms.purpose, idempotency_key="bulk-2")
    assert again[0].received is None and again[0].refusal == "frequency_exhausted"  # one use per consent
    client.close()


def test_a_query_whose_answer_was_lost_is_answered_again_under_the_same_consent(nodes):
    # The bank's query reached the node and was served, but the answer never came back (a timeout after sending).
    # Asked again, the bank sends the same idempotency key and gets that answer: no second use, no new consent.
    subject = resident_id(2)
    submitted = nodes["client"].post(
        "/v1/applications",
        json={
            "application_id": "E2E-5",
            "subject_id": subject,
            "product": "P-CONSUMER",
            "amount": "20000",
            "term_months": 12,
        },
    )
    consent_id = submitted.json()["consent_id"]
    nodes["applicant"].sign_consent(consent_id, subject, "周八")
    gov = HttpGovClient(
        nodes["gov"].base_url, key_id=nodes["institution"], private_key=load_private_key(nodes["key_file"].read_text())
    )
    lost = gov.query_indicators(
        consent_id,
        SubjectKind.PERSON,
        subject,
        GROUPS,
        purpose="loan_application",
        idempotency_key=idempotency_key("query", "E2E-5", consent_id),
    )
    gov.close()
    assert lost.values["court_dishonest_debtor_now"] is True

    decided = nodes["client"].post("/v1/applications/E2E-5/decision")
    assert decided.status_code == 200, decided.text
    assert decided.json()["consent_id"] == consent_id
    assert decided.json()["decision"]["reasons"][0]["code"] == "KO_DISHONEST_DEBTOR"


def test_with_the_gov_node_down_nothing_is_approved(nodes):
    client = nodes["client"]
    submitted = client.post(
        "/v1/applications",
        json={
            "application_id": "E2E-3",
            "subject_id": resident_id(3),
            "product": "P-CONSUMER",
            "amount": "20000",
            "term_months": 12,
        },
    )
    state = submitted.json()
    nodes["applicant"].sign_consent(state["consent_id"], resident_id(3), "王五")
    nodes["gov"].stop()
    decided = client.post("/v1/applications/E2E-3/decision")
    assert decided.status_code == 202
    assert decided.json()["status"] == "waiting" and decided.json()["decision"] is None
    assert decided.json()["reasons"][0]["code"] == "GOV_UNAVAILABLE"
    new = client.post(
        "/v1/applications",
        json={
            "application_id": "E2E-4",
            "subject_id": resident_id(4),
            "product": "P-CONSUMER",
            "amount": "20000",
            "term_months": 12,
        },
    )
    assert new.status_code == 202 and new.json()["status"] == "waiting"
    outcomes = client.get("/v1/decisions").json()["counts"]
    assert outcomes.get("approve", 0) == 1  # only applicant 1, decided while the node was up
