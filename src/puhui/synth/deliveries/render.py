"""How a department spells its values: date formats, booleans, placeholders for missing values, and the small
variants the delivery contract allows (padded or full-width codes, lower-case check letters), per data set.

A department's habits belong to the department, so a data set's style depends on its id only, not on the seed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.core.catalog import FieldSpec, FieldType
from puhui.synth import text

PLACEHOLDERS = ("暂无", "无", "-", "NULL")
BOOLEAN_SPELLINGS = (("是", "否"), ("1", "0"), ("Y", "N"), ("true", "false"))
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
IDENTIFIERS = (FieldType.RESIDENT_ID, FieldType.CREDIT_CODE, FieldType.SUBJECT_ID)


@dataclass(frozen=True)
class Style:
    date: str  # one of text.DATE_STYLES
    year_month: str  # "compact" or "dash"
    boolean: tuple[str, str]
    placeholder: str | None  # spelling of a missing optional value, None for empty
    variant_rate: float  # share of code and ID cells spelled in an allowed variant


def style_for(dataset_id: str) -> Style:
    digest = hashlib.sha256(dataset_id.encode()).digest()
    pick = [b / 256 for b in digest[:5]]
    date = "iso"
    for style, upper in (("compact", 0.10), ("loose", 0.18), ("slash", 0.24), ("zh", 0.28), ("loose_time", 0.32)):
        if pick[0] < upper:
            date = style
            break
    return Style(
        date=date,
        year_month="dash" if pick[1] < 0.15 else "compact",
        boolean=BOOLEAN_SPELLINGS[int(pick[2] * len(BOOLEAN_SPELLINGS))],
        placeholder=PLACEHOLDERS[int(pick[3] * 8)] if pick[3] < 0.5 else None,
        variant_rate=0.02 if pick[4] < 0.5 else 0.0,
    )


def decimal_scale(spec: FieldSpec) -> int:
    """Digits after the point: 万元 figures carry six (as annual reports do), everything else two."""
    return 6 if spec.unit and spec.unit.startswith("万") else 2


def _scaled(spec: FieldSpec, values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    floats = values.to_numpy(zero_copy_only=False).astype(np.float64)
    missing = np.isnan(floats)
    scaled = np.round(np.where(missing, 0, floats) * 10 ** decimal_scale(spec)).astype(np.int64)
    return scaled, missing


def _missing(values: pa.Array) -> np.ndarray | None:
    if values.null_count == 0:
        return None
    return np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def render_text(spec: FieldSpec, values: pa.Array, style: Style) -> pa.StringArray:
    """The column as the department writes it into a CSV or a spreadsheet (nulls stay null)."""
    kind = spec.type
    missing = _missing(values)
    if kind is FieldType.DECIMAL:
        scaled, nan = _scaled(spec, values)
        return text.with_nulls(text.decimals(scaled, decimal_scale(spec)), nan)
    if kind is FieldType.INT:
        return text.with_nulls(text.integers(values.fill_null(0).to_numpy(zero_copy_only=False)), missing)
    if kind is FieldType.DATE:
        days = values.fill_null(0).to_numpy(zero_copy_only=False).astype("datetime64[D]")
        return text.with_nulls(text.by_distinct(days, lambda d: text.dates(d, style.date)), missing)
    if kind is FieldType.DATETIME:
        seconds = pc.cast(values.fill_null(0), pa.int64()).to_numpy(zero_copy_only=False).astype("datetime64[s]")
        return text.with_nulls(text.datetimes(seconds), missing)
    if kind is FieldType.YM:
        months = values.fill_null(0).to_numpy(zero_copy_only=False).astype("datetime64[D]").astype("datetime64[M]")
        return text.with_nulls(text.by_distinct(months, lambda m: text.year_months(m, style.year_month)), missing)
    if kind is FieldType.BOOL:
        yes, no = style.boolean
        return pc.if_else(values, yes, no)
    return values


def render_parquet(spec: FieldSpec, values: pa.Array) -> pa.Array:
    """The column typed for Parquet: decimals as decimal128, dates as date32, year-months as ``YYYYMM`` text."""
    if spec.type is FieldType.DECIMAL:
        scaled, nan = _scaled(spec, values)
        # decimal128 values are 16-byte little-endian two's complement integers in units of 10**-scale
        words = np.empty((len(scaled), 2), dtype=np.int64)
        words[:, 0] = scaled
        words[:, 1] = np.where(scaled < 0, -1, 0)
        validity = None if not nan.any() else pa.array(~nan).buffers()[1]
        return pa.Array.from_buffers(
            pa.decimal128(18, decimal_scale(spec)),
            len(scaled),
            [validity, pa.py_buffer(words.tobytes())],
            null_count=int(nan.sum()),
        )
    if spec.type is FieldType.YM:
        return render_text(spec, values, Style("iso", "compact", ("是", "否"), None, 0.0))
    return values


def apply_variants(
    spec: FieldSpec, column: pa.Array, style: Style, rng: np.random.Generator, *, full_width: bool = True
) -> pa.Array:
    """Spell a few cells of a text column in a variant the contract allows, and missing optional values with the
    department's placeholder. ``full_width`` False keeps codes ASCII (legacy-encoded files stay cheap to write)."""
    column = _spell_variants(spec, column, style, rng, full_width)
    if style.placeholder is not None and not spec.required and column.null_count:
        column = column.fill_null(style.placeholder)
    return column


def _spell_variants(
    spec: FieldSpec, column: pa.Array, style: Style, rng: np.random.Generator, full_width: bool
) -> pa.Array:
    n = len(column)
    if style.variant_rate == 0 or n == 0 or spec.type not in (*IDENTIFIERS, FieldType.CODE):
        return column
    chosen = (rng.random(n) < style.variant_rate) & column.is_valid().to_numpy(zero_copy_only=False)
    if not chosen.any():
        return column
    rows = np.flatnonzero(chosen)
    how = rng.integers(0, 3, len(rows))
    values = column.take(pa.array(rows))
    if spec.type is FieldType.CODE:
        codes = list(spec.codes or {})
        wide = pa.array(["".join(FULL_WIDTH.get(ch, ch) for ch in code) for code in codes], pa.string())
        position = pc.index_in(values, value_set=pa.array(codes, pa.string())).fill_null(0)
        widened = wide.take(position) if full_width else text.join(" ", values, "")
        spelled = [text.join(" ", values, " "), widened, pc.utf8_lower(values)]
    else:
        spelled = [text.join(" ", values, ""), text.join("", values, " "), pc.utf8_lower(values)]
    variant = spelled[2]
    for number in (1, 0):
        variant = pc.if_else(pa.array(how == number), spelled[number], variant)
    return pc.replace_with_mask(column, pa.array(chosen), variant)


__all__ = [
    "BOOLEAN_SPELLINGS",
    "PLACEHOLDERS",
    "Style",
    "apply_variants",
    "decimal_scale",
    "render_parquet",
    "render_text",
    "style_for",
]
