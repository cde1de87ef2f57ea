"""Yearly fee statements from the declarative price table (Decimal, pro rata), and black-list record rules."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from puhui.core.errors import DefinitionError, ValidationError
from puhui.core.ids import SubjectKind
from puhui.gov.credit_loop.model import AmountBand, ListingStatus, add_years, new_listing
from puhui.gov.institutions.model import InstitutionEvent, InstitutionType, new_institution
from puhui.gov.metering.prices import Usage, load_prices, parse_prices, yearly_statement

PRICES = """
version: 1
currency: CNY
tables:
  - effective_from: 2025-01-01
    tariffs:
      data_service_provider: {annual_fee: "36500.00", per_query: "0.50", per_group: {tax: "1.00"}}
  - effective_from: 2026-07-01
    tariffs:
      data_service_provider: {annual_fee: "73000.00", per_query: "0.70"}
"""


def _provider(admitted: dt.date):
    return new_institution(
        name="某数据服务商",
        credit_code="91360500158300152A",
        type=InstitutionType.DATA_SERVICE_PROVIDER,
        purposes=("loan_application",),
        groups=("tax", "judicial"),
        public_key="k",
        at=dt.datetime.combine(admitted, dt.time(), tzinfo=dt.UTC),
    )


def test_a_statement_prices_each_query_at_its_days_table_and_the_fee_pro_rata():
    prices = parse_prices(PRICES)
    provider = _provider(dt.date(2026, 4, 1))
    usage = [
        Usage(provider.id, "loan_application", "tax", dt.date(2026, 5, 1), 10),
        Usage(provider.id, "loan_application", "judicial", dt.date(2026, 5, 1), 3),
        Usage(provider.id, "loan_application", "judicial", dt.date(2026, 8, 1), 2),  # new table: 0.70
        Usage(provider.id, "loan_application", "tax", dt.date(2025, 12, 31), 99),  # another year
        Usage("ins_other", "loan_application", "tax", dt.date(2026, 5, 1), 99),  # another institution
    ]
    statement = yearly_statement(provider, 2026, usage, prices)
    assert statement.admitted_days == 275  # 1 April to 31 December
    assert statement.annual_fee == Decimal("27500.00")  # 36500 × 275/365, from the table in force on admission
    lines = {(line.group, line.unit_price): (line.queries, line.amount) for line in statement.lines}
    assert lines == {
        ("tax", Decimal("1.00")): (10, Decimal("10.00")),
        ("judicial", Decimal("0.50")): (3, Decimal("1.50")),
        ("judicial", Decimal("0.70")): (2, Decimal("1.40")),
    }
    assert statement.queries == 15 and statement.total == Decimal("27512.90")


def test_a_revoked_institution_pays_until_its_revocation_and_not_before_its_admission():
    prices = parse_prices(PRICES)
    provider = _provider(dt.date(2025, 1, 1)).after(InstitutionEvent.REVOKE, dt.datetime(2026, 1, 10, tzinfo=dt.UTC))
    assert yearly_statement(provider, 2026, [], prices).admitted_days == 10
    assert yearly_statement(provider, 2027, [], prices).annual_fee == Decimal("0")
    assert yearly_statement(_provider(dt.date(2026, 1, 1)), 2025, [], prices).total == Decimal("0.00")


def test_the_shipped_price_table_loads_and_refuses_floats():
    shipped = load_prices()
    assert shipped.tariff(InstitutionType.BANK, dt.date(2026, 1, 1)).price("tax") == Decimal("0.00")
    with pytest.raises(DefinitionError):
        parse_prices(PRICES.replace('"0.50"', "0.5"))


def _listing(**change):
    arguments = {
        "subject_pseudonym": "P1-x",
        "masked_subject": "360***********0011",
        "subject_kind": SubjectKind.PERSON,
        "institution_id": "ins_1",
        "loan_reference": "L-2026-001",
        "amount_band": AmountBand.FROM_10K,
        "default_date": dt.date(2026, 1, 5),
        "notified_on": dt.date(2026, 2, 1),
        "notice_evidence": "催收通知书 2026-017",
        "at": dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        "today": dt.date(2026, 3, 2),
    }
    return new_listing(**(arguments | change))


def test_a_default_is_listed_for_five_years_and_an_objection_is_due_in_twenty_days():
    listing = _listing()
    assert (listing.listed_on, listing.expires_on) == (dt.date(2026, 3, 2), dt.date(2031, 3, 2))
    assert add_years(dt.date(2024, 2, 29), 5) == dt.date(2029, 2, 28)
    disputed = listing.objected("我已还清", dt.datetime(2026, 3, 5, tzinfo=dt.UTC), dt.date(2026, 3, 5))
    assert disputed.status is ListingStatus.DISPUTED and disputed.answer_due == dt.date(2026, 3, 25)
    assert not disputed.answer_overdue(dt.date(2026, 3, 25)) and disputed.answer_overdue(dt.date(2026, 3, 26))
    assert listing.lapsed(dt.date(2031, 3, 2)) and not listing.lapsed(dt.date(2031, 3, 1))
    entry = dataclasses.replace(listing, status=ListingStatus.LISTED).as_entry("新余农商银行")
    assert (entry.list_type, entry.subject_kind, entry.valid_until) == ("金融借款违约", "自然人", dt.date(2031, 3, 2))


@pytest.mark.parametrize(
    "change",
    [
        {"default_date": dt.date(2026, 3, 3)},  # in the future
        {"default_date": dt.date(2021, 3, 2)},  # older than five years
        {"notified_on": dt.date(2026, 3, 3)},  # told only after the report
        {"notice_evidence": " "},  # no evidence
        {"loan_reference": ""},
    ],
)
def test_a_default_without_its_conditions_is_refused(change):
    with pytest.raises(ValidationError):
        _listing(**change)
