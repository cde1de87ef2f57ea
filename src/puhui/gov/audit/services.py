"""Use cases of the audit log: verify the chain, record the configuration a node started with."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from puhui.gov.audit.model import Actor, AuditEvent, AuditFinding, AuditHead, EventType, verify_chain
from puhui.gov.unit_of_work import UnitOfWork


@dataclasses.dataclass(frozen=True, slots=True)
class AuditVerification:
    records: int
    head: AuditHead | None
    findings: tuple[AuditFinding, ...]

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_audit_log(uow: UnitOfWork) -> AuditVerification:
    """Read the whole log (read-only) and report every edited, deleted, inserted or reordered record."""
    with uow:
        head = uow.audit.head()
        records = list(uow.audit.records())
    return AuditVerification(len(records), head, tuple(verify_chain(records, head)))


def record_configuration(uow: UnitOfWork, settings: Mapping[str, Any], *, actor: Actor, now: dt.datetime) -> None:
    """The settings a node runs with (never secrets), so a change of configuration shows in the log."""
    with uow:
        uow.audit.append(AuditEvent.by(actor, EventType.CONFIGURATION_LOADED, "node", at=now, detail=dict(settings)))
        uow.commit()


__all__ = ["AuditVerification", "record_configuration", "verify_audit_log"]
