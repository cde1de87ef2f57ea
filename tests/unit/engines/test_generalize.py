"""Learning bands over whole columns: fine cells, the policy honoured on real-sized populations, vectorized bands."""

import numpy as np
import pytest

from puhui.core.errors import ValidationError
from puhui.core.generalize import MISSING_BAND, BandingPolicy
from puhui.engines.generalize import assign_bands, fine_cells, fit_bands

POLICY = BandingPolicy(max_bands=10, min_share=0.02, min_count=50)


def test_a_continuous_column_gets_at_most_the_allowed_bands_each_big_enough():
    values = np.random.default_rng(1).lognormal(8, 1, 50_000)
    bands = fit_bands(values, POLICY)
    assert len(bands) == 10
    assert min(bands.counts) >= 0.02 * 50_000
    shares = np.bincount(assign_bands(bands, values)) / values.size
    assert shares.tolist() == pytest.approx([c / 50_000 for c in bands.counts])
    assert shares.min() > 0.05 and shares.max() < 0.2  # quantile cells merge into roughly equal bands


def test_small_codes_keep_their_common_values_apart_and_pool_the_rare_ones():
    # A repayment-status code: most people at 0, fewer late by 1 or 2 months, a handful later still.
    values = np.repeat([-2, -1, 0, 1, 2, 3, 4, 5, 6], [900, 1900, 4900, 1200, 900, 110, 30, 20, 40])
    bands = fit_bands(values, POLICY)
    assert [bands.band_of(v) for v in (-2, -1, 0, 1, 2)] == [0, 1, 2, 3, 4]
    assert len({bands.band_of(v) for v in (3, 4, 5, 6)}) == 1  # 200 people, pooled to reach 2 %
    assert min(bands.counts) >= 200  # 2 % of 10,000


def test_thresholds_between_distinct_values_are_no_one_s_value():
    values = np.repeat([18.0, 25.0, 40.0, 61.0], 1000)
    thresholds, counts = fine_cells(values)
    assert thresholds.tolist() == [21.5, 32.5, 50.5] and counts.tolist() == [1000] * 4


def test_quantile_cells_of_a_continuous_column_are_never_empty():
    values = np.concatenate([np.zeros(5000), np.random.default_rng(2).normal(size=5000)])
    thresholds, counts = fine_cells(values, resolution=100)
    assert (counts > 0).all() and counts.sum() == values.size
    assert (np.diff(thresholds) > 0).all()


def test_vectorized_bands_agree_with_the_core_and_missing_values_fall_in_no_band():
    values = np.random.default_rng(3).normal(size=2000)
    bands = fit_bands(values, POLICY)
    probe = np.array([*values[:200], *bands.thresholds, np.nan])
    assert assign_bands(bands, probe).tolist() == [bands.band_of(float(v)) for v in probe]
    assert assign_bands(bands, [np.nan])[0] == MISSING_BAND
    with_missing = fit_bands(np.array([*values, np.nan, np.nan]), POLICY)
    assert with_missing.population == 2000


def test_columns_that_cannot_be_banded_are_refused():
    with pytest.raises(ValidationError, match="numeric"):
        fit_bands(np.array(["a", "b"]), POLICY)
    with pytest.raises(ValidationError, match="no values"):
        fit_bands(np.array([np.nan]), POLICY)
    with pytest.raises(ValidationError, match="infinite"):
        fit_bands(np.array([1.0, np.inf]), POLICY)
