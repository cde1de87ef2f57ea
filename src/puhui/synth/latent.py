"""The latent financial state that drives every source: capacity (income level), stability, willingness to pay,
and shocks over time, for persons and organisations, month by month.

Each subject's monthly *stress* combines the four; every department's records (arrears, contribution gaps,
enforcement, abnormal listings, loan defaults) are drawn from it with their own noise, so the sources agree with
each other and with the truth only imperfectly, the way real signals do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from puhui.synth.economy import Organisations, OrgKind
from puhui.synth.params import CityParams
from puhui.synth.population import Occupation, Persons
from puhui.synth.rand import stream

# Months of latent history before the delivered window: events older than the window (court cases, listings)
# are drawn from it too.
HISTORY_MONTHS = 36

# Baseline stability by occupation: how rarely a shock (job loss, illness, failed season) strikes.
STABILITY = {
    Occupation.CHILD: 0.8,
    Occupation.STUDENT: 0.8,
    Occupation.PUBLIC: 0.95,
    Occupation.SOE: 0.9,
    Occupation.PRIVATE: 0.72,
    Occupation.OWNER: 0.62,
    Occupation.SELF_EMPLOYED: 0.58,
    Occupation.FARMER: 0.62,
    Occupation.FLEXIBLE: 0.5,
    Occupation.UNEMPLOYED: 0.35,
    Occupation.RETIRED: 0.92,
    Occupation.HOMEMAKER: 0.7,
}
# Default propensity: logit of the 12-month default probability of a typical unsecured loan.
PD_INTERCEPT = -4.35
PD_CAPACITY, PD_WILLINGNESS, PD_INSTABILITY, PD_SHOCK = 0.65, 1.05, 1.6, 1.3


@dataclass
class LatentState:
    """Per subject: static traits; per subject and month: shock flag and stress (``months`` = history + window)."""

    capacity: np.ndarray  # float32, standardized income level
    stability: np.ndarray  # float32 in (0, 1)
    willingness: np.ndarray  # float32, standardized willingness to pay
    shock: np.ndarray  # bool (n, months)
    stress: np.ndarray  # float32 (n, months)

    @property
    def months(self) -> int:
        return int(self.stress.shape[1])

    def window(self, months: int) -> np.ndarray:
        """Stress over the last ``months`` months (the delivered window)."""
        return self.stress[:, -months:]

    def default_propensity(self) -> np.ndarray:
        """12-month default probability of a typical loan, given the traits and an average exposure to shocks."""
        hazard = _shock_hazard(self.stability)
        shock_share = np.minimum(1.0, hazard * 6.0)
        logit = (
            PD_INTERCEPT
            - PD_CAPACITY * self.capacity
            - PD_WILLINGNESS * self.willingness
            + PD_INSTABILITY * (1 - self.stability)
            + PD_SHOCK * shock_share
        )
        return (1 / (1 + np.exp(-logit))).astype(np.float32)

    def default_probability(self, start_month: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Probability that subject ``rows`` defaults within 12 months of ``start_month`` (an index into the months),
        given the shocks that really strike in those months; months past the end count at the average rate."""
        expected = np.minimum(1.0, _shock_hazard(self.stability[rows]) * 6.0)
        months_in_shock = np.zeros(len(rows))
        for offset in range(12):
            month = start_month + offset
            inside = month < self.months
            months_in_shock += np.where(inside, self.shock[rows, np.minimum(month, self.months - 1)], expected)
        logit = (
            PD_INTERCEPT
            - PD_CAPACITY * self.capacity[rows]
            - PD_WILLINGNESS * self.willingness[rows]
            + PD_INSTABILITY * (1 - self.stability[rows])
            + PD_SHOCK * months_in_shock / 12
        )
        return np.asarray(1 / (1 + np.exp(-logit)))


def _shock_hazard(stability: np.ndarray) -> np.ndarray:
    """Monthly probability that a shock starts: about 2 % a year for the most stable, 30 % for the least."""
    return 0.0015 + 0.03 * (1 - stability) ** 1.5


def _evolve(
    rng: np.random.Generator, stability: np.ndarray, base: np.ndarray, months: int, common: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shock spells (geometric durations, mean six months) and AR(1) noise around a static ``base`` stress."""
    n = len(stability)
    hazard = _shock_hazard(stability)
    shock = np.zeros((n, months), dtype=bool)
    stress = np.empty((n, months), dtype=np.float32)
    remaining = np.where(rng.random(n) < hazard * 6, rng.geometric(1 / 6, n), 0)
    severity = rng.uniform(0.6, 1.6, n).astype(np.float32)
    noise = rng.normal(0, 0.55, n).astype(np.float32)
    for month in range(months):
        starts = np.flatnonzero((remaining == 0) & (rng.random(n) < hazard))
        remaining[starts] = rng.geometric(1 / 6, len(starts))
        severity[starts] = rng.uniform(0.6, 1.6, len(starts))
        active = remaining > 0
        shock[:, month] = active
        noise *= 0.8
        noise += rng.standard_normal(n, dtype=np.float32) * np.float32(0.33)
        value = base + noise
        value[active] += np.float32(1.9) * severity[active]
        if common is not None:
            value += common[:, month]
        stress[:, month] = value
        remaining[active] -= 1
    return shock, stress


def _standardize(values: np.ndarray) -> np.ndarray:
    return np.asarray((values - values.mean()) / (values.std() or 1.0), dtype=np.float32)


def build_person_state(params: CityParams, persons: Persons) -> LatentState:
    rng = stream(params.seed, "latent", "persons")
    n = persons.n
    months = params.months + HISTORY_MONTHS
    household_income = np.bincount(persons.household, weights=persons.monthly_income)
    household_size = np.bincount(persons.household)
    per_capita = (household_income / np.maximum(household_size, 1))[persons.household]
    capacity = _standardize(np.log(600 + 0.6 * persons.monthly_income + 0.4 * per_capita))
    stability = np.zeros(n)
    for job, value in STABILITY.items():
        stability[persons.occupation == job] = value
    stability = np.clip(stability + rng.normal(0, 0.06, n), 0.05, 0.99).astype(np.float32)
    willingness = _standardize(
        rng.normal(0, 1, n) + 0.012 * (persons.age.astype(float) - 40).clip(-20, 30) - 0.08 * persons.education
    )
    base = -0.7 * capacity - 0.9 * willingness + 0.8 * (1 - stability)
    shock, stress = _evolve(rng, stability, base.astype(np.float32), months)
    return LatentState(capacity=capacity, stability=stability, willingness=willingness, shock=shock, stress=stress)


def build_organisation_state(
    params: CityParams, organisations: Organisations, persons: Persons, person_state: LatentState
) -> LatentState:
    rng = stream(params.seed, "latent", "organisations")
    n = organisations.n
    months = params.months + HISTORY_MONTHS
    kind = organisations.kind
    rep = np.maximum(organisations.legal_rep, 0)
    has_rep = organisations.legal_rep >= 0
    size = np.log1p(organisations.employees + organisations.members * 0.3 + organisations.capital_wan / 50)
    capacity = _standardize(size + rng.normal(0, 0.8, n))
    stability = np.select(
        [organisations.soe, kind == OrgKind.PUBLIC, kind == OrgKind.COMPANY, kind == OrgKind.INDIVIDUAL_BUSINESS],
        [0.93, 0.98, 0.66, 0.58],
        0.62,
    ) + rng.normal(0, 0.07, n)
    stability = np.clip(stability, 0.05, 0.99).astype(np.float32)
    # A business's conduct follows its owner's: shops almost entirely, companies partly.
    owner_weight = np.where(kind == OrgKind.INDIVIDUAL_BUSINESS, 0.8, np.where(has_rep, 0.5, 0.0))
    willingness = _standardize(
        owner_weight * person_state.willingness[rep] + np.sqrt(1 - owner_weight**2) * rng.normal(0, 1, n)
    )
    willingness[kind == OrgKind.PUBLIC] = 2.0
    # Industry downturns: two industries each go through a hard year somewhere in the history.
    industries = organisations.industry.astype(np.int64)
    common = np.zeros((n, months), dtype=np.float32)
    for hit in rng.choice(max(1, industries.max() + 1), 2, replace=False):
        start = int(rng.integers(0, months - 12))
        common[industries == hit, start : start + 12] += 0.9
    base = -0.6 * capacity - 0.9 * willingness + 0.9 * (1 - stability)
    shock, stress = _evolve(rng, stability, base.astype(np.float32), months, common)
    stress[kind == OrgKind.PUBLIC] = -3.0
    shock[kind == OrgKind.PUBLIC] = False
    return LatentState(capacity=capacity, stability=stability, willingness=willingness, shock=shock, stress=stress)


def couple_operators(person_state: LatentState, organisation_state: LatentState, organisations: Organisations) -> None:
    """A shop's trouble is its operator's trouble: half of each individual business's stress passes to them."""
    shops = np.flatnonzero((organisations.kind == OrgKind.INDIVIDUAL_BUSINESS) & (organisations.legal_rep >= 0))
    operators = organisations.legal_rep[shops]
    np.add.at(person_state.stress, operators, 0.5 * organisation_state.stress[shops])
    person_state.shock[operators] |= organisation_state.shock[shops]


__all__ = [
    "HISTORY_MONTHS",
    "PD_INTERCEPT",
    "LatentState",
    "build_organisation_state",
    "build_person_state",
    "couple_operators",
]
