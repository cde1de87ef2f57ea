"""The WoE scorecard: optimal binning of each feature, logistic regression on the weights of evidence, and points.

Points follow the usual scaling: ``base_score`` points at good:bad odds of ``base_odds``, and every ``pdo`` points
more double the odds. A feature's points for an applicant are its bin's share of the score; the gap to the
feature's best bin is its adverse contribution, which is what reason codes are made of.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from optbinning import BinningProcess
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from puhui.bank.scoring.inputs import binary_target, feature_frame
from puhui.core.errors import ValidationError


@contextmanager
def _pandas3_tolerated() -> Iterator[None]:
    """optbinning 1.0 writes a text "Totals" row into a float frame, which pandas 3 warns about; the tables are
    still right, so that one warning is silenced where optbinning is called (and nowhere else)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Setting an item of incompatible dtype", module="optbinning")
        yield


def _bin_text(bin_: Any) -> str:
    """A numeric bin is already text (``[8.50, 11.50)``); a categorical bin is the array of its categories."""
    return ", ".join(map(str, bin_)) if pd.api.types.is_list_like(bin_) else str(bin_)


class WoeScorecard(BaseEstimator):  # type: ignore[misc]
    """A points scorecard; ``predict_proba`` gives the probability of a bad outcome, ``score`` the points."""

    def __init__(
        self,
        *,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        pdo: float = 20.0,
        min_bin_size: float = 0.05,
        max_n_bins: int | None = 8,
        monotonic: bool = True,
        min_iv: float = 0.02,
        C: float = 1.0,
    ) -> None:
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo
        self.min_bin_size = min_bin_size
        self.max_n_bins = max_n_bins
        self.monotonic = monotonic
        self.min_iv = min_iv
        self.C = C

    # -- fitting ---------------------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: ArrayLike) -> Self:
        if self.pdo <= 0 or self.base_odds <= 0:
            raise ValidationError("pdo and base_odds must be positive")
        frame = self._optbinning_input(feature_frame(X))
        target = binary_target(y)
        if len(frame) != target.size:
            raise ValidationError(f"{len(frame)} rows of features but {target.size} labels")
        categorical = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        trend = {"monotonic_trend": "auto_asc_desc"} if self.monotonic else {}
        binning = BinningProcess(
            variable_names=list(frame.columns),
            categorical_variables=categorical,
            min_bin_size=self.min_bin_size,
            max_n_bins=self.max_n_bins,
            selection_criteria={"iv": {"min": self.min_iv}} if self.min_iv > 0 else None,
            binning_fit_params={c: trend for c in frame.columns if c not in categorical},
        )
        with _pandas3_tolerated():
            binning.fit(frame, target)
        selected = [str(name) for name in binning.get_support(names=True)]
        if not selected:
            raise ValidationError(f"no feature reaches an information value of {self.min_iv}")
        woe = np.asarray(binning.transform(frame, metric="woe"), dtype=float)
        logistic = LogisticRegression(C=self.C, max_iter=1000).fit(woe, target)

        self.feature_names_in_ = list(frame.columns)
        self.selected_features_ = selected
        self.binning_process_ = binning
        self.logistic_ = logistic
        self.factor_ = self.pdo / math.log(2.0)
        self.offset_ = self.base_score - self.factor_ * math.log(self.base_odds)
        self.base_points_ = float(self.offset_ - self.factor_ * logistic.intercept_[0])
        # Every bin a feature can fall in appears in the training rows, so its best points are the training maximum.
        self.best_points_ = self._points(woe).max(axis=0)
        return self

    @staticmethod
    def _optbinning_input(frame: pd.DataFrame) -> pd.DataFrame:
        # optbinning prints pandas 3 string arrays into its bin labels; plain objects keep the labels readable.
        text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        return frame.astype(dict.fromkeys(text, object)) if text else frame

    # -- scoring ---------------------------------------------------------------------------------------------
    def _woe(self, X: pd.DataFrame) -> NDArray[np.float64]:
        check_is_fitted(self, "logistic_")
        frame = self._optbinning_input(feature_frame(X, self.feature_names_in_))
        return np.asarray(self.binning_process_.transform(frame, metric="woe"), dtype=float)

    def _points(self, woe: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(-self.factor_ * woe * self.logistic_.coef_[0], dtype=float)

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Columns: probability of good (0), probability of bad (1)."""
        woe = self._woe(X)
        return np.asarray(self.logistic_.predict_proba(woe), dtype=float)

    def score(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Scorecard points: higher is safer; ``pdo`` more points double the good:bad odds."""
        points = self._points(self._woe(X))
        total: NDArray[np.float64] = self.base_points_ + points.sum(axis=1)
        return total

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each selected feature's points for each applicant (the score is these plus ``base_points_``)."""
        points = self._points(self._woe(X))
        return pd.DataFrame(points, index=X.index, columns=self.selected_features_)

    def adverse_contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Points each feature is short of its best bin: 0 where the applicant is in the best bin already."""
        points = self._points(self._woe(X))
        shortfall = self.best_points_ - points
        return pd.DataFrame(np.maximum(shortfall, 0.0), index=X.index, columns=self.selected_features_)

    def points_table(self) -> pd.DataFrame:
        """Feature, bin, training count, bad rate, WoE and points of every bin: the scorecard as a person reads it."""
        check_is_fitted(self, "logistic_")
        coefficients = dict(zip(self.selected_features_, self.logistic_.coef_[0], strict=True))
        parts = []
        with _pandas3_tolerated():
            for feature in self.selected_features_:
                table = self.binning_process_.get_binned_variable(feature).binning_table.build(add_totals=False)
                woe = table["WoE"].astype(float)
                parts.append(
                    pd.DataFrame(
                        {
                            "feature": feature,
                            "bin": table["Bin"].map(_bin_text),
                            "count": table["Count"].astype(int),
                            "bad_rate": table["Event rate"].astype(float),
                            "woe": woe,
                            "points": -self.factor_ * coefficients[feature] * woe,
                        }
                    )
                )
        return pd.concat(parts, ignore_index=True)

    def information_values(self) -> dict[str, float]:
        """Information value of every selected feature on the training data, largest first."""
        check_is_fitted(self, "logistic_")
        values = {
            f: float(self.binning_process_.get_binned_variable(f).binning_table.iv) for f in self.selected_features_
        }
        return dict(sorted(values.items(), key=lambda item: -item[1]))


__all__ = ["WoeScorecard"]
