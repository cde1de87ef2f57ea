"""AUC, KS, Gini, PSI and calibration against values worked out by hand."""

import numpy as np
import pytest

from puhui.bank.scoring.metrics import (
    auc,
    calibration_table,
    discrimination,
    gini,
    ks,
    ks_curve,
    psi,
    psi_table,
)
from puhui.core.errors import ValidationError

# Riskiest first: bad (0.8), good (0.4), bad (0.35), good (0.1).
Y = np.array([0, 0, 1, 1])
RISK = np.array([0.1, 0.4, 0.35, 0.8])


def test_auc_ks_and_gini_of_a_hand_made_example():
    # Of the 4 bad/good pairs, the bad ranks riskier in 3: AUC 0.75.
    assert auc(Y, RISK) == pytest.approx(0.75)
    assert gini(Y, RISK) == pytest.approx(0.5)
    # After the riskiest: half the bads, no goods captured; the gap is 0.5 and never larger.
    assert ks(Y, RISK) == pytest.approx(0.5)
    assert discrimination(Y, RISK).ks == pytest.approx(0.5)


def test_a_perfect_ranking_and_a_reversed_one():
    assert auc(Y, [0.1, 0.2, 0.8, 0.9]) == 1.0 and ks(Y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc(Y, [0.9, 0.8, 0.2, 0.1]) == 0.0 and gini(Y, [0.9, 0.8, 0.2, 0.1]) == -1.0


def test_the_ks_curve_runs_from_nobody_to_everybody():
    curve = ks_curve(Y, RISK)
    assert curve.population_share[0] == 0.0 and curve.population_share[-1] == 1.0
    assert curve.bad_share[-1] == 1.0 and curve.good_share[-1] == 1.0
    assert curve.at == pytest.approx(0.25)  # the gap is first widest after the riskiest quarter


def test_psi_is_zero_for_identical_distributions_and_matches_the_formula():
    scores = np.random.default_rng(0).normal(size=5000)
    assert psi(scores, scores) == 0.0
    assert psi(scores, scores.copy()[::-1]) == 0.0
    table = psi_table(np.arange(100), np.concatenate([np.arange(50), np.arange(50)]), bins=2)
    # Expected 50/50 across the median; actual puts every value in the lower half.
    assert table.expected_share.tolist() == [0.5, 0.5]
    assert table.actual_share.tolist() == [1.0, 0.0]
    expected = (1.0 - 0.5) * np.log(1.0 / 0.5) + (1e-4 - 0.5) * np.log(1e-4 / 0.5)
    assert table.psi == pytest.approx(expected)


def test_psi_grows_with_the_shift():
    reference = np.random.default_rng(1).normal(size=20_000)
    small, large = psi(reference, reference + 0.1), psi(reference, reference + 1.0)
    assert 0 < small < 0.1 < 0.25 < large


def test_the_calibration_table_of_a_hand_made_example():
    y = np.array([0, 0, 1, 0, 1, 1])
    p = np.array([0.1, 0.1, 0.1, 0.9, 0.9, 0.9])
    table = calibration_table(y, p, bins=2)
    assert table.count.tolist() == [3, 3]
    assert table.predicted.tolist() == pytest.approx([0.1, 0.9])
    assert table.observed.tolist() == pytest.approx([1 / 3, 2 / 3])
    assert table.max_gap == pytest.approx(0.9 - 2 / 3)


def test_deciles_of_a_calibrated_model_track_the_observed_rate():
    rng = np.random.default_rng(2)
    p = rng.uniform(0.01, 0.6, 100_000)
    y = (rng.random(p.size) < p).astype(int)
    table = calibration_table(y, p)
    assert table.count.size == 10 and table.count.sum() == p.size
    assert table.max_gap < 0.02


@pytest.mark.parametrize(
    ("y", "risk", "message"),
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], "0 \\(good\\) or 1"),
        ([1, 1, 1], [0.1, 0.2, 0.3], "one class"),
        ([0, 1], [0.1], "expected 2"),
        ([0, 1], [0.1, np.nan], "finite"),
    ],
)
def test_bad_inputs_are_refused_with_a_reason(y, risk, message):
    with pytest.raises(ValidationError, match=message):
        auc(y, risk)
