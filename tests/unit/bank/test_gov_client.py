"""The bank's government client against its shipped fake node: signatures, retries, errors, the applicant's side."""

import datetime as dt

import httpx
import pytest

from puhui.bank.gov_client.applicant import ApplicantAgent
from puhui.bank.gov_client.client import HttpGovClient
from puhui.bank.gov_client.fake import FakeGovNode
from puhui.bank.gov_client.model import ConsentRequest, ConsentTerms
from puhui.core.errors import AuthenticationError, Conflict, PermissionDenied, UpstreamUnavailable
from puhui.core.ids import SubjectKind, resident_id_check_digit
from puhui.core.signing import generate_private_key, load_private_key

SUBJECT = "36050219850612001" + resident_id_check_digit("36050219850612001")


@pytest.fixture
def gov():
    return FakeGovNode(indicators={"court_dishonest_debtor_now": False, "court_enforcement_cases_36m": 2})


@pytest.fixture
def client(gov):
    key_id, pem = gov.admit()
    client = HttpGovClient(
        "http://gov.test", key_id=key_id, private_key=load_private_key(pem), transport=gov.transport(), retries=2
    )
    client.calls.backoff_seconds = 0
    yield client
    client.close()


def consent_request():
    return ConsentRequest(SubjectKind.PERSON, SUBJECT, ("judicial",), ConsentTerms(), "A1")


def query(client, consent_id, key="k1"):
    return client.query_indicators(
        consent_id, SubjectKind.PERSON, SUBJECT, ["judicial"], purpose="loan_application", idempotency_key=key
    )


def test_consent_then_query_returns_typed_indicators(gov, client):
    pending = client.request_consent(consent_request(), idempotency_key="c1")
    assert pending.status == "pending" and pending.groups == ("judicial",) and pending.data_life_days == 365
    ApplicantAgent("http://gov.test", transport=gov.transport()).sign_consent(pending.consent_id, SUBJECT, "张三")
    assert client.consent(pending.consent_id).status == "active"
    received = query(client, pending.consent_id)
    assert received.values == {"court_dishonest_debtor_now": False, "court_enforcement_cases_36m": 2}
    assert (
        received.versions["court_dishonest_debtor_now"] == "1"
        and received.groups["court_enforcement_cases_36m"] == "judicial"
    )
    assert received.as_of == dt.date(2025, 5, 31)
    assert gov.queries[0]["idempotency_key"] == "k1"


def test_refusals_keep_the_nodes_reason_code(gov, client):
    pending = client.request_consent(consent_request(), idempotency_key="c1")
    with pytest.raises(PermissionDenied) as refused:
        query(client, pending.consent_id)
    assert refused.value.code == "consent_pending"


def test_a_request_signed_with_another_key_is_refused(gov):
    key_id, _ = gov.admit()
    forger = HttpGovClient(
        "http://gov.test", key_id=key_id, private_key=generate_private_key(), transport=gov.transport()
    )
    with pytest.raises(AuthenticationError) as refused:
        forger.request_consent(consent_request(), idempotency_key="c1")
    assert refused.value.code == "signature_invalid"


def test_a_temporary_failure_is_retried_with_a_fresh_signature_and_the_same_key(gov, client):
    gov.unavailable = 2
    pending = client.request_consent(consent_request(), idempotency_key="c1")
    assert pending.consent_id in gov.consents
    assert gov.requests.count("POST /v1/consent-requests") == 3  # two 503s, then served; each nonce accepted once


def test_a_node_that_stays_down_is_unavailable_after_the_retries(gov, client):
    gov.down = True
    with pytest.raises(UpstreamUnavailable):
        client.request_consent(consent_request(), idempotency_key="c1")
    assert gov.requests.count("POST /v1/consent-requests") == 3
    assert not client.is_up()


def test_a_query_that_timed_out_is_not_sent_again(gov, client):
    pending = client.request_consent(consent_request(), idempotency_key="c1")
    ApplicantAgent("http://gov.test", transport=gov.transport()).sign_consent(pending.consent_id, SUBJECT, "张三")
    gov.slow = True
    with pytest.raises(UpstreamUnavailable):
        query(client, pending.consent_id)
    assert gov.requests.count("POST /v1/indicator-queries") == 1  # the one use of the consent may be spent


def test_a_read_is_retried_after_a_timeout(gov, client):
    pending = client.request_consent(consent_request(), idempotency_key="c1")
    calls = []

    def flaky(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return gov.handle(request)

    client.http.client._transport = httpx.MockTransport(flaky)
    assert client.consent(pending.consent_id).consent_id == pending.consent_id and len(calls) == 2


def test_the_applicant_cannot_sign_twice(gov, client):
    pending = client.request_consent(consent_request(), idempotency_key="c1")
    applicant = ApplicantAgent("http://gov.test", transport=gov.transport())
    applicant.sign_consent(pending.consent_id, SUBJECT, "张三")
    with pytest.raises(Conflict):
        applicant.sign_consent(pending.consent_id, SUBJECT, "张三")
