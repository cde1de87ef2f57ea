"""The model report: one self-contained, bilingual (zh-CN first, en) HTML page on a model's validation.

It shows AUC, KS, Gini, PSI and calibration with five plots — ROC, KS curve, score distribution, calibration and
PSI — drawn with matplotlib (Agg) and embedded as base64 PNG, so the page opens offline and loads nothing.
Plot text is English because the nodes carry no CJK font; every caption around the plots is bilingual.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import roc_curve

from puhui.bank.scoring.metrics import calibration_table, discrimination, ks_curve, psi_table
from puhui.core.errors import ValidationError
from puhui.core.i18n import Text

PSI_STABLE, PSI_SHIFTED = 0.10, 0.25


@dataclass(frozen=True)
class ModelReport:
    """What a report is made of. ``risk_*`` are probabilities of a bad outcome; ``score_*`` the points shown in
    the distribution and PSI plots (the scorecard's points; the probability itself when omitted)."""

    title: Text
    model_kind: str
    y_valid: ArrayLike
    risk_valid: ArrayLike
    risk_reference: ArrayLike  # the training (development) sample, which PSI compares the validation with
    score_valid: ArrayLike | None = None
    score_reference: ArrayLike | None = None
    details: Mapping[str, str] = field(default_factory=dict)  # version, periods, row counts …
    feature_heading: Text = field(default_factory=lambda: Text(zh="特征重要性", en="feature importance"))
    features: Sequence[tuple[str, float]] = ()


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _axes(title: str) -> tuple[Figure, Any]:
    # Figures are made without pyplot (PNG is drawn by the Agg backend): no global state, safe in a server thread.
    figure = Figure(figsize=(5.2, 3.8), dpi=110, layout="tight")
    axes = figure.subplots()
    axes.set_title(title)
    axes.grid(alpha=0.3)
    return figure, axes


def _roc_plot(y: NDArray[np.int_], risk: NDArray[np.float64], auc: float) -> str:
    false_positive, true_positive, _ = roc_curve(y, risk)
    figure, axes = _axes("ROC")
    axes.plot(false_positive, true_positive, label=f"AUC = {auc:.3f}")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    axes.set_xlabel("false positive rate (goods declined)")
    axes.set_ylabel("true positive rate (bads declined)")
    axes.legend(loc="lower right")
    return _png(figure)


def _ks_plot(y: NDArray[np.int_], risk: NDArray[np.float64]) -> str:
    curve = ks_curve(y, risk)
    figure, axes = _axes(f"KS = {curve.ks:.3f}")
    axes.plot(curve.population_share, curve.bad_share, label="bads (cumulative)")
    axes.plot(curve.population_share, curve.good_share, label="goods (cumulative)")
    gap = int(np.argmax(curve.bad_share - curve.good_share))
    axes.vlines(curve.at, curve.good_share[gap], curve.bad_share[gap], colors="red", linestyles=":")
    axes.set_xlabel("share of applicants, riskiest first")
    axes.set_ylabel("cumulative share")
    axes.legend(loc="lower right")
    return _png(figure)


def _distribution_plot(y: NDArray[np.int_], score: NDArray[np.float64], label: str) -> str:
    figure, axes = _axes("score distribution")
    edges = np.histogram_bin_edges(score, bins=30)
    axes.hist(score[y == 0], bins=edges, alpha=0.6, density=True, label="goods")
    axes.hist(score[y == 1], bins=edges, alpha=0.6, density=True, label="bads")
    axes.set_xlabel(label)
    axes.set_ylabel("density")
    axes.legend()
    return _png(figure)


def _calibration_plot(predicted: NDArray[np.float64], observed: NDArray[np.float64]) -> str:
    figure, axes = _axes("calibration by decile")
    top = float(max(predicted.max(), observed.max())) * 1.05
    axes.plot([0, top], [0, top], linestyle="--", color="grey", linewidth=1)
    axes.plot(predicted, observed, marker="o")
    axes.set_xlabel("predicted bad rate")
    axes.set_ylabel("observed bad rate")
    return _png(figure)


def _psi_plot(expected: NDArray[np.float64], actual: NDArray[np.float64], psi: float) -> str:
    figure, axes = _axes(f"PSI = {psi:.4f}")
    positions = np.arange(expected.size)
    axes.bar(positions - 0.2, expected, width=0.4, label="reference (training)")
    axes.bar(positions + 0.2, actual, width=0.4, label="validation")
    axes.set_xlabel("score bin (reference deciles)")
    axes.set_ylabel("share of applicants")
    axes.set_xticks(positions)
    axes.legend()
    return _png(figure)


def _psi_verdict(psi: float) -> Text:
    if psi < PSI_STABLE:
        return Text(zh="稳定", en="stable")
    if psi < PSI_SHIFTED:
        return Text(zh="轻微偏移,需关注", en="some shift; watch it")
    return Text(zh="显著偏移,需重新评估模型", en="shifted; review the model")


def render_model_report(report: ModelReport) -> str:
    """The report as one HTML document (UTF-8 text)."""
    y = np.asarray(report.y_valid).astype(int)
    risk = np.asarray(report.risk_valid, dtype=float)
    reference = np.asarray(report.risk_reference, dtype=float)
    if report.score_valid is None:
        score, score_reference, score_label = risk, reference, "probability of default"
    else:
        if report.score_reference is None:
            raise ValidationError("scores for the validation need scores for the reference sample too")
        score = np.asarray(report.score_valid, dtype=float)
        score_reference = np.asarray(report.score_reference, dtype=float)
        score_label = "score (points)"
    measured = discrimination(y, risk)
    stability = psi_table(score_reference, score)
    calibration = calibration_table(y, risk)
    environment = Environment(
        loader=PackageLoader("puhui.bank.scoring", "templates"), autoescape=select_autoescape(["html"])
    )
    return environment.get_template("model_report.html").render(
        title=report.title,
        model_kind=report.model_kind,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        details=report.details,
        n=int(y.size),
        bad_rate=float(y.mean()),
        metrics=measured,
        psi=stability.psi,
        psi_verdict=_psi_verdict(stability.psi),
        calibration=calibration,
        feature_heading=report.feature_heading,
        features=list(report.features),
        plots={
            "roc": _roc_plot(y, risk, measured.auc),
            "ks": _ks_plot(y, risk),
            "distribution": _distribution_plot(y, score, score_label),
            "calibration": _calibration_plot(calibration.predicted, calibration.observed),
            "psi": _psi_plot(stability.expected_share, stability.actual_share, stability.psi),
        },
    )


def write_model_report(report: ModelReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_model_report(report), encoding="utf-8")
    return path


__all__ = ["ModelReport", "render_model_report", "write_model_report"]
