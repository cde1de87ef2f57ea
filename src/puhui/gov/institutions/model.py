"""An admitted institution, what it may ask for, and its lifecycle (pure: no framework, no storage)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import secrets

from puhui.core.errors import PermissionDenied, ValidationError
from puhui.core.ids import CreditCode
from puhui.gov.lifecycle import next_state


class InstitutionType(enum.StrEnum):
    BANK = "bank"
    DATA_SERVICE_PROVIDER = "data_service_provider"


class InstitutionStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class InstitutionEvent(enum.StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"


INSTITUTION_TRANSITIONS: dict[tuple[InstitutionStatus, InstitutionEvent], InstitutionStatus] = {
    (InstitutionStatus.ACTIVE, InstitutionEvent.SUSPEND): InstitutionStatus.SUSPENDED,
    (InstitutionStatus.SUSPENDED, InstitutionEvent.REINSTATE): InstitutionStatus.ACTIVE,
    (InstitutionStatus.ACTIVE, InstitutionEvent.REVOKE): InstitutionStatus.REVOKED,
    (InstitutionStatus.SUSPENDED, InstitutionEvent.REVOKE): InstitutionStatus.REVOKED,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Institution:
    """An institution the information centre admitted; the node keeps only its public key."""

    id: str
    name: str
    credit_code: str
    type: InstitutionType
    status: InstitutionStatus
    purposes: tuple[str, ...]
    groups: tuple[str, ...]
    public_key: str  # base64 raw Ed25519 public key (puhui.core.signing.public_key_text)
    admitted_at: dt.datetime
    status_changed_at: dt.datetime

    def after(self, event: InstitutionEvent, at: dt.datetime) -> Institution:
        status = next_state(INSTITUTION_TRANSITIONS, self.status, event, "institution")
        return dataclasses.replace(self, status=status, status_changed_at=at)

    def with_key(self, public_key: str) -> Institution:
        return dataclasses.replace(self, public_key=public_key)

    def ensure_active(self) -> None:
        """Known but not allowed: a suspended or revoked institution gets nothing."""
        if self.status is not InstitutionStatus.ACTIVE:
            raise PermissionDenied(f"institution {self.id} is {self.status.value}", code=f"institution_{self.status}")

    def ensure_may_ask(self, purpose: str, groups: tuple[str, ...]) -> None:
        """The purposes and indicator groups it was admitted for bound every consent it requests."""
        if purpose not in self.purposes:
            raise PermissionDenied(
                f"institution {self.id} is not admitted for the purpose {purpose}", code="purpose_not_admitted"
            )
        outside = sorted(set(groups) - set(self.groups))
        if outside:
            raise PermissionDenied(
                f"institution {self.id} is not admitted for the groups {', '.join(outside)}",
                code="group_not_admitted",
            )


def new_institution(
    *,
    name: str,
    credit_code: str,
    type: InstitutionType,
    purposes: tuple[str, ...],
    groups: tuple[str, ...],
    public_key: str,
    at: dt.datetime,
) -> Institution:
    """A freshly admitted institution; the credit code is validated and normalized (GB 32100)."""
    if not name.strip():
        raise ValidationError("an institution needs a name")
    if not purposes or not groups:
        raise ValidationError("an institution is admitted for at least one purpose and one indicator group")
    return Institution(
        id=f"ins_{secrets.token_hex(6)}",
        name=name.strip(),
        credit_code=CreditCode.parse(credit_code).value,
        type=type,
        status=InstitutionStatus.ACTIVE,
        purposes=tuple(sorted(set(purposes))),
        groups=tuple(sorted(set(groups))),
        public_key=public_key,
        admitted_at=at,
        status_changed_at=at,
    )


__all__ = [
    "INSTITUTION_TRANSITIONS",
    "Institution",
    "InstitutionEvent",
    "InstitutionStatus",
    "InstitutionType",
    "new_institution",
]
