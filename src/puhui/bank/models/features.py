"""From facts to model features, the same way when training and when deciding one application.

A model reads every ``indicator.*`` and ``bank.*`` fact plus a few of the application's; each feature is numeric
(flags become 0/1, counts and amounts numbers) or categorical (band labels, grades), fixed at training time so
one application is encoded exactly as the training rows were.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

MODEL_FACT_PREFIXES = ("indicator.", "bank.")
MODEL_APPLICATION_FACTS = ("applicant.age", "applicant.segment", "application.amount", "application.term_months")


class FeatureKind(enum.StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


def model_fact_names(facts: Mapping[str, Any]) -> list[str]:
    return sorted(name for name in facts if name.startswith(MODEL_FACT_PREFIXES) or name in MODEL_APPLICATION_FACTS)


def infer_kinds(rows: Sequence[Mapping[str, Any]], names: Iterable[str]) -> dict[str, FeatureKind]:
    """Numeric when every present value is a flag or a number, categorical otherwise."""
    kinds = {}
    for name in names:
        present = [row.get(name) for row in rows if row.get(name) is not None]
        numeric = all(numeric_value(value) is not None for value in present)
        kinds[name] = FeatureKind.NUMERIC if numeric else FeatureKind.CATEGORICAL
    return kinds


def features_frame(rows: Sequence[Mapping[str, Any]], kinds: Mapping[str, FeatureKind]) -> pd.DataFrame:
    """One row per fact mapping, one column per feature in ``kinds`` (missing facts are missing values)."""
    columns: dict[str, Any] = {}
    for name, kind in kinds.items():
        values = [row.get(name) for row in rows]
        if kind is FeatureKind.NUMERIC:
            numbers = [numeric_value(v) for v in values]  # a value that is no number (a stray label) is missing
            columns[name] = np.array([math.nan if n is None else n for n in numbers], dtype=float)
        else:
            columns[name] = pd.Series([None if v is None else str(v) for v in values], dtype=object)
    return pd.DataFrame(columns, index=range(len(rows)))


def numeric_value(value: Any) -> float | None:
    """A flag as 0/1, a count or an amount as a float; None for anything else (a band label)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return 1.0 if lowered == "true" else 0.0
        try:
            return float(lowered)
        except ValueError:
            return None
    return None


__all__ = [
    "MODEL_APPLICATION_FACTS",
    "MODEL_FACT_PREFIXES",
    "FeatureKind",
    "features_frame",
    "infer_kinds",
    "model_fact_names",
]
