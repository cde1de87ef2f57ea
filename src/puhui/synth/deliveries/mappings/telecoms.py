"""The three mobile operators: customers (one per number), monthly bills and payments, and arrears — one billing
run per operator, paid or not as the subscriber's monthly stress allows; three months unpaid suspends the number."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.activity import BillRun, run_bills
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, month_start
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.population import DAYS_PER_YEAR
from puhui.synth.text import pick

OPERATORS = {"mobile": 0, "telecom": 1, "unicom": 2}
PLANS = (
    ("畅享套餐", 58.0),
    ("5G智享套餐", 128.0),
    ("校园卡", 19.0),
    ("老年关怀卡", 18.0),
    ("全家享套餐", 199.0),
    ("流量王卡", 39.0),
)
MONTHS_PER_CHUNK = 4
CHANNELS = ["营业厅", "网上营业厅", "手机营业厅", "微信", "支付宝", "银行代扣", "充值卡"]


@dataclass
class Subscribers:
    person: np.ndarray
    plan: np.ndarray
    joined: np.ndarray
    postpaid: np.ndarray
    run: BillRun
    resident_id: pa.Array  # per subscriber, taken row by row in the monthly series
    phone: pa.Array


def subscribers_of(ctx: DeliveryContext, provider: str) -> Subscribers:
    def build() -> Subscribers:
        rng = ctx.rng(provider, "subscribers")
        p = ctx.persons
        person = np.flatnonzero(p.operator == OPERATORS[provider])
        n = len(person)
        age = p.age[person]
        income = p.monthly_income[person]
        plan = np.select(
            [age < 23, age >= 65, income > 9000, income > 5000],
            [2, 3, np.where(rng.random(n) < 0.5, 4, 1), np.where(rng.random(n) < 0.6, 1, 0)],
            np.where(rng.random(n) < 0.5, 5, 0),
        )
        fee = np.array([f for _, f in PLANS])[plan]
        months = len(ctx.window)
        billed = np.round(fee[:, None] * np.exp(rng.normal(0, 0.15, (n, months))), 2)
        stress = ctx.window_stress("person")[person]
        run = run_bills(ctx.rng(provider, "bills"), stress, billed, punctuality=4.2, fee_rate=0.0)
        years = np.minimum(rng.exponential(7, n), np.maximum(age - 13, 0.2))
        joined = ctx.params.window_start - (years * DAYS_PER_YEAR).astype("timedelta64[D]")
        return Subscribers(person, plan, joined, rng.random(n) < 0.45, run, ctx.person_ids(person), ctx.phones(person))

    return ctx.cached(f"{provider}.subscribers", build)


@mapping("mobile.customers", "telecom.customers", "unicom.customers")
def customers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    subs = subscribers_of(ctx, spec.provider)
    rng = ctx.rng(spec.id)
    n = len(subs.person)
    overdue = subs.run.overdue[:, -1]
    status = np.where(overdue >= 6, 3, np.where(overdue >= 3, 2, np.where(rng.random(n) < 0.01, 1, 0)))
    tenure = ((ctx.as_of - subs.joined).astype(np.int64) / 30.44).astype(np.int64)
    star = np.clip((tenure // 24) + (subs.plan == 4) * 2 + (subs.plan == 1), 0, 5)
    return make_rows(
        person=subs.person,
        when=subs.joined,
        resident_id=ctx.person_ids(subs.person),
        customer_name=ctx.person_names(subs.person),
        phone=ctx.phones(subs.person),
        joined_date=subs.joined,
        tenure_months=tenure.astype(float),
        number_status=code_where(spec, "number_status", status, ["正常", "停机", "欠费停机", "销号"]),
        real_name_verified=pa.array(np.ones(n, dtype=bool)),
        billing_type=code_where(spec, "billing_type", subs.postpaid.astype(int), ["预付费", "后付费"]),
        plan_name=pick([name for name, _ in PLANS], subs.plan),
        plan_fee=np.array([fee for _, fee in PLANS])[subs.plan],
        star_level=code_where(spec, "star_level", star, ["0", "1", "2", "3", "4", "5"]),
    )


@mapping("mobile.payments", "telecom.payments", "unicom.payments")
def payments(ctx: DeliveryContext, spec: DatasetSpec) -> Iterator[Rows]:
    subs = subscribers_of(ctx, spec.provider)
    window = ctx.window
    run = subs.run
    for start in range(0, len(window), MONTHS_PER_CHUNK):
        rng = ctx.rng(spec.id, str(start))
        months = slice(start, min(start + MONTHS_PER_CHUNK, len(window)))
        month, rows = np.nonzero((run.paid > 0)[:, months].T)
        month += start
        n = len(rows)
        day = np.minimum(
            month_start(window[month] + 1) + (run.pay_day[rows, month] - 1).astype("timedelta64[D]"), ctx.as_of
        )
        paid_at = day.astype("datetime64[s]") + rng.integers(6 * 3600, 23 * 3600, n).astype("timedelta64[s]")
        paid = run.paid[rows, month]
        topped = np.round(np.where(subs.postpaid[rows], paid, np.ceil(paid / 10) * 10), 2)
        yield make_rows(
            person=subs.person[rows],
            when=day,
            resident_id=subs.resident_id.take(pa.array(rows)),
            phone=subs.phone.take(pa.array(rows)),
            bill_month=window[month],
            amount_billed=run.billed[rows, month],
            amount_paid=topped,
            paid_at=paid_at,
            channel=code_where(spec, "channel", rng.choice(7, n, p=[0.08, 0.04, 0.2, 0.3, 0.22, 0.12, 0.04]), CHANNELS),
            balance_after=np.round(topped - paid, 2),
        )


@mapping("mobile.arrears", "telecom.arrears", "unicom.arrears")
def arrears(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    subs = subscribers_of(ctx, spec.provider)
    window = ctx.window
    run = subs.run
    month, rows = np.nonzero((run.arrears > 0).T)
    overdue = run.overdue[rows, month]
    stat = np.minimum(month_start(window[month] + 1) + np.timedelta64(2, "D"), ctx.as_of)
    suspended = month_start(window[month] + 1) + np.timedelta64(10, "D")
    # the arrears of a month are settled when a later month shows a payment
    later_paid = np.zeros(len(rows), dtype=bool)
    paid_any = np.cumsum((run.paid > 0)[:, ::-1], axis=1)[:, ::-1]
    after = np.minimum(month + 1, len(window) - 1)
    later_paid = (month + 1 < len(window)) & (paid_any[rows, after] > 0)
    status = np.where(later_paid, 1, np.where(overdue >= 6, 2, 0))
    return make_rows(
        person=subs.person[rows],
        when=stat,
        resident_id=subs.resident_id.take(pa.array(rows)),
        phone=subs.phone.take(pa.array(rows)),
        bill_month=window[month],
        arrears_amount=run.arrears[rows, month],
        months_overdue=overdue.astype(float),
        suspended_date=np.where((overdue >= 3) & (suspended <= ctx.as_of), suspended, np.datetime64("NaT")),
        arrears_status=code_where(spec, "arrears_status", status, ["欠费", "已缴清", "坏账销账"]),
        stat_date=stat,
    )
