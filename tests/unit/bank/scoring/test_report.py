"""The model report is one bilingual HTML page with its five plots embedded, loading nothing from outside."""

import base64
import re

import numpy as np
import pytest

from puhui.bank.scoring.metrics import discrimination, psi
from puhui.bank.scoring.report import ModelReport, render_model_report, write_model_report
from puhui.core.errors import ValidationError
from puhui.core.i18n import Text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def report(**changes):
    rng = np.random.default_rng(0)
    risk = rng.uniform(0.02, 0.6, 2000)
    y = (rng.random(risk.size) < risk).astype(int)
    reference = rng.uniform(0.02, 0.6, 3000)
    base = {
        "title": Text(zh="个人经营贷评分卡", en="business-loan scorecard"),
        "model_kind": "woe_scorecard",
        "y_valid": y,
        "risk_valid": risk,
        "risk_reference": reference,
        "details": {"版本 version": "sc-2026-01 <b>"},
        "features": [("arrears_12m", 0.41), ("tenure_band", 0.12)],
    }
    return ModelReport(**(base | changes))


def test_the_report_is_bilingual_self_contained_and_carries_five_plots(tmp_path):
    path = write_model_report(report(), tmp_path / "models" / "report.html")
    page = path.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 5
    assert all(base64.b64decode(image).startswith(PNG_SIGNATURE) for image in images)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing is fetched: no CDN, no web font
    assert page.index("模型验证报告") < page.index("model validation report")  # Chinese first
    for heading in ("ROC", "KS", "PSI", "校准", "calibration", "arrears_12m", "特征重要性"):
        assert heading in page
    assert "&lt;b&gt;" in page and "<b>" not in page  # details are escaped


def test_the_figures_in_the_report_are_the_measured_ones():
    page = render_model_report(report())
    measured = report()
    result = discrimination(measured.y_valid, measured.risk_valid)
    assert f"{result.auc:.4f}" in page and f"{result.ks:.4f}" in page
    assert f"{psi(measured.risk_reference, measured.risk_valid):.4f}" in page


def test_scores_in_points_need_their_reference_too():
    points = 600 - 50 * np.log(report().risk_valid)
    page = render_model_report(report(score_valid=points, score_reference=600 - 50 * np.log(report().risk_reference)))
    assert "data:image/png" in page
    with pytest.raises(ValidationError, match="reference"):
        render_model_report(report(score_valid=points))
