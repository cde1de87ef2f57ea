"""Idempotency keys: a POST an institution retries with the same ``Idempotency-Key`` gets the first answer again,
and its work — a consent requested, a one-time consent used — is done once.

The key is the institution's (two institutions may pick the same one); its fingerprint is the method, the path and
the signed body's digest, so the same key on another request is refused (409 ``idempotency_key_reused``). A use
case claims the key in the transaction that does the work and stores its answer there: a concurrent retry waits
for that transaction and then reads the answer. Only work done is stored — a refused query leaves no answer, so a
retry after the applicant has signed is served. Answers are kept a day (``IDEMPOTENCY_HOURS``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from puhui.core.errors import Conflict, ValidationError

IDEMPOTENCY_HOURS = 24
_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@dataclasses.dataclass(frozen=True, slots=True)
class IdempotencyKey:
    key: str
    fingerprint: str  # method, path and body digest of the request that carries it

    @classmethod
    def of(cls, key: str, method: str, path: str, body_digest: str) -> IdempotencyKey:
        if not _KEY.fullmatch(key):
            raise ValidationError(
                "an Idempotency-Key is 1–64 of A–Z, a–z, 0–9 and _ . : -", code="idempotency_key_invalid"
            )
        return cls(key, f"{method.upper()} {path} {body_digest}")


@dataclasses.dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    answer: Mapping[str, Any] | None  # None while the claiming transaction is open (never seen by others)

    def for_request(self, key: IdempotencyKey) -> Mapping[str, Any] | None:
        """The stored answer to give again, after checking that the key came with the same request."""
        if self.fingerprint != key.fingerprint:
            raise Conflict(
                "this Idempotency-Key was used for another request: use a new key for a new request",
                code="idempotency_key_reused",
            )
        return self.answer


__all__ = ["IDEMPOTENCY_HOURS", "IdempotencyKey", "StoredAnswer"]
