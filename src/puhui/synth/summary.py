"""The printed summary of a city against the plausible targets stated in ``docs/synthetic-city.md``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.population import FORMAL, Occupation

if TYPE_CHECKING:
    from puhui.synth.generate import CityOutput


@dataclass(frozen=True)
class SummaryLine:
    label: str
    value: float
    low: float
    high: float
    percent: bool = True

    @property
    def ok(self) -> bool:
        return self.low <= self.value <= self.high

    @property
    def value_text(self) -> str:
        return f"{self.value:.2%}" if self.percent else f"{self.value:,.2f}"

    @property
    def target_text(self) -> str:
        if self.percent:
            return f"{self.low:.1%} – {self.high:.1%}"
        return f"{self.low:,.2f} – {self.high:,.2f}"


@dataclass(frozen=True)
class Summary:
    lines: list[SummaryLine]

    def as_dict(self) -> dict[str, object]:
        return {
            line.label: {"value": round(float(line.value), 6), "low": line.low, "high": line.high, "ok": bool(line.ok)}
            for line in self.lines
        }


def summarize(output: CityOutput) -> Summary:
    city = output.city
    p = city.persons
    o = city.organisations
    n = p.n
    age = p.age
    working_age = (age >= 16) & (age < 60)
    occupation = p.occupation
    employed = np.isin(occupation, (*FORMAL, Occupation.SELF_EMPLOYED, Occupation.FARMER, Occupation.FLEXIBLE))
    family = ~p.collective
    sizes = np.bincount(p.household[family])
    sizes = sizes[sizes > 0]
    per_100k = 100_000 / n
    from puhui.synth.activity import pension_enrolment

    enrolled = pension_enrolment(city).enrolled
    active = o.status == OrgStatus.ACTIVE
    lines = [
        SummaryLine("male share (census 52.26 %)", p.male.mean(), 0.515, 0.530),
        SummaryLine("age 0–14 (census 20.73 %)", (age < 15).mean(), 0.195, 0.22),
        SummaryLine("age 15–59 (census 61.59 %)", ((age >= 15) & (age < 60)).mean(), 0.60, 0.63),
        SummaryLine("age 60+ (census 17.68 %)", (age >= 60).mean(), 0.165, 0.19),
        SummaryLine("age 65+ (census 12.25 %)", (age >= 65).mean(), 0.11, 0.135),
        SummaryLine("family household size (census 2.76)", float(sizes.mean()), 2.45, 2.9, percent=False),
        SummaryLine("migrants (floating population)", p.migrant.mean(), 0.10, 0.16),
        SummaryLine("urban residents (75.08 % in 2023)", p.urban.mean(), 0.70, 0.80),
        SummaryLine("employed, of ages 16–59", employed[working_age].mean(), 0.62, 0.80),
        SummaryLine("formal employees, of ages 16–59", np.isin(occupation, FORMAL)[working_age].mean(), 0.30, 0.50),
        SummaryLine("workers' pension insured, of ages 16–59", enrolled[working_age].mean(), 0.35, 0.60),
        SummaryLine(
            "companies per 100k residents (≈4,000)",
            float(((o.kind == OrgKind.COMPANY) & active).sum() * per_100k),
            3000,
            4500,
            percent=False,
        ),
        SummaryLine(
            "individual businesses per 100k (≈8,700)",
            float(((o.kind == OrgKind.INDIVIDUAL_BUSINESS) & active).sum() * per_100k),
            6500,
            9500,
            percent=False,
        ),
        SummaryLine(
            "cooperatives per 100k (≈160)",
            float(((o.kind == OrgKind.COOPERATIVE) & active).sum() * per_100k),
            100,
            200,
            percent=False,
        ),
        SummaryLine(
            "market entities revoked or deregistered",
            float((o.status != OrgStatus.ACTIVE)[o.kind != OrgKind.PUBLIC].mean()),
            0.05,
            0.20,
        ),
    ]
    bank = _bank_lines(output)
    return Summary(lines + bank)


def _bank_lines(output: CityOutput) -> list[SummaryLine]:
    from puhui.synth.bank import loan_outcomes

    outcomes = loan_outcomes(output.city)
    if outcomes is None or len(outcomes.defaulted) == 0:
        return []
    fragile = outcomes.fragile
    lines = [
        SummaryLine(
            "12-month default rate, matured loans (inclusive NPL 2–3.5 %)",
            float(outcomes.defaulted.mean()),
            0.015,
            0.06,
        )
    ]
    if fragile.any() and (~fragile).any():
        lines.append(
            SummaryLine(
                "default rate among the financially fragile", float(outcomes.defaulted[fragile].mean()), 0.04, 0.25
            )
        )
        lines.append(
            SummaryLine("default rate among the others", float(outcomes.defaulted[~fragile].mean()), 0.005, 0.05)
        )
    return lines


__all__ = ["Summary", "SummaryLine", "summarize"]
