"""Institutions, for the information-centre administrator: admit, list, suspend, reinstate, revoke, new keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from puhui.gov.api.deps import AdminActor, Node
from puhui.gov.api.schemas import CredentialsPublic, InstitutionCreate, InstitutionPublic, StatusChange
from puhui.gov.institutions import services
from puhui.gov.institutions.services import Credentials

router = APIRouter(prefix="/v1/admin/institutions", tags=["institutions (admin)"])
InstitutionId = Annotated[str, Path(pattern=r"^ins_[0-9a-f]{12}$")]


def _credentials(credentials: Credentials) -> CredentialsPublic:
    return CredentialsPublic(
        institution=InstitutionPublic.of(credentials.institution),
        key_id=credentials.institution.id,
        private_key_pem=credentials.private_key_pem,
    )


@router.post("", status_code=201)
def admit(body: InstitutionCreate, node: Node, actor: AdminActor) -> CredentialsPublic:
    """Admit a bank or a data service provider; its private key is in this answer and nowhere else."""
    admitted = services.admit_institution(
        node.uow(),
        name=body.name,
        credit_code=body.credit_code,
        type=body.type,
        purposes=body.purposes,
        groups=body.groups,
        purpose_table=node.purposes,
        known_groups=node.reader.groups().keys(),
        actor=actor,
        now=node.now(),
    )
    return _credentials(admitted)


@router.get("")
def list_all(node: Node, _: AdminActor) -> list[InstitutionPublic]:
    return [InstitutionPublic.of(i) for i in services.list_institutions(node.uow())]


@router.get("/{institution_id}")
def show(institution_id: InstitutionId, node: Node, _: AdminActor) -> InstitutionPublic:
    return InstitutionPublic.of(services.get_institution(node.uow(), institution_id))


@router.post("/{institution_id}/suspend")
def suspend(institution_id: InstitutionId, body: StatusChange, node: Node, actor: AdminActor) -> InstitutionPublic:
    changed = services.suspend_institution(node.uow(), institution_id, reason=body.reason, actor=actor, now=node.now())
    return InstitutionPublic.of(changed)


@router.post("/{institution_id}/reinstate")
def reinstate(institution_id: InstitutionId, body: StatusChange, node: Node, actor: AdminActor) -> InstitutionPublic:
    changed = services.reinstate_institution(
        node.uow(), institution_id, reason=body.reason, actor=actor, now=node.now()
    )
    return InstitutionPublic.of(changed)


@router.post("/{institution_id}/revoke")
def revoke(institution_id: InstitutionId, body: StatusChange, node: Node, actor: AdminActor) -> InstitutionPublic:
    changed = services.revoke_institution(node.uow(), institution_id, reason=body.reason, actor=actor, now=node.now())
    return InstitutionPublic.of(changed)


@router.post("/{institution_id}/credentials", status_code=201)
def rotate(institution_id: InstitutionId, node: Node, actor: AdminActor) -> CredentialsPublic:
    """A new key pair; the old one stops working at once."""
    return _credentials(services.rotate_credentials(node.uow(), institution_id, actor=actor, now=node.now()))
