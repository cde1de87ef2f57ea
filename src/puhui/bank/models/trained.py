"""A trained model as the decision flow uses it, its artefact on disk, and the provider of the current champion
and challenger.

Artefacts are pickles written by ``puhui bank train`` into ``PUHUI_HOME/bank/models`` and checked against the
SHA-256 the registry recorded before they are loaded: a file changed behind the registry's back is refused.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import math
import pickle
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from puhui.bank.db.uow import UnitOfWork
from puhui.bank.decision.model import RiskScore
from puhui.bank.models.features import FeatureKind, features_frame, numeric_value
from puhui.bank.models.registry import ModelStatus, ModelVersion
from puhui.core.errors import ValidationError

ARTEFACT_FORMAT = 1
PD_PLACES = Decimal("0.000001")


@dataclasses.dataclass
class TrainedModel:
    """A fitted estimator (``bank.scoring``) with the features it reads; scores one application's facts."""

    version: str
    kind: str  # "scorecard" | "lightgbm"
    estimator: Any  # predict_proba(X), adverse_contributions(X); a scorecard also score(X) in points
    kinds: dict[str, FeatureKind]

    def __post_init__(self) -> None:
        # One application at a time: LightGBM's thread pool costs more than it saves on a single row.
        booster = getattr(self.estimator, "booster_", None)
        if booster is not None and hasattr(booster, "set_params"):
            booster.set_params(n_jobs=1)
        self._single = _SingleRowGbm.of(self.estimator, self.kinds) or _SingleRowScorecard.of(
            self.estimator, self.kinds
        )

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    def probabilities(self, rows: Sequence[Mapping[str, Any]]) -> NDArray[np.float64]:
        """Probability of default of many applications' facts (validation, monitoring)."""
        frame = features_frame(rows, self.kinds)
        return np.asarray(self.estimator.predict_proba(frame)[:, 1], dtype=float)

    def score(self, facts: Mapping[str, Any]) -> RiskScore:
        if self._single is not None:
            probability, points, contributions = self._single.score(facts)
            return RiskScore(
                self.version,
                Decimal(str(probability)).quantize(PD_PLACES),
                None if points is None else Decimal(str(round(points, 2))),
                contributions,
            )
        # Any other estimator of the scoring package: the batch path on a one-row frame.
        frame = features_frame([facts], self.kinds)
        adverse = self.estimator.adverse_contributions(frame).iloc[0]
        return RiskScore(
            model_version=self.version,
            pd=Decimal(str(float(self.estimator.predict_proba(frame)[0, 1]))).quantize(PD_PLACES),
            points=None,
            contributions={str(name): float(value) for name, value in adverse.items() if value > 0},
        )


class _SingleRowGbm:
    """One application scored by the LightGBM booster on a NumPy row: the probability and the per-feature
    contributions (exact tree SHAP, log-odds) from one call, without the pandas round trip of a batch — the same
    figures as ``GbmModel.predict_proba`` and ``contributions`` (tested), a few times faster."""

    def __init__(self, booster: Any, names: list[str], codes: dict[int, dict[str, float]], numeric: list[bool]):
        self.booster, self.names, self.codes, self.numeric = booster, names, codes, numeric

    @classmethod
    def of(cls, estimator: Any, kinds: Mapping[str, FeatureKind]) -> _SingleRowGbm | None:
        names = getattr(estimator, "feature_names_in_", None)
        categories = getattr(estimator, "categories_", None)
        booster = getattr(getattr(estimator, "booster_", None), "booster_", None)
        if names is None or categories is None or booster is None:
            return None  # not a fitted GbmModel: the batch path serves it
        codes = {
            position: {str(level): float(code) for code, level in enumerate(categories[name])}
            for position, name in enumerate(names)
            if name in categories
        }
        numeric = [kinds.get(name) is FeatureKind.NUMERIC for name in names]
        return cls(booster, list(names), codes, numeric)

    def score(self, facts: Mapping[str, Any]) -> tuple[float, float | None, dict[str, float]]:
        row = np.empty((1, len(self.names)), dtype=np.float64)
        for position, name in enumerate(self.names):
            value = facts.get(name)
            if position in self.codes:
                row[0, position] = math.nan if value is None else self.codes[position].get(str(value), math.nan)
            elif self.numeric[position]:
                number = None if value is None else numeric_value(value)
                row[0, position] = math.nan if number is None else number
            else:
                row[0, position] = math.nan
        contributions = self.booster.predict(row, pred_contrib=True, num_threads=1)[0]
        probability = 1.0 / (1.0 + math.exp(-float(contributions.sum())))
        adverse = {name: float(v) for name, v in zip(self.names, contributions[:-1], strict=True) if v > 0}
        return probability, None, adverse


class _WoeLookup:
    """One binned variable's WoE for a single value without optbinning's array transform (pandas on every call):
    a table computed once at load by that same transform — a value per bin for numbers (the bins found with
    ``bisect_right`` on the splits, as ``np.digitize(right=False)`` does), per category for categories, and the
    missing and unknown values."""

    def __init__(self, binning: Any, numeric: bool) -> None:
        def woe(values: list[Any], dtype: Any) -> list[float]:
            column = np.array(values, dtype=dtype)
            return [float(v) for v in binning.transform(column, metric="woe", metric_special=0, metric_missing=0)]

        self.numeric = numeric
        if numeric:
            self.splits = [float(s) for s in binning.splits]
            first = self.splits[0] - 1.0 if self.splits else 0.0
            self.by_bin = woe([first, *self.splits], float)
            self.missing = woe([math.nan], float)[0]
        else:
            categories = [str(c) for group in binning.splits for c in group]
            self.by_category = dict(zip(categories, woe(categories, object), strict=True))
            self.missing = woe([None], object)[0]
            self.unknown = woe(["\x00unseen category"], object)[0]

    @staticmethod
    def applies(binning: Any, numeric: bool) -> bool:
        """Only plain binnings: special codes, grouped rare categories or user splits keep optbinning's path."""
        return (
            (binning.dtype == "numerical") == numeric
            and binning.special_codes is None
            and getattr(binning, "cat_cutoff", None) is None
            and getattr(binning, "user_splits", None) is None
        )

    def __call__(self, value: Any) -> float:
        if value is None:
            return self.missing
        if self.numeric:
            number = numeric_value(value)
            if number is None or math.isnan(number):
                return self.missing
            return self.by_bin[bisect.bisect_right(self.splits, number)]
        return self.by_category.get(str(value), self.unknown)


class _SingleRowScorecard:
    """One application through a ``WoeScorecard``, variable by variable (a ``_WoeLookup`` table per variable, or
    optbinning's own per-variable transform for an unusual binning), without the frame round trip: probability,
    points and each feature's shortfall from its best bin — the same figures as the batch path (tested)."""

    def __init__(self, estimator: Any, binnings: list[Any], numeric: list[bool]) -> None:
        self.estimator, self.binnings, self.numeric = estimator, binnings, numeric
        self.names: list[str] = list(estimator.selected_features_)
        self.coefficients = np.asarray(estimator.logistic_.coef_[0], dtype=float)
        self.intercept = float(estimator.logistic_.intercept_[0])
        self.lookups = [
            _WoeLookup(binning, is_numeric) if _WoeLookup.applies(binning, is_numeric) else None
            for binning, is_numeric in zip(binnings, numeric, strict=True)
        ]

    @classmethod
    def of(cls, estimator: Any, kinds: Mapping[str, FeatureKind]) -> _SingleRowScorecard | None:
        process = getattr(estimator, "binning_process_", None)
        if process is None or not hasattr(estimator, "logistic_"):
            return None
        names = list(estimator.selected_features_)
        return cls(
            estimator,
            [process.get_binned_variable(name) for name in names],
            [kinds.get(name) is FeatureKind.NUMERIC for name in names],
        )

    def score(self, facts: Mapping[str, Any]) -> tuple[float, float | None, dict[str, float]]:
        woe = np.empty(len(self.names))
        for position, (name, binning, lookup) in enumerate(zip(self.names, self.binnings, self.lookups, strict=True)):
            value = facts.get(name)
            if lookup is not None:
                woe[position] = lookup(value)
                continue
            if self.numeric[position]:
                number = None if value is None else numeric_value(value)
                column = np.array([math.nan if number is None else number], dtype=float)
            else:
                column = np.array([None if value is None else str(value)], dtype=object)
            woe[position] = binning.transform(column, metric="woe", metric_special=0, metric_missing=0)[0]
        probability = 1.0 / (1.0 + math.exp(-(self.intercept + float(self.coefficients @ woe))))
        points = -self.estimator.factor_ * woe * self.coefficients
        shortfall = np.maximum(self.estimator.best_points_ - points, 0.0)
        adverse = {name: float(v) for name, v in zip(self.names, shortfall, strict=True) if v > 0}
        return probability, float(self.estimator.base_points_ + points.sum()), adverse


def save_artefact(model: TrainedModel, folder: Path) -> tuple[str, str]:
    """Write the model; returns the file name and its SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{model.version}.pkl"
    payload = pickle.dumps(
        {
            "format": ARTEFACT_FORMAT,
            "version": model.version,
            "kind": model.kind,
            "estimator": model.estimator,
            "kinds": {k: v.value for k, v in model.kinds.items()},
        },
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    (folder / name).write_bytes(payload)
    return name, hashlib.sha256(payload).hexdigest()


def load_artefact(registered: ModelVersion, folder: Path) -> TrainedModel:
    path = folder / registered.artifact
    try:
        payload = path.read_bytes()
    except OSError as err:
        raise ValidationError(f"model {registered.version}: cannot read {path}: {err}") from None
    expected = registered.metrics.get("artifact_sha256")
    if expected != hashlib.sha256(payload).hexdigest():
        raise ValidationError(f"model {registered.version}: {path.name} does not match the registered checksum")
    content = pickle.loads(payload)  # our own artefact, its checksum checked against the registry
    if content.get("format") != ARTEFACT_FORMAT:
        raise ValidationError(f"model {registered.version}: artefact format {content.get('format')} is not supported")
    kinds = {name: FeatureKind(kind) for name, kind in content["kinds"].items()}
    return TrainedModel(registered.version, content["kind"], content["estimator"], kinds)


class ModelProvider:
    """The current champion and challenger, re-read from the registry at most every ``refresh_seconds`` (a
    promotion made by the CLI reaches a running service without a restart); loaded models are kept."""

    def __init__(self, uow: Callable[[], UnitOfWork], folder: Path, refresh_seconds: float = 5.0) -> None:
        self._uow = uow
        self._folder = folder
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._checked = -float("inf")
        self._loaded: dict[str, TrainedModel] = {}
        self._current: tuple[TrainedModel | None, TrainedModel | None] = (None, None)

    def __call__(self) -> tuple[TrainedModel | None, TrainedModel | None]:
        if time.monotonic() - self._checked < self._refresh:
            return self._current
        with self._lock:
            if time.monotonic() - self._checked >= self._refresh:
                with self._uow() as uow:
                    champions = uow.models.with_status(ModelStatus.CHAMPION)
                    challengers = uow.models.with_status(ModelStatus.CHALLENGER)
                self._current = (self._load(champions), self._load(challengers))
                self._checked = time.monotonic()
        return self._current

    def _load(self, registered: list[ModelVersion]) -> TrainedModel | None:
        if not registered:
            return None
        newest = registered[0]
        if newest.version not in self._loaded:
            self._loaded[newest.version] = load_artefact(newest, self._folder)
        return self._loaded[newest.version]


__all__ = ["ModelProvider", "TrainedModel", "load_artefact", "save_artefact"]
