import pytest

from puhui.core.errors import AuthenticationError, ValidationError
from puhui.core.signing import (
    DigestAlgorithm,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_from_seed,
    private_key_pem,
    public_key_text,
    read_signed_headers,
    sign_document,
    sign_request,
    verify_document,
    verify_request,
)

NOW = 1_780_000_000
KEY = private_key_from_seed(bytes(range(32)))
PUBLIC = load_public_key(public_key_text(KEY))


def _signed(body: bytes = b'{"a":1}', **kw):
    return sign_request(KEY, "ins_000000000001", "post", "/v1/x?y=1", body, timestamp=NOW, **kw)


@pytest.mark.parametrize("algorithm", list(DigestAlgorithm))
def test_a_signed_request_verifies_and_survives_its_headers(algorithm):
    signed = _signed(algorithm=algorithm)
    assert signed.digest.startswith(f"{algorithm.value}=")
    again = read_signed_headers(signed.headers())
    verify_request(PUBLIC, again, "POST", "/v1/x?y=1", b'{"a":1}', now=NOW + 299)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"body": b'{"a":2}'}, "digest_mismatch"),
        ({"path": "/v1/x?y=2"}, "signature_invalid"),
        ({"method": "PUT"}, "signature_invalid"),
        ({"now": NOW + 301}, "signature_expired"),
        ({"now": NOW - 301}, "signature_expired"),
        ({"public": load_public_key(public_key_text(generate_private_key()))}, "signature_invalid"),
    ],
)
def test_every_part_of_the_request_is_covered(change, code):
    arguments = {"public": PUBLIC, "method": "POST", "path": "/v1/x?y=1", "body": b'{"a":1}', "now": NOW} | change
    with pytest.raises(AuthenticationError) as refused:
        verify_request(
            arguments["public"],
            _signed(),
            arguments["method"],
            arguments["path"],
            arguments["body"],
            now=arguments["now"],
        )
    assert refused.value.code == code


def test_missing_or_malformed_headers_are_authentication_failures():
    headers = _signed().headers()
    for name in headers:
        with pytest.raises(AuthenticationError, match="missing"):
            read_signed_headers({k: v for k, v in headers.items() if k != name})
    with pytest.raises(AuthenticationError):
        read_signed_headers(headers | {"X-Puhui-Nonce": "short"})
    with pytest.raises(AuthenticationError):
        read_signed_headers(headers | {"X-Puhui-Timestamp": "yesterday"})


def test_documents_are_signed_over_their_canonical_json_and_keys_round_trip():
    document = {"b": [1, 2], "a": "授权"}
    signature = sign_document(KEY, document)
    assert verify_document(PUBLIC, {"a": "授权", "b": [1, 2]}, signature)
    assert not verify_document(PUBLIC, document | {"a": "changed"}, signature)
    assert not verify_document(PUBLIC, document, "not base64!")
    assert public_key_text(load_private_key(private_key_pem(KEY))) == public_key_text(KEY)
    with pytest.raises(ValidationError):
        load_public_key("abc")
    with pytest.raises(ValidationError):
        load_private_key("-----BEGIN NOTHING-----")
