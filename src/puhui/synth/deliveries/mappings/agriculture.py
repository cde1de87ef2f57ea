"""Agriculture: land transfers to large growers, and the rosters of large growers, young farm owners and
professional farmers — from the farms and the farming population."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.deliveries.context import DeliveryContext, weighted_choice
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, null_unless
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.population import Occupation
from puhui.synth.text import integers, join, pick, zero_padded

SECTORS = ["粮食", "蔬菜", "果业", "茶叶", "畜禽", "水产", "其他"]


@mapping("agriculture.land_transfers")
def land_transfers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Large growers rent land from small farm households of their own township."""
    farms = ctx.city.assets.farms
    rng = ctx.rng(spec.id)
    large = np.flatnonzero(farms.large_grower)
    small = np.flatnonzero(~farms.large_grower)
    contracts = np.maximum(1, np.round(farms.land_mu[large] / 15)).astype(int)
    receiver = np.repeat(large, contracts)
    giver = small[rng.integers(0, max(1, len(small)), len(receiver))] if len(small) else receiver
    n = len(receiver)
    signed = ctx.as_of - (rng.exponential(3, n).clip(0.05, 10) * 365).astype("timedelta64[D]")
    person = farms.holder[receiver]
    area = np.round(
        np.minimum(farms.land_mu[giver], farms.land_mu[receiver] / contracts[np.searchsorted(large, receiver)]), 2
    )
    return make_rows(
        person=person,
        when=signed,
        contract_no=join(
            "LZ", integers(signed.astype("datetime64[Y]").astype(np.int64) + 1970), zero_padded(np.arange(n) + 1, 6)
        ),
        subject_id=ctx.person_ids(person),
        receiver=ctx.person_names(person),
        transferor_id=ctx.person_ids(farms.holder[giver]),
        transferor=ctx.person_names(farms.holder[giver]),
        parcel_location=ctx.persons.address.take(pa.array(farms.holder[giver])),
        area_mu=np.maximum(area, 0.5),
        transfer_mode=code_where(spec, "transfer_mode", rng.choice(3, n, p=[0.8, 0.1, 0.1]), ["出租", "入股", "转包"]),
        term_from=signed,
        term_to=signed + np.timedelta64(5 * 365, "D"),
        price_per_mu=np.round(rng.uniform(250, 500, n), 2),
        land_use=code_where(
            spec,
            "land_use",
            np.where(farms.livestock[receiver], 3, rng.choice(3, n, p=[0.6, 0.3, 0.1])),
            ["粮食作物", "经济作物", "林果", "畜禽养殖"],
        ),
        signed_date=signed,
    )


@mapping("agriculture.large_farmers")
def large_farmers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    farms = ctx.city.assets.farms
    rng = ctx.rng(spec.id)
    index = np.flatnonzero(farms.large_grower)
    person = farms.holder[index]
    n = len(index)
    land = farms.land_mu[index]
    income = np.round(land * rng.uniform(0.08, 0.2, n), 6)
    recognised = ctx.as_of - (rng.uniform(0.2, 6, n) * 365).astype("timedelta64[D]")
    return make_rows(
        person=person,
        when=recognised,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        township=ctx.township_names(person, np.full(n, -1)),
        farmer_type=code_where(
            spec, "farmer_type", np.where(farms.livestock[index], 1, 0), ["种植大户", "养殖大户", "种养结合"]
        ),
        products=pick(
            ["水稻", "蔬菜", "生猪", "蜜橘", "油茶"], np.where(farms.livestock[index], 2, rng.integers(0, 5, n))
        ),
        land_mu=land,
        livestock_head=np.where(farms.livestock[index], np.round(land * 8), np.nan),
        yearly_income=income,
        yearly_spending=np.round(income * rng.uniform(0.5, 0.9, n), 6),
        current_assets=np.round(income * rng.uniform(0.3, 1.2, n), 6),
        debts=np.round(income * rng.uniform(0, 1.5, n) * np.exp(0.3 * ctx.city.person_state.stress[person, -1]), 6),
        recognised_year=(recognised.astype("datetime64[Y]").astype(np.int64) + 1970).astype(float),
        recognised_date=recognised,
    )


def _farmer_roster(ctx: DeliveryContext, spec: DatasetSpec, share: float, young: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = ctx.rng(spec.id, "roster")
    p = ctx.persons
    pool = np.flatnonzero((p.occupation == Occupation.FARMER) & ((p.age <= 45) if young else (p.age >= 25)))
    weight = np.exp(np.clip(ctx.city.person_state.capacity[pool] - 0.3 * p.education[pool], -4, 4))
    person = weighted_choice(rng, pool, max(1, round(len(pool) * share)), weight)
    recognised = ctx.as_of - (rng.uniform(0.2, 8, len(person)) * 365).astype("timedelta64[D]")
    return person, recognised


@mapping("agriculture.young_farm_owners")
def young_farm_owners(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    person, recognised = _farmer_roster(ctx, spec, 0.01, young=True)
    rng = ctx.rng(spec.id)
    n = len(person)
    business = ctx.city.employment.business[person]
    coop = ctx.city.employment.cooperative[person]
    entity = np.where(business >= 0, business, coop)
    return make_rows(
        person=person,
        when=recognised,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        birth_date=ctx.persons.birth[person],
        sector=code_where(spec, "sector", rng.integers(0, 7, n), SECTORS),
        business_name=null_unless(entity >= 0, ctx.org_names(np.maximum(entity, 0))),
        business_credit_code=null_unless(entity >= 0, ctx.org_codes(np.maximum(entity, 0))),
        scale_mu=np.round(rng.uniform(20, 300, n), 2),
        cohort_year=(recognised.astype("datetime64[Y]").astype(np.int64) + 1970).astype(float),
        recognised_date=recognised,
        trainer=pa.array(["新余市农业广播电视学校"] * n),
    )


@mapping("agriculture.business_farmers", "agriculture.skilled_farmers")
def professional_farmers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    person, recognised = _farmer_roster(ctx, spec, 0.03, young=False)
    rng = ctx.rng(spec.id)
    n = len(person)
    return make_rows(
        person=person,
        when=recognised,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        birth_date=ctx.persons.birth[person],
        township=ctx.township_names(person, np.full(n, -1)),
        grade=code_where(spec, "grade", rng.choice(3, n, p=[0.6, 0.3, 0.1]), ["初级", "中级", "高级"]),
        sector=code_where(spec, "sector", rng.integers(0, 7, n), SECTORS),
        scale_mu=np.round(rng.uniform(5, 80, n), 2),
        certificate_no=join("NM", zero_padded(np.arange(n) + 1, 8)),
        recognised_year=(recognised.astype("datetime64[Y]").astype(np.int64) + 1970).astype(float),
        recognised_date=recognised,
        service_org=pa.array(["新余市农业技术推广中心"] * n),
    )
