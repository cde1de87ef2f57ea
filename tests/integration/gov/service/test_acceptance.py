"""Issue 6 acceptance, over HTTP: admit a bank; verify identity and sign a consent; query → 200 with indicators.
Revoked, expired, paused, another bank, a group not consented, a replayed request, a forged signature → 403 or
401 with the reason, each audited; the applicant sees every access."""

from __future__ import annotations

from puhui.core.signing import (
    generate_private_key,
    load_private_key,
    load_public_key,
    new_nonce,
    verify_document,
)
from puhui.gov.audit.model import EventType
from tests.support.gov_service import AS_OF, MONTHLY_MONITORING, resident_id


def _refused_reasons(gov, event: EventType) -> list[str]:
    return [r.event.reason for r in gov.audit() if r.event.event == event and r.event.outcome == "refused"]


def test_the_consent_gated_query_from_admission_to_every_refusal(gov):
    bank, other_bank = gov.admit(1), gov.admit(2)
    subject = resident_id(7)
    session = gov.session(subject)

    # sign a consent and query under it: 200 with indicators, their definition versions and the as-of date
    consent = gov.consent(bank, subject, session=session)
    assert consent["status"] == "active" and consent["artefact"]["indicator_groups"] == ["identity_basic", "tax"]
    node_key = load_public_key(gov.client.get("/v1/node-key").json()["public_key"])
    assert verify_document(node_key, consent["artefact"], consent["signature"])
    served = gov.query(bank, consent, subject)
    assert served.status_code == 200, served.text
    release = served.json()
    assert release["as_of"] == AS_OF.isoformat() and release["uses"] == 1
    assert {i["group"] for i in release["indicators"]} == {"identity_basic", "tax"}
    assert all(i["definition_version"] == "1" for i in release["indicators"])
    assert "subject_id" not in served.text and subject not in served.text  # never the raw identifier

    refusals: dict[str, int] = {}

    # revoked
    revoked = gov.consent(bank, subject, session=session)
    assert gov.client.post(f"/v1/me/consents/{revoked['id']}/revoke", headers=session).json()["status"] == "revoked"
    response = gov.query(bank, revoked, subject)
    refusals[response.json()["code"]] = response.status_code

    # paused, then resumed
    paused = gov.consent(bank, subject, session=session)
    assert gov.client.post(f"/v1/me/consents/{paused['id']}/pause", headers=session).json()["status"] == "paused"
    response = gov.query(bank, paused, subject)
    refusals[response.json()["code"]] = response.status_code
    assert gov.client.post(f"/v1/me/consents/{paused['id']}/resume", headers=session).status_code == 200
    assert gov.query(bank, paused, subject).status_code == 200

    # another bank presents this bank's consent
    mine = gov.consent(bank, subject, session=session)
    response = gov.query(other_bank, mine, subject)
    refusals[response.json()["code"]] = response.status_code

    # a group the consent does not cover
    response = gov.query(bank, mine, subject, groups=["judicial"])
    refusals[response.json()["code"]] = response.status_code

    # a replayed request: the same signed request twice
    nonce = new_nonce()
    assert gov.signed(bank, "GET", f"/v1/consents/{mine['id']}", nonce=nonce).status_code == 200
    response = gov.signed(bank, "GET", f"/v1/consents/{mine['id']}", nonce=nonce)
    refusals[response.json()["code"]] = response.status_code

    # a forged signature, a body other than the one signed, a stale clock
    payload = {"consent_id": mine["id"], "subject_id": subject, "purpose": "loan_application", "groups": ["tax"]}
    response = gov.signed(bank, "POST", "/v1/indicator-queries", payload, key=generate_private_key())
    refusals[response.json()["code"]] = response.status_code
    response = gov.signed(bank, "POST", "/v1/indicator-queries", payload, body=b'{"consent_id": "con_x"}')
    refusals[response.json()["code"]] = response.status_code
    stale = int(gov.clock().timestamp()) - 301
    response = gov.signed(bank, "POST", "/v1/indicator-queries", payload, timestamp=stale)
    refusals[response.json()["code"]] = response.status_code

    # expired: 31 days later the 30-day consent no longer serves (and is marked expired)
    unused = gov.consent(bank, subject, session=session)
    gov.clock.advance(days=31)
    response = gov.query(bank, unused, subject)
    refusals[response.json()["code"]] = response.status_code

    assert refusals == {
        "consent_revoked": 403,
        "consent_paused": 403,
        "consent_other_institution": 403,
        "group_not_consented": 403,
        "nonce_replayed": 401,
        "signature_invalid": 401,
        "digest_mismatch": 401,
        "signature_expired": 401,
    } | {"consent_expired": 403}

    # each refusal is audited with its reason
    query_refusals = _refused_reasons(gov, EventType.INDICATOR_QUERY)
    for reason in ("consent_revoked", "consent_paused", "consent_other_institution", "group_not_consented"):
        assert reason in query_refusals
    assert "consent_expired" in query_refusals
    request_refusals = _refused_reasons(gov, EventType.REQUEST_AUTHENTICATION)
    assert set(request_refusals) == {"nonce_replayed", "signature_invalid", "digest_mismatch", "signature_expired"}
    assert any(r.event.event == EventType.CONSENT_EXPIRED and r.event.consent_id == unused["id"] for r in gov.audit())

    # the applicant sees every access to their data: who, when, purpose, which groups — served or refused
    accesses = gov.client.get("/v1/me/accesses", headers=gov.session(subject)).json()
    assert len(accesses) == 7  # 2 served + revoked, paused, another bank, group, expired
    assert sum(a["outcome"] == "success" for a in accesses) == 2
    assert {a["institution_name"] for a in accesses} == {"测试银行1", "测试银行2"}
    assert all(a["purpose"] == "loan_application" and a["at"] for a in accesses)
    assert ["judicial"] in [a["groups"] for a in accesses]

    # and the audit chain is intact after all of it
    verification = gov.client.get("/v1/admin/audit/verification", headers=gov.admin).json()
    assert verification["intact"] and verification["records"] == len(gov.audit())


def test_a_one_time_consent_serves_once_and_a_monthly_one_once_a_month(gov):
    bank = gov.admit(1)
    subject = resident_id(8)
    session = gov.session(subject)
    once = gov.consent(bank, subject, session=session)
    assert gov.query(bank, once, subject).status_code == 200
    again = gov.query(bank, once, subject)
    assert (again.status_code, again.json()["code"]) == (403, "frequency_exhausted")

    monthly = gov.consent(bank, subject, session=session, **MONTHLY_MONITORING)
    assert monthly["expires_at"] == "2027-03-01T16:00:00Z"  # the end of the maturity day in Xinyu
    assert gov.query(bank, monthly, subject).status_code == 200
    assert gov.query(bank, monthly, subject).json()["code"] == "frequency_exhausted"
    gov.clock.advance(days=31)
    next_month = gov.query(bank, monthly, subject)
    assert next_month.status_code == 200 and next_month.json()["uses"] == 2


def test_a_suspended_institution_is_refused_until_reinstated(gov):
    bank = gov.admit(1)
    subject = resident_id(9)
    consent = gov.consent(bank, subject)
    suspended = gov.client.post(f"/v1/admin/institutions/{bank.id}/suspend", headers=gov.admin, json={"reason": "x"})
    assert suspended.json()["status"] == "suspended"
    refused = gov.query(bank, consent, subject)
    assert (refused.status_code, refused.json()["code"]) == (403, "institution_suspended")
    gov.client.post(f"/v1/admin/institutions/{bank.id}/reinstate", headers=gov.admin, json={})
    assert gov.query(bank, consent, subject).status_code == 200
    assert "institution_suspended" in _refused_reasons(gov, EventType.REQUEST_AUTHENTICATION)
    before = gov.client.get(f"/v1/admin/institutions/{bank.id}", headers=gov.admin).json()["public_key"]
    rotated = gov.client.post(f"/v1/admin/institutions/{bank.id}/credentials", headers=gov.admin).json()
    assert rotated["institution"]["public_key"] != before
    stale_key = gov.request_consent(bank, subject)
    assert (stale_key.status_code, stale_key.json()["code"]) == (401, "signature_invalid")
    bank.key = load_private_key(rotated["private_key_pem"])
    assert gov.request_consent(bank, subject).status_code == 201
    gov.client.post(f"/v1/admin/institutions/{bank.id}/revoke", headers=gov.admin, json={"reason": "licence withdrawn"})
    revoked = gov.request_consent(bank, subject)
    assert (revoked.status_code, revoked.json()["code"]) == (403, "institution_revoked")
    again = gov.client.post(f"/v1/admin/institutions/{bank.id}/reinstate", headers=gov.admin, json={})
    assert (again.status_code, again.json()["code"]) == (409, "institution_cannot_reinstate")


def test_caps_admission_and_the_letter_are_enforced_when_a_consent_is_issued(gov):
    bank = gov.admit(1, purposes=("loan_application",), groups=("identity_basic", "tax"))
    subject = resident_id(10)
    too_long = gov.request_consent(bank, subject, validity_days=31)
    assert (too_long.status_code, too_long.json()["code"]) == (422, "purpose_cap_exceeded")
    wrong_frequency = gov.request_consent(bank, subject, fetch_type="periodic", frequency={"count": 1, "unit": "day"})
    assert wrong_frequency.status_code == 422
    not_admitted = gov.request_consent(bank, subject, groups=["judicial"])
    assert (not_admitted.status_code, not_admitted.json()["code"]) == (403, "group_not_admitted")
    not_admitted_purpose = gov.request_consent(
        bank, subject, purpose="in_loan_monitoring", fetch_type="periodic", frequency={"count": 1, "unit": "month"}
    )
    assert not_admitted_purpose.json()["code"] == "purpose_not_admitted"

    requested = gov.request_consent(bank, subject, groups=["identity_basic", "tax"], language="en")
    assert requested.status_code == 201
    consent = requested.json()
    assert consent["required_clauses"] == ["main", "income_or_property"]
    assert "adverse consequences" in consent["letter_text"] and "withdraw" in consent["letter_text"]
    session = gov.session(subject)
    missing_clause = gov.client.post(
        f"/v1/me/consents/{consent['id']}/grant",
        headers=session,
        json={"letter_hash": consent["letter_hash"], "accepted_clauses": ["main"]},
    )
    assert (missing_clause.status_code, missing_clause.json()["code"]) == (422, "clause_not_accepted")
    other_letter = gov.client.post(
        f"/v1/me/consents/{consent['id']}/grant",
        headers=session,
        json={"letter_hash": "0" * 64, "accepted_clauses": consent["required_clauses"]},
    )
    assert (other_letter.status_code, other_letter.json()["code"]) == (409, "letter_mismatch")
    someone_else = gov.session(resident_id(11))
    assert gov.client.get(f"/v1/me/consents/{consent['id']}", headers=someone_else).status_code == 404
    granted = gov.grant(session, consent)
    assert granted["artefact"]["letter"]["hash"] == consent["letter_hash"]
    assert granted["artefact"]["accepted_clauses"] == ["income_or_property", "main"]
    rejected = gov.request_consent(bank, subject).json()
    assert gov.client.post(f"/v1/me/consents/{rejected['id']}/reject", headers=session).json()["status"] == "rejected"
    assert gov.query(bank, rejected, subject).json()["code"] == "consent_rejected"


def test_identity_verification_refuses_wrong_codes_and_reuse(gov):
    subject = resident_id(12)
    started = gov.client.post("/v1/identity/challenges", json={"id_number": subject, "name": "李四"}).json()
    wrong = "000000" if started["development_code"] != "000000" else "111111"
    response = gov.client.post("/v1/identity/sessions", json={"challenge_id": started["challenge_id"], "code": wrong})
    assert (response.status_code, response.json()["code"]) == (401, "code_wrong")
    right = {"challenge_id": started["challenge_id"], "code": started["development_code"]}
    assert gov.client.post("/v1/identity/sessions", json=right).status_code == 201
    reused = gov.client.post("/v1/identity/sessions", json=right)
    assert (reused.status_code, reused.json()["code"]) == (401, "challenge_used")
    bad_id = gov.client.post("/v1/identity/challenges", json={"id_number": subject[:-1] + "0", "name": "李四"})
    assert bad_id.status_code == 422
    assert gov.client.get("/v1/me/consents", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert gov.client.get("/v1/consents/%00%ff\u5f20").status_code == 401  # audited as it came, NUL escaped
    assert gov.client.get("/v1/admin/institutions", headers={"Authorization": "Bearer nope"}).status_code == 401
    reasons = _refused_reasons(gov, EventType.IDENTITY_VERIFICATION)
    assert {"code_wrong", "challenge_used", "session_invalid"} <= set(reasons)
    assert "admin_token_invalid" in _refused_reasons(gov, EventType.ADMIN_AUTHENTICATION)


def test_the_bulk_form_serves_and_refuses_each_subject_on_its_own(gov):
    bank = gov.admit(1)
    terms = {
        "purpose": "in_loan_monitoring",
        "groups": ["judicial", "social_insurance"],
        "lookback_months": 12,
        "fetch_type": "periodic",
        "frequency": {"count": 1, "unit": "month"},
        "validity_days": 365,
        "loan_maturity": "2027-01-31",
    }
    subjects = [resident_id(n) for n in (20, 21, 22)]
    consents = [gov.consent(bank, s, **terms) for s in subjects]
    gov.client.post(f"/v1/me/consents/{consents[1]['id']}/revoke", headers=gov.session(subjects[1]))
    items = [
        {"consent_id": c["id"], "subject_id": s, "groups": ["judicial"]}
        for c, s in zip(consents, subjects, strict=True)
    ]
    items.append({"consent_id": consents[2]["id"], "subject_id": subjects[0], "groups": ["judicial"]})
    response = gov.signed(bank, "POST", "/v1/indicator-queries/bulk", {"purpose": "in_loan_monitoring", "items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["served"], body["refused"]) == (2, 2)
    outcome = [(r["served"], r["reason"]) for r in body["results"]]
    assert outcome == [(True, None), (False, "consent_revoked"), (True, None), (False, "consent_subject_mismatch")]
    assert [i["group"] for i in body["results"][0]["release"]["indicators"]] == ["judicial"]
