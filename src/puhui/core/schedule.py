"""Repayment schedules: equal instalments (等额本息), equal principal (等额本金), interest then principal (先息后本).

Pure arithmetic on ``Decimal``, shared by the offer preview of a credit decision and by the loan's whole life.
Each month's interest is the outstanding balance times the monthly rate (annual rate / 12), rounded to the fen;
principal parts are rounded to the fen and whatever rounding left over is carried by the last instalment, so the
principal parts always add up to the principal exactly.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, localcontext

from puhui.core.errors import ValidationError
from puhui.core.i18n import Text
from puhui.core.money import CONTEXT, FEN, quantize_fen

MAX_TERM_MONTHS = 360
MAX_ANNUAL_RATE = Decimal("0.36")  # far above any lawful rate: a larger one is a unit mistake (percent for fraction)
ZERO = Decimal("0.00")


class RepaymentMethod(enum.StrEnum):
    EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    INTEREST_FIRST = "interest_first"  # 先息后本 (按期付息, 到期还本)

    @property
    def label(self) -> Text:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {
    RepaymentMethod.EQUAL_INSTALMENT: Text(zh="等额本息", en="equal instalments"),
    RepaymentMethod.EQUAL_PRINCIPAL: Text(zh="等额本金", en="equal principal"),
    RepaymentMethod.INTEREST_FIRST: Text(zh="先息后本", en="interest first, principal at maturity"),
}


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1-based
    due_date: dt.date | None
    principal: Decimal
    interest: Decimal
    balance_after: Decimal

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True, slots=True)
class Schedule:
    principal: Decimal
    annual_rate: Decimal  # a fraction: 0.0345 is 3.45 % a year
    term_months: int
    method: RepaymentMethod
    instalments: tuple[Instalment, ...]

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)

    @property
    def total_payment(self) -> Decimal:
        return self.principal + self.total_interest

    def preview(self, head: int = 3) -> tuple[Instalment, ...]:
        """The first ``head`` instalments and the last one: what an offer shows."""
        if len(self.instalments) <= head + 1:
            return self.instalments
        return (*self.instalments[:head], self.instalments[-1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clipped to the month's end (31 January + 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def build_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    method: RepaymentMethod,
    start: dt.date | None = None,
) -> Schedule:
    """The whole schedule of a loan drawn on ``start`` (due dates monthly after it, none when no start)."""
    _check_terms(principal, annual_rate, term_months)
    principal = quantize_fen(principal)
    with localcontext(CONTEXT):
        monthly_rate = annual_rate / 12
        principal_parts = _principal_parts(principal, monthly_rate, term_months, method)
    instalments: list[Instalment] = []
    balance = principal
    for number, part in enumerate(principal_parts, start=1):
        interest = quantize_fen(balance * monthly_rate)
        balance -= part
        due = add_months(start, number) if start is not None else None
        instalments.append(Instalment(number, due, part, interest, balance))
    return Schedule(principal, annual_rate, term_months, method, tuple(instalments))


def _check_terms(principal: Decimal, annual_rate: Decimal, term_months: int) -> None:
    if not isinstance(principal, Decimal) or not isinstance(annual_rate, Decimal):
        raise TypeError("principal and rate are Decimals")
    if principal < FEN:
        raise ValidationError(f"a loan's principal is at least one fen, not {principal}")
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise ValidationError(f"the term is 1 to {MAX_TERM_MONTHS} months, not {term_months}")
    if not ZERO <= annual_rate <= MAX_ANNUAL_RATE:
        raise ValidationError(f"the annual rate is a fraction between 0 and {MAX_ANNUAL_RATE}, not {annual_rate}")


def _principal_parts(principal: Decimal, monthly_rate: Decimal, term: int, method: RepaymentMethod) -> list[Decimal]:
    """Principal repaid in each month; the last part takes whatever the rounding of the others left."""
    if method is RepaymentMethod.INTEREST_FIRST:
        return [ZERO] * (term - 1) + [principal]
    if method is RepaymentMethod.EQUAL_PRINCIPAL or monthly_rate == 0:
        part = (principal / term).quantize(FEN, rounding=ROUND_DOWN)
        return [part] * (term - 1) + [principal - part * (term - 1)]
    growth = (1 + monthly_rate) ** term
    # Rounded down, so the level payment never repays the loan before its term: rounded to the nearest fen, a small
    # payment's half-fen excess, month after month, could exhaust the balance early (387.46 over 330 months at
    # 0.01 %: 1.18 a month, then 0.42, then nothing). The last instalment takes the remainders, under a fen a month.
    payment = (principal * monthly_rate * growth / (growth - 1)).quantize(FEN, rounding=ROUND_DOWN)
    parts: list[Decimal] = []
    balance = principal
    for _ in range(term - 1):
        interest = quantize_fen(balance * monthly_rate)
        # A fen of rounding must never turn a principal part negative or repay more than is owed.
        part = min(balance, max(ZERO, payment - interest))
        parts.append(part)
        balance -= part
    parts.append(balance)
    return parts


__all__ = ["Instalment", "RepaymentMethod", "Schedule", "add_months", "build_schedule"]
