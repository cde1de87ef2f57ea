"""Real-estate registration: titles, mortgages, court seizures, rural land-contract and forest rights — from the
properties and farms of the city and the enforcement cases against their owners."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.activity import court_cases
from puhui.synth.assets import LENDERS, PROPERTY_BUSINESS, PROPERTY_RURAL_HOUSE
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
from puhui.synth.deliveries.mappings.court import COURT_NAMES
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.population import DAYS_PER_YEAR
from puhui.synth.text import integers, join, pick, zero_padded

FOREST_SPECIES = ("杉木", "马尾松", "油茶", "毛竹", "湿地松", "阔叶混交林")


def _owners(ctx: DeliveryContext, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    props = ctx.city.assets.properties
    return props.owner_person[index], props.owner_org[index]


@mapping("natural_resources.property_registrations")
def property_registrations(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    props = ctx.city.assets.properties
    rng = ctx.rng(spec.id)
    index = np.arange(props.n)
    person, org = _owners(ctx, index)
    kind = props.kind
    married = (person >= 0) & (ctx.persons.spouse[np.maximum(person, 0)] >= 0)
    return make_rows(
        person=person,
        org=org,
        when=props.registered_on,
        subject_id=ctx.subject_ids(person, org),
        holder=ctx.subject_names(person, org),
        title_no=props.certificate_no,
        unit_no=props.unit_no,
        location=props.address,
        right_type=code_where(spec, "right_type", np.where(kind == PROPERTY_RURAL_HOUSE, 3, 1), ["3", "4", "5", "6"]),
        right_nature=code_where(
            spec,
            "right_nature",
            np.where(kind == PROPERTY_RURAL_HOUSE, 5, 1),
            ["101", "102", "103", "104", "105", "200"],
        ),
        planned_use=code_where(
            spec,
            "planned_use",
            np.select([kind == PROPERTY_BUSINESS], [np.where(rng.random(props.n) < 0.6, 3, 1)], 0),
            ["住宅", "商业", "办公", "工业"],
        ),
        floor_area=props.area_m2,
        co_ownership=code_where(spec, "co_ownership", married.astype(int), ["单独所有", "共同共有"]),
        registration_type=code_where(
            spec, "registration_type", (rng.random(props.n) < 0.25).astype(int), ["100", "200"]
        ),
        registered_date=props.registered_on,
        right_status=code_where(spec, "right_status", np.zeros(props.n, dtype=int), ["现势"]),
    )


@mapping("natural_resources.mortgages")
def mortgages(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    props = ctx.city.assets.properties
    rng = ctx.rng(spec.id)
    index = np.flatnonzero(props.mortgaged)
    person, org = _owners(ctx, index)
    n = len(index)
    registered = days_after(props.registered_on[index], rng, 3, 30, ctx.as_of)
    years = props.mortgage_years[index].astype(np.int64)
    debt_to = registered + (years * DAYS_PER_YEAR).astype("timedelta64[D]")
    business = props.kind[index] == PROPERTY_BUSINESS
    # business lines roll over every three years; homes are released once the loan is repaid early or in full
    repaid = np.where(
        business, rng.random(n) < 0.2, (rng.random(n) < 0.15) & (registered < ctx.as_of - np.timedelta64(5 * 365, "D"))
    )
    cancelled = days_after(registered, rng, 3 * 365, 8 * 365, ctx.as_of)
    cancelled_ok = repaid & (cancelled < ctx.as_of)
    amount_wan = np.round(props.mortgage_amount[index] / 10_000, 6)
    return make_rows(
        person=person,
        org=org,
        when=registered,
        subject_id=ctx.subject_ids(person, org),
        mortgagor=ctx.subject_names(person, org),
        certificate_no=join(
            "赣(", integers(year_of(registered)), ")新余市不动产证明第", zero_padded(np.arange(n) + 1, 7), "号"
        ),
        unit_no=props.unit_no.take(pa.array(index)),
        location=props.address.take(pa.array(index)),
        property_kind=code_where(spec, "property_kind", np.ones(n, dtype=int), ["土地", "土地和房屋"]),
        mortgage_kind=code_where(spec, "mortgage_kind", business.astype(int), ["一般抵押", "最高额抵押"]),
        secured_amount=np.where(business, np.nan, amount_wan),
        max_amount=np.where(business, amount_wan, np.nan),
        debt_from=registered,
        debt_to=debt_to,
        mortgagee=pick(list(LENDERS), np.maximum(props.lender[index], 0)),
        registration_type=code_where(
            spec, "registration_type", np.where(cancelled_ok, 3, 0), ["100", "200", "300", "400"]
        ),
        registered_date=registered,
        cancelled_date=nat_unless(cancelled_ok, cancelled),
        right_status=code_where(spec, "right_status", np.where(cancelled_ok, 2, 0), ["现势", "历史", "注销"]),
    )


@mapping("natural_resources.seizures")
def seizures(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Courts seize the real estate of judgment debtors who do not pay (about half the time they own some)."""
    cases = court_cases(ctx.city)
    props = ctx.city.assets.properties
    rng = ctx.rng(spec.id)
    first_person = np.full(ctx.persons.n, -1, dtype=np.int64)
    owned_p = np.flatnonzero(props.owner_person >= 0)
    first_person[props.owner_person[owned_p][::-1]] = owned_p[::-1]
    first_org = np.full(ctx.orgs.n, -1, dtype=np.int64)
    owned_o = np.flatnonzero(props.owner_org >= 0)
    first_org[props.owner_org[owned_o][::-1]] = owned_o[::-1]
    prop = np.where(cases.person >= 0, first_person[np.maximum(cases.person, 0)], first_org[np.maximum(cases.org, 0)])
    chosen = np.flatnonzero((prop >= 0) & (cases.performed < 1.0) & (rng.random(cases.n) < 0.55))
    index = prop[chosen]
    n = len(chosen)
    person, org = cases.person[chosen], cases.org[chosen]
    seized = days_after(cases.filed[chosen], rng, 7, 120, ctx.as_of)
    released_ok = ~np.isnat(cases.closed[chosen]) & (cases.performed[chosen] > 0.5)
    released = np.where(released_ok, np.maximum(cases.closed[chosen], seized), np.datetime64("NaT"))
    court = cases.court[chosen]
    doc = case_numbers(year_of(cases.filed[chosen]), court, "执", cases.number[chosen])
    return make_rows(
        person=person,
        org=org,
        when=seized,
        subject_id=ctx.subject_ids(person, org),
        owner=ctx.subject_names(person, org),
        unit_no=props.unit_no.take(pa.array(index)),
        title_no=props.certificate_no.take(pa.array(index)),
        location=props.address.take(pa.array(index)),
        seizure_kind=code_where(spec, "seizure_kind", (rng.random(n) < 0.2).astype(int), ["查封", "轮候查封"]),
        seizing_authority=pick(COURT_NAMES, court),
        seizure_doc_no=join(doc, "之一"),
        seized_from=seized,
        seized_to=seized + np.timedelta64(3 * 365, "D"),
        release_authority=null_unless(released_ok, pick(COURT_NAMES, court)),
        release_doc_no=null_unless(released_ok, join(doc, "之三")),
        released_date=released,
    )


@mapping("natural_resources.land_contract_rights")
def land_contract_rights(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    farms = ctx.city.assets.farms
    rng = ctx.rng(spec.id)
    holder = farms.holder
    n = len(holder)
    words = "东西南北上下大小新老江塘山坪坑口湖田岭桥溪岗背陂"
    village = join(
        pick(list(words), rng.integers(0, len(words), n)), pick(list(words), rng.integers(0, len(words), n)), "村"
    )
    return make_rows(
        person=holder,
        when=farms.certified_on,
        subject_id=ctx.person_ids(holder),
        contractor=ctx.person_names(holder),
        contract_issuer=join(village, "村民委员会"),
        certificate_no=join(
            "赣(",
            integers(year_of(farms.certified_on)),
            ")新余市农村土地承包经营权第",
            zero_padded(np.arange(n) + 1, 7),
            "号",
        ),
        parcels=np.clip(np.round(farms.land_mu / 0.8), 1, 60).astype(float),
        area_mu=farms.land_mu,
        land_class=code_where(spec, "land_class", np.zeros(n, dtype=int), ["耕地"]),
        ownership=code_where(spec, "ownership", np.zeros(n, dtype=int), ["集体"]),
        term_from=np.full(n, np.datetime64("1998-01-01")),
        term_to=np.full(n, np.datetime64("2057-12-31")),
        registered_date=farms.certified_on,
    )


@mapping("natural_resources.forest_rights")
def forest_rights(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    farms = ctx.city.assets.farms
    rng = ctx.rng(spec.id)
    index = np.flatnonzero(farms.forest_mu > 0)
    holder = farms.holder[index]
    n = len(index)
    registered = farms.certified_on[index]
    return make_rows(
        person=holder,
        when=registered,
        subject_id=ctx.person_ids(holder),
        holder=ctx.person_names(holder),
        title_no=join(
            "赣(", integers(year_of(registered)), ")新余市不动产权第", zero_padded(np.arange(n) + 8_000_001, 7), "号"
        ),
        unit_no=join(
            integers(ctx.districts(holder, np.full(n, -1))),
            zero_padded(rng.integers(1, 999_999, n), 6),
            "JL",
            zero_padded(np.arange(n), 5),
            "W00000000",
        ),
        location=ctx.persons.address.take(pa.array(holder)),
        right_type=code_where(spec, "right_type", rng.choice(3, n, p=[0.3, 0.2, 0.5]), ["10", "11", "12"]),
        area_mu=farms.forest_mu[index],
        forest_type=code_where(
            spec, "forest_type", rng.choice(3, n, p=[0.6, 0.3, 0.1]), ["用材林", "经济林", "防护林"]
        ),
        species=pick(list(FOREST_SPECIES), rng.integers(0, len(FOREST_SPECIES), n)),
        stock_volume=np.round(farms.forest_mu[index] * rng.uniform(2, 8, n), 2),
        term_from=registered,
        term_to=registered + np.timedelta64(50 * 365, "D"),
        registered_date=registered,
    )
