"""The audit log, for the administrator: verify the chain."""

from __future__ import annotations

from fastapi import APIRouter

from puhui.gov.api.deps import AdminActor, Node
from puhui.gov.api.schemas import AuditVerificationPublic
from puhui.gov.audit.services import verify_audit_log

router = APIRouter(prefix="/v1/admin/audit", tags=["audit (admin)"])


@router.get("/verification")
def verification(node: Node, _: AdminActor) -> AuditVerificationPublic:
    """Every edited, deleted, inserted or reordered record, by sequence number."""
    return AuditVerificationPublic.of(verify_audit_log(node.uow()))
