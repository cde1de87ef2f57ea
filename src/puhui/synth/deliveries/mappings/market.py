"""Market regulation: registrations of companies, individual businesses and cooperatives, their operators,
personnel and investors, annual reports, the abnormal-operation list, revocations, deregistrations, changes,
equity pledges and judicial equity freezes — from the organisations, their exits and their yearly conduct."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth import reference as ref
from puhui.synth.activity import court_cases, sigmoid
from puhui.synth.assets import LENDERS
from puhui.synth.deliveries.context import DeliveryContext, weighted_choice
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import (
    case_numbers,
    code_where,
    day_of_year,
    days_after,
    document_numbers,
    nat_unless,
    null_unless,
    year_of,
)
from puhui.synth.deliveries.mappings.court import COURT_NAMES
from puhui.synth.deliveries.mappings.tax import tax_run
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.text import integers, join, pick, zero_padded

AUTHORITIES = {360502: "新余市渝水区市场监督管理局", 360521: "分宜县市场监督管理局", 360500: "新余市市场监督管理局"}
SCOPES = {
    "A": "农作物种植;农产品销售",
    "C": "生产、加工、销售",
    "E": "建设工程施工;建筑材料销售",
    "F": "日用百货、五金交电销售",
    "G": "普通货物道路运输",
    "H": "餐饮服务;住宿服务",
    "I": "软件开发;信息技术咨询服务",
    "K": "房地产开发经营",
    "L": "企业管理咨询;商务信息咨询",
    "M": "技术开发、技术推广",
    "O": "家政服务;日用电器修理",
    "P": "教育咨询服务",
    "R": "文化艺术交流活动",
}


def authorities(ctx: DeliveryContext, org: np.ndarray) -> pa.Array:
    region = ctx.districts(np.full(len(org), -1), org)
    return pick([AUTHORITIES[360502], AUTHORITIES[360521]], (region == 360521).astype(int))


def scopes(ctx: DeliveryContext, org: np.ndarray) -> pa.Array:
    letters = [row[0][0] for row in ref.INDUSTRIES]
    texts = [SCOPES.get(letter, "一般经营项目") for letter in letters]
    return pick(texts, np.maximum(ctx.orgs.industry[org], 0))


def industry_codes(ctx: DeliveryContext, org: np.ndarray) -> pa.Array:
    return pick([row[0] for row in ref.INDUSTRIES], np.maximum(ctx.orgs.industry[org], 0))


def registration_numbers(org: np.ndarray) -> pa.Array:
    """The legacy 15-digit registration number (注册号)."""
    return join("360502", zero_padded(np.asarray(org) + 100_000_000, 9))


def _status_choice(ctx: DeliveryContext, org: np.ndarray) -> np.ndarray:
    """0 存续, 1 吊销, 2 注销."""
    status = ctx.orgs.status[org]
    return np.select([status == OrgStatus.REVOKED, status == OrgStatus.DEREGISTERED], [1, 2], 0)


def _status_codes(spec: DatasetSpec, field: str, choice: np.ndarray) -> pa.Array | None:
    return code_where(spec, field, choice, ["存续", "吊销", "注销"])


@mapping("market.enterprise_registrations")
def enterprise_registrations(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = o.of_kind(OrgKind.COMPANY)
    n = len(org)
    rep = o.legal_rep[org]
    kind = np.where(o.soe[org], 2, np.where(rng.random(n) < 0.03, 4, np.where(rng.random(n) < 0.3, 1, 0)))
    open_ended = rng.random(n) < 0.7
    term_to = np.where(open_ended, np.datetime64("NaT"), o.established[org] + np.timedelta64(30 * 365, "D"))
    status = _status_choice(ctx, org)
    approval = np.where(status > 0, o.status_date[org], days_after(o.established[org], rng, 0, 3 * 365, ctx.as_of))
    return make_rows(
        org=org,
        when=o.established[org],
        credit_code=ctx.org_codes(org),
        reg_no=registration_numbers(org),
        enterprise_name=ctx.org_names(org),
        enterprise_type=code_where(
            spec,
            "enterprise_type",
            kind,
            [
                "有限责任公司(自然人投资或控股)",
                "有限责任公司(自然人独资)",
                "有限责任公司(国有独资)",
                "其他有限责任公司",
                "股份有限公司",
            ],
        ),
        reg_status=_status_codes(spec, "reg_status", status),
        legal_rep=ctx.person_names(rep),
        legal_rep_id=ctx.person_ids(rep),
        reg_capital=np.round(o.capital_wan[org], 6),
        currency=code_where(spec, "currency", np.zeros(n, dtype=int), ["人民币"]),
        established_date=o.established[org],
        term_from=o.established[org],
        term_to=term_to,
        reg_authority=authorities(ctx, org),
        approval_date=approval,
        address=ctx.addresses(np.full(n, -1), org),
        district_code=integers(ctx.districts(np.full(n, -1), org)),
        industry_code=industry_codes(ctx, org),
        business_scope=scopes(ctx, org),
    )


@mapping("market.individual_businesses")
def individual_businesses(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = o.of_kind(OrgKind.INDIVIDUAL_BUSINESS)
    n = len(org)
    rep = o.legal_rep[org]
    listed = abnormal_listings(ctx)
    marked = np.zeros(o.n, dtype=bool)
    marked_on = np.full(o.n, np.datetime64("NaT"), dtype="datetime64[D]")
    still = np.isnat(listed.removed)
    marked[listed.org[still]] = True
    marked_on[listed.org[still]] = listed.listed[still]
    return make_rows(
        org=org,
        when=o.established[org],
        subject_id=ctx.org_codes(org),
        business_name=ctx.org_names(org),
        operator_name=ctx.person_names(rep),
        operator_id=ctx.person_ids(rep),
        form=code_where(spec, "form", (rng.random(n) < 0.3).astype(int), ["个人经营", "家庭经营"]),
        capital=np.round(o.capital_wan[org], 6),
        reg_status=_status_codes(spec, "reg_status", _status_choice(ctx, org)),
        established_date=o.established[org],
        premises=ctx.addresses(np.full(n, -1), org),
        district_code=integers(ctx.districts(np.full(n, -1), org)),
        industry_code=industry_codes(ctx, org),
        business_scope=scopes(ctx, org),
        reg_authority=authorities(ctx, org),
        abnormal_marked=pa.array(marked[org]),
        marked_date=marked_on[org],
    )


@dataclass
class Listings:
    org: np.ndarray
    listed: np.ndarray  # datetime64[D]
    reason: np.ndarray  # 0-based index of the listing reason (1 annual report, 4 unreachable …)
    removed: np.ndarray  # datetime64[D], NaT while listed
    removal_reason: np.ndarray


def abnormal_listings(ctx: DeliveryContext) -> Listings:
    """Each July, firms that did not file last year's annual report by 30 June are listed; distressed,
    non-compliant firms fail more often; a listing is removed when the report is filed later."""

    def build() -> Listings:
        rng = ctx.rng("market", "abnormal")
        o = ctx.orgs
        state = ctx.city.organisation_state
        months = ctx.city.months
        firms = np.flatnonzero((o.kind == OrgKind.COMPANY) | (o.kind == OrgKind.COOPERATIVE))
        firms = firms[firms > 0]
        rows_org, rows_day, rows_reason = [], [], []
        for june in np.flatnonzero((months.astype(np.int64) % 12) == 5):
            day = months[june].astype("datetime64[D]") + np.timedelta64(31 + 14, "D")
            alive = (o.established[firms] < day - np.timedelta64(365, "D")) & ~(o.status_date[firms] < day)
            p = sigmoid(-3.0 + 0.8 * state.stress[firms, june] - 0.9 * state.willingness[firms])
            failed = alive & (rng.random(len(firms)) < p)
            rows_org.append(firms[failed])
            rows_day.append(day + rng.integers(0, 20, failed.sum()).astype("timedelta64[D]"))
            rows_reason.append(np.where(state.stress[firms[failed], june] > 3.5, 3, 0))
        # revoked firms were on the list before losing their licence
        revoked = np.flatnonzero(o.status == OrgStatus.REVOKED)
        revoked = revoked[np.isin(o.kind[revoked], (OrgKind.COMPANY, OrgKind.COOPERATIVE))]
        rows_org.append(revoked)
        rows_day.append(
            np.maximum(
                o.status_date[revoked] - rng.integers(200, 1100, len(revoked)).astype("timedelta64[D]"),
                o.established[revoked],
            )
        )
        rows_reason.append(np.full(len(revoked), 3))
        org = np.concatenate(rows_org)
        listed = np.minimum(np.concatenate(rows_day), ctx.as_of)
        reason = np.concatenate(rows_reason)
        order = np.lexsort((listed, org))
        org, listed, reason = org[order], listed[order], reason[order]
        keep = np.r_[True, (org[1:] != org[:-1]) | (listed[1:] != listed[:-1])]
        org, listed, reason = org[keep], listed[keep], reason[keep]
        exited = o.status[org] != OrgStatus.ACTIVE
        remedied = ~exited & (rng.random(len(org)) < sigmoid(0.3 + 0.8 * state.willingness[org]))
        removed = listed + rng.integers(20, 420, len(org)).astype("timedelta64[D]")
        removed = np.where(remedied & (removed <= ctx.as_of), removed, np.datetime64("NaT"))
        closed_removal = (o.status[org] == OrgStatus.DEREGISTERED) & (o.status_date[org] > listed)
        removed = np.where(closed_removal, o.status_date[org], removed)
        removal_reason = np.where(closed_removal, 5, np.where(reason == 3, 4, 0))
        return Listings(org, listed, reason, removed, removal_reason)

    return ctx.cached("market.abnormal", build)


@mapping("market.abnormal_operations")
def abnormal_operations(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    listed = abnormal_listings(ctx)
    org = listed.org
    n = len(org)
    removed = ~np.isnat(listed.removed)
    return make_rows(
        org=org,
        when=listed.listed,
        credit_code=ctx.org_codes(org),
        reg_no=registration_numbers(org),
        enterprise_name=ctx.org_names(org),
        listed_reason=code_where(spec, "listed_reason", listed.reason, ["1", "2", "3", "4"]),
        listed_date=listed.listed,
        listing_authority=authorities(ctx, org),
        decision_no=document_numbers("余市监异", year_of(listed.listed), np.arange(n) + 1),
        removal_reason=null_unless(
            removed, code_where(spec, "removal_reason", listed.removal_reason, ["1", "2", "3", "4", "5", "6", "7"])
        ),
        removed_date=listed.removed,
        removal_authority=null_unless(removed, authorities(ctx, org)),
    )


@mapping("market.revocations")
def revocations(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = np.flatnonzero(o.status == OrgStatus.REVOKED)
    n = len(org)
    return make_rows(
        org=org,
        when=o.status_date[org],
        credit_code=ctx.org_codes(org),
        enterprise_name=ctx.org_names(org),
        legal_rep=ctx.person_names(ctx.legal_reps(org)),
        revoked_date=o.status_date[org],
        revocation_reason=code_where(
            spec,
            "revocation_reason",
            rng.choice(4, n, p=[0.85, 0.03, 0.07, 0.05]),
            ["成立后无正当理由超过六个月未开业或者停业连续六个月以上", "提交虚假材料取得登记", "严重违法经营", "其他"],
        ),
        decision_no=document_numbers("余市监吊", year_of(o.status_date[org]), np.arange(n) + 1),
        authority=authorities(ctx, org),
        deregistered=pa.array(np.zeros(n, dtype=bool)),
    )


@mapping("market.deregistrations")
def deregistrations(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = np.flatnonzero((o.status == OrgStatus.DEREGISTERED) & (o.kind != OrgKind.PUBLIC))
    n = len(org)
    simple = rng.random(n) < 0.55
    day = o.status_date[org]
    return make_rows(
        org=org,
        when=day,
        credit_code=ctx.org_codes(org),
        enterprise_name=ctx.org_names(org),
        procedure=code_where(spec, "procedure", simple.astype(int), ["普通注销", "简易注销"]),
        deregistration_reason=code_where(
            spec, "deregistration_reason", rng.choice(3, n, p=[0.85, 0.05, 0.10]), ["决议解散", "营业期限届满", "其他"]
        ),
        liquidation_lead=ctx.person_names(ctx.legal_reps(org)),
        liquidation_filed_date=nat_unless(
            ~simple, np.maximum(day - rng.integers(45, 120, n).astype("timedelta64[D]"), o.established[org])
        ),
        deregistered_date=day,
        reg_authority=authorities(ctx, org),
    )


@mapping("market.annual_reports")
def annual_reports(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Reports for each year the firm existed and filed (firms listed as abnormal for a year did not)."""
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    tr = tax_run(ctx)
    listed = abnormal_listings(ctx)
    firms = np.flatnonzero(o.kind == OrgKind.COMPANY)
    sales_year = np.zeros(o.n)
    sales_year[tr.org] = tr.sales.sum(axis=1) * 12 / max(1, tr.sales.shape[1])
    years = sorted({int(str(d)[:4]) - 1 for d in ctx.city.months[(ctx.city.months.astype(np.int64) % 12) == 5]})
    rows_org, rows_year = [], []
    failed = {(int(org), int(year) - 1) for org, year in zip(listed.org, year_of(listed.listed), strict=True)}
    failed_key = np.array([org * 10_000 + year for org, year in failed], dtype=np.int64)
    for each_year in years:
        report_day = np.datetime64(f"{each_year + 1}-06-30")
        exists = (o.established[firms] < np.datetime64(f"{each_year}-12-31")) & ~(o.status_date[firms] < report_day)
        candidates = firms[exists]
        candidates = candidates[~np.isin(candidates.astype(np.int64) * 10_000 + each_year, failed_key)]
        rows_org.append(candidates)
        rows_year.append(np.full(len(candidates), each_year))
    org = np.concatenate(rows_org)
    year = np.concatenate(rows_year)
    n = len(org)
    report_date = day_of_year(year + 1, 1, 1) + rng.integers(0, 180, n).astype("timedelta64[D]")
    keep = report_date <= ctx.as_of
    org, year, report_date = org[keep], year[keep], report_date[keep]
    n = len(org)
    state = ctx.city.organisation_state
    revenue = np.round(np.maximum(sales_year[org], 10_000.0) * rng.lognormal(0, 0.15, n) / 10_000, 6)
    margin = 0.06 - 0.03 * np.clip(state.stress[org, -12:].mean(axis=1), -2, 4) + rng.normal(0, 0.03, n)
    assets = np.round(revenue * rng.uniform(0.6, 1.8, n) + o.capital_wan[org] * 0.5, 6)
    leverage = np.clip(0.45 + 0.08 * state.stress[org, -12:].mean(axis=1) + rng.normal(0, 0.1, n), 0.05, 1.3)
    liabilities = np.round(assets * leverage, 6)
    profit = np.round(revenue * margin, 6)
    published = rng.random(n) < 0.35
    return make_rows(
        org=org,
        when=report_date,
        credit_code=ctx.org_codes(org),
        enterprise_name=ctx.org_names(org),
        report_year=year.astype(float),
        report_date=report_date,
        operating_status=code_where(spec, "operating_status", np.zeros(n, dtype=int), ["正常开业"]),
        employees=o.employees[org].astype(float),
        total_assets=assets,
        total_liabilities=liabilities,
        equity=np.round(assets - liabilities, 6),
        revenue=revenue,
        main_revenue=np.round(revenue * rng.uniform(0.85, 1.0, n), 6),
        total_profit=profit,
        net_profit=np.round(np.where(profit > 0, profit * 0.8, profit), 6),
        total_tax=np.round(revenue * 0.04, 6),
        finance_published=pa.array(published),
        pension_insured=np.round(o.employees[org] * rng.uniform(0.6, 1.0, n)).astype(float),
        phone=ctx.phones(ctx.legal_reps(org)),
        email=join("info", integers(org), "@xyqy.com.cn"),
    )


@mapping("market.cooperatives")
def cooperatives(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = o.of_kind(OrgKind.COOPERATIVE)
    n = len(org)
    rep = o.legal_rep[org]
    members = np.maximum(o.members[org], 5)
    level = rng.choice(5, n, p=[0.005, 0.03, 0.08, 0.15, 0.735])
    return make_rows(
        org=org,
        when=o.established[org],
        credit_code=ctx.org_codes(org),
        coop_name=ctx.org_names(org),
        legal_rep=ctx.person_names(rep),
        legal_rep_id=ctx.person_ids(rep),
        members=members.astype(float),
        farmer_members=np.floor(members * 0.95).astype(float),
        total_contribution=np.round(o.capital_wan[org], 6),
        business_scope=scopes(ctx, org),
        model_level=code_where(spec, "model_level", level, ["国家级", "省级", "市级", "县级", "无"]),
        reg_status=_status_codes(spec, "reg_status", _status_choice(ctx, org)),
        address=ctx.addresses(np.full(n, -1), org),
        established_date=o.established[org],
    )


@mapping("market.small_micro_directory")
def small_micro_directory(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    org = np.flatnonzero((o.kind == OrgKind.COMPANY) & (o.status == OrgStatus.ACTIVE) & (o.employees < 100) & ~o.soe)
    n = len(org)
    micro = o.employees[org] < 20
    included = np.maximum(o.established[org], np.datetime64("2019-01-01")) + rng.integers(30, 200, n).astype(
        "timedelta64[D]"
    )
    included = np.minimum(included, ctx.as_of)
    return make_rows(
        org=org,
        when=included,
        credit_code=ctx.org_codes(org),
        enterprise_name=ctx.org_names(org),
        size_class=code_where(spec, "size_class", micro.astype(int), ["小型", "微型"]),
        classification_year=year_of(included).astype(float),
        industry=pick([i[1] for i in ref.INDUSTRIES], np.maximum(o.industry[org], 0)),
        employees=o.employees[org].astype(float),
        district=pick(["渝水区", "分宜县"], (ctx.districts(np.full(n, -1), org) == 360521).astype(int)),
        support_policies=pick(["小微企业普惠性税收减免", "稳岗返还", "创业担保贷款贴息"], rng.integers(0, 3, n)),
        included_date=included,
    )


@mapping("market.operators")
def operators(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    org = np.flatnonzero(np.isin(o.kind, (OrgKind.INDIVIDUAL_BUSINESS, OrgKind.COOPERATIVE)))
    n = len(org)
    rep = o.legal_rep[org]
    coop = o.kind[org] == OrgKind.COOPERATIVE
    return make_rows(
        person=rep,
        when=o.established[org],
        subject_id=ctx.person_ids(rep),
        operator_name=ctx.person_names(rep),
        id_type=code_where(spec, "id_type", np.zeros(n, dtype=int), ["10"]),
        operator_role=code_where(
            spec,
            "operator_role",
            np.where(coop, 3, 0),
            ["个体工商户经营者", "个人独资企业投资人", "执行事务合伙人", "农民专业合作社理事长"],
        ),
        entity_credit_code=ctx.org_codes(org),
        entity_name=ctx.org_names(org),
        nationality=pa.array(["中国"] * n),
        mobile=ctx.phones(rep),
        address=ctx.persons.address.take(pa.array(rep)),
        registered_date=o.established[org],
    )


def _company_people(ctx: DeliveryContext, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(company, person, role): the legal representative (executive director) and, for larger firms, a supervisor
    and a manager drawn among their staff."""
    o = ctx.orgs
    company = o.of_kind(OrgKind.COMPANY)
    rep = o.legal_rep[company]
    employer = ctx.city.employment.employer
    staff = np.flatnonzero(employer >= 0)
    staff_company = employer[staff]
    order = np.argsort(staff_company, kind="stable")
    staff, staff_company = staff[order], staff_company[order]
    first = np.searchsorted(staff_company, company)
    count = np.searchsorted(staff_company, company, side="right") - first
    has_staff = count >= 3
    supervisor = np.where(
        has_staff, staff[np.minimum(first + rng.integers(0, np.maximum(count, 1)), len(staff) - 1)], -1
    )
    manager = np.where(
        has_staff & (count >= 10), staff[np.minimum(first + rng.integers(0, np.maximum(count, 1)), len(staff) - 1)], -1
    )
    rows_company = np.concatenate([company, company[supervisor >= 0], company[manager >= 0]])
    rows_person = np.concatenate([rep, supervisor[supervisor >= 0], manager[manager >= 0]])
    role = np.concatenate(
        [np.zeros(len(company), dtype=int), np.full((supervisor >= 0).sum(), 1), np.full((manager >= 0).sum(), 2)]
    )
    distinct = np.ones(len(rows_person), dtype=bool)
    distinct[len(company) :] = rows_person[len(company) :] != np.concatenate([rep[supervisor >= 0], rep[manager >= 0]])
    return rows_company[distinct], rows_person[distinct], role[distinct]


@mapping("market.key_personnel")
def key_personnel(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    company, person, role = _company_people(ctx, rng)
    len(person)
    appointed = days_after(o.established[company], rng, 0, 400, ctx.as_of)
    left = nat_unless(o.status[company] != OrgStatus.ACTIVE, o.status_date[company])
    return make_rows(
        person=person,
        when=appointed,
        subject_id=ctx.person_ids(person),
        person_name=ctx.person_names(person),
        entity_credit_code=ctx.org_codes(company),
        entity_name=ctx.org_names(company),
        position=code_where(
            spec,
            "position",
            np.select([role == 0, role == 1], [1, 4], 5),
            ["董事长", "执行董事", "董事", "监事会主席", "监事", "经理"],
        ),
        is_legal_rep=pa.array(role == 0),
        appointed_date=appointed,
        left_date=left,
    )


@mapping("market.investors")
def investors(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """The legal representative holds most of a private firm; a second natural-person investor often holds the
    rest; state firms are held by the city's state-asset company."""
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    company = o.of_kind(OrgKind.COMPANY)
    company = company[~o.soe[company]]
    rep = o.legal_rep[company]
    two = rng.random(len(company)) < 0.45
    adults = np.flatnonzero(ctx.persons.age >= 25)
    partner = np.where(two, rng.choice(adults, len(company)), -1)
    partner = np.where(partner == rep, -1, partner)
    share = np.where(partner >= 0, np.round(rng.uniform(51, 90, len(company)), 2), 100.0)
    person = np.concatenate([rep, partner[partner >= 0]])
    firm = np.concatenate([company, company[partner >= 0]])
    percent = np.concatenate([share, 100 - share[partner >= 0]])
    n = len(person)
    subscribed = np.round(o.capital_wan[firm] * percent / 100, 6)
    paid_in = np.round(subscribed * np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0, 1, n)), 6)
    day = o.established[firm]
    return make_rows(
        person=person,
        when=day,
        subject_id=ctx.person_ids(person),
        investor_name=ctx.person_names(person),
        investor_kind=code_where(spec, "investor_kind", np.zeros(n, dtype=int), ["自然人股东"]),
        entity_credit_code=ctx.org_codes(firm),
        entity_name=ctx.org_names(firm),
        subscribed_amount=subscribed,
        subscribed_date=day,
        paid_in_amount=paid_in,
        paid_in_date=days_after(day, rng, 0, 700, ctx.as_of),
        contribution_form=code_where(spec, "contribution_form", np.zeros(n, dtype=int), ["1"]),
        share_percent=percent,
    )


@mapping("market.equity_freezes")
def equity_freezes(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Courts freeze the equity judgment debtors hold: company owners' shares in their firm, and debtor
    companies' holdings in other firms."""
    cases = court_cases(ctx.city)
    rng = ctx.rng(spec.id)
    company_of = ctx.city.employment.business
    person, debtor_org = cases.person, cases.org
    own_firm = company_of[np.maximum(person, 0)]
    holder = (person >= 0) & (own_firm >= 0) & (ctx.orgs.kind[np.maximum(own_firm, 0)] == OrgKind.COMPANY)
    holder |= (debtor_org >= 0) & (ctx.orgs.kind[np.maximum(debtor_org, 0)] == OrgKind.COMPANY)
    chosen = np.flatnonzero(holder & (cases.performed < 1.0) & (rng.random(cases.n) < 0.6))
    n = len(chosen)
    is_person = person[chosen] >= 0
    companies = ctx.orgs.of_kind(OrgKind.COMPANY)
    firm = np.where(is_person, own_firm[chosen], rng.choice(companies, n))
    firm = np.where(firm == debtor_org[chosen], companies[0], firm)
    start = days_after(cases.filed[chosen], rng, 10, 90, ctx.as_of)
    released = ~np.isnat(cases.closed[chosen]) & (cases.performed[chosen] >= 1.0)
    ruling = case_numbers(year_of(cases.filed[chosen]), cases.court[chosen], "执", cases.number[chosen])
    return make_rows(
        person=person[chosen],
        org=debtor_org[chosen],
        when=start,
        subject_id=ctx.subject_ids(person[chosen], debtor_org[chosen]),
        debtor_name=ctx.subject_names(person[chosen], debtor_org[chosen]),
        id_type=code_where(spec, "id_type", np.where(is_person, 0, 5), ["10", "40", "52", "54", "56", "90"]),
        entity_credit_code=ctx.org_codes(firm),
        entity_name=ctx.org_names(firm),
        court=pick(COURT_NAMES, cases.court[chosen]),
        action=code_where(spec, "action", np.where(released, 2, 0), ["1", "2", "3", "4"]),
        ruling_no=join(ruling, "之一"),
        notice_no=join(ruling, "之二"),
        frozen_amount=np.round(ctx.orgs.capital_wan[firm] * rng.uniform(0.3, 1.0, n), 6),
        freeze_from=start,
        freeze_to=start + np.timedelta64(3 * 365, "D"),
        published_date=days_after(start, rng, 1, 10, ctx.as_of),
        lapse_reason=None,
    )


@mapping("market.equity_pledges")
def equity_pledges(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Owners of companies pledge their equity for bank loans; more often when their firm is short of money."""
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    company = o.of_kind(OrgKind.COMPANY)
    company = company[~o.soe[company]]
    stress = ctx.city.organisation_state.stress[company, -ctx.params.months :].max(axis=1)
    chosen = weighted_choice(rng, company, max(1, len(company) // 40), np.exp(np.clip(0.6 * stress, -3, 5)))
    n = len(chosen)
    owner = o.legal_rep[chosen]
    day = ctx.days_in_window(rng, n)
    day = np.maximum(day, o.established[chosen])
    cancelled = rng.random(n) < 0.3
    bank = rng.integers(0, len(LENDERS), n)
    return make_rows(
        person=owner,
        when=day,
        subject_id=ctx.person_ids(owner),
        pledgor=ctx.person_names(owner),
        pledge_reg_no=join("赣余质", integers(year_of(day)), zero_padded(np.arange(n) + 1, 6)),
        entity_credit_code=ctx.org_codes(chosen),
        entity_name=ctx.org_names(chosen),
        pledged_amount=np.round(o.capital_wan[chosen] * rng.uniform(0.3, 1.0, n), 6),
        pledgee=pick(list(LENDERS), bank),
        pledgee_id=pick([f"91360500{k:09d}" for k in range(len(LENDERS))], bank),
        registered_date=day,
        status=code_where(spec, "status", cancelled.astype(int), ["有效", "无效"]),
        published_date=days_after(day, rng, 1, 7, ctx.as_of),
        cancelled_date=nat_unless(cancelled, days_after(day, rng, 90, 500, ctx.as_of)),
    )


@mapping("market.changes")
def changes(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    rng = ctx.rng(spec.id)
    company = o.of_kind(OrgKind.COMPANY)
    chosen = weighted_choice(rng, company, max(1, len(company) // 8))
    n = len(chosen)
    day = np.maximum(ctx.days_in_window(rng, n), o.established[chosen])
    item = rng.choice(5, n, p=[0.1, 0.3, 0.15, 0.2, 0.25])
    before = pick(["原内容"], np.zeros(n, dtype=int))
    after = pick(["变更后内容"], np.zeros(n, dtype=int))
    return make_rows(
        org=chosen,
        when=day,
        credit_code=ctx.org_codes(chosen),
        enterprise_name=ctx.org_names(chosen),
        change_item=code_where(
            spec, "change_item", item, ["名称变更", "住所变更", "法定代表人变更", "注册资本变更", "经营范围变更"]
        ),
        before=join(before, integers(np.arange(n))),
        after=join(after, integers(np.arange(n))),
        changed_date=day,
        reg_authority=authorities(ctx, chosen),
    )


@mapping("market.domestic_enterprises")
def domestic_enterprises(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    o = ctx.orgs
    org = o.of_kind(OrgKind.COMPANY)
    n = len(org)
    return make_rows(
        org=org,
        when=o.established[org],
        credit_code=ctx.org_codes(org),
        enterprise_name=ctx.org_names(org),
        ownership=code_where(
            spec, "ownership", np.where(o.soe[org], 0, 2), ["国有控股", "集体控股", "私人控股", "其他"]
        ),
        enterprise_type=pick(["有限责任公司", "股份有限公司"], (np.arange(n) % 17 == 0).astype(int)),
        reg_capital=np.round(o.capital_wan[org], 6),
        industry_code=industry_codes(ctx, org),
        district_code=integers(ctx.districts(np.full(n, -1), org)),
        reg_status=code_where(spec, "reg_status", _status_choice(ctx, org), ["存续", "吊销", "注销"]),
        established_date=o.established[org],
    )
