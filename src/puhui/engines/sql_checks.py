"""DuckDB SQL expressions that clean and check text columns in bulk: half-width folding, resident-ID and
credit-code check characters, and dates in the shapes departments send.

Each function takes a SQL expression and returns a SQL expression, so a caller composes one vectorized query
over millions of rows instead of calling Python per value. The rules mirror ``puhui.core.ids`` exactly (a
property test checks them against it); the core stays the reference, these are its bulk form.
"""

from __future__ import annotations

import sys

from puhui.core.ids import PROVINCE_PREFIXES

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to their half-width forms.
FULL_WIDTH = "".join(chr(code) for code in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)) + " "
HALF_WIDTH_TABLE = str.maketrans(FULL_WIDTH, HALF_WIDTH)

# Every character Python's str.split() treats as a blank, as an RE2 class (core's normalization removes them).
_PYTHON_BLANKS = "".join(f"\\x{{{code:x}}}" for code in range(sys.maxunicode + 1) if chr(code).isspace())
_TRIM_CHARS = "".join(chr(code) for code in range(0x10000) if chr(code).isspace())

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def half_width(expr: str) -> str:
    """Full-width letters, digits, punctuation and blanks folded to half-width."""
    return f"translate({expr}, {quote_literal(FULL_WIDTH)}, {quote_literal(HALF_WIDTH)})"


def trimmed(expr: str) -> str:
    """Leading and trailing blanks of every kind removed."""
    return f"trim({expr}, {quote_literal(_TRIM_CHARS)})"


def normalized_id(expr: str) -> str:
    """An ID number as ``puhui.core.ids`` normalizes it: half-width, no blanks or dashes, upper case."""
    return f"upper(regexp_replace({half_width(expr)}, '[{_PYTHON_BLANKS}-]', '', 'g'))"


def _digit(expr: str, position: int) -> str:
    return f"(ascii(substr({expr}, {position}, 1)) - 48)"


def resident_id_fault(n: str) -> str:
    """For a normalized resident ID: NULL when valid, else ``wrong_type`` or ``bad_checksum`` — the same
    verdicts, in the same order, as ``ResidentId`` (shape, birth date, check digit, birth not in the future)."""
    total = " + ".join(f"{_digit(n, i + 1)} * {w}" for i, w in enumerate(RESIDENT_ID_WEIGHTS))
    birth = (
        f"try(make_date(CAST(substr({n}, 7, 4) AS INTEGER), CAST(substr({n}, 11, 2) AS INTEGER), "
        f"CAST(substr({n}, 13, 2) AS INTEGER)))"
    )
    return (
        f"CASE WHEN NOT regexp_full_match({n}, '[0-9]{{17}}[0-9X]') THEN 'wrong_type' "
        f"WHEN substr({n}, 7, 4) = '0000' OR {birth} IS NULL THEN 'wrong_type' "
        f"WHEN substr({quote_literal(RESIDENT_ID_CHECK)}, (({total}) % 11) + 1, 1) <> substr({n}, 18, 1) "
        f"THEN 'bad_checksum' "
        f"WHEN {birth} > current_date THEN 'wrong_type' END"
    )


def credit_code_fault(n: str) -> str:
    """For a normalized credit code: NULL when valid, else ``wrong_type`` or ``bad_checksum``, in the order
    ``CreditCode`` checks (alphabet of the first 17, check character, eight leading digits)."""
    alphabet = quote_literal(CREDIT_CODE_ALPHABET)
    total = " + ".join(
        f"(strpos({alphabet}, substr({n}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(CREDIT_CODE_WEIGHTS)
    )
    return (
        f"CASE WHEN length({n}) <> 18 OR NOT regexp_full_match(substr({n}, 1, 17), '[0-9A-HJ-NP-RTUWXY]{{17}}') "
        f"THEN 'wrong_type' "
        f"WHEN substr({alphabet}, ((31 - (({total}) % 31)) % 31) + 1, 1) <> substr({n}, 18, 1) THEN 'bad_checksum' "
        f"WHEN NOT regexp_full_match(substr({n}, 1, 8), '[0-9]{{8}}') THEN 'wrong_type' END"
    )


def looks_like_resident_id(n: str) -> str:
    """The shape test of ``puhui.core.ids.looks_like_resident_id``: which checks a subject ID gets."""
    prefixes = "|".join(sorted(PROVINCE_PREFIXES))
    return f"regexp_full_match({n}, '({prefixes})[0-9]{{4}}(18|19|20)[0-9]{{9}}[0-9X]')"


# Dates as departments write them: 2023-01-05, 2023-1-5, 2023/1/5, 2023.1.5, 2023年1月5日, each optionally
# followed by a time (2017-7-7 0:00:00), and 20230105.
_DATE_SEPARATED = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?$"
_DATE_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_YEAR_MONTH = r"^(\d{4})(?:(\d{2})|[-/.年](\d{1,2})月?)$"


def _parts(expr: str, pattern: str, names: tuple[str, ...]) -> str:
    names_sql = ", ".join(quote_literal(name) for name in names)
    return f"regexp_extract({expr}, {quote_literal(pattern)}, [{names_sql}])"


def _int(part: str) -> str:
    return f"CAST(nullif({part}, '') AS INTEGER)"


def parsed_date(v: str) -> tuple[str, str]:
    """``(value, matched)``: the DATE (NULL when the date does not exist), and whether ``v`` has a date's shape
    at all — so a caller tells ``impossible_date`` (2023-02-30) from ``wrong_type`` (abc)."""
    separated = _parts(v, _DATE_SEPARATED, ("y", "m", "d", "hh", "mi", "ss"))
    compact = _parts(v, _DATE_COMPACT, ("y", "m", "d"))
    date_of = "(CASE WHEN {p}.y = '' OR {p}.y = '0000' THEN NULL ELSE try(make_date({y}, {m}, {d})) END)"

    def from_parts(p: str) -> str:
        return date_of.format(p=p, y=_int(f"{p}.y"), m=_int(f"{p}.m"), d=_int(f"{p}.d"))

    value = (
        f"CASE WHEN regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') AND substr({v}, 1, 4) <> '0000' "
        f"THEN try_cast({v} AS DATE) "
        f"WHEN {v} SIMILAR TO '[0-9]{{8}}' THEN {from_parts(compact)} "
        f"ELSE {from_parts(separated)} END"
    )
    separated_shape = f"regexp_matches({v}, {quote_literal(_DATE_SEPARATED)})"
    matched = f"({separated_shape} OR regexp_matches({v}, {quote_literal(_DATE_COMPACT)}))"
    return value, matched


def parsed_timestamp(v: str) -> tuple[str, str]:
    """``(value, matched)`` for a date-time; a bare date means midnight. Out-of-range times do not exist."""
    p = _parts(v, _DATE_SEPARATED, ("y", "m", "d", "hh", "mi", "ss"))
    date_value, matched = parsed_date(v)
    hh, mi, ss = (f"coalesce({_int(f'{p}.{name}')}, 0)" for name in ("hh", "mi", "ss"))
    value = (
        f"CASE WHEN {date_value} IS NULL OR {hh} > 23 OR {mi} > 59 OR {ss} > 59 THEN NULL "
        f"ELSE CAST({date_value} AS TIMESTAMP) + to_seconds({hh} * 3600 + {mi} * 60 + {ss}) END"
    )
    return value, matched


def parsed_year_month(v: str) -> tuple[str, str]:
    """``(value, matched)``: a year-month (202311, 2023-11, 2023年11月) as the DATE of the month's first day."""
    p = _parts(v, _YEAR_MONTH, ("y", "m", "m2"))
    month = f"coalesce({_int(f'{p}.m')}, {_int(f'{p}.m2')})"
    value = f"(CASE WHEN {p}.y = '' OR {p}.y = '0000' THEN NULL ELSE try(make_date({_int(f'{p}.y')}, {month}, 1)) END)"
    return value, f"regexp_matches({v}, {quote_literal(_YEAR_MONTH)})"


__all__ = [
    "CREDIT_CODE_ALPHABET",
    "FULL_WIDTH",
    "HALF_WIDTH",
    "HALF_WIDTH_TABLE",
    "credit_code_fault",
    "half_width",
    "looks_like_resident_id",
    "normalized_id",
    "parsed_date",
    "parsed_timestamp",
    "parsed_year_month",
    "quote_identifier",
    "quote_literal",
    "resident_id_fault",
    "trimmed",
]
