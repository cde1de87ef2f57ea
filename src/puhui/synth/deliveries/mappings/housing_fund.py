"""The housing provident fund: employers' and members' monthly deposits, members' ledgers, housing-loan
applications, monthly repayments and co-borrowers — from the fund's enrolment (``activity.provident_fund``) and
the homes members bought (``assets.properties``); repayment slips as the borrower's stress rises."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.activity import NOT_DUE, PAID_LATE, UNPAID, provident_fund, run_bills
from puhui.synth.assets import LENDERS, PROPERTY_URBAN_HOME
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, month_start, nat_unless, null_unless
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.text import join, pick, year_months, zero_padded

LOAN_RATE = 2.85  # five-year-plus provident-fund loan rate since May 2025, percent a year
MEMBERS_PER_CHUNK = 100_000


def personal_accounts(person: np.ndarray) -> pa.Array:
    return join("GJJ", zero_padded(np.asarray(person) + 10_000_000, 11))


def employer_accounts(org: np.ndarray) -> pa.Array:
    return join("DWGJJ", zero_padded(np.asarray(org) + 500_000, 8))


def _rates(ctx: DeliveryContext, org: np.ndarray) -> np.ndarray:
    """Employer deposit rate (the member pays the same): 12 % in public bodies and state firms, 5–12 % elsewhere."""
    public = (ctx.orgs.kind[org] == OrgKind.PUBLIC) | ctx.orgs.soe[org]
    private_rate = 5.0 + (np.asarray(org) * 7919 % 8)
    return np.where(public, 12.0, private_rate)


@mapping("housing_fund.personal_deposits")
def personal_deposits(ctx: DeliveryContext, spec: DatasetSpec) -> Iterator[Rows]:
    fund = provident_fund(ctx.city)
    window = ctx.window
    per_member = {
        "resident_id": ctx.person_ids(fund.members),
        "personal_account": personal_accounts(fund.members),
        "name": ctx.person_names(fund.members),
        "employer_account": employer_accounts(fund.employer),
        "employer_name": ctx.org_names(fund.employer),
    }
    for start in range(0, len(fund.members), MEMBERS_PER_CHUNK):
        rng = ctx.rng(spec.id, str(start))
        member, month = np.nonzero(fund.status[start : start + MEMBERS_PER_CHUNK] != NOT_DUE)
        member += start
        person, org = fund.members[member], fund.employer[member]
        status = fund.status[member, month]
        rate = _rates(ctx, org)
        amount = np.round(fund.base[member] * rate / 100 * 2, 2)
        credited = month_start(window[month]) + rng.integers(5, 28, len(member)).astype("timedelta64[D]")
        credited = np.where(
            status == PAID_LATE, credited + rng.integers(30, 200, len(member)).astype("timedelta64[D]"), credited
        )
        deposit_status = np.select([status == PAID_LATE, status == UNPAID], [1, 2], 0)
        yield make_rows(
            person=person,
            when=month_start(window[month]),
            **{name: column.take(pa.array(member)) for name, column in per_member.items()},
            deposit_month=window[month],
            deposit_base=fund.base[member],
            employer_rate=rate,
            personal_rate=rate,
            monthly_amount=amount,
            deposit_status=code_where(spec, "deposit_status", deposit_status, ["正常汇缴", "补缴", "欠缴", "缓缴"]),
            account_status=code_where(spec, "account_status", np.zeros(len(member), dtype=int), ["正常"]),
            credited_date=nat_unless((status != UNPAID) & (credited <= ctx.as_of), credited),
        )


@mapping("housing_fund.employer_deposits")
def employer_deposits(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    fund = provident_fund(ctx.city)
    rng = ctx.rng(spec.id)
    window = ctx.window
    member, month = np.nonzero(fund.status != NOT_DUE)
    org = fund.employer[member]
    paid = fund.status[member, month] != UNPAID
    amount = fund.base[member] * _rates(ctx, org) / 100 * 2 * paid
    key = org.astype(np.int64) * 1000 + month
    unique_key, inverse, depositors = np.unique(key, return_inverse=True, return_counts=True)
    total = np.round(np.bincount(inverse, weights=amount), 2)
    unpaid_any = np.bincount(inverse, weights=~paid) > 0
    employer, when = unique_key // 1000, unique_key % 1000
    # paid up to: the last month with nothing unpaid, per employer, carried forward
    paid_month = np.where(unpaid_any, -1, when)
    new_employer = np.r_[True, employer[1:] != employer[:-1]]
    up_to = _carry_forward(paid_month, new_employer)
    closed = ctx.orgs.status[employer] != OrgStatus.ACTIVE
    status = np.where(closed & (when == len(window) - 1), 2, np.where(unpaid_any, 1, 0))
    deposited = month_start(window[when]) + rng.integers(5, 28, len(when)).astype("timedelta64[D]")
    return make_rows(
        org=employer,
        when=month_start(window[when]),
        credit_code=ctx.org_codes(employer),
        employer_account=employer_accounts(employer),
        employer_name=ctx.org_names(employer),
        deposit_month=window[when],
        depositors=depositors.astype(float),
        employer_rate=_rates(ctx, employer),
        amount=total,
        deposited_date=nat_unless(total > 0, np.minimum(deposited, ctx.as_of)),
        paid_up_to=np.where(up_to >= 0, window[np.maximum(up_to, 0)], np.datetime64("NaT")),
        account_status=code_where(spec, "account_status", status, ["正常", "缓缴", "封存", "销户"]),
    )


def _carry_forward(values: np.ndarray, new_group: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` restarting at each new group (-1 until the first non-negative value)."""
    offset = np.cumsum(new_group) * 10_000
    running = np.maximum.accumulate(np.where(values >= 0, values + offset, offset - 1))
    out = running - offset
    return np.where(out < 0, -1, out)


@dataclass
class FundLoans:
    borrower: np.ndarray  # person
    co_borrower: np.ndarray  # spouse or -1
    property: np.ndarray  # index into properties
    applied: np.ndarray  # datetime64[D]
    amount: np.ndarray
    term: np.ndarray  # months
    instalment: np.ndarray  # monthly payment (equal instalments)
    contract_no: pa.Array
    bank: np.ndarray


def fund_loans(ctx: DeliveryContext) -> FundLoans:
    def build() -> FundLoans:
        rng = ctx.rng("housing_fund", "loans")
        fund = provident_fund(ctx.city)
        props = ctx.city.assets.properties
        members = np.zeros(ctx.persons.n, dtype=bool)
        members[fund.members] = True
        spouse = ctx.persons.spouse
        owner = props.owner_person
        # homes bought with a mortgage by a member (or a member's spouse) in the last 20 years; 60 % used the fund
        eligible = (props.kind == PROPERTY_URBAN_HOME) & props.mortgaged & (owner >= 0)
        member_owner = members[np.maximum(owner, 0)] | (
            (spouse[np.maximum(owner, 0)] >= 0) & members[np.maximum(spouse[np.maximum(owner, 0)], 0)]
        )
        chosen = np.flatnonzero(eligible & member_owner & (rng.random(props.n) < 0.6))
        borrower = np.where(members[owner[chosen]], owner[chosen], spouse[owner[chosen]])
        amount = np.minimum(np.round(props.mortgage_amount[chosen], -3), 600_000.0)
        term = props.mortgage_years[chosen].astype(np.int64) * 12
        r = LOAN_RATE / 1200
        instalment = np.round(amount * r / (1 - (1 + r) ** -term), 2)
        applied = props.registered_on[chosen] - rng.integers(10, 60, len(chosen)).astype("timedelta64[D]")
        co = spouse[borrower]
        year = applied.astype("datetime64[Y]").astype(np.int64) + 1970
        contract = join("GJJDK", pa.array(year.astype(str).tolist()), zero_padded(np.arange(len(chosen)) + 1, 7))
        return FundLoans(
            borrower,
            np.where(co >= 0, co, -1),
            chosen,
            applied,
            amount,
            term,
            instalment,
            contract,
            rng.integers(0, len(LENDERS), len(chosen)),
        )

    return ctx.cached("housing_fund.loans", build)


@mapping("housing_fund.loan_applications")
def loan_applications(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    loans = fund_loans(ctx)
    rng = ctx.rng(spec.id)
    props = ctx.city.assets.properties
    # applications that came to nothing, inside the window
    fund = provident_fund(ctx.city)
    extra = max(1, len(loans.borrower) // 12)
    extra_person = rng.choice(fund.members, extra)
    person = np.concatenate([loans.borrower, extra_person])
    n = len(person)
    applied = np.concatenate([loans.applied, ctx.days_in_window(rng, extra)])
    amount = np.concatenate([loans.amount, np.round(rng.uniform(150_000, 600_000, extra), -3)])
    term = np.concatenate([loans.term, rng.choice([240, 300, 360], extra)])
    status = np.concatenate([np.full(len(loans.borrower), 3), rng.choice([2, 4], extra, p=[0.6, 0.4])])
    prop = np.concatenate([loans.property, rng.choice(props.n, extra)])
    contract = pa.concat_arrays([loans.contract_no, join("GJJSQ", zero_padded(np.arange(extra) + 1, 8))])
    area = props.area_m2[prop]
    return make_rows(
        person=person,
        when=applied,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        contract_no=contract,
        applied_date=applied,
        amount=amount,
        term_months=term.astype(float),
        rate=np.full(n, LOAN_RATE),
        repayment_method=code_where(
            spec, "repayment_method", (rng.random(n) < 0.15).astype(int), ["等额本息", "等额本金"]
        ),
        property_location=props.address.take(pa.array(prop)),
        floor_area=area,
        house_price=props.value_yuan[prop],
        security=code_where(spec, "security", (rng.random(n) < 0.3).astype(int), ["抵押", "抵押加阶段性保证"]),
        entrusted_bank=pick(list(LENDERS), np.concatenate([loans.bank, rng.integers(0, len(LENDERS), extra)])),
        approval_status=code_where(spec, "approval_status", status, ["受理", "审批通过", "不予批准", "已放款", "撤回"]),
    )


@mapping("housing_fund.loan_repayments")
def loan_repayments(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Monthly instalments of the loans running in the window; borrowers under stress fall behind."""
    loans = fund_loans(ctx)
    rng = ctx.rng(spec.id)
    window = ctx.window
    len(window)
    first_due = (loans.applied + np.timedelta64(45, "D")).astype("datetime64[M]")
    number = (window[None, :] - first_due[:, None]).astype(np.int64) + 1  # instalment number in each month
    running = (number >= 1) & (number <= loans.term[:, None])
    stress = ctx.window_stress("person")[loans.borrower]
    run = run_bills(rng, stress, np.where(running, loans.instalment[:, None], 0.0), punctuality=4.2, fee_rate=0.0)
    loan, month = np.nonzero(running)
    k = number[loan, month]
    r = LOAN_RATE / 1200
    amount = loans.amount[loan]
    payment = loans.instalment[loan]
    balance_before = amount * (1 + r) ** (k - 1) - payment * ((1 + r) ** (k - 1) - 1) / r
    interest = np.round(balance_before * r, 2)
    principal = np.round(payment - interest, 2)
    balance = np.maximum(np.round(balance_before - principal, 2), 0.0)
    overdue = run.overdue[loan, month]
    paid = run.paid[loan, month] > 0
    due_day = month_start(window[month]) + np.timedelta64(19, "D")
    paid_day = np.where(
        run.late[loan, month],
        due_day + rng.integers(15, 80, len(loan)).astype("timedelta64[D]"),
        due_day - rng.integers(0, 5, len(loan)).astype("timedelta64[D]"),
    )
    status = np.where(~paid, 1, np.where(k == loans.term[loan], 3, 0))
    penalty = np.where(run.late[loan, month], np.round(payment * overdue.clip(1) * 0.0005 * 30, 2), 0.0)
    return make_rows(
        person=loans.borrower[loan],
        when=due_day,
        resident_id=ctx.person_ids(loans.borrower[loan]),
        contract_no=loans.contract_no.take(pa.array(loan)),
        instalment=k.astype(float),
        due_date=due_day,
        paid_date=nat_unless(paid & (paid_day <= ctx.as_of), paid_day),
        principal_due=principal,
        interest_due=interest,
        principal_paid=np.where(paid, principal, 0.0),
        interest_paid=np.where(paid, interest, 0.0),
        penalty_interest=penalty,
        balance=balance,
        overdue_instalments=overdue.astype(float),
        repayment_status=code_where(spec, "repayment_status", status, ["正常还款", "逾期", "提前还款", "结清"]),
    )


@mapping("housing_fund.co_borrowers")
def co_borrowers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    loans = fund_loans(ctx)
    chosen = np.flatnonzero(loans.co_borrower >= 0)
    person = loans.co_borrower[chosen]
    employer = ctx.city.employment.employer[person]
    return make_rows(
        person=person,
        when=loans.applied[chosen],
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        contract_no=loans.contract_no.take(pa.array(chosen)),
        borrower_id=ctx.person_ids(loans.borrower[chosen]),
        relation=code_where(spec, "relation", np.zeros(len(chosen), dtype=int), ["配偶"]),
        personal_account=null_unless(provident_fund(ctx.city).enrolled[person], personal_accounts(person)),
        employer_name=null_unless(employer >= 0, ctx.org_names(np.maximum(employer, 0))),
        monthly_income=np.round(ctx.persons.monthly_income[person], 2),
        registered_date=loans.applied[chosen],
    )


@mapping("housing_fund.account_ledger")
def account_ledger(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Members' ledgers in the window: yearly interest on 30 June, withdrawals (repaying a loan, renting, buying)
    and the balance after each entry; monthly remittances are in the personal deposits."""
    fund = provident_fund(ctx.city)
    loans = fund_loans(ctx)
    rng = ctx.rng(spec.id)
    members = fund.members
    n = len(members)
    rate = _rates(ctx, fund.employer) / 100 * 2
    years_in = np.maximum((ctx.params.window_start.astype("datetime64[M]") - fund.first_month).astype(np.int64), 1)
    balance0 = np.round(fund.base * rate * np.minimum(years_in, 60) * rng.uniform(0.3, 0.9, n), 2)
    monthly = (fund.base * rate)[:, None] * ((fund.status != NOT_DUE) & (fund.status != UNPAID))
    has_loan = np.zeros(ctx.persons.n, dtype=bool)
    has_loan[loans.borrower] = True
    window = ctx.window
    junes = np.flatnonzero((window.astype(np.int64) % 12) == 5)
    # entries: interest each June, a withdrawal for about a quarter of members each year
    entry_member, entry_month, entry_kind = [], [], []
    for june in junes:
        entry_member.append(np.arange(n))
        entry_month.append(np.full(n, june))
        entry_kind.append(np.zeros(n, dtype=int))
    for year_start in range(0, len(window), 12):
        withdraws = np.flatnonzero(rng.random(n) < np.where(has_loan[members], 0.8, 0.15))
        entry_member.append(withdraws)
        entry_month.append(np.minimum(year_start + rng.integers(0, 12, len(withdraws)), len(window) - 1))
        entry_kind.append(np.ones(len(withdraws), dtype=int))
    member = np.concatenate(entry_member)
    month = np.concatenate(entry_month)
    kind = np.concatenate(entry_kind)
    order = np.lexsort((kind, month, member))
    member, month, kind = member[order], month[order], kind[order]
    deposited_before = np.cumsum(monthly, axis=1)[member, month]
    base_balance = balance0[member] + deposited_before
    interest = np.round(base_balance * 0.015, 2)
    withdrawal = np.round(base_balance * rng.uniform(0.2, 0.7, len(member)), 2)
    amount = np.where(kind == 0, interest, -withdrawal)
    # balance after the entry: the member's running total of entries on top of deposits
    new_member = np.r_[True, member[1:] != member[:-1]]
    total = np.cumsum(amount)
    start = np.maximum.accumulate(np.where(new_member, np.arange(len(member)), 0))
    running = total - np.where(start > 0, total[start - 1], 0.0)
    balance = np.round(np.maximum(base_balance + running, 0.0), 2)
    booked = np.where(
        kind == 0,
        month_start(window[month]) + np.timedelta64(29, "D"),
        month_start(window[month]) + rng.integers(0, 28, len(member)).astype("timedelta64[D]"),
    )
    booked = np.minimum(booked, ctx.as_of)
    person = members[member]
    reason = np.where(has_loan[person], 1, rng.choice([0, 2, 5], len(member), p=[0.3, 0.6, 0.1]))
    frozen = np.where(rng.random(len(member)) < 0.005, np.round(balance * 0.5, 2), 0.0)
    return make_rows(
        person=person,
        when=booked,
        resident_id=ctx.person_ids(person),
        personal_account=personal_accounts(person),
        name=ctx.person_names(person),
        booked_date=booked,
        business_type=code_where(spec, "business_type", np.where(kind == 0, 3, 2), ["汇缴", "补缴", "提取", "结息"]),
        withdrawal_reason=null_unless(
            kind == 1,
            code_where(
                spec,
                "withdrawal_reason",
                reason,
                ["购买自住住房", "偿还住房贷款", "租赁住房", "离休退休", "出境定居", "其他"],
            ),
        ),
        amount=np.abs(amount),
        balance=balance,
        frozen_amount=frozen,
        memo=join(year_months(window[month]), pa.array(np.where(kind == 0, "年度结息", "提取").tolist())),
    )
