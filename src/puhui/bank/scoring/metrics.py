"""How well a risk model separates, ranks and calibrates: AUC, KS, Gini, PSI and the calibration table.

Convention throughout: ``y`` is 1 for a bad outcome (default) and 0 for a good one, and ``risk`` is any number
that rises with the risk of default (a probability of default, or minus the scorecard points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import roc_auc_score, roc_curve

from puhui.core.errors import ValidationError

# Shares below this count as this in PSI, so an empty bin adds a large but finite term instead of infinity.
PSI_FLOOR = 1e-4


def _binary(y: ArrayLike) -> NDArray[np.int_]:
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.size == 0:
        raise ValidationError("labels must be a non-empty one-dimensional array")
    if not np.isin(labels, (0, 1)).all():
        raise ValidationError("labels must be 0 (good) or 1 (bad)")
    if labels.min() == labels.max():
        raise ValidationError("labels hold only one class; AUC and KS need both goods and bads")
    return labels.astype(int)


def _risk(risk: ArrayLike, n: int) -> NDArray[np.float64]:
    values = np.asarray(risk, dtype=float)
    if values.shape != (n,):
        raise ValidationError(f"expected {n} risk values, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValidationError("risk values must be finite numbers")
    return values


def auc(y: ArrayLike, risk: ArrayLike) -> float:
    """Area under the ROC curve: the chance that a random bad ranks riskier than a random good."""
    labels = _binary(y)
    return float(roc_auc_score(labels, _risk(risk, labels.size)))


def gini(y: ArrayLike, risk: ArrayLike) -> float:
    """The accuracy ratio, 2·AUC − 1."""
    return 2.0 * auc(y, risk) - 1.0


@dataclass(frozen=True)
class KsCurve:
    """Cumulative shares of bads and goods captured as the cut-off moves from the riskiest applicant down."""

    population_share: NDArray[np.float64]
    bad_share: NDArray[np.float64]
    good_share: NDArray[np.float64]

    @property
    def ks(self) -> float:
        return float(np.max(self.bad_share - self.good_share))

    @property
    def at(self) -> float:
        """The population share at which the two curves are furthest apart."""
        return float(self.population_share[int(np.argmax(self.bad_share - self.good_share))])


def ks_curve(y: ArrayLike, risk: ArrayLike) -> KsCurve:
    labels = _binary(y)
    false_positive, true_positive, _ = roc_curve(labels, _risk(risk, labels.size), drop_intermediate=False)
    bads = labels.sum()
    population = (true_positive * bads + false_positive * (labels.size - bads)) / labels.size
    return KsCurve(population, true_positive, false_positive)


def ks(y: ArrayLike, risk: ArrayLike) -> float:
    """Kolmogorov–Smirnov statistic: the largest gap between the bads' and the goods' cumulative shares."""
    return ks_curve(y, risk).ks


@dataclass(frozen=True)
class Discrimination:
    auc: float
    ks: float
    gini: float


def discrimination(y: ArrayLike, risk: ArrayLike) -> Discrimination:
    value = auc(y, risk)
    return Discrimination(auc=value, ks=ks(y, risk), gini=2.0 * value - 1.0)


def _quantile_edges(values: NDArray[np.float64], bins: int) -> NDArray[np.float64]:
    """Inner cut points of ``bins`` equal-count bins (fewer where values tie)."""
    return np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)[1:-1]))


@dataclass(frozen=True)
class PsiTable:
    """Bins cut at the expected (reference) distribution's quantiles; ``edges`` are the inner cut points."""

    edges: NDArray[np.float64]
    expected_share: NDArray[np.float64]
    actual_share: NDArray[np.float64]

    @property
    def contributions(self) -> NDArray[np.float64]:
        expected = np.maximum(self.expected_share, PSI_FLOOR)
        actual = np.maximum(self.actual_share, PSI_FLOOR)
        return np.asarray((actual - expected) * np.log(actual / expected), dtype=float)

    @property
    def psi(self) -> float:
        return float(self.contributions.sum())


def psi_table(expected: ArrayLike, actual: ArrayLike, bins: int = 10) -> PsiTable:
    if bins < 2:
        raise ValidationError("PSI needs at least two bins")
    reference = np.asarray(expected, dtype=float)
    current = np.asarray(actual, dtype=float)
    if reference.size == 0 or current.size == 0:
        raise ValidationError("PSI needs two non-empty score distributions")
    edges = _quantile_edges(reference, bins)
    cells = edges.size + 1
    expected_share = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=cells) / reference.size
    actual_share = np.bincount(np.searchsorted(edges, current, side="right"), minlength=cells) / current.size
    return PsiTable(edges, expected_share, actual_share)


def psi(expected: ArrayLike, actual: ArrayLike, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected``: below 0.1 stable, above 0.25 shifted."""
    return psi_table(expected, actual, bins).psi


@dataclass(frozen=True)
class CalibrationTable:
    """Per bin of predicted probability (deciles by default): how many, predicted and observed bad rates."""

    count: NDArray[np.int_]
    predicted: NDArray[np.float64]
    observed: NDArray[np.float64]

    @property
    def max_gap(self) -> float:
        return float(np.max(np.abs(self.predicted - self.observed)))


def calibration_table(y: ArrayLike, probability: ArrayLike, bins: int = 10) -> CalibrationTable:
    labels = np.asarray(y).astype(float)
    predicted = _risk(probability, labels.size)
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValidationError("labels must be 0 (good) or 1 (bad)")
    if ((predicted < 0) | (predicted > 1)).any():
        raise ValidationError("calibration needs probabilities between 0 and 1")
    edges = _quantile_edges(predicted, bins)
    cell = np.searchsorted(edges, predicted, side="right")
    count = np.bincount(cell, minlength=edges.size + 1)
    filled = count > 0
    sums = np.bincount(cell, weights=predicted, minlength=edges.size + 1)[filled]
    bads = np.bincount(cell, weights=labels, minlength=edges.size + 1)[filled]
    return CalibrationTable(count[filled], sums / count[filled], bads / count[filled])


__all__ = [
    "CalibrationTable",
    "Discrimination",
    "KsCurve",
    "PsiTable",
    "auc",
    "calibration_table",
    "discrimination",
    "gini",
    "ks",
    "ks_curve",
    "psi",
    "psi_table",
]
