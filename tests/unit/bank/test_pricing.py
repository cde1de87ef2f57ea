import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.bank.pricing import load_lpr_table, price_for, price_offer, rate_bounds
from puhui.bank.rules import load_ruleset
from puhui.core.errors import NotFound
from puhui.core.schedule import RepaymentMethod

pds = st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=6)
days = st.dates(dt.date(2019, 8, 20), dt.date(2027, 12, 31))


def test_the_lpr_in_force_changes_on_the_publication_day():
    table = load_lpr_table()
    assert table.one_year_on(dt.date(2019, 8, 20)) == Decimal("0.0425")
    assert table.one_year_on(dt.date(2020, 4, 19)) == Decimal("0.0405")
    assert table.one_year_on(dt.date(2020, 4, 20)) == Decimal("0.0385")
    assert table.fixing_on(dt.date(2024, 2, 21)).over_five_years == Decimal("0.0395")
    assert table.one_year_on(dt.date(2026, 10, 31)) == Decimal("0.0300")  # the last fixing carries forward
    with pytest.raises(NotFound, match="reformed LPR"):
        table.one_year_on(dt.date(2019, 8, 19))


@given(pds, days, st.sampled_from(["pilot@1", "pilot@2"]))
def test_rates_stay_within_the_bank_band(pd, day, ref):
    ruleset = load_ruleset(ref)
    price = price_for(ruleset, pd, day)
    low, high = rate_bounds(ruleset, day)
    assert low <= price.annual_rate <= high
    assert price.annual_rate <= 4 * price.lpr
    assert price.annual_rate == price.lpr + price.spread_bp * Decimal("0.0001")


@given(pds, pds, days)
def test_a_riskier_applicant_never_pays_less(pd1, pd2, day):
    ruleset = load_ruleset("pilot@1")
    low, high = sorted((pd1, pd2))
    assert price_for(ruleset, low, day).annual_rate <= price_for(ruleset, high, day).annual_rate


def test_spreads_run_from_grade_to_grade():
    ruleset = load_ruleset("pilot@1")
    day = dt.date(2025, 6, 1)
    assert price_for(ruleset, Decimal(0), day).spread_bp == 30  # best of grade A
    assert price_for(ruleset, Decimal("0.01"), day).spread_bp == 80  # top of A meets B
    assert price_for(ruleset, Decimal("0.0175"), day).spread_bp == 110  # halfway through B: 80 → 140
    assert price_for(ruleset, Decimal("0.9"), day).annual_rate == Decimal("0.0600")  # LPR 3.00 % + 300 bp


def test_an_offer_states_rate_total_interest_and_schedule():
    offer = price_offer(
        load_ruleset("pilot@1"),
        Decimal("0.0175"),
        Decimal(50_000),
        12,
        RepaymentMethod.EQUAL_INSTALMENT,
        dt.date(2025, 6, 1),
    )
    assert offer.annual_rate == Decimal("0.0410")
    assert offer.total_interest == sum(i.interest for i in offer.schedule.instalments)
    record = offer.as_record()
    assert record["annual_rate"] == "0.0410" and len(record["schedule_preview"]) == 4
    assert record["schedule_preview"][0]["due_date"] == "2025-07-01"
