"""The whole synthetic city in memory: people, organisations, assets and the latent state that drives them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from puhui.synth.assets import Assets, build_assets
from puhui.synth.economy import Employment, Organisations, OrgKind, OrgStatus, build_organisations
from puhui.synth.latent import (
    HISTORY_MONTHS,
    LatentState,
    build_organisation_state,
    build_person_state,
    couple_operators,
)
from puhui.synth.params import CityParams
from puhui.synth.population import Persons, build_persons
from puhui.synth.rand import stream


@dataclass
class City:
    params: CityParams
    persons: Persons
    organisations: Organisations
    employment: Employment
    assets: Assets
    person_state: LatentState
    organisation_state: LatentState
    activity: dict[str, Any] = field(default_factory=dict, repr=False)  # shared behaviour, built once on demand

    @property
    def months(self) -> np.ndarray:
        """Every month of the latent state (history and window), oldest first, ``datetime64[M]``."""
        last = np.datetime64(self.params.as_of, "M")
        return last - np.arange(self.person_state.months - 1, -1, -1)

    @property
    def window_offset(self) -> int:
        """Index of the window's first month in ``months``."""
        return HISTORY_MONTHS


def build_city(params: CityParams) -> City:
    persons = build_persons(params)
    organisations, employment = build_organisations(params, persons)
    person_state = build_person_state(params, persons)
    organisation_state = build_organisation_state(params, organisations, persons, person_state)
    couple_operators(person_state, organisation_state, organisations)
    _close_failed_businesses(params, organisations, organisation_state)
    _rehire_staff_of_closed(params, organisations, employment)
    assets = build_assets(params, persons, organisations, employment)
    return City(params, persons, organisations, employment, assets, person_state, organisation_state)


def _close_failed_businesses(params: CityParams, organisations: Organisations, state: LatentState) -> None:
    """Market exits follow distress: the most stressed (and least compliant) lose their licence, others close."""
    rng = stream(params.seed, "organisations", "exits")
    months = state.months
    market = organisations.kind != OrgKind.PUBLIC
    market[0] = False  # the anchor steel works stays open
    peak = state.stress.max(axis=1)
    revoke_p = 1 / (1 + np.exp(-(peak - 4.2) * 1.5 + 1.2 * state.willingness)) * 0.25
    close_p = np.where(organisations.kind == OrgKind.INDIVIDUAL_BUSINESS, 0.10, 0.07) + 0.03 * (peak > 3)
    draw = rng.random(organisations.n)
    revoked = market & (draw < revoke_p)
    closed = market & ~revoked & (draw < revoke_p + close_p)
    # the exit happens in the month of greatest distress, never before the founding
    worst = state.stress.argmax(axis=1)
    month = np.datetime64(params.as_of, "M") - (months - 1 - worst)
    exit_day = month.astype("datetime64[D]") + rng.integers(0, 28, organisations.n).astype("timedelta64[D]")
    exit_day = np.maximum(exit_day, organisations.established + np.timedelta64(90, "D"))
    exit_day = np.minimum(exit_day, params.as_of_day)
    organisations.status[revoked] = OrgStatus.REVOKED
    organisations.status[closed] = OrgStatus.DEREGISTERED
    organisations.status_date[revoked | closed] = exit_day[revoked | closed]


def _rehire_staff_of_closed(params: CityParams, organisations: Organisations, employment: Employment) -> None:
    """Staff of firms that closed before the window found other work; those of firms closing inside the window
    lose their job then (their contributions stop, the employment change is recorded)."""
    rng = stream(params.seed, "organisations", "rehire")
    gone = organisations.status_date < params.window_start
    employer = employment.employer
    stranded = np.flatnonzero((employer >= 0) & gone[np.maximum(employer, 0)])
    open_firms = np.flatnonzero((organisations.kind == OrgKind.COMPANY) & ~gone & ~organisations.soe)
    weight = organisations.employees[open_firms].astype(float) + 1
    employer[stranded] = rng.choice(open_firms, len(stranded), p=weight / weight.sum())
    employment.hired_on[stranded] = params.window_start - rng.integers(30, 700, len(stranded)).astype("timedelta64[D]")
    organisations.employees[:] = np.bincount(employer[employer >= 0], minlength=organisations.n)


__all__ = ["City", "build_city"]
