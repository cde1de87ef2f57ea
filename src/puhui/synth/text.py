"""Vectorized text: turning NumPy columns into Arrow strings without a Python loop per row.

Identifiers, dates and amounts are built as fixed-width ASCII byte matrices and handed to Arrow as one buffer;
names and labels are gathered from small tables with ``take`` and joined element-wise in Arrow's C++ kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def fixed_width(chars: np.ndarray) -> pa.StringArray:
    """An ``(n, width)`` matrix of ASCII codes as ``n`` strings of ``width`` characters."""
    n, width = chars.shape
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded ASCII digit columns, shape ``(n, width)``."""
    values = np.asarray(values, dtype=np.int64)
    out = np.empty((values.shape[0], width), dtype=np.uint8)
    rest = values.copy()
    for column in range(width - 1, -1, -1):
        out[:, column] = DIGITS[rest % 10]
        rest //= 10
    return out


def zero_padded(values: np.ndarray, width: int) -> pa.StringArray:
    return fixed_width(digit_matrix(values, width))


def with_nulls(array: pa.Array, missing: np.ndarray | None) -> pa.Array:
    """``array`` with the rows where ``missing`` is true set to null."""
    if missing is None or not missing.any():
        return array
    if array.offset == 0 and array.null_count == 0 and pa.types.is_string(array.type):
        # set the validity bitmap directly instead of copying the strings through if_else
        validity = pa.array(~np.asarray(missing, dtype=bool)).buffers()[1]
        return pa.Array.from_buffers(array.type, len(array), [validity, *array.buffers()[1:]])
    return pc.if_else(pa.array(missing), pa.scalar(None, array.type), array)


def by_distinct(values: np.ndarray, spell: Callable[[np.ndarray], pa.Array]) -> pa.Array:
    """``spell(values)`` computed once per distinct value: dates and months repeat a lot in long series."""
    values = np.asarray(values)
    if len(values) < 50_000:
        return spell(values)
    distinct, inverse = np.unique(values, return_inverse=True)
    if len(distinct) * 4 > len(values):
        return spell(values)
    return spell(distinct).take(pa.array(inverse.reshape(-1)))


def pick(table: Sequence[str], index: np.ndarray) -> pa.StringArray:
    """``table[index]`` for every row; a negative index gives null."""
    index = np.asarray(index, dtype=np.int64)
    choices = pa.array(list(table), pa.string())
    missing = index < 0
    return choices.take(pa.array(np.where(missing, 0, index), mask=missing if missing.any() else None))


def join(*parts: pa.Array | str, sep: str = "") -> pa.StringArray:
    """Element-wise concatenation of string columns and constants (a null part makes a null result)."""
    return pc.binary_join_element_wise(*parts, sep)


def integers(values: np.ndarray) -> pa.StringArray:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def decimals(scaled: np.ndarray, scale: int) -> pa.StringArray:
    """Fixed-point numbers from integers in units of ``10**-scale`` (fen for money in yuan): ``12345, 2 → 123.45``."""
    scaled = np.asarray(scaled, dtype=np.int64)
    if scale == 0:
        return integers(scaled)
    sign = np.where(scaled < 0, "-", "")
    magnitude = np.abs(scaled)
    whole = integers(magnitude // 10**scale)
    fraction = zero_padded(magnitude % 10**scale, scale)
    text = join(whole, fraction, sep=".")
    if (scaled < 0).any():
        text = join(pa.array(sign), text)
    return text


def date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of ``datetime64[D]`` values."""
    days = np.asarray(days, dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


DATE_STYLES = ("iso", "compact", "loose", "slash", "zh", "loose_time")


def dates(days: np.ndarray, style: str = "iso") -> pa.StringArray:
    """Dates in one of the delivery contract's spellings (``docs/delivery-format.md``)."""
    year, month, day = date_parts(days)
    if style == "iso":
        dash = np.full((len(year), 1), ord("-"), dtype=np.uint8)
        return fixed_width(np.hstack([digit_matrix(year, 4), dash, digit_matrix(month, 2), dash, digit_matrix(day, 2)]))
    if style == "compact":
        return fixed_width(np.hstack([digit_matrix(year, 4), digit_matrix(month, 2), digit_matrix(day, 2)]))
    y, m, d = integers(year), integers(month), integers(day)
    if style == "loose":
        return join(y, m, d, sep="-")
    if style == "slash":
        return join(y, m, d, sep="/")
    if style == "zh":
        return join(y, "年", m, "月", d, "日")
    if style == "loose_time":
        return join(join(y, m, d, sep="-"), " 0:00:00")
    raise ValueError(f"unknown date style {style}")


def datetimes(seconds: np.ndarray) -> pa.StringArray:
    """``YYYY-MM-DD HH:MM:SS`` from ``datetime64[s]`` values."""
    seconds = np.asarray(seconds, dtype="datetime64[s]")
    days = seconds.astype("datetime64[D]")
    clock = (seconds - days.astype("datetime64[s]")).astype(np.int64)
    colon = np.full((len(days), 1), ord(":"), dtype=np.uint8)
    time_part = fixed_width(
        np.hstack(
            [
                digit_matrix(clock // 3600, 2),
                colon,
                digit_matrix(clock // 60 % 60, 2),
                colon,
                digit_matrix(clock % 60, 2),
            ]
        )
    )
    return join(dates(days), time_part, sep=" ")


def year_months(months: np.ndarray, style: str = "compact") -> pa.StringArray:
    """``YYYYMM`` (or ``YYYY-MM``) from ``datetime64[M]`` values."""
    months = np.asarray(months, dtype="datetime64[M]").astype(np.int64)
    year, month = months // 12 + 1970, months % 12 + 1
    parts = [digit_matrix(year, 4), digit_matrix(month, 2)]
    if style == "dash":
        parts.insert(1, np.full((len(year), 1), ord("-"), dtype=np.uint8))
    return fixed_width(np.hstack(parts))


__all__ = [
    "DATE_STYLES",
    "by_distinct",
    "date_parts",
    "dates",
    "datetimes",
    "decimals",
    "digit_matrix",
    "fixed_width",
    "integers",
    "join",
    "pick",
    "with_nulls",
    "year_months",
    "zero_padded",
]
