"""Public security: registered residents (the household register), the floating population, licensed drivers and
motor vehicles — straight from the population, households, licences and vehicles of the city."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.activity import court_cases
from puhui.synth.assets import CAR_BRANDS
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, nat_unless, null_unless
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.population import DAYS_PER_YEAR, Occupation
from puhui.synth.text import integers, join, pick, zero_padded

OCCUPATION_WORDS = {
    Occupation.CHILD: "学龄前儿童",
    Occupation.STUDENT: "学生",
    Occupation.PUBLIC: "公务员及事业单位人员",
    Occupation.SOE: "企业职工",
    Occupation.PRIVATE: "企业职工",
    Occupation.OWNER: "企业负责人",
    Occupation.SELF_EMPLOYED: "个体经营者",
    Occupation.FARMER: "农民",
    Occupation.FLEXIBLE: "灵活就业人员",
    Occupation.UNEMPLOYED: "无业",
    Occupation.RETIRED: "离退休人员",
    Occupation.HOMEMAKER: "家务",
}
TRAFFIC_POLICE = "新余市公安局交通管理支队车辆管理所"


def occupations(ctx: DeliveryContext, person: np.ndarray) -> pa.Array:
    words = [OCCUPATION_WORDS[Occupation(k)] for k in range(len(Occupation))]
    return pick(words, ctx.persons.occupation[person])


def workplaces(ctx: DeliveryContext, person: np.ndarray) -> pa.Array:
    employer = ctx.city.employment.employer[person]
    business = ctx.city.employment.business[person]
    place = np.where(employer >= 0, employer, business)
    return null_unless(place >= 0, ctx.org_names(np.maximum(place, 0)))


def household_numbers(ctx: DeliveryContext, person: np.ndarray) -> pa.Array:
    return join("H", zero_padded(ctx.persons.household[person] + 1_000_000, 9))


@mapping("public_security.residents")
def residents(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Natives in the household register (migrants are registered where their hukou is)."""
    p = ctx.persons
    rng = ctx.rng(spec.id)
    person = np.flatnonzero(~p.migrant)
    n = len(person)
    born_here = (p.region[person] // 100) == 3605
    registered = np.where(
        born_here,
        p.birth[person] + rng.integers(5, 60, n).astype("timedelta64[D]"),
        p.birth[person] + (rng.uniform(18, 40, n) * DAYS_PER_YEAR).astype("timedelta64[D]"),
    )
    registered = np.minimum(registered, ctx.as_of)
    marital = p.marital[person]
    # the register distinguishes first marriages from remarriages
    marital_code = np.where(marital == 20, np.where(rng.random(n) < 0.9, 21, 22), marital)
    return make_rows(
        person=person,
        when=registered,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        former_name=None,
        sex=pick(["1", "2"], np.where(p.male[person], 0, 1)),
        birth_date=p.birth[person],
        household_no=household_numbers(ctx, person),
        address=p.address.take(pa.array(person)),
        district_code=integers(ctx.districts(person, np.full(n, -1))),
        marital_status=code_where(
            spec,
            "marital_status",
            np.searchsorted([10, 20, 21, 22, 23, 30, 40, 90], marital_code),
            ["10", "20", "21", "22", "23", "30", "40", "90"],
        ),
        workplace=workplaces(ctx, person),
        occupation=occupations(ctx, person),
        registered_date=registered,
        status=code_where(spec, "status", np.zeros(n, dtype=int), ["0"]),
    )


@mapping("public_security.floating_population")
def floating_population(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    p = ctx.persons
    rng = ctx.rng(spec.id)
    person = np.flatnonzero(p.migrant)
    n = len(person)
    occupation = p.occupation[person]
    reason = np.select(
        [
            occupation == Occupation.SELF_EMPLOYED,
            np.isin(occupation, (Occupation.PRIVATE, Occupation.SOE, Occupation.FLEXIBLE, Occupation.OWNER)),
            occupation == Occupation.STUDENT,
            p.age[person] < 16,
        ],
        [1, 0, 3, 4],
        2,
    )
    housing = np.where(p.collective[person], 1, rng.choice([0, 2, 3], n, p=[0.7, 0.2, 0.1]))
    registered = np.maximum(
        ctx.as_of - (rng.exponential(3, n).clip(0.05, 15) * DAYS_PER_YEAR).astype("timedelta64[D]"), p.birth[person]
    )
    return make_rows(
        person=person,
        when=registered,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        birth_date=p.birth[person],
        home_district=integers(p.region[person]),
        home_address=join(integers(p.region[person]), "辖区某村"),
        current_address=p.address.take(pa.array(person)),
        reason=code_where(spec, "reason", reason, ["务工", "经商", "投靠亲友", "学习培训", "随迁家属"]),
        housing_type=code_where(spec, "housing_type", housing, ["租赁房屋", "单位内部", "自购房", "借住"]),
        occupation=occupations(ctx, person),
        workplace=workplaces(ctx, person),
        phone=ctx.phones(person),
        permit_no=join("赣K居", zero_padded(np.arange(n) + 1, 9)),
        registered_date=registered,
        permit_expires=registered + np.timedelta64(365 * 5, "D"),
    )


@mapping("public_security.drivers")
def drivers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    lic = ctx.city.assets.licences
    rng = ctx.rng(spec.id)
    person = lic.holder
    n = len(person)
    # licences renew every 6, 10 years, then long-term
    held = (ctx.as_of - lic.first_issued).astype(np.int64) / DAYS_PER_YEAR
    valid_from = lic.first_issued + (np.where(held > 16, 16, np.where(held > 6, 6, 0)) * DAYS_PER_YEAR).astype(
        "timedelta64[D]"
    )
    valid_to = valid_from + (np.where(held > 16, 50, np.where(held > 6, 10, 6)) * DAYS_PER_YEAR).astype(
        "timedelta64[D]"
    )
    points = lic.points.astype(int)
    # drivers who ignore fines are found among those who ignore other debts
    enforcement = np.zeros(ctx.persons.n, dtype=bool)
    cases = court_cases(ctx.city)
    enforcement[cases.person[(cases.person >= 0) & np.isnat(cases.closed)]] = True
    status = np.where(points >= 12, 1, np.where(enforcement[person] & (rng.random(n) < 0.2), 7, 0))
    return make_rows(
        person=person,
        when=lic.first_issued,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        file_no=join("3605", zero_padded(np.arange(n) + 1, 8)),
        licence_class=code_where(spec, "licence_class", lic.vehicle_class, ["C1", "C2", "B2", "A2", "E"]),
        first_issued=lic.first_issued,
        valid_from=valid_from,
        valid_to=valid_to,
        points=points.astype(float),
        licence_status=code_where(spec, "licence_status", status, ["A", "B", "C", "D", "E", "F", "G", "H"]),
        issuer=pa.array([TRAFFIC_POLICE] * n),
    )


@mapping("public_security.vehicles")
def vehicles(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    v = ctx.city.assets.vehicles
    rng = ctx.rng(spec.id)
    n = v.n
    person, org = v.owner_person, v.owner_org
    # vehicles of judgment debtors who do not pay are seized by the court (status K)
    cases = court_cases(ctx.city)
    open_person = np.zeros(ctx.persons.n, dtype=bool)
    open_person[cases.person[(cases.person >= 0) & np.isnat(cases.closed) & (cases.performed < 1)]] = True
    open_org = np.zeros(ctx.orgs.n, dtype=bool)
    open_org[cases.org[(cases.org >= 0) & np.isnat(cases.closed) & (cases.performed < 1)]] = True
    debtor = np.where(person >= 0, open_person[np.maximum(person, 0)], open_org[np.maximum(org, 0)])
    seized = debtor & (rng.random(n) < 0.5)
    overdue_inspection = rng.random(n) < 0.04
    status = np.where(seized, "K", np.where(overdue_inspection, "Q", np.where(rng.random(n) < 0.03, "G", "A")))
    inspection_due = v.registered_on + (
        np.ceil((ctx.as_of - v.registered_on).astype(np.int64) / 730 + 0.5) * 730
    ).astype("timedelta64[D]")
    inspection_due = np.where(
        overdue_inspection, ctx.as_of - rng.integers(10, 300, n).astype("timedelta64[D]"), inspection_due
    )
    props_lender = rng.random(n) < np.where(v.value_yuan > 150_000, 0.25, 0.08)
    return make_rows(
        person=person,
        org=org,
        when=v.registered_on,
        subject_id=ctx.subject_ids(person, org),
        owner=ctx.subject_names(person, org),
        plate_type=code_where(spec, "plate_type", np.where(v.truck, 0, 1), ["01", "02"]),
        plate_no=v.plate,
        vin=v.vin,
        brand=pick(list(CAR_BRANDS), v.brand),
        model=join(pick(list(CAR_BRANDS), v.brand), integers(1000 + v.brand.astype(np.int64) * 37 % 900)),
        vehicle_type=pick(["小型普通客车", "重型普通货车"], v.truck.astype(int)),
        use_nature=code_where(spec, "use_nature", np.where(v.truck, 1, 0), ["A", "B", "C", "D", "E"]),
        first_registered=v.registered_on,
        inspection_due=inspection_due,
        scrap_due=nat_unless(v.truck, v.registered_on + np.timedelta64(15 * 365, "D")),
        status=pa.array(status.tolist(), pa.string()),
        mortgaged=code_where(spec, "mortgaged", props_lender.astype(int), ["0", "1"]),
        displacement_ml=np.where(
            v.truck, rng.choice([4_500, 6_700, 9_700], n), rng.choice([1_498, 1_598, 1_984, 2_487], n)
        ).astype(float),
        issuer=pa.array([TRAFFIC_POLICE] * n),
    )
