"""The organisations of the city and who works where: companies (credit-code class 91), individual businesses
(92), farmers' cooperatives (93), government organs and public institutions (11, 12).

Counts scale with the population (national entity counts of 2023 scaled to Xinyu, doc §1.7); the big state-owned
steel works (新钢) anchors the manufacturing workforce of the 新钢街道 sub-district.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from puhui.synth import reference as ref
from puhui.synth.identifiers import credit_codes, organization_codes
from puhui.synth.params import CityParams
from puhui.synth.population import DAYS_PER_YEAR, Occupation, Persons
from puhui.synth.rand import stream
from puhui.synth.text import join, pick


class OrgKind(enum.IntEnum):
    COMPANY = 0
    INDIVIDUAL_BUSINESS = 1
    COOPERATIVE = 2
    PUBLIC = 3


class OrgStatus(enum.IntEnum):
    ACTIVE = 0
    REVOKED = 1  # 吊销: licence revoked, usually after years on the abnormal-operation list
    DEREGISTERED = 2  # 注销


# Credit codes of market entities are registered after 2015-10-01 with the regulator's "MA…" organisation codes.
USCC_START = np.datetime64("2015-10-01")


@dataclass
class Organisations:
    credit_code: pa.StringArray
    name: pa.StringArray
    kind: np.ndarray  # uint8 OrgKind
    entity_class: np.ndarray  # "91", "92", "93", "11", "12"
    soe: np.ndarray  # bool, state-owned
    industry: np.ndarray  # int16 index into reference.INDUSTRIES (-1 for public bodies)
    legal_rep: np.ndarray  # int32 person
    established: np.ndarray  # datetime64[D]
    capital_wan: np.ndarray  # float64, registered capital in 万元
    region: np.ndarray  # int32, 6-digit registering region
    township: np.ndarray  # int16
    address: pa.StringArray
    employees: np.ndarray  # int32, staff on the payroll (set from the employment assignment)
    members: np.ndarray  # int32, cooperative members
    status: np.ndarray  # uint8 OrgStatus (set by the latent state: distressed firms get revoked)
    status_date: np.ndarray  # datetime64[D], NaT while active

    @property
    def n(self) -> int:
        return len(self.kind)

    def of_kind(self, *kinds: OrgKind) -> np.ndarray:
        return np.flatnonzero(np.isin(self.kind, [int(k) for k in kinds]))


@dataclass
class Employment:
    employer: np.ndarray  # int32 per person: organisation index, -1 when none
    business: np.ndarray  # int32 per person: first organisation they represent (company, shop, cooperative), -1
    cooperative: np.ndarray  # int32 per person: cooperative they are a member of, -1
    hired_on: np.ndarray  # datetime64[D] per person, NaT without employer


def build_organisations(params: CityParams, persons: Persons) -> tuple[Organisations, Employment]:
    rng = stream(params.seed, "organisations")
    as_of = params.as_of_day
    n_people = persons.n
    occupation = persons.occupation
    industry_names = [i[0] for i in ref.INDUSTRIES]
    company_weights = np.array([i[3] for i in ref.INDUSTRIES])
    shop_weights = np.array([i[4] for i in ref.INDUSTRIES])

    # --- who represents what -----------------------------------------------------------------------------------
    owners = np.flatnonzero(occupation == Occupation.OWNER)
    operators = np.flatnonzero(occupation == Occupation.SELF_EMPLOYED)
    farmers = np.flatnonzero(occupation == Occupation.FARMER)
    n_public = len(ref.PUBLIC_EMPLOYERS)
    n_companies = params.n_companies
    n_shops = params.n_individual_businesses
    n_coops = params.n_cooperatives
    company_reps = np.concatenate([rng.permutation(owners), rng.choice(owners, max(0, n_companies - len(owners)))])[
        :n_companies
    ]
    shop_reps = np.concatenate([rng.permutation(operators), rng.choice(operators, max(0, n_shops - len(operators)))])[
        :n_shops
    ]
    senior_farmers = farmers[(persons.age[farmers] >= 35)]
    coop_reps = rng.choice(senior_farmers if len(senior_farmers) else farmers, n_coops, replace=False)

    kind = np.concatenate(
        [
            np.full(n_companies, OrgKind.COMPANY),
            np.full(n_shops, OrgKind.INDIVIDUAL_BUSINESS),
            np.full(n_coops, OrgKind.COOPERATIVE),
            np.full(n_public, OrgKind.PUBLIC),
        ]
    ).astype(np.uint8)
    n = len(kind)
    is_company = kind == OrgKind.COMPANY
    soe = np.zeros(n, dtype=bool)
    soe[0] = True  # the anchor steel works
    soe[1:n_companies] = rng.random(n_companies - 1) < 0.012
    legal_rep = np.concatenate([company_reps, shop_reps, coop_reps, np.full(n_public, -1)]).astype(np.int64)

    industry = np.full(n, -1, dtype=np.int16)
    industry[:n_companies] = rng.choice(len(industry_names), n_companies, p=company_weights / company_weights.sum())
    industry[0] = industry_names.index(ref.ANCHOR_EMPLOYER[2])
    industry[n_companies : n_companies + n_shops] = rng.choice(
        len(industry_names), n_shops, p=shop_weights / shop_weights.sum()
    )
    industry[n_companies + n_shops : n_companies + n_shops + n_coops] = rng.choice(
        [industry_names.index("A01"), industry_names.index("A03")], n_coops, p=[0.7, 0.3]
    )

    # --- size, age and capital ---------------------------------------------------------------------------------
    size = np.ones(n)
    size[is_company] = np.minimum(np.exp(rng.normal(1.2, 1.35, is_company.sum())), 3000)
    size[soe] *= 25
    age_years = np.where(
        is_company,
        rng.exponential(7.5, n),
        np.where(kind == OrgKind.PUBLIC, 20 + rng.random(n) * 40, rng.exponential(5.0, n)),
    ).clip(0.05, 40)
    age_years[0] = 38
    # farmers' cooperatives exist since the 2007 law
    coop_limit = float((as_of - np.datetime64("2007-07-01")).astype(np.int64)) / DAYS_PER_YEAR
    age_years = np.where(kind == OrgKind.COOPERATIVE, np.minimum(age_years, coop_limit), age_years)
    established = as_of - (age_years * DAYS_PER_YEAR).astype("timedelta64[D]")
    capital_wan = np.where(
        is_company,
        np.round(np.exp(rng.normal(4.4, 1.3, n)) * (1 + size / 50), 4),
        np.where(
            kind == OrgKind.INDIVIDUAL_BUSINESS,
            np.round(np.exp(rng.normal(1.6, 1.0, n)), 2),
            np.round(np.exp(rng.normal(3.5, 1.0, n)), 2),
        ),
    )
    capital_wan[0] = 318_000.0

    # --- where ------------------------------------------------------------------------------------------------
    rep = np.maximum(legal_rep, 0)
    township = np.where(legal_rep >= 0, persons.township[rep], 0).astype(np.int16)
    township_codes = np.array([t[0] for t in ref.TOWNSHIPS])
    region = (township_codes[township] // 1000).astype(np.int64)
    public_regions = np.array(
        [360521 if "分宜" in name else (360502 if "渝水" in name else 360500) for _, name, _ in ref.PUBLIC_EMPLOYERS]
    )
    region[kind == OrgKind.PUBLIC] = public_regions
    township[kind == OrgKind.PUBLIC] = 0

    entity_class = np.where(
        kind == OrgKind.COMPANY,
        "91",
        np.where(kind == OrgKind.INDIVIDUAL_BUSINESS, "92", np.where(kind == OrgKind.COOPERATIVE, "93", "12")),
    ).astype("S2")
    entity_class[kind == OrgKind.PUBLIC] = np.array([c for c, _, _ in ref.PUBLIC_EMPLOYERS], dtype="S2")
    org_codes = organization_codes(
        stream(params.seed, "organisations", "codes"), n, (established >= USCC_START) & (kind != OrgKind.PUBLIC)
    )
    credit_code = credit_codes(entity_class, region, org_codes)

    name = _names(stream(params.seed, "organisations", "names"), kind, industry, township, persons, legal_rep)
    address = _addresses(stream(params.seed, "organisations", "addresses"), township, persons, legal_rep, kind)

    # --- who works where ---------------------------------------------------------------------------------------
    employ_rng = stream(params.seed, "organisations", "employment")
    employer = np.full(n_people, -1, dtype=np.int64)
    public_ids = np.flatnonzero(kind == OrgKind.PUBLIC)
    public_weight = np.array([w for _, _, w in ref.PUBLIC_EMPLOYERS])
    staff = np.flatnonzero(occupation == Occupation.PUBLIC)
    employer[staff] = employ_rng.choice(public_ids, len(staff), p=public_weight / public_weight.sum())
    soe_ids = np.flatnonzero(soe)
    soe_staff = np.flatnonzero(occupation == Occupation.SOE)
    soe_weight = size[soe_ids] / size[soe_ids].sum() * 0.45
    soe_weight[0] += 0.55
    employer[soe_staff] = employ_rng.choice(soe_ids, len(soe_staff), p=soe_weight / soe_weight.sum())
    private_ids = np.flatnonzero(is_company & ~soe)
    shop_ids = np.flatnonzero(kind == OrgKind.INDIVIDUAL_BUSINESS)
    workers = np.flatnonzero(occupation == Occupation.PRIVATE)
    at_shop = employ_rng.random(len(workers)) < 0.08
    employer[workers[~at_shop]] = employ_rng.choice(
        private_ids, (~at_shop).sum(), p=size[private_ids] / size[private_ids].sum()
    )
    employer[workers[at_shop]] = employ_rng.choice(shop_ids, at_shop.sum())
    # owners are on their own company's payroll; shop operators are not employees
    first_company = np.full(n_people, -1, dtype=np.int64)
    reps = legal_rep[:n_companies]
    first_company[reps[::-1]] = np.arange(n_companies)[::-1]
    employer[occupation == Occupation.OWNER] = first_company[occupation == Occupation.OWNER]
    employees = np.bincount(employer[employer >= 0], minlength=n).astype(np.int32)

    business = np.full(n_people, -1, dtype=np.int64)
    represented = legal_rep >= 0
    business[legal_rep[represented][::-1]] = np.flatnonzero(represented)[::-1]

    cooperative = np.full(n_people, -1, dtype=np.int64)
    coop_ids = np.flatnonzero(kind == OrgKind.COOPERATIVE)
    members_of = employ_rng.random(len(farmers)) < 0.45
    cooperative[farmers[members_of]] = employ_rng.choice(coop_ids, members_of.sum())
    cooperative[coop_reps] = coop_ids
    members = np.bincount(cooperative[cooperative >= 0], minlength=n).astype(np.int32)

    tenure_years = np.minimum(employ_rng.exponential(6.0, n_people), np.maximum(persons.age - 17, 0.1))
    hired_on = np.maximum(
        as_of - (tenure_years * DAYS_PER_YEAR).astype("timedelta64[D]"), established[np.maximum(employer, 0)]
    )
    hired_on = np.where(employer >= 0, hired_on, np.datetime64("NaT"))

    organisations = Organisations(
        credit_code=credit_code,
        name=name,
        kind=kind,
        entity_class=entity_class.astype(str),
        soe=soe,
        industry=industry,
        legal_rep=legal_rep.astype(np.int32),
        established=established,
        capital_wan=capital_wan,
        region=region.astype(np.int32),
        township=township,
        address=address,
        employees=employees,
        members=members,
        status=np.zeros(n, dtype=np.uint8),
        status_date=np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
    )
    return organisations, Employment(
        employer=employer.astype(np.int32),
        business=business.astype(np.int32),
        cooperative=cooperative.astype(np.int32),
        hired_on=hired_on,
    )


def _names(
    rng: np.random.Generator,
    kind: np.ndarray,
    industry: np.ndarray,
    township: np.ndarray,
    persons: Persons,
    legal_rep: np.ndarray,
) -> pa.StringArray:
    n = len(kind)
    brands = list(ref.BRAND_CHARS)
    brand = join(pick(brands, rng.integers(0, len(brands), n)), pick(brands, rng.integers(0, len(brands), n)))
    words = [i[2] for i in ref.INDUSTRIES]
    industry_word = pick(words, np.maximum(industry, 0))
    township_names = [t[1].removesuffix("街道").removesuffix("镇").removesuffix("乡") for t in ref.TOWNSHIPS]
    place = pick(township_names, township)
    districts = [ref.DISTRICT_NAMES[t[0] // 1000] for t in ref.TOWNSHIPS]
    district = pick(districts, township)
    forms = ["有限公司", "有限责任公司", "股份有限公司"]
    company = join("新余市", brand, industry_word, pick(forms, rng.choice(3, n, p=[0.8, 0.17, 0.03])))
    shops = list(ref.SHOP_WORDS)
    surname = pick(list(ref.SURNAMES), persons.surname[np.maximum(legal_rep, 0)])
    shop_brand = pa.compute.if_else(pa.array(rng.random(n) < 0.3), join(surname, "记"), brand)
    shop = join(district, place, shop_brand, pick(shops, rng.integers(0, len(shops), n)))
    products = list(ref.COOP_PRODUCTS)
    coop = join("新余市", district, place, brand, pick(products, rng.integers(0, len(products), n)), "专业合作社")
    public = pick(
        [name for _, name, _ in ref.PUBLIC_EMPLOYERS], np.clip(np.arange(n) - (n - len(ref.PUBLIC_EMPLOYERS)), 0, None)
    )
    kinds = pa.array(kind)
    names = pa.compute.if_else(
        pa.compute.equal(kinds, int(OrgKind.COMPANY)),
        company,
        pa.compute.if_else(
            pa.compute.equal(kinds, int(OrgKind.INDIVIDUAL_BUSINESS)),
            shop,
            pa.compute.if_else(pa.compute.equal(kinds, int(OrgKind.COOPERATIVE)), coop, public),
        ),
    )
    names = names.to_numpy(zero_copy_only=False).astype(object)
    names[0] = ref.ANCHOR_EMPLOYER[1]
    # registered names are unique: later registrations of a taken name add a branch-like qualifier
    while True:
        _, first, inverse = np.unique(names.astype(str), return_index=True, return_inverse=True)
        repeat = np.arange(n) != first[inverse]
        if not repeat.any():
            break
        suffix = pick(brands, rng.integers(0, len(brands), repeat.sum()))
        count = pa.array(rng.integers(1, 100, repeat.sum())).cast(pa.string())
        names[repeat] = np.array(
            join(pa.array(names[repeat].tolist()), "(", suffix, count, ")").to_pylist(), dtype=object
        )
    return pa.array(names.tolist(), pa.string())


def _addresses(
    rng: np.random.Generator, township: np.ndarray, persons: Persons, legal_rep: np.ndarray, kind: np.ndarray
) -> pa.StringArray:
    from puhui.synth.population import household_addresses

    n = len(township)
    urban = np.array([t[2] for t in ref.TOWNSHIPS])[township]
    own = household_addresses(rng, township, urban | (kind == OrgKind.COMPANY))
    # shops and cooperatives often sit at the operator's home
    at_home = (legal_rep >= 0) & (kind != OrgKind.COMPANY) & (rng.random(n) < 0.5)
    home = persons.address.take(pa.array(np.maximum(legal_rep, 0)))
    return pa.compute.if_else(pa.array(at_home), home, own)


__all__ = ["USCC_START", "Employment", "OrgKind", "OrgStatus", "Organisations", "build_organisations"]
