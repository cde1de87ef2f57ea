"""The bulk checks (Arrow/NumPy, SQL) agree with the domain core value by value; dates and encodings as sent."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.core.errors import InvalidIdentifier
from puhui.core.ids import (
    CreditCode,
    ResidentId,
    credit_code_check_char,
    looks_like_resident_id,
    resident_id_check_digit,
)
from puhui.engines import arrow_checks
from puhui.engines.sql_checks import parsed_date, parsed_timestamp, parsed_year_month
from puhui.gov.ingest.readers import choose_encoding
from puhui.gov.ingest.validation import MISSING_PLACEHOLDERS

CON = duckdb.connect()


def _sql(values: list[str], *expressions: str) -> list[tuple[object, ...]]:
    CON.register("t", pa.table({"v": pa.array(values, pa.string())}))
    return CON.sql(f"SELECT {', '.join(expressions)} FROM t").fetchall()


def _core_verdict(parse: type[ResidentId] | type[CreditCode], value: str) -> tuple[str | None, str | None]:
    try:
        return None, parse.parse(value).value
    except InvalidIdentifier as err:
        return ("bad_checksum" if err.code == "invalid_identifier_checksum" else "wrong_type"), None


_chars = st.sampled_from([*"0123456789Xx ABCDEFGHJKLMNPQRTUWXYIOSZ-", "０", "１", "Ｘ", "\u3000"])


@st.composite
def near_ids(draw: st.DrawFn) -> str:
    """Valid resident IDs and credit codes, and the same with a character changed, added or dropped."""
    if draw(st.booleans()):
        born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)))
        first17 = f"{draw(st.sampled_from(['360502', '110105', '912345']))}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
        value = first17 + resident_id_check_digit(first17)
    else:
        head = draw(st.sampled_from(["91360502", "92110105", "11360000", "A1360502"]))
        first17 = head + "".join(
            draw(st.lists(st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"), min_size=9, max_size=9))
        )
        value = first17 + credit_code_check_char(first17) if head[0] != "A" else first17 + "0"
    edit = draw(st.integers(0, 4))
    position = draw(st.integers(0, len(value) - 1))
    if edit == 1:
        value = value[:position] + draw(_chars) + value[position + 1 :]
    elif edit == 2:
        value = value[:position] + value[position + 1 :]
    elif edit == 3:
        value = f" {value.lower()}\u3000"
    return value


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(near_ids(), st.text(_chars, min_size=15, max_size=20)), min_size=1, max_size=40))
def test_identifier_checks_in_bulk_match_the_core(values: list[str]) -> None:
    normalized = arrow_checks.normalize_ids(pa.array(values, pa.string()))
    resident = arrow_checks.resident_id_faults(normalized).to_pylist()
    credit = arrow_checks.credit_code_faults(normalized).to_pylist()
    looks = arrow_checks.looks_like_resident_id(normalized)
    for i, value in enumerate(values):
        core_resident, resident_value = _core_verdict(ResidentId, value)
        core_credit, credit_value = _core_verdict(CreditCode, value)
        assert resident[i] == core_resident, value
        assert credit[i] == core_credit, value
        if resident_value is not None:
            assert normalized[i].as_py() == resident_value
            assert bool(looks[i]) is looks_like_resident_id(resident_value)
        if credit_value is not None:
            assert normalized[i].as_py() == credit_value


def test_each_verdict_on_known_numbers() -> None:
    values = ["11010519491231002X", "110105194912310021", "1101051949123100", "11010519490231002X"]
    values += ["91110000600037341L", "91110000600037341M", "9111000060003734IL", "A1110000600037341L"]
    normalized = arrow_checks.normalize_ids(pa.array(values))
    assert arrow_checks.resident_id_faults(normalized).to_pylist()[:4] == [
        None,
        "bad_checksum",
        "wrong_type",
        "wrong_type",
    ]
    assert arrow_checks.credit_code_faults(normalized).to_pylist()[4:] == [
        None,
        "bad_checksum",
        "wrong_type",
        "bad_checksum",
    ]
    for value, verdict in zip(values[4:], arrow_checks.credit_code_faults(normalized).to_pylist()[4:], strict=True):
        assert _core_verdict(CreditCode, value)[0] == verdict


_text_parts = st.sampled_from(
    ["a", "1", " ", "\u3000", "\t", "\u00a0", "\u2028", "Ｘ", "０", "中", "暂无", "无", "暂", "-", "NULL", "N", "\\N"]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.lists(_text_parts, max_size=4).map("".join)), min_size=1, max_size=30),
    st.integers(0, 3),
)
def test_cleaning_only_the_values_that_need_it_equals_cleaning_all(values: list[str | None], skip: int) -> None:
    """The byte tests of ``clean_text`` (blanks at the edges, full-width forms, a placeholder's shape) pick every
    value that folding, trimming or the placeholders change; a sliced column too."""
    array = pa.array(values, pa.string()).slice(min(skip, len(values) - 1))
    fast = arrow_checks.clean_text(array, MISSING_PLACEHOLDERS).to_pylist()
    folded = pc.utf8_trim(arrow_checks.fold_half_width(array), characters=arrow_checks._BLANKS)
    everything = pc.if_else(pc.is_in(folded, value_set=MISSING_PLACEHOLDERS), None, folded).to_pylist()
    assert fast == everything


def test_dates_in_every_variant_of_the_contract() -> None:
    values = ["2023-01-05", "2023-1-5", "20230105", "2023-1-5 0:00:00", "2023年1月5日", "2023/1/5"]
    bad = ["2023-02-30", "2023-13-01", "0000-01-01", "abc", "十二", "2023-1"]
    value, matched = parsed_date("v")
    rows = _sql(values + bad, value, matched)
    assert all(r == (dt.date(2023, 1, 5), True) for r in rows[: len(values)])
    assert rows[len(values) :] == [
        (None, True),
        (None, True),
        (None, True),
        (None, False),
        (None, False),
        (None, False),
    ]
    assert _sql(["9999-9-9"], value) == [(dt.date(9999, 9, 9),)]  # the open-term sentinel is a real date


def test_datetimes_and_year_months() -> None:
    value, _ = parsed_timestamp("v")
    rows = _sql(["2017-07-07 13:05:09", "2017-7-7", "2017-07-07 24:00:00", "2017-07-07 12:60:00"], value)
    assert [r[0] for r in rows] == [dt.datetime(2017, 7, 7, 13, 5, 9), dt.datetime(2017, 7, 7), None, None]
    value, matched = parsed_year_month("v")
    rows = _sql(["202311", "2023-11", "2023年1月", "202313", "20231", "abc"], value, matched)
    assert rows == [
        (dt.date(2023, 11, 1), True),
        (dt.date(2023, 11, 1), True),
        (dt.date(2023, 1, 1), True),
        (None, True),
        (None, False),
        (None, False),
    ]


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("案号,姓名\n(2020)赣05号,张三\n".encode(), None, ("utf-8", True)),
        ("案号,姓名\n(2020)赣05号,张三\n".encode("gbk"), None, ("gb18030", True)),
        ("案号,姓名\n(2020)赣05号,张三\n".encode("gbk"), "gbk", ("gbk", False)),
        (b"\xef\xbb\xbf" + "案号\n张三\n".encode(), "gbk", ("utf-8", True)),  # a BOM overrules the declaration
        ("案号,姓名\n(2020)赣05号,张三\n".encode(), "gbk", ("utf-8", True)),  # so does non-ASCII valid UTF-8
        (("案号,姓名\n" + "(2020)赣05号,张三\n" * 10).encode("gbk"), "utf-8", ("gb18030", True)),
        (b"case,name\n1,a\n", "gbk", ("gbk", False)),
    ],
)
def test_encoding_is_declared_or_detected_utf8_first(
    data: bytes, declared: str | None, expected: tuple[str, bool]
) -> None:
    assert choose_encoding(data, declared) == expected
