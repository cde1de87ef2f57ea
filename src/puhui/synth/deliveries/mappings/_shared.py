"""Small helpers the mappings share: codes by meaning, case and document numbers, dates and money."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.core.catalog import DatasetSpec
from puhui.synth import reference as ref
from puhui.synth.text import integers, join, pick, zero_padded


def codes_of(spec: DatasetSpec, field: str) -> list[str]:
    try:
        return list(spec.field(field).codes or {})
    except Exception:  # the field is not in this version of the catalog: the filler will handle it
        return []


def code_choice(
    spec: DatasetSpec, field: str, rng: np.random.Generator, n: int, weights: dict[str, float] | None = None
) -> pa.Array | None:
    """Codes of ``field`` drawn with the given weights (by code); codes not named get a small weight."""
    codes = codes_of(spec, field)
    if not codes:
        return None
    w = np.array([(weights or {}).get(code, 0.05 if weights else 1.0) for code in codes], dtype=float)
    return pick(codes, rng.choice(len(codes), n, p=w / w.sum()))


def code_where(spec: DatasetSpec, field: str, choice: np.ndarray, options: Sequence[str]) -> pa.Array | None:
    """``options[choice[i]]`` per row, each option a code of ``field`` (or the first code if the catalog lacks it)."""
    codes = codes_of(spec, field)
    if not codes:
        return None
    resolved = [option if option in codes else codes[0] for option in options]
    return pick(resolved, choice)


def year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def case_numbers(years: np.ndarray, court: np.ndarray, kind: str, number: np.ndarray) -> pa.Array:
    """``(2025)赣0502执1234号`` from the filing year, the court (index into COURTS), the case kind and number."""
    return join("(", integers(years), ")", pick([c[1] for c in ref.COURTS], court), kind, integers(number), "号")


def document_numbers(prefix: str, years: np.ndarray, serial: np.ndarray) -> pa.Array:
    """``余市监罚〔2025〕123号``-style numbers."""
    return join(prefix, "〔", integers(years), "〕", integers(serial), "号")


def serials(prefix: str, n: int, width: int = 10, start: int = 1) -> pa.Array:
    return join(prefix, zero_padded(np.arange(start, start + n), width))


def days_after(
    days: np.ndarray, rng: np.random.Generator, low: int, high: int, cap: np.datetime64 | None = None
) -> np.ndarray:
    later = np.asarray(days, dtype="datetime64[D]") + rng.integers(low, high + 1, len(days)).astype("timedelta64[D]")
    return np.asarray(later if cap is None else np.minimum(later, cap))


def nat_unless(mask: np.ndarray, days: np.ndarray) -> np.ndarray:
    return np.where(mask, days, np.datetime64("NaT"))


def null_unless(mask: np.ndarray, array: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), array, pa.scalar(None, array.type))


def money(values: np.ndarray) -> np.ndarray:
    return np.round(values, 2)


def day_of_year(years: np.ndarray, month: int, day: int) -> np.ndarray:
    """The given month and day of each year, ``datetime64[D]`` (``day`` past the month's end spills over)."""
    months = (np.asarray(years, dtype=np.int64) - 1970) * 12 + (month - 1)
    return np.asarray(months.astype("datetime64[M]").astype("datetime64[D]") + np.timedelta64(day - 1, "D"))


def month_start(months: np.ndarray) -> np.ndarray:
    return np.asarray(months, dtype="datetime64[M]").astype("datetime64[D]")


__all__ = [
    "case_numbers",
    "code_choice",
    "code_where",
    "codes_of",
    "day_of_year",
    "days_after",
    "document_numbers",
    "money",
    "month_start",
    "nat_unless",
    "null_unless",
    "serials",
    "year_of",
]
