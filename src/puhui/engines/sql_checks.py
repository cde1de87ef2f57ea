"""DuckDB SQL expressions that type text columns in bulk: dates, date-times and year-months in every shape
departments send them, telling values that do not exist (2023-02-30) from values that are not dates at all.

Each function takes a SQL expression and returns SQL expressions, so a caller composes one vectorized query
over millions of rows instead of calling Python per value.
"""

from __future__ import annotations


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
    at all — so a caller tells ``impossible_date`` (2023-02-30) from ``wrong_type`` (abc).

    The value needs no regular expression: the usual 2023-01-05 goes straight to DuckDB's date cast; otherwise
    年/月/日 and dots become dashes, and DuckDB's own parser reads the rest (2023-1-5, 2023/1/5, a trailing
    time); 20230105 goes through ``strptime``. The guard keeps the parser from reading what departments do not
    mean as dates (``inf``, ``1-1-1``). ``matched`` is a regular expression, but callers only need it where the
    value is NULL.
    """
    named = f"replace(replace(replace({v}, '年', '-'), '月', '-'), '日', '')"
    dashed = f"(replace(substr({named}, 1, 10), '.', '-') || substr({named}, 11))"  # 2023.1.5, not seconds' dot
    fast = f"try_cast({dashed} AS DATE)"
    compact = f"CAST(try_strptime({v}, '%Y%m%d') AS DATE)"
    iso = f"length({v}) = 10 AND substr({v}, 5, 1) = '-' AND substr({v}, 8, 1) = '-'"
    value = (
        f"(CASE WHEN {iso} THEN (CASE WHEN substr({v}, 1, 4) <> '0000' THEN try_cast({v} AS DATE) END) "
        f"WHEN length({v}) = 8 AND substr({v}, 5, 1) BETWEEN '0' AND '9' "
        f"THEN (CASE WHEN substr({v}, 1, 4) <> '0000' THEN {compact} END) "
        f"WHEN substr({dashed}, 5, 1) IN ('-', '/') AND substr({v}, 1, 4) <> '0000' AND isfinite({fast}) "
        f"THEN {fast} END)"
    )
    separated_shape = f"regexp_matches({v}, {quote_literal(_DATE_SEPARATED)})"
    matched = f"({separated_shape} OR regexp_matches({v}, {quote_literal(_DATE_COMPACT)}))"
    return value, matched


def parsed_timestamp(v: str) -> tuple[str, str]:
    """``(value, matched)`` for a date-time; a bare date means midnight. Out-of-range times do not exist.
    DuckDB's parser reads the usual shapes; regular expressions only see the rest."""
    fast = f"try_cast({v} AS TIMESTAMP)"
    p = _parts(v, _DATE_SEPARATED, ("y", "m", "d", "hh", "mi", "ss"))
    date_value, matched = parsed_date(v)
    hh, mi, ss = (f"coalesce({_int(f'{p}.{name}')}, 0)" for name in ("hh", "mi", "ss"))
    slow = (
        f"CASE WHEN {date_value} IS NULL OR {hh} > 23 OR {mi} > 59 OR {ss} > 59 THEN NULL "
        f"ELSE CAST({date_value} AS TIMESTAMP) + to_seconds({hh} * 3600 + {mi} * 60 + {ss}) END"
    )
    value = (
        f"(CASE WHEN substr({v}, 5, 1) = '-' AND NOT contains({v}, ' 24:') AND isfinite({fast}) "
        f"AND year({fast}) >= 1000 THEN {fast} ELSE {slow} END)"
    )
    return value, matched


def parsed_year_month(v: str) -> tuple[str, str]:
    """``(value, matched)``: a year-month (202311, 2023-11, 2023年11月) as the DATE of the month's first day."""
    p = _parts(v, _YEAR_MONTH, ("y", "m", "m2"))
    month = f"coalesce({_int(f'{p}.m')}, {_int(f'{p}.m2')})"
    slow = f"(CASE WHEN {p}.y = '' OR {p}.y = '0000' THEN NULL ELSE try(make_date({_int(f'{p}.y')}, {month}, 1)) END)"
    value = (
        f"(CASE WHEN length({v}) = 6 AND substr({v}, 1, 4) <> '0000' THEN CAST(try_strptime({v}, '%Y%m') AS DATE) "
        f"WHEN length({v}) = 7 AND substr({v}, 5, 1) = '-' AND substr({v}, 1, 4) <> '0000' "
        f"THEN CAST(try_strptime({v}, '%Y-%m') AS DATE) ELSE {slow} END)"
    )
    return value, f"regexp_matches({v}, {quote_literal(_YEAR_MONTH)})"


__all__ = [
    "parsed_date",
    "parsed_timestamp",
    "parsed_year_month",
    "quote_identifier",
    "quote_literal",
]
