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

from sqlalchemy import and_, bindparam, func, select
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


def _own_data_statements() -> tuple[Any, Any]:
    """The two statements of ``facts``, built once with bound parameters (``subject``, ``as_of``, ``since``,
    ``until``): building them per decision cost more CPU than running them."""
    past = PastApplicationRow
    subject = bindparam("subject", type_=CustomerRow.subject_id.type)
    as_of = bindparam("as_of", type_=past.applied_on.type)
    earlier_loan = and_(past.subject_id == subject, past.approved.is_(True), past.applied_on < as_of)
    known_default = and_(earlier_loan, past.defaulted.is_(True), past.default_known_on < as_of)
    customer = select(
        CustomerRow.customer_since,
        select(func.count()).where(earlier_loan).scalar_subquery(),
        select(func.count()).where(known_default).scalar_subquery(),
    ).where(CustomerRow.subject_id == subject)
    deposits = select(DepositMonthRow.month, DepositMonthRow.average_balance).where(
        DepositMonthRow.subject_id == subject,
        DepositMonthRow.month >= bindparam("since", type_=DepositMonthRow.month.type),
        DepositMonthRow.month < bindparam("until", type_=DepositMonthRow.month.type),
    )
    return customer, deposits


_CUSTOMER_WITH_LOANS, _DEPOSITS = _own_data_statements()


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


class StoreOwnDataReader:
    """Reads the own-data tables of the bank's store."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def facts(self, subject_id: str, as_of: dt.date) -> dict[str, Any]:
        month = as_of.replace(day=1)
        with self._sessions() as session:
            # Two round trips on the decision path: the customer with their loan history, then their deposits.
            # Core statements on the session's connection: the ORM's execution layer adds CPU and nothing here.
            connection = session.connection()
            found = connection.execute(_CUSTOMER_WITH_LOANS, {"subject": subject_id, "as_of": as_of}).first()
            if found is None or (found[0] is not None and found[0] > as_of):
                return {}
            since, loans, defaults = found
            facts: dict[str, Any] = {"bank.loans": int(loans), "bank.defaults": int(defaults)}
            if since is not None:
                facts["bank.customer_months"] = months_between(since, as_of)
            window = {"subject": subject_id, "since": add_months(month, -12), "until": month}
            deposits = connection.execute(_DEPOSITS, window).all()
        recent = [balance for when, balance in deposits if when >= add_months(month, -6)]
        if recent:  # no deposit history in the window is missing, not zero
            facts["bank.deposit_avg_6m"] = (sum(recent, Decimal(0)) / len(recent)).quantize(Decimal("0.01"))
        if deposits:
            facts["bank.deposit_months_12m"] = sum(1 for _, balance in deposits if balance > 0)
        return facts


__all__ = ["OWN_FACT_LABELS", "StoreOwnDataReader", "months_between"]
