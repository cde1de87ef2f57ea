"""The courts: judgment debtors, dishonest judgment debtors and judgments, from the enforcement cases that the
latent state puts in court (``activity.court_cases``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.core.catalog import DatasetSpec
from puhui.synth import reference as ref
from puhui.synth.activity import court_cases
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import (
    case_numbers,
    code_where,
    days_after,
    nat_unless,
    null_unless,
    year_of,
)
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.text import decimals, integers, join, pick

CAUSES = (
    "民间借贷纠纷",
    "金融借款合同纠纷",
    "买卖合同纠纷",
    "信用卡纠纷",
    "租赁合同纠纷",
    "劳务合同纠纷",
    "建设工程施工合同纠纷",
    "追偿权纠纷",
)
CAUSE_WEIGHTS = np.array([0.3, 0.2, 0.18, 0.1, 0.07, 0.06, 0.05, 0.04])
COURT_NAMES = [c[0] for c in ref.COURTS]
BEHAVIOURS = (
    "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    "违反财产报告制度",
    "违反限制高消费令",
    "无正当理由拒不履行执行和解协议",
    "其他有履行能力而拒不履行",
)


def _cause(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(len(CAUSES), n, p=CAUSE_WEIGHTS)


def _basis_numbers(ctx: DeliveryContext, judged: np.ndarray, court: np.ndarray, serial: np.ndarray) -> pa.Array:
    trial_court = np.where(court == 0, 1, court)
    return case_numbers(year_of(judged), trial_court, "民初", serial)


@mapping("court.judgment_debtors")
def judgment_debtors(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    cases = court_cases(ctx.city)
    rng = ctx.rng(spec.id)
    n = cases.n
    as_of = ctx.as_of
    is_person = cases.person >= 0
    open_case = np.isnat(cases.closed)
    stale = (as_of - cases.filed).astype(np.int64) > 180
    status = np.select(
        [~open_case & (cases.performed >= 1.0), ~open_case, open_case & stale & (cases.performed < 0.5)],
        [2, 3, 1],
        0,
    )
    status = np.where((status == 3) & (rng.random(n) < 0.8), 1, status)
    unperformed = np.round(cases.amount * (1 - cases.performed), 2)
    cause = _cause(rng, n)
    spouse = np.where(is_person, ctx.persons.spouse[np.maximum(cases.person, 0)], -1)
    co_debtor = null_unless((spouse >= 0) & (rng.random(n) < 0.3), ctx.person_names(np.maximum(spouse, 0)))
    return make_rows(
        person=cases.person,
        org=cases.org,
        when=cases.filed,
        case_no=case_numbers(year_of(cases.filed), cases.court, "执", cases.number),
        debtor_name=ctx.subject_names(cases.person, cases.org),
        debtor_kind=pick(["0", "1"], (~is_person).astype(int)),
        debtor_id=ctx.subject_ids(cases.person, cases.org),
        court=pick(COURT_NAMES, cases.court),
        filed_date=cases.filed,
        enforcement_basis=join(_basis_numbers(ctx, cases.judged, cases.court, cases.number + 300), "民事判决书"),
        cause=pick(CAUSES, cause),
        amount_to_enforce=cases.amount,
        amount_unperformed=unperformed,
        case_status=code_where(spec, "case_status", status, ["执行中", "终结本次执行程序", "执行完毕", "终结执行"]),
        closed_date=cases.closed,
        co_debtors=co_debtor,
    )


@mapping("court.dishonest_debtors")
def dishonest_debtors(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    cases = court_cases(ctx.city)
    rng = ctx.rng(spec.id)
    chosen = np.flatnonzero(cases.dishonest)
    n = len(chosen)
    person, org = cases.person[chosen], cases.org[chosen]
    is_person = person >= 0
    removed = cases.delisted[chosen]
    performed = cases.performed[chosen]
    performance = np.where(~np.isnat(removed) & (rng.random(n) < 0.7), 2, np.where(performed > 0, 1, 0))
    behaviour = rng.choice(6, n, p=[0.02, 0.05, 0.13, 0.12, 0.03, 0.65])
    amount = cases.amount[chosen]
    court = cases.court[chosen]
    return make_rows(
        person=person,
        org=org,
        when=cases.filed[chosen],
        case_no=case_numbers(year_of(cases.filed[chosen]), court, "执", cases.number[chosen]),
        debtor_name=ctx.subject_names(person, org),
        debtor_kind=pick(["0", "1"], (~is_person).astype(int)),
        debtor_id=ctx.subject_ids(person, org),
        legal_rep=null_unless(~is_person, ctx.person_names(ctx.legal_reps(org))),
        court=pick(COURT_NAMES, court),
        court_code=pick([c[1] for c in ref.COURTS], court),
        basis_doc_no=_basis_numbers(ctx, cases.judged[chosen], court, cases.number[chosen] + 300),
        basis_issuer=pick(COURT_NAMES, np.where(court == 0, 1, court)),
        obligation=join(
            "被执行人应偿还申请执行人款项", decimals(np.round(amount * 100).astype(np.int64), 2), "元及相应利息"
        ),
        performance=code_where(spec, "performance", performance, ["全部未履行", "部分未履行", "全部履行"]),
        dishonest_behaviour=code_where(spec, "dishonest_behaviour", behaviour, BEHAVIOURS),
        filed_date=cases.filed[chosen],
        published_date=cases.listed[chosen],
        removed_date=removed,
    )


@mapping("court.judgments")
def judgments(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """The civil judgment behind each enforcement case, plus judgments in disputes that never reach enforcement."""
    cases = court_cases(ctx.city)
    rng = ctx.rng(spec.id)
    # disputes settled without enforcement: about as many again, among adults and firms of any condition
    extra = cases.n // 2
    adults = np.flatnonzero(ctx.persons.age >= 22)
    extra_person = np.where(rng.random(extra) < 0.7, rng.choice(adults, extra), -1)
    market = np.flatnonzero(ctx.orgs.kind != 3)
    extra_org = np.where(extra_person < 0, rng.choice(market, extra), -1)
    person = np.concatenate([cases.person, extra_person])
    org = np.concatenate([cases.org, extra_org])
    n = len(person)
    judged = np.concatenate([cases.judged, ctx.days_in_window(rng, extra) - np.timedelta64(200, "D")])
    judged = np.minimum(judged, ctx.as_of)
    court = np.concatenate([np.where(cases.court == 0, 1, cases.court), rng.integers(1, 3, extra)]).astype(np.int8)
    number = np.concatenate([cases.number + 300, 20_000 + np.arange(extra)])
    amount = np.concatenate([cases.amount, np.round(np.exp(rng.normal(np.log(30_000), 1.0, extra)), -1)])
    enforced = np.arange(n) < cases.n
    role = np.where(enforced | (rng.random(n) < 0.5), 1, 0)  # 被告 when the debt is theirs
    cause = _cause(rng, n)
    names = ctx.subject_names(person, org)
    counterpart = pick(
        ["新余农村商业银行", "江西银行新余分行", "新余市某小额贷款有限公司", "刘某", "王某", "张某"],
        rng.integers(0, 6, n),
    )
    plaintiff = pc.if_else(pa.array(role == 1), counterpart, names)
    defendant = pc.if_else(pa.array(role == 1), names, counterpart)
    outcome = np.where(rng.random(n) < 0.7, "判决", np.where(rng.random(n) < 0.6, "调解", "撤诉"))
    published = days_after(judged, rng, 15, 90)
    doc_id = join(integers(rng.integers(10**7, 10**8, n)), "-", integers(np.arange(n) + 10**6))
    return make_rows(
        person=person,
        org=org,
        when=judged,
        doc_id=doc_id,
        case_no=case_numbers(year_of(judged), court, "民初", number),
        case_name=join(plaintiff, "与", defendant, pick(CAUSES, cause), "一审民事判决书"),
        court=pick(COURT_NAMES, court),
        case_type=code_where(spec, "case_type", np.zeros(n, dtype=int), ["民事"]),
        procedure=code_where(spec, "procedure", np.zeros(n, dtype=int), ["一审"]),
        doc_type=code_where(spec, "doc_type", np.zeros(n, dtype=int), ["判决书"]),
        cause=pick(CAUSES, cause),
        party_name=names,
        party_id=ctx.subject_ids(person, org),
        party_role=code_where(spec, "party_role", role, ["原告", "被告"]),
        amount_in_dispute=amount,
        judgment_date=judged,
        published_date=nat_unless(published <= ctx.as_of, published),
        outcome=pick(["判决", "调解", "撤诉"], np.select([outcome == "判决", outcome == "调解"], [0, 1], 2)),
        holding=pc.if_else(
            pa.array(role == 1),
            join(
                "被告",
                names,
                "于判决生效之日起十日内偿还原告款项",
                decimals(np.round(amount * 100).astype(np.int64), 2),
                "元",
            ),
            join(
                "被告",
                counterpart,
                "于判决生效之日起十日内支付原告款项",
                decimals(np.round(amount * 100).astype(np.int64), 2),
                "元",
            ),
        ),
    )
