"""A data access: one indicator query allowed or refused, as the applicant sees it and metering counts it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from puhui.gov.audit.model import Outcome


@dataclasses.dataclass(frozen=True, slots=True)
class DataAccess:
    id: str
    at: dt.datetime
    institution_id: str
    consent_id: str | None
    subject_pseudonym: str
    purpose: str
    groups: tuple[str, ...]
    outcome: Outcome
    reason: str = ""


def new_access_id() -> str:
    return f"qry_{secrets.token_hex(10)}"


__all__ = ["DataAccess", "new_access_id"]
