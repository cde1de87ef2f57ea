"""schemathesis against the node's OpenAPI document: every operation, valid and invalid inputs, signed and
authenticated like a real caller so the checks behind authentication are reached too, and invalid ones also
without credentials (the refusals are audited) — never a 5xx."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from puhui.core.signing import sign_request
from tests.support.gov_service import resident_id

EXAMPLES_PER_OPERATION = 3


def test_no_input_makes_the_node_fail(gov):
    bank = gov.admit(1)
    subject = resident_id(60)
    gov.consent(bank, subject)
    applicant = gov.session(subject)
    schema = schemathesis.openapi.from_asgi("/openapi.json", gov.client.app)
    server_errors: list[str] = []
    statuses: Counter[int] = Counter()

    def send(case, *, authenticated: bool) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        content = json.dumps(kwargs["json"]).encode() if "json" in kwargs else kwargs.get("data") or b""
        if isinstance(content, str):
            content = content.encode()
        request = httpx.Request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), content=content)
        path = request.url.raw_path.decode()
        headers = {k: v for k, v in kwargs["headers"].items() if k.lower() != "authorization"}
        if authenticated:
            if path.startswith("/v1/admin"):
                headers |= gov.admin
            elif path.startswith(("/v1/me", "/v1/identity/sessions/current")):
                headers |= applicant
            now = int(gov.clock().timestamp())
            headers |= sign_request(bank.key, bank.id, request.method, path, content, timestamp=now).headers()
        response = gov.client.request(request.method, str(request.url), content=content, headers=headers)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            server_errors.append(f"{request.method} {path} {content[:200]!r} -> {response.status_code}")

    def fuzzer(strategy, *, negative: bool):
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def fuzz(case) -> None:
            send(case, authenticated=True)
            if negative:  # and as a stranger: refusals are audited, whatever the path
                send(case, authenticated=False)

        return fuzz

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            negative = mode is GenerationMode.NEGATIVE
            try:
                fuzzer(operation.as_strategy(generation_mode=mode), negative=negative)()
            except Unsatisfiable:  # nothing invalid to send (an operation without inputs)
                assert negative
    assert server_errors == []
    # the callers were authenticated: requests got past the signature and token checks into the use cases
    assert statuses[200] + statuses[201] > 20 and statuses[422] > 50 and statuses[404] > 5, statuses
