"""The one error hierarchy of puhui. Every failure a user can cause is one of these.

    PuhuiError
    ├── ValidationError              input that breaks a rule; says which rule and why
    │   ├── InvalidIdentifier        resident ID or credit code fails format or checksum
    │   └── DefinitionError          a catalog entry, indicator or rule set is malformed
    ├── NotFound                     the thing asked for does not exist
    ├── Conflict                     the request clashes with current state (duplicate, wrong lifecycle step)
    ├── AuthenticationError          who is asking cannot be established (bad signature, replay, stale clock)
    ├── PermissionDenied             the caller is known but not allowed (no valid consent, suspended institution)
    ├── UpstreamUnavailable          a node this one depends on did not answer in time
    └── IngestError                  a delivery as a whole cannot be read; nothing of it was loaded

The HTTP shells map these to status codes in exactly one place each (`api/errors.py`).
Each carries a machine-readable ``code`` and a human message.
"""

from __future__ import annotations


class PuhuiError(Exception):
    """Base class: ``code`` is stable and machine-readable, ``str(err)`` is for people."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ValidationError(PuhuiError):
    code = "invalid"


class InvalidIdentifier(ValidationError):
    code = "invalid_identifier"


class DefinitionError(ValidationError):
    code = "invalid_definition"


class NotFound(PuhuiError):
    code = "not_found"


class Conflict(PuhuiError):
    code = "conflict"


class AuthenticationError(PuhuiError):
    code = "unauthenticated"


class PermissionDenied(PuhuiError):
    code = "forbidden"


class UpstreamUnavailable(PuhuiError):
    code = "upstream_unavailable"


class IngestError(PuhuiError):
    code = "ingest_rejected"


__all__ = [
    "AuthenticationError",
    "Conflict",
    "DefinitionError",
    "IngestError",
    "InvalidIdentifier",
    "NotFound",
    "PermissionDenied",
    "PuhuiError",
    "UpstreamUnavailable",
    "ValidationError",
]
