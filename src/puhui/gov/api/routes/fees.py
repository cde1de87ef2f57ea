"""Data fees, for the administrator: each institution's yearly statement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from puhui.gov.api.deps import AdminActor, Node
from puhui.gov.api.schemas import StatementPublic
from puhui.gov.metering.services import fee_statements

router = APIRouter(prefix="/v1/admin/fees", tags=["fees (admin)"])


@router.get("")
def statements(year: Annotated[int, Query(ge=2019, le=2100)], node: Node, actor: AdminActor) -> list[StatementPublic]:
    found = fee_statements(node.uow(), year=year, prices=node.prices, actor=actor, now=node.now())
    return [StatementPublic.of(statement) for statement in found]
