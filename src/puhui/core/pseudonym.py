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
_KIND_OF_INITIAL = {kind.value[0]: kind for kind in SubjectKind}
# 128 bits of the 256-bit SM3 HMAC: collisions are negligible for any city, and lake columns stay small.
PSEUDONYM_HEX_CHARS = 32
MIN_KEY_BYTES = 32


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

    def __post_init__(self) -> None:
        self.version = self.keyring.active if self.version is None else self.version
        if self.version not in self.keyring.keys:
            raise ValidationError(f"no pseudonym key of version {self.version}")
        self._base = hmac.HMAC(self.keyring.keys[self.version], hashes.SM3())

    def raw(self, kind: SubjectKind, normalized: str) -> str:
        """Pseudonym of an already validated and normalized number (the vectorized ingest path)."""
        memo_key = kind.value[0] + normalized
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        mac = self._base.copy()
        mac.update(f"{kind.value}:{normalized}".encode())
        pseudonym = f"{_PREFIX[kind]}{self.version}-{mac.finalize().hex()[:PSEUDONYM_HEX_CHARS]}"
        if len(self._memo) < 5_000_000:
            self._memo[memo_key] = pseudonym
        return pseudonym

    def many_keyed(self, keys: Sequence[str | None]) -> list[str | None]:
        """Pseudonyms in bulk for memo keys — the kind's initial (``p`` person, ``e`` enterprise) followed by the
        normalized number, as ``raw`` files them; None stays None. Numbers met before cost one dict lookup."""
        made = [self._memo.get(key) if key is not None else None for key in keys]
        for index, key in enumerate(keys):
            if key is not None and made[index] is None:
                made[index] = self.raw(_KIND_OF_INITIAL[key[0]], key[1:])
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
