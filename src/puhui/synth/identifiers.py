"""Vectorized identifiers: resident ID numbers (GB 11643), unified social credit codes (GB 32100) and mobiles.

The check characters are computed for whole columns at once with the standards' weights; the tests compare them
with ``puhui.core.ids`` (the one validator) number by number on samples, so the two can never drift apart.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.synth.text import digit_matrix, fixed_width

# GB 11643: weight of position i is 2**(17 - i) mod 11; the remainder indexes "10X98765432".
_RESIDENT_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_RESIDENT_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

# GB 32100: 31 characters (no I, O, S, V, Z), weights 3**i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CODES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
_USCC_VALUE = np.full(128, -1, dtype=np.int64)
_USCC_VALUE[_USCC_CODES] = np.arange(len(USCC_ALPHABET))
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)

# GB 11714 organisation code: 8 characters and a check character (weights below; 10 -> X, 11 -> 0).
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
# Letters of the 8-character body of market-regulator codes ("MA…"): those the credit-code alphabet allows.
_ORG_BODY = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)


def resident_check_chars(first17: np.ndarray) -> np.ndarray:
    """Check characters (ASCII codes) for an ``(n, 17)`` matrix of ASCII digits."""
    values = first17.astype(np.int64) - ord("0")
    return np.asarray(_RESIDENT_CHECK[(values @ _RESIDENT_WEIGHTS) % 11])


def resident_ids(region: np.ndarray, birth: np.ndarray, sequence: np.ndarray) -> pa.StringArray:
    """18-digit numbers from a 6-digit region code, a ``datetime64[D]`` birth date and a 3-digit sequence."""
    days = np.asarray(birth, dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    body = np.hstack(
        [
            digit_matrix(region, 6),
            digit_matrix(year, 4),
            digit_matrix(month, 2),
            digit_matrix(day, 2),
            digit_matrix(sequence, 3),
        ]
    )
    return fixed_width(np.hstack([body, resident_check_chars(body)[:, None]]))


def unique_sequences(rng: np.random.Generator, region: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Sequence codes (odd for men, even for women) that make every (region, birth date, sequence) unique.

    People sharing a region, birthday and sex get consecutive slots from a random start, so no two collide as long
    as fewer than 500 share all three (about 60 do in a city of a million).
    """
    n = len(region)
    keys = np.lexsort((male, np.asarray(birth, dtype="datetime64[D]").astype(np.int64), region))
    region_s, birth_s, male_s = region[keys], np.asarray(birth, "datetime64[D]")[keys], male[keys]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (region_s[1:] != region_s[:-1]) | (birth_s[1:] != birth_s[:-1]) | (male_s[1:] != male_s[:-1])
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    rank = np.arange(n) - starts[group]
    if rank.max(initial=0) >= 500:
        raise ValueError("more than 500 people share a region, birth date and sex")
    offset = rng.integers(0, 500, size=len(starts))[group]
    slot = (offset + rank) % 500
    sequence_sorted = slot * 2 + male_s.astype(np.int64)
    sequence = np.empty(n, dtype=np.int64)
    sequence[keys] = sequence_sorted
    return sequence


def organization_codes(rng: np.random.Generator, n: int, newer: np.ndarray) -> np.ndarray:
    """``(n, 9)`` ASCII organisation codes, unique; ``newer`` ones use the market regulator's ``MA`` series."""
    body = np.empty((n, 8), dtype=np.uint8)
    # Old-style codes: 8 digits; newer ones: "MA" and 6 characters of the credit-code alphabet. Unique by drawing
    # distinct integers and writing them in the series' base.
    numbers = rng.choice(10**8 if n < 10**7 else 10**9, size=n, replace=False).astype(np.int64)
    old_digits = digit_matrix(numbers % 10**8, 8)
    rest = numbers.copy()
    new_chars = np.empty((n, 6), dtype=np.uint8)
    for column in range(5, -1, -1):
        new_chars[:, column] = _ORG_BODY[rest % 31]
        rest //= 31
    body[:] = old_digits
    body[newer, 0] = ord("M")
    body[newer, 1] = ord("A")
    body[newer, 2:] = new_chars[newer]
    values = np.where(body <= ord("9"), body.astype(np.int64) - ord("0"), body.astype(np.int64) - ord("A") + 10)
    check = 11 - (values @ _ORG_WEIGHTS) % 11
    check_char = np.where(check == 10, ord("X"), np.where(check == 11, ord("0"), check + ord("0"))).astype(np.uint8)
    return np.hstack([body, check_char[:, None]])


def credit_codes(entity_class: np.ndarray, region: np.ndarray, org_codes: np.ndarray) -> pa.StringArray:
    """18-character codes from a 2-character class (``b"91"``, ``b"92"`` …), a region and an organisation code."""
    classes = np.frombuffer(np.asarray(entity_class, dtype="S2").tobytes(), dtype=np.uint8).reshape(-1, 2)
    body = np.hstack([classes, digit_matrix(region, 6), org_codes])
    values = _USCC_VALUE[body]
    check = _USCC_CODES[(31 - (values @ _USCC_WEIGHTS) % 31) % 31]
    return fixed_width(np.hstack([body, check[:, None]]))


def mobile_numbers(rng: np.random.Generator, prefixes: np.ndarray) -> pa.StringArray:
    """Unique 11-digit mobiles: a 3-digit operator prefix and 8 random digits."""
    n = len(prefixes)
    numbers = prefixes.astype(np.int64) * 10**8 + rng.integers(0, 10**8, size=n)
    while True:
        _, first, counts = np.unique(numbers, return_index=True, return_counts=True)
        if (counts == 1).all():
            break
        repeated = np.ones(n, dtype=bool)
        repeated[first] = False
        numbers[repeated] = prefixes[repeated].astype(np.int64) * 10**8 + rng.integers(0, 10**8, size=repeated.sum())
    return fixed_width(digit_matrix(numbers, 11))


__all__ = [
    "USCC_ALPHABET",
    "credit_codes",
    "mobile_numbers",
    "organization_codes",
    "resident_check_chars",
    "resident_ids",
    "unique_sequences",
]
