"""What people and organisations own: contracted farm land and forests, homes and other real estate (with
mortgages), motor vehicles, and driving licences. Ownership follows income, place and occupation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from puhui.synth import reference as ref
from puhui.synth.economy import Employment, Organisations, OrgKind
from puhui.synth.params import CityParams
from puhui.synth.population import DAYS_PER_YEAR, Occupation, Persons
from puhui.synth.rand import stream
from puhui.synth.text import digit_matrix, fixed_width, integers, join, zero_padded

PROPERTY_URBAN_HOME, PROPERTY_RURAL_HOUSE, PROPERTY_BUSINESS = 0, 1, 2
LENDERS = (
    "中国工商银行新余分行",
    "中国建设银行新余分行",
    "中国农业银行新余分行",
    "中国银行新余分行",
    "江西银行新余分行",
    "新余农村商业银行",
    "九江银行新余分行",
)
CAR_BRANDS = (
    "大众",
    "丰田",
    "本田",
    "比亚迪",
    "吉利",
    "长安",
    "五菱",
    "哈弗",
    "日产",
    "别克",
    "奇瑞",
    "江铃",
    "东风",
    "福田",
)
VIN_CHARS = np.frombuffer(b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ", dtype=np.uint8)
PLATE_CHARS = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)


@dataclass
class Farms:
    holder: np.ndarray  # int32 person (household head of a farming household)
    land_mu: np.ndarray  # float64 contracted land, 亩
    forest_mu: np.ndarray  # float64 forest land, 亩 (0 when none)
    large_grower: np.ndarray  # bool 种养大户
    livestock: np.ndarray  # bool: raises animals rather than crops
    certified_on: np.ndarray  # datetime64[D] (the 2014–2018 confirmation campaign)


@dataclass
class Properties:
    owner_person: np.ndarray  # int32, -1 when an organisation owns it
    owner_org: np.ndarray  # int32, -1 when a person owns it
    kind: np.ndarray  # uint8
    area_m2: np.ndarray  # float64
    value_yuan: np.ndarray  # float64
    registered_on: np.ndarray  # datetime64[D]
    unit_no: pa.StringArray  # 28-character 不动产单元号
    certificate_no: pa.StringArray
    address: pa.StringArray
    mortgaged: np.ndarray  # bool
    mortgage_amount: np.ndarray  # float64 yuan
    mortgage_years: np.ndarray  # int16
    lender: np.ndarray  # int8 index into LENDERS, -1 without mortgage

    @property
    def n(self) -> int:
        return len(self.kind)


@dataclass
class Vehicles:
    owner_person: np.ndarray
    owner_org: np.ndarray
    plate: pa.StringArray
    vin: pa.StringArray
    brand: np.ndarray  # int8 index into CAR_BRANDS
    truck: np.ndarray  # bool
    registered_on: np.ndarray  # datetime64[D]
    value_yuan: np.ndarray

    @property
    def n(self) -> int:
        return len(self.truck)


@dataclass
class Licences:
    holder: np.ndarray  # int32 person
    vehicle_class: np.ndarray  # int8: 0 C1, 1 C2, 2 B2, 3 A2, 4 D/E motorcycle
    first_issued: np.ndarray  # datetime64[D]
    points: np.ndarray  # int8 accumulated penalty points this cycle


@dataclass
class Assets:
    farms: Farms
    properties: Properties
    vehicles: Vehicles
    licences: Licences


def build_assets(params: CityParams, persons: Persons, organisations: Organisations, employment: Employment) -> Assets:
    as_of = params.as_of_day
    seed = params.seed
    heads = np.flatnonzero(persons.relation == 0)
    household_income = np.bincount(
        persons.household, weights=persons.monthly_income, minlength=persons.household.max() + 1
    )

    # --- farms -------------------------------------------------------------------------------------------------
    rng = stream(seed, "assets", "farms")
    farming = (
        np.bincount(persons.household, weights=persons.occupation == Occupation.FARMER, minlength=len(household_income))
        > 0
    )
    rural_retired = (
        np.bincount(
            persons.household,
            weights=(persons.occupation == Occupation.RETIRED) & ~persons.urban,
            minlength=len(household_income),
        )
        > 0
    )
    holders = heads[(farming | (rural_retired & (rng.random(len(household_income)) < 0.6)))[persons.household[heads]]]
    holders = holders[~persons.collective[holders]]
    land = np.exp(rng.normal(np.log(4.5), 0.55, len(holders)))
    large = rng.random(len(holders)) < 0.012
    land[large] *= rng.uniform(15, 90, large.sum())
    hilly = np.array(["分宜" in ref.DISTRICT_NAMES[t[0] // 1000] or t[0] % 1000 >= 200 for t in ref.TOWNSHIPS])
    forest = np.where(
        hilly[persons.township[holders]] & (rng.random(len(holders)) < 0.5),
        np.exp(rng.normal(np.log(15), 0.8, len(holders))),
        0.0,
    )
    farms = Farms(
        holder=holders.astype(np.int32),
        land_mu=np.round(land, 2),
        forest_mu=np.round(forest, 2),
        large_grower=large,
        livestock=rng.random(len(holders)) < 0.25,
        certified_on=np.datetime64("2014-03-01") + rng.integers(0, 5 * 365, len(holders)).astype("timedelta64[D]"),
    )

    # --- properties --------------------------------------------------------------------------------------------
    rng = stream(seed, "assets", "properties")
    head_income = household_income[persons.household[heads]]
    income_rank = np.argsort(np.argsort(head_income)) / max(1, len(heads) - 1)
    family = ~persons.collective[heads] & (persons.age[heads] >= 22)
    urban_head = persons.urban[heads]
    own_home = family & np.where(
        urban_head, rng.random(len(heads)) < 0.55 + 0.4 * income_rank, rng.random(len(heads)) < 0.93
    )
    second = own_home & urban_head & (rng.random(len(heads)) < 0.25 * income_rank**2 + 0.02)
    owners = np.concatenate([heads[own_home], heads[second]])
    kind = np.where(persons.urban[owners], PROPERTY_URBAN_HOME, PROPERTY_RURAL_HOUSE)
    businesses = organisations.of_kind(OrgKind.COMPANY)
    business_owners = businesses[(organisations.employees[businesses] >= 8) & (rng.random(len(businesses)) < 0.35)]
    owner_person = np.concatenate([owners, np.full(len(business_owners), -1)]).astype(np.int32)
    owner_org = np.concatenate([np.full(len(owners), -1), business_owners]).astype(np.int32)
    kind = np.concatenate([kind, np.full(len(business_owners), PROPERTY_BUSINESS)]).astype(np.uint8)
    m = len(kind)
    area = np.select(
        [kind == PROPERTY_URBAN_HOME, kind == PROPERTY_RURAL_HOUSE],
        [rng.normal(105, 25, m).clip(40, 260), rng.normal(170, 45, m).clip(60, 400)],
        np.exp(rng.normal(np.log(1500), 0.9, m)).clip(100, 60000),
    )
    price = np.select(
        [kind == PROPERTY_URBAN_HOME, kind == PROPERTY_RURAL_HOUSE],
        [rng.normal(6200, 1200, m).clip(3000, 14000), rng.normal(1300, 300, m).clip(500, 3000)],
        rng.normal(2500, 700, m).clip(800, 8000),
    )
    years_ago = np.where(kind == PROPERTY_RURAL_HOUSE, rng.uniform(0.2, 10, m), rng.exponential(7, m).clip(0.1, 28))
    registered_on = as_of - (years_ago * DAYS_PER_YEAR).astype("timedelta64[D]")
    mortgaged = (
        (kind != PROPERTY_RURAL_HOUSE)
        & (years_ago < 20)
        & (rng.random(m) < np.where(kind == PROPERTY_BUSINESS, 0.35, 0.55))
    )
    value = np.round(area * price, -2)
    township = np.where(
        owner_person >= 0,
        persons.township[np.maximum(owner_person, 0)],
        organisations.township[np.maximum(owner_org, 0)],
    )
    district = np.array([t[0] for t in ref.TOWNSHIPS])[township] // 1000
    year = registered_on.astype("datetime64[Y]").astype(np.int64) + 1970
    unit_no = fixed_width(
        np.hstack(
            [
                digit_matrix(district, 6),
                digit_matrix(rng.integers(1, 20, m) * 1000 + rng.integers(1, 40, m), 6),
                np.tile(np.frombuffer(b"GB", dtype=np.uint8), (m, 1)),
                digit_matrix(rng.integers(1, 99999, m), 5),
                np.tile(np.frombuffer(b"F", dtype=np.uint8), (m, 1)),
                digit_matrix(np.arange(m) % 10**8, 8),
            ]
        )
    )
    certificate_no = join(
        "赣(",
        integers(year),
        ")新余市不动产权第",
        zero_padded(rng.choice(10**7, m, replace=False) if m < 10**6 else np.arange(m), 7),
        "号",
    )
    owner_address = persons.address.take(pa.array(np.maximum(owner_person, 0)))
    org_address = organisations.address.take(pa.array(np.maximum(owner_org, 0)))
    address = pa.compute.if_else(pa.array(owner_person >= 0), owner_address, org_address)
    properties = Properties(
        owner_person=owner_person,
        owner_org=owner_org,
        kind=kind,
        area_m2=np.round(area, 2),
        value_yuan=value,
        registered_on=registered_on,
        unit_no=unit_no,
        certificate_no=certificate_no,
        address=address,
        mortgaged=mortgaged,
        mortgage_amount=np.where(mortgaged, np.round(value * rng.uniform(0.4, 0.7, m), -3), 0.0),
        mortgage_years=np.where(mortgaged, rng.choice([10, 15, 20, 25, 30], m), 0).astype(np.int16),
        lender=np.where(mortgaged, rng.integers(0, len(LENDERS), m), -1).astype(np.int8),
    )

    # --- vehicles and licences ---------------------------------------------------------------------------------
    rng = stream(seed, "assets", "vehicles")
    adults = np.flatnonzero((persons.age >= 20) & (persons.age <= 72))
    income = persons.monthly_income[adults] + household_income[persons.household[adults]] / 4
    car_p = 1 / (1 + np.exp(-(np.log(income + 1) - np.log(9000)) * 1.6)) * 0.55
    car_owners = adults[rng.random(len(adults)) < car_p]
    logistics = np.flatnonzero(
        np.isin(organisations.industry, [i for i, row in enumerate(ref.INDUSTRIES) if row[0] in ("G54", "E47", "A01")])
    )
    fleet = np.repeat(logistics, rng.poisson(1.5, len(logistics)))
    owner_person = np.concatenate([car_owners, np.full(len(fleet), -1)]).astype(np.int32)
    owner_org = np.concatenate([np.full(len(car_owners), -1), fleet]).astype(np.int32)
    v = len(owner_person)
    truck = owner_org >= 0
    plate_chars = PLATE_CHARS[rng.integers(0, len(PLATE_CHARS), (v, 5))]
    plate_chars[:, 0] = PLATE_CHARS[10 + rng.integers(0, 24, v)]  # first character a letter
    serial = rng.permutation(len(PLATE_CHARS) ** 3)[:v] if v < len(PLATE_CHARS) ** 3 else np.arange(v)
    for column in (4, 3, 2):  # unique tails
        plate_chars[:, column] = PLATE_CHARS[serial % len(PLATE_CHARS)]
        serial = serial // len(PLATE_CHARS)
    plate_chars[:, 1] = PLATE_CHARS[(np.arange(v) // len(PLATE_CHARS) ** 3) % 10]
    plate = join("赣K", fixed_width(plate_chars))
    vin_chars = VIN_CHARS[rng.integers(0, len(VIN_CHARS), (v, 17))]
    vin_chars[:, 0] = ord("L")  # made in China
    vin_chars[:, 11:] = digit_matrix(np.arange(v), 6)
    vehicles = Vehicles(
        owner_person=owner_person,
        owner_org=owner_org,
        plate=plate,
        vin=fixed_width(vin_chars),
        brand=rng.integers(0, len(CAR_BRANDS), v).astype(np.int8),
        truck=truck,
        registered_on=as_of - (rng.exponential(4.5, v).clip(0.05, 15) * DAYS_PER_YEAR).astype("timedelta64[D]"),
        value_yuan=np.round(
            np.where(truck, rng.normal(180000, 50000, v), np.exp(rng.normal(np.log(110000), 0.45, v))).clip(
                20000, 900000
            ),
            -2,
        ),
    )

    drivers = np.union1d(car_owners, adults[rng.random(len(adults)) < 0.28])
    vehicle_class = rng.choice(5, len(drivers), p=[0.80, 0.06, 0.06, 0.03, 0.05]).astype(np.int8)
    years_held = np.minimum(rng.exponential(9, len(drivers)), persons.age[drivers] - 18)
    licences = Licences(
        holder=drivers.astype(np.int32),
        vehicle_class=vehicle_class,
        first_issued=as_of - (np.maximum(years_held, 0.1) * DAYS_PER_YEAR).astype("timedelta64[D]"),
        points=np.minimum(rng.poisson(1.2, len(drivers)) * 2, 12).astype(np.int8),
    )
    return Assets(farms=farms, properties=properties, vehicles=vehicles, licences=licences)


__all__ = [
    "CAR_BRANDS",
    "LENDERS",
    "PROPERTY_BUSINESS",
    "PROPERTY_RURAL_HOUSE",
    "PROPERTY_URBAN_HOME",
    "Assets",
    "Farms",
    "Licences",
    "Properties",
    "Vehicles",
    "build_assets",
]
