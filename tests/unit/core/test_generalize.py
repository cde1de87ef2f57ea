"""Bands learned with a minimum band size: the merging rule, the learned values, and their declarative form."""

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticValidationError

from puhui.core.errors import ValidationError
from puhui.core.generalize import MISSING_BAND, BandingPolicy, Bands, band_labels, merge_into_bands


def policy(max_bands=3, min_share=0.1, min_count=1):
    return BandingPolicy(max_bands=max_bands, min_share=min_share, min_count=min_count)


def test_the_smallest_band_merges_into_its_smaller_neighbour_until_the_policy_holds():
    # 5 is smallest: its neighbours hold 50 and 30, so it joins the 30; then 10 joins the 50 (its only neighbour).
    bands = merge_into_bands([1.5, 2.5, 3.5, 4.5], [10, 50, 5, 30, 40], policy(max_bands=3, min_share=0.1))
    assert bands.thresholds == (2.5, 4.5)
    assert bands.counts == (60, 35, 40)
    assert bands.min_size == 14  # ceil(10 % of 135)
    assert bands.labels == ("< 2.5", "[2.5, 4.5)", "≥ 4.5")


def test_cells_that_already_meet_the_policy_stay_apart():
    bands = merge_into_bands([0.5, 1.5], [40, 30, 30], policy(max_bands=5, min_share=0.2))
    assert bands.counts == (40, 30, 30)
    assert bands.thresholds == (0.5, 1.5)


def test_the_absolute_minimum_count_applies_when_it_is_the_larger():
    bands = merge_into_bands([0.5, 1.5], [60, 30, 30], policy(max_bands=5, min_share=0.0, min_count=50))
    assert bands.counts == (60, 60) and bands.thresholds == (0.5,)
    assert BandingPolicy(max_bands=5, min_share=0.01, min_count=50).minimum(100_000) == 1000


def test_a_population_too_small_for_two_bands_gets_one():
    bands = merge_into_bands([0.5], [3, 4], policy(min_count=10))
    assert bands.thresholds == () and bands.counts == (7,) and bands.labels == ("all",)
    with pytest.raises(ValidationError, match="one value"):
        bands.as_rule()


@given(
    counts=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=60).filter(lambda c: sum(c) > 0),
    max_bands=st.integers(min_value=2, max_value=12),
    min_share=st.floats(min_value=0.0, max_value=0.3),
    min_count=st.integers(min_value=1, max_value=200),
)
def test_any_cells_give_bands_that_honour_the_minimum_size_and_the_band_count(counts, max_bands, min_share, min_count):
    thresholds = [i + 0.5 for i in range(len(counts) - 1)]
    rule = BandingPolicy(max_bands=max_bands, min_share=min_share, min_count=min_count)
    bands = merge_into_bands(thresholds, counts, rule)
    assert sum(bands.counts) == sum(counts)
    assert len(bands) <= max_bands
    assert set(bands.thresholds) <= set(thresholds)
    minimum = max(min_count, math.ceil(min_share * sum(counts)))
    if len(bands) > 1:
        assert min(bands.counts) >= minimum
    # Each band holds exactly the cells between its thresholds.
    edges = [-math.inf, *bands.thresholds, math.inf]
    for band, count in enumerate(bands.counts):
        inside = [c for c, t in zip(counts, [-1.0, *thresholds], strict=True) if edges[band] <= t < edges[band + 1]]
        assert sum(inside) == count


def test_a_value_falls_in_the_band_whose_lower_threshold_it_reaches():
    bands = Bands(thresholds=(10.0, 20.0), labels=band_labels((10.0, 20.0)), counts=(5, 5, 5), min_size=5)
    assert [bands.band_of(v) for v in (-1e9, 9.99, 10.0, 19.9, 20.0, 1e9)] == [0, 0, 1, 1, 2, 2]
    assert bands.band_of(math.nan) == MISSING_BAND and bands.label_of(math.nan) is None
    assert bands.label_of(15) == "[10, 20)"
    rule = bands.as_rule(none="无")
    assert rule.thresholds == (Decimal("10.0"), Decimal("20.0"))
    assert [rule.label(Decimal(v)) for v in ("9.99", "10", "20")] == [bands.label_of(v) for v in (9.99, 10, 20)]


def test_learned_bands_round_trip_through_their_serialized_form():
    bands = merge_into_bands([0.25, 1.0 / 3.0], [40, 30, 30], policy(max_bands=5, min_share=0.2))
    assert Bands.model_validate_json(bands.model_dump_json()) == bands
    assert BandingPolicy.model_validate({"max_bands": 10, "min_share": 0.02}).min_count == 10


def test_labels_stay_distinct_when_cut_points_differ_only_far_down():
    labels = band_labels((1.0000001, 1.0000002))
    assert len(set(labels)) == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"thresholds": (2.0, 1.0)}, "increase strictly"),
        ({"counts": (5, 5)}, "one label and one count"),
        ({"counts": (5, 4, 5)}, "fewer than 5"),
        ({"thresholds": (1.0, math.inf)}, "finite"),
    ],
)
def test_bands_that_break_their_own_minimum_are_rejected(changes, message):
    valid = {"thresholds": (1.0, 2.0), "labels": ("a", "b", "c"), "counts": (5, 5, 5), "min_size": 5}
    with pytest.raises(PydanticValidationError, match=message):
        Bands(**(valid | changes))


def test_bad_cells_and_policies_are_refused():
    with pytest.raises(ValidationError):
        merge_into_bands([1.0], [1], policy())
    with pytest.raises(ValidationError):
        merge_into_bands([1.0], [0, 0], policy())
    with pytest.raises(PydanticValidationError):
        BandingPolicy(max_bands=1, min_share=0.1)
    with pytest.raises(PydanticValidationError):
        BandingPolicy(max_bands=5, min_share=0.6)
