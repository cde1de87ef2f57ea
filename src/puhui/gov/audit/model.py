"""Audit records and their SM3 hash chain, and the verification that finds tampering (pure).

Each record's hash is SM3 over the previous record's hash and the canonical JSON of its own content, so editing,
deleting, inserting or reordering a record breaks the chain. ``verify_chain`` walks the chain by its links
(not by storage order) and says which record was edited, deleted, inserted or moved, and where. The head (the
last sequence number and hash the service wrote) reveals records cut from, or appended to, the end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from puhui.core.signing import DigestAlgorithm, canonical_json, hex_digest

GENESIS_HASH = "0" * 64


class Role(enum.StrEnum):
    ADMIN = "admin"
    INSTITUTION = "institution"
    APPLICANT = "applicant"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    REFUSED = "refused"
    FAILED = "failed"


class EventType(enum.StrEnum):
    ADMIN_AUTHENTICATION = "admin_authentication"
    REQUEST_AUTHENTICATION = "request_authentication"
    CONFIGURATION_LOADED = "configuration_loaded"
    INSTITUTION_ADMITTED = "institution_admitted"
    INSTITUTION_SUSPENDED = "institution_suspended"
    INSTITUTION_REINSTATED = "institution_reinstated"
    INSTITUTION_REVOKED = "institution_revoked"
    INSTITUTION_KEY_ROTATED = "institution_key_rotated"
    IDENTITY_CHALLENGE = "identity_challenge"
    IDENTITY_VERIFICATION = "identity_verification"
    SESSION_ENDED = "session_ended"
    CONSENT_REQUESTED = "consent_requested"
    CONSENT_APPROVED = "consent_approved"
    CONSENT_REJECTED = "consent_rejected"
    CONSENT_PAUSED = "consent_paused"
    CONSENT_RESUMED = "consent_resumed"
    CONSENT_REVOKED = "consent_revoked"
    CONSENT_EXPIRED = "consent_expired"
    INDICATOR_QUERY = "indicator_query"
    DEFAULT_REPORTED = "default_reported"
    LISTING_DISPUTED = "listing_disputed"
    LISTING_ANSWERED = "listing_answered"
    LISTING_SETTLED = "listing_settled"
    LISTING_EXPIRED = "listing_expired"
    AUDIT_VERIFIED = "audit_verified"
    FEES_EXPORTED = "fees_exported"


def storable(text: str) -> str:
    """Text any database keeps as it is: NUL and unpaired surrogates (a caller's path or header may carry them)
    become visible escapes instead of failing the write."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


@dataclasses.dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, in which role, from where (the source address)."""

    id: str
    role: Role
    source: str = "local"


SYSTEM_ACTOR = Actor("puhui", Role.SYSTEM, "local")


@dataclasses.dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event. ``role``, ``event`` and ``outcome`` hold the enums' values as plain strings, so that a record
    read back from storage — possibly tampered with — is still an event that can be hashed and judged."""

    at: dt.datetime
    actor: str
    role: str
    source: str
    event: str
    object: str
    outcome: str
    reason: str = ""
    consent_id: str | None = None
    detail: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def by(
        cls,
        actor: Actor,
        event: EventType,
        object: str,
        *,
        at: dt.datetime,
        outcome: Outcome = Outcome.SUCCESS,
        reason: str = "",
        consent_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        return cls(
            at,
            storable(actor.id),
            actor.role.value,
            storable(actor.source),
            event.value,
            storable(object),
            outcome.value,
            storable(reason),
            consent_id,
            detail or {},
        )

    def content(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "role": str(self.role),
            "source": self.source,
            "event": str(self.event),
            "object": self.object,
            "consent_id": self.consent_id,
            "outcome": str(self.outcome),
            "reason": self.reason,
            "detail": dict(self.detail),
        }


def record_hash(prev_hash: str, event: AuditEvent) -> str:
    return hex_digest(prev_hash.encode() + b"\n" + canonical_json(event.content()), DigestAlgorithm.SM3)


@dataclasses.dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str


@dataclasses.dataclass(frozen=True, slots=True)
class AuditHead:
    """The last record the service appended."""

    seq: int
    hash: str


GENESIS = AuditHead(0, GENESIS_HASH)


def chain(head: AuditHead, events: Iterable[AuditEvent]) -> list[AuditRecord]:
    """Records for ``events``, appended after ``head``."""
    records = []
    seq, prev = head.seq, head.hash
    for event in events:
        seq += 1
        digest = record_hash(prev, event)
        records.append(AuditRecord(seq, event, prev, digest))
        prev = digest
    return records


class Tampering(enum.StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"


@dataclasses.dataclass(frozen=True, slots=True)
class AuditFinding:
    seq: int
    kind: Tampering
    message: str


def verify_chain(records: Sequence[AuditRecord], head: AuditHead | None) -> list[AuditFinding]:
    """Every tampering found, by sequence number; an empty list means the log is intact."""
    findings: dict[int, AuditFinding] = {}

    def found(seq: int, kind: Tampering, message: str) -> None:
        findings.setdefault(seq, AuditFinding(seq, kind, message))

    ordered = sorted(records, key=lambda r: r.seq)
    by_seq = {r.seq: r for r in ordered}
    successors: dict[str, list[AuditRecord]] = defaultdict(list)
    for record in ordered:
        if record_hash(record.prev_hash, record.event) != record.hash:
            found(record.seq, Tampering.EDITED, f"record {record.seq} was edited: its content does not match its hash")
        successors[record.prev_hash].append(record)
    claimed = set(successors)  # hashes some record names as its predecessor
    last_seq = head.seq if head is not None else None

    unvisited = dict(by_seq)
    pending = iter(ordered)  # for the lowest unvisited sequence number after a break
    current, previous = GENESIS_HASH, None
    while unvisited:
        candidates = [r for r in successors.get(current, ()) if r.seq in unvisited]
        if candidates:
            # Two records claiming one predecessor: the genuine one is continued by the chain (or is the head).
            candidates.sort(key=lambda r: (r.hash not in claimed, head is None or r.hash != head.hash, r.seq))
            chosen = candidates[0]
            for extra in candidates[1:]:
                after = previous.seq if previous is not None else 0
                found(extra.seq, Tampering.INSERTED, f"record {extra.seq} was inserted after record {after}")
                del unvisited[extra.seq]
            if previous is not None and chosen.seq < previous.seq:
                found(
                    chosen.seq,
                    Tampering.REORDERED,
                    f"record {chosen.seq} is out of order: by the chain it comes after record {previous.seq}",
                )
        else:
            chosen = next(r for r in pending if r.seq in unvisited)
            after = previous.seq if previous is not None else 0
            if last_seq is not None and chosen.seq > last_seq:
                found(chosen.seq, Tampering.INSERTED, f"record {chosen.seq} was appended after the last one written")
            elif chosen.seq > after + 1:
                gone = f"{after + 1}" if chosen.seq == after + 2 else f"{after + 1}–{chosen.seq - 1}"
                found(after + 1, Tampering.DELETED, f"record {gone} was deleted (before record {chosen.seq})")
            else:
                found(
                    chosen.seq,
                    Tampering.DELETED,
                    f"record {chosen.seq} does not follow record {after}: a record between them was deleted "
                    f"(and the rest renumbered) or record {after} was rewritten with a new hash",
                )
        del unvisited[chosen.seq]
        current, previous = chosen.hash, chosen

    if head is not None:
        top = ordered[-1].seq if ordered else 0
        if top < head.seq:
            cut = f"{top + 1}" if top + 1 == head.seq else f"{top + 1}–{head.seq}"
            found(top + 1, Tampering.DELETED, f"record {cut} deleted from the end (the service wrote up to {head.seq})")
        elif top > head.seq:
            appended = f"{head.seq + 1}" if top == head.seq + 1 else f"{head.seq + 1}–{top}"
            found(
                head.seq + 1,
                Tampering.INSERTED,
                f"record {appended} appended outside the service (it wrote up to record {head.seq})",
            )
        elif top and by_seq[top].hash != head.hash:
            found(top, Tampering.EDITED, f"record {top} was rewritten: its hash is not the one the service wrote")
    return sorted(findings.values(), key=lambda f: f.seq)


__all__ = [
    "GENESIS",
    "GENESIS_HASH",
    "SYSTEM_ACTOR",
    "Actor",
    "AuditEvent",
    "AuditFinding",
    "AuditHead",
    "AuditRecord",
    "EventType",
    "Outcome",
    "Role",
    "Tampering",
    "chain",
    "record_hash",
    "storable",
    "verify_chain",
]
