from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.core.errors import ValidationError
from puhui.core.ids import CreditCode, ResidentId, SubjectKind
from puhui.core.masking import mask_name, mask_phone, mask_resident_id
from puhui.core.money import allocate, quantize_fen, to_money, wan_to_yuan
from puhui.core.pseudonym import Pseudonymizer, PseudonymKeyring, pseudonym_kind

KEY1 = "1:" + "11" * 32
KEY2 = "2:" + "22" * 32


def test_money_rounds_half_up_to_the_fen_and_refuses_floats():
    assert to_money("1.005") == Decimal("1.01")
    assert to_money("2.675") == Decimal("2.68")  # a float would say 2.67
    assert to_money(3) == Decimal("3.00")
    assert to_money("1,234.5") == Decimal("1234.50")
    with pytest.raises(TypeError):
        to_money(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_money("abc")
    assert wan_to_yuan(Decimal("48.754824")) == Decimal("487548.24")


@given(st.decimals(min_value=0, max_value=10**9, places=2), st.integers(1, 360))
def test_allocation_adds_up_exactly(total, parts):
    shares = allocate(total, parts)
    assert sum(shares) == quantize_fen(total)
    assert max(shares) - min(shares) <= Decimal("0.01")


def test_masking_keeps_only_what_the_rule_allows():
    assert mask_resident_id("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张*"


def test_pseudonyms_are_stable_keyed_versioned_and_kind_tagged():
    rid = ResidentId.parse("11010519491231002X")
    code = CreditCode.parse("91110000600037341L")
    one = Pseudonymizer(PseudonymKeyring.parse(KEY1))
    again = Pseudonymizer(PseudonymKeyring.parse(KEY1))
    rotated = Pseudonymizer(PseudonymKeyring.parse(f"{KEY1},{KEY2}"))
    assert one.of(rid) == again.of(rid)
    assert one.of(rid).startswith("P1-") and one.of(code).startswith("E1-")
    assert rotated.of(rid).startswith("P2-") and rotated.of(rid) != one.of(rid)
    assert "19491231" not in one.of(rid)
    assert pseudonym_kind(one.of(code)) is SubjectKind.ENTERPRISE
    assert one.many(SubjectKind.PERSON, [rid.value]) == [one.of(rid)]


def test_short_or_missing_keys_are_refused():
    with pytest.raises(ValidationError):
        PseudonymKeyring.parse("1:abcd")
    with pytest.raises(ValidationError):
        PseudonymKeyring.parse("")
