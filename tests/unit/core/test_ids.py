import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.core.errors import InvalidIdentifier
from puhui.core.ids import (
    CreditCode,
    ResidentId,
    Sex,
    SubjectKind,
    credit_code_check_char,
    parse_subject_id,
    resident_id_check_digit,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_the_reference_resident_id_is_valid_and_decoded():
    rid = ResidentId.parse("11010519491231002X")
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex is Sex.FEMALE
    assert rid.region_code == "110105"
    assert rid.age_on(dt.date(2026, 11, 27)) == 76


def test_a_wrong_check_digit_names_the_expected_one():
    with pytest.raises(InvalidIdentifier, match="check digit should be X"):
        ResidentId.parse("110105194912310021")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010519491231002", "18 characters"),
        ("11010519491331002X", "not a real date"),
        ("1101051949123100AX", "17 digits"),
    ],
)
def test_malformed_resident_ids_say_what_is_wrong(number, message):
    with pytest.raises(InvalidIdentifier, match=message):
        ResidentId.parse(number)


def test_normalization_accepts_lower_case_x_and_full_width_digits():
    assert ResidentId.parse("11010519491231002x").value == "11010519491231002X"
    assert ResidentId.parse("１１０１０５１９４９１２３１００２Ｘ").value == "11010519491231002X"


def test_plaintext_never_shows_in_str_or_repr():
    rid = ResidentId.parse("11010519491231002X")
    assert "19491231" not in str(rid) and "19491231" not in repr(rid)


def test_credit_code_is_checked_and_decoded():
    code = CreditCode.parse("91110000600037341L")
    assert code.entity_class == "enterprise"
    with pytest.raises(InvalidIdentifier, match="check character should be L"):
        CreditCode.parse("91110000600037341A")
    with pytest.raises(InvalidIdentifier, match="no I, O, S, V, Z"):
        CreditCode.parse("9111000060003734IL")


def test_parse_subject_id_tells_the_kinds_apart():
    assert parse_subject_id("11010519491231002X").kind is SubjectKind.PERSON
    assert parse_subject_id("91110000600037341L").kind is SubjectKind.ENTERPRISE
    assert parse_subject_id("91110000600037341L", SubjectKind.ENTERPRISE).kind is SubjectKind.ENTERPRISE


resident_bodies = st.builds(
    lambda region, born, seq: f"{region}{born:%Y%m%d}{seq:03d}",
    st.sampled_from(["360502", "360521", "360102", "430121", "110105"]),
    st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999),
)


@given(resident_bodies)
def test_every_generated_resident_id_validates(body):
    rid = ResidentId(body + resident_id_check_digit(body))
    assert rid.birth_date.strftime("%Y%m%d") == body[6:14]
    assert rid.sex is (Sex.MALE if int(body[16]) % 2 else Sex.FEMALE)


@given(resident_bodies, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_change_of_a_resident_id_is_rejected(body, position, replacement):
    number = body + resident_id_check_digit(body)
    if number[position] == replacement:
        return
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdentifier):
        ResidentId(changed)


credit_bodies = st.builds(
    lambda cls, region, org: f"{cls}{region}{org}",
    st.sampled_from(["91", "92", "93"]),
    st.sampled_from(["360502", "360521", "360500"]),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)


@given(credit_bodies)
def test_every_generated_credit_code_validates(body):
    assert CreditCode(body + credit_code_check_char(body)).value.startswith(body)


@given(credit_bodies, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_every_single_character_change_of_a_credit_code_is_rejected(body, position, replacement):
    number = body + credit_code_check_char(body)
    if number[position] == replacement:
        return
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdentifier):
        CreditCode(changed)
