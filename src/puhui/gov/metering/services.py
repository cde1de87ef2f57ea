"""Use case of metering: the yearly fee statements, one per institution (an export, so it is audited)."""

from __future__ import annotations

import datetime as dt

from puhui.gov.audit.model import Actor, AuditEvent, EventType
from puhui.gov.metering.prices import PriceTable, Statement, yearly_statement
from puhui.gov.unit_of_work import UnitOfWork


def fee_statements(
    uow: UnitOfWork, *, year: int, prices: PriceTable, actor: Actor, now: dt.datetime
) -> list[Statement]:
    with uow:
        institutions = uow.institutions.list()
        usage = uow.accesses.usage(year)
        statements = [yearly_statement(institution, year, usage, prices) for institution in institutions]
        uow.audit.append(
            AuditEvent.by(
                actor, EventType.FEES_EXPORTED, f"fees {year}", at=now, detail={"statements": len(statements)}
            )
        )
        uow.commit()
    return statements


__all__ = ["fee_statements"]
