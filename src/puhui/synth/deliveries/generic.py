"""The type-driven filler: any catalog field no mapping fills gets a plausible value from its type, its name and
the row's subject; any data set without a mapping gets rows about the population its name points to.

Negative lists (penalties, arrears, flags) draw their subjects in proportion to stress, honours in proportion to
capacity and willingness to pay, so even a generically filled data set carries some of the latent signal.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.core.catalog import DatasetSpec, FieldSpec, FieldType, SubjectScope
from puhui.synth import reference as ref
from puhui.synth.deliveries.context import DeliveryContext, weighted_choice
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.latent import LatentState
from puhui.synth.population import DAYS_PER_YEAR, Occupation
from puhui.synth.text import integers, join, pick

_END_WORDS = re.compile(
    r"(^|_)(end|to|until|expir\w*|removed|closed|cancel\w*|released|revoked|left|ended|lapse\w*|valid_to|deregistered)(_|$)"
)
_NAME_WORDS = re.compile(
    r"(^|_)(name|holder|owner|mortgagor|pledgor|contractor|debtor|party|customer|person|operator|investor|applicant|borrower|patient|recipient)(_|$)"
)
_ORGAN_WORDS = re.compile(
    r"(authority|issuer|office|organ|publisher|source_unit|recognised_by|awarded_by|department|agency|unit$|bureau|issued_by|approved_by)"
)
_PLACE_WORDS = re.compile(r"(address|premises|location|addr|residence|domicile)")
_NUMBER_WORDS = re.compile(r"(_no$|_number$|^no$|_code$|_id$|^id$|serial|permit|licence_no|certificate)")
NEGATIVE = re.compile(
    r"(arrear|penalt|dishonest|black|abnormal|revocation|seizure|violation|infring|warning|frozen|freez|enforce|"
    r"hardship|allowance|poor|relief|released|correction|drug|petition|debtor|evasion|unemploy|subsid|five-guarantee)",
    re.IGNORECASE,
)
POSITIVE = re.compile(r"(honour|red list|award|model|demonstration|excellent|star)", re.IGNORECASE)


def _optional_present(field: FieldSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    if field.required:
        return np.ones(n, dtype=bool)
    share = 0.35 if _END_WORDS.search(field.name) else 0.88
    return rng.random(n) < share


def _subject_person(ctx: DeliveryContext, rows: Rows, rng: np.random.Generator) -> np.ndarray:
    """The person each row names: the row's person, else the organisation's legal representative, else anyone adult."""
    person = np.where(rows.person >= 0, rows.person, ctx.legal_reps(rows.org))
    missing = person < 0
    if missing.any():
        adults = np.flatnonzero(ctx.persons.age >= 25)
        person[missing] = rng.choice(adults, missing.sum())
    return person


def _some_org(ctx: DeliveryContext, rows: Rows, rng: np.random.Generator) -> np.ndarray:
    org = rows.org.copy()
    missing = org < 0
    if missing.any():
        employer = ctx.city.employment.employer[np.maximum(rows.person[missing], 0)]
        companies = ctx.orgs.of_kind(OrgKind.COMPANY)
        org[missing] = np.where(employer >= 0, employer, rng.choice(companies, missing.sum()))
    return org


def fill_field(
    ctx: DeliveryContext, spec: DatasetSpec, field: FieldSpec, rows: Rows, rng: np.random.Generator
) -> object:
    """A plausible column for ``field`` (NumPy or Arrow), from its type and name and each row's subject."""
    n = rows.n
    name = field.name
    kind = field.type
    present = _optional_present(field, rng, n)
    is_key = name == spec.subject_key
    if kind is FieldType.SUBJECT_ID:
        if is_key:
            return ctx.subject_ids(rows.person, rows.org)
        return ctx.person_ids(_subject_person(ctx, rows, rng))
    if kind is FieldType.RESIDENT_ID:
        return _masked(ctx.person_ids(_subject_person(ctx, rows, rng) if not is_key else rows.person), present)
    if kind is FieldType.CREDIT_CODE:
        return _masked(ctx.org_codes(_some_org(ctx, rows, rng)), present)
    if kind is FieldType.PHONE:
        phones = ctx.phones(_subject_person(ctx, rows, rng))
        if field.required and phones.null_count:
            fallback = join("138", integers(rng.integers(10_000_000, 99_999_999, n)))
            phones = pc.coalesce(phones, fallback)
        return _masked(phones, present)
    if kind is FieldType.CODE:
        known = _person_code(ctx, field, rows, rng)
        if known is not None:
            return _masked(known, present)
        codes = list(field.codes or {})
        weights = np.array([3.0] + [1.0] * (len(codes) - 1))
        return _masked(pick(codes, rng.choice(len(codes), n, p=weights / weights.sum())), present)
    if kind is FieldType.BOOL:
        return _masked(pa.array(rng.random(n) < 0.15), present)
    if kind is FieldType.INT:
        return np.where(present, _integer(name, rows, ctx, rng), np.nan)
    if kind is FieldType.DECIMAL:
        return np.where(present, _decimal(field, rng, n), np.nan)
    if kind in (FieldType.DATE, FieldType.DATETIME, FieldType.YM):
        days = _date(ctx, field, rows, rng)
        if kind is FieldType.DATETIME:
            seconds = days.astype("datetime64[s]") + rng.integers(8 * 3600, 18 * 3600, n).astype("timedelta64[s]")
            return np.where(present, seconds, np.datetime64("NaT"))
        if kind is FieldType.YM:
            return np.where(present, days.astype("datetime64[M]"), np.datetime64("NaT"))
        return np.where(present, days, np.datetime64("NaT"))
    if kind is FieldType.TEXT:
        return _masked(join(field.label.zh, ":", pick(_PHRASES, rng.integers(0, len(_PHRASES), n))), present)
    return _masked(_string(ctx, spec, field, rows, rng), present)


_PHRASES = ("依法办理", "按规定执行", "情况属实", "已核查", "详见附件", "按期完成", "无异常", "正常")


# GB/T 4658 education codes in the order of reference.EDUCATION_CODES (研究生 … 其他), for the two spellings
_EDUCATION_NUMERIC = ("10", "20", "30", "60", "70", "80", "90")
_EDUCATION_WORDS = ("研究生", "大学本科", "大学专科", "高中或中专", "初中及以下", "初中及以下", "初中及以下")


def _person_code(ctx: DeliveryContext, field: FieldSpec, rows: Rows, rng: np.random.Generator) -> pa.Array | None:
    """Codes that describe the row's person (sex, schooling, marital status, place in the household) come from
    the person, not from chance."""
    name = field.name
    codes = list(field.codes or {})
    if rows.n == 0 or (rows.person < 0).all():
        return None
    p = ctx.persons
    person = _subject_person(ctx, rows, rng)
    if name == "sex" or (name.endswith("_sex") and not name.startswith(("newborn", "child"))):
        male = p.male[person]
        if "1" in codes and "2" in codes:
            return pick(["1", "2"], np.where(male, 0, 1))
        if "男" in codes and "女" in codes:
            return pick(["男", "女"], np.where(male, 0, 1))
    if name == "education":
        level = p.education[person]
        for spelling in (_EDUCATION_NUMERIC, _EDUCATION_WORDS):
            if all(code in codes for code in set(spelling)):
                return pick(list(spelling), level)
    if name == "marital_status":
        marital = p.marital[person].astype(str)
        if set(np.unique(marital)) <= set(codes):
            return pa.array(marital.tolist(), pa.string())
    if name == "relation_to_head":
        from puhui.synth.population import RELATIONS

        relation = np.array(RELATIONS)[p.relation[person]]
        relation = np.where(np.isin(relation, codes), relation, "99" if "99" in codes else codes[0])
        return pa.array(relation.tolist(), pa.string())
    return None


def _masked(array: pa.Array, present: np.ndarray) -> pa.Array:
    if present.all():
        return array
    return pc.if_else(pa.array(present), array, pa.scalar(None, array.type))


def _integer(name: str, rows: Rows, ctx: DeliveryContext, rng: np.random.Generator) -> np.ndarray:
    n = rows.n
    years = rows.when.astype("datetime64[Y]").astype(np.int64) + 1970
    if "year" in name:
        return years.astype(float)
    if name.endswith("age") or name == "age":
        return np.asarray(ctx.persons.age[np.maximum(rows.person, 0)], dtype=float)
    if "month" in name:
        return rng.integers(1, 25, n).astype(float)
    if name == "household_size":
        sizes = np.bincount(ctx.persons.household)
        return np.asarray(sizes[ctx.persons.household[_subject_person(ctx, rows, rng)]], dtype=float)
    if any(w in name for w in ("count", "members", "employees", "persons", "people", "number", "size", "staff")):
        return np.ceil(rng.exponential(8, n)).astype(float)
    if "score" in name or "point" in name:
        return rng.integers(40, 101, n).astype(float)
    return rng.integers(0, 20, n).astype(float)


def _decimal(field: FieldSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    unit = field.unit or ""
    if unit.startswith("万"):
        return np.round(np.exp(rng.normal(np.log(20), 1.2, n)), 6)
    if unit == "%":
        return np.round(rng.uniform(1, 12, n), 2)
    if unit in ("m²", "平方米"):
        return np.round(rng.uniform(40, 200, n), 2)
    if unit == "亩":
        return np.round(np.exp(rng.normal(np.log(5), 0.8, n)), 2)
    if unit in ("kWh", "m³", "kVA"):
        return np.round(np.exp(rng.normal(np.log(60), 0.8, n)), 2)
    return np.round(np.exp(rng.normal(np.log(2000), 1.0, n)), 2)


def _date(ctx: DeliveryContext, field: FieldSpec, rows: Rows, rng: np.random.Generator) -> np.ndarray:
    n = rows.n
    name = field.name
    if "birth" in name:
        return np.asarray(ctx.persons.birth[_subject_person(ctx, rows, rng)])
    if _END_WORDS.search(name):
        later = rows.when + (rng.uniform(0.3, 3.0, n) * DAYS_PER_YEAR).astype("timedelta64[D]")
        return np.asarray(np.minimum(later, ctx.as_of + np.timedelta64(3 * 365, "D")))
    return rows.when


def _string(
    ctx: DeliveryContext, spec: DatasetSpec, field: FieldSpec, rows: Rows, rng: np.random.Generator
) -> pa.Array:
    n = rows.n
    name = field.name
    if "legal_rep" in name or "manager" in name or "quality_manager" in name or name in ("leader", "principal"):
        return ctx.person_names(_subject_person(ctx, rows, rng))
    if _NAME_WORDS.search(name) or name in ("name", "subject_name"):
        if "employer" in name or "entity" in name or "withholder" in name or "enterprise" in name:
            return ctx.org_names(_some_org(ctx, rows, rng))
        return ctx.subject_names(rows.person, rows.org)
    if "employer" in name or "entity" in name or "enterprise" in name or "company" in name or "withholder" in name:
        return ctx.org_names(_some_org(ctx, rows, rng))
    if name == "court" or name.startswith("court"):
        return pick([c[0] for c in ref.COURTS], rng.integers(0, len(ref.COURTS), n))
    if name == "home_district" and (rows.person >= 0).any():
        return integers(ctx.persons.region[_subject_person(ctx, rows, rng)])
    if "district" in name:
        return integers(ctx.districts(rows.person, rows.org))
    if name == "village":
        words = list(ref.VILLAGE_WORDS)
        return join(pick(words, rng.integers(0, len(words), n)), pick(words, rng.integers(0, len(words), n)), "村")
    if "township" in name:
        return ctx.township_names(rows.person, rows.org)
    if _ORGAN_WORDS.search(name):
        return pick(list(ref.DEPARTMENTS), rng.integers(0, len(ref.DEPARTMENTS), n))
    if _PLACE_WORDS.search(name):
        return ctx.addresses(rows.person, rows.org)
    if "industry" in name:
        return pick([i[1] for i in ref.INDUSTRIES], rng.integers(0, len(ref.INDUSTRIES), n))
    if _NUMBER_WORDS.search(name):
        years = integers(rows.when.astype("datetime64[Y]").astype(np.int64) + 1970)
        return join("新", years, "-", integers(rng.integers(100_000, 1_000_000, n)), "-", integers(np.arange(n)))
    return join(field.label.zh, integers(rng.integers(1, 10, n)))


# --- rows for data sets without a mapping ------------------------------------------------------------------------
# (pattern in the data set's English name, population, share of that population)
_PERSON_POPULATIONS: tuple[tuple[str, str, float], ...] = (
    ("student", "student", 1.0),
    ("teacher", "public", 0.25),
    ("physician|doctor", "public", 0.08),
    ("pharmacist", "adult", 0.0006),
    ("lawyer", "college", 0.004),
    ("whole-population|registered resident", "everyone", 1.0),
    ("floating|migrant", "migrant", 1.0),
    ("children", "minor", 1.0),
    ("blood", "adult", 0.02),
    ("disab", "everyone", 0.045),
    ("health certificate|food-service", "self", 0.15),
    ("courier", "adult", 0.003),
    ("road-transport", "adult", 0.008),
    ("hospital|outpatient|check-up|reimburse|medical|birth", "everyone", 0.06),
    ("released|correction|drug|mental|hiv|petition|key-attention youth", "adult", 0.002),
    ("hardship", "employee", 0.01),
    ("model-worker|model worker|award|honour", "employee", 0.002),
    ("salary|payroll", "public", 1.0),
    ("subsid", "farmer", 0.6),
    ("farmer|grower", "farmer", 0.05),
)
_ORG_POPULATIONS: tuple[tuple[str, str, float], ...] = (
    ("courier", "logistics", 0.3),
    ("pollut|environment|enforcement record", "manufacturing", 0.15),
    ("cooperative", "cooperative", 1.0),
)


def _person_population(ctx: DeliveryContext, population: str) -> np.ndarray:
    p = ctx.persons
    occupation = p.occupation
    masks = {
        "student": occupation == Occupation.STUDENT,
        "public": occupation == Occupation.PUBLIC,
        "college": (p.education <= 1) & (p.age >= 25) & (p.age < 65),
        "everyone": np.ones(p.n, dtype=bool),
        "migrant": p.migrant,
        "minor": p.age < 18,
        "self": occupation == Occupation.SELF_EMPLOYED,
        "employee": np.isin(occupation, (Occupation.PRIVATE, Occupation.SOE, Occupation.PUBLIC)),
        "farmer": occupation == Occupation.FARMER,
        "adult": p.age >= 18,
    }
    return np.flatnonzero(masks[population])


def _org_population(ctx: DeliveryContext, population: str) -> np.ndarray:
    o = ctx.orgs
    active = o.status == OrgStatus.ACTIVE
    industry_code = np.array([i[0] for i in ref.INDUSTRIES])[np.maximum(o.industry, 0)]
    masks = {
        "logistics": (o.kind == OrgKind.COMPANY) & (industry_code == "G54"),
        "manufacturing": (o.kind == OrgKind.COMPANY) & np.char.startswith(industry_code, "C"),
        "cooperative": o.kind == OrgKind.COOPERATIVE,
        "market": np.isin(o.kind, (OrgKind.COMPANY, OrgKind.INDIVIDUAL_BUSINESS, OrgKind.COOPERATIVE)),
    }
    return np.flatnonzero(masks[population] & active)


def _polarity_weight(
    spec: DatasetSpec, stress: np.ndarray, capacity: np.ndarray, willingness: np.ndarray
) -> np.ndarray:
    if NEGATIVE.search(spec.name.en):
        return np.asarray(np.exp(np.clip(stress, -4, 6)))
    if POSITIVE.search(spec.name.en):
        return np.asarray(np.exp(np.clip(capacity + willingness, -4, 4)))
    return np.ones(len(stress))


def _draw(
    ctx: DeliveryContext,
    spec: DatasetSpec,
    rng: np.random.Generator,
    rules: tuple[tuple[str, str, float], ...],
    default: tuple[str, float],
    population_of: Callable[[DeliveryContext, str], np.ndarray],
    state: LatentState,
    minimum: int,
) -> np.ndarray:
    """Subjects from the population the first matching rule names, weighted by the list's polarity."""
    population, share = default
    for pattern, candidate, candidate_share in rules:
        if re.search(pattern, spec.name.en.lower()):
            population, share = candidate, candidate_share
            break
    pool = population_of(ctx, population)
    weight = _polarity_weight(spec, state.stress[pool, -1], state.capacity[pool], state.willingness[pool])
    return weighted_choice(rng, pool, max(minimum, round(len(pool) * share)), weight)


def generic_rows(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """Rows about the population a data set's name points to (1 % of adults / 5 % of businesses by default)."""
    rng = ctx.rng(spec.id, "generic-rows")
    persons = np.zeros(0, dtype=np.int64)
    orgs = np.zeros(0, dtype=np.int64)
    if spec.subject in (SubjectScope.PERSON, SubjectScope.BOTH):
        persons = _draw(
            ctx, spec, rng, _PERSON_POPULATIONS, ("adult", 0.01), _person_population, ctx.city.person_state, 0
        )
    if spec.subject in (SubjectScope.ENTERPRISE, SubjectScope.BOTH):
        orgs = _draw(
            ctx, spec, rng, _ORG_POPULATIONS, ("market", 0.05), _org_population, ctx.city.organisation_state, 1
        )
    person = np.concatenate([persons, np.full(len(orgs), -1)])
    org = np.concatenate([np.full(len(persons), -1), orgs])
    when = ctx.days_in_window(rng, len(person))
    return make_rows(person=person, org=org, when=when)


__all__ = ["NEGATIVE", "POSITIVE", "fill_field", "generic_rows"]
