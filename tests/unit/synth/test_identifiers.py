"""The vectorized identifiers agree with the core validator, number by number."""

from __future__ import annotations

import numpy as np
import pytest

from puhui.core.ids import CreditCode, ResidentId, credit_code_check_char, resident_id_check_digit
from puhui.synth.identifiers import credit_codes, mobile_numbers, organization_codes, resident_ids, unique_sequences
from puhui.synth.rand import stream


@pytest.fixture()
def rng() -> np.random.Generator:
    return stream(1, "test", "identifiers")


def test_resident_ids_carry_the_core_check_digit_and_decode_to_their_inputs(rng: np.random.Generator) -> None:
    n = 3000
    region = rng.choice([360502, 360521, 430121, 411328], n)
    birth = np.datetime64("1930-01-01") + rng.integers(0, 34_000, n).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    numbers = resident_ids(region, birth, unique_sequences(rng, region, birth, male)).to_pylist()
    assert len(set(numbers)) == n
    for number, r, b, m in zip(numbers, region, birth, male, strict=True):
        assert number[17] == resident_id_check_digit(number[:17])
        parsed = ResidentId(number)
        assert parsed.region_code == str(r)
        assert np.datetime64(parsed.birth_date) == b
        assert (parsed.sex.value == "male") == bool(m)


def test_sequences_stay_unique_when_hundreds_share_a_birthday(rng: np.random.Generator) -> None:
    n = 900
    region = np.full(n, 360502)
    birth = np.full(n, np.datetime64("1990-05-05"))
    male = np.arange(n) % 2 == 0
    sequence = unique_sequences(rng, region, birth, male)
    assert len(set(sequence.tolist())) == n
    assert ((sequence % 2 == 1) == male).all()


def test_credit_codes_carry_the_core_check_character(rng: np.random.Generator) -> None:
    n = 3000
    newer = rng.random(n) < 0.5
    org = organization_codes(rng, n, newer)
    classes = rng.choice(np.array([b"91", b"92", b"93", b"12"]), n)
    codes = credit_codes(classes, rng.choice([360502, 360521], n), org).to_pylist()
    assert len(set(codes)) == n
    for code, cls, is_new in zip(codes, classes, newer, strict=True):
        assert code[17] == credit_code_check_char(code[:17])
        assert CreditCode(code).value[:2] == cls.decode()
        assert code[8:10] == "MA" if is_new else code[8:16].isdigit()


def test_mobile_numbers_are_unique_eleven_digits_with_their_prefix(rng: np.random.Generator) -> None:
    prefixes = rng.choice(np.array([138, 139, 133, 186]), 20_000)
    numbers = mobile_numbers(rng, prefixes).to_pylist()
    assert len(set(numbers)) == len(numbers)
    assert all(len(p) == 11 and p.isdigit() for p in numbers)
    assert [int(p[:3]) for p in numbers[:50]] == prefixes[:50].tolist()
