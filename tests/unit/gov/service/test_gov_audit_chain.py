"""The SM3 audit chain, verified without a database: every kind of tampering is found at its exact record."""

import dataclasses
import datetime as dt

import pytest

from puhui.gov.audit.model import (
    GENESIS,
    Actor,
    AuditEvent,
    AuditHead,
    EventType,
    Role,
    Tampering,
    chain,
    record_hash,
    verify_chain,
)

START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
ACTOR = Actor("ins_1", Role.INSTITUTION, "10.0.0.1")


def _log(n: int = 8):
    events = [
        AuditEvent.by(ACTOR, EventType.INDICATOR_QUERY, f"P1-{i}", at=START + dt.timedelta(seconds=i), detail={"i": i})
        for i in range(n)
    ]
    records = chain(GENESIS, events)
    return records, AuditHead(records[-1].seq, records[-1].hash)


def _renumber(records, start_seq, delta):
    return [dataclasses.replace(r, seq=r.seq + delta) if r.seq >= start_seq else r for r in records]


def _first(records, head):
    findings = verify_chain(records, head)
    assert findings, "tampering went unnoticed"
    return findings[0].seq, findings[0].kind


def test_an_untouched_log_verifies_and_the_chain_continues_from_its_head():
    records, head = _log()
    assert verify_chain(records, head) == []
    more = chain(head, [AuditEvent.by(ACTOR, EventType.CONSENT_REVOKED, "P1-x", at=START)])
    assert more[0].seq == 9 and more[0].prev_hash == head.hash
    assert verify_chain([*records, *more], AuditHead(9, more[0].hash)) == []
    assert verify_chain([], GENESIS) == []


def test_editing_any_field_is_found_at_that_record():
    records, head = _log()
    edited = dataclasses.replace(records[4], event=dataclasses.replace(records[4].event, outcome="refused"))
    assert _first([*records[:4], edited, *records[5:]], head) == (5, Tampering.EDITED)


def test_an_edit_with_its_hash_rewritten_breaks_the_next_link():
    records, head = _log()
    event = dataclasses.replace(records[4].event, reason="rewritten")
    rewritten = dataclasses.replace(records[4], event=event, hash=record_hash(records[4].prev_hash, event))
    seq, kind = _first([*records[:4], rewritten, *records[5:]], head)
    assert (seq, kind) == (6, Tampering.DELETED)  # the link from 5 to 6 is gone: 5 rewritten or a record lost


@pytest.mark.parametrize("position", [0, 3, 7])
def test_deleting_a_record_is_found_where_it_was(position):
    records, head = _log()
    assert _first(records[:position] + records[position + 1 :], head) == (position + 1, Tampering.DELETED)


def test_deleting_a_record_and_renumbering_the_rest_is_found_too():
    records, head = _log()
    renumbered = _renumber(records[:3] + records[4:], 5, -1)
    assert _first(renumbered, head)[0] == 4


def test_inserting_a_record_is_found_where_it_went():
    records, head = _log()
    forged_event = AuditEvent.by(Actor("x", Role.ADMIN), EventType.INSTITUTION_ADMITTED, "ins_forged", at=START)
    forged = chain(AuditHead(3, records[2].hash), [forged_event])[0]  # a perfect link onto record 3
    assert _first([*records[:3], forged, *_renumber(records[3:], 4, 1)], head) == (4, Tampering.INSERTED)
    appended = chain(head, [forged_event])[0]
    assert _first([*records, appended], head) == (9, Tampering.INSERTED)


def test_reordering_records_is_found():
    records, head = _log()
    swapped = [
        *records[:2],
        dataclasses.replace(records[3], seq=3),
        dataclasses.replace(records[2], seq=4),
        *records[4:],
    ]
    assert _first(swapped, head) == (3, Tampering.REORDERED)


def test_cutting_the_end_off_is_found_by_the_head():
    records, head = _log()
    assert _first(records[:-2], head) == (7, Tampering.DELETED)
    assert _first([], head) == (1, Tampering.DELETED)
