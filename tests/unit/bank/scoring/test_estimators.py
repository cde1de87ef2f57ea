"""The scorecard and the gradient-boosted model follow scikit-learn's conventions and explain their scores."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from puhui.bank.scoring import GbmModel, WoeScorecard
from puhui.bank.scoring.metrics import auc
from puhui.bank.scoring.validation import cross_validate
from puhui.core.errors import ValidationError


def applicants(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    arrears = rng.poisson(0.8, n)
    income = rng.lognormal(8.5, 0.5, n)
    sector = rng.choice(["farming", "retail", "services"], n, p=[0.3, 0.4, 0.3])
    noise = rng.normal(size=n)
    logit = -1.5 + 0.9 * arrears - 0.8 * (np.log(income) - 8.5) + np.where(sector == "retail", 0.6, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"arrears": arrears, "income": income, "sector": sector, "noise": noise}), y


X, Y = applicants()
MODELS = [WoeScorecard(), GbmModel(n_estimators=80, min_child_samples=40, n_jobs=1)]


@pytest.mark.parametrize("model", MODELS, ids=["scorecard", "gbm"])
def test_init_only_stores_parameters_and_fit_returns_self_with_underscored_attributes(model):
    fresh = clone(model)
    before = dict(vars(fresh))
    assert fresh.get_params() == model.get_params()
    assert fresh.fit(X, Y) is fresh
    learned = set(vars(fresh)) - set(before)
    assert learned and all(name.endswith("_") for name in learned)
    assert {k: vars(fresh)[k] for k in before} == before  # parameters untouched by fit


@pytest.mark.parametrize("model", MODELS, ids=["scorecard", "gbm"])
def test_an_unfitted_model_refuses_to_predict(model):
    with pytest.raises(NotFittedError):
        clone(model).predict_proba(X)
    with pytest.raises(NotFittedError):
        clone(model).adverse_contributions(X)
    if isinstance(model, WoeScorecard):
        with pytest.raises(NotFittedError):
            clone(model).score(X)


@pytest.mark.parametrize("model", MODELS, ids=["scorecard", "gbm"])
def test_probabilities_rank_and_contributions_point_at_the_risky_feature(model):
    fitted = clone(model).fit(X, Y)
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert auc(Y, proba[:, 1]) > 0.7
    adverse = fitted.adverse_contributions(X)
    assert (adverse.to_numpy() >= 0).all() and adverse.index.equals(X.index)
    many_arrears = X.index[X["arrears"] >= 4]
    top = adverse.loc[many_arrears].idxmax(axis=1)
    assert (top == "arrears").mean() > 0.8  # arrears weigh most against those who have many


@pytest.mark.parametrize("model", MODELS, ids=["scorecard", "gbm"])
def test_features_are_read_by_name_and_missing_ones_are_named(model):
    fitted = clone(model).fit(X, Y)
    reordered = X[list(reversed(X.columns))]
    assert np.allclose(fitted.predict_proba(reordered), fitted.predict_proba(X))
    with pytest.raises(ValidationError, match="income"):
        fitted.predict_proba(X.drop(columns=["income"]))
    with pytest.raises(ValidationError, match="both goods and bads"):
        clone(model).fit(X, np.zeros(len(X), dtype=int))


@pytest.mark.parametrize("model", MODELS, ids=["scorecard", "gbm"])
def test_missing_values_and_categories_never_seen_are_still_scored(model):
    fitted = clone(model).fit(X, Y)
    odd = X.head(3).assign(sector=["mining", None, "retail"], income=[np.nan, 5000.0, np.nan])
    assert np.isfinite(fitted.predict_proba(odd)).all()
    assert np.isfinite(fitted.adverse_contributions(odd).to_numpy()).all()


def test_scorecard_points_follow_the_base_odds_and_the_points_to_double_the_odds():
    card = WoeScorecard(base_score=600, base_odds=50, pdo=20).fit(X, Y)
    p_bad = card.predict_proba(X)[:, 1]
    odds = (1 - p_bad) / p_bad
    assert np.allclose(card.score(X), 600 + 20 * np.log2(odds / 50))
    assert np.allclose(card.contributions(X).sum(axis=1) + card.base_points_, card.score(X))
    # Doubling the points-to-double-the-odds doubles every distance from the base score at the base odds.
    wider = WoeScorecard(base_score=600, base_odds=50, pdo=40).fit(X, Y)
    assert np.allclose(wider.score(X) - 600, 2 * (card.score(X) - 600))


def test_scorecard_adverse_contributions_are_points_short_of_each_feature_s_best_bin():
    card = WoeScorecard().fit(X, Y)
    points = card.contributions(X)
    adverse = card.adverse_contributions(X)
    assert np.allclose(adverse, points.max(axis=0) - points)
    table = card.points_table()
    for feature in card.selected_features_:
        observed = table[(table.feature == feature) & (table["count"] > 0)]
        assert observed.points.max() == pytest.approx(card.best_points_[card.selected_features_.index(feature)])
    assert "noise" not in card.selected_features_  # an uninformative feature is dropped by its information value
    assert next(iter(card.information_values())) == "arrears"


def test_gbm_contributions_add_up_to_the_log_odds():
    model = GbmModel(n_estimators=80, min_child_samples=40, n_jobs=1).fit(X, Y)
    raw = model.booster_.predict(model._features(X), pred_contrib=True)
    log_odds = np.log(model.predict_proba(X)[:, 1] / model.predict_proba(X)[:, 0])
    assert np.allclose(model.contributions(X).sum(axis=1) + raw[:, -1], log_odds)
    assert set(model.feature_importance()) == set(X.columns)


def test_cross_validation_fits_a_fresh_model_per_fold():
    result = cross_validate(WoeScorecard(), X, Y, folds=3, seed=1)
    assert len(result.folds) == 3 and 0.7 < result.auc < 1.0
    assert result.gini == pytest.approx(2 * result.auc - 1)
    assert math.isfinite(result.auc_std) and result.as_dict()["auc_folds"] == [f.auc for f in result.folds]
