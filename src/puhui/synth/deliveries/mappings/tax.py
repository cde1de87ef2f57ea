"""The tax bureau: registrations and deregistrations, enterprises' monthly payments, individual businesses' fixed
quotas, individual income tax, yearly credit grades, arrears announcements, penalties and the major-violation
list — from one monthly tax run per business (``activity.run_bills``) under its stress and compliance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth import reference as ref
from puhui.synth.activity import BillRun, pension_enrolment, run_bills
from puhui.synth.deliveries.context import DeliveryContext, weighted_choice
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import (
    code_where,
    day_of_year,
    days_after,
    document_numbers,
    month_start,
    nat_unless,
    year_of,
)
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.text import integers, join, pick, zero_padded

TAX_OFFICES = {
    360502: "国家税务总局新余市渝水区税务局",
    360521: "国家税务总局分宜县税务局",
    360500: "国家税务总局新余市税务局",
}
VAT_THRESHOLD = 100_000.0  # monthly sales below which small taxpayers are exempt


@dataclass
class TaxRun:
    org: np.ndarray  # businesses filing (companies, cooperatives, individual businesses)
    sales: np.ndarray  # monthly declared sales (orgs × months)
    due: np.ndarray  # monthly tax due
    run: BillRun
    general: np.ndarray  # bool: general VAT taxpayer
    active: np.ndarray  # bool (orgs × months)


def tax_run(ctx: DeliveryContext) -> TaxRun:
    def build() -> TaxRun:
        rng = ctx.rng("tax", "run")
        o = ctx.orgs
        present = (o.status == OrgStatus.ACTIVE) | (o.status_date >= ctx.params.window_start)
        org = np.flatnonzero((o.kind != OrgKind.PUBLIC) & present)
        window = ctx.window
        capacity = ctx.city.organisation_state.capacity[org]
        staff = o.employees[org] + 1
        is_shop = o.kind[org] == OrgKind.INDIVIDUAL_BUSINESS
        yearly = np.where(is_shop, 240_000.0, 450_000.0 * staff) * np.exp(0.5 * capacity + rng.normal(0, 0.5, len(org)))
        stress = ctx.window_stress("org")[org]
        sales = np.round(
            yearly[:, None]
            / 12
            * np.exp(-0.25 * np.clip(stress, -2, 5))
            * rng.lognormal(0, 0.2, (len(org), len(window))),
            2,
        )
        general = ~is_shop & (yearly > 5_000_000)
        rate = np.where(general, 0.045, np.where(is_shop, 0.01, 0.01))  # value-added share for general taxpayers
        due = np.where(~general[:, None] & (sales < VAT_THRESHOLD), 0.0, sales * rate[:, None])
        exit_month = o.status_date[org].astype("datetime64[M]")
        active = ~(window[None, :] > exit_month[:, None])
        due = np.round(np.where(active, due * 1.12, 0.0), 2)  # VAT with its surcharges
        run = run_bills(rng, stress, due, punctuality=4.0, fee_rate=0.015)
        return TaxRun(org, np.where(active, sales, 0.0), due, run, general, active)

    return ctx.cached("tax.run", build)


def tax_offices(ctx: DeliveryContext, org: np.ndarray) -> pa.Array:
    region = ctx.districts(np.full(len(org), -1), org)
    return pick([TAX_OFFICES[360502], TAX_OFFICES[360521]], (region == 360521).astype(int))


def _registration_type(ctx: DeliveryContext, spec: DatasetSpec, org: np.ndarray) -> pa.Array | None:
    kind = ctx.orgs.kind[org]
    choice = np.select(
        [kind == OrgKind.INDIVIDUAL_BUSINESS, kind == OrgKind.COOPERATIVE], [5, 4], np.where(org % 10 == 0, 1, 0)
    )
    return code_where(
        spec,
        "registration_type",
        choice,
        ["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "农民专业合作社", "个体工商户"],
    )


@mapping("tax.registrations")
def registrations(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = np.flatnonzero(o.kind != OrgKind.PUBLIC)
    n = len(org)
    rep = o.legal_rep[org]
    stress = ctx.city.organisation_state.stress[org, -1]
    status = np.select(
        [o.status[org] == OrgStatus.DEREGISTERED, o.status[org] == OrgStatus.REVOKED, stress > 4.5],
        [4, 2, 2],
        np.where(rng.random(n) < 0.01, 1, 0),
    )
    is_shop = o.kind[org] == OrgKind.INDIVIDUAL_BUSINESS
    general = (~is_shop) & (o.employees[org] >= 30)
    return make_rows(
        org=org,
        when=days_after(o.established[org], rng, 5, 40, ctx.as_of),
        subject_id=ctx.org_codes(org),
        taxpayer_name=ctx.org_names(org),
        registration_type=_registration_type(ctx, spec, org),
        legal_rep=ctx.person_names(rep),
        legal_rep_id=ctx.person_ids(rep),
        industry=pick([i[1] for i in ref.INDUSTRIES], np.maximum(o.industry[org], 0)),
        tax_office=tax_offices(ctx, org),
        taxpayer_class=code_where(spec, "taxpayer_class", (~general).astype(int), ["一般纳税人", "小规模纳税人"]),
        collection_method=code_where(
            spec,
            "collection_method",
            np.where(is_shop, 2, np.where(general, 0, rng.integers(0, 2, n))),
            ["查账征收", "核定征收", "定期定额"],
        ),
        taxpayer_status=code_where(spec, "taxpayer_status", status, ["正常", "停业", "非正常", "清算", "注销"]),
        business_address=ctx.addresses(np.full(n, -1), org),
        registered_date=days_after(o.established[org], rng, 5, 40, ctx.as_of),
    )


@mapping("tax.deregistrations")
def deregistrations(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = np.flatnonzero((o.kind != OrgKind.PUBLIC) & (o.status == OrgStatus.DEREGISTERED))
    n = len(org)
    day = np.minimum(o.status_date[org] - rng.integers(5, 40, n).astype("timedelta64[D]"), ctx.as_of)
    day = np.maximum(day, o.established[org])
    return make_rows(
        org=org,
        when=day,
        subject_id=ctx.org_codes(org),
        taxpayer_name=ctx.org_names(org),
        deregistration_type=code_where(
            spec, "deregistration_type", rng.choice(3, n, p=[0.35, 0.5, 0.15]), ["一般注销", "简易注销", "即办注销"]
        ),
        deregistration_reason=code_where(
            spec, "deregistration_reason", rng.choice(3, n, p=[0.8, 0.05, 0.15]), ["解散", "破产", "其他"]
        ),
        clearance_doc_no=document_numbers("新税税企清", year_of(day), np.arange(n) + 1),
        tax_office=tax_offices(ctx, org),
        deregistered_date=day,
    )


@mapping("tax.enterprise_tax_payments")
def enterprise_tax_payments(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Each month a business pays, a VAT line and a city-construction-tax line (and late fees when it clears
    arrears); general taxpayers add corporate income tax each quarter. Shops pay under the fixed quota instead."""
    tr = tax_run(ctx)
    ctx.rng(spec.id)
    window = ctx.window
    companies = ctx.orgs.kind[tr.org] != OrgKind.INDIVIDUAL_BUSINESS
    row, month = np.nonzero((tr.run.paid > 0) & companies[:, None])
    org = tr.org[row]
    paid = tr.run.paid[row, month]
    fee = tr.run.late_fee[row, month]
    vat = np.round((paid - fee) / 1.12, 2)
    quarter_end = (window[month].astype(np.int64) % 3) == 2
    cit_rows = np.flatnonzero(quarter_end & tr.general[row])
    fee_rows = np.flatnonzero(fee > 0)
    parts = [
        (np.arange(len(row)), 0, vat, 0),
        (np.arange(len(row)), 3, np.round(vat * 0.07, 2), 0),
        (cit_rows, 1, np.round(tr.sales[row[cit_rows], month[cit_rows]] * 3 * 0.08 * 0.25, 2), 0),
        (fee_rows, 0, fee[fee_rows], 1),
    ]
    index = np.concatenate([p[0] for p in parts])
    item = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
    amount = np.concatenate([p[2] if len(p[2]) == len(p[0]) else p[2][p[0]] for p in parts])
    levy = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    o = org[index]
    m = month[index]
    treasury = np.minimum(
        month_start(window[m] + 1) + (tr.run.pay_day[row[index], m] + 5).astype("timedelta64[D]"), ctx.as_of
    )
    filing = np.where(tr.general[row[index]], np.where(item == 1, 2, 1), 2)
    return make_rows(
        org=o,
        when=treasury,
        credit_code=ctx.org_codes(o),
        enterprise_name=ctx.org_names(o),
        tax_office=tax_offices(ctx, o),
        tax_period=window[m],
        tax_item=code_where(spec, "tax_item", item, ["增值税", "企业所得税", "个人所得税", "城市维护建设税"]),
        levy_kind=code_where(spec, "levy_kind", levy, ["正税", "滞纳金", "罚款"]),
        filing_period=code_where(spec, "filing_period", filing, ["01", "02", "03", "04", "05"]),
        declared_sales=np.where(item == 0, tr.sales[row[index], m], np.nan),
        paid_amount=amount,
        treasury_date=treasury,
        e_tax_receipt_no=join("336", zero_padded(np.arange(len(index)) + 10**9, 15)),
    )


@mapping("tax.fixed_quota_payments")
def fixed_quota_payments(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    tr = tax_run(ctx)
    ctx.rng(spec.id)
    window = ctx.window
    shops = ctx.orgs.kind[tr.org] == OrgKind.INDIVIDUAL_BUSINESS
    row, month = np.nonzero(shops[:, None] & tr.active)
    org = tr.org[row]
    due = tr.due[row, month]
    paid = tr.run.paid[row, month]
    exempt = due == 0
    # a month counts as paid late when its payment also cleared earlier months
    status = np.select([exempt, paid == 0, tr.run.late[row, month]], [3, 1, 2], 0)
    paid_day = month_start(window[month] + 1) + (tr.run.pay_day[row, month]).astype("timedelta64[D]")
    return make_rows(
        org=org,
        when=month_start(window[month]),
        subject_id=ctx.org_codes(org),
        business_name=ctx.org_names(org),
        owner_name=ctx.person_names(ctx.legal_reps(org)),
        tax_period=window[month],
        tax_item=code_where(spec, "tax_item", np.zeros(len(row), dtype=int), ["增值税"]),
        assessed_monthly_sales=np.round(tr.sales[row, month], -2),
        assessed_tax=due,
        paid_amount=np.where(exempt, 0.0, paid),
        paid_date=nat_unless(~exempt & (paid > 0) & (paid_day <= ctx.as_of), paid_day),
        payment_status=code_where(spec, "payment_status", status, ["已缴", "未缴", "逾期缴纳", "免征"]),
        tax_office=tax_offices(ctx, org),
    )


def _monthly_tax(taxable: np.ndarray) -> np.ndarray:
    """Monthly withholding on wages above the 5,000 yuan threshold (the annual brackets divided by twelve)."""
    brackets = np.array([0, 3000, 12000, 25000, 35000, 55000, 80000])
    rates = np.array([0.03, 0.10, 0.20, 0.25, 0.30, 0.35, 0.45])
    deduction = np.array([0, 210, 1410, 2660, 4410, 7160, 15160])
    level = np.searchsorted(brackets, taxable, side="right") - 1
    return np.asarray(np.round(np.maximum(taxable * rates[level] - deduction[level], 0.0), 2))


@mapping("tax.individual_income_tax")
def individual_income_tax(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Wage withholding for employees earning above the threshold, in the months they were paid."""
    enrolment = pension_enrolment(ctx.city)
    rng = ctx.rng(spec.id)
    window = ctx.window
    income = ctx.persons.monthly_income[enrolment.members]
    special = rng.choice([0, 1000, 2000, 3000], len(income), p=[0.4, 0.25, 0.25, 0.1])
    taxable = income * 0.9 - 5000 - special  # after the employee's own social contributions
    payers = (enrolment.employer >= 0) & (taxable > 0)
    member, month = np.nonzero(payers[:, None] & (enrolment.status != 3))
    person = enrolment.members[member]
    employer = enrolment.employer[member]
    gross = np.round(income[member] * rng.lognormal(0, 0.05, len(member)), 2)
    tax = _monthly_tax(np.maximum(gross * 0.9 - 5000 - special[member], 0.0))
    declared = month_start(window[month] + 1) + rng.integers(1, 15, len(member)).astype("timedelta64[D]")
    return make_rows(
        person=person,
        when=month_start(window[month]),
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        income_item=code_where(spec, "income_item", np.zeros(len(member), dtype=int), ["工资薪金所得"]),
        tax_period=window[month],
        income=gross,
        taxable_income=np.round(np.maximum(gross * 0.9 - 5000 - special[member], 0.0), 2),
        tax_due=tax,
        tax_paid=tax,
        withholder_name=ctx.org_names(employer),
        withholder_code=ctx.org_codes(employer),
        declared_date=nat_unless(declared <= ctx.as_of, declared),
    )


@mapping("tax.credit_grades")
def credit_grades(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Each April, grades for the year before: points lost for months unpaid and late, D for the worst; new firms M."""
    tr = tax_run(ctx)
    rng = ctx.rng(spec.id)
    window = ctx.window
    companies = np.flatnonzero(ctx.orgs.kind[tr.org] != OrgKind.INDIVIDUAL_BUSINESS)
    years = sorted({int(str(m)[:4]) for m in window})
    rows_org, rows_year, rows_score, rows_new = [], [], [], []
    months_year = np.array([int(str(m)[:4]) for m in window])
    for each_year in years[:-1] if len(years) > 1 else years:
        in_year = months_year == each_year
        unpaid = (tr.run.overdue[companies][:, in_year] > 0).sum(axis=1)
        late = tr.run.late[companies][:, in_year].sum(axis=1)
        willingness = ctx.city.organisation_state.willingness[tr.org[companies]]
        score = np.clip(
            np.round(93 - 6 * unpaid - 2 * late + 4 * willingness + rng.normal(0, 4, len(companies))), 0, 100
        )
        new = ctx.orgs.established[tr.org[companies]] > np.datetime64(f"{each_year}-01-01")
        rows_org.append(tr.org[companies])
        rows_year.append(np.full(len(companies), each_year))
        rows_score.append(score)
        rows_new.append(new)
    org = np.concatenate(rows_org)
    year = np.concatenate(rows_year)
    score = np.concatenate(rows_score)
    new = np.concatenate(rows_new)
    grade = np.select([new & (score >= 70), score >= 90, score >= 70, score >= 40], [2, 0, 1, 3], 4)
    evaluated = day_of_year(year + 1, 4, 15) + rng.integers(0, 10, len(org)).astype("timedelta64[D]")
    keep = evaluated <= ctx.as_of
    org, year, score, grade, evaluated = org[keep], year[keep], score[keep], grade[keep], evaluated[keep]
    return make_rows(
        org=org,
        when=evaluated,
        credit_code=ctx.org_codes(org),
        taxpayer_name=ctx.org_names(org),
        evaluation_year=year.astype(float),
        grade=code_where(spec, "grade", grade, ["A", "B", "M", "C", "D"]),
        score=score,
        tax_office=tax_offices(ctx, org),
        evaluated_date=evaluated,
        valid_from=day_of_year(year + 1, 1, 1),
        valid_to=day_of_year(year + 1, 12, 31),
    )


@mapping("tax.arrears")
def arrears(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Quarterly announcements of businesses with tax left unpaid at the quarter's end."""
    tr = tax_run(ctx)
    window = ctx.window
    quarter_ends = np.flatnonzero((window.astype(np.int64) % 3) == 2)
    row, which = np.nonzero(tr.run.arrears[:, quarter_ends] > 0)
    month = quarter_ends[which]
    org = tr.org[row]
    is_shop = ctx.orgs.kind[org] == OrgKind.INDIVIDUAL_BUSINESS
    previous = np.where(which > 0, tr.run.arrears[row, quarter_ends[np.maximum(which - 1, 0)]], 0.0)
    balance = tr.run.arrears[row, month]
    announced = np.minimum(month_start(window[month] + 1) + np.timedelta64(14, "D"), ctx.as_of)
    rep = ctx.legal_reps(org)
    return make_rows(
        org=org,
        when=announced,
        subject_id=ctx.org_codes(org),
        taxpayer_name=ctx.org_names(org),
        taxpayer_kind=code_where(spec, "taxpayer_kind", is_shop.astype(int), ["企业", "个体工商户"]),
        legal_rep=ctx.person_names(rep),
        legal_rep_id=ctx.person_ids(rep),
        business_address=ctx.addresses(np.full(len(org), -1), org),
        tax_item=pick(["增值税", "增值税、城市维护建设税"], (balance > 5000).astype(int)),
        arrears_balance=balance,
        new_arrears=np.round(np.maximum(balance - previous, 0.0), 2),
        announced_date=announced,
        publisher=tax_offices(ctx, org),
    )


@mapping("tax.evasion_penalties")
def evasion_penalties(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    tr = tax_run(ctx)
    rng = ctx.rng(spec.id)
    state = ctx.city.organisation_state
    weight = np.exp(np.clip(-1.5 * state.willingness[tr.org] + 0.4 * state.stress[tr.org, -12:].mean(axis=1), -4, 6))
    org = weighted_choice(rng, tr.org, max(1, len(tr.org) // 150), weight)
    n = len(org)
    day = ctx.days_in_window(rng, n)
    back = np.round(np.exp(rng.normal(np.log(40_000), 1.0, n)), 2)
    return make_rows(
        org=org,
        when=day,
        subject_id=ctx.org_codes(org),
        taxpayer_name=ctx.org_names(org),
        decision_no=document_numbers("新税稽罚", year_of(day), np.arange(n) + 1),
        violation_facts=join("少缴税款", integers(np.round(back).astype(np.int64)), "元"),
        penalty_basis=pa.array(["《中华人民共和国税收征收管理法》第六十三条"] * n),
        inspected_from=day - np.timedelta64(3 * 365, "D"),
        inspected_to=day - np.timedelta64(365, "D"),
        back_tax=back,
        fine_amount=np.round(back * rng.choice([0.5, 1.0, 1.5], n), 2),
        penalty_date=day,
        referred_to_prosecution=pa.array(back > 300_000),
        authority=pa.array(["国家税务总局新余市税务局稽查局"] * n),
    )


@mapping("tax.major_violation_blacklist")
def major_violation_blacklist(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    tr = tax_run(ctx)
    rng = ctx.rng(spec.id)
    state = ctx.city.organisation_state
    weight = np.exp(np.clip(-2.0 * state.willingness[tr.org] + 0.5 * state.stress[tr.org].max(axis=1), -4, 8))
    org = weighted_choice(rng, tr.org, max(1, len(tr.org) // 1500), weight)
    n = len(org)
    day = ctx.days_in_window(rng, n)
    nature = rng.choice(4, n, p=[0.45, 0.2, 0.25, 0.1])
    amount = np.round(np.exp(rng.normal(np.log(1_500_000), 0.8, n)), 2)
    rep = ctx.legal_reps(org)
    return make_rows(
        org=org,
        when=day,
        subject_id=ctx.org_codes(org),
        taxpayer_name=ctx.org_names(org),
        registered_address=ctx.addresses(np.full(n, -1), org),
        legal_rep=ctx.person_names(rep),
        legal_rep_id=ctx.person_ids(rep),
        case_nature=code_where(spec, "case_nature", nature, ["偷税", "逃避追缴欠税", "虚开增值税专用发票", "走逃失联"]),
        violation_facts=join("经查,该纳税人少缴税款", integers(np.round(amount).astype(np.int64)), "元"),
        sanctions=pa.array(["依法追缴税款、滞纳金并处罚款"] * n),
        amount_involved=amount,
        published_date=day,
        removed_date=nat_unless(rng.random(n) < 0.1, np.minimum(day + np.timedelta64(400, "D"), ctx.as_of)),
    )
