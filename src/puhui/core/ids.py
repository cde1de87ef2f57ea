"""Subject identifiers: the 18-digit resident identity number and the 18-character unified social credit code.

Validation is delegated to python-stdnum (GB 11643 / ISO 7064 MOD 11-2 and GB 32100); this module turns its
results into value objects that cannot hold an invalid number and into errors that say what is wrong.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from puhui.core.errors import InvalidIdentifier
from puhui.core.masking import mask_resident_id


class SubjectKind(enum.StrEnum):
    PERSON = "person"
    ENTERPRISE = "enterprise"


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


# First character of a credit code: the registering authority; second: the entity class (GB 32100 appendix).
ENTITY_CLASSES: dict[str, str] = {
    "91": "enterprise",
    "92": "individual business",
    "93": "farmers' professional cooperative",
    "11": "government organ",
    "12": "public institution",
    "51": "social organisation",
    "52": "private non-enterprise unit",
    "53": "foundation",
}


def _normalize(number: str) -> str:
    """Strip blanks and separators, upper-case; full-width digits and letters become half-width."""
    half = number.translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
    return "".join(half.split()).replace("-", "").upper()


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A valid 18-digit resident identity number (公民身份号码)."""

    value: str

    def __post_init__(self) -> None:
        _check_resident_id(self.value)

    @classmethod
    def parse(cls, number: str) -> ResidentId:
        return cls(_normalize(number))

    @property
    def kind(self) -> SubjectKind:
        return SubjectKind.PERSON

    @property
    def region_code(self) -> str:
        """The GB/T 2260 address code where the number was first issued."""
        return self.value[:6]

    @property
    def birth_date(self) -> dt.date:
        return dt.datetime.strptime(self.value[6:14], "%Y%m%d").date()

    @property
    def sex(self) -> Sex:
        """Odd sequence digit: male; even: female (GB 11643 §5.3)."""
        return Sex.MALE if int(self.value[16]) % 2 else Sex.FEMALE

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __str__(self) -> str:  # never print the plaintext by accident
        return mask_resident_id(self.value)

    def __repr__(self) -> str:
        return f"ResidentId({mask_resident_id(self.value)!r})"


@dataclass(frozen=True, slots=True)
class CreditCode:
    """A valid 18-character unified social credit code (统一社会信用代码)."""

    value: str

    def __post_init__(self) -> None:
        _check_credit_code(self.value)

    @classmethod
    def parse(cls, number: str) -> CreditCode:
        return cls(_normalize(number))

    @property
    def kind(self) -> SubjectKind:
        return SubjectKind.ENTERPRISE

    @property
    def entity_class(self) -> str:
        return ENTITY_CLASSES.get(self.value[:2], "other")

    @property
    def region_code(self) -> str:
        return self.value[2:8]

    @property
    def organization_code(self) -> str:
        return self.value[8:17]

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"CreditCode({self.value!r})"


SubjectId = ResidentId | CreditCode


def _check_resident_id(number: str) -> None:
    if len(number) != 18:
        raise InvalidIdentifier(f"a resident ID has 18 characters, this one has {len(number)}")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdentifier("a resident ID is 17 digits followed by a digit or X")
    try:
        dt.datetime.strptime(number[6:14], "%Y%m%d")
    except ValueError:
        raise InvalidIdentifier(f"the birth date {number[6:14]} in this resident ID is not a real date") from None
    expected = ric.calc_check_digit(number)
    if expected != number[17]:
        raise InvalidIdentifier(
            f"check digit should be {expected}, not {number[17]}", code="invalid_identifier_checksum"
        )
    # stdnum also checks the birth place against its own table of region codes, which lacks many codes
    # (Xinyu's 360502 among them) and all abolished ones still printed on older people's cards; the region
    # is therefore read, not enforced.
    if dt.datetime.strptime(number[6:14], "%Y%m%d").date() > dt.date.today():
        raise InvalidIdentifier(f"the birth date {number[6:14]} in this resident ID is in the future")


def _check_credit_code(number: str) -> None:
    if len(number) != 18:
        raise InvalidIdentifier(f"a unified social credit code has 18 characters, this one has {len(number)}")
    try:
        expected = uscc.calc_check_digit(number)
    except (KeyError, ValueError, IndexError):
        raise InvalidIdentifier(
            "a unified social credit code uses only digits and the letters of GB 32100 (no I, O, S, V, Z)"
        ) from None
    if expected != number[17]:
        raise InvalidIdentifier(
            f"check character should be {expected}, not {number[17]}", code="invalid_identifier_checksum"
        )
    try:
        uscc.validate(number)
    except stdnum_errors.ValidationError as err:
        raise InvalidIdentifier(f"not a valid unified social credit code: {err}") from None


# GB/T 2260 province prefixes; credit codes begin with an authority class (1, 5, 9 …) and an entity class instead.
PROVINCE_PREFIXES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)


def looks_like_resident_id(normalized: str) -> bool:
    """Shape only (which checks to apply, not validity): 17 digits, a digit or X, a province prefix and a
    birth century. Prefixes such as 11 or 12 are also credit-code authority classes; the century tells them apart."""
    return (
        len(normalized) == 18
        and normalized[:17].isdigit()
        and normalized[17] in "0123456789X"
        and normalized[:2] in PROVINCE_PREFIXES
        and normalized[6:8] in ("18", "19", "20")
    )


def parse_subject_id(number: str, kind: SubjectKind | None = None) -> SubjectId:
    """Parse a resident ID or a credit code; ``kind`` decides when the caller knows, the shape otherwise."""
    normalized = _normalize(number)
    if kind is SubjectKind.PERSON or (kind is None and looks_like_resident_id(normalized)):
        return ResidentId(normalized)
    return CreditCode(normalized)


def resident_id_check_digit(first17: str) -> str:
    """The check digit that completes 17 digits (stdnum wants a placeholder in the 18th place)."""
    return str(ric.calc_check_digit(first17 + "0"))


def credit_code_check_char(first17: str) -> str:
    return str(uscc.calc_check_digit(first17))


__all__ = [
    "ENTITY_CLASSES",
    "CreditCode",
    "ResidentId",
    "Sex",
    "SubjectId",
    "SubjectKind",
    "credit_code_check_char",
    "parse_subject_id",
    "resident_id_check_digit",
]
