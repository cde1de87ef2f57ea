"""Generalization over whole columns (NumPy): learn bands on a population and put values into them, vectorized.

The merging rule and the learned bands are the core's (``puhui.core.generalize``); this module only reduces a
column to fine cells — its distinct values when there are few, else narrow quantile cells — and assigns bands.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from puhui.core.errors import ValidationError
from puhui.core.generalize import MISSING_BAND, BandingPolicy, Bands, merge_into_bands

# Fine cells per column before merging: quantile cells of 0.5 % are far finer than any allowed band.
DEFAULT_RESOLUTION = 200


def _finite(values: ArrayLike) -> NDArray[np.float64]:
    try:
        column: NDArray[np.float64] = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError("only numeric values can be generalized into bands") from None
    if column.ndim != 1:
        raise ValidationError("bands are learned on one column at a time")
    if np.isinf(column).any():
        raise ValidationError("infinite values cannot be generalized into bands")
    finite: NDArray[np.float64] = column[~np.isnan(column)]
    return finite


def fine_cells(values: ArrayLike, resolution: int = DEFAULT_RESOLUTION) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """Thresholds between fine cells and the count in each cell; no cell is empty."""
    column = _finite(values)
    if column.size == 0:
        raise ValidationError("no values to learn bands from")
    distinct, counts = np.unique(column, return_counts=True)
    if distinct.size <= resolution:
        # Cut half-way between neighbouring values, so no threshold is any subject's own value.
        return (distinct[:-1] + distinct[1:]) / 2.0, counts
    # Quantiles that are observed values keep every cell non-empty; the lowest cut must lie above the minimum.
    cuts = np.unique(np.quantile(column, np.linspace(0.0, 1.0, resolution + 1)[1:-1], method="inverted_cdf"))
    cuts = cuts[cuts > distinct[0]]
    return cuts, np.bincount(np.searchsorted(cuts, column, side="right"), minlength=cuts.size + 1)


def fit_bands(values: ArrayLike, policy: BandingPolicy, resolution: int = DEFAULT_RESOLUTION) -> Bands:
    """Bands learned on this population (missing values ignored) under ``policy``."""
    thresholds, counts = fine_cells(values, resolution)
    return merge_into_bands(thresholds.tolist(), counts.tolist(), policy)


def assign_bands(bands: Bands, values: ArrayLike) -> NDArray[np.int_]:
    """The band index of every value, ``MISSING_BAND`` for missing ones; the same answer as ``Bands.band_of``."""
    column = np.asarray(values, dtype=float)
    index = np.searchsorted(np.asarray(bands.thresholds, dtype=float), column, side="right")
    return np.where(np.isnan(column), MISSING_BAND, index)


__all__ = ["DEFAULT_RESOLUTION", "assign_bands", "fine_cells", "fit_bands"]
