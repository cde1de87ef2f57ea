"""The gradient-boosted model: a LightGBM binary classifier with regularized defaults and per-feature contributions.

Contributions are LightGBM's exact tree SHAP values in log-odds of a bad outcome: a positive value pushed this
applicant's risk up, which is what a reason code reports.
"""

from __future__ import annotations

from typing import Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from puhui.bank.scoring.inputs import binary_target, feature_frame
from puhui.core.errors import ValidationError


class GbmModel(BaseEstimator):  # type: ignore[misc]
    """Shallow trees, a slow learning rate, large leaves, row and column subsampling and L2 shrinkage: defaults
    that generalize on credit data of a few thousand to a few million rows without per-data-set tuning.

    One thread by default: results do not depend on the machine, and LightGBM's spinning threads slow down
    tenfold when the cores are shared with other work (a service, parallel tests); raise ``n_jobs`` for a
    large training set on an idle machine."""

    def __init__(
        self,
        *,
        n_estimators: int = 300,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 100,
        subsample: float = 0.8,
        colsample_bytree: float = 0.5,
        reg_lambda: float = 5.0,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: pd.DataFrame, y: ArrayLike) -> Self:
        frame = feature_frame(X)
        target = binary_target(y)
        if len(frame) != target.size:
            raise ValidationError(f"{len(frame)} rows of features but {target.size} labels")
        # Text columns become categories whose levels are fixed here, so scoring sees the same codes.
        self.categories_ = {
            str(c): pd.Index(sorted(frame[c].dropna().astype(str).unique()))
            for c in frame.columns
            if not pd.api.types.is_numeric_dtype(frame[c])
        }
        self.feature_names_in_ = list(frame.columns)
        self.booster_ = lgb.LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            verbose=-1,
        ).fit(self._encoded(frame), target)
        return self

    def _encoded(self, frame: pd.DataFrame) -> pd.DataFrame:
        if not self.categories_:
            return frame
        encoded = {}
        for column, levels in self.categories_.items():
            text = frame[column].astype("string")
            # A level never seen in training is scored like a missing value.
            encoded[column] = pd.Categorical(text.where(text.isin(levels)), categories=levels)
        return frame.assign(**encoded)

    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "booster_")
        return self._encoded(feature_frame(X, self.feature_names_in_))

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Columns: probability of good (0), probability of bad (1)."""
        features = self._features(X)
        return np.asarray(self.booster_.predict_proba(features), dtype=float)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's contribution to the log-odds of a bad outcome; with the model's expected log-odds they
        sum to the applicant's log-odds."""
        features = self._features(X)
        values = np.asarray(self.booster_.predict(features, pred_contrib=True), dtype=float)
        return pd.DataFrame(values[:, :-1], index=X.index, columns=self.feature_names_in_)

    def adverse_contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """The contributions that raised the risk; 0 for features that lowered it."""
        return self.contributions(X).clip(lower=0.0)

    def feature_importance(self) -> dict[str, float]:
        """Total gain of every feature's splits, largest first."""
        check_is_fitted(self, "booster_")
        gains = self.booster_.booster_.feature_importance(importance_type="gain")
        ranked = sorted(zip(self.feature_names_in_, map(float, gains), strict=True), key=lambda item: -item[1])
        return dict(ranked)


__all__ = ["GbmModel"]
