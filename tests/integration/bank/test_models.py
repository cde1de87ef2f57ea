"""Trained models score one application's facts as they scored the training rows; the registry promotes them."""

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import pytest

from puhui.bank.models.features import FeatureKind, features_frame, infer_kinds, model_fact_names
from puhui.bank.models.registry import ModelStatus, ModelVersion
from puhui.bank.models.trained import ModelProvider, TrainedModel, load_artefact, save_artefact
from puhui.bank.models.use_cases import promote_model, shadow_model
from puhui.bank.scoring.gbm import GbmModel
from puhui.bank.scoring.scorecard import WoeScorecard
from puhui.core.errors import Conflict, ValidationError

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def synthetic_rows(n=1500, seed=3):
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(n):
        arrears = int(rng.integers(0, 4))
        months = int(rng.integers(0, 25))
        band = str(rng.choice(["0-5", "6-11", "12-23", "24+"]))
        risk = -3 + 0.8 * arrears - 0.08 * months + rng.normal(0, 0.5)
        rows.append(
            {
                "indicator.utility_arrears_12m": arrears,
                "indicator.si_months_24": months if rng.random() > 0.05 else None,
                "indicator.tenure_band": band,
                "indicator.dishonest_now": bool(rng.random() < 0.02),
                "applicant.age": int(rng.integers(20, 60)),
                "applicant.kind": "person",  # not a model fact
            }
        )
        labels.append(int(rng.random() < 1 / (1 + np.exp(-risk))))
    return rows, np.array(labels)


def test_facts_become_typed_features_and_one_row_matches_many():
    rows, _ = synthetic_rows(50)
    names = model_fact_names(rows[0])
    assert "applicant.kind" not in names and "indicator.tenure_band" in names
    kinds = infer_kinds(rows, names)
    assert kinds["indicator.tenure_band"] is FeatureKind.CATEGORICAL
    assert kinds["indicator.dishonest_now"] is FeatureKind.NUMERIC
    frame = features_frame(rows, kinds)
    assert frame["indicator.dishonest_now"].isin([0.0, 1.0]).all()
    single = features_frame([rows[7]], kinds)
    pd.testing.assert_series_equal(single.iloc[0], frame.iloc[7], check_names=False)
    stray = features_frame([{"indicator.utility_arrears_12m": "three"}], kinds)
    assert np.isnan(stray.loc[0, "indicator.utility_arrears_12m"])


@pytest.mark.parametrize(
    ("kind", "estimator"),
    [("scorecard", WoeScorecard()), ("lightgbm", GbmModel(n_estimators=60, min_child_samples=20))],
)
def test_a_trained_model_scores_one_application_like_the_batch(kind, estimator, tmp_path):
    rows, labels = synthetic_rows()
    kinds = infer_kinds(rows, model_fact_names(rows[0]))
    estimator.fit(features_frame(rows, kinds), labels)
    model = TrainedModel("m-" + kind, kind, estimator, kinds)
    batch = model.probabilities(rows[:20])
    one = model.score(rows[3])
    assert float(one.pd) == pytest.approx(batch[3], abs=1e-6)
    assert (one.points is not None) == (kind == "scorecard")
    if kind == "scorecard":
        assert float(one.points) == pytest.approx(estimator.score(features_frame(rows[3:4], kinds))[0], abs=0.01)
    batch_adverse = estimator.adverse_contributions(features_frame(rows[3:4], kinds)).iloc[0]
    assert one.contributions == pytest.approx({k: v for k, v in batch_adverse.items() if v > 0}, abs=1e-9)
    strange = {**rows[3], "indicator.tenure_band": "unheard-of", "indicator.si_months_24": None}
    assert float(model.score(strange).pd) == pytest.approx(model.probabilities([strange])[0], abs=1e-6)
    worst = max(rows, key=lambda r: r["indicator.utility_arrears_12m"])
    assert model.score(worst).contributions  # a risky applicant has adverse contributions to report
    assert all(v > 0 for v in model.score(worst).contributions.values())

    name, digest = save_artefact(model, tmp_path)
    registered = ModelVersion(
        model.version, kind, ModelStatus.REGISTERED, name, model.features, {"artifact_sha256": digest}, AT, AT
    )
    assert load_artefact(registered, tmp_path).score(rows[3]) == one
    (tmp_path / name).write_bytes((tmp_path / name).read_bytes() + b"tampered")
    with pytest.raises(ValidationError, match="checksum"):
        load_artefact(registered, tmp_path)
    assert hashlib.sha256(b"").hexdigest() != digest


def test_promotion_is_explicit_and_exclusive(uow, tmp_path):
    rows, labels = synthetic_rows(600)
    kinds = infer_kinds(rows, model_fact_names(rows[0]))
    for version in ("m1", "m2", "m3"):
        model = TrainedModel(
            version,
            "lightgbm",
            GbmModel(n_estimators=10, min_child_samples=20).fit(features_frame(rows, kinds), labels),
            kinds,
        )
        name, digest = save_artefact(model, tmp_path)
        with uow as work:
            work.models.add(
                ModelVersion(
                    version,
                    "lightgbm",
                    ModelStatus.REGISTERED,
                    name,
                    model.features,
                    {"artifact_sha256": digest},
                    AT,
                    AT,
                )
            )
            work.commit()
    provider = ModelProvider(lambda: uow, tmp_path, refresh_seconds=0)
    assert provider() == (None, None)  # registered is not deciding
    promote_model(lambda: uow, "m1", AT)
    shadow_model(lambda: uow, "m2", AT)
    champion, challenger = provider()
    assert (champion.version, challenger.version) == ("m1", "m2")
    promote_model(lambda: uow, "m3", AT)
    with uow as work:
        assert work.models.get("m1").status is ModelStatus.RETIRED
    assert provider()[0].version == "m3"
    with pytest.raises(Conflict):
        shadow_model(lambda: uow, "m3", AT)  # the champion cannot shadow itself
