"""The benchmarks on the real public data sets in ``../shared/data``: the bars the models must meet.

Vertical (FATE's default-credit split): bank + platform indicators reaches at least 0.78 held-out AUC and stays
within 0.005 of the raw-joined figure of the same run. German credit: the scorecard's cross-validated AUC lies
in 0.74–0.80 (far above would mean leakage).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from puhui.cli import app

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
FATE = SHARED / "fate"
GERMAN = SHARED / "germancredit" / "germancredit.csv"

runner = CliRunner()


def needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not beside the clone")


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.slow
@pytest.mark.shared_data
def test_bank_plus_indicators_meets_the_bar_on_default_credit():
    needs(FATE / "default_credit_hetero_guest.csv")
    output = invoke(
        "bench", "vertical", "--json", "--id", "id", "--label", "y",
        "--guest", str(FATE / "default_credit_hetero_guest.csv"),
        "--host", str(FATE / "default_credit_hetero_host.csv"),
    )  # fmt: skip
    report = json.loads(output)  # exactly one JSON object on stdout
    assert set(report) == {"bank_only", "bank_plus_indicators", "bank_plus_raw"}
    bank, indicators, raw = (report[k]["auc"] for k in ("bank_only", "bank_plus_indicators", "bank_plus_raw"))
    assert indicators >= 0.78
    assert abs(raw - indicators) <= 0.005
    assert 0.72 < bank < indicators - 0.03  # government data is worth something, and the bank alone is no fluke
    assert report["bank_plus_indicators"]["ks"] > report["bank_only"]["ks"]
    # The indicators are real generalization: few bands per column, none of them small.
    generalization = report["bank_plus_indicators"]
    assert max(generalization["bands"].values()) <= 10
    assert generalization["smallest_band_share"] >= 0.02
    assert generalization["n_train"] == 21_000 and generalization["n_test"] == 9_000


@pytest.mark.shared_data
def test_the_german_scorecard_cross_validates_without_leakage():
    needs(GERMAN)
    report = json.loads(
        invoke("bench", "scorecard", "--json", "--data", str(GERMAN), "--label", "creditability", "--bad", "bad")
    )
    assert report["n"] == 1000 and report["bad_rate"] == pytest.approx(0.3)
    assert 0.74 <= report["auc"] <= 0.80
    assert len(report["auc_folds"]) == 5 and report["ks"] > 0.35


def test_the_vertical_table_shows_all_three_rows(tmp_path):
    rng = np.random.default_rng(0)
    n = 1500
    late = rng.choice([0, 1, 2], n, p=[0.7, 0.2, 0.1])
    y = (rng.random(n) < 0.1 + 0.2 * late).astype(int)
    pd.DataFrame({"id": range(n), "y": y, "balance": rng.normal(size=n)}).to_csv(tmp_path / "g.csv", index=False)
    pd.DataFrame({"id": range(n), "late": late}).to_csv(tmp_path / "h.csv", index=False)
    output = invoke(
        "bench", "vertical", "--guest", str(tmp_path / "g.csv"), "--host", str(tmp_path / "h.csv"),
        "--id", "id", "--label", "y", "--max-bands", "5",
    )  # fmt: skip
    for row in ("仅银行数据", "银行 + 平台指标", "银行 + 原始数据"):  # the start of each row's name, never wrapped
        assert row in output
    assert "≤ 5 bands" in output


def test_a_bad_policy_or_file_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "none.csv")
    result = runner.invoke(
        app, ["bench", "vertical", "--guest", missing, "--host", missing, "--id", "id", "--label", "y"]
    )
    assert result.exit_code == 2 and "no such file" in result.output
    result = runner.invoke(
        app,
        ["bench", "vertical", "--guest", "g.csv", "--host", "h.csv", "--id", "id", "--label", "y", "--max-bands", "1"],
    )
    assert result.exit_code == 2 and "max_bands" in result.output
