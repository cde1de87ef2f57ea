"""Identity verification of an applicant, behind a small interface.

In production a certified provider checks the face against the public-security photo and sends a one-time code
by SMS to the phone registered to the number. The built-in verifier, for demos and tests, checks the number's
check digit (at parsing), that the name is a plausible name (and, given a directory, the name registered to the
number) and delivers the code only through the development channel: the API returns it when the node runs in
the ``development`` profile and nowhere else. Generating, storing and checking the code is the use case's job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Protocol

from puhui.core.errors import AuthenticationError, ValidationError
from puhui.core.ids import ResidentId, SubjectId

# A person's name: Chinese characters (with the middle dot of minority names) or Latin letters and blanks.
_PERSON_NAME = re.compile(r"^(?:[\u3400-\u9fff\u00b7\u30fb]{2,20}|[A-Za-z][A-Za-z .'-]{1,59})$")


@dataclasses.dataclass(frozen=True, slots=True)
class IdentityClaim:
    subject: SubjectId
    name: str


class IdentityVerifier(Protocol):
    def check_claim(self, claim: IdentityClaim) -> None:
        """Raise ``AuthenticationError`` unless the name belongs to the number."""

    def send_code(self, claim: IdentityClaim, code: str) -> str | None:
        """Deliver the one-time code to the subject; return it only where a development channel shows it."""


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split())


class BuiltinIdentityVerifier:
    """For demos and tests: plausibility (or a given directory) instead of a face, the API instead of an SMS."""

    def __init__(self, *, show_codes: bool, directory: Callable[[SubjectId], str | None] | None = None) -> None:
        self._show_codes = show_codes
        self._directory = directory

    def check_claim(self, claim: IdentityClaim) -> None:
        name = normalize_name(claim.name)
        if isinstance(claim.subject, ResidentId) and not _PERSON_NAME.match(name):
            raise ValidationError("the name is not a person's name", code="invalid_name")
        if not name or len(name) > 100:
            raise ValidationError("the name is empty or too long", code="invalid_name")
        if self._directory is not None:
            registered = self._directory(claim.subject)
            if registered is None or normalize_name(registered) != name:
                raise AuthenticationError("the name and the number do not match", code="identity_mismatch")

    def send_code(self, claim: IdentityClaim, code: str) -> str | None:
        return code if self._show_codes else None


@dataclasses.dataclass(frozen=True, slots=True)
class IdentityChallenge:
    """A one-time code sent for a claimed identity; only its hash is kept."""

    id: str
    subject_pseudonym: str
    masked_subject: str
    code_hash: str
    expires_at: dt.datetime
    attempts: int = 0
    used: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class ApplicantSession:
    """What a verified applicant holds: a bearer token (only its hash is kept) bound to their pseudonym."""

    token_hash: str
    subject_pseudonym: str
    masked_subject: str
    created_at: dt.datetime
    expires_at: dt.datetime


__all__ = [
    "ApplicantSession",
    "BuiltinIdentityVerifier",
    "IdentityChallenge",
    "IdentityClaim",
    "IdentityVerifier",
    "normalize_name",
]
