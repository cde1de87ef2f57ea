"""The bank's own facts about an applicant as of a date, point in time: nothing after the date is seen.

``bank.customer_months``   months since the applicant became a customer (missing: not a customer)
``bank.deposit_avg_6m``    average monthly deposit balance over the 6 months before the date (yuan; missing
                           when the bank holds no deposit history for them in those months)
``bank.deposit_months_12m`` months with a positive balance among the 12 before the date
``bank.loans``             loans the bank made to the applicant before the date
``bank.defaults``          of those, defaults the bank knew of by the date
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from puhui.bank.db.tables import CustomerRow, DepositMonthRow, PastApplicationRow
from puhui.core.i18n import Text
from puhui.core.schedule import add_months

OWN_FACT_LABELS: dict[str, Text] = {
    "bank.customer_months": Text(zh="在本行开户时长", en="time as a customer of the bank"),
    "bank.deposit_avg_6m": Text(zh="近6个月日均存款", en="average deposits over 6 months"),
    "bank.deposit_months_12m": Text(zh="近12个月有存款的月数", en="months with deposits in the last 12"),
    "bank.loans": Text(zh="本行历史贷款笔数", en="earlier loans from the bank"),
    "bank.defaults": Text(zh="本行历史违约笔数", en="earlier defaults with the bank"),
}


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


class StoreOwnDataReader:
    """Reads the own-data tables of the bank's store."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def facts(self, subject_id: str, as_of: dt.date) -> dict[str, Any]:
        month = as_of.replace(day=1)
        with self._sessions() as session:
            customer = session.get(CustomerRow, subject_id)
            if customer is None or (customer.customer_since is not None and customer.customer_since > as_of):
                return {}
            facts: dict[str, Any] = {}
            if customer.customer_since is not None:
                facts["bank.customer_months"] = months_between(customer.customer_since, as_of)
            deposits = session.execute(
                select(DepositMonthRow.month, DepositMonthRow.average_balance).where(
                    DepositMonthRow.subject_id == subject_id,
                    DepositMonthRow.month >= add_months(month, -12),
                    DepositMonthRow.month < month,
                )
            ).all()
            recent = [balance for when, balance in deposits if when >= add_months(month, -6)]
            if recent:  # no deposit history in the window is missing, not zero
                facts["bank.deposit_avg_6m"] = (sum(recent, Decimal(0)) / len(recent)).quantize(Decimal("0.01"))
            if deposits:
                facts["bank.deposit_months_12m"] = sum(1 for _, balance in deposits if balance > 0)
            known_default = and_(PastApplicationRow.defaulted.is_(True), PastApplicationRow.default_known_on < as_of)
            loans, defaults = session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((known_default, 1), else_=0)), 0),
                ).where(
                    PastApplicationRow.subject_id == subject_id,
                    PastApplicationRow.approved.is_(True),
                    PastApplicationRow.applied_on < as_of,
                )
            ).one()
            facts["bank.loans"] = int(loans)
            facts["bank.defaults"] = int(defaults)
        return facts


__all__ = ["OWN_FACT_LABELS", "StoreOwnDataReader", "months_between"]
