"""What a synthetic city is made from: its size, seed, reference date, window and bad-row rate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from puhui.core.errors import ValidationError

# Bump when the output for a given seed changes on purpose; it is written into every manifest.
GENERATOR_VERSION = 1
GENERATOR = f"puhui-synth {GENERATOR_VERSION}"
DEFAULT_AS_OF = dt.date(2026, 10, 31)

# Market entities per resident, scaled from the national counts of September 2023 (doc §1.7).
COMPANIES_PER_PERSON = 0.040
INDIVIDUAL_BUSINESSES_PER_PERSON = 0.087
COOPERATIVES_PER_PERSON = 0.0016


@dataclass(frozen=True)
class CityParams:
    persons: int
    seed: int = 7
    companies: int | None = None  # class-91 enterprises; scales with persons when not given
    as_of: dt.date = DEFAULT_AS_OF
    months: int = 24  # length of the monthly series, ending with the as-of month
    bad_rate: float = 0.005

    def __post_init__(self) -> None:
        if self.persons < 1000:
            raise ValidationError("a city needs at least 1000 persons")
        if not 0 <= self.bad_rate < 0.2:
            raise ValidationError("the bad-row rate must be between 0 and 0.2")
        if self.months < 12:
            raise ValidationError("the monthly series need at least 12 months")
        if self.as_of > dt.date.today():
            raise ValidationError("the as-of date cannot be in the future (birth dates must be in the past)")

    @property
    def n_companies(self) -> int:
        return self.companies if self.companies is not None else max(20, round(self.persons * COMPANIES_PER_PERSON))

    @property
    def n_individual_businesses(self) -> int:
        return max(20, round(self.persons * INDIVIDUAL_BUSINESSES_PER_PERSON))

    @property
    def n_cooperatives(self) -> int:
        return max(3, round(self.persons * COOPERATIVES_PER_PERSON))

    @property
    def as_of_day(self) -> np.datetime64:
        return np.datetime64(self.as_of, "D")

    @property
    def window(self) -> np.ndarray:
        """The months of the monthly series, oldest first (``datetime64[M]``)."""
        last = np.datetime64(self.as_of, "M")
        return last - np.arange(self.months - 1, -1, -1)

    @property
    def window_start(self) -> np.datetime64:
        return np.datetime64(self.window[0], "D")


__all__ = ["DEFAULT_AS_OF", "GENERATOR", "GENERATOR_VERSION", "CityParams"]
