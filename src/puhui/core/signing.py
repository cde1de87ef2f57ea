"""Signed requests and signed documents, shared by both nodes without either importing the other.

An institution signs every request to the government node with its Ed25519 key over a canonical string of
method, path (with query), a digest of the body (SHA-256 or SM3), a timestamp and a nonce. The receiver checks
the digest, the clock window and the signature here; remembering nonces (replay) is the receiver's job, since
it needs storage. The government node signs consent artefacts with ``sign_document``; anyone holding its public
key checks them with ``verify_document``.

Keys travel as text: a private key as PKCS#8 PEM (given once to its owner), a public key as the base64 of its
32 raw bytes (what the government node stores).
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from puhui.core.errors import AuthenticationError, ValidationError

SIGNATURE_SCHEME = "puhui-request-v1"
HEADER_KEY_ID = "X-Puhui-Key-Id"
HEADER_TIMESTAMP = "X-Puhui-Timestamp"
HEADER_NONCE = "X-Puhui-Nonce"
HEADER_DIGEST = "X-Puhui-Content-Digest"
HEADER_SIGNATURE = "X-Puhui-Signature"
SIGNED_HEADERS = (HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_DIGEST, HEADER_SIGNATURE)
DEFAULT_WINDOW_SECONDS = 300
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class DigestAlgorithm(enum.StrEnum):
    SHA256 = "sha-256"
    SM3 = "sm3"


_HASHES: dict[DigestAlgorithm, type[hashes.HashAlgorithm]] = {
    DigestAlgorithm.SHA256: hashes.SHA256,
    DigestAlgorithm.SM3: hashes.SM3,
}


def hex_digest(data: bytes, algorithm: DigestAlgorithm = DigestAlgorithm.SHA256) -> str:
    hasher = hashes.Hash(_HASHES[algorithm]())
    hasher.update(data)
    return hasher.finalize().hex()


def body_digest(body: bytes, algorithm: DigestAlgorithm = DigestAlgorithm.SHA256) -> str:
    """The content-digest header value: ``sha-256=<hex>`` or ``sm3=<hex>``."""
    return f"{algorithm.value}={hex_digest(body, algorithm)}"


def canonical_request(method: str, path: str, key_id: str, timestamp: int, nonce: str, digest: str) -> bytes:
    """The exact bytes an institution signs; ``path`` includes the query string as sent."""
    return "\n".join((SIGNATURE_SCHEME, method.upper(), path, key_id, str(timestamp), nonce, digest)).encode()


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The signature headers of one request."""

    key_id: str
    timestamp: int
    nonce: str
    digest: str
    signature: str  # base64 Ed25519 signature of the canonical request

    def headers(self) -> dict[str, str]:
        return {
            HEADER_KEY_ID: self.key_id,
            HEADER_TIMESTAMP: str(self.timestamp),
            HEADER_NONCE: self.nonce,
            HEADER_DIGEST: self.digest,
            HEADER_SIGNATURE: self.signature,
        }


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def sign_request(
    private_key: Ed25519PrivateKey,
    key_id: str,
    method: str,
    path: str,
    body: bytes,
    *,
    timestamp: int,
    nonce: str | None = None,
    algorithm: DigestAlgorithm = DigestAlgorithm.SHA256,
) -> SignedRequest:
    """Sign a request; add ``.headers()`` to it. ``timestamp`` is Unix seconds from the caller's clock."""
    nonce = nonce or new_nonce()
    digest = body_digest(body, algorithm)
    signature = private_key.sign(canonical_request(method, path, key_id, timestamp, nonce, digest))
    return SignedRequest(key_id, timestamp, nonce, digest, base64.b64encode(signature).decode())


def read_signed_headers(headers: Mapping[str, str]) -> SignedRequest:
    """The signature headers of a received request (``headers`` looked up case-insensitively by the caller's
    mapping, as HTTP frameworks do); a missing or malformed one is an authentication failure."""
    missing = [name for name in SIGNED_HEADERS if not headers.get(name)]
    if missing:
        raise AuthenticationError(f"unsigned request: missing {', '.join(missing)}", code="signature_missing")
    key_id, nonce = headers[HEADER_KEY_ID], headers[HEADER_NONCE]
    if not _KEY_ID.match(key_id):
        raise AuthenticationError("malformed key id", code="signature_malformed")
    if not _NONCE.match(nonce):
        raise AuthenticationError("a nonce is 16 to 64 URL-safe characters", code="signature_malformed")
    try:
        timestamp = int(headers[HEADER_TIMESTAMP])
    except ValueError:
        raise AuthenticationError("the timestamp is Unix seconds", code="signature_malformed") from None
    return SignedRequest(key_id, timestamp, nonce, headers[HEADER_DIGEST], headers[HEADER_SIGNATURE])


def verify_request(
    public_key: Ed25519PublicKey,
    signed: SignedRequest,
    method: str,
    path: str,
    body: bytes,
    *,
    now: int,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
) -> None:
    """Check clock window, body digest and signature; raise ``AuthenticationError`` with a reason code."""
    if abs(now - signed.timestamp) > window_seconds:
        raise AuthenticationError(
            f"the request time is more than {window_seconds} s from the server clock", code="signature_expired"
        )
    algorithm_name, _, _ = signed.digest.partition("=")
    try:
        algorithm = DigestAlgorithm(algorithm_name.lower())
    except ValueError:
        raise AuthenticationError("the content digest is sha-256 or sm3", code="signature_malformed") from None
    if not secrets.compare_digest(body_digest(body, algorithm), signed.digest.lower()):
        raise AuthenticationError("the body does not match its digest", code="digest_mismatch")
    message = canonical_request(method, path, signed.key_id, signed.timestamp, signed.nonce, signed.digest.lower())
    if not verify_bytes(public_key, message, signed.signature):
        raise AuthenticationError("bad signature", code="signature_invalid")


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """One byte form of a JSON document: sorted keys, no blanks, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_document(private_key: Ed25519PrivateKey, document: Mapping[str, Any]) -> str:
    """Base64 Ed25519 signature of the canonical JSON of ``document``."""
    return base64.b64encode(private_key.sign(canonical_json(document))).decode()


def verify_document(public_key: Ed25519PublicKey, document: Mapping[str, Any], signature: str) -> bool:
    return verify_bytes(public_key, canonical_json(document), signature)


def verify_bytes(public_key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    if len(seed) != 32:
        raise ValidationError("an Ed25519 seed has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_pem(private_key: Ed25519PrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_private_key(pem: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ValidationError("not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError("the private key is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Base64 of the 32 raw bytes of the public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ValidationError("a public key is the base64 of 32 raw Ed25519 bytes") from None


__all__ = [
    "DEFAULT_WINDOW_SECONDS",
    "HEADER_DIGEST",
    "HEADER_KEY_ID",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "SIGNATURE_SCHEME",
    "SIGNED_HEADERS",
    "DigestAlgorithm",
    "SignedRequest",
    "body_digest",
    "canonical_json",
    "canonical_request",
    "generate_private_key",
    "hex_digest",
    "load_private_key",
    "load_public_key",
    "new_nonce",
    "private_key_from_seed",
    "private_key_pem",
    "public_key_text",
    "read_signed_headers",
    "sign_document",
    "sign_request",
    "verify_bytes",
    "verify_document",
    "verify_request",
]
