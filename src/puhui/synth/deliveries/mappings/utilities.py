"""Power, water and gas: accounts of households and businesses, monthly usage and bills, payments and arrears —
one billing run per utility (``activity.run_bills``) feeds its four data sets, paid or not as the account holder's
monthly stress allows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth import reference as ref
from puhui.synth.activity import BillRun, run_bills
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, month_start
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.economy import OrgKind
from puhui.synth.population import DAYS_PER_YEAR
from puhui.synth.text import by_distinct, integers, join, year_months, zero_padded

MONTHS_PER_CHUNK = 4
RESTAURANT = "H62"


@dataclass(frozen=True)
class Utility:
    prefix: str  # account number prefix
    unit_price: tuple[float, float]  # yuan per unit: households, businesses
    household_use: float  # units per person per month
    business_use: float  # units per employee per month
    seasonal: tuple[float, ...]  # January … December factors
    punctuality: float
    supply_unit: str


UTILITIES = {
    "power": Utility(
        "0790",
        (0.60, 0.78),
        55.0,
        260.0,
        (1.35, 1.2, 0.9, 0.8, 0.85, 1.1, 1.45, 1.5, 1.1, 0.85, 0.85, 1.15),
        4.1,
        "国网新余供电公司",
    ),
    "water": Utility(
        "SW",
        (2.85, 3.60),
        3.6,
        9.0,
        (0.85, 0.85, 0.9, 0.95, 1.05, 1.15, 1.25, 1.25, 1.1, 1.0, 0.9, 0.85),
        3.7,
        "新余市水务集团",
    ),
    "gas": Utility(
        "RQ",
        (3.20, 3.55),
        7.5,
        18.0,
        (1.5, 1.4, 1.15, 0.95, 0.8, 0.7, 0.65, 0.65, 0.75, 0.9, 1.1, 1.4),
        3.9,
        "新余市燃气有限公司",
    ),
}


@dataclass
class Accounts:
    person: np.ndarray
    org: np.ndarray
    opened: np.ndarray  # datetime64[D]
    active: np.ndarray  # bool (accounts, months): account open that month
    run: BillRun
    units: np.ndarray  # usage per month
    start_reading: np.ndarray
    subject_id: pa.Array  # per account, taken row by row in the monthly series
    account_no: pa.Array
    account_digits: pa.Array  # the account's serial, the tail of every bill number

    @property
    def n(self) -> int:
        return len(self.person)


def accounts_of(ctx: DeliveryContext, provider: str) -> Accounts:
    def build() -> Accounts:
        utility = UTILITIES[provider]
        rng = ctx.rng(provider, "accounts")
        p, o = ctx.persons, ctx.orgs
        heads = np.flatnonzero((p.relation == 0) & ~p.collective & (p.age >= 18))
        industry = np.array([row[0] for row in ref.INDUSTRIES])
        business = np.isin(o.kind, (OrgKind.COMPANY, OrgKind.INDIVIDUAL_BUSINESS, OrgKind.PUBLIC))
        if provider == "water":
            heads = heads[p.urban[heads] | (rng.random(len(heads)) < 0.8)]
        if provider == "gas":
            heads = heads[p.urban[heads] & (rng.random(len(heads)) < 0.72)]
            business &= (industry[np.maximum(o.industry, 0)] == RESTAURANT) | (rng.random(o.n) < 0.2)
        gone_early = o.status_date < ctx.params.window_start
        firms = np.flatnonzero(business & ~gone_early)
        size = np.bincount(p.household, minlength=p.household.max() + 1)[p.household[heads]]
        person = np.concatenate([heads, np.full(len(firms), -1)])
        org = np.concatenate([np.full(len(heads), -1), firms])
        n = len(person)
        window = ctx.window
        months = len(window)
        month_of_year = (window.astype(np.int64) % 12).astype(int)
        season = np.array(utility.seasonal)[month_of_year]
        staff = o.employees[np.maximum(org, 0)] + 1
        base_use = np.where(
            person >= 0,
            utility.household_use * np.concatenate([size, np.zeros(len(firms))]),
            utility.business_use * staff,
        )
        base_use *= np.exp(rng.normal(0, 0.35, n))
        units = np.round(base_use[:, None] * season[None, :] * np.exp(rng.normal(0, 0.12, (n, months))), 1)
        price = np.where(person >= 0, utility.unit_price[0], utility.unit_price[1])
        exit_month = o.status_date[np.maximum(org, 0)].astype("datetime64[M]")
        active = ~((org >= 0)[:, None] & (window[None, :] > exit_month[:, None]))
        stress = ctx.subject_stress(person, org)
        billed = np.where(active, units * price[:, None], 0.0)
        run = run_bills(ctx.rng(provider, "bills"), stress, billed, punctuality=utility.punctuality)
        established = o.established[np.maximum(org, 0)]
        years = rng.exponential(8, n).clip(0.3, 30)
        opened = ctx.params.window_start - (years * DAYS_PER_YEAR).astype("timedelta64[D]")
        opened = np.where(org >= 0, np.maximum(opened, established), opened)
        start_reading = np.round(rng.uniform(500, 30_000, n), 1)
        return Accounts(
            person,
            org,
            opened,
            active,
            run,
            np.where(active, units, 0.0),
            start_reading,
            subject_id=ctx.subject_ids(person, org),
            account_no=account_numbers(provider, np.arange(n)),
            account_digits=zero_padded(np.arange(n), 9),
        )

    return ctx.cached(f"{provider}.accounts", build)


def account_numbers(provider: str, index: np.ndarray) -> pa.Array:
    return join(UTILITIES[provider].prefix, zero_padded(np.asarray(index) + 1_000_001, 10))


def _class_choice(ctx: DeliveryContext, accounts: Accounts, rows: np.ndarray) -> np.ndarray:
    """0 households, 1 shops and small firms, 2 large industry, 3 farming and public bodies."""
    org = accounts.org[rows]
    kind = ctx.orgs.kind[np.maximum(org, 0)]
    big = ctx.orgs.employees[np.maximum(org, 0)] >= 100
    return np.where(org < 0, 0, np.where(kind == OrgKind.PUBLIC, 3, np.where(big, 2, 1)))


@mapping("power.customers", "water.customers", "gas.customers")
def customers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    provider = spec.provider
    accounts = accounts_of(ctx, provider)
    rng = ctx.rng(spec.id)
    rows = np.arange(accounts.n)
    person, org = accounts.person, accounts.org
    overdue_now = accounts.run.overdue[:, -1]
    closed = ~accounts.active[:, -1]
    status = np.where(closed, 2, np.where(overdue_now >= 3, 1, 0))
    classes = _class_choice(ctx, accounts, rows)
    return make_rows(
        person=person,
        org=org,
        when=accounts.opened,
        subject_id=ctx.subject_ids(person, org),
        account_no=account_numbers(provider, rows),
        customer_name=ctx.subject_names(person, org),
        customer_class=_customer_class(spec, classes),
        tariff_class=_customer_class(spec, classes, field="tariff_class"),
        address=ctx.addresses(person, org),
        supply_address=ctx.addresses(person, org),
        district_code=integers(ctx.districts(person, org)),
        phone=ctx.phones(np.where(person >= 0, person, ctx.legal_reps(org))),
        meter_no=join("M", zero_padded(rng.permutation(accounts.n) + 10**7, 9)),
        gas_permit_no=join("YQ", zero_padded(rows + 50_001, 8)),
        book_no=join("B", zero_padded(rows // 400 + 1, 5)),
        supply_unit=pa.array([UTILITIES[provider].supply_unit] * accounts.n),
        capacity_kva=np.where(person >= 0, 8.0, np.round(10 + 2 * ctx.orgs.employees[np.maximum(org, 0)], 0)),
        prepaid=code_where(spec, "prepaid", (rng.random(accounts.n) < 0.15).astype(int), ["后付费", "预付费"]),
        opened_date=accounts.opened,
        account_status=code_where(spec, "account_status", status, _status_words(spec)),
    )


def _status_words(spec: DatasetSpec) -> list[str]:
    codes = list(spec.field("account_status").codes or {})
    # normal first, then the suspension word (停气 / 停水 / 暂停), then closed
    suspended = next((c for c in codes if c.startswith("停") or c == "暂停"), codes[0])
    return [codes[0], suspended, "销户"]


def _customer_class(spec: DatasetSpec, classes: np.ndarray, field: str = "customer_class") -> pa.Array | None:
    try:
        codes = list(spec.field(field).codes or {})
    except Exception:
        return None
    if "居民生活" in codes:  # power
        options = ["居民生活", "一般工商业", "大工业", "农业生产"]
    elif "居民用水" in codes:
        options = ["居民用水", "非居民用水", "非居民用水", "非居民用水"]
    else:
        options = ["居民用气", "商业用气", "工业用气", "公共服务用气"]
    return code_where(spec, field, classes, options)


def _cells(accounts: Accounts, months: slice, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Account and month index of the cells of ``mask`` (accounts × months in the slice), month-major order."""
    month_index, rows = np.nonzero(mask[:, months].T)
    return rows, month_index + (months.start or 0)


def _chunks(n_months: int) -> Iterator[slice]:
    for start in range(0, n_months, MONTHS_PER_CHUNK):
        yield slice(start, min(start + MONTHS_PER_CHUNK, n_months))


@mapping("power.usage", "water.usage", "gas.usage")
def usage(ctx: DeliveryContext, spec: DatasetSpec) -> Iterator[Rows]:
    provider = spec.provider
    accounts = accounts_of(ctx, provider)
    window = ctx.window
    readings = accounts.start_reading[:, None] + np.cumsum(accounts.units, axis=1)
    for months in _chunks(len(window)):
        rng = ctx.rng(spec.id, str(months.start))
        rows, month = _cells(accounts, months, accounts.active)
        n = len(rows)
        read_day = month_start(window[month]) + rng.integers(19, 26, n).astype("timedelta64[D]")
        units = accounts.units[rows, month]
        current = np.round(readings[rows, month], 1)
        status = np.where(units == 0, 2, np.where(rng.random(n) < 0.03, 1, 0))
        classes = _class_choice(ctx, accounts, rows)
        yield make_rows(
            person=accounts.person[rows],
            org=accounts.org[rows],
            when=read_day,
            subject_id=accounts.subject_id.take(pa.array(rows)),
            account_no=accounts.account_no.take(pa.array(rows)),
            bill_month=window[month],
            read_date=read_day,
            previous_reading=np.round(current - units, 1),
            current_reading=current,
            volume=units,
            kwh=units,
            tariff_class=_customer_class(spec, classes, field="tariff_class"),
            amount_billed=accounts.run.billed[rows, month],
            bill_no=_bill_numbers(accounts, window[month], rows),
            read_status=code_where(spec, "read_status", status, ["正常", "估抄", "零电量", "异常"]),
        )


def _bill_numbers(accounts: Accounts, months: np.ndarray, rows: np.ndarray) -> pa.Array:
    return join(by_distinct(months, year_months), accounts.account_digits.take(pa.array(rows)))


@mapping("power.payments", "water.payments", "gas.payments")
def payments(ctx: DeliveryContext, spec: DatasetSpec) -> Iterator[Rows]:
    provider = spec.provider
    accounts = accounts_of(ctx, provider)
    window = ctx.window
    run = accounts.run
    for months in _chunks(len(window)):
        rng = ctx.rng(spec.id, str(months.start))
        rows, month = _cells(accounts, months, run.paid > 0)
        n = len(rows)
        paid_day = month_start(window[month] + 1) + (run.pay_day[rows, month] - 1).astype("timedelta64[D]")
        paid_day = np.minimum(paid_day, ctx.as_of)
        paid_at = paid_day.astype("datetime64[s]") + rng.integers(7 * 3600, 22 * 3600, n).astype("timedelta64[s]")
        channel = rng.choice(5, n, p=[0.12, 0.35, 0.3, 0.18, 0.05])
        yield make_rows(
            person=accounts.person[rows],
            org=accounts.org[rows],
            when=paid_day,
            subject_id=accounts.subject_id.take(pa.array(rows)),
            account_no=accounts.account_no.take(pa.array(rows)),
            bill_month=window[month],
            bill_no=_bill_numbers(accounts, window[month], rows),
            amount_paid=run.paid[rows, month],
            late_fee_paid=run.late_fee[rows, month],
            late_charge_paid=run.late_fee[rows, month],
            paid_at=paid_at,
            paid_late=pa.array(run.late[rows, month]),
            channel=_channel(spec, channel),
        )


def _channel(spec: DatasetSpec, choice: np.ndarray) -> pa.Array | None:
    codes = list(spec.field("channel").codes or {})
    wanted = ["营业厅", "微信", "支付宝", "银行代扣", "银行柜台"]
    if "网上国网" in codes:
        wanted = ["营业厅", "网上国网", "微信", "银行代扣", "支付宝"]
    return code_where(spec, "channel", choice, wanted)


@mapping("power.arrears", "water.arrears", "gas.arrears")
def arrears(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    provider = spec.provider
    accounts = accounts_of(ctx, provider)
    window = ctx.window
    run = accounts.run
    rows, month = _cells(accounts, slice(0, len(window)), run.arrears > 0)
    stat_day = np.minimum(month_start(window[month] + 1) + np.timedelta64(4, "D"), ctx.as_of)
    overdue = run.overdue[rows, month]
    accrued = np.round(run.arrears[rows, month] * 0.03 * overdue, 2)
    dunning = np.select([overdue >= 3, overdue >= 2], [2, 1], 0)
    person, org = accounts.person[rows], accounts.org[rows]
    return make_rows(
        person=person,
        org=org,
        when=stat_day,
        subject_id=accounts.subject_id.take(pa.array(rows)),
        account_no=accounts.account_no.take(pa.array(rows)),
        customer_name=ctx.subject_names(person, org),
        address=ctx.addresses(person, org),
        stat_month=window[month],
        bill_month=window[month],
        bills_overdue=overdue.astype(float),
        months_overdue=overdue.astype(float),
        arrears_amount=run.arrears[rows, month],
        late_fee=accrued,
        late_charge=accrued,
        dunning_status=code_where(spec, "dunning_status", dunning, ["未催费", "已催费", "已停电"]),
        stat_date=stat_day,
    )
