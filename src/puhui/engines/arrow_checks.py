"""Arrow and NumPy kernels that clean text columns and check ID numbers in bulk.

- ``clean_text``: full-width characters folded to half-width, blanks trimmed, the placeholders departments
  write for "nothing" turned into nulls — one pass of Arrow compute per column.
- ``normalize_ids``: ID numbers as ``puhui.core.ids`` normalizes them (no blanks or dashes, upper case).
- ``resident_id_faults``, ``credit_code_faults``, ``looks_like_resident_id``: the verdicts of ``ResidentId``,
  ``CreditCode`` and ``looks_like_resident_id`` for a whole column at once: the 18 characters of each number
  become a row of a ``uint8`` matrix, and the GB 11643 (ISO 7064 MOD 11-2) and GB 32100 check characters are
  a matrix product. A property test holds these to the core, value by value.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from puhui.core.ids import PROVINCE_PREFIXES

WRONG_TYPE = "wrong_type"
BAD_CHECKSUM = "bad_checksum"
# Verdict codes: 0 valid, 1 wrong type (shape, impossible birth date …), 2 wrong check character.
_VERDICTS = pa.array([None, WRONG_TYPE, BAD_CHECKSUM], pa.string())

HALF_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_WIDTH_BYTES = re.compile(rb"\xef\xbc[\x81-\xbf]|\xef\xbd[\x80-\x9e]|\xe3\x80\x80")
# Quick tests first (a literal search runs at memory speed; the alternation above does not).
_FULL_WIDTH_LEADS = (re.compile(rb"\xef[\xbc\xbd]"), re.compile(rb"\xe3\x80\x80"))
_BLANKS = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
_BLANK_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _BLANKS) + "\\-]"
# Bytes that may begin or end a blank in UTF-8: the ASCII blanks, and the lead bytes (C2 E1 E2 E3) and last
# bytes of the others (U+0085 U+00A0 U+1680 U+2000–200A U+2028 U+2029 U+202F U+205F U+3000).
_BLANK_FIRST_BYTE = np.zeros(256, dtype=bool)
_BLANK_LAST_BYTE = np.zeros(256, dtype=bool)
for _blank in _BLANKS:
    _encoded = _blank.encode()
    _BLANK_FIRST_BYTE[_encoded[0]] = True
    _BLANK_LAST_BYTE[_encoded[-1]] = True

RESIDENT_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
RESIDENT_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_CREDIT_VALUE = np.full(256, -1, dtype=np.int64)
_CREDIT_VALUE[np.frombuffer(CREDIT_CODE_ALPHABET.encode(), dtype=np.uint8)] = np.arange(31)
_CREDIT_CHAR = np.frombuffer(CREDIT_CODE_ALPHABET.encode(), dtype=np.uint8)
_PROVINCE = np.zeros(100, dtype=bool)
_PROVINCE[[int(p) for p in PROVINCE_PREFIXES]] = True
_DIGIT0, _X = ord("0"), ord("X")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _data(array: pa.Array) -> bytes | memoryview:
    buffer = array.buffers()[2]
    return memoryview(buffer) if buffer is not None else b""


def is_ascii(array: pa.Array) -> bool:
    """Whether a string column's data buffer holds only ASCII bytes (one vectorized pass, no copy)."""
    data = np.frombuffer(_data(array), dtype=np.uint8)
    return not len(data) or int(data.max()) < 0x80


def contains_bytes(array: pa.Array, pattern: re.Pattern[bytes]) -> bool:
    """Whether any value of a string column may hold ``pattern`` (a scan of its data buffer, no copy)."""
    return pattern.search(_data(array)) is not None


def fold_half_width(array: pa.Array) -> pa.Array:
    """Full-width ASCII forms (U+FF01–FF5E) and the ideographic space become their half-width forms. Only the
    characters present are replaced, so a column without any costs one scan of its bytes."""
    if not any(contains_bytes(array, lead) for lead in _FULL_WIDTH_LEADS):
        return array
    found = set(_FULL_WIDTH_BYTES.findall(_data(array)))
    for encoded in sorted(found):
        char = encoded.decode("utf-8")
        half = " " if char == "\u3000" else chr(ord(char) - 0xFEE0)
        array = pc.replace_substring(array, pattern=char, replacement=half)
    return array


def _clean_all(array: pa.Array, missing: pa.Array) -> pa.Array:
    array = pc.utf8_trim(fold_half_width(array), characters=_BLANKS)
    return pc.if_else(pc.is_in(array, value_set=missing), pa.scalar(None, pa.string()), array)


def _offsets(array: pa.Array) -> np.ndarray:
    return np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]


def _edges(array: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(byte length, first byte, last byte) of each value; 0 for the bytes of empty values."""
    offsets = _offsets(array)
    data = np.frombuffer(_data(array), dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    if not len(data):
        zeros = np.zeros(len(array), dtype=np.uint8)
        return lengths, zeros, zeros
    filled = lengths > 0
    first = np.where(filled, data[np.minimum(starts, len(data) - 1)], 0)
    last = np.where(filled, data[np.maximum(ends - 1, 0)], 0)
    return lengths, first, last


def _dirty_rows(array: pa.Array, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Values that may need folding or trimming: a full-width form anywhere, or a first or last byte that may
    belong to a blank. A byte test, a few nanoseconds a value; it errs only towards cleaning a value that
    needed nothing."""
    dirty: np.ndarray = _BLANK_FIRST_BYTE[first] | _BLANK_LAST_BYTE[last]
    if not is_ascii(array) and any(contains_bytes(array, lead) for lead in _FULL_WIDTH_LEADS):
        positions = np.array([m.start() for m in _FULL_WIDTH_BYTES.finditer(_data(array))], dtype=np.int64)
        starts = _offsets(array)[:-1]
        dirty[np.clip(np.searchsorted(starts, positions, side="right") - 1, 0, len(array) - 1)] = True
    return dirty


def _placeholder_shapes(missing: pa.Array) -> np.ndarray:
    """A (first byte, byte length) table of the placeholders: only values it admits are compared with them."""
    values = [value.as_py().encode() for value in missing]
    shapes = np.zeros((256, max(len(v) for v in values) + 2), dtype=bool)
    for value in values:
        shapes[value[0] if value else 0, len(value)] = True
    return shapes


def clean_text(array: pa.Array | pa.ChunkedArray, missing: pa.Array) -> pa.ChunkedArray:
    """Folded, trimmed text; values in ``missing`` (the placeholders, compared after trimming) become null.

    Most values need nothing: only those a byte test finds possibly dirty are folded and trimmed, and only
    those with a placeholder's first byte and length are compared with the placeholders."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    shapes = _placeholder_shapes(missing)
    cleaned = []
    for chunk in chunks:
        if not pa.types.is_string(chunk.type):
            chunk = pc.cast(chunk, pa.string())
        if len(chunk) and chunk.null_count < len(chunk):
            lengths, first, last = _edges(chunk)
            dirty = _dirty_rows(chunk, first, last)
            if dirty.any():
                chunk = pc.replace_with_mask(
                    chunk, pa.array(dirty), _clean_all(pc.take(chunk, pa.array(np.flatnonzero(dirty))), missing)
                )
                lengths, first, _ = _edges(chunk)
            candidate = shapes[first, np.minimum(lengths, shapes.shape[1] - 1)]
            if candidate.any():
                where = np.flatnonzero(candidate)
                placeholder = pc.fill_null(pc.is_in(pc.take(chunk, pa.array(where)), value_set=missing), False)
                hits = where[np.asarray(placeholder.to_numpy(zero_copy_only=False), dtype=bool)]
                if len(hits):
                    valid = np.asarray(pc.is_valid(chunk).to_numpy(zero_copy_only=False), dtype=bool)
                    valid[hits] = False
                    chunk = pc.if_else(pa.array(valid), chunk, pa.scalar(None, pa.string()))
        cleaned.append(chunk)
    return pa.chunked_array(cleaned, pa.string())


def normalize_ids(array: pa.Array) -> pa.Array:
    """ID numbers as ``puhui.core.ids`` normalizes them: half-width, no blanks or dashes, upper case."""
    array = fold_half_width(array)
    array = pc.replace_substring_regex(array, pattern=_BLANK_CLASS, replacement="")
    return pc.utf8_upper(array)


def _matrix(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the 18-byte values, their bytes as a k×18 ``uint8`` matrix)."""
    lengths = pc.fill_null(pc.binary_length(array), 0).to_numpy(zero_copy_only=False)
    where = np.flatnonzero(lengths == 18)
    if not len(where):
        return where, np.zeros((0, 18), dtype=np.uint8)
    chosen = array if len(where) == len(array) else pc.take(array, pa.array(where))
    if isinstance(chosen, pa.ChunkedArray):
        chosen = chosen.combine_chunks()
    offsets = np.frombuffer(chosen.buffers()[1], dtype=np.int32)[chosen.offset : chosen.offset + len(chosen) + 1]
    data = np.frombuffer(chosen.buffers()[2], dtype=np.uint8)
    start = int(offsets[0])
    return where, data[start : start + 18 * len(where)].reshape(len(where), 18)


class _Numbers:
    """The 18-byte values of a column as a matrix, with the tests both kinds of number share."""

    def __init__(self, array: pa.Array) -> None:
        self.size = len(array)
        self.present = np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False), dtype=bool)
        self.where, self.m = _matrix(array)
        self.digits = self.m[:, :17].astype(np.int16) - _DIGIT0
        last = self.m[:, 17]
        self.resident_shape = np.all(self.m[:, :17] - _DIGIT0 <= 9, axis=1) & (((last - _DIGIT0) <= 9) | (last == _X))

    def verdicts(self, codes: np.ndarray, rows: np.ndarray | None = None) -> pa.Array:
        """Verdict strings per value: nulls stay unjudged (null), values not 18 bytes long are of the wrong type;
        ``rows`` restricts the verdicts to some values (the rest stay null)."""
        full = self.present.astype(np.int8)
        full[self.where] = codes
        if rows is not None:
            full[~rows] = 0
        return pc.take(_VERDICTS, pa.array(full))

    def resident_codes(self, today: dt.date) -> np.ndarray:
        d = self.digits.astype(np.int32)
        year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
        month = d[:, 10] * 10 + d[:, 11]
        day = d[:, 12] * 10 + d[:, 13]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
        birth_ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
        expected = RESIDENT_ID_CHECK[(d @ RESIDENT_ID_WEIGHTS.astype(np.int32)) % 11]
        future = year * 10000 + month * 100 + day > today.year * 10000 + today.month * 100 + today.day
        shape = self.resident_shape
        codes = np.where(~shape | ~birth_ok, 1, np.where(expected != self.m[:, 17], 2, np.where(future, 1, 0)))
        return codes.astype(np.int8)

    def credit_codes(self) -> np.ndarray:
        values = _CREDIT_VALUE[self.m[:, :17]]
        alphabet = np.all(values >= 0, axis=1)
        expected = _CREDIT_CHAR[(31 - (values @ CREDIT_CODE_WEIGHTS) % 31) % 31]
        leading_digits = np.all(self.m[:, :8] - _DIGIT0 <= 9, axis=1)
        codes = np.where(~alphabet, 1, np.where(expected != self.m[:, 17], 2, np.where(~leading_digits, 1, 0)))
        return codes.astype(np.int8)

    def looks_like_resident(self) -> np.ndarray:
        d = self.digits
        century = d[:, 6] * 10 + d[:, 7]
        province = _PROVINCE[np.clip(d[:, 0] * 10 + d[:, 1], 0, 99)]
        looks = self.resident_shape & province & (century >= 18) & (century <= 20)
        result = np.zeros(self.size, dtype=bool)
        result[self.where] = looks
        return result


def resident_id_faults(array: pa.Array, today: dt.date | None = None) -> pa.Array:
    """Per normalized resident ID: null when valid (or null), else ``wrong_type`` or ``bad_checksum`` — in the
    order ``ResidentId`` checks: shape, birth date, check digit, birth not in the future."""
    numbers = _Numbers(array)
    return numbers.verdicts(numbers.resident_codes(today or dt.date.today()))


def credit_code_faults(array: pa.Array) -> pa.Array:
    """Per normalized credit code: null when valid (or null), else ``wrong_type`` or ``bad_checksum`` — in the
    order ``CreditCode`` checks: alphabet of the first 17, check character, eight leading digits."""
    numbers = _Numbers(array)
    return numbers.verdicts(numbers.credit_codes())


def looks_like_resident_id(array: pa.Array) -> np.ndarray:
    """The shape test of ``puhui.core.ids.looks_like_resident_id`` per value (False for nulls)."""
    return _Numbers(array).looks_like_resident()


def subject_id_faults(array: pa.Array, today: dt.date | None = None) -> tuple[pa.Array, np.ndarray]:
    """For fields holding either kind: (verdicts, is-person mask), each value judged by the kind its shape says."""
    numbers = _Numbers(array)
    person = numbers.looks_like_resident()
    looks = person[numbers.where]
    codes = np.where(looks, numbers.resident_codes(today or dt.date.today()), numbers.credit_codes()).astype(np.int8)
    return numbers.verdicts(codes), person


Column = TypeVar("Column", pa.Array, pa.ChunkedArray)


def decoded(column: Column) -> Column:
    """A dictionary-encoded column as plain values (Arrow compares and DuckDB scans those without a dictionary)."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


__all__ = [
    "BAD_CHECKSUM",
    "CREDIT_CODE_ALPHABET",
    "HALF_WIDTH_TABLE",
    "WRONG_TYPE",
    "clean_text",
    "contains_bytes",
    "credit_code_faults",
    "decoded",
    "fold_half_width",
    "is_ascii",
    "looks_like_resident_id",
    "normalize_ids",
    "resident_id_faults",
    "subject_id_faults",
]
