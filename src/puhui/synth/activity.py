"""Behaviour over time, shared by several deliveries: who is insured and pays each month, how bills are paid or
fall into arrears, and which subjects end up in court — all drawn from the latent state.

Everything here works on whole columns (subjects × months); the per-provider mappings only reshape the results
into each data set's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from puhui.synth import reference as ref
from puhui.synth.city import City
from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.population import FORMAL, Occupation
from puhui.synth.rand import stream

# Month status of a contribution or deposit that is due.
PAID, PAID_LATE, UNPAID, NOT_DUE = 0, 1, 2, 3
T = TypeVar("T")
PENSION_BASE_MIN, PENSION_BASE_MAX = 4_000.0, 20_000.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)))


@dataclass
class Enrolment:
    """Members of a monthly contribution scheme and their month-by-month record over the window."""

    members: np.ndarray  # person indices
    employer: np.ndarray  # organisation per member, -1 for individual contributors
    base: np.ndarray  # monthly contribution base, yuan
    first_month: np.ndarray  # datetime64[M] of first enrolment
    status: np.ndarray  # uint8 (members, window months): PAID, PAID_LATE, UNPAID or NOT_DUE
    enrolled: np.ndarray  # bool per person

    def due(self) -> np.ndarray:
        return np.asarray(self.status != NOT_DUE)


def _job_and_payment(
    city: City, members: np.ndarray, employer: np.ndarray, rng: np.random.Generator, *, fragile_share: float
) -> np.ndarray:
    """Month status for members: out of work during shocks (the fragile ones) or after the employer closed;
    unpaid when the employer (or, for individuals, the member) is under stress; some arrears are paid later."""
    months = city.params.months
    person_stress = city.person_state.window(months)[members]
    person_shock = city.person_state.shock[:, -months:][members]
    orgs = city.organisations
    has_employer = employer >= 0
    employer_stress = city.organisation_state.window(months)[np.maximum(employer, 0)]
    window = city.params.window
    exit_month = orgs.status_date[np.maximum(employer, 0)].astype("datetime64[M]")
    closed = has_employer[:, None] & (window[None, :] >= exit_month[:, None])
    fragile = rng.random(len(members)) < fragile_share
    occupation = city.persons.occupation[members]
    fragile &= ~np.isin(occupation, (Occupation.PUBLIC, Occupation.SOE))
    out_of_work = (fragile[:, None] & person_shock) | closed
    individual_skip = ~has_employer[:, None] & (rng.random(person_stress.shape) < sigmoid(2.0 * (person_stress - 2.6)))
    due = ~out_of_work & ~individual_skip
    pressure = np.where(has_employer[:, None], 1.8 * (employer_stress - 2.7), 1.5 * (person_stress - 2.3))
    # an employer pays for all its staff or for none of them in a month: one draw per employer and month
    employer_draw = rng.random((orgs.n, months))[np.maximum(employer, 0)]
    own_draw = rng.random(pressure.shape)
    unpaid = np.where(has_employer[:, None], employer_draw, own_draw) < sigmoid(pressure)
    employer_later = rng.random((orgs.n, months))[np.maximum(employer, 0)] < 0.55
    later = np.where(has_employer[:, None], employer_later, rng.random(pressure.shape) < 0.55)
    status = np.full(pressure.shape, PAID, dtype=np.uint8)
    status[unpaid & later] = PAID_LATE
    status[unpaid & ~later] = UNPAID
    status[~due] = NOT_DUE
    # not yet hired, or not yet of working age, in the early months
    hired = city.employment.hired_on[members].astype("datetime64[M]")
    status[has_employer[:, None] & (window[None, :] < hired[:, None])] = NOT_DUE
    return status


def pension_enrolment(city: City) -> Enrolment:
    """Workers' basic pension (险种 110): formal employees (most employers comply), and some self-employed and
    flexible workers paying on their own at the minimum base."""

    def build() -> Enrolment:
        rng = stream(city.params.seed, "activity", "pension")
        p = city.persons
        employer = city.employment.employer
        occupation = p.occupation
        size = city.organisations.employees[np.maximum(employer, 0)]
        complying = np.where(size >= 20, 0.97, 0.78)
        formal = np.isin(occupation, FORMAL) & (employer >= 0) & (rng.random(p.n) < complying)
        individual = (
            ((occupation == Occupation.SELF_EMPLOYED) & (rng.random(p.n) < 0.45))
            | ((occupation == Occupation.FLEXIBLE) & (rng.random(p.n) < 0.35))
        ) & (p.age >= 18)
        members = np.flatnonzero(formal | individual)
        member_employer = np.where(formal[members], employer[members], -1)
        base = np.where(
            member_employer >= 0,
            np.clip(p.monthly_income[members], PENSION_BASE_MIN, PENSION_BASE_MAX),
            PENSION_BASE_MIN,
        )
        years_paying = np.minimum(rng.exponential(9, len(members)), np.maximum(p.age[members] - 17, 0.5))
        first_month = np.datetime64(city.params.as_of, "M") - (years_paying * 12).astype("timedelta64[M]")
        status = _job_and_payment(city, members, member_employer, rng, fragile_share=0.55)
        enrolled = np.zeros(p.n, dtype=bool)
        enrolled[members] = True
        return Enrolment(members, member_employer, np.round(base, 2), first_month, status, enrolled)

    return _memo(city, "pension", build)


def provident_fund(city: City) -> Enrolment:
    """Housing provident fund depositors: public bodies and state firms always, larger private employers often."""

    def build() -> Enrolment:
        rng = stream(city.params.seed, "activity", "provident")
        p = city.persons
        employer = city.employment.employer
        occupation = p.occupation
        size = city.organisations.employees[np.maximum(employer, 0)]
        share = np.select(
            [
                np.isin(occupation, (Occupation.PUBLIC, Occupation.SOE)),
                np.isin(occupation, (Occupation.PRIVATE, Occupation.OWNER)),
            ],
            [1.0, np.where(size >= 30, 0.5, 0.08)],
            0.0,
        )
        members = np.flatnonzero((employer >= 0) & (rng.random(p.n) < share))
        base = np.clip(p.monthly_income[members], 1_900, 25_000)
        years = np.minimum(rng.exponential(8, len(members)), np.maximum(p.age[members] - 18, 0.5))
        first_month = np.datetime64(city.params.as_of, "M") - (years * 12).astype("timedelta64[M]")
        status = _job_and_payment(city, members, employer[members], rng, fragile_share=0.5)
        enrolled = np.zeros(p.n, dtype=bool)
        enrolled[members] = True
        return Enrolment(members, employer[members], np.round(base, 2), first_month, status, enrolled)

    return _memo(city, "provident", build)


@dataclass
class BillRun:
    """Monthly bills of some accounts and how they were paid (accounts × window months)."""

    billed: np.ndarray  # float64 amount of the month's bill
    paid: np.ndarray  # float64 amount paid for this month's bill and any arrears (0 when nothing paid)
    late: np.ndarray  # bool: the payment also cleared arrears
    late_fee: np.ndarray  # float64
    arrears: np.ndarray  # float64 balance left unpaid after the month
    overdue: np.ndarray  # int16: bills unpaid after the month
    pay_day: np.ndarray  # int16: day of the following month the payment was made


def run_bills(
    rng: np.random.Generator,
    stress: np.ndarray,
    billed: np.ndarray,
    *,
    punctuality: float = 3.2,
    fee_rate: float = 0.03,
) -> BillRun:
    """Each month the account pays (this bill plus all arrears, with a late fee on the arrears) with probability
    falling as its subject's stress rises; otherwise the bill joins the arrears."""
    n, months = billed.shape
    paid = np.zeros((n, months))
    late = np.zeros((n, months), dtype=bool)
    late_fee = np.zeros((n, months))
    arrears = np.zeros((n, months))
    overdue = np.zeros((n, months), dtype=np.int16)
    balance = np.zeros(n)
    count = np.zeros(n, dtype=np.int16)
    habit = rng.normal(0, 0.6, n)
    for month in range(months):
        pays = rng.random(n) < sigmoid(punctuality + habit - 1.25 * stress[:, month])
        fee = np.round(balance * fee_rate * count, 2)
        paid[:, month] = np.where(pays, billed[:, month] + balance + fee, 0.0)
        late[:, month] = pays & (balance > 0)
        late_fee[:, month] = np.where(pays, fee, 0.0)
        balance = np.where(pays, 0.0, balance + billed[:, month])
        count = np.where(pays, 0, count + 1).astype(np.int16)
        arrears[:, month] = balance
        overdue[:, month] = count
    pay_day = np.where(late, rng.integers(10, 29, (n, months)), rng.integers(1, 21, (n, months))).astype(np.int16)
    return BillRun(np.round(billed, 2), np.round(paid, 2), late, late_fee, np.round(arrears, 2), overdue, pay_day)


@dataclass
class CourtCases:
    """Enforcement cases (执行案件): one row per case, over the latent history and the window."""

    person: np.ndarray  # debtor person or -1
    org: np.ndarray  # debtor organisation or -1
    filed: np.ndarray  # datetime64[D]
    amount: np.ndarray  # float64 yuan
    performed: np.ndarray  # float64 share performed (0–1) by the as-of date
    closed: np.ndarray  # datetime64[D], NaT while open
    dishonest: np.ndarray  # bool: listed as a dishonest debtor
    listed: np.ndarray  # datetime64[D], NaT unless listed
    delisted: np.ndarray  # datetime64[D], NaT unless removed
    court: np.ndarray  # int8 index into reference.COURTS
    number: np.ndarray  # int32 case number within court and year
    judged: np.ndarray  # datetime64[D]: the judgment that is being enforced

    @property
    def n(self) -> int:
        return len(self.filed)


def court_cases(city: City) -> CourtCases:
    def build() -> CourtCases:
        rng = stream(city.params.seed, "activity", "court")
        as_of = city.params.as_of_day
        months = city.months
        people = city.persons
        ps, os_ = city.person_state, city.organisation_state
        adults = people.age >= 20
        orgs = city.organisations
        market = (orgs.kind != OrgKind.PUBLIC) & (np.arange(orgs.n) > 0)
        # monthly hazard ∝ exp(stress): about 0.3 % of adults and 2.5 % of firms a year
        p_hazard = 0.00006 * np.exp(np.clip(ps.stress, -3, 7)) * adults[:, None]
        o_hazard = 0.0004 * np.exp(np.clip(os_.stress, -3, 7)) * market[:, None]
        p_rows, p_month = np.nonzero(rng.random(p_hazard.shape) < p_hazard)
        o_rows, o_month = np.nonzero(rng.random(o_hazard.shape) < o_hazard)
        person = np.concatenate([p_rows, np.full(len(o_rows), -1)])
        org = np.concatenate([np.full(len(p_rows), -1), o_rows])
        month = np.concatenate([p_month, o_month])
        n = len(month)
        filed = months[month].astype("datetime64[D]") + rng.integers(0, 28, n).astype("timedelta64[D]")
        filed = np.minimum(filed, as_of)
        is_person = person >= 0
        capacity = np.where(is_person, ps.capacity[np.maximum(person, 0)], os_.capacity[np.maximum(org, 0)])
        willingness = np.where(is_person, ps.willingness[np.maximum(person, 0)], os_.willingness[np.maximum(org, 0)])
        amount = np.round(np.exp(rng.normal(np.where(is_person, np.log(45_000), np.log(260_000)), 1.0)), -1)
        age_days = (as_of - filed).astype(np.int64)
        p_performed = sigmoid(0.4 + 0.8 * willingness + 0.5 * capacity) * np.minimum(1.0, age_days / 365)
        performed = np.where(
            rng.random(n) < p_performed, 1.0, np.where(rng.random(n) < 0.3, rng.uniform(0.1, 0.8, n), 0.0)
        )
        closing = np.where(performed >= 1.0, rng.integers(30, 400, n), rng.integers(120, 700, n))
        closed = filed + closing.astype("timedelta64[D]")
        still_open = (closed > as_of) | ((performed < 1.0) & (rng.random(n) < 0.35))
        closed = np.where(still_open, np.datetime64("NaT"), closed)
        dishonest = (performed < 1.0) & (rng.random(n) < sigmoid(-0.4 - 1.3 * willingness))
        listed = filed + rng.integers(40, 200, n).astype("timedelta64[D]")
        dishonest &= listed <= as_of
        listed = np.where(dishonest, listed, np.datetime64("NaT"))
        delist = dishonest & (rng.random(n) < 0.3)
        delisted = listed + rng.integers(60, 700, n).astype("timedelta64[D]")
        delisted = np.where(delist & (delisted <= as_of), delisted, np.datetime64("NaT"))
        district = np.where(is_person, people.township[np.maximum(person, 0)], orgs.township[np.maximum(org, 0)])
        in_fenyi = np.array([t[0] // 1000 == 360521 for t in ref.TOWNSHIPS])[district]
        court = np.where(amount > 2_000_000, 0, np.where(in_fenyi, 2, 1)).astype(np.int8)
        year = filed.astype("datetime64[Y]").astype(np.int64)
        order = np.lexsort((filed, court, year))
        group = court.astype(np.int64) * 10_000 + year
        sorted_group = group[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
        rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
        number = np.empty(n, dtype=np.int32)
        number[order] = rank + 1 + rng.integers(0, 50, len(starts)).repeat(np.diff(np.r_[starts, n]))
        judged = filed - rng.integers(45, 270, n).astype("timedelta64[D]")
        return CourtCases(
            person, org, filed, amount, performed, closed, dishonest, listed, delisted, court, number, judged
        )

    return _memo(city, "court", build)


def _memo(city: City, key: str, build: Callable[[], T]) -> T:
    if key not in city.activity:
        city.activity[key] = build()
    return city.activity[key]  # type: ignore[no-any-return]


def exited(city: City) -> np.ndarray:
    return np.asarray(city.organisations.status != OrgStatus.ACTIVE)


__all__ = [
    "NOT_DUE",
    "PAID",
    "PAID_LATE",
    "UNPAID",
    "BillRun",
    "CourtCases",
    "Enrolment",
    "court_cases",
    "exited",
    "pension_enrolment",
    "provident_fund",
    "run_bills",
    "sigmoid",
]
