"""The people of the city: ages, sexes, resident IDs, names, marriages, children, households, schooling, jobs,
incomes and phones, drawn for the whole population at once.

Shares follow the 2020 census of Xinyu (``shared/docs/xinyu_and_products.md`` §1); where the city publishes
nothing (employment mix, migrants' origins, household composition) the assumption is stated beside the number
and in ``docs/synthetic-city.md``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from puhui.synth import reference as ref
from puhui.synth.identifiers import mobile_numbers, resident_ids, unique_sequences
from puhui.synth.params import CityParams
from puhui.synth.rand import stream, weighted_sample
from puhui.synth.text import join, pick

DAYS_PER_YEAR = 365.2425


class Occupation(enum.IntEnum):
    CHILD = 0
    STUDENT = 1
    PUBLIC = 2  # government organs and public institutions
    SOE = 3  # state-owned enterprises (新钢 first)
    PRIVATE = 4  # employees of private companies
    OWNER = 5  # legal representative of a company
    SELF_EMPLOYED = 6  # operator of an individual business
    FARMER = 7
    FLEXIBLE = 8  # flexible and informal work
    UNEMPLOYED = 9
    RETIRED = 10
    HOMEMAKER = 11


# Formal jobs: the employer pays social insurance (and usually provident fund) every month.
FORMAL = (Occupation.PUBLIC, Occupation.SOE, Occupation.PRIVATE, Occupation.OWNER)

RELATION_HEAD, RELATION_SPOUSE, RELATION_SON, RELATION_DAUGHTER = "02", "10", "20", "30"
RELATION_GRANDCHILD, RELATION_PARENT, RELATION_OTHER = "40", "50", "99"
MARITAL_SINGLE, MARITAL_MARRIED, MARITAL_WIDOWED, MARITAL_DIVORCED = 10, 20, 30, 40


@dataclass
class Persons:
    """Column arrays over all residents (index = person number)."""

    resident_id: pa.StringArray
    name: pa.StringArray
    surname: np.ndarray  # index into reference.SURNAMES
    male: np.ndarray  # bool
    birth: np.ndarray  # datetime64[D]
    age: np.ndarray  # int16, whole years on the as-of date
    migrant: np.ndarray  # bool: registered elsewhere (流动人口)
    region: np.ndarray  # int32, the ID's 6-digit address code
    township: np.ndarray  # int16, index into reference.TOWNSHIPS (where they live)
    urban: np.ndarray  # bool
    address: pa.StringArray
    household: np.ndarray  # int32
    relation: np.ndarray  # object-free: uint8 index into RELATIONS
    collective: np.ndarray  # bool: lives in a collective household (dormitory)
    marital: np.ndarray  # uint8 GB/T 2261.2 code
    spouse: np.ndarray  # int32, -1 when none
    married_on: np.ndarray  # datetime64[D], NaT when never married
    divorced_on: np.ndarray  # datetime64[D], NaT unless divorced
    father: np.ndarray  # int32, -1 when unknown
    mother: np.ndarray  # int32
    education: np.ndarray  # uint8 index into reference.EDUCATION_CODES
    occupation: np.ndarray  # uint8 Occupation
    monthly_income: np.ndarray  # float64 yuan
    operator: np.ndarray  # int8: 0 mobile, 1 telecom, 2 unicom, -1 no phone
    phone: pa.StringArray  # null when no phone
    ethnic_han: np.ndarray  # bool

    @property
    def n(self) -> int:
        return len(self.age)

    @property
    def adult(self) -> np.ndarray:
        return self.age >= 18


RELATIONS = (
    RELATION_HEAD,
    RELATION_SPOUSE,
    RELATION_SON,
    RELATION_DAUGHTER,
    RELATION_GRANDCHILD,
    RELATION_PARENT,
    RELATION_OTHER,
)


def _weighted(rng: np.random.Generator, weights: Mapping[Any, float] | tuple[float, ...], n: int) -> np.ndarray:
    values = np.array(list(weights.values()) if isinstance(weights, dict) else weights, dtype=float)
    return rng.choice(len(values), size=n, p=values / values.sum())


def _ages(rng: np.random.Generator, n: int, as_of: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    band = _weighted(rng, ref.AGE_BANDS, n)
    offset = rng.random(n) * 5
    # the open band 85+ thins out towards 100
    offset = np.where(band == len(ref.AGE_BANDS) - 1, rng.exponential(4.5, n).clip(0, 14.9), offset)
    exact_age = band * 5 + offset
    birth = as_of - np.floor(exact_age * DAYS_PER_YEAR).astype("timedelta64[D]") - np.timedelta64(1, "D")
    return birth, band


def age_on(birth: np.ndarray, day: np.datetime64) -> np.ndarray:
    """Whole years between ``birth`` and ``day`` (a birthday on ``day`` counts)."""
    from puhui.synth.text import date_parts

    by, bm, bd = date_parts(birth)
    dy, dm, dd = date_parts(np.array([day]))
    return np.asarray(dy[0] - by - ((bm > dm[0]) | ((bm == dm[0]) & (bd > dd[0]))), dtype=np.int16)


def _pair_couples(
    rng: np.random.Generator, women: np.ndarray, men: np.ndarray, birth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pair married women with married men of similar age (husbands about two years older), within one group."""
    count = min(len(women), len(men))
    women = rng.permutation(women)[:count]
    men = rng.permutation(men)[:count]
    women_key = birth[women].astype(np.int64) + rng.normal(0, 2.5 * DAYS_PER_YEAR, count)
    men_key = birth[men].astype(np.int64) + 2 * DAYS_PER_YEAR + rng.normal(0, 2.5 * DAYS_PER_YEAR, count)
    return women[np.argsort(women_key)], men[np.argsort(men_key)]


def _assign_parents(
    rng: np.random.Generator, children: np.ndarray, wives: np.ndarray, birth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each child, a mother among ``wives`` who was about 20–40 at the birth; -1 when none is free.

    Each wife has one to four child slots, each with the birth date it expects; a child claims the slot nearest its
    own birth date (with some jitter), and when several claim one slot the first keeps it and the rest try again
    with a wider jitter. No mother gets more children than she has slots.
    """
    mother_of = np.full(len(children), -1, dtype=np.int64)
    if len(wives) == 0 or len(children) == 0:
        return children, mother_of
    slots_per_wife = rng.choice(np.arange(1, 5), size=len(wives), p=[0.28, 0.46, 0.19, 0.07])
    slot_wife = np.repeat(wives, slots_per_wife)
    order_in_family = np.arange(len(slot_wife)) - np.repeat(np.cumsum(slots_per_wife) - slots_per_wife, slots_per_wife)
    gap_years = 23.5 + 3.5 * order_in_family + rng.normal(0, 2.5, len(slot_wife))
    slot_target = birth[slot_wife].astype(np.int64) + (gap_years.clip(19, 42) * DAYS_PER_YEAR).astype(np.int64)
    order = np.argsort(slot_target)
    slot_wife, slot_target = slot_wife[order], slot_target[order]
    taken = np.zeros(len(slot_wife), dtype=bool)
    waiting = np.arange(len(children))
    child_birth = birth[children].astype(np.int64)
    for round_number in range(8):
        spread = 2 + 12 * round_number**2
        position = np.searchsorted(slot_target, child_birth[waiting])
        position = np.clip(position + rng.integers(-spread, spread + 1, len(waiting)), 0, len(slot_wife) - 1)
        free = ~taken[position]
        claimants, claimed = waiting[free], position[free]
        shuffle = rng.permutation(len(claimed))
        _, first = np.unique(claimed[shuffle], return_index=True)
        winners = shuffle[first]
        mother_of[claimants[winners]] = slot_wife[claimed[winners]]
        taken[claimed[winners]] = True
        waiting = waiting[mother_of[waiting] < 0]
        if len(waiting) == 0:
            break
    matched = mother_of >= 0
    gap = np.zeros(len(children))
    gap[matched] = (child_birth[matched] - birth[mother_of[matched]].astype(np.int64)) / DAYS_PER_YEAR
    return children, np.where(matched & (gap >= 18) & (gap <= 46), mother_of, -1)


def build_persons(params: CityParams) -> Persons:
    n = params.persons
    seed = params.seed
    as_of = params.as_of_day
    rng = stream(seed, "persons", "demography")

    birth, band = _ages(rng, n, as_of)
    age = age_on(birth, as_of)
    male = rng.random(n) < np.array(ref.MALE_SHARE_BY_BAND)[band]

    # Migrants are mostly of working age [assumption; no published Xinyu figure].
    migrant_weight = np.select([age < 18, age < 45, age < 60], [0.6, 1.7, 0.9], 0.25)
    migrant = rng.random(n) < ref.MIGRANT_SHARE * migrant_weight / migrant_weight.mean()

    # --- marriages ---------------------------------------------------------------------------------------------
    never = np.select(
        [age < 20, age < 25, age < 30, age < 35, age < 40],
        [
            1.0,
            np.where(male, 0.85, 0.70),
            np.where(male, 0.50, 0.35),
            np.where(male, 0.20, 0.10),
            np.where(male, 0.10, 0.05),
        ],
        np.where(male, 0.05, 0.02),
    )
    widowed = np.select(
        [age < 60, age < 70, age < 80],
        [0.005, np.where(male, 0.06, 0.12), np.where(male, 0.15, 0.30)],
        np.where(male, 0.35, 0.60),
    )
    divorced = np.where((age >= 28) & (age < 65), 0.03, 0.015)
    draw = rng.random(n)
    marital = np.select(
        [draw < never, draw < never + widowed, draw < never + widowed + divorced],
        [MARITAL_SINGLE, MARITAL_WIDOWED, MARITAL_DIVORCED],
        MARITAL_MARRIED,
    ).astype(np.uint8)
    marital[age < 20] = MARITAL_SINGLE
    spouse = np.full(n, -1, dtype=np.int32)
    for group in (False, True):
        in_group = (migrant == group) & (marital == MARITAL_MARRIED)
        wives, husbands = _pair_couples(rng, np.flatnonzero(in_group & ~male), np.flatnonzero(in_group & male), birth)
        spouse[wives], spouse[husbands] = husbands, wives
    unpaired = (marital == MARITAL_MARRIED) & (spouse < 0)
    marital[unpaired] = np.where(age[unpaired] < 35, MARITAL_SINGLE, MARITAL_DIVORCED)

    ever_married = marital != MARITAL_SINGLE
    younger_birth = np.where(spouse >= 0, np.maximum(birth, birth[np.maximum(spouse, 0)]), birth)
    marriage_age = np.clip(rng.normal(25.5, 3.0, n), 20, 45)
    married_on = younger_birth + (marriage_age * DAYS_PER_YEAR).astype("timedelta64[D]")
    married_on = np.minimum(married_on, as_of - np.timedelta64(30, "D"))
    wives = np.flatnonzero((spouse >= 0) & ~male)
    married_on[spouse[wives]] = married_on[wives]  # one date per couple
    married_on = np.where(ever_married, married_on, np.datetime64("NaT"))
    years_married = (as_of - married_on).astype(np.float64) / DAYS_PER_YEAR
    divorced_on = married_on + (rng.random(n) * np.nan_to_num(years_married) * DAYS_PER_YEAR).astype("timedelta64[D]")
    divorced_on = np.where(marital == MARITAL_DIVORCED, divorced_on, np.datetime64("NaT"))

    # --- children ----------------------------------------------------------------------------------------------
    father = np.full(n, -1, dtype=np.int32)
    mother = np.full(n, -1, dtype=np.int32)
    for group in (False, True):
        candidates = np.flatnonzero((marital == MARITAL_SINGLE) & (age <= 32) & (migrant == group))
        # migrant young adults mostly came alone; their parents stayed at home
        if group:
            candidates = candidates[(age[candidates] < 16) | (rng.random(len(candidates)) < 0.15)]
        group_wives = np.flatnonzero((spouse >= 0) & ~male & (migrant == group))
        kids, mothers = _assign_parents(rng, candidates, group_wives, birth)
        found = mothers >= 0
        mother[kids[found]] = mothers[found]
        father[kids[found]] = spouse[mothers[found]]

    surname = _weighted(rng, ref.SURNAMES, n)
    has_father = father >= 0
    surname[has_father] = surname[father[has_father]]

    # --- households --------------------------------------------------------------------------------------------
    household = np.full(n, -1, dtype=np.int64)
    relation = np.full(n, 6, dtype=np.uint8)  # RELATIONS index; 6 = other
    husbands = np.flatnonzero((spouse >= 0) & male)
    household[husbands] = np.arange(len(husbands))
    household[spouse[husbands]] = household[husbands]
    wife_heads = rng.random(len(husbands)) < 0.1
    relation[husbands] = np.where(wife_heads, 1, 0)
    relation[spouse[husbands]] = np.where(wife_heads, 0, 1)
    next_household = len(husbands)

    with_parents = (mother >= 0) & ((age < 18) | (rng.random(n) < 0.9))
    household[with_parents] = household[mother[with_parents]]
    relation[with_parents] = np.where(male[with_parents], 2, 3)

    # elders often live with a married child: most of the widowed, some couples
    parent_of = np.concatenate([father[father >= 0], mother[mother >= 0]])
    child_of = np.concatenate([np.flatnonzero(father >= 0), np.flatnonzero(mother >= 0)])
    married_child = spouse[child_of] >= 0
    parent_of, child_of = parent_of[married_child], child_of[married_child]
    _, first = np.unique(parent_of, return_index=True)
    elder_child = np.full(n, -1, dtype=np.int64)
    elder_child[parent_of[first]] = child_of[first]
    widowed_joins = (household < 0) & (marital == MARITAL_WIDOWED) & (age >= 65) & (rng.random(n) < 0.6)
    joins_child = widowed_joins & (elder_child >= 0)
    household[joins_child] = household[elder_child[joins_child]]
    relation[joins_child] = 5
    old_husbands = np.flatnonzero((spouse >= 0) & male & (age >= 68) & (elder_child >= 0))
    old_husbands = old_husbands[rng.random(len(old_husbands)) < 0.3]
    child_household = household[elder_child[old_husbands]]
    moving = np.isin(household, household[old_husbands]) & (relation != 2) & (relation != 3)
    moving_household = household[moving]
    remap = np.full(household.max() + 1, -1, dtype=np.int64)
    remap[household[old_husbands]] = child_household
    household[moving] = remap[moving_household]
    relation[moving] = 5

    # minors whose parents are not in the city live with a grandparent-aged household
    orphans = np.flatnonzero((household < 0) & (age < 18))
    elders = np.flatnonzero((household >= 0) & (age >= 50) & (relation == 0))
    if len(elders):
        household[orphans] = household[rng.choice(elders, len(orphans))]
        relation[orphans] = 4

    # single migrant workers mostly live in collective households (dormitories), about 25 to one
    collective = (household < 0) & migrant & (age >= 18) & (age < 50) & (rng.random(n) < 0.7)
    dorm = np.flatnonzero(collective)
    household[dorm] = next_household + np.arange(len(dorm)) // 25
    relation[dorm[::25]] = 0  # the first resident registered heads the collective household
    next_household += (len(dorm) + 24) // 25
    rest = np.flatnonzero(household < 0)
    household[rest] = next_household + np.arange(len(rest))
    relation[rest] = 0
    next_household += len(rest)

    # --- where they live and where their IDs were issued -------------------------------------------------------
    district_codes = np.array(list(ref.NATIVE_REGIONS))
    migrant_codes = np.array(list(ref.MIGRANT_REGIONS))
    head_district = district_codes[_weighted(rng, ref.NATIVE_REGIONS, next_household)]
    head_district[(head_district == 360521) & (rng.random(next_household) < 0.4)] = 360502  # migrants favour 渝水
    urban_household = rng.random(next_household) < ref.URBAN_SHARE
    township_codes = np.array([t[0] for t in ref.TOWNSHIPS])
    township_urban = np.array([t[2] for t in ref.TOWNSHIPS])
    township_district = township_codes // 1000
    township_weight = np.where(township_urban, 4.0, 1.0) * np.where(township_codes == 360502004, 1.6, 1.0)
    township_of_household = np.empty(next_household, dtype=np.int16)
    for district in district_codes:
        for urban_flag in (True, False):
            slots = np.flatnonzero((head_district == district) & (urban_household == urban_flag))
            options = np.flatnonzero((township_district == district) & (township_urban == urban_flag))
            weights = township_weight[options] / township_weight[options].sum()
            township_of_household[slots] = options[rng.choice(len(options), len(slots), p=weights)]
    household_of = household.astype(np.int64)
    collective_households = np.unique(household_of[collective])
    township_of_household[collective_households] = np.flatnonzero(township_codes == 360502004)[0]
    township = township_of_household[household_of]
    urban = township_urban[township]
    district = township_district[township]

    region = np.where(migrant, migrant_codes[_weighted(rng, ref.MIGRANT_REGIONS, n)], district).astype(np.int64)
    region[has_father] = region[father[has_father]]
    region[~migrant & ~has_father] = district[~migrant & ~has_father]

    sequence = unique_sequences(stream(seed, "persons", "sequence"), region, birth, male)
    resident_id = resident_ids(region, birth, sequence)

    # --- names -------------------------------------------------------------------------------------------------
    names_rng = stream(seed, "persons", "names")
    surnames = pick(list(ref.SURNAMES), surname)
    male_chars, female_chars, neutral = list(ref.MALE_GIVEN), list(ref.FEMALE_GIVEN), list(ref.NEUTRAL_GIVEN)
    pool = male_chars + female_chars + neutral
    first_pool = np.where(
        names_rng.random(n) < 0.25,
        len(male_chars) + len(female_chars) + names_rng.integers(0, len(neutral), n),
        np.where(
            male,
            names_rng.integers(0, len(male_chars), n),
            len(male_chars) + names_rng.integers(0, len(female_chars), n),
        ),
    )
    second_pool = np.where(
        male, names_rng.integers(0, len(male_chars), n), len(male_chars) + names_rng.integers(0, len(female_chars), n)
    )
    single = names_rng.random(n) < np.where(age >= 50, 0.35, 0.15)
    given = join(pick(pool, first_pool), pick(pool, np.where(single, -1, second_pool)).fill_null(""))
    name = join(surnames, given)

    # --- schooling, jobs and incomes ---------------------------------------------------------------------------
    work_rng = stream(seed, "persons", "work")
    education = _education(work_rng, age)
    occupation = _occupation(work_rng, params, age, male, urban, migrant, education, marital)
    monthly_income = _income(work_rng, occupation, education, urban, migrant)

    # --- phones ------------------------------------------------------------------------------------------------
    phone_rng = stream(seed, "persons", "phones")
    has_phone = (age >= 14) & (phone_rng.random(n) < np.where(age >= 75, 0.7, 0.98))
    operator = np.where(has_phone, phone_rng.choice(3, n, p=ref.OPERATOR_SHARES), -1).astype(np.int8)
    prefixes = np.zeros(n, dtype=np.int64)
    for op, choices in enumerate(ref.OPERATOR_PREFIXES):
        chosen = operator == op
        prefixes[chosen] = phone_rng.choice(np.array(choices), chosen.sum())
    phones = mobile_numbers(phone_rng, prefixes[has_phone])
    phone_index = np.full(n, -1, dtype=np.int64)
    phone_index[has_phone] = np.arange(has_phone.sum())
    phone = phones.take(pa.array(np.where(has_phone, phone_index, 0), mask=~has_phone))

    address = household_addresses(stream(seed, "persons", "address"), township_of_household, urban_household)
    return Persons(
        resident_id=resident_id,
        name=name,
        surname=surname,
        male=male,
        birth=birth,
        age=age,
        migrant=migrant,
        region=region.astype(np.int32),
        township=township.astype(np.int16),
        urban=urban,
        address=address.take(pa.array(household_of)),
        household=household_of.astype(np.int32),
        relation=relation,
        collective=collective,
        marital=marital,
        spouse=spouse,
        married_on=married_on,
        divorced_on=divorced_on,
        father=father,
        mother=mother,
        education=education,
        occupation=occupation,
        monthly_income=monthly_income,
        operator=operator,
        phone=phone,
        ethnic_han=rng.random(n) < ref.ETHNIC_HAN_SHARE,
    )


def household_addresses(rng: np.random.Generator, township: np.ndarray, urban: np.ndarray) -> pa.StringArray:
    """One address per household: a street number and flat in town, a village group in the country."""
    n = len(township)
    names = [f"{ref.DISTRICT_NAMES[code // 1000]}{label}" for code, label, _ in ref.TOWNSHIPS]
    place = pick(names, township)
    street = pick(list(ref.STREETS), rng.integers(0, len(ref.STREETS), n))
    from puhui.synth.text import integers

    town = join(
        place,
        street,
        integers(rng.integers(1, 900, n)),
        "号",
        integers(rng.integers(1, 30, n)),
        "栋",
        integers(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)),
        "室",
    )
    words = list(ref.VILLAGE_WORDS)
    village = join(
        place,
        pick(words, rng.integers(0, len(words), n)),
        pick(words, rng.integers(0, len(words), n)),
        "村",
        integers(rng.integers(1, 15, n)),
        "组",
    )
    import pyarrow.compute as pc

    return pc.if_else(pa.array(urban), town, village)


def _education(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """GB/T 4658 level (index into EDUCATION_CODES) by birth cohort [assumption: national cohort shapes]."""
    table = np.array(
        [  # 研究生 本科 大专 高中 初中 小学 其他
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.4],  # under 12
            [0.0, 0.0, 0.0, 0.2, 0.8, 0.0, 0.0],  # 12-17
            [0.0, 0.15, 0.25, 0.45, 0.15, 0.0, 0.0],  # 18-24
            [0.03, 0.20, 0.22, 0.25, 0.27, 0.03, 0.0],  # 25-34
            [0.01, 0.10, 0.14, 0.25, 0.40, 0.10, 0.0],  # 35-49
            [0.003, 0.04, 0.06, 0.22, 0.45, 0.227, 0.0],  # 50-64
            [0.002, 0.02, 0.03, 0.10, 0.30, 0.45, 0.098],  # 65+
        ]
    )
    cohort = np.searchsorted(np.array([12, 18, 25, 35, 50, 65]), age, side="right")
    cumulative = table.cumsum(axis=1)[cohort]
    return np.asarray((rng.random(len(age))[:, None] > cumulative).sum(axis=1).clip(0, 6), dtype=np.uint8)


def _occupation(
    rng: np.random.Generator,
    params: CityParams,
    age: np.ndarray,
    male: np.ndarray,
    urban: np.ndarray,
    migrant: np.ndarray,
    education: np.ndarray,
    marital: np.ndarray,
) -> np.ndarray:
    """What each person does [assumption: shares chosen so that employment, coverage and business counts land on
    the targets in docs/synthetic-city.md]."""
    n = len(age)
    occupation = np.full(n, Occupation.HOMEMAKER, dtype=np.uint8)
    retire_age = np.where(male, 60, 55)
    in_school = np.select([age < 6, age < 16, age < 19, age < 23, age < 26], [0.0, 1.0, 0.85, 0.45, 0.08], 0.0)
    student = rng.random(n) < in_school
    working = (age >= 16) & (age < retire_age) & ~student
    college = education <= 2
    categories = np.array(
        [
            Occupation.PUBLIC,
            Occupation.SOE,
            Occupation.PRIVATE,
            Occupation.SELF_EMPLOYED,
            Occupation.FARMER,
            Occupation.FLEXIBLE,
            Occupation.UNEMPLOYED,
            Occupation.HOMEMAKER,
        ]
    )
    urban_p = np.array([0.07, 0.12, 0.37, 0.14, 0.02, 0.12, 0.05, 0.11])
    rural_p = np.array([0.02, 0.05, 0.26, 0.08, 0.38, 0.10, 0.04, 0.07])
    migrant_p = np.array([0.01, 0.04, 0.50, 0.17, 0.02, 0.16, 0.04, 0.06])
    p = np.where(migrant[:, None], migrant_p, np.where(urban[:, None], urban_p, rural_p))
    p = p * np.where(college[:, None], [3.0, 1.4, 1.2, 0.8, 0.2, 0.6, 0.7, 0.5], 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    choice = (rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1).clip(0, len(categories) - 1)
    occupation[working] = categories[choice[working]]
    occupation[student] = Occupation.STUDENT
    occupation[age < 6] = Occupation.CHILD
    occupation[age >= retire_age] = Occupation.RETIRED

    # Exactly one operator per individual business (a few run two) and one legal representative per company.
    n_self = round(params.n_individual_businesses / 1.06)
    occupation = _adjust_count(
        rng,
        occupation,
        Occupation.SELF_EMPLOYED,
        n_self,
        donors=(Occupation.PRIVATE, Occupation.FLEXIBLE, Occupation.HOMEMAKER),
        eligible=working,
    )
    candidates = np.flatnonzero(
        working
        & (age >= 25)
        & (age <= 62)
        & np.isin(occupation, (Occupation.PRIVATE, Occupation.FLEXIBLE, Occupation.SOE))
    )
    weight = np.where(college[candidates], 3.0, 1.0) * np.where(male[candidates], 1.8, 1.0)
    n_owners = min(len(candidates), round(params.n_companies / 1.08))
    owners = weighted_sample(rng, candidates, n_owners, weight)
    occupation[owners] = Occupation.OWNER
    return occupation


def _adjust_count(
    rng: np.random.Generator,
    occupation: np.ndarray,
    target: int,
    count: int,
    donors: tuple[int, ...],
    eligible: np.ndarray,
) -> np.ndarray:
    current = np.flatnonzero(occupation == target)
    if len(current) > count:
        back = rng.choice(current, len(current) - count, replace=False)
        occupation[back] = Occupation.PRIVATE
    elif len(current) < count:
        pool = np.flatnonzero(eligible & np.isin(occupation, donors))
        occupation[rng.choice(pool, min(len(pool), count - len(current)), replace=False)] = target
    return occupation


# Median monthly income in yuan (2026 terms) and log-spread by occupation [assumption from doc §1.6: non-private
# wages ≈ ¥94k a year in 2022, private ≈ ¥47k in 2020, rural income about half of urban].
INCOME_MEDIAN = {
    Occupation.CHILD: 0,
    Occupation.STUDENT: 0,
    Occupation.PUBLIC: 7600,
    Occupation.SOE: 7800,
    Occupation.PRIVATE: 4300,
    Occupation.OWNER: 12000,
    Occupation.SELF_EMPLOYED: 5200,
    Occupation.FARMER: 1900,
    Occupation.FLEXIBLE: 3100,
    Occupation.UNEMPLOYED: 300,
    Occupation.RETIRED: 3200,
    Occupation.HOMEMAKER: 0,
}
INCOME_SPREAD = {
    Occupation.PUBLIC: 0.28,
    Occupation.SOE: 0.3,
    Occupation.PRIVATE: 0.4,
    Occupation.OWNER: 0.85,
    Occupation.SELF_EMPLOYED: 0.7,
    Occupation.FARMER: 0.5,
    Occupation.FLEXIBLE: 0.45,
    Occupation.UNEMPLOYED: 0.5,
    Occupation.RETIRED: 0.35,
}


def _income(
    rng: np.random.Generator, occupation: np.ndarray, education: np.ndarray, urban: np.ndarray, migrant: np.ndarray
) -> np.ndarray:
    median = np.zeros(len(occupation))
    spread = np.full(len(occupation), 0.3)
    for job, value in INCOME_MEDIAN.items():
        median[occupation == job] = value
        spread[occupation == job] = INCOME_SPREAD.get(job, 0.3)
    # rural retirees draw the residents' pension, not a workers' pension
    retired_rural = (occupation == Occupation.RETIRED) & (~urban | migrant) & (rng.random(len(occupation)) < 0.8)
    median[retired_rural] = 280
    schooling = np.exp(0.10 * (3 - education.astype(float)).clip(-3, 3))
    return median * schooling * np.exp(rng.normal(0, spread))


__all__ = [
    "FORMAL",
    "MARITAL_DIVORCED",
    "MARITAL_MARRIED",
    "MARITAL_SINGLE",
    "MARITAL_WIDOWED",
    "RELATIONS",
    "Occupation",
    "Persons",
    "age_on",
    "build_persons",
    "household_addresses",
]
