"""Human resources and social security: enrolment, monthly contributions due and paid, residents' medical
insurance, employment changes, unemployment benefits and employers' pension arrears — from the pension enrolment
(``activity.pension_enrolment``), whose month-by-month record follows jobs, employers' stress and members' own."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.activity import NOT_DUE, PAID_LATE, UNPAID, Enrolment, pension_enrolment, sigmoid
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, day_of_year, month_start, nat_unless, null_unless
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.economy import OrgStatus
from puhui.synth.population import Occupation
from puhui.synth.text import join, zero_padded

EMPLOYER_RATE, PERSONAL_RATE, INDIVIDUAL_RATE = 16.0, 8.0, 20.0
MEMBERS_PER_CHUNK = 100_000
# Yearly personal contribution to residents' medical insurance (Jiangxi, yuan), by insurance year.
RESIDENT_MEDICAL = {2024: 380.0, 2025: 400.0, 2026: 400.0, 2027: 400.0}


def person_numbers(person: np.ndarray) -> pa.Array:
    return join("3605", zero_padded(np.asarray(person) + 1_000_000, 10))


def employer_numbers(org: np.ndarray) -> pa.Array:
    org = np.asarray(org)
    return null_unless(org >= 0, join("DW", zero_padded(np.maximum(org, 0) + 100_000, 8)))


def _employer_fields(ctx: DeliveryContext, org: np.ndarray) -> dict[str, pa.Array]:
    has = np.asarray(org) >= 0
    return {
        "employer_no": employer_numbers(org),
        "employer_name": null_unless(has, ctx.org_names(np.maximum(org, 0))),
        "employer_credit_code": null_unless(has, ctx.org_codes(np.maximum(org, 0))),
    }


@mapping("hrss.insurance_enrolment")
def insurance_enrolment(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """One row per person and insurance type: employees hold five, individual contributors the pension, retired
    workers the pension as retirees, and rural adults outside the workers' scheme the residents' pension."""
    enrolment = pension_enrolment(ctx.city)
    rng = ctx.rng(spec.id)
    p = ctx.persons
    members = enrolment.members
    employed = enrolment.employer >= 0
    last = enrolment.status[:, -1]
    paid_months = np.where(enrolment.status != NOT_DUE, np.arange(enrolment.status.shape[1]), -1)
    last_paid = paid_months.max(axis=1)
    closed = employed & (ctx.orgs.status[np.maximum(enrolment.employer, 0)] != OrgStatus.ACTIVE)
    status = np.where(closed, 2, np.where(last == NOT_DUE, 1, 0))  # 参保缴费, 暂停缴费, 终止缴费
    types = ["110", "210", "310", "410", "510"]
    # (member row, insurance type index)
    member_rows = np.concatenate([np.arange(len(members))] + [np.flatnonzero(employed)] * 4)
    type_index = np.concatenate([np.zeros(len(members), dtype=int)] + [np.full(employed.sum(), k) for k in range(1, 5)])
    retirees = np.flatnonzero(
        (p.occupation == Occupation.RETIRED) & (p.monthly_income > 1500) & (rng.random(p.n) < 0.9)
    )
    rural = np.flatnonzero(
        ~enrolment.enrolled
        & (p.age >= 16)
        & (p.age < 60)
        & ~p.urban
        & (p.occupation != Occupation.STUDENT)
        & (rng.random(p.n) < 0.75)
    )
    person = np.concatenate([members[member_rows], retirees, rural])
    n_member_rows = len(member_rows)
    employer = np.concatenate([enrolment.employer[member_rows], np.full(len(retirees) + len(rural), -1)])
    n = len(person)
    insurance = np.concatenate([type_index, np.zeros(len(retirees), dtype=int), np.full(len(rural), 5)])
    first = np.concatenate(
        [
            enrolment.first_month[member_rows],
            (p.birth[retirees] + np.timedelta64(22 * 365, "D")).astype("datetime64[M]"),
            np.maximum(
                np.datetime64("2010-07", "M"), (p.birth[rural] + np.timedelta64(16 * 366, "D")).astype("datetime64[M]")
            ),
        ]
    )
    hired = ctx.city.employment.hired_on[person]
    enrolled_date = np.where(employer >= 0, hired, month_start(first) + rng.integers(0, 28, n).astype("timedelta64[D]"))
    enrolled_date = np.maximum(enrolled_date, month_start(first))
    row_status = np.concatenate(
        [status[member_rows], np.zeros(len(retirees), dtype=int), (rng.random(len(rural)) < 0.1).astype(int)]
    )
    base = np.concatenate([enrolment.base[member_rows], np.full(len(retirees) + len(rural), np.nan)])
    last_paid_month = np.full(n, np.datetime64("NaT"), dtype="datetime64[M]")
    has_paid = last_paid[member_rows] >= 0
    last_paid_month[:n_member_rows][has_paid] = ctx.window[last_paid[member_rows][has_paid]]
    retired = np.concatenate(
        [np.zeros(n_member_rows, dtype=int), np.ones(len(retirees), dtype=int), np.zeros(len(rural), dtype=int)]
    )
    return make_rows(
        person=person,
        when=enrolled_date,
        resident_id=ctx.person_ids(person),
        person_no=person_numbers(person),
        name=ctx.person_names(person),
        **_employer_fields(ctx, employer),
        insurance_type=code_where(spec, "insurance_type", insurance, [*types, "170"]),
        enrolled_date=enrolled_date,
        first_enrolled=first,
        status=code_where(spec, "status", row_status, ["1", "2", "3"]),
        contribution_base=base,
        last_paid_month=last_paid_month,
        retired=code_where(spec, "retired", retired, ["0", "1"]),
    )


@mapping("hrss.contributions")
def contributions(ctx: DeliveryContext, spec: DatasetSpec) -> Iterator[Rows]:
    """One row per member and month a pension contribution was due: what was due, what was paid and when."""
    enrolment = pension_enrolment(ctx.city)
    window = ctx.window
    per_member = {
        "resident_id": ctx.person_ids(enrolment.members),
        "person_no": person_numbers(enrolment.members),
        "employer_no": employer_numbers(enrolment.employer),
        "employer_credit_code": _employer_fields(ctx, enrolment.employer)["employer_credit_code"],
    }
    for start in range(0, len(enrolment.members), MEMBERS_PER_CHUNK):
        rng = ctx.rng(spec.id, str(start))
        block = slice(start, start + MEMBERS_PER_CHUNK)
        member, month = np.nonzero(enrolment.status[block] != NOT_DUE)
        member += start
        yield _contribution_rows(ctx, spec, enrolment, per_member, member, month, window, rng)


def _contribution_rows(
    ctx: DeliveryContext,
    spec: DatasetSpec,
    enrolment: Enrolment,
    per_member: dict[str, pa.Array],
    member: np.ndarray,
    month: np.ndarray,
    window: np.ndarray,
    rng: np.random.Generator,
) -> Rows:
    person = enrolment.members[member]
    employer = enrolment.employer[member]
    has_employer = employer >= 0
    status = enrolment.status[member, month]
    base = enrolment.base[member]
    employer_due = np.where(has_employer, np.round(base * EMPLOYER_RATE / 100, 2), np.nan)
    personal_due = np.round(base * np.where(has_employer, PERSONAL_RATE, INDIVIDUAL_RATE) / 100, 2)
    paid = status != UNPAID
    days_late = np.where(status == PAID_LATE, rng.integers(30, 240, len(member)), 0)
    total_due = np.nan_to_num(employer_due) + personal_due
    late_fee = np.where(status == PAID_LATE, np.round(total_due * 0.0005 * days_late, 2), 0.0)
    received = month_start(window[month] + 1) + (rng.integers(5, 25, len(member)) + days_late).astype("timedelta64[D]")
    received = nat_unless(paid & (received <= ctx.as_of), received)
    kind = np.where(status == PAID_LATE, 1, np.where(has_employer, 0, 2))
    return make_rows(
        person=person,
        when=month_start(window[month]),
        **{name: column.take(pa.array(member)) for name, column in per_member.items()},
        insurance_type=code_where(spec, "insurance_type", np.zeros(len(member), dtype=int), ["110"]),
        contribution_month=window[month],
        payment_kind=code_where(spec, "payment_kind", kind, ["10", "21", "31"]),
        contribution_base=base,
        employer_rate=np.where(has_employer, EMPLOYER_RATE, np.nan),
        personal_rate=np.where(has_employer, PERSONAL_RATE, INDIVIDUAL_RATE),
        employer_due=employer_due,
        personal_due=personal_due,
        employer_paid=np.where(has_employer, np.where(paid, employer_due, 0.0), np.nan),
        personal_paid=np.where(paid, personal_due, 0.0),
        late_fee=late_fee,
        fully_paid=code_where(spec, "fully_paid", (~paid).astype(int), ["1", "0"]),
        received_date=received,
    )


@mapping("hrss.medical_enrolment")
def medical_enrolment(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Residents' medical insurance: everyone outside the employees' scheme pays a yearly contribution in autumn for
    the next year — or lets it lapse when money is tight."""
    enrolment = pension_enrolment(ctx.city)
    p = ctx.persons
    rng = ctx.rng(spec.id)
    employees = np.zeros(p.n, dtype=bool)
    employees[enrolment.members[enrolment.employer >= 0]] = True
    residents = np.flatnonzero(~employees & (rng.random(p.n) < 0.96))
    years = [int(y) for y in range(int(str(ctx.window[0])[:4]) + 1, int(str(ctx.as_of)[:4]) + 2)]
    stress = ctx.city.person_state.stress
    rows_person, rows_year = [], []
    for each_year in years:
        rows_person.append(residents)
        rows_year.append(np.full(len(residents), each_year))
    person = np.concatenate(rows_person)
    year = np.concatenate(rows_year)
    n = len(person)
    # paid between September and December of the year before
    paid = day_of_year(year - 1, 9, 1) + rng.integers(0, 120, n).astype("timedelta64[D]")
    paid = np.minimum(paid, ctx.as_of)
    month_index = np.clip((paid.astype("datetime64[M]") - ctx.city.months[0]).astype(np.int64), 0, stress.shape[1] - 1)
    lapsed = rng.random(n) < sigmoid(1.4 * (stress[person, month_index] - 3.2))
    age = p.age[person] - (int(str(ctx.as_of)[:4]) - year)
    student = p.occupation[person] == Occupation.STUDENT
    category = np.select([age >= 60, (age >= 18) & student, age < 18], [1, 3, 2], 0)
    amount = np.array([RESIDENT_MEDICAL.get(int(y), 400.0) for y in (2024, 2025, 2026, 2027)])
    contribution = np.select([year == 2024, year == 2025, year == 2026], amount[:3], amount[3])
    alive = age >= 0
    return make_rows(
        person=person[alive],
        when=paid[alive],
        resident_id=ctx.person_ids(person[alive]),
        name=ctx.person_names(person[alive]),
        insurance_year=year[alive].astype(float),
        category=code_where(spec, "category", category[alive], ["成年居民", "老年居民", "学生儿童", "大学生"]),
        personal_contribution=contribution[alive],
        paid_date=paid[alive],
        status=code_where(spec, "status", lapsed[alive].astype(int), ["正常参保", "暂停参保"]),
        township=ctx.township_names(person[alive], np.full(alive.sum(), -1)),
    )


def _spells(enrolment: Enrolment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month transitions of employees: (member, month, kind) with kind 0 stop (减员), 1 resume (恢复)."""
    due = enrolment.status != NOT_DUE
    employed = enrolment.employer >= 0
    change = due[:, 1:] != due[:, :-1]
    member, month = np.nonzero(change & employed[:, None])
    month = month + 1
    kind = due[member, month].astype(int)
    return member, month, kind


@mapping("hrss.employment_changes")
def employment_changes(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    enrolment = pension_enrolment(ctx.city)
    rng = ctx.rng(spec.id)
    window = ctx.window
    member, month, kind = _spells(enrolment)
    # new hires inside the window
    hired = ctx.city.employment.hired_on[enrolment.members]
    new = np.flatnonzero((enrolment.employer >= 0) & (hired >= ctx.params.window_start))
    person = np.concatenate([enrolment.members[member], enrolment.members[new]])
    org = np.concatenate([enrolment.employer[member], enrolment.employer[new]])
    changed = np.concatenate(
        [month_start(window[month]) + rng.integers(0, 28, len(member)).astype("timedelta64[D]"), hired[new]]
    )
    closed = ctx.orgs.status[org] != OrgStatus.ACTIVE
    change_type = np.concatenate([np.where(kind == 1, 5, 1), np.zeros(len(new), dtype=int)])
    reason = np.concatenate(
        [
            np.where(
                kind == 1,
                1,
                np.where(closed[: len(member)], 3, rng.choice([2, 3, 4], len(member), p=[0.4, 0.35, 0.25])),
            ),
            np.zeros(len(new), dtype=int),
        ]
    )
    changed = np.minimum(changed, ctx.as_of)
    return make_rows(
        person=person,
        when=changed,
        subject_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        employer_credit_code=ctx.org_codes(org),
        employer_name=ctx.org_names(org),
        change_type=code_where(spec, "change_type", change_type, ["增员", "减员", "转入", "转出", "中断", "恢复"]),
        change_reason=code_where(
            spec, "change_reason", reason, ["新参保", "调入", "辞职", "解除劳动合同", "合同到期", "退休"]
        ),
        changed_date=changed,
        processed_date=np.minimum(changed + rng.integers(0, 15, len(person)).astype("timedelta64[D]"), ctx.as_of),
    )


@mapping("hrss.unemployment_benefits")
def unemployment_benefits(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Employees who lose their job register as unemployed about half the time and draw benefits monthly while out
    of work, up to their entitlement."""
    enrolment = pension_enrolment(ctx.city)
    rng = ctx.rng(spec.id)
    window = ctx.window
    member, month, kind = _spells(enrolment)
    stops = kind == 0
    member, month = member[stops], month[stops]
    registers = rng.random(len(member)) < 0.5
    member, month = member[registers], month[registers]
    entitled = rng.choice([3, 6, 12, 18, 24], len(member), p=[0.2, 0.3, 0.3, 0.15, 0.05])
    due = enrolment.status != NOT_DUE
    rows_member, rows_claim, rows_month = [], [], []
    for offset in range(24):
        paid_month = month + offset
        inside = (paid_month < len(window)) & (offset < entitled)
        still_out = inside & ~due[member, np.minimum(paid_month, len(window) - 1)]
        rows_member.append(member[still_out])
        rows_claim.append(np.flatnonzero(still_out))
        rows_month.append(paid_month[still_out])
    claim = np.concatenate(rows_claim)
    paid_month = np.concatenate(rows_month)
    person = enrolment.members[member[claim]]
    registered = month_start(window[month[claim]]) + (claim % 20).astype("timedelta64[D]")
    rate = 1_850.0  # 90 % of Jiangxi's minimum wage, class-1 areas
    last_month = np.zeros(len(member), dtype=np.int64)
    np.maximum.at(last_month, claim, paid_month)
    ended = last_month[claim] < len(window) - 1
    end_reason = np.where(last_month[claim] - month[claim] + 1 >= entitled[claim], 1, 0)
    ended_date = month_start(window[np.minimum(last_month[claim] + 1, len(window) - 1)]) + np.timedelta64(5, "D")
    return make_rows(
        person=person,
        when=month_start(window[paid_month]),
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        registered_date=registered,
        entitled_months=entitled[claim].astype(float),
        monthly_rate=np.full(len(claim), rate),
        paid_month=window[paid_month],
        paid_amount=np.full(len(claim), rate),
        ended_date=nat_unless(ended & (ended_date <= ctx.as_of), ended_date),
        end_reason=code_where(spec, "end_reason", end_reason, ["重新就业", "领取期满"]) if ended.any() else None,
    )


@mapping("hrss.pension_arrears")
def pension_arrears(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Employers with staff contributions unpaid, month by month: since when, how many, how much."""
    enrolment = pension_enrolment(ctx.city)
    rng = ctx.rng(spec.id)
    window = ctx.window
    employed = enrolment.employer >= 0
    unpaid = (enrolment.status == UNPAID) & employed[:, None]
    members, months = np.nonzero(unpaid)
    org = enrolment.employer[members]
    due = enrolment.base[members] * (EMPLOYER_RATE + PERSONAL_RATE) / 100
    key = org.astype(np.int64) * 1000 + months
    unique_key, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    amount = np.bincount(inverse, weights=due)
    arrears_org = unique_key // 1000
    arrears_month = unique_key % 1000
    # consecutive months in arrears per employer up to each month, and the amount accumulated over them
    new_run = np.ones(len(unique_key), dtype=bool)
    new_run[1:] = (arrears_org[1:] != arrears_org[:-1]) | (arrears_month[1:] != arrears_month[:-1] + 1)
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(len(unique_key)), 0))
    run_length = np.arange(len(unique_key)) - run_start + 1
    running = np.cumsum(amount)
    cumulative = running - np.where(run_start > 0, running[run_start - 1], 0.0)
    start_month = arrears_month - run_length + 1
    status = np.select([run_length >= 6, run_length >= 2], [2, 1], 0)
    status = np.where(rng.random(len(status)) < 0.1, 3, status)
    return make_rows(
        org=arrears_org,
        when=month_start(window[arrears_month]),
        credit_code=ctx.org_codes(arrears_org),
        employer_no=employer_numbers(arrears_org),
        employer_name=ctx.org_names(arrears_org),
        stat_month=window[arrears_month],
        arrears_from=window[start_month],
        arrears_to=window[arrears_month],
        months_in_arrears=run_length.astype(float),
        employees_in_arrears=counts.astype(float),
        arrears_amount=np.round(cumulative, 2),
        late_fee=np.round(cumulative * 0.0005 * 30 * run_length / 2, 2),
        collection_status=code_where(
            spec, "collection_status", status, ["未催缴", "已下达催缴通知", "已申请强制执行", "已补缴"]
        ),
    )
