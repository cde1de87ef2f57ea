"""The loan prime rate (贷款市场报价利率, LPR): the published history as a declarative table, and the rate in force.

The table is ``puhui/definitions/rates/lpr.yaml``: one row per monthly fixing, in percent. A fixing is in force
from its publication day (the 20th) until the next one; a date after the last row keeps the last fixing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from puhui.core.errors import DefinitionError, NotFound

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class LprFixing:
    published: dt.date
    one_year: Decimal  # fractions: 0.0345 is 3.45 %
    over_five_years: Decimal


@dataclass(frozen=True)
class LprTable:
    version: int
    fixings: tuple[LprFixing, ...]  # oldest first

    def fixing_on(self, day: dt.date) -> LprFixing:
        """The fixing in force on ``day``."""
        current: LprFixing | None = None
        for fixing in self.fixings:
            if fixing.published > day:
                break
            current = fixing
        if current is None:
            raise NotFound(f"no LPR was in force on {day}: the reformed LPR starts on {self.fixings[0].published}")
        return current

    def one_year_on(self, day: dt.date) -> Decimal:
        return self.fixing_on(day).one_year


def parse_lpr_table(text: str) -> LprTable:
    try:
        raw: dict[str, Any] = yaml.safe_load(text)
        day = int(raw.get("published_on_day", 20))
        fixings = []
        for month, (one_year, five_years) in raw["fixings"].items():
            year, number = (int(part) for part in str(month).split("-"))
            fixings.append(
                LprFixing(dt.date(year, number, day), Decimal(one_year) / HUNDRED, Decimal(five_years) / HUNDRED)
            )
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as err:
        raise DefinitionError(f"LPR table: {err}") from None
    fixings.sort(key=lambda f: f.published)
    if not fixings:
        raise DefinitionError("the LPR table is empty")
    return LprTable(version=int(raw.get("version", 1)), fixings=tuple(fixings))


@cache
def load_lpr_table() -> LprTable:
    """The LPR history shipped with this version of puhui."""
    text = (resources.files("puhui.definitions") / "rates" / "lpr.yaml").read_text(encoding="utf-8")
    return parse_lpr_table(text)


__all__ = ["LprFixing", "LprTable", "load_lpr_table", "parse_lpr_table"]
