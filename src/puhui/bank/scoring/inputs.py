"""Input checks shared by the scoring estimators and benchmarks: feature frames, 0/1 targets, labelled CSV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from puhui.core.errors import ValidationError


def feature_frame(X: pd.DataFrame, expected: list[str] | None = None) -> pd.DataFrame:
    """``X`` as a frame with string column names, in the column order seen at fit time when ``expected`` is given."""
    if not isinstance(X, pd.DataFrame):
        raise ValidationError("features must be a pandas DataFrame with named columns")
    if X.empty:
        raise ValidationError("no rows to score")
    frame = X.rename(columns=str)
    if expected is None:
        return frame
    missing = [name for name in expected if name not in frame.columns]
    if missing:
        raise ValidationError(f"features missing: {', '.join(missing)}")
    return frame[expected]


def binary_target(y: ArrayLike) -> NDArray[np.int_]:
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValidationError("the target must be one-dimensional")
    if not np.isin(labels, (0, 1)).all():
        raise ValidationError("the target must be 0 (good) or 1 (bad)")
    if labels.size and labels.min() == labels.max():
        raise ValidationError("the target holds only one class; a model needs both goods and bads")
    return labels.astype(int)


def target_from_column(column: pd.Series, bad: str | None = None) -> NDArray[np.int_]:
    """1 where the label is ``bad`` (when named), else the label itself, which must then be 0/1."""
    if column.isna().any():
        raise ValidationError(f"label column {column.name!r} has missing values")
    if bad is not None:
        values = column.astype(str)
        if not (values == bad).any():
            raise ValidationError(f"label column {column.name!r} never holds the bad value {bad!r}")
        return binary_target((values == bad).to_numpy().astype(int))
    if not pd.api.types.is_numeric_dtype(column):
        raise ValidationError(f"label column {column.name!r} is not 0/1; name its bad value with --bad")
    return binary_target(column.to_numpy())


def read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise ValidationError(f"no such file: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ValidationError(f"{path} is not a readable CSV file: {err}") from None


def labelled_frame(path: Path, label: str, bad: str | None = None) -> tuple[pd.DataFrame, NDArray[np.int_]]:
    """Features and 0/1 target from a CSV file with a label column."""
    frame = read_csv(path)
    if label not in frame.columns:
        raise ValidationError(f"{path} has no label column {label!r}")
    return frame.drop(columns=[label]), target_from_column(frame[label], bad)


__all__ = ["binary_target", "feature_frame", "labelled_frame", "read_csv", "target_from_column"]
