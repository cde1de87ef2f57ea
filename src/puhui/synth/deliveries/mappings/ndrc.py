"""The city's public-credit platform: red and black lists, model honest enterprises, and the double-publicity
licences and penalties — gathered from the other departments' outcomes and from each subject's conduct."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth import reference as ref
from puhui.synth.activity import court_cases
from puhui.synth.bank import loan_outcomes
from puhui.synth.deliveries.context import DeliveryContext, weighted_choice
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import (
    code_where,
    day_of_year,
    document_numbers,
    null_unless,
    year_of,
)
from puhui.synth.deliveries.mappings.court import COURT_NAMES
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.text import decimals, integers, join, pick

PLATFORM = "新余市公共信用信息平台"
SUBJECT_KINDS = ["法人及非法人组织", "自然人", "个体工商户"]


def subject_kinds(ctx: DeliveryContext, spec: DatasetSpec, person: np.ndarray, org: np.ndarray) -> pa.Array | None:
    shop = (org >= 0) & (ctx.orgs.kind[np.maximum(org, 0)] == OrgKind.INDIVIDUAL_BUSINESS)
    return code_where(spec, "subject_kind", np.where(person >= 0, 1, np.where(shop, 2, 0)), SUBJECT_KINDS)


def _legal_rep(ctx: DeliveryContext, person: np.ndarray, org: np.ndarray) -> pa.Array:
    return null_unless(person < 0, ctx.person_names(np.maximum(ctx.legal_reps(org), 0)))


def subject_fields(ctx: DeliveryContext, spec: DatasetSpec, person: np.ndarray, org: np.ndarray) -> dict[str, Any]:
    """The 行政相对人 block every list of the platform opens with: name, kind, code and legal representative."""
    return {
        "subject_name": ctx.subject_names(person, org),
        "subject_kind": subject_kinds(ctx, spec, person, org),
        "subject_id": ctx.subject_ids(person, org),
        "legal_rep": _legal_rep(ctx, person, org),
    }


@mapping("ndrc.black_list")
def black_list(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Dishonest judgment debtors, seriously illegal enterprises (revoked after years on the abnormal list) and
    the bank defaults the pilot reports back."""
    rng = ctx.rng(spec.id)
    cases = court_cases(ctx.city)
    dishonest = np.flatnonzero(cases.dishonest)
    o = ctx.orgs
    revoked = np.flatnonzero((o.status == OrgStatus.REVOKED) & (o.kind == OrgKind.COMPANY))
    book = loan_outcomes(ctx.city)
    reported = np.flatnonzero((book.defaulted_at >= 0) & (rng.random(len(book.defaulted_at)) < 0.3))
    default_day = book.applied[reported] + ((book.defaulted_at[reported] + 3) * 30).astype("timedelta64[D]")
    reported = reported[default_day <= ctx.as_of]
    default_day = default_day[default_day <= ctx.as_of]
    person = np.concatenate([cases.person[dishonest], np.full(len(revoked), -1), book.person[reported]])
    org = np.concatenate([cases.org[dishonest], revoked, book.org[reported]])
    listed = np.concatenate([cases.listed[dishonest], o.status_date[revoked], default_day])
    removed = np.concatenate([cases.delisted[dishonest], np.full(len(revoked) + len(reported), np.datetime64("NaT"))])
    list_type = np.concatenate(
        [np.zeros(len(dishonest), dtype=int), np.full(len(revoked), 2), np.full(len(reported), 6)]
    )
    n = len(person)
    court = cases.court[dishonest]
    source = pa.concat_arrays(
        [
            pick(COURT_NAMES, court),
            pa.array(["新余市市场监督管理局"] * len(revoked), pa.string()),
            pa.array(["新余普惠试点银行"] * len(reported), pa.string()),
        ]
    )
    reason = pick(
        ["未履行生效法律文书确定的义务", "被列入经营异常名录届满3年仍未履行相关义务的", "金融借款逾期未还经确认违约"],
        np.select([list_type == 0, list_type == 2], [0, 1], 2),
    )
    return make_rows(
        person=person,
        org=org,
        when=listed,
        **subject_fields(ctx, spec, person, org),
        list_type=code_where(
            spec,
            "list_type",
            list_type,
            [
                "失信被执行人",
                "重大税收违法失信主体",
                "严重违法失信企业",
                "拖欠农民工工资失信联合惩戒对象",
                "安全生产严重失信主体",
                "政府采购严重违法失信",
                "金融借款违约",
            ],
        ),
        listed_reason=reason,
        recognised_by=source,
        decision_no=document_numbers("新信黑", year_of(listed), np.arange(n) + 1),
        listed_date=listed,
        valid_until=listed + np.timedelta64(3 * 365, "D"),
        removed_date=removed,
        removal_reason=null_unless(
            ~np.isnat(removed), code_where(spec, "removal_reason", np.ones(n, dtype=int), ["期满移出", "信用修复"])
        ),
        source_unit=pa.array([PLATFORM] * n),
    )


@mapping("ndrc.red_list")
def red_list(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Trustworthy subjects: A-grade taxpayers and the most capable and dependable residents and firms."""
    rng = ctx.rng(spec.id)
    p, o = ctx.persons, ctx.orgs
    ps, os_ = ctx.city.person_state, ctx.city.organisation_state
    adults = np.flatnonzero(p.age >= 25)
    people = weighted_choice(
        rng,
        adults,
        max(1, len(adults) // 1500),
        np.exp(np.clip(1.5 * (ps.capacity[adults] + ps.willingness[adults]), -6, 6)),
    )
    market = np.flatnonzero((o.kind != OrgKind.PUBLIC) & (o.status == OrgStatus.ACTIVE))
    firms = weighted_choice(
        rng,
        market,
        max(1, len(market) // 60),
        np.exp(np.clip(1.5 * (os_.capacity[market] + os_.willingness[market]) - 0.5 * os_.stress[market, -1], -6, 6)),
    )
    person = np.concatenate([people, np.full(len(firms), -1)])
    org = np.concatenate([np.full(len(people), -1), firms])
    n = len(person)
    listed = ctx.days_in_window(rng, n)
    honour = pick(
        ["纳税信用A级纳税人", "守合同重信用企业", "诚信个体工商户", "新余市道德模范", "见义勇为先进个人"],
        np.where(person >= 0, rng.integers(3, 5, n), rng.integers(0, 3, n)),
    )
    return make_rows(
        person=person,
        org=org,
        when=listed,
        **subject_fields(ctx, spec, person, org),
        list_category=code_where(spec, "list_category", np.zeros(n, dtype=int), ["2"]),
        honour_name=honour,
        listed_reason=join("获评", honour),
        recognised_by=pick(list(ref.DEPARTMENTS), rng.integers(0, len(ref.DEPARTMENTS), n)),
        basis_doc=document_numbers("余府字", year_of(listed), rng.integers(1, 200, n)),
        listed_date=listed,
        valid_until=listed + np.timedelta64(2 * 365, "D"),
        removed_date=np.full(n, np.datetime64("NaT")),
        source_unit=pa.array([PLATFORM] * n),
    )


@mapping("ndrc.model_honest_enterprises")
def model_honest_enterprises(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    rng = ctx.rng(spec.id)
    o = ctx.orgs
    os_ = ctx.city.organisation_state
    companies = np.flatnonzero((o.kind == OrgKind.COMPANY) & (o.status == OrgStatus.ACTIVE))
    chosen = weighted_choice(
        rng,
        companies,
        max(1, len(companies) // 100),
        np.exp(np.clip(2 * os_.willingness[companies] + os_.capacity[companies], -6, 6)),
    )
    n = len(chosen)
    year = rng.choice([2024, 2025], n)
    awarded = day_of_year(year, 12, 15) + rng.integers(0, 20, n).astype("timedelta64[D]")
    awarded = np.minimum(awarded, ctx.as_of)
    level = rng.choice(4, n, p=[0.02, 0.13, 0.6, 0.25])
    return make_rows(
        org=chosen,
        when=awarded,
        credit_code=ctx.org_codes(chosen),
        enterprise_name=ctx.org_names(chosen),
        legal_rep=ctx.person_names(o.legal_rep[chosen]),
        industry=pick([i[1] for i in ref.INDUSTRIES], np.maximum(o.industry[chosen], 0)),
        award_year=year.astype(float),
        award_level=code_where(spec, "award_level", level, ["国家级", "省级", "市级", "县级"]),
        awarded_by=pick(["国家发展和改革委员会", "江西省发展和改革委员会", "新余市人民政府", "渝水区人民政府"], level),
        awarded_date=awarded,
        valid_until=awarded + np.timedelta64(3 * 365, "D"),
        revoked=pa.array(np.zeros(n, dtype=bool)),
    )


LICENCES = (
    ("食品经营许可证", "食品销售;餐饮服务", "新余市市场监督管理局"),
    ("道路运输经营许可证", "道路普通货物运输", "新余市交通运输局"),
    ("建筑业企业资质证书", "施工总承包三级", "新余市住房和城乡建设局"),
    ("排污许可证", "排放污染物", "新余市生态环境局"),
    ("烟草专卖零售许可证", "卷烟、雪茄烟零售", "新余市烟草专卖局"),
)


@mapping("ndrc.admin_licences")
def admin_licences(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    rng = ctx.rng(spec.id)
    o = ctx.orgs
    market = np.flatnonzero(
        np.isin(o.kind, (OrgKind.COMPANY, OrgKind.INDIVIDUAL_BUSINESS)) & (o.status == OrgStatus.ACTIVE)
    )
    chosen = np.sort(rng.choice(market, max(1, len(market) // 6)))
    n = len(chosen)
    industry = np.array([row[0] for row in ref.INDUSTRIES])[np.maximum(o.industry[chosen], 0)]
    licence = np.select(
        [
            np.isin(industry, ("H62", "F52", "H61", "C13")),
            industry == "G54",
            np.char.startswith(industry, "E"),
            np.char.startswith(industry, "C"),
        ],
        [0, 1, 2, 3],
        4,
    )
    decided = np.maximum(ctx.days_in_window(rng, n), o.established[chosen])
    person = np.full(n, -1)
    return make_rows(
        org=chosen,
        when=decided,
        **subject_fields(ctx, spec, person, chosen),
        decision_doc_name=join(pick([row[0] for row in LICENCES], licence), "准予许可决定书"),
        decision_doc_no=document_numbers("余许", year_of(decided), np.arange(n) + 1),
        licence_category=code_where(
            spec, "licence_category", np.where(licence == 2, 3, 0), ["普通", "特许", "认可", "核准"]
        ),
        certificate_name=pick([row[0] for row in LICENCES], licence),
        licence_no=join("XK", integers(year_of(decided)), integers(np.arange(n) + 100_000)),
        licence_content=pick([row[1] for row in LICENCES], licence),
        decision_date=decided,
        valid_from=decided,
        valid_to=decided + np.timedelta64(5 * 365, "D"),
        licensing_authority=pick([row[2] for row in LICENCES], licence),
        status=code_where(spec, "status", np.zeros(n, dtype=int), ["1", "2"]),
        source_unit=pick([row[2] for row in LICENCES], licence),
    )


VIOLATIONS = (
    ("未按规定公示年度报告", "《企业信息公示暂行条例》", "警告", 0.0),
    ("销售过期食品", "《中华人民共和国食品安全法》第一百二十四条", "罚款", 0.5),
    ("超标排放污染物", "《中华人民共和国大气污染防治法》第九十九条", "罚款", 10.0),
    ("违法建设", "《中华人民共和国城乡规划法》第六十四条", "罚款", 2.0),
    ("未取得许可从事经营", "《无证无照经营查处办法》第十三条", "没收违法所得", 1.0),
    ("交通运输违法行为", "《中华人民共和国道路运输条例》", "罚款", 0.3),
)


@mapping("ndrc.admin_penalties")
def admin_penalties(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Penalties fall on firms (and some residents) that cut corners: weighted by low willingness and stress."""
    rng = ctx.rng(spec.id)
    o = ctx.orgs
    os_, ps = ctx.city.organisation_state, ctx.city.person_state
    market = np.flatnonzero(np.isin(o.kind, (OrgKind.COMPANY, OrgKind.INDIVIDUAL_BUSINESS, OrgKind.COOPERATIVE)))
    firm_weight = np.exp(
        np.clip(-1.3 * os_.willingness[market] + 0.5 * os_.stress[market, -ctx.params.months :].mean(axis=1), -5, 6)
    )
    firms = weighted_choice(rng, market, max(1, len(market) // 25), firm_weight)
    adults = np.flatnonzero(ctx.persons.age >= 18)
    people = weighted_choice(
        rng, adults, max(1, len(adults) // 800), np.exp(np.clip(-1.3 * ps.willingness[adults], -5, 6))
    )
    person = np.concatenate([np.full(len(firms), -1), people])
    org = np.concatenate([firms, np.full(len(people), -1)])
    n = len(person)
    decided = ctx.days_in_window(rng, n)
    decided = np.where(org >= 0, np.maximum(decided, o.established[np.maximum(org, 0)]), decided)
    violation = np.where(person >= 0, 5, rng.choice(5, n, p=[0.3, 0.25, 0.1, 0.15, 0.2]))
    fine = np.round(np.array([v[3] for v in VIOLATIONS])[violation] * rng.lognormal(0, 0.6, n), 6)
    category = pick([v[2] for v in VIOLATIONS], violation)
    return make_rows(
        person=person,
        org=org,
        when=decided,
        **subject_fields(ctx, spec, person, org),
        decision_doc_no=document_numbers("余市监处罚", year_of(decided), np.arange(n) + 1),
        violation_type=pick([v[0] for v in VIOLATIONS], violation),
        violation_facts=join("当事人", pick([v[0] for v in VIOLATIONS], violation), ",事实清楚"),
        penalty_basis=pick([v[1] for v in VIOLATIONS], violation),
        penalty_category=code_where(
            spec,
            "penalty_category",
            np.select([violation == 0, violation == 4], [0, 3], 2),
            ["警告", "通报批评", "罚款", "没收违法所得"],
        ),
        penalty_content=join(category, decimals(np.round(fine * 10_000 * 100).astype(np.int64), 2), "元"),
        fine_amount=np.where(violation == 0, np.nan, fine),
        confiscated_amount=np.where(violation == 4, np.round(fine * 0.5, 6), np.nan),
        licence_suspended=None,
        decision_date=decided,
        penalty_valid_until=decided + np.timedelta64(365, "D"),
        publicity_until=decided + np.timedelta64(3 * 365, "D"),
        penalising_authority=pick(
            [
                "新余市市场监督管理局",
                "新余市市场监督管理局",
                "新余市生态环境局",
                "新余市城市管理局",
                "新余市市场监督管理局",
                "新余市交通运输局",
            ],
            violation,
        ),
        source_unit=pa.array([PLATFORM] * n),
    )
