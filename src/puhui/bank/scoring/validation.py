"""Out-of-sample validation of a model: stratified k-fold cross-validation and a stratified holdout split."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, train_test_split

from puhui.bank.scoring.metrics import Discrimination, discrimination
from puhui.core.errors import ValidationError


class ProbabilityModel(Protocol):
    def fit(self, X: pd.DataFrame, y: NDArray[np.int_]) -> Any: ...

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]: ...


@dataclass(frozen=True)
class CrossValidation:
    folds: tuple[Discrimination, ...]
    seconds: float

    @property
    def auc(self) -> float:
        return float(np.mean([f.auc for f in self.folds]))

    @property
    def auc_std(self) -> float:
        return float(np.std([f.auc for f in self.folds]))

    @property
    def ks(self) -> float:
        return float(np.mean([f.ks for f in self.folds]))

    @property
    def gini(self) -> float:
        return 2.0 * self.auc - 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "auc": self.auc,
            "auc_std": self.auc_std,
            "ks": self.ks,
            "gini": self.gini,
            "auc_folds": [f.auc for f in self.folds],
            "seconds": self.seconds,
        }


def cross_validate(
    model: ProbabilityModel, X: pd.DataFrame, y: NDArray[np.int_], *, folds: int = 5, seed: int = 0
) -> CrossValidation:
    """AUC and KS of a fresh copy of ``model`` fitted on each training part and scored on the held-out fold;
    nothing (binning, encoding, scaling) sees the fold it is scored on."""
    if folds < 2:
        raise ValidationError("cross-validation needs at least two folds")
    started = time.perf_counter()
    results = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        fitted = clone(model).fit(X.iloc[train], y[train])
        results.append(discrimination(y[test], fitted.predict_proba(X.iloc[test])[:, 1]))
    return CrossValidation(tuple(results), time.perf_counter() - started)


def holdout_split(y: NDArray[np.int_], *, test_share: float, seed: int) -> tuple[NDArray[np.int_], NDArray[np.int_]]:
    """Row positions of a stratified training part and holdout part."""
    positions = np.arange(y.size)
    train, test = train_test_split(positions, test_size=test_share, stratify=y, random_state=seed)
    return np.sort(train), np.sort(test)


__all__ = ["CrossValidation", "ProbabilityModel", "cross_validate", "holdout_split"]
