"""Pseudonymization: a keyed hash (HMAC over SM3) of a normalized subject identifier.

The pseudonym is stable for one key, so the lake can join a person's records across departments without ever
holding the number. Keys are versioned so they can rotate: a pseudonym names its key version
(``P1-…`` is a person under key 1, ``E2-…`` an enterprise under key 2). The key lives with the node's secrets,
never in the lake; without it a pseudonym cannot be reversed or recomputed (GB/T 35273 §6.2 separation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, hmac

from puhui.core.errors import ValidationError
from puhui.core.ids import CreditCode, ResidentId, SubjectKind

_PREFIX = {SubjectKind.PERSON: "P", SubjectKind.ENTERPRISE: "E"}
# 128 bits of the 256-bit SM3 HMAC: collisions are negligible for any city, and lake columns stay small.
PSEUDONYM_HEX_CHARS = 32
MIN_KEY_BYTES = 32
# Pseudonyms a pseudonymizer remembers: a city's subjects, bounded for memory.
_MEMO_LIMIT = 5_000_000


@dataclass(frozen=True)
class PseudonymKeyring:
    """Versioned keys; ``active`` is the version new pseudonyms are made with."""

    keys: Mapping[int, bytes]
    active: int

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ValidationError(f"the active pseudonym key version {self.active} has no key")
        for version, key in self.keys.items():
            if len(key) < MIN_KEY_BYTES:
                raise ValidationError(f"pseudonym key {version} is shorter than {MIN_KEY_BYTES} bytes")

    @classmethod
    def parse(cls, spec: str, active: int | None = None) -> PseudonymKeyring:
        """Read ``"1:<hex>,2:<hex>"``; the highest version is active unless named."""
        keys: dict[int, bytes] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            version, _, hex_key = part.partition(":")
            try:
                keys[int(version)] = bytes.fromhex(hex_key)
            except ValueError:
                raise ValidationError("pseudonym keys are written as VERSION:HEX, comma separated") from None
        if not keys:
            raise ValidationError("no pseudonym key configured")
        return cls(keys=keys, active=active if active is not None else max(keys))


@dataclass
class Pseudonymizer:
    """Turns normalized identifiers into pseudonyms; remembers the ones it made (a bulk load repeats IDs)."""

    keyring: PseudonymKeyring
    version: int | None = None
    _base: hmac.HMAC = field(init=False, repr=False)
    _memo: dict[str, str] = field(init=False, repr=False, default_factory=dict)
    # Per kind's initial: the message's prefix and the pseudonym's, made once rather than per number.
    _forms: dict[str, tuple[bytes, str]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.version = self.keyring.active if self.version is None else self.version
        if self.version not in self.keyring.keys:
            raise ValidationError(f"no pseudonym key of version {self.version}")
        self._base = hmac.HMAC(self.keyring.keys[self.version], hashes.SM3())
        self._forms = {
            kind.value[0]: (f"{kind.value}:".encode(), f"{_PREFIX[kind]}{self.version}-") for kind in SubjectKind
        }

    def raw(self, kind: SubjectKind, normalized: str) -> str:
        """Pseudonym of an already validated and normalized number (the vectorized ingest path)."""
        return self.many_keyed([kind.value[0] + normalized])[0]  # type: ignore[return-value]

    def many_keyed(self, keys: Sequence[str | None]) -> list[str | None]:
        """Pseudonyms in bulk for memo keys — the kind's initial (``p`` person, ``e`` enterprise) followed by the
        normalized number; None stays None. Numbers met before cost one dict lookup. One loop with no call per
        number: a city's first delivery of residents makes a million (3.5 -> 2.2 µs each)."""
        memo, base, forms = self._memo, self._base, self._forms
        made: list[str | None] = []
        for key in keys:
            if key is None:
                made.append(None)
                continue
            pseudonym = memo.get(key)
            if pseudonym is None:
                message, prefix = forms[key[0]]
                mac = base.copy()
                mac.update(message + key[1:].encode())
                pseudonym = prefix + mac.finalize().hex()[:PSEUDONYM_HEX_CHARS]
                if len(memo) < _MEMO_LIMIT:
                    memo[key] = pseudonym
            made.append(pseudonym)
        return made

    def of(self, subject: ResidentId | CreditCode) -> str:
        return self.raw(subject.kind, subject.value)

    def many(self, kind: SubjectKind, normalized: Iterable[str]) -> list[str]:
        return [self.raw(kind, number) for number in normalized]


def pseudonym_kind(pseudonym: str) -> SubjectKind:
    if pseudonym[:1] == "P":
        return SubjectKind.PERSON
    if pseudonym[:1] == "E":
        return SubjectKind.ENTERPRISE
    raise ValidationError("not a pseudonym")


__all__ = ["PSEUDONYM_HEX_CHARS", "PseudonymKeyring", "Pseudonymizer", "pseudonym_kind"]
