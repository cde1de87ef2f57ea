"""Data accesses, for the applicant: every query about them — who, when, for what purpose, which groups."""

from __future__ import annotations

from fastapi import APIRouter

from puhui.gov.api.deps import Applicant, Node
from puhui.gov.api.schemas import AccessPublic
from puhui.gov.consent.services import my_data_accesses

router = APIRouter(prefix="/v1/me/accesses", tags=["data accesses"])


@router.get("")
def my_accesses(node: Node, session: Applicant) -> list[AccessPublic]:
    return [AccessPublic.of(view) for view in my_data_accesses(node.uow(), session=session)]
