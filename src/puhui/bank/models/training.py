"""``puhui bank train``: the training set from replayed history, a scorecard and a gradient-boosted model, their
validation on a later period, the bilingual report, and the registration of both versions (not promoted:
promotion is explicit).

Each row is a past approved loan observed for at least ``min_months_observed`` months, described by exactly the
facts a live decision would have had on its application date: the indicators the government node released as
of that date (``replay``), the bank's own data as of that date, and the application. A loan is *bad* when it
reached ``bad_days_past_due`` days past due (a default reaches 90). The earliest ``1 - validation_share`` of the
loans by application date train the models; the later ones validate them (out of time).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select

from puhui.bank.db.tables import PastApplicationRow, ReceivedIndicatorsRow
from puhui.bank.decision.facts import build_facts
from puhui.bank.decision.model import Application
from puhui.bank.decision.use_cases import DecisionContext
from puhui.bank.models.features import FeatureKind, features_frame, infer_kinds, model_fact_names
from puhui.bank.models.registry import ModelStatus, ModelVersion
from puhui.bank.models.replay import training_population
from puhui.bank.models.trained import TrainedModel, save_artefact
from puhui.bank.scoring.gbm import GbmModel
from puhui.bank.scoring.metrics import calibration_table, discrimination, psi
from puhui.bank.scoring.report import ModelReport, write_model_report
from puhui.bank.scoring.scorecard import WoeScorecard
from puhui.core.errors import NotFound, ValidationError
from puhui.core.i18n import Text
from puhui.core.ids import SubjectKind


@dataclasses.dataclass(frozen=True, slots=True)
class TrainingOptions:
    min_months_observed: int = 6
    bad_days_past_due: int = 30
    validation_share: float = 0.3
    seed: int = 0


@dataclasses.dataclass
class TrainingSet:
    application_ids: list[str]
    dates: list[dt.date]
    rows: list[dict[str, Any]]
    labels: NDArray[np.int_]
    skipped: int  # past applications of the population without replayed indicators or with an unknown product

    def split(self, validation_share: float) -> tuple[NDArray[np.bool_], dt.date]:
        """A mask of the training rows (earlier) and the first day of the validation period (later)."""
        if len(self.dates) < 10:
            raise ValidationError(f"only {len(self.dates)} past loans to learn from: replay the history first")
        ordered = sorted(self.dates)
        cut = ordered[min(len(ordered) - 1, int(len(ordered) * (1 - validation_share)))]
        train = np.array([day < cut for day in self.dates])
        if train.all() or not train.any():
            raise ValidationError("the history spans too few days to validate on a later period")
        return train, cut


@dataclasses.dataclass(frozen=True, slots=True)
class TrainedVersion:
    version: str
    kind: str
    metrics: dict[str, Any]
    report: Path  # written only when the validation period holds goods and bads


@dataclasses.dataclass(frozen=True, slots=True)
class TrainingResult:
    versions: tuple[TrainedVersion, ...]
    rows: int
    bads: int
    skipped: int
    validation_from: dt.date
    notes: tuple[str, ...]  # models that could not be fitted, and why


def build_training_set(ctx: DecisionContext, options: TrainingOptions) -> TrainingSet:
    with ctx.uow() as uow:
        latest = (
            select(ReceivedIndicatorsRow.application_id, func.max(ReceivedIndicatorsRow.id).label("id"))
            .group_by(ReceivedIndicatorsRow.application_id)
            .subquery()
        )
        past = PastApplicationRow
        rows = uow.session.execute(
            select(
                past.application_id,
                past.subject_id,
                past.subject_kind,
                past.product,
                past.amount,
                past.term_months,
                past.applied_on,
                past.defaulted,
                past.max_days_past_due,
                ReceivedIndicatorsRow.values,
            )
            .join(latest, latest.c.application_id == PastApplicationRow.application_id, isouter=True)
            .join(ReceivedIndicatorsRow, ReceivedIndicatorsRow.id == latest.c.id, isouter=True)
            .where(training_population(options.min_months_observed))
            .order_by(PastApplicationRow.applied_on, PastApplicationRow.application_id)
        ).all()
    ids, dates, facts, labels, skipped = [], [], [], [], 0
    for application_id, subject, kind, product, amount, term, applied_on, defaulted, worst, indicators in rows:
        try:
            segment = ctx.ruleset.product(product).segment
        except NotFound:
            skipped += 1
            continue
        if indicators is None:  # not replayed (yet): it cannot be described point in time
            skipped += 1
            continue
        application = Application(application_id, SubjectKind(kind), subject, product, amount, term, applied_on)
        own = ctx.own_data.facts(subject, applied_on)
        facts.append(build_facts(application, indicators, own, segment.value))
        ids.append(application_id)
        dates.append(applied_on)
        labels.append(int(defaulted or (worst or 0) >= options.bad_days_past_due))
    return TrainingSet(ids, dates, facts, np.array(labels, dtype=int), skipped)


def train_models(
    ctx: DecisionContext,
    models_dir: Path,
    reports_dir: Path,
    options: TrainingOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> TrainingResult:
    """Train, validate out of time, report and register a scorecard and a gradient-boosted model."""
    options = options or TrainingOptions()
    say = progress or (lambda _step: None)
    say("building the training set")
    data = build_training_set(ctx, options)
    train, validation_from = data.split(options.validation_share)
    if data.labels[train].min() == data.labels[train].max():
        raise ValidationError("the training period holds only goods or only bads: nothing to learn from")
    names = sorted({name for row in data.rows for name in model_fact_names(row)})
    train_rows = [row for row, keep in zip(data.rows, train, strict=True) if keep]
    informative = [name for name in names if _varies(row.get(name) for row in train_rows)]
    sample = _Sample(data, train, infer_kinds(data.rows, informative), validation_from, options)
    stamp = ctx.clock().strftime("%Y%m%d%H%M%S")
    rows = int(train.sum())
    small = rows < 5_000  # a young portfolio: few bads, so shallow trees on large leaves
    gbm = GbmModel(
        n_estimators=200 if small else 300,
        num_leaves=4 if small else 15,
        min_child_samples=max(20, rows // 20) if small else 100,
        random_state=options.seed,
    )
    candidates: list[tuple[str, Any]] = [
        ("scorecard", WoeScorecard(min_bin_size=0.05, max_n_bins=6, min_iv=0.02)),
        ("lightgbm", gbm),
    ]
    versions, notes = [], []
    for kind, estimator in candidates:
        say(f"fitting and validating the {kind}")
        try:
            versions.append(_train_one(ctx, f"{kind}-{stamp}", kind, estimator, sample, models_dir, reports_dir))
        except ValidationError as err:
            notes.append(f"{kind}: {err.message}")
    return TrainingResult(
        tuple(versions), len(data.rows), int(data.labels.sum()), data.skipped, validation_from, tuple(notes)
    )


@dataclasses.dataclass
class _Sample:
    data: TrainingSet
    train: NDArray[np.bool_]
    kinds: dict[str, FeatureKind]
    validation_from: dt.date
    options: TrainingOptions

    def rows(self, training: bool) -> list[dict[str, Any]]:
        return [row for row, keep in zip(self.data.rows, self.train, strict=True) if keep == training]

    def labels(self, training: bool) -> NDArray[np.int_]:
        return self.data.labels[self.train if training else ~self.train]

    def period(self, training: bool) -> tuple[dt.date, dt.date]:
        days = [d for d, keep in zip(self.data.dates, self.train, strict=True) if keep == training]
        return min(days), max(days)


def _train_one(
    ctx: DecisionContext,
    version: str,
    kind: str,
    estimator: Any,
    sample: _Sample,
    models_dir: Path,
    reports_dir: Path,
) -> TrainedVersion:
    train_rows, valid_rows = sample.rows(True), sample.rows(False)
    y_train, y_valid = sample.labels(True), sample.labels(False)
    estimator.fit(features_frame(train_rows, sample.kinds), y_train)
    model = TrainedModel(version, kind, estimator, sample.kinds)
    risk_train, risk_valid = model.probabilities(train_rows), model.probabilities(valid_rows)
    metrics = _metrics(y_train, risk_train, y_valid, risk_valid)
    train_period, valid_period = sample.period(True), sample.period(False)
    metrics["periods"] = {
        "train": [day.isoformat() for day in train_period],
        "validation": [day.isoformat() for day in valid_period],
    }
    options = sample.options
    metrics["bad_definition"] = (
        f"{options.bad_days_past_due}+ days past due; loans observed {options.min_months_observed}+ months"
    )
    report_path = reports_dir / f"{version}.html"
    if y_valid.min() != y_valid.max():  # a validation period without both goods and bads has no curves to draw
        scorecard = kind == "scorecard"
        write_model_report(
            ModelReport(
                title=Text(zh=f"风险模型验证报告 {version}", en=f"risk model validation report {version}"),
                model_kind=kind,
                y_valid=y_valid,
                risk_valid=risk_valid,
                risk_reference=risk_train,
                score_valid=estimator.score(features_frame(valid_rows, sample.kinds)) if scorecard else None,
                score_reference=estimator.score(features_frame(train_rows, sample.kinds)) if scorecard else None,
                details={
                    "version": version,
                    "train": (
                        f"{train_period[0]} – {train_period[1]}: {len(train_rows)} loans, {int(y_train.sum())} bad"
                    ),
                    "validation": (
                        f"{valid_period[0]} – {valid_period[1]}: {len(valid_rows)} loans, {int(y_valid.sum())} bad"
                    ),
                    "bad": metrics["bad_definition"],
                },
                features=_importance(kind, estimator),
            ),
            report_path,
        )
        metrics["report"] = str(report_path)
    artifact, digest = save_artefact(model, models_dir)
    metrics["artifact_sha256"] = digest
    now = ctx.clock()
    with ctx.uow() as uow:
        uow.models.add(ModelVersion(version, kind, ModelStatus.REGISTERED, artifact, model.features, metrics, now, now))
        uow.commit()
    return TrainedVersion(version, kind, metrics, report_path)


def _varies(values: Any) -> bool:
    """A feature a model can learn from: at least two different values seen in training (missing is no value)."""
    seen: set[str] = set()
    for value in values:
        if value is not None:
            seen.add(str(value))
            if len(seen) > 1:
                return True
    return False


def _metrics(
    y_train: NDArray[np.int_],
    risk_train: NDArray[np.float64],
    y_valid: NDArray[np.int_],
    risk_valid: NDArray[np.float64],
) -> dict[str, Any]:
    def figures(y: NDArray[np.int_], risk: NDArray[np.float64]) -> dict[str, Any]:
        result: dict[str, Any] = {"rows": int(y.size), "bads": int(y.sum()), "bad_rate": float(y.mean())}
        if y.min() != y.max():
            found = discrimination(y, risk)
            calibration = calibration_table(y, risk, bins=5)
            result |= {"auc": found.auc, "ks": found.ks, "gini": found.gini, "calibration_max_gap": calibration.max_gap}
        result["mean_pd"] = float(risk.mean())
        return result

    validation = figures(y_valid, risk_valid)
    validation["psi"] = psi(risk_train, risk_valid)
    return {"training": figures(y_train, risk_train), "validation": validation}


def _importance(kind: str, estimator: Any) -> list[tuple[str, float]]:
    ranked = estimator.information_values() if kind == "scorecard" else estimator.feature_importance()
    return list(ranked.items())[:20]


__all__ = ["TrainedVersion", "TrainingOptions", "TrainingResult", "TrainingSet", "build_training_set", "train_models"]
