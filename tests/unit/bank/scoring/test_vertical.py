"""The vertical benchmark on a small synthetic split: three variants, bands learned on the training part only."""

import json

import numpy as np
import pandas as pd
import pytest

from puhui.bank.scoring.gbm import GbmModel
from puhui.bank.scoring.vertical import HOLDOUT_SHARE, VARIANTS, run_vertical_benchmark
from puhui.core.errors import ValidationError
from puhui.core.generalize import BandingPolicy

FAST = GbmModel(n_estimators=60, min_child_samples=30, n_jobs=1)
POLICY = BandingPolicy(max_bands=6, min_share=0.05, min_count=20)


def tables(n=2000, seed=0):
    """The bank sees a weak signal; the source holds a strong one (late payments) and a weak one (age)."""
    rng = np.random.default_rng(seed)
    ids = rng.permutation(n) + 1000
    balance = rng.normal(size=n)
    late = rng.choice([0, 1, 2, 3], n, p=[0.6, 0.2, 0.15, 0.05])
    age = rng.integers(20, 65, n)
    logit = -2 + 0.4 * balance + 0.9 * late - 0.02 * (age - 40)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    guest = pd.DataFrame({"id": ids, "y": y, "balance": balance})
    host = pd.DataFrame({"id": ids, "late": late, "age": age}).sample(frac=1.0, random_state=1)
    return guest, host


def run(guest, host, **options):
    return run_vertical_benchmark(guest, host, id_column="id", label="y", policy=POLICY, model=FAST, **options)


def test_government_data_adds_what_the_bank_lacks_and_bands_cost_little():
    result = run(*tables())
    scores = result.scores
    assert list(scores) == list(VARIANTS)
    assert scores["bank_plus_raw"].auc > scores["bank_only"].auc + 0.05
    assert abs(result.indicator_cost) < 0.02
    assert result.n_test == round(HOLDOUT_SHARE * 2000) and result.n_train == 2000 - result.n_test
    # Bands were learned on the training part only and honour the minimum band size.
    for bands in result.bands.values():
        assert bands.population == result.n_train
        assert len(bands) <= POLICY.max_bands
        assert len(bands) == 1 or min(bands.counts) >= POLICY.minimum(result.n_train)
    assert len(result.bands["late"]) == 4  # four common codes keep their own bands


def test_the_report_is_one_json_object_with_the_three_rows():
    report = json.loads(json.dumps(run(*tables()).as_dict()))
    assert set(report) == {"bank_only", "bank_plus_indicators", "bank_plus_raw"}
    for row in report.values():
        assert 0.5 < row["auc"] <= 1 and 0 < row["ks"] <= 1
    assert report["bank_plus_indicators"]["bands"] == {"late": 4, "age": 6}
    assert report["bank_plus_indicators"]["smallest_band_share"] >= POLICY.min_share


def test_the_same_seed_gives_the_same_figures_and_another_seed_another_split():
    guest, host = tables()
    first, again, other = run(guest, host, seed=5), run(guest, host, seed=5), run(guest, host, seed=6)
    assert first.as_dict()["bank_plus_raw"]["auc"] == again.as_dict()["bank_plus_raw"]["auc"]
    assert first.as_dict()["bank_only"]["auc"] != other.as_dict()["bank_only"]["auc"]


def test_applicants_unknown_to_the_source_stay_with_missing_indicators():
    guest, host = tables()
    result = run(guest, host.iloc[:1500])
    assert result.matched == 1500 and result.n_train + result.n_test == 2000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g, h: (g.drop(columns=["id"]), h), "guest table has no id column"),
        (lambda g, h: (g, h.assign(y=0)), "must not"),
        (lambda g, h: (g, h.assign(district=["a"] * len(h))), "numeric"),
        (lambda g, h: (g, h.assign(id=h["id"] + 10**6)), "no guest id"),
        (lambda g, h: (pd.concat([g, g.head(1)]), h), "repeats ids"),
        (lambda g, h: (g.assign(y=2), h), "0 \\(good\\) or 1"),
    ],
)
def test_tables_that_cannot_be_benchmarked_are_refused_with_a_reason(change, message):
    guest, host = change(*tables(300))
    with pytest.raises(ValidationError, match=message):
        run(guest, host)
