"""Risk-based pricing within the rule set's bounds, and the offer a decision states.

The annual rate is the 1-year LPR in force on the decision day plus a spread. The spread moves linearly from the
applicant's grade's spread to the next grade's as the probability of default rises through the grade's band,
is rounded to a whole basis point, and is held within the bank's band (and under the 4 × LPR judicial ceiling).
Everything is ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from puhui.bank.pricing.lpr import LprTable, load_lpr_table
from puhui.bank.rules.definitions import RuleSet
from puhui.bank.rules.evaluate import grade_for
from puhui.core.money import quantize_fen
from puhui.core.schedule import RepaymentMethod, Schedule, build_schedule

BASIS_POINT = Decimal("0.0001")
JUDICIAL_CEILING_TIMES_LPR = 4  # Supreme People's Court, 2020: 4 × the 1-year LPR


@dataclass(frozen=True, slots=True)
class Price:
    lpr: Decimal
    spread_bp: int
    annual_rate: Decimal  # fraction: 0.0345 is 3.45 %


@dataclass(frozen=True, slots=True)
class Offer:
    amount: Decimal
    term_months: int
    method: RepaymentMethod
    price: Price
    schedule: Schedule

    @property
    def annual_rate(self) -> Decimal:
        return self.price.annual_rate

    @property
    def total_interest(self) -> Decimal:
        return self.schedule.total_interest

    def as_record(self, preview: int = 3) -> dict[str, object]:
        return {
            "amount": str(self.amount),
            "term_months": self.term_months,
            "method": self.method.value,
            "annual_rate": str(self.price.annual_rate),
            "lpr": str(self.price.lpr),
            "spread_bp": self.price.spread_bp,
            "total_interest": str(self.total_interest),
            "total_payment": str(self.schedule.total_payment),
            "schedule_preview": [
                {
                    "number": i.number,
                    "due_date": i.due_date.isoformat() if i.due_date else None,
                    "principal": str(i.principal),
                    "interest": str(i.interest),
                    "payment": str(i.payment),
                    "balance_after": str(i.balance_after),
                }
                for i in self.schedule.preview(preview)
            ],
        }


def rate_bounds(ruleset: RuleSet, day: dt.date, lpr_table: LprTable | None = None) -> tuple[Decimal, Decimal]:
    """The lowest and highest annual rate the rule set allows on ``day``."""
    lpr = (lpr_table or load_lpr_table()).one_year_on(day)
    ceiling = lpr * JUDICIAL_CEILING_TIMES_LPR
    low = lpr + ruleset.pricing.min_spread_bp * BASIS_POINT
    high = min(lpr + ruleset.pricing.max_spread_bp * BASIS_POINT, ceiling)
    return max(low, Decimal(0)), high


def price_for(ruleset: RuleSet, pd: Decimal, day: dt.date, lpr_table: LprTable | None = None) -> Price:
    """The annual rate for a probability of default, on ``day``."""
    table = lpr_table or load_lpr_table()
    lpr = table.one_year_on(day)
    pd = min(max(pd, Decimal(0)), Decimal(1))
    grade = grade_for(ruleset, pd)
    spreads = ruleset.pricing.spread_bp
    index = ruleset.grades.index(grade)
    low_pd = ruleset.grades[index - 1].max_pd if index > 0 else Decimal(0)
    spread = Decimal(spreads.get(grade.grade, ruleset.pricing.max_spread_bp))
    if index + 1 < len(ruleset.grades) and grade.max_pd > low_pd:
        following = Decimal(spreads.get(ruleset.grades[index + 1].grade, ruleset.pricing.max_spread_bp))
        spread += (following - spread) * (pd - low_pd) / (grade.max_pd - low_pd)
    spread_bp = int(spread.to_integral_value(rounding=ROUND_HALF_UP))
    spread_bp = min(max(spread_bp, ruleset.pricing.min_spread_bp), ruleset.pricing.max_spread_bp)
    low, high = rate_bounds(ruleset, day, table)
    rate = min(max(lpr + spread_bp * BASIS_POINT, low), high)
    return Price(lpr=lpr, spread_bp=int(((rate - lpr) / BASIS_POINT).to_integral_value()), annual_rate=rate)


def price_offer(
    ruleset: RuleSet,
    pd: Decimal,
    amount: Decimal,
    term_months: int,
    method: RepaymentMethod,
    day: dt.date,
    lpr_table: LprTable | None = None,
) -> Offer:
    """The offer for ``amount`` over ``term_months``: rate, total interest and the schedule from ``day``."""
    price = price_for(ruleset, pd, day, lpr_table)
    amount = quantize_fen(amount)
    schedule = build_schedule(amount, price.annual_rate, term_months, method, start=day)
    return Offer(amount=amount, term_months=term_months, method=method, price=price, schedule=schedule)


__all__ = ["BASIS_POINT", "Offer", "Price", "price_for", "price_offer", "rate_bounds"]
