"""Civil affairs: marriage and divorce registrations, minimum-living-allowance and extreme-poverty rosters, and
the registered poor households — from the couples, households and incomes of the city."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, month_start
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.population import MARITAL_DIVORCED, RELATIONS
from puhui.synth.text import integers, join, pick, zero_padded

REGISTRIES = {360502: "渝水区民政局婚姻登记处", 360521: "分宜县民政局婚姻登记处"}
HISTORY_YEARS = 5
# Monthly allowance standards (yuan per person): city and countryside [assumption, Jiangxi 2025 levels].
URBAN_STANDARD, RURAL_STANDARD = 900.0, 700.0


def _registry(ctx: DeliveryContext, person: np.ndarray) -> pa.Array:
    district = ctx.districts(person, np.full(len(person), -1))
    return pick([REGISTRIES[360502], REGISTRIES[360521]], (district == 360521).astype(int))


def _since(ctx: DeliveryContext) -> np.datetime64:
    return ctx.as_of - np.timedelta64(HISTORY_YEARS * 365, "D")


@mapping("civil_affairs.marriages")
def marriages(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Marriages registered in the last five years, one row for each spouse."""
    p = ctx.persons
    married = (p.spouse >= 0) & (p.married_on >= _since(ctx))
    person = np.flatnonzero(married)
    spouse = p.spouse[person]
    day = p.married_on[person]
    couple = np.minimum(person, spouse)
    return make_rows(
        person=person,
        when=day,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        sex=pick(["1", "2"], np.where(p.male[person], 0, 1)),
        birth_date=p.birth[person],
        spouse_id=ctx.person_ids(spouse),
        spouse_name=ctx.person_names(spouse),
        business_type=code_where(spec, "business_type", np.zeros(len(person), dtype=int), ["结婚登记"]),
        certificate_no=join(
            "J360500-", integers(day.astype("datetime64[Y]").astype(np.int64) + 1970), "-", zero_padded(couple, 7)
        ),
        registry=_registry(ctx, person),
        registered_date=day,
    )


@mapping("civil_affairs.divorces")
def divorces(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Divorces registered in the last five years: the divorced men and women of the city paired by age."""
    p = ctx.persons
    rng = ctx.rng(spec.id)
    recent = (p.marital == MARITAL_DIVORCED) & (p.divorced_on >= _since(ctx))
    women = np.flatnonzero(recent & ~p.male)
    men = np.flatnonzero(recent & p.male)
    count = min(len(women), len(men))
    women = women[np.argsort(p.birth[women])][:count]
    men = men[np.argsort(p.birth[men] + rng.integers(-700, 700, len(men)).astype("timedelta64[D]"))][:count]
    person = np.concatenate([women, men])
    former = np.concatenate([men, women])
    day = np.concatenate([p.divorced_on[women], p.divorced_on[women]])
    pair = np.concatenate([np.arange(count), np.arange(count)])
    return make_rows(
        person=person,
        when=day,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        sex=pick(["1", "2"], np.where(p.male[person], 0, 1)),
        former_spouse_id=ctx.person_ids(former),
        former_spouse_name=ctx.person_names(former),
        business_type=code_where(spec, "business_type", np.zeros(len(person), dtype=int), ["离婚登记"]),
        applied_date=day - np.timedelta64(30, "D"),
        certificate_no=join(
            "L360500-", integers(day.astype("datetime64[Y]").astype(np.int64) + 1970), "-", zero_padded(pair, 7)
        ),
        registry=_registry(ctx, person),
        registered_date=day,
    )


def _poor_households(ctx: DeliveryContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Households whose income per head is under the allowance standard, and the standard that applies."""
    p = ctx.persons
    income = np.bincount(p.household, weights=p.monthly_income)
    size = np.bincount(p.household)
    heads = np.flatnonzero((p.relation == 0) & ~p.collective)
    household = p.household[heads]
    per_head = income[household] / np.maximum(size[household], 1)
    standard = np.where(p.urban[heads], URBAN_STANDARD, RURAL_STANDARD)
    return household, per_head, standard


@mapping("civil_affairs.minimum_allowance")
def minimum_allowance(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    p = ctx.persons
    rng = ctx.rng(spec.id)
    household, per_head, standard = _poor_households(ctx)
    # most eligible households apply; the allowance stops when income recovers
    covered_household = household[(per_head < standard) & (rng.random(len(household)) < 0.75)]
    members = np.flatnonzero(np.isin(p.household, covered_household))
    hh = p.household[members]
    size = np.bincount(p.household)[hh]
    income = np.bincount(p.household, weights=p.monthly_income)[hh] / np.maximum(size, 1)
    urban = p.urban[members]
    amount = np.round(np.maximum(np.where(urban, URBAN_STANDARD, RURAL_STANDARD) - income, 150.0), 2)
    since = np.maximum(
        ctx.window[0] - rng.integers(0, 72, len(members)).astype("timedelta64[M]"), np.datetime64("2015-01", "M")
    )
    # one start month per household: that of its first listed member
    _, first, inverse = np.unique(hh, return_index=True, return_inverse=True)
    since = since[first][inverse]
    head = np.full(p.household.max() + 1, -1)
    heads = np.flatnonzero(p.relation == 0)
    head[p.household[heads]] = heads
    stopped = rng.random(len(members)) < 0.08
    relation = np.array(RELATIONS)[p.relation[members]]
    return make_rows(
        person=members,
        when=month_start(since),
        resident_id=ctx.person_ids(members),
        name=ctx.person_names(members),
        head_id=ctx.person_ids(np.maximum(head[hh], 0)),
        relation_to_head=code_where(
            spec,
            "relation_to_head",
            np.searchsorted(["02", "10", "20", "30", "40", "50", "99"], relation),
            ["02", "10", "20", "30", "99", "50", "99"],
        ),
        category=code_where(spec, "category", (~urban).astype(int), ["城市低保", "农村低保"]),
        household_size=size.astype(float),
        covered_persons=size.astype(float),
        monthly_amount=amount,
        since_month=since,
        township=ctx.township_names(members, np.full(len(members), -1)),
        status=code_where(spec, "status", stopped.astype(int), ["在保", "停保"]),
    )


@mapping("civil_affairs.extreme_poverty_support")
def extreme_poverty_support(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """The old, alone and without income or children nearby (特困供养)."""
    p = ctx.persons
    rng = ctx.rng(spec.id)
    size = np.bincount(p.household)[p.household]
    has_children = np.zeros(p.n, dtype=bool)
    has_children[p.mother[p.mother >= 0]] = True
    has_children[p.father[p.father >= 0]] = True
    person = np.flatnonzero(
        (p.age >= 60) & (size == 1) & ~has_children & (p.monthly_income < 600) & (rng.random(p.n) < 0.7)
    )
    n = len(person)
    approved = ctx.as_of - (rng.exponential(4, n).clip(0.1, 15) * 365).astype("timedelta64[D]")
    return make_rows(
        person=person,
        when=approved,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        support_mode=code_where(spec, "support_mode", (rng.random(n) < 0.25).astype(int), ["分散供养", "集中供养"]),
        monthly_amount=np.where(p.urban[person], 1170.0, 910.0),
        approved_date=approved,
        township=ctx.township_names(person, np.full(n, -1)),
        status=code_where(spec, "status", (rng.random(n) < 0.05).astype(int), ["在供", "终止"]),
    )


@mapping("civil_affairs.poor_households")
def poor_households(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Rural households registered as poor in 2014–2016, all lifted out by 2020, a few slipping back since."""
    p = ctx.persons
    rng = ctx.rng(spec.id)
    household, per_head, standard = _poor_households(ctx)
    rural = ~p.urban[np.flatnonzero((p.relation == 0) & ~p.collective)]
    poorest = household[rural & (per_head < standard * 1.6) & (rng.random(len(household)) < 0.5)]
    members = np.flatnonzero(np.isin(p.household, poorest))
    hh = p.household[members]
    n = len(members)
    registered = np.datetime64("2014-04-01") + ((hh * 7919) % 900).astype("timedelta64[D]")
    exit_year = 2016 + (hh % 5)
    back = ctx.city.person_state.stress[members, -1] > 3.0
    relation = np.array(RELATIONS)[p.relation[members]]
    return make_rows(
        person=members,
        when=registered,
        resident_id=ctx.person_ids(members),
        name=ctx.person_names(members),
        household_no=join("PK", zero_padded(hh, 9)),
        relation_to_head=code_where(
            spec,
            "relation_to_head",
            np.searchsorted(["02", "10", "20", "30", "40", "50", "99"], relation),
            ["02", "10", "20", "30", "99", "50", "99"],
        ),
        township=ctx.township_names(members, np.full(n, -1)),
        household_class=code_where(
            spec, "household_class", (rng.random(n) < 0.2).astype(int), ["一般贫困户", "低保贫困户"]
        ),
        exit_status=code_where(spec, "exit_status", np.where(back, 2, 1), ["未脱贫", "已脱贫", "返贫"]),
        migrant_work_months=rng.integers(0, 12, n).astype(float),
        income_per_capita=np.round(
            np.bincount(p.household, weights=p.monthly_income)[hh] * 12 / np.bincount(p.household)[hh], 2
        ),
        registered_date=registered,
        exit_year=exit_year.astype(float),
    )
