"""The bank's HTTP API in-process: status codes, the one error mapping, idempotent submission and decision."""

import pytest
from fastapi.testclient import TestClient

from puhui.bank.api.app import create_app
from tests.integration.bank.conftest import resident_id


@pytest.fixture
def api(bank):
    with TestClient(create_app(bank.ctx)) as client:
        yield client


def body(**overrides):
    return {
        "application_id": "A1",
        "subject_id": resident_id(1),
        "product": "P-CONSUMER",
        "amount": "20000",
        "term_months": 12,
        "applied_on": "2025-06-01",
        **overrides,
    }


def test_an_application_is_accepted_then_decided_over_http(api, bank):
    submitted = api.post("/v1/applications", json=body())
    assert submitted.status_code == 202, submitted.text
    state = submitted.json()
    assert state["status"] == "awaiting_consent" and state["decision"] is None
    pending = api.post("/v1/applications/A1/decision")
    assert pending.status_code == 409 and pending.json()["error"] == "consent_pending"
    bank.applicant.sign_consent(state["consent_id"], resident_id(1), "张三")
    decided = api.post("/v1/applications/A1/decision")
    assert decided.status_code == 200
    decision = decided.json()["decision"]
    assert decision["outcome"] == "approve" and decision["limit"] == "20000.00"
    assert decision["offer"]["schedule_preview"][0]["number"] == 1
    assert api.get("/v1/applications/A1").json()["decision"] == decision
    assert api.post("/v1/applications", json=body()).status_code == 200  # the same application again: its decision
    listing = api.get("/v1/decisions").json()
    assert listing["counts"] == {"approve": 1} and listing["decisions"][0]["application_id"] == "A1"
    assert api.get("/health").json()["model"] == "m1"


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"subject_id": "360502198506120010"}, 422, "invalid_identifier_checksum"),
        ({"product": "yacht_loan"}, 404, "not_found"),
        ({"amount": "100"}, 422, "invalid"),
        ({"term_months": 0}, 422, None),
    ],
)
def test_bad_applications_get_a_4xx_that_says_why(api, overrides, status, error):
    answer = api.post("/v1/applications", json=body(**overrides))
    assert answer.status_code == status
    if error:
        assert answer.json()["error"] == error and answer.json()["message"]


def test_the_same_id_with_other_terms_is_a_conflict_and_unknown_ids_are_not_found(api):
    assert api.post("/v1/applications", json=body()).status_code == 202
    assert api.post("/v1/applications", json=body(amount="30000")).status_code == 409
    assert api.get("/v1/applications/nope").status_code == 404
    assert api.post("/v1/applications/nope/decision").status_code == 404


def test_with_the_gov_node_down_the_answer_is_wait_never_approve(api, bank):
    bank.gov.down = True
    answer = api.post("/v1/applications", json=body())
    assert answer.status_code == 202
    assert answer.json()["status"] == "waiting" and answer.json()["reasons"][0]["code"] == "GOV_UNAVAILABLE"
    decided = api.post("/v1/applications/A1/decision")
    assert decided.status_code == 202 and decided.json()["decision"] is None
